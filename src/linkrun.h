/*
 * linkrun.h
 *	  Comparing a registry record with a register person: birth date, sex,
 *	  and the record's address against the person's address history.
 *
 * The link run (src/sql/66_link_run.sql) scores every candidate pair with
 * one call of link_levels(), which returns one level per comparison of the
 * Dutch model 'nl', in its position order.  The levels follow the
 * convention of levels.h: 0 "else", higher closer, the highest exact,
 * "missing" (SQL NULL) when either side lacks the value.
 */
#ifndef PSEUDOLINK_LINKRUN_H
#define PSEUDOLINK_LINKRUN_H

#include "utils/date.h"

/* Positions of the comparisons in the level array of model 'nl' (1-based in SQL). */
#define PL_LINK_BIRTH_DATE		0
#define PL_LINK_SEX				1
#define PL_LINK_POSTCODE		2
#define PL_LINK_HOUSE_NUMBER	3
#define PL_LINK_NCOMP			4

/* Levels of the postcode against the address history. */
#define PL_HIST_ELSE			0	/* no period's postcode is close */
#define PL_HIST_SAME_PC4		1	/* a period has the same four digits */
#define PL_HIST_ONE_CHAR		2	/* a period's postcode has one character wrong or the letters swapped */
#define PL_HIST_EXACT_OTHER		3	/* exact at a period other than the one valid on the reference date */
#define PL_HIST_EXACT_REF		4	/* exact at the period valid on the reference date */

/* A level that is missing (SQL NULL). */
#define PL_LEVEL_MISSING		(-1)

/* One address period of a person, as the comparison reads it. */
typedef struct PlPeriod
{
	bool		has_postcode;	/* a Dutch postcode (not NULL, not 0000) */
	char		postcode[6];	/* 1234AB */
	int32		house_number;	/* 0 when none */
	const char *suffix;			/* not NUL-terminated; NULL when none */
	int			suffix_len;
	bool		at_reference;	/* valid on the record's reference date */
	DateADT		valid_from;
} PlPeriod;

/*
 * The postcode and house number levels of a record's address against a
 * person's periods: level of the postcode (PL_HIST_*, or PL_LEVEL_MISSING)
 * and of the house number (compare_house_numbers' levels, or missing) at
 * the period that gave the postcode level.
 */
extern void PlCompareAddressHistory(bool has_postcode, const char *postcode,
									int32 house_number, const char *suffix, int suffix_len,
									const PlPeriod *periods, int nperiods,
									int *postcode_level, int *house_level);

#endif							/* PSEUDOLINK_LINKRUN_H */
