/*
 * levels.h
 *	  Comparison levels of the Dutch linkage fields: birth dates, postcodes,
 *	  house numbers, and names by Jaro-Winkler thresholds.
 *
 * The convention for every level function (doc/scoring.md): level 0 is
 * "else" (the values disagree), a higher level is a closer agreement, the
 * highest level is exact agreement, and a missing value gives no level
 * (SQL NULL).  The model tables (pseudolink.fs_level) use the same numbers.
 */
#ifndef PSEUDOLINK_LEVELS_H
#define PSEUDOLINK_LEVELS_H

#include "utils/date.h"

/* compare_dates */
#define PL_DATE_ELSE			0
#define PL_DATE_WITHIN_YEAR		1	/* at most 365 days apart */
#define PL_DATE_SAME_MONTH		2	/* same year and month */
#define PL_DATE_ONE_DIGIT		3	/* one digit of YYYYMMDD differs */
#define PL_DATE_SWAPPED			4	/* day and month exchanged */
#define PL_DATE_EXACT			5

/* compare_postcodes */
#define PL_POSTCODE_ELSE		0
#define PL_POSTCODE_SAME_PC4	1	/* the same four digits */
#define PL_POSTCODE_ONE_CHAR	2	/* one of the six characters differs */
#define PL_POSTCODE_SWAPPED		3	/* the two letters exchanged */
#define PL_POSTCODE_EXACT		4

/* compare_house_numbers */
#define PL_HOUSE_ELSE			0
#define PL_HOUSE_SAME_NUMBER	1	/* same number, another suffix */
#define PL_HOUSE_EXACT			2

/* Days apart that still count as "within a year". */
#define PL_DATE_YEAR_DAYS		365

extern int	PlCompareDates(DateADT a, DateADT b);

#endif							/* PSEUDOLINK_LEVELS_H */
