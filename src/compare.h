/*
 * compare.h
 *	  String comparators on characters: Jaro, Jaro-Winkler, Levenshtein and
 *	  the unrestricted Damerau-Levenshtein distance.
 *
 * The SQL functions (compare.c) decode their text arguments into code
 * points and call these; another module that already holds code points
 * (the linkage run, say) may call them directly.  Every length is in
 * characters and at most PL_COMPARE_MAX_CHARS: the distances are O(n * m).
 */
#ifndef PSEUDOLINK_COMPARE_H
#define PSEUDOLINK_COMPARE_H

#include "mb/pg_wchar.h"

/* Longest string, in characters, that the comparators accept. */
#define PL_COMPARE_MAX_CHARS	1000

/* Winkler's standard parameters. */
#define PL_WINKLER_PREFIX		4		/* characters of common prefix that count */
#define PL_WINKLER_SCALE		0.1		/* boost per prefix character */
#define PL_WINKLER_THRESHOLD	0.7		/* boost only above this Jaro value */

/* Jaro similarity in [0, 1]; 1 for two empty strings, 0 if one is empty. */
extern double PlJaro(const pg_wchar *a, int na, const pg_wchar *b, int nb);

/* Jaro-Winkler similarity with Winkler's standard parameters. */
extern double PlJaroWinkler(const pg_wchar *a, int na, const pg_wchar *b, int nb);

/*
 * Jaro-Winkler of two text values in the server encoding; fn names the SQL
 * function in the error raised for over-long input.
 */
extern double PlTextJaroWinkler(const text *a, const text *b, const char *fn);

/*
 * Edit distances.  With max >= 0 they stop as soon as the distance must
 * exceed max and return max + 1; max < 0 means no bound.  ascii says that
 * every character of both strings is below 128 (a faster table applies).
 */
extern int	PlLevenshtein(const pg_wchar *a, int na, const pg_wchar *b, int nb,
						  bool ascii, int max);
extern int	PlDamerauLevenshtein(const pg_wchar *a, int na, const pg_wchar *b, int nb,
								 bool ascii, int max);

#endif							/* PSEUDOLINK_COMPARE_H */
