/*
 * levels.c
 *	  Comparison levels for the fields a Dutch linkage compares: birth
 *	  dates, postcodes, house numbers with suffix, and names by Jaro-Winkler
 *	  thresholds.
 *
 * A Fellegi-Sunter model does not ask "equal or not" but "how well do the
 * two values agree", in a few ordered levels, each with its own m and u
 * probability.  The levels here encode the errors registries actually make
 * (DOMAIN: about 2% per field): day and month exchanged, one digit mistyped,
 * the postcode letters exchanged, a wrong suffix.  Every function returns
 * level 0 for "else", higher levels for closer agreement, the highest for
 * exact agreement, and NULL when either value is missing, so that a missing
 * value contributes nothing to the match weight (levels.h, doc/scoring.md).
 *
 * The functions are lenient on purpose, like blocking: a postcode that is
 * not a Dutch postcode (the NHR codes 0000 abroad and -1 unknown included)
 * compares as missing instead of raising an error, because one bad field
 * must not stop a linkage run of millions of pairs.  They never put a value
 * in an error message.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"

#include "compare.h"
#include "levels.h"
#include "normalise.h"

/*
 * ARR_DATA_PTR without its mixed-signedness conditional, which -Wextra
 * -Werror rejects.
 */
static inline char *
ArrayDataPtr(ArrayType *a)
{
	return (char *) a + (ARR_HASNULL(a) ? (Size) a->dataoffset : ARR_OVERHEAD_NONULLS(ARR_NDIM(a)));
}

/* ---------------------------------------------------------------------
 * Dates
 * ---------------------------------------------------------------------
 */

/* Digits of YYYYMMDD that differ, or 9 when a year is outside 0..9999. */
static int
DigitsDiffering(int y1, int m1, int d1, int y2, int m2, int d2)
{
	int			a[8],
				b[8],
				i,
				n = 0;

	if (y1 < 0 || y1 > 9999 || y2 < 0 || y2 > 9999)
		return 9;
	a[0] = y1 / 1000;
	a[1] = y1 / 100 % 10;
	a[2] = y1 / 10 % 10;
	a[3] = y1 % 10;
	a[4] = m1 / 10;
	a[5] = m1 % 10;
	a[6] = d1 / 10;
	a[7] = d1 % 10;
	b[0] = y2 / 1000;
	b[1] = y2 / 100 % 10;
	b[2] = y2 / 10 % 10;
	b[3] = y2 % 10;
	b[4] = m2 / 10;
	b[5] = m2 % 10;
	b[6] = d2 / 10;
	b[7] = d2 % 10;
	for (i = 0; i < 8; i++)
		n += a[i] != b[i];
	return n;
}

/*
 * The first level that holds, from the top: exact; day and month
 * exchanged (7 March against 3 July); one digit of YYYYMMDD wrong; same
 * year and month; at most 365 days apart; else.
 */
int
PlCompareDates(DateADT a, DateADT b)
{
	int			y1,
				m1,
				d1,
				y2,
				m2,
				d2;

	if (a == b)
		return PL_DATE_EXACT;
	if (DATE_NOT_FINITE(a) || DATE_NOT_FINITE(b))
		return PL_DATE_ELSE;
	j2date(a + POSTGRES_EPOCH_JDATE, &y1, &m1, &d1);
	j2date(b + POSTGRES_EPOCH_JDATE, &y2, &m2, &d2);
	if (y1 == y2 && m1 == d2 && d1 == m2)
		return PL_DATE_SWAPPED;
	if (DigitsDiffering(y1, m1, d1, y2, m2, d2) == 1)
		return PL_DATE_ONE_DIGIT;
	if (y1 == y2 && m1 == m2)
		return PL_DATE_SAME_MONTH;
	if (Abs((int64) a - (int64) b) <= PL_DATE_YEAR_DAYS)
		return PL_DATE_WITHIN_YEAR;
	return PL_DATE_ELSE;
}

/* compare_dates(a, b) returns the agreement level of two dates, 0-5. */
PG_FUNCTION_INFO_V1(pseudolink_compare_dates);
Datum
pseudolink_compare_dates(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(PlCompareDates(PG_GETARG_DATEADT(0), PG_GETARG_DATEADT(1)));
}

/* ---------------------------------------------------------------------
 * Postcodes
 * ---------------------------------------------------------------------
 */

typedef struct Postcode
{
	char		c[6];			/* 1234AB, or just the four digits */
	bool		full;			/* has the letters */
} Postcode;

/*
 * A Dutch postcode as normalise_postcode() reads it (case and blanks do not
 * matter), or four digits alone (the area, PC4); false for anything else.
 */
static bool
ReadPostcode(const text *t, Postcode *pc)
{
	const char *s = VARDATA_ANY(t);
	int			len = VARSIZE_ANY_EXHDR(t);
	char		out[7];
	PostcodeClass cls;
	int			a = 0,
				b = len;

	if (PseudolinkNormalisePostcode(s, len, out, &cls) == NULL)
	{
		if (cls != PL_POSTCODE_DUTCH)
			return false;
		memcpy(pc->c, out, 6);
		pc->full = true;
		return true;
	}
	while (a < b && (s[a] == ' ' || s[a] == '\t'))
		a++;
	while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t'))
		b--;
	if (b - a != 4 || s[a] < '1' || s[a] > '9')
		return false;
	for (int i = 1; i < 4; i++)
		if (s[a + i] < '0' || s[a + i] > '9')
			return false;
	memcpy(pc->c, s + a, 4);
	pc->full = false;
	return true;
}

/*
 * compare_postcodes(a, b) returns the agreement level of two postcodes, 0-4:
 * exact; letters exchanged (1234AB, 1234BA); one character wrong; same four
 * digits; else.  NULL when either is not a Dutch postcode.
 */
PG_FUNCTION_INFO_V1(pseudolink_compare_postcodes);
Datum
pseudolink_compare_postcodes(PG_FUNCTION_ARGS)
{
	Postcode	a,
				b;
	int			i,
				differ = 0;

	if (!ReadPostcode(PG_GETARG_TEXT_PP(0), &a) || !ReadPostcode(PG_GETARG_TEXT_PP(1), &b))
		PG_RETURN_NULL();
	if (memcmp(a.c, b.c, 4) != 0)
	{
		if (a.full && b.full)
		{
			for (i = 0; i < 6; i++)
				differ += a.c[i] != b.c[i];
			if (differ == 1)
				PG_RETURN_INT32(PL_POSTCODE_ONE_CHAR);
		}
		PG_RETURN_INT32(PL_POSTCODE_ELSE);
	}
	if (!a.full || !b.full)
		PG_RETURN_INT32(PL_POSTCODE_SAME_PC4);
	if (a.c[4] == b.c[4] && a.c[5] == b.c[5])
		PG_RETURN_INT32(PL_POSTCODE_EXACT);
	if (a.c[4] == b.c[5] && a.c[5] == b.c[4])
		PG_RETURN_INT32(PL_POSTCODE_SWAPPED);
	if (a.c[4] == b.c[4] || a.c[5] == b.c[5])
		PG_RETURN_INT32(PL_POSTCODE_ONE_CHAR);
	PG_RETURN_INT32(PL_POSTCODE_SAME_PC4);
}

/* ---------------------------------------------------------------------
 * House numbers
 * ---------------------------------------------------------------------
 */

/* Characters a suffix may carry that do not count (12-A, 12 a, 12/A). */
static inline bool
SuffixFiller(char c)
{
	return c == ' ' || c == '\t' || c == '-' || c == '/' || c == '.';
}

/*
 * Suffixes compare as blocking's house_suffix transform normalises them:
 * filler dropped, ASCII letters in upper case; a NULL suffix is the empty
 * one.  Compared in place, without a copy.
 */
static bool
SameSuffix(const text *a, const text *b)
{
	const char *s = a ? VARDATA_ANY(a) : "";
	const char *t = b ? VARDATA_ANY(b) : "";
	int			ns = a ? VARSIZE_ANY_EXHDR(a) : 0;
	int			nt = b ? VARSIZE_ANY_EXHDR(b) : 0;
	int			i = 0,
				j = 0;

	for (;;)
	{
		while (i < ns && SuffixFiller(s[i]))
			i++;
		while (j < nt && SuffixFiller(t[j]))
			j++;
		if (i == ns || j == nt)
			return i == ns && j == nt;
		if (pg_ascii_toupper((unsigned char) s[i]) != pg_ascii_toupper((unsigned char) t[j]))
			return false;
		i++;
		j++;
	}
}

/*
 * compare_house_numbers(number, suffix, number, suffix) returns 2 when
 * number and suffix agree, 1 for the same number with another suffix, 0
 * otherwise; NULL when a number is missing or not positive.
 */
PG_FUNCTION_INFO_V1(pseudolink_compare_house_numbers);
Datum
pseudolink_compare_house_numbers(PG_FUNCTION_ARGS)
{
	int32		n1,
				n2;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(2))
		PG_RETURN_NULL();
	n1 = PG_GETARG_INT32(0);
	n2 = PG_GETARG_INT32(2);
	if (n1 < 1 || n2 < 1)
		PG_RETURN_NULL();
	if (n1 != n2)
		PG_RETURN_INT32(PL_HOUSE_ELSE);
	if (SameSuffix(PG_ARGISNULL(1) ? NULL : PG_GETARG_TEXT_PP(1),
				   PG_ARGISNULL(3) ? NULL : PG_GETARG_TEXT_PP(3)))
		PG_RETURN_INT32(PL_HOUSE_EXACT);
	PG_RETURN_INT32(PL_HOUSE_SAME_NUMBER);
}

/* ---------------------------------------------------------------------
 * Names: Jaro-Winkler at thresholds
 * ---------------------------------------------------------------------
 */

#define PL_MAX_THRESHOLDS	9

/*
 * compare_jaro_winkler(a, b, thresholds) returns k + 1 for equal strings
 * (k thresholds), k for a Jaro-Winkler similarity at or above the first
 * threshold, k - 1 at or above the second, ..., 0 below the last: Splink's
 * jaro_winkler_at_thresholds as a level function.
 */
PG_FUNCTION_INFO_V1(pseudolink_compare_jaro_winkler);
Datum
pseudolink_compare_jaro_winkler(PG_FUNCTION_ARGS)
{
	text	   *ta = PG_GETARG_TEXT_PP(0);
	text	   *tb = PG_GETARG_TEXT_PP(1);
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(2);
	const float8 *t;
	int			k,
				i;
	float8		sim;

	if (ARR_NDIM(arr) != 1 || ARR_HASNULL(arr) || ARR_ELEMTYPE(arr) != FLOAT8OID ||
		ARR_DIMS(arr)[0] < 1 || ARR_DIMS(arr)[0] > PL_MAX_THRESHOLDS)
		ereport(ERROR,
				errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				errmsg("thresholds must be a one-dimensional array of 1 to %d numbers without nulls",
					   PL_MAX_THRESHOLDS),
				errhint("Write them from high to low, for example ARRAY[0.92, 0.88]."));
	k = ARR_DIMS(arr)[0];
	t = (const float8 *) ArrayDataPtr(arr);
	for (i = 0; i < k; i++)
		if (!(t[i] >= 0.0 && t[i] <= 1.0) || (i > 0 && !(t[i] < t[i - 1])))
			ereport(ERROR,
					errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					errmsg("thresholds must fall from high to low within [0, 1]"),
					errdetail("Threshold %d is %g.", i + 1, t[i]),
					errhint("Write them from high to low, for example ARRAY[0.92, 0.88]."));

	sim = PlTextJaroWinkler(ta, tb, "compare_jaro_winkler");
	if (sim == 1.0 && VARSIZE_ANY_EXHDR(ta) == VARSIZE_ANY_EXHDR(tb) &&
		memcmp(VARDATA_ANY(ta), VARDATA_ANY(tb), VARSIZE_ANY_EXHDR(ta)) == 0)
		PG_RETURN_INT32(k + 1);
	for (i = 0; i < k; i++)
		if (sim >= t[i])
			PG_RETURN_INT32(k - i);
	PG_RETURN_INT32(0);
}
