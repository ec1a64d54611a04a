/*
 * fields.c
 *	  Validation of the fields of register rows and registry records other
 *	  than the identifiers of normalise.c: dates (event dates, the validity
 *	  of address periods), house numbers and suffixes, and the clinical
 *	  variables a record carries as a JSON object.
 *
 * Uploads and register loads arrive as text in staging tables, so that a
 * bad value never stops a COPY with an error that repeats it (COPY's error
 * context quotes the value, and ends up in the server log).  The steward's
 * load and the upload's close then check every row with the *_problem
 * functions, which return the rule a value breaks as a sentence and never
 * the value, and convert the good rows with the parse_* functions.  The
 * dates follow the NHR's DD-MM-YYYY and ISO, as birth dates do, with the
 * same years; house number suffixes are normalised exactly as the
 * house_suffix blocking transform normalises them, so a stored suffix and a
 * blocking key agree.
 */
#include "postgres.h"

#include "common/jsonapi.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/date.h"

#include "normalise.h"

/* Longest house number suffix kept (the house_suffix blocking transform's limit). */
#define PL_SUFFIX_MAX		16
/* Highest house number (Dutch house numbers have at most five digits). */
#define PL_HOUSE_NUMBER_MAX 99999
/* Longest text of a record's variables. */
#define PL_VARIABLES_MAX	65536

static const char *const date_empty = "The date is empty.";
static const char *const date_shape =
"A date is written DD-MM-YYYY (NHR) or YYYY-MM-DD (ISO).";

static const char *const number_shape =
"A house number is a whole number from 1 to 99999; letters and additions go in the suffix.";

static const char *const suffix_chars =
"A house number suffix holds letters A-Z and digits only (blanks, '-', '/' and '.' are dropped).";
static const char *const suffix_long =
"A house number suffix has at most 16 letters and digits.";

static const char *const variables_json = "The variables are not valid JSON.";
static const char *const variables_object = "The variables are not a JSON object.";
static const char *const variables_long =
"The variables are longer than 65536 bytes.";

static inline bool
IsSpace(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static inline bool
IsDigit(char c)
{
	return c >= '0' && c <= '9';
}

static void
Trim(const char *in, int len, int *a, int *b)
{
	*a = 0;
	*b = len;
	while (*a < *b && IsSpace(in[*a]))
		(*a)++;
	while (*b > *a && IsSpace(in[*b - 1]))
		(*b)--;
}

/* A date written DD-MM-YYYY (D-M-YYYY too) or YYYY-MM-DD, years 1850-2099. */
static const char *
ParseDate(const char *in, int len, DateADT *date)
{
	static const PseudolinkDateMessages messages = {date_empty, date_shape};

	return PseudolinkNormaliseDate(in, len, &messages, date);
}

/* A house number: digits only (blanks around them ignored), 1-99999; empty is none. */
static const char *
ParseHouseNumber(const char *in, int len, int *number, bool *none)
{
	int			a,
				b,
				p,
				n = 0;

	Trim(in, len, &a, &b);
	*none = (a == b);
	if (*none)
		return NULL;
	/* leading zeros do not count towards the five digits */
	while (a < b - 1 && in[a] == '0')
		a++;
	if (b - a > 5)
		return number_shape;
	for (p = a; p < b; p++)
	{
		if (!IsDigit(in[p]))
			return number_shape;
		n = n * 10 + (in[p] - '0');
	}
	if (n < 1 || n > PL_HOUSE_NUMBER_MAX)
		return number_shape;
	*number = n;
	return NULL;
}

/*
 * A suffix: upper case, blanks, '-', '/' and '.' dropped (as the blocking
 * transform does); out holds PL_SUFFIX_MAX + 1 bytes; empty is none.
 */
static const char *
ParseHouseSuffix(const char *in, int len, char *out, int *outlen)
{
	int			i,
				n = 0;

	for (i = 0; i < len; i++)
	{
		char		c = in[i];

		if (IsSpace(c) || c == '-' || c == '/' || c == '.')
			continue;
		if (c >= 'a' && c <= 'z')
			c = c - 'a' + 'A';
		if (!((c >= 'A' && c <= 'Z') || IsDigit(c)))
			return suffix_chars;
		if (n >= PL_SUFFIX_MAX)
			return suffix_long;
		out[n++] = c;
	}
	out[n] = '\0';
	*outlen = n;
	return NULL;
}

/*
 * A record's variables: a JSON object that jsonb accepts.  The lexer is
 * asked to de-escape strings, so that it also refuses what jsonb refuses
 * (\u0000, escapes the database encoding cannot hold), and pg_parse_json
 * reports the error instead of raising it: the text is never echoed.
 */
static const char *
CheckVariables(const char *in, int len)
{
	JsonLexContext *lex;
	JsonParseErrorType result;
	int			a = 0;

	if (len > PL_VARIABLES_MAX)
		return variables_long;
	while (a < len && IsSpace(in[a]))
		a++;
	lex = makeJsonLexContextCstringLen((char *) in, len, GetDatabaseEncoding(), true);
	result = pg_parse_json(lex, &nullSemAction);
	if (result != JSON_SUCCESS)
		return variables_json;
	/* valid JSON whose first token opens an object is an object */
	if (in[a] != '{')
		return variables_object;
	return NULL;
}

static void
DateError(const char *problem)
{
	bool		format = (problem == date_empty || problem == date_shape);

	ereport(ERROR,
			errcode(format ? ERRCODE_INVALID_DATETIME_FORMAT : ERRCODE_DATETIME_FIELD_OVERFLOW),
			errmsg("invalid date"),
			errdetail("%s", problem),
			errhint("Write a date as DD-MM-YYYY (NHR) or YYYY-MM-DD (ISO), for a year from 1850 to 2099."));
}

/* ------------------------------------------------------------------------
 * SQL functions
 * ------------------------------------------------------------------------
 */

/* parse_date(text) returns the date of a DD-MM-YYYY or YYYY-MM-DD text. */
PG_FUNCTION_INFO_V1(pseudolink_parse_date);
Datum
pseudolink_parse_date(PG_FUNCTION_ARGS)
{
	text	   *in = PG_GETARG_TEXT_PP(0);
	DateADT		date;
	const char *problem;

	problem = ParseDate(VARDATA_ANY(in), VARSIZE_ANY_EXHDR(in), &date);
	if (problem != NULL)
		DateError(problem);
	PG_RETURN_DATEADT(date);
}

/* date_problem(text) returns the rule a date breaks, or NULL. */
PG_FUNCTION_INFO_V1(pseudolink_date_problem);
Datum
pseudolink_date_problem(PG_FUNCTION_ARGS)
{
	text	   *in = PG_GETARG_TEXT_PP(0);
	DateADT		date;
	const char *problem;

	problem = ParseDate(VARDATA_ANY(in), VARSIZE_ANY_EXHDR(in), &date);
	if (problem == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(problem));
}

/* parse_house_number(text) returns the number, or NULL when empty. */
PG_FUNCTION_INFO_V1(pseudolink_parse_house_number);
Datum
pseudolink_parse_house_number(PG_FUNCTION_ARGS)
{
	text	   *in = PG_GETARG_TEXT_PP(0);
	int			number = 0;
	bool		none;
	const char *problem;

	problem = ParseHouseNumber(VARDATA_ANY(in), VARSIZE_ANY_EXHDR(in), &number, &none);
	if (problem != NULL)
		ereport(ERROR,
				errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				errmsg("invalid house number"),
				errdetail("%s", problem),
				errhint("Put the number in the house number and letters such as A or bis in the suffix."));
	if (none)
		PG_RETURN_NULL();
	PG_RETURN_INT32(number);
}

/* house_number_problem(text) returns the rule a house number breaks, or NULL. */
PG_FUNCTION_INFO_V1(pseudolink_house_number_problem);
Datum
pseudolink_house_number_problem(PG_FUNCTION_ARGS)
{
	text	   *in = PG_GETARG_TEXT_PP(0);
	int			number;
	bool		none;
	const char *problem;

	problem = ParseHouseNumber(VARDATA_ANY(in), VARSIZE_ANY_EXHDR(in), &number, &none);
	if (problem == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(problem));
}

/* parse_house_suffix(text) returns the suffix in upper case, or NULL when empty. */
PG_FUNCTION_INFO_V1(pseudolink_parse_house_suffix);
Datum
pseudolink_parse_house_suffix(PG_FUNCTION_ARGS)
{
	text	   *in = PG_GETARG_TEXT_PP(0);
	char		out[PL_SUFFIX_MAX + 1];
	int			n = 0;
	const char *problem;

	problem = ParseHouseSuffix(VARDATA_ANY(in), VARSIZE_ANY_EXHDR(in), out, &n);
	if (problem != NULL)
		ereport(ERROR,
				errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				errmsg("invalid house number suffix"),
				errdetail("%s", problem),
				errhint("Write a suffix as letters and digits, such as A, bis or 2hg."));
	if (n == 0)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text_with_len(out, n));
}

/* house_suffix_problem(text) returns the rule a suffix breaks, or NULL. */
PG_FUNCTION_INFO_V1(pseudolink_house_suffix_problem);
Datum
pseudolink_house_suffix_problem(PG_FUNCTION_ARGS)
{
	text	   *in = PG_GETARG_TEXT_PP(0);
	char		out[PL_SUFFIX_MAX + 1];
	int			n;
	const char *problem;

	problem = ParseHouseSuffix(VARDATA_ANY(in), VARSIZE_ANY_EXHDR(in), out, &n);
	if (problem == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(problem));
}

/*
 * register_person_id(text) returns a staged person id as a bigint: 1 to 18
 * digits with blanks (spaces) around them ignored, not all zeros; NULL
 * otherwise.  In C because the load calls it once per staged person and once
 * per staged address period: the same rule as string functions in SQL cost
 * eight calls and as many copies of the text a row (3 M ids: 1.7 s in SQL,
 * 0.13 s in C, of which 0.08 s is the scan).
 */
PG_FUNCTION_INFO_V1(pseudolink_register_person_id);
Datum
pseudolink_register_person_id(PG_FUNCTION_ARGS)
{
	text	   *in = PG_GETARG_TEXT_PP(0);
	const char *s = VARDATA_ANY(in);
	int			a = 0,
				b = VARSIZE_ANY_EXHDR(in),
				p;
	int64		id = 0;

	while (a < b && s[a] == ' ')
		a++;
	while (b > a && s[b - 1] == ' ')
		b--;
	if (b == a || b - a > 18)
		PG_RETURN_NULL();
	for (p = a; p < b; p++)
	{
		if (!IsDigit(s[p]))
			PG_RETURN_NULL();
		id = id * 10 + (s[p] - '0');
	}
	if (id == 0)
		PG_RETURN_NULL();
	PG_RETURN_INT64(id);
}

/* variables_problem(text) returns why a text is not a JSON object, or NULL. */
PG_FUNCTION_INFO_V1(pseudolink_variables_problem);
Datum
pseudolink_variables_problem(PG_FUNCTION_ARGS)
{
	text	   *in = PG_GETARG_TEXT_PP(0);
	const char *problem;

	problem = CheckVariables(VARDATA_ANY(in), VARSIZE_ANY_EXHDR(in));
	PG_FREE_IF_COPY(in, 0);
	if (problem == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(problem));
}
