/*
 * normalise.c
 *	  Normalisation of Dutch identifiers: postcode, sex and birth date.
 *
 * Linkage and pseudonyms agree only on identifiers written the same way, so
 * every module brings them into one form first: postcodes as "1234AB", sex as
 * the NHR/CBS code 1 (man) or 2 (woman), birth dates as dates.  The NHR codes
 * for missing values (postcode 0000 abroad, -1 unknown; sex -1 unknown) are
 * recognised and kept apart from errors.  Invalid input gets an error that
 * names the rule it breaks, never the value itself: these are identifiers,
 * and messages end up in logs.  The rules come from the THI handbook of the
 * NHR (v22.1.1) and PostNL's postcode format (doc/pseudonyms.md).
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"

#include "normalise.h"

static const char *const postcode_empty =
"The postcode is empty; the NHR code for an unknown postcode is -1.";
static const char *const postcode_shape =
"A postcode is four digits followed by two letters A-Z, as in 1234 AB.";
static const char *const postcode_first_digit =
"The first digit of a postcode is 1-9 (0000 is the NHR code for abroad).";
static const char *const postcode_letters =
"The letter pairs SA, SD and SS are not used in postcodes.";

static const char *const sex_empty =
"The sex is empty; the NHR code for unknown is -1.";
static const char *const sex_code =
"Sex is coded 1, 2 or -1 (NHR), M, V or F, man or vrouw, male or female; "
"0, 9, O, U, onbekend and unknown mean unknown.";

static const char *const date_empty = "The birth date is empty.";
static const char *const date_shape =
"A birth date is written DD-MM-YYYY (NHR) or YYYY-MM-DD (ISO).";
static const char *const date_month = "The month is not 1-12.";
static const char *const date_day = "The day does not exist in that month.";
static const char *const date_year =
"The year is not between 1850 and 2099.";
static const char *const date_infinite = "The birth date is not a finite date.";

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

static inline char
UpperAscii(char c)
{
	return (c >= 'a' && c <= 'z') ? c - 'a' + 'A' : c;
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

const char *
PseudolinkNormalisePostcode(const char *in, int len, char *out, PostcodeClass *cls)
{
	int			a,
				b,
				p,
				i;
	char		l1,
				l2;

	Trim(in, len, &a, &b);
	out[0] = '\0';
	if (a == b)
		return postcode_empty;
	if (b - a == 2 && in[a] == '-' && in[a + 1] == '1')
	{
		*cls = PL_POSTCODE_UNKNOWN;
		return NULL;
	}
	if (b - a == 4 && memcmp(in + a, "0000", 4) == 0)
	{
		*cls = PL_POSTCODE_ABROAD;
		memcpy(out, "0000", 5);
		return NULL;
	}
	for (i = 0; i < 4; i++)
	{
		if (a + i >= b || !IsDigit(in[a + i]))
			return postcode_shape;
	}
	p = a + 4;
	while (p < b && in[p] == ' ')
		p++;
	if (b - p != 2)
		return postcode_shape;
	l1 = UpperAscii(in[p]);
	l2 = UpperAscii(in[p + 1]);
	if (l1 < 'A' || l1 > 'Z' || l2 < 'A' || l2 > 'Z')
		return postcode_shape;
	if (in[a] == '0')
		return postcode_first_digit;
	if (l1 == 'S' && (l2 == 'A' || l2 == 'D' || l2 == 'S'))
		return postcode_letters;
	memcpy(out, in + a, 4);
	out[4] = l1;
	out[5] = l2;
	out[6] = '\0';
	*cls = PL_POSTCODE_DUTCH;
	return NULL;
}

typedef struct SexWord
{
	const char *word;
	int			code;
} SexWord;

static const SexWord sex_words[] = {
	{"1", PL_SEX_MAN}, {"m", PL_SEX_MAN}, {"man", PL_SEX_MAN}, {"male", PL_SEX_MAN},
	{"2", PL_SEX_WOMAN}, {"v", PL_SEX_WOMAN}, {"f", PL_SEX_WOMAN},
	{"vrouw", PL_SEX_WOMAN}, {"female", PL_SEX_WOMAN}, {"woman", PL_SEX_WOMAN},
	{"-1", PL_SEX_UNKNOWN}, {"0", PL_SEX_UNKNOWN}, {"9", PL_SEX_UNKNOWN},
	{"o", PL_SEX_UNKNOWN}, {"u", PL_SEX_UNKNOWN}, {"onbekend", PL_SEX_UNKNOWN},
	{"unknown", PL_SEX_UNKNOWN},
};

const char *
PseudolinkNormaliseSex(const char *in, int len, int *code)
{
	int			a,
				b,
				i,
				j;

	Trim(in, len, &a, &b);
	if (a == b)
		return sex_empty;
	for (i = 0; i < (int) lengthof(sex_words); i++)
	{
		const char *w = sex_words[i].word;

		for (j = 0; a + j < b && w[j] != '\0'; j++)
		{
			char		c = in[a + j];

			if (c >= 'A' && c <= 'Z')
				c = c - 'A' + 'a';
			if (c != w[j])
				break;
		}
		if (a + j == b && w[j] == '\0')
		{
			*code = sex_words[i].code;
			return NULL;
		}
	}
	return sex_code;
}

/* Parses 1 to maxdigits digits at in[*p]; false when there are none. */
static bool
ParseNumber(const char *in, int end, int *p, int mindigits, int maxdigits, int *value)
{
	int			n = 0;

	*value = 0;
	while (*p < end && IsDigit(in[*p]) && n < maxdigits)
	{
		*value = *value * 10 + (in[*p] - '0');
		(*p)++;
		n++;
	}
	return n >= mindigits && !(*p < end && IsDigit(in[*p]));
}

static const char *
CheckYmd(int y, int m, int d)
{
	if (m < 1 || m > MONTHS_PER_YEAR)
		return date_month;
	if (d < 1 || d > day_tab[isleap(y)][m - 1])
		return date_day;
	if (y < PL_BIRTH_YEAR_MIN || y > PL_BIRTH_YEAR_MAX)
		return date_year;
	return NULL;
}

const char *
PseudolinkNormaliseDate(const char *in, int len, const PseudolinkDateMessages *messages,
						DateADT *date)
{
	int			a,
				b,
				p,
				y,
				m,
				d;
	const char *problem;

	Trim(in, len, &a, &b);
	if (a == b)
		return messages->empty;
	p = a;
	if (b - a >= 5 && IsDigit(in[a]) && IsDigit(in[a + 1]) && IsDigit(in[a + 2]) &&
		IsDigit(in[a + 3]) && in[a + 4] == '-')
	{
		/* ISO: YYYY-MM-DD */
		if (!ParseNumber(in, b, &p, 4, 4, &y) || p >= b || in[p++] != '-' ||
			!ParseNumber(in, b, &p, 2, 2, &m) || p >= b || in[p++] != '-' ||
			!ParseNumber(in, b, &p, 2, 2, &d) || p != b)
			return messages->shape;
	}
	else
	{
		/* NHR: DD-MM-YYYY, one-digit day and month allowed */
		if (!ParseNumber(in, b, &p, 1, 2, &d) || p >= b || in[p++] != '-' ||
			!ParseNumber(in, b, &p, 1, 2, &m) || p >= b || in[p++] != '-' ||
			!ParseNumber(in, b, &p, 4, 4, &y) || p != b)
			return messages->shape;
	}
	problem = CheckYmd(y, m, d);
	if (problem != NULL)
		return problem;
	*date = date2j(y, m, d) - POSTGRES_EPOCH_JDATE;
	return NULL;
}

const char *
PseudolinkNormaliseBirthDate(const char *in, int len, DateADT *date)
{
	static const PseudolinkDateMessages birth_date = {date_empty, date_shape};

	return PseudolinkNormaliseDate(in, len, &birth_date, date);
}

const char *
PseudolinkCheckBirthDate(DateADT date)
{
	int			y,
				m,
				d;

	if (DATE_NOT_FINITE(date))
		return date_infinite;
	j2date(date + POSTGRES_EPOCH_JDATE, &y, &m, &d);
	return CheckYmd(y, m, d);
}

void
PseudolinkPostcodeError(const char *problem)
{
	ereport(ERROR,
			errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			errmsg("invalid postcode"),
			errdetail("%s", problem),
			errhint("Write a Dutch postcode as 1234 AB; 0000 (abroad) and -1 (unknown) are the NHR codes for no postcode."));
}

void
PseudolinkSexError(const char *problem)
{
	ereport(ERROR,
			errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			errmsg("invalid sex code"),
			errdetail("%s", problem),
			errhint("Use the NHR codes 1 (man), 2 (woman) and -1 (unknown)."));
}

void
PseudolinkBirthDateError(const char *problem)
{
	bool		format = (problem == date_empty || problem == date_shape);

	ereport(ERROR,
			errcode(format ? ERRCODE_INVALID_DATETIME_FORMAT : ERRCODE_DATETIME_FIELD_OVERFLOW),
			errmsg("invalid birth date"),
			errdetail("%s", problem),
			errhint("Write a birth date as DD-MM-YYYY (NHR) or YYYY-MM-DD (ISO), for a year from 1850 to 2099."));
}

/* ------------------------------------------------------------------------
 * SQL functions
 * ------------------------------------------------------------------------
 */

/* normalise_postcode(text) returns '1234AB', '0000' (abroad) or NULL (unknown, -1). */
PG_FUNCTION_INFO_V1(pseudolink_normalise_postcode);
Datum
pseudolink_normalise_postcode(PG_FUNCTION_ARGS)
{
	text	   *in = PG_GETARG_TEXT_PP(0);
	char		out[7];
	PostcodeClass cls;
	const char *problem;

	problem = PseudolinkNormalisePostcode(VARDATA_ANY(in), VARSIZE_ANY_EXHDR(in), out, &cls);
	if (problem != NULL)
		PseudolinkPostcodeError(problem);
	if (cls == PL_POSTCODE_UNKNOWN)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(out));
}

/* postcode_problem(text) returns the rule a postcode breaks, or NULL. */
PG_FUNCTION_INFO_V1(pseudolink_postcode_problem);
Datum
pseudolink_postcode_problem(PG_FUNCTION_ARGS)
{
	text	   *in = PG_GETARG_TEXT_PP(0);
	char		out[7];
	PostcodeClass cls;
	const char *problem;

	problem = PseudolinkNormalisePostcode(VARDATA_ANY(in), VARSIZE_ANY_EXHDR(in), out, &cls);
	if (problem == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(problem));
}

/* normalise_sex(text) returns 1 (man), 2 (woman) or NULL (unknown). */
PG_FUNCTION_INFO_V1(pseudolink_normalise_sex);
Datum
pseudolink_normalise_sex(PG_FUNCTION_ARGS)
{
	text	   *in = PG_GETARG_TEXT_PP(0);
	int			code;
	const char *problem;

	problem = PseudolinkNormaliseSex(VARDATA_ANY(in), VARSIZE_ANY_EXHDR(in), &code);
	if (problem != NULL)
		PseudolinkSexError(problem);
	if (code == PL_SEX_UNKNOWN)
		PG_RETURN_NULL();
	PG_RETURN_INT16((int16) code);
}

/* sex_problem(text) returns the rule a sex code breaks, or NULL. */
PG_FUNCTION_INFO_V1(pseudolink_sex_problem);
Datum
pseudolink_sex_problem(PG_FUNCTION_ARGS)
{
	text	   *in = PG_GETARG_TEXT_PP(0);
	int			code;
	const char *problem;

	problem = PseudolinkNormaliseSex(VARDATA_ANY(in), VARSIZE_ANY_EXHDR(in), &code);
	if (problem == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(problem));
}

/* normalise_birth_date(text) returns the date of a DD-MM-YYYY or YYYY-MM-DD birth date. */
PG_FUNCTION_INFO_V1(pseudolink_normalise_birth_date);
Datum
pseudolink_normalise_birth_date(PG_FUNCTION_ARGS)
{
	text	   *in = PG_GETARG_TEXT_PP(0);
	DateADT		date;
	const char *problem;

	problem = PseudolinkNormaliseBirthDate(VARDATA_ANY(in), VARSIZE_ANY_EXHDR(in), &date);
	if (problem != NULL)
		PseudolinkBirthDateError(problem);
	PG_RETURN_DATEADT(date);
}

/* birth_date_problem(text) returns the rule a birth date breaks, or NULL. */
PG_FUNCTION_INFO_V1(pseudolink_birth_date_problem);
Datum
pseudolink_birth_date_problem(PG_FUNCTION_ARGS)
{
	text	   *in = PG_GETARG_TEXT_PP(0);
	DateADT		date;
	const char *problem;

	problem = PseudolinkNormaliseBirthDate(VARDATA_ANY(in), VARSIZE_ANY_EXHDR(in), &date);
	if (problem == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(problem));
}
