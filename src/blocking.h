/*
 * blocking.h
 *	  Blocking: rules as data, blocking keys built from records, and the
 *	  settings of the blocking index.
 *
 * The key-set type and its GIN operator class live in blockkeys.c
 * (blockkeys.h); this header holds what the two files share and what
 * _PG_init calls.
 */
#ifndef BLOCKING_H
#define BLOCKING_H

/*
 * pseudolink.blocking_threshold: the number of keys two key sets must share
 * for the % operator to hold (as pg_trgm.similarity_threshold is for its %).
 */
extern int	blocking_threshold;

/* Registers the blocking settings; called once from _PG_init. */
extern void blocking_init(void);

#endif							/* BLOCKING_H */
