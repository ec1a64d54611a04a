/*
 * blockkeys.h
 *	  The blockkeys and blockquery types: sorted sets of 64-bit blocking keys.
 *
 * A blocking key is a 64-bit value whose top 8 bits are the id of the rule
 * that made it and whose low 56 bits are a hash of the rule's normalised
 * field values (see blocking.c).  A record's keys are stored as one
 * blockkeys value: a varlena holding the keys sorted ascending as unsigned
 * integers, without duplicates.  A blockquery has the same layout with a
 * minimum number of shared keys in the second word; it is the right operand
 * of the @@ operator ("shares at least k keys") so that k can come from the
 * query rather than from a setting.
 *
 * Both layouts put the keys at offset 8, and the types are declared with
 * double alignment, so the keys can be read in place once detoasted.
 */
#ifndef BLOCKKEYS_H
#define BLOCKKEYS_H

#include "postgres.h"
#include "fmgr.h"

typedef struct BlockKeys
{
	int32		vl_len_;		/* varlena header (do not touch directly) */
	int32		word;			/* blockkeys: 0 (format version);
								 * blockquery: minimum shared keys */
	uint64		keys[FLEXIBLE_ARRAY_MEMBER];	/* sorted, unique */
} BlockKeys;

#define BLOCKKEYS_HDRSZ			offsetof(BlockKeys, keys)
#define BLOCKKEYS_SIZE(n)		(BLOCKKEYS_HDRSZ + sizeof(uint64) * (n))
#define BLOCKKEYS_COUNT(bk)		((int) ((VARSIZE(bk) - BLOCKKEYS_HDRSZ) / sizeof(uint64)))

/*
 * At most this many keys in one set: far above what any rule set produces
 * (a person with 50 addresses and 10 rules has 500), low enough that one
 * set stays well inside a GIN index tuple's budget of entries per item.
 */
#define BLOCKKEYS_MAX_KEYS		10000

/*
 * Layout of a key made by blocking_keys(): rule id (8 bits), order (16 bits,
 * sorts like the rule's first part), hash (40 bits).
 */
#define BLOCKKEY_RULE_SHIFT		56
#define BLOCKKEY_ORDER_SHIFT	40
#define BLOCKKEY_HASH_MASK		UINT64CONST(0x000000FFFFFFFFFF)
#define BLOCKKEY_RULE(k)		((int) ((k) >> BLOCKKEY_RULE_SHIFT))

#define DatumGetBlockKeysP(X)	((BlockKeys *) PG_DETOAST_DATUM(X))
#define PG_GETARG_BLOCKKEYS_P(n) DatumGetBlockKeysP(PG_GETARG_DATUM(n))

/*
 * Build a blockkeys value from an array of keys in any order; the array is
 * sorted and deduplicated in place.  Errors if there are too many keys.
 */
extern BlockKeys *blockkeys_build(uint64 *keys, int nkeys);

/* Sort ascending (unsigned) and drop duplicates; returns the new count. */
extern int	blockkeys_sort_unique(uint64 *keys, int nkeys);

/* Number of keys two sorted key arrays share, counting no further than stop. */
extern int	blockkeys_shared(const uint64 *a, int na, const uint64 *b, int nb, int stop);

#endif							/* BLOCKKEYS_H */
