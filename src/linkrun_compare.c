/*
 * linkrun_compare.c
 *	  A registry record against a register person in one call: birth date,
 *	  sex, and the record's postcode and house number against the person's
 *	  whole address history, with the period valid on the record's
 *	  reference date (the event date) set apart from the others.
 *
 * The register keeps every address period of a person; a registry record
 * carries the address the patient had on the day of the intervention.  A
 * postcode that agrees with the period valid on that day is strong
 * evidence; one that agrees with an earlier or later period is weaker (the
 * registry did not see a move, the postcode changed, the person moved in
 * with someone), so the two are separate levels of one comparison and the
 * model gives them their own m and u.  The house number is compared at the
 * period whose postcode agreed best: an address is a postcode and a number
 * together, and a number that agrees at another period than the postcode
 * says little.
 *
 * Doing this in SQL costs one row per candidate and period and a sort to
 * pick the best; the link run scores millions of candidate pairs, so the
 * history is passed as arrays (one element per period) and compared here.
 * The functions are lenient like the level functions of levels.c: a value
 * that is not a Dutch postcode (0000 abroad, -1 unknown) counts as missing,
 * never as an error, because one bad field must not stop a run.  They never
 * put a value in a message.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"

#include "levels.h"
#include "linkrun.h"
#include "normalise.h"

/* Characters a suffix may carry that do not count (12-A, 12 a, 12/A). */
static inline bool
SuffixFiller(char c)
{
	return c == ' ' || c == '\t' || c == '-' || c == '/' || c == '.';
}

/*
 * Suffixes compare as compare_house_numbers() compares them: filler
 * dropped, ASCII letters in upper case, no suffix is the empty one.
 */
static bool
SameSuffix(const char *s, int ns, const char *t, int nt)
{
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

/* A Dutch postcode, normalised to 1234AB; false for anything else. */
static bool
ReadPostcode(const text *t, char *out6)
{
	char		out[7];
	PostcodeClass cls;

	if (PseudolinkNormalisePostcode(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), out, &cls) != NULL ||
		cls != PL_POSTCODE_DUTCH)
		return false;
	memcpy(out6, out, 6);
	return true;
}

/*
 * compare_postcodes() on two normalised postcodes: 4 exact, 3 letters
 * exchanged, 2 one character wrong, 1 same four digits, 0 else.
 */
static int
ComparePostcodes(const char *a, const char *b)
{
	int			differ = 0;

	if (memcmp(a, b, 4) != 0)
	{
		for (int i = 0; i < 6; i++)
			differ += a[i] != b[i];
		return differ == 1 ? PL_POSTCODE_ONE_CHAR : PL_POSTCODE_ELSE;
	}
	if (a[4] == b[4] && a[5] == b[5])
		return PL_POSTCODE_EXACT;
	if (a[4] == b[5] && a[5] == b[4])
		return PL_POSTCODE_SWAPPED;
	if (a[4] == b[4] || a[5] == b[5])
		return PL_POSTCODE_ONE_CHAR;
	return PL_POSTCODE_SAME_PC4;
}

/* The history level of one period's postcode comparison. */
static int
HistoryLevel(int postcode_level, bool at_reference)
{
	switch (postcode_level)
	{
		case PL_POSTCODE_EXACT:
			return at_reference ? PL_HIST_EXACT_REF : PL_HIST_EXACT_OTHER;
		case PL_POSTCODE_SWAPPED:
		case PL_POSTCODE_ONE_CHAR:
			return PL_HIST_ONE_CHAR;
		case PL_POSTCODE_SAME_PC4:
			return PL_HIST_SAME_PC4;
		default:
			return PL_HIST_ELSE;
	}
}

/* Whether period a is preferred to b when both give the same level. */
static inline bool
Preferred(const PlPeriod *a, const PlPeriod *b)
{
	if (a->at_reference != b->at_reference)
		return a->at_reference;
	return a->valid_from > b->valid_from;
}

void
PlCompareAddressHistory(bool has_postcode, const char *postcode,
						int32 house_number, const char *suffix, int suffix_len,
						const PlPeriod *periods, int nperiods,
						int *postcode_level, int *house_level)
{
	const PlPeriod *chosen = NULL;
	int			best = PL_LEVEL_MISSING;

	*postcode_level = PL_LEVEL_MISSING;
	*house_level = PL_LEVEL_MISSING;
	if (nperiods == 0)
		return;

	if (has_postcode)
	{
		for (int i = 0; i < nperiods; i++)
		{
			const PlPeriod *p = &periods[i];
			int			level;

			if (!p->has_postcode)
				continue;
			level = HistoryLevel(ComparePostcodes(postcode, p->postcode), p->at_reference);
			if (level > best || (level == best && Preferred(p, chosen)))
			{
				best = level;
				chosen = p;
			}
		}
		*postcode_level = best;
	}
	/*
	 * No postcode to compare (on either side): the house number is compared
	 * at the address of the reference date, or the latest one.
	 */
	if (chosen == NULL)
	{
		for (int i = 0; i < nperiods; i++)
			if (chosen == NULL || Preferred(&periods[i], chosen))
				chosen = &periods[i];
	}

	if (house_number < 1 || chosen->house_number < 1)
		return;
	if (house_number != chosen->house_number)
		*house_level = PL_HOUSE_ELSE;
	else if (SameSuffix(suffix, suffix ? suffix_len : 0,
						chosen->suffix, chosen->suffix ? chosen->suffix_len : 0))
		*house_level = PL_HOUSE_EXACT;
	else
		*house_level = PL_HOUSE_SAME_NUMBER;
}

/*
 * Reads the five history arrays (postcodes, house numbers, suffixes, valid
 * from, valid to) starting at argument first into periods; a NULL array
 * counts as empty.  Returns the number of periods.
 */
static int
ReadHistory(FunctionCallInfo fcinfo, int first, bool has_reference, DateADT reference,
			PlPeriod **periods_out)
{
	Datum	   *values[5];
	bool	   *nulls[5];
	int			n[5];
	static const Oid types[5] = {TEXTOID, INT4OID, TEXTOID, DATEOID, DATEOID};
	PlPeriod   *periods;
	int			count = -1;

	for (int k = 0; k < 5; k++)
	{
		ArrayType  *a;

		if (PG_ARGISNULL(first + k))
		{
			values[k] = NULL;
			nulls[k] = NULL;
			n[k] = 0;
		}
		else
		{
			a = PG_GETARG_ARRAYTYPE_P(first + k);
			if (ARR_NDIM(a) > 1)
				ereport(ERROR,
						errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
						errmsg("address history arrays must be one-dimensional"),
						errhint("Pass one element per address period, for instance array_agg(a.postcode ORDER BY a.valid_from)."));
			if (ARR_ELEMTYPE(a) != types[k])
				elog(ERROR, "unexpected element type of address history array");
			switch (types[k])
			{
				case TEXTOID:
					deconstruct_array(a, TEXTOID, -1, false, TYPALIGN_INT, &values[k], &nulls[k], &n[k]);
					break;
				case INT4OID:
					deconstruct_array(a, INT4OID, sizeof(int32), true, TYPALIGN_INT, &values[k], &nulls[k], &n[k]);
					break;
				default:
					deconstruct_array(a, DATEOID, sizeof(DateADT), true, TYPALIGN_INT, &values[k], &nulls[k], &n[k]);
					break;
			}
		}
		if (count < 0)
			count = n[k];
		else if (n[k] != count)
			ereport(ERROR,
					errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					errmsg("address history arrays must have the same length"),
					errdetail("The postcodes, house numbers, suffixes, start and end dates of the periods are given as five arrays, one element per period."),
					errhint("Aggregate all five over the same rows in the same order."));
	}

	periods = count > 0 ? palloc(sizeof(PlPeriod) * count) : NULL;
	for (int i = 0; i < count; i++)
	{
		PlPeriod   *p = &periods[i];
		bool		from_known = values[3] && !nulls[3][i];
		bool		to_known = values[4] && !nulls[4][i];
		DateADT		from = from_known ? DatumGetDateADT(values[3][i]) : DATEVAL_NOBEGIN;
		DateADT		to = to_known ? DatumGetDateADT(values[4][i]) : DATEVAL_NOEND;

		p->has_postcode = values[0] && !nulls[0][i] &&
			ReadPostcode(DatumGetTextPP(values[0][i]), p->postcode);
		p->house_number = (values[1] && !nulls[1][i]) ? DatumGetInt32(values[1][i]) : 0;
		if (values[2] && !nulls[2][i])
		{
			text	   *s = DatumGetTextPP(values[2][i]);

			p->suffix = VARDATA_ANY(s);
			p->suffix_len = VARSIZE_ANY_EXHDR(s);
		}
		else
		{
			p->suffix = NULL;
			p->suffix_len = 0;
		}
		p->valid_from = from;
		/* Without a reference date every period counts as valid on it. */
		p->at_reference = !has_reference || (from <= reference && reference < to);
	}
	*periods_out = periods;
	return count;
}

/* An int4[] of the levels, PL_LEVEL_MISSING as NULL. */
static ArrayType *
LevelArray(const int *levels, int n)
{
	Datum		d[PL_LINK_NCOMP];
	bool		nulls[PL_LINK_NCOMP];
	int			dims[1] = {n};
	int			lbs[1] = {1};

	for (int i = 0; i < n; i++)
	{
		nulls[i] = levels[i] == PL_LEVEL_MISSING;
		d[i] = Int32GetDatum(nulls[i] ? 0 : levels[i]);
	}
	return construct_md_array(d, nulls, 1, dims, lbs, INT4OID, sizeof(int32), true, TYPALIGN_INT);
}

/* The record's address (arguments first .. first + 2): postcode, number, suffix. */
static void
ReadRecordAddress(FunctionCallInfo fcinfo, int first, bool *has_postcode, char *postcode,
				  int32 *house_number, const char **suffix, int *suffix_len)
{
	*has_postcode = !PG_ARGISNULL(first) && ReadPostcode(PG_GETARG_TEXT_PP(first), postcode);
	*house_number = PG_ARGISNULL(first + 1) ? 0 : PG_GETARG_INT32(first + 1);
	if (PG_ARGISNULL(first + 2))
	{
		*suffix = NULL;
		*suffix_len = 0;
	}
	else
	{
		text	   *s = PG_GETARG_TEXT_PP(first + 2);

		*suffix = VARDATA_ANY(s);
		*suffix_len = VARSIZE_ANY_EXHDR(s);
	}
}

/*
 * link_address_levels(postcode, house_number, house_suffix, reference_date,
 * postcodes[], house_numbers[], house_suffixes[], valid_from[], valid_to[])
 * returns {postcode level, house number level} of a record's address
 * against a person's address periods.
 */
PG_FUNCTION_INFO_V1(pseudolink_link_address_levels);
Datum
pseudolink_link_address_levels(PG_FUNCTION_ARGS)
{
	bool		has_postcode;
	char		postcode[6];
	int32		house_number;
	const char *suffix;
	int			suffix_len;
	PlPeriod   *periods;
	int			nperiods;
	int			levels[2];

	ReadRecordAddress(fcinfo, 0, &has_postcode, postcode, &house_number, &suffix, &suffix_len);
	nperiods = ReadHistory(fcinfo, 4, !PG_ARGISNULL(3), PG_ARGISNULL(3) ? 0 : PG_GETARG_DATEADT(3),
						   &periods);
	PlCompareAddressHistory(has_postcode, postcode, house_number, suffix, suffix_len,
							periods, nperiods, &levels[0], &levels[1]);
	PG_RETURN_ARRAYTYPE_P(LevelArray(levels, 2));
}

/*
 * link_levels(birth_date, sex, postcode, house_number, house_suffix,
 * reference_date, person_birth_date, person_sex, postcodes[],
 * house_numbers[], house_suffixes[], valid_from[], valid_to[]) returns the
 * levels of model 'nl': {birth date, sex, postcode, house number}.
 */
PG_FUNCTION_INFO_V1(pseudolink_link_levels);
Datum
pseudolink_link_levels(PG_FUNCTION_ARGS)
{
	int			levels[PL_LINK_NCOMP];
	bool		has_postcode;
	char		postcode[6];
	int32		house_number;
	const char *suffix;
	int			suffix_len;
	PlPeriod   *periods;
	int			nperiods;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(6))
		levels[PL_LINK_BIRTH_DATE] = PL_LEVEL_MISSING;
	else
		levels[PL_LINK_BIRTH_DATE] = PlCompareDates(PG_GETARG_DATEADT(0), PG_GETARG_DATEADT(6));

	levels[PL_LINK_SEX] = PL_LEVEL_MISSING;
	if (!PG_ARGISNULL(1) && !PG_ARGISNULL(7))
	{
		int32		a = PG_GETARG_INT32(1),
					b = PG_GETARG_INT32(7);

		if ((a == PL_SEX_MAN || a == PL_SEX_WOMAN) && (b == PL_SEX_MAN || b == PL_SEX_WOMAN))
			levels[PL_LINK_SEX] = a == b ? 1 : 0;
	}

	ReadRecordAddress(fcinfo, 2, &has_postcode, postcode, &house_number, &suffix, &suffix_len);
	nperiods = ReadHistory(fcinfo, 8, !PG_ARGISNULL(5), PG_ARGISNULL(5) ? 0 : PG_GETARG_DATEADT(5),
						   &periods);
	PlCompareAddressHistory(has_postcode, postcode, house_number, suffix, suffix_len,
							periods, nperiods, &levels[PL_LINK_POSTCODE], &levels[PL_LINK_HOUSE_NUMBER]);
	PG_RETURN_ARRAYTYPE_P(LevelArray(levels, PL_LINK_NCOMP));
}
