/*
 * synth_extract.c
 *	  Registry extracts in the NHR style drawn from the synthetic register:
 *	  which patients a registry sees (its age and sex mix, patients not in
 *	  the register), what it records about them (birth date DD-MM-YYYY, sex
 *	  1/2/-1, postcode with 0000 abroad and -1 unknown, house number where
 *	  present) and which errors creep in, with the ground truth of both.
 *
 * A record is a pure function of (seed, registry, batch, record index): the
 * patient is a register person drawn by rejection sampling (uniform person,
 * accepted with the ratio of the registry's age-at-event density to the
 * register's age density), so no index of the register by age is needed.
 * The address recorded is the one valid at the event date in the person's
 * history; the errors are drawn per field at the requested rate and split
 * over kinds by the fixed shares documented in doc/synthetic-data.md.
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"
#include "utils/datetime.h"

#include "synth.h"

const char *const synth_error_names[SE_COUNT] = {
	"birth_date_typo", "birth_date_day_month_swap", "birth_date_transposition",
	"birth_date_missing",
	"sex_wrong", "sex_unknown",
	"postcode_typo", "postcode_transposition", "postcode_missing",
	"postcode_old_address",
	"house_number_typo", "house_number_missing"
};

/*
 * The registries and their patients' age at the event by sex: normal,
 * truncated to [min_age, max_age].  TAVI: median age 81, half women
 * (DOMAIN.md); PCI: close to acute coronary syndrome, 29.8% women and mean
 * age 63-68 (DOMAIN.md, rounded); CABG: an estimate.
 */
typedef struct SynthRegistry
{
	const char *name;
	double		women;
	double		mean_men;
	double		mean_women;
	double		sd;
	int			min_age;
	int			max_age;
} SynthRegistry;

static const SynthRegistry registries[] = {
	{"PCI", 0.28, 65.0, 69.0, 11.0, 25, 100},
	{"CABG", 0.20, 67.0, 70.0, 9.0, 30, 95},
	{"TAVI", 0.50, 81.0, 82.0, 6.0, 50, 100}
};

#define N_REGISTRIES ((int) lengthof(registries))

/* Age-sex cells smaller than this share of the register do not set the acceptance scale. */
#define MIN_SCALE_CELL		1e-4

/* Share of records that carry a house number (estimate). */
#define HOUSE_NUMBER_SHARE	0.85

/* Share of patients not in the register who live abroad (estimate). */
#define ABROAD_SHARE		0.5

/*
 * How the kinds of error share a field's error rate (estimates).  A kind
 * that does not apply to a value (a day/month swap when the day exceeds 12,
 * an old address for someone without an earlier one) becomes a typo.
 */
#define BIRTH_TYPO			0.40
#define BIRTH_SWAP			0.25	/* cumulative 0.65 */
#define BIRTH_TRANSPOSITION 0.15	/* cumulative 0.80; rest missing */
#define SEX_WRONG			0.50	/* rest unknown */
#define POSTCODE_TYPO		0.30
#define POSTCODE_TRANSPOSITION 0.10 /* cumulative 0.40 */
#define POSTCODE_MISSING	0.20	/* cumulative 0.60; rest old address */
#define NUMBER_TYPO			0.70	/* rest missing */

int
SynthRegistryLookup(const char *name)
{
	int			i;

	for (i = 0; i < N_REGISTRIES; i++)
		if (pg_strcasecmp(name, registries[i].name) == 0)
			return i;
	return -1;
}

const char *
SynthRegistryName(int registry)
{
	return registries[registry].name;
}

void
SynthExtractInit(SynthExtract *x, const SynthModel *m, int registry,
				 int32 batch, DateADT event_from, DateADT event_to,
				 double error_rate, double outside_share)
{
	const SynthRegistry *reg = &registries[registry];
	double		total = 0,
				acc = 0,
				worst = 0;
	int			s,
				a,
				shift,
				max_shift;

	memset(x, 0, sizeof(*x));
	x->model = *m;
	x->registry = registry;
	x->batch = batch;
	x->stream_seed = synth_hash(m->seed, 0x5e00 + registry, (uint64) batch, 0);
	x->event_from = event_from;
	x->event_to = event_to;
	x->error_rate = error_rate;
	x->outside_share = outside_share;

	for (s = 0; s < 2; s++)
		for (a = 0; a < SYNTH_AGES; a++)
		{
			double		mean = s == 0 ? reg->mean_men : reg->mean_women;
			double		z = (a + 0.5 - mean) / reg->sd;
			double		share_men = SynthShareMen(a + 0.5);

			x->target[s][a] = (a < reg->min_age || a > reg->max_age) ? 0.0 :
				(s == 0 ? 1 - reg->women : reg->women) * exp(-0.5 * z * z);
			x->population[s][a] = m->age_share[a] * (s == 0 ? share_men : 1 - share_men);
		}
	for (s = 0; s < 2; s++)
		for (a = 0; a < SYNTH_AGES; a++)
			total += x->target[s][a];
	for (s = 0; s < 2; s++)
		for (a = 0; a < SYNTH_AGES; a++)
		{
			x->target[s][a] /= total;
			acc += x->target[s][a];
			x->target_cdf[s * SYNTH_AGES + a] = acc;
		}
	x->target_cdf[2 * SYNTH_AGES - 1] = 1.0;

	/*
	 * A person drawn from the register has age a_R at the register date and
	 * a_e = a_R - shift at the event; accepting with target(a_e) /
	 * population(a_R), scaled by the largest such ratio, yields the
	 * registry's age mix.  Cells holding under 0.01% of the register (the
	 * very oldest) do not set the scale: there the ratio is cut at 1, which
	 * under-represents those few patients a little and keeps the number of
	 * draws per record near 8 (PCI, CABG) or 30 (TAVI) instead of 100+.
	 */
	max_shift = (int) ((m->register_date - event_from) / 365.2425) + 2;
	for (s = 0; s < 2; s++)
		for (a = 0; a < SYNTH_AGES; a++)
			for (shift = 0; shift <= max_shift && a + shift < SYNTH_AGES; shift++)
				if (x->population[s][a + shift] >= MIN_SCALE_CELL)
					worst = Max(worst, x->target[s][a] / x->population[s][a + shift]);
	x->accept_scale = worst > 0 ? 1.0 / worst : 0.0;
	x->max_tries = (int) Min(64.0 * (worst + 1.0), 1e7);
}

/* ---- birth dates ---- */

static int
DaysInMonth(int y, int m)
{
	return day_tab[isleap(y) ? 1 : 0][m - 1];
}

/* Digits DDMMYYYY to a date; false if not a valid date in [1880, max_year]. */
static bool
DigitsDate(const int *dg, int max_year, int *y, int *m, int *d)
{
	*d = dg[0] * 10 + dg[1];
	*m = dg[2] * 10 + dg[3];
	*y = dg[4] * 1000 + dg[5] * 100 + dg[6] * 10 + dg[7];
	return *m >= 1 && *m <= 12 && *y >= 1880 && *y <= max_year &&
		*d >= 1 && *d <= DaysInMonth(*y, *m);
}

static void
DateDigits(int y, int m, int d, int *dg)
{
	dg[0] = d / 10;
	dg[1] = d % 10;
	dg[2] = m / 10;
	dg[3] = m % 10;
	dg[4] = y / 1000;
	dg[5] = y / 100 % 10;
	dg[6] = y / 10 % 10;
	dg[7] = y % 10;
}

/* One digit typed wrong, giving another valid date (a form would refuse an invalid one). */
static bool
BirthTypo(int *dg, int max_year, uint64 seed, int64 index)
{
	int			attempt,
				y,
				m,
				d;

	for (attempt = 0; attempt < 64; attempt++)
	{
		uint64		h = synth_hash(seed, SS_REC_ERR_DETAIL, (uint64) index, (uint64) attempt);
		int			pos = (int) synth_below(h, 8);
		int			old = dg[pos];

		dg[pos] = (old + 1 + (int) synth_below(synth_mix(h), 9)) % 10;
		if (DigitsDate(dg, max_year, &y, &m, &d))
			return true;
		dg[pos] = old;
	}
	return false;
}

/* Two adjacent digits of the day, the month or the year typed the wrong way round. */
static bool
BirthTransposition(int *dg, int max_year, uint64 h)
{
	static const int pairs[5] = {0, 2, 4, 5, 6};
	int			first = (int) synth_below(h, 5),
				k,
				y,
				m,
				d;

	for (k = 0; k < 5; k++)
	{
		int			i = pairs[(first + k) % 5];
		int			t;

		if (dg[i] == dg[i + 1])
			continue;
		t = dg[i];
		dg[i] = dg[i + 1];
		dg[i + 1] = t;
		if (DigitsDate(dg, max_year, &y, &m, &d))
			return true;
		dg[i + 1] = dg[i];
		dg[i] = t;
	}
	return false;
}

static void
RecordBirthDate(const SynthExtract *x, SynthRecord *r, DateADT birth)
{
	int			y,
				m,
				d,
				dg[8];
	int			max_year = SynthYearOf(r->event_date);
	uint64		seed = x->stream_seed;

	j2date(birth + POSTGRES_EPOCH_JDATE, &y, &m, &d);
	DateDigits(y, m, d, dg);
	r->has_birth_date = true;

	if (synth_unit(synth_hash(seed, SS_REC_ERR_BIRTH, (uint64) r->index, 0)) < x->error_rate)
	{
		double		v = synth_unit(synth_hash(seed, SS_REC_ERR_BIRTH, (uint64) r->index, 1));
		uint64		h = synth_hash(seed, SS_REC_ERR_BIRTH, (uint64) r->index, 2);

		if (v >= BIRTH_TYPO + BIRTH_SWAP + BIRTH_TRANSPOSITION)
		{
			r->has_birth_date = false;
			r->errors |= 1u << SE_BIRTH_MISSING;
		}
		else if (v >= BIRTH_TYPO + BIRTH_SWAP && BirthTransposition(dg, max_year, h))
			r->errors |= 1u << SE_BIRTH_TRANSPOSITION;
		else if (v >= BIRTH_TYPO && v < BIRTH_TYPO + BIRTH_SWAP && d <= 12 && d != m)
		{
			DateDigits(y, d, m, dg);
			r->errors |= 1u << SE_BIRTH_SWAP;
		}
		else if (BirthTypo(dg, max_year, seed, r->index))
			r->errors |= 1u << SE_BIRTH_TYPO;
	}
	snprintf(r->birth_date, sizeof(r->birth_date), "%d%d-%d%d-%d%d%d%d",
			 dg[0], dg[1], dg[2], dg[3], dg[4], dg[5], dg[6], dg[7]);
}

/* ---- sex ---- */

static void
RecordSex(const SynthExtract *x, SynthRecord *r, int sex)
{
	uint64		seed = x->stream_seed;

	if (synth_unit(synth_hash(seed, SS_REC_ERR_SEX, (uint64) r->index, 0)) < x->error_rate)
	{
		if (synth_unit(synth_hash(seed, SS_REC_ERR_SEX, (uint64) r->index, 1)) < SEX_WRONG)
		{
			sex = 3 - sex;
			r->errors |= 1u << SE_SEX_WRONG;
		}
		else
		{
			sex = -1;
			r->errors |= 1u << SE_SEX_UNKNOWN;
		}
	}
	snprintf(r->sex, sizeof(r->sex), "%d", sex);
}

/* ---- postcode and house number ---- */

/* One character of a 1234AB code typed wrong: a digit (never a leading 0) or a letter. */
static void
PostcodeTypo(char *c, uint64 h)
{
	int			pos = (int) synth_below(h, 6);
	uint64		h2 = synth_mix(h);

	if (pos == 0)
		c[0] = '1' + (c[0] - '1' + 1 + (int) synth_below(h2, 8)) % 9;
	else if (pos < 4)
		c[pos] = '0' + (c[pos] - '0' + 1 + (int) synth_below(h2, 9)) % 10;
	else
		c[pos] = 'A' + (c[pos] - 'A' + 1 + (int) synth_below(h2, 25)) % 26;
}

/* Two adjacent different digits or the two letters swapped. */
static bool
PostcodeTransposition(char *c, uint64 h)
{
	static const int pairs[4] = {0, 1, 2, 4};
	int			first = (int) synth_below(h, 4),
				k;

	for (k = 0; k < 4; k++)
	{
		int			i = pairs[(first + k) % 4];
		char		t;

		if (c[i] == c[i + 1] || (i == 0 && c[1] == '0'))
			continue;
		t = c[i];
		c[i] = c[i + 1];
		c[i + 1] = t;
		return true;
	}
	return false;
}

/* How people write a postcode: 1234AB, 1234 AB, 1234ab, 1234 ab. */
static void
PostcodeSpelling(const SynthExtract *x, SynthRecord *r)
{
	double		v = synth_unit(synth_hash(x->stream_seed, SS_REC_FORMAT, (uint64) r->index, 0));
	char		code[7];
	bool		space = (v >= 0.75 && v < 0.95) || v >= 0.98;
	bool		lower = v >= 0.95;

	memcpy(code, r->postcode, 7);
	if (lower)
	{
		code[4] = code[4] - 'A' + 'a';
		code[5] = code[5] - 'A' + 'a';
	}
	if (space)
		snprintf(r->postcode, sizeof(r->postcode), "%.4s %.2s", code, code + 4);
	else
		memcpy(r->postcode, code, 7);
}

/* The code, house number and suffix of a period's dwelling. */
static void
DwellingOf(const SynthModel *m, const SynthPeriod *p, SynthRecord *r)
{
	SynthPostcode pc;

	SynthPostcodeGet(m, p->postcode, &pc);
	SynthPostcodeCode(m, pc.index, p->new_code, r->postcode);
	SynthAddressNumber(m, &pc, p->address, &r->house_number, &r->suffix, r->suffix_buf);
}

static void
HouseNumberTypo(SynthRecord *r, uint64 h)
{
	char		digits[12];
	int			len = snprintf(digits, sizeof(digits), "%d", (int) r->house_number);
	int			pos = (int) synth_below(h, len);
	uint64		h2 = synth_mix(h);

	if (pos == 0)
		digits[0] = '1' + (digits[0] - '1' + 1 + (int) synth_below(h2, 8)) % 9;
	else
		digits[pos] = '0' + (digits[pos] - '0' + 1 + (int) synth_below(h2, 9)) % 10;
	r->house_number = atoi(digits);
}

/*
 * Postcode and house number of a patient living in the Netherlands: the
 * dwelling of period `cur`, or of `prev` (the one before, NULL if none) when
 * the registry still has the old address.
 */
static void
RecordAddress(const SynthExtract *x, SynthRecord *r, const SynthPeriod *cur,
			  const SynthPeriod *prev)
{
	uint64		seed = x->stream_seed;
	uint64		idx = (uint64) r->index;
	bool		wrong = synth_unit(synth_hash(seed, SS_REC_ERR_POSTCODE, idx, 0)) < x->error_rate;
	double		v = synth_unit(synth_hash(seed, SS_REC_ERR_POSTCODE, idx, 1));
	uint64		h = synth_hash(seed, SS_REC_ERR_POSTCODE, idx, 2);
	bool		missing = false;

	r->has_number = synth_unit(synth_hash(seed, SS_REC_NUMBER, idx, 0)) < HOUSE_NUMBER_SHARE;

	if (wrong && v >= POSTCODE_TYPO + POSTCODE_TRANSPOSITION + POSTCODE_MISSING && prev != NULL)
	{
		DwellingOf(&x->model, prev, r);
		r->errors |= 1u << SE_POSTCODE_OLD_ADDRESS;
	}
	else
	{
		DwellingOf(&x->model, cur, r);
		if (wrong && v >= POSTCODE_TYPO + POSTCODE_TRANSPOSITION &&
			v < POSTCODE_TYPO + POSTCODE_TRANSPOSITION + POSTCODE_MISSING)
		{
			missing = true;
			r->errors |= 1u << SE_POSTCODE_MISSING;
		}
		else if (wrong && v >= POSTCODE_TYPO &&
				 v < POSTCODE_TYPO + POSTCODE_TRANSPOSITION &&
				 PostcodeTransposition(r->postcode, h))
			r->errors |= 1u << SE_POSTCODE_TRANSPOSITION;
		else if (wrong)
		{
			PostcodeTypo(r->postcode, h);
			r->errors |= 1u << SE_POSTCODE_TYPO;
		}
	}
	if (missing)
		strcpy(r->postcode, "-1");
	else
		PostcodeSpelling(x, r);

	if (!r->has_number)
		r->suffix = NULL;
	else if (synth_unit(synth_hash(seed, SS_REC_ERR_NUMBER, idx, 0)) < x->error_rate)
	{
		if (synth_unit(synth_hash(seed, SS_REC_ERR_NUMBER, idx, 1)) < NUMBER_TYPO)
		{
			HouseNumberTypo(r, synth_hash(seed, SS_REC_ERR_NUMBER, idx, 2));
			r->errors |= 1u << SE_NUMBER_TYPO;
		}
		else
		{
			r->has_number = false;
			r->suffix = NULL;
			r->errors |= 1u << SE_NUMBER_MISSING;
		}
	}
}

/* ---- records ---- */

/*
 * Draw the register person of a record by rejection; false when none fits
 * within max_tries (only in registers too small to hold the registry's
 * age group).
 */
static bool
PickPerson(const SynthExtract *x, int64 index, DateADT event_date, SynthPerson *p)
{
	/*
	 * The age at the event is taken as the age at the register date less
	 * the whole years between event and register date: within a year of the
	 * truth, which the registries' smooth age curves do not notice, and it
	 * spares computing birth dates of the many rejected candidates.
	 */
	int			shift = (int) ((x->model.register_date - event_date) / 365.2425 + 0.5);
	int			attempt;

	for (attempt = 0; attempt < x->max_tries; attempt++)
	{
		uint64		h = synth_hash(x->stream_seed, SS_REC_PICK, (uint64) index, (uint64) attempt);
		int			age_e;
		int			s;
		double		pop;

		SynthPersonBasic(&x->model, synth_below(h, x->model.persons), p);
		age_e = p->age - shift;
		if (age_e < 0)
			continue;
		s = p->sex == 1 ? 0 : 1;
		pop = x->population[s][p->age];
		if (pop > 0 &&
			synth_unit(synth_hash(x->stream_seed, SS_REC_ACCEPT, (uint64) index, (uint64) attempt)) <
			x->target[s][age_e] / pop * x->accept_scale)
		{
			SynthPersonGet(&x->model, p->index, p);
			/* born after the event (the youngest at an age of 0) */
			if (p->birth_date > event_date)
				continue;
			return true;
		}
		if ((attempt & 1023) == 1023)
			CHECK_FOR_INTERRUPTS();
	}
	return false;
}

void
SynthRecordGet(const SynthExtract *x, int64 index, SynthRecord *r,
			   SynthPeriod *scratch, int max_periods)
{
	const SynthModel *m = &x->model;
	uint64		seed = x->stream_seed;
	SynthPerson p;
	bool		inside;

	memset(r, 0, sizeof(*r));
	r->index = index;
	r->event_date = x->event_from +
		(DateADT) synth_below(synth_hash(seed, SS_REC_EVENT, (uint64) index, 0),
							  (int64) x->event_to - x->event_from + 1);

	inside = synth_unit(synth_hash(seed, SS_REC_OUTSIDE, (uint64) index, 0)) >= x->outside_share &&
		PickPerson(x, index, r->event_date, &p);

	if (inside)
	{
		int			n = SynthPeriodsGet(m, &p, scratch, max_periods);
		int			k;

		r->person_id = p.id;
		for (k = 0; k < n; k++)
			if (scratch[k].valid_from <= r->event_date && r->event_date < scratch[k].valid_to)
				break;
		if (k == n)
			elog(ERROR, "no address of person %lld at the event date", (long long) p.index);
		RecordBirthDate(x, r, p.birth_date);
		RecordSex(x, r, p.sex);
		RecordAddress(x, r, &scratch[k], k > 0 ? &scratch[k - 1] : NULL);
	}
	else
	{
		/* a patient the register does not know: age and sex from the registry's mix */
		double		u = synth_unit(synth_hash(seed, SS_REC_AGE, (uint64) index, 0));
		int			cell = 0;
		int			age;
		DateADT		lo,
					hi,
					birth;

		while (cell < 2 * SYNTH_AGES - 1 && u >= x->target_cdf[cell])
			cell++;
		age = cell % SYNTH_AGES;
		lo = SynthAddYears(r->event_date, -(age + 1)) + 1;
		hi = SynthAddYears(r->event_date, -age);
		birth = lo + (DateADT) synth_below(synth_hash(seed, SS_REC_BIRTH, (uint64) index, 0),
										   (int64) hi - lo + 1);
		r->person_id = 0;
		RecordBirthDate(x, r, birth);
		RecordSex(x, r, cell < SYNTH_AGES ? 1 : 2);

		if (synth_unit(synth_hash(seed, SS_REC_ABROAD, (uint64) index, 0)) < ABROAD_SHARE)
		{
			strcpy(r->postcode, "0000");
			r->has_number = false;
			r->suffix = NULL;
		}
		else
		{
			/* living in the Netherlands but not (yet) registered: any dwelling */
			SynthPeriod here;
			SynthPostcode pc;

			memset(&here, 0, sizeof(here));
			here.postcode = SynthHomePostcode(m, synth_hash(seed, SS_REC_PLACE, (uint64) index, 0));
			SynthPostcodeGet(m, here.postcode, &pc);
			here.address = (int32) synth_below(synth_hash(seed, SS_REC_PLACE, (uint64) index, 1),
											   pc.addresses);
			here.new_code = pc.changes && pc.change_date <= r->event_date;
			RecordAddress(x, r, &here, NULL);
		}
	}
}
