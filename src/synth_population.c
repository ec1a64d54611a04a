/*
 * synth_population.c
 *	  The synthetic Dutch population register: persons (birth date, sex,
 *	  twins), postcodes (format, heavy-tailed sizes, care homes, student
 *	  housing, code changes) and address histories (moves by age).
 *
 * The model is calibrated on the figures in DOMAIN.md (births per year,
 * share of men by age, twin deliveries and same-sex pairs, moves per year
 * and at ages 65-74, about 39 residents per postcode); where DOMAIN.md has no
 * figure, the tables below carry an estimate and say so.  doc/synthetic-data.md
 * lists every table and compares a generated register with the figures.
 *
 * Each function here is a pure function of the model and an index.  Persons
 * come in "slots" of two consecutive indexes: a slot is either a twin pair
 * (one delivery, two persons with one birth date) or two unrelated persons,
 * so a person never needs to look further than its slot partner.  Twins share
 * an address history (drawn from the slot's stream) until each leaves home;
 * everyone else draws from a stream of their own.  Postcodes are ranked by
 * kind and size and scattered over the code space by a keyed permutation, so
 * that choosing a postcode in proportion to its size is a closed-form inverse
 * distribution function instead of a table as large as the register.
 */
#include "postgres.h"

#include <math.h>

#include "utils/datetime.h"

#include "synth.h"

/* ---------------------------------------------------------------------
 * Model tables
 * ---------------------------------------------------------------------
 */

typedef struct Knot
{
	double		x;
	double		y;
} Knot;

#define lengthof_knots(k) ((int) (sizeof(k) / sizeof((k)[0])))

/*
 * Live births per calendar year.  The decade figures from 1950 on are CBS
 * 37422ned (DOMAIN.md); the others are estimates that shape the years
 * between (the 1946 post-war peak, the early-1970s fall, the years before
 * 1950 that today's oldest residents were born in).
 */
static const Knot births_by_year[] = {
	{1900, 162000},				/* estimate */
	{1920, 192000},				/* estimate */
	{1930, 178000},				/* estimate */
	{1940, 185000},				/* estimate */
	{1944, 220000},				/* estimate */
	{1945, 210000},				/* estimate */
	{1946, 284000},				/* estimate: post-war peak */
	{1947, 267000},				/* estimate */
	{1950, 229718},
	{1960, 239128},
	{1970, 238912},
	{1975, 178000},				/* estimate */
	{1980, 181294},
	{1990, 197965},
	{2000, 206619},
	{2010, 184397},
	{2020, 168681},
	{2022, 167504},
	{2040, 165000}				/* estimate: held flat */
};

/*
 * Share of a birth cohort still alive (and resident) at an age: an estimate
 * shaped like a recent Dutch period life table, both sexes.
 */
static const Knot survival_by_age[] = {
	{0, 1.000}, {1, 0.996}, {20, 0.993}, {40, 0.985}, {50, 0.970},
	{60, 0.935}, {65, 0.905}, {70, 0.860}, {75, 0.790}, {80, 0.680},
	{85, 0.500}, {90, 0.270}, {95, 0.090}, {100, 0.015}, {SYNTH_AGES, 0.0}
};

/*
 * Net immigration: adults outnumber their birth cohort's survivors (an
 * estimate that brings 17.8 M residents out of the births above).
 */
static const Knot migration_by_age[] = {
	{15, 1.00}, {30, 1.15}
};

/* Share of men by age: 65, 80 and 90 from DOMAIN.md, the rest estimates. */
static const Knot men_by_age[] = {
	{0, 0.512}, {20, 0.508}, {40, 0.502}, {50, 0.500}, {65, 0.498},
	{80, 0.435}, {90, 0.298}, {100, 0.170}, {SYNTH_AGES, 0.120}
};

/*
 * Twin deliveries per delivery by birth year: 1.0-1.8% and 1.5% in 2022
 * from DOMAIN.md; the path between (the rise with fertility treatment in
 * the 1990s) is an estimate.
 */
static const Knot twins_by_year[] = {
	{1970, 0.010}, {1980, 0.011}, {1990, 0.014}, {2000, 0.018},
	{2010, 0.017}, {2022, 0.015}
};

/* 67.6% of twin pairs are same-sex (DOMAIN.md, 2015). */
#define SAME_SEX_TWINS 0.676

/* Twin pairs who never leave their shared home (estimate). */
#define TWINS_TOGETHER 0.03

/*
 * Moves per year by age (upper bound of the band, exclusive; rate): about
 * 11% overall and 3.5% at 65-74 (DOMAIN.md); the other bands are estimates
 * shaped like the CBS age profile (peak when leaving home, low in middle age,
 * a rise with moves into care).
 */
static const Knot moves_by_age[] = {
	{5, 0.14}, {15, 0.07}, {18, 0.06}, {25, 0.30}, {35, 0.23}, {45, 0.11},
	{55, 0.07}, {65, 0.045}, {75, 0.035}, {85, 0.045}, {1000, 0.08}
};

/* Share living in a care home at the start of the history (estimate). */
static const Knot care_stock_by_age[] = {
	{69, 0.0}, {70, 0.004}, {75, 0.01}, {80, 0.025}, {85, 0.07},
	{90, 0.15}, {95, 0.25}, {100, 0.35}
};

/* Share of moves at an age that go into a care home (estimate). */
static const Knot care_entry_by_age[] = {
	{64, 0.0}, {70, 0.03}, {75, 0.08}, {80, 0.18}, {85, 0.32}, {90, 0.45}
};

/* Share in student housing at the start, and of moves into it (estimate). */
static const Knot student_stock_by_age[] = {
	{17, 0.0}, {18, 0.06}, {23, 0.06}, {25, 0.0}
};
static const Knot student_entry_by_age[] = {
	{16.99, 0.0}, {17, 0.20}, {21, 0.20}, {24, 0.08}, {25.5, 0.0}
};

/* Students move on: at least this share of student-housing residents moves each year. */
#define STUDENT_MOVES	0.35

/* About 39 residents per six-character postcode (DOMAIN.md, estimate). */
#define PERSONS_PER_POSTCODE 39.0

/*
 * Postcodes per four-digit area (about 460,000 over about 4,000 areas), more
 * when the 8,989 area numbers 1011-9999 would not suffice.
 */
#define POSTCODES_PER_AREA	115
#define AREA_NUMBERS		8989

/* Shares of postcodes that are care homes and student housing (estimates). */
#define CARE_POSTCODE_SHARE		0.0045
#define STUDENT_POSTCODE_SHARE	0.004

/* Expected share of residents in student housing (sizes its room count). */
#define STUDENT_RESIDENT_SHARE	0.012

/* Spread of ordinary postcode sizes: log-normal with this sigma (estimate). */
#define HOME_SIZE_SIGMA		0.8

/* Residents per dwelling (estimate; CBS counts about 2.1 per household). */
#define PERSONS_PER_DWELLING 2.2

/* Home postcodes this size or more are apartment blocks. */
#define APARTMENT_RESIDENTS 60.0

/* Share of postcodes whose code changes, per year of history (estimate). */
#define POSTCODE_CHANGES_PER_YEAR 0.002

/* Linear interpolation in a table, flat beyond its ends. */
static double
Interpolate(const Knot *k, int n, double x)
{
	int			i;

	if (x <= k[0].x)
		return k[0].y;
	for (i = 1; i < n; i++)
	{
		if (x < k[i].x)
			return k[i - 1].y + (k[i].y - k[i - 1].y) *
				(x - k[i - 1].x) / (k[i].x - k[i - 1].x);
	}
	return k[n - 1].y;
}

/* Step lookup: the y of the first knot whose x exceeds age. */
static double
Band(const Knot *k, int n, double age)
{
	int			i;

	for (i = 0; i < n; i++)
		if (age < k[i].x)
			return k[i].y;
	return k[n - 1].y;
}

/* Share of men at an age (years, fractional). */
double
SynthShareMen(double age)
{
	return Interpolate(men_by_age, lengthof_knots(men_by_age), age);
}

/* ---------------------------------------------------------------------
 * Dates
 * ---------------------------------------------------------------------
 */

/* d shifted by whole years; 29 February becomes 28 February in other years. */
DateADT
SynthAddYears(DateADT d, int years)
{
	int			y,
				m,
				day;

	j2date(d + POSTGRES_EPOCH_JDATE, &y, &m, &day);
	y += years;
	if (m == 2 && day == 29 && !isleap(y))
		day = 28;
	return date2j(y, m, day) - POSTGRES_EPOCH_JDATE;
}

/* Completed years of age at `at` for a birth date (negative before birth). */
int
SynthAgeAt(DateADT birth, DateADT at)
{
	int			yb,
				mb,
				db,
				ya,
				ma,
				da,
				age;

	j2date(birth + POSTGRES_EPOCH_JDATE, &yb, &mb, &db);
	j2date(at + POSTGRES_EPOCH_JDATE, &ya, &ma, &da);
	age = ya - yb;
	if (ma < mb || (ma == mb && da < db))
		age--;
	return age;
}

int
SynthYearOf(DateADT d)
{
	int			y,
				m,
				day;

	j2date(d + POSTGRES_EPOCH_JDATE, &y, &m, &day);
	return y;
}

DateADT
SynthYearStart(int year)
{
	return date2j(year, 1, 1) - POSTGRES_EPOCH_JDATE;
}

/* Age in fractional years, precise enough for rate tables. */
static inline double
YearsBetween(DateADT from, DateADT to)
{
	return (double) (to - from) / 365.2425;
}

/* ---------------------------------------------------------------------
 * Normal distribution (for the log-normal postcode sizes)
 * ---------------------------------------------------------------------
 */

/* Inverse of the standard normal distribution (Acklam, |rel. error| < 1.2e-9). */
static double
NormalQuantile(double p)
{
	static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
		-2.759285104469687e+02, 1.383577518672690e+02,
	-3.066479806614716e+01, 2.506628277459239e+00};
	static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
		-1.556989798598866e+02, 6.680131188771972e+01,
	-1.328068155288572e+01};
	static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
		-2.400758277161838e+00, -2.549732539343734e+00,
	4.374664141464968e+00, 2.938163982698783e+00};
	static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
	2.445134137142996e+00, 3.754408661907416e+00};
	const double p_low = 0.02425;
	double		q,
				r;

	if (p < p_low)
	{
		q = sqrt(-2 * log(p));
		return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
			((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
	}
	if (p > 1 - p_low)
	{
		q = sqrt(-2 * log(1 - p));
		return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
			((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
	}
	q = p - 0.5;
	r = q * q;
	return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
		(((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

static inline double
NormalCdf(double x)
{
	return 0.5 * erfc(-x / M_SQRT2);
}

/* ---------------------------------------------------------------------
 * Model set-up
 * ---------------------------------------------------------------------
 */

void
SynthModelInit(SynthModel *m, uint64 seed, int64 persons,
			   DateADT register_date, DateADT history_from)
{
	double		total = 0,
				acc = 0;
	int			a;
	double		ryear;

	memset(m, 0, sizeof(*m));
	m->seed = seed;
	m->persons = persons;
	m->register_date = register_date;
	m->history_from = history_from;
	m->register_year = SynthYearOf(register_date);

	/*
	 * Postcodes scale with the register, so that a 10 k register is a small
	 * country with the same density rather than 10 k people scattered over
	 * 460 k postcodes.  At least one care home and one student building
	 * always exist, so that every kind can be chosen.
	 */
	m->postcodes = Max(3, (int64) llround(persons / PERSONS_PER_POSTCODE));
	m->care_postcodes = Max(1, (int64) llround(m->postcodes * CARE_POSTCODE_SHARE));
	m->student_postcodes = Max(1, (int64) llround(m->postcodes * STUDENT_POSTCODE_SHARE));
	m->home_postcodes = m->postcodes - m->care_postcodes - m->student_postcodes;
	m->per_area = Max(POSTCODES_PER_AREA, (m->postcodes + AREA_NUMBERS - 1) / AREA_NUMBERS);
	m->areas = (m->postcodes + m->per_area - 1) / m->per_area;
	m->change_share = 1.0 - pow(1.0 - POSTCODE_CHANGES_PER_YEAR,
								Max(m->register_year - SynthYearOf(history_from), 1));
	m->perm_half_bits = 1;
	while (((int64) 1 << (2 * m->perm_half_bits)) < m->postcodes)
		m->perm_half_bits++;
	m->home_mean = (double) persons / m->postcodes /
		exp(HOME_SIZE_SIGMA * HOME_SIZE_SIGMA / 2);

	/*
	 * Residents by completed age a at the register date: the births of
	 * their cohort times survival times net immigration, all at mid-year of
	 * age.
	 */
	ryear = m->register_year + (double) (register_date - SynthYearStart(m->register_year)) / 365.2425;
	for (a = 0; a < SYNTH_AGES; a++)
	{
		double		mid = a + 0.5;
		double		w = Interpolate(births_by_year, lengthof_knots(births_by_year), ryear - mid) *
			Interpolate(survival_by_age, lengthof_knots(survival_by_age), mid) *
			Interpolate(migration_by_age, lengthof_knots(migration_by_age), mid);

		m->age_share[a] = w;
		total += w;
	}
	for (a = 0; a < SYNTH_AGES; a++)
	{
		m->age_share[a] /= total;
		acc += m->age_share[a];
		m->age_cdf[a] = acc;
	}
	m->age_cdf[SYNTH_AGES - 1] = 1.0;
}

/* Completed age at the register date for a uniform draw. */
static int
SampleAge(const SynthModel *m, double u)
{
	int			lo = 0,
				hi = SYNTH_AGES - 1;

	while (lo < hi)
	{
		int			mid = (lo + hi) / 2;

		if (u < m->age_cdf[mid])
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* ---------------------------------------------------------------------
 * Keyed permutations
 * ---------------------------------------------------------------------
 */

/* A four-round Feistel permutation of [0, 2^(2*half)). */
static uint64
Feistel(uint64 seed, uint32 stream, int half, uint64 x)
{
	uint64		mask = ((uint64) 1 << half) - 1;
	uint64		l = x >> half,
				r = x & mask;
	int			round;

	for (round = 0; round < 4; round++)
	{
		uint64		f = synth_hash(seed, stream, (uint64) round, r) & mask;
		uint64		t = l ^ f;

		l = r;
		r = t;
	}
	return (l << half) | r;
}

/*
 * Internal person id: a bijection of the index onto [1, 2^40], so ids are
 * unique, unordered and carry no information about the person.
 */
int64
SynthPersonId(const SynthModel *m, int64 index)
{
	return (int64) Feistel(m->seed, SS_PERSON_ID, 20, (uint64) index) + 1;
}

/*
 * The postcode index of a rank: a permutation of [0, postcodes) by cycle
 * walking (the Feistel domain is at most four times larger, so two steps on
 * average).
 */
int64
SynthPostcodeOfRank(const SynthModel *m, int64 rank)
{
	uint64		y = (uint64) rank;

	do
		y = Feistel(m->seed, SS_POSTCODE_PERM, m->perm_half_bits, y);
	while (y >= (uint64) m->postcodes);
	return (int64) y;
}

/* ---------------------------------------------------------------------
 * Persons
 * ---------------------------------------------------------------------
 */

/* A birth date with completed age `age` at `at`, uniform within that year of age. */
static DateADT
BirthDateForAge(DateADT at, int age, uint64 h)
{
	DateADT		lo = SynthAddYears(at, -(age + 1)) + 1;
	DateADT		hi = SynthAddYears(at, -age);

	return lo + (DateADT) synth_below(h, (int64) hi - lo + 1);
}

/*
 * Age, sex and twin status of a person: the cheap part of a person, enough
 * for a registry to decide whether it wants this patient.
 */
void
SynthPersonBasic(const SynthModel *m, int64 index, SynthPerson *p)
{
	int64		slot = index / 2;
	bool		first = (index % 2) == 0;
	int			slot_age;
	double		twin_share;
	double		pair_share;

	p->index = index;

	/*
	 * A slot is a twin pair with probability 2q/(1+q), which makes a share
	 * q of all deliveries twin deliveries.  The last slot of an odd-sized
	 * register has one person and cannot be a pair.
	 */
	slot_age = SampleAge(m, synth_unit(synth_hash(m->seed, SS_SLOT_AGE, (uint64) slot, 0)));
	twin_share = Interpolate(twins_by_year, lengthof_knots(twins_by_year),
							 m->register_year - slot_age - 0.5);
	pair_share = 2 * twin_share / (1 + twin_share);
	p->twin = (slot * 2 + 1 < m->persons) &&
		synth_unit(synth_hash(m->seed, SS_SLOT_TWIN, (uint64) slot, 0)) < pair_share;

	if (p->twin)
	{
		int			first_sex;
		bool		same;

		p->age = slot_age;
		first_sex = synth_unit(synth_hash(m->seed, SS_SEX, (uint64) slot * 2, 0)) <
			SynthShareMen(slot_age + 0.5) ? 1 : 2;
		same = synth_unit(synth_hash(m->seed, SS_TWIN_SEX, (uint64) slot, 0)) < SAME_SEX_TWINS;
		p->sex = (first || same) ? first_sex : 3 - first_sex;
	}
	else
	{
		p->age = first ? slot_age :
			SampleAge(m, synth_unit(synth_hash(m->seed, SS_AGE, (uint64) index, 0)));
		p->sex = synth_unit(synth_hash(m->seed, SS_SEX, (uint64) index, 0)) <
			SynthShareMen(p->age + 0.5) ? 1 : 2;
	}
}

void
SynthPersonGet(const SynthModel *m, int64 index, SynthPerson *p)
{
	int64		slot = index / 2;

	SynthPersonBasic(m, index, p);
	p->id = SynthPersonId(m, index);
	if (p->twin)
	{
		p->twin_index = index % 2 == 0 ? index + 1 : index - 1;
		p->birth_date = BirthDateForAge(m->register_date, p->age,
										synth_hash(m->seed, SS_SLOT_DAY, (uint64) slot, 0));
		p->twins_together =
			synth_unit(synth_hash(m->seed, SS_TOGETHER, (uint64) slot, 0)) < TWINS_TOGETHER;
	}
	else
	{
		p->twin_index = -1;
		p->twins_together = false;
		p->birth_date = BirthDateForAge(m->register_date, p->age,
										synth_hash(m->seed, SS_BIRTH_DAY, (uint64) index, 0));
	}
}

/* ---------------------------------------------------------------------
 * Postcodes
 * ---------------------------------------------------------------------
 */

/*
 * Letter pairs.  Codes issued before 2005 never use F, I, O, Q, U or Y, and
 * SA, SD and SS are never used at all: the register's original codes take
 * their letters from the 397 pairs of the other twenty letters, and a
 * postcode that changes gets a pair with at least one of the six letters
 * allowed since 2005 (276 pairs), so an old and a new code never collide.
 */
#define OLD_PAIRS 397
#define NEW_PAIRS 276

static bool
LetterIsNew(char c)
{
	return c == 'F' || c == 'I' || c == 'O' || c == 'Q' || c == 'U' || c == 'Y';
}

/* The j-th letter pair of the old (new_code false) or new list, alphabetical. */
static const char *
LetterPair(int j, bool new_code)
{
	/* built once per process: constant, 1.3 kB */
	static char old_pairs[OLD_PAIRS][2];
	static char new_pairs[NEW_PAIRS][2];
	static bool ready = false;

	if (!ready)
	{
		int			n_old = 0,
					n_new = 0;
		char		a,
					b;

		for (a = 'A'; a <= 'Z'; a++)
			for (b = 'A'; b <= 'Z'; b++)
			{
				if (LetterIsNew(a) || LetterIsNew(b))
				{
					new_pairs[n_new][0] = a;
					new_pairs[n_new++][1] = b;
				}
				else if (!(a == 'S' && (b == 'A' || b == 'D' || b == 'S')))
				{
					old_pairs[n_old][0] = a;
					old_pairs[n_old++][1] = b;
				}
			}
		Assert(n_old == OLD_PAIRS && n_new == NEW_PAIRS);
		ready = true;
	}
	if (j < 0 || j >= (new_code ? NEW_PAIRS : OLD_PAIRS))
		elog(ERROR, "letter pair %d out of range", j);
	return new_code ? new_pairs[j] : old_pairs[j];
}

/*
 * The code of postcode index p: its four-digit area spreads the areas over
 * 1011-9999 (1000-1010 are PO boxes and 1011 AA is the first address code),
 * its letters spread the area's postcodes over the letter pairs.
 */
void
SynthPostcodeCode(const SynthModel *m, int64 index, bool new_code, char *out)
{
	int64		area = index % m->areas;
	int64		j = index / m->areas;
	int			number = 1011 + (int) (area * AREA_NUMBERS / m->areas);
	int			pair = (int) (j * (new_code ? NEW_PAIRS : OLD_PAIRS) / m->per_area);
	const char *letters = LetterPair(pair, new_code);

	snprintf(out, 5, "%04d", number);
	out[4] = letters[0];
	out[5] = letters[1];
	out[6] = '\0';
}

/* Expected residents of the home postcode of home rank q (0 = largest). */
static double
HomeResidents(const SynthModel *m, int64 q)
{
	double		u = 1.0 - ((double) q + 0.5) / m->home_postcodes;

	return m->home_mean * exp(HOME_SIZE_SIGMA * NormalQuantile(u));
}

/*
 * A home postcode rank drawn in proportion to its expected residents.  With
 * log-normal sizes w(u) = exp(sigma * Phi^-1(u)) over the size quantile u,
 * the size-weighted distribution of u is Phi(Phi^-1(v) + sigma) for a uniform
 * v, so no table of sizes is needed.
 */
int64
SynthHomePostcode(const SynthModel *m, uint64 h)
{
	double		v = synth_unit(h);
	double		x;
	int64		q;

	v = Min(Max(v, 1e-12), 1 - 1e-12);
	x = NormalCdf(NormalQuantile(v) + HOME_SIZE_SIGMA);
	q = m->home_postcodes - 1 - (int64) (x * m->home_postcodes);
	q = Min(Max(q, 0), m->home_postcodes - 1);
	return m->care_postcodes + m->student_postcodes + q;
}

/* The attributes of the postcode of a rank. */
void
SynthPostcodeGet(const SynthModel *m, int64 rank, SynthPostcode *pc)
{
	uint64		layout = synth_hash(m->seed, SS_PC_LAYOUT, (uint64) rank, 0);

	pc->index = SynthPostcodeOfRank(m, rank);
	pc->first_number = 1 + (int32) synth_below(layout, 150);
	pc->number_step = (layout >> 8) & 1 ? 2 : 1;
	pc->apartments = false;
	if (rank < m->care_postcodes)
	{
		pc->kind = SYNTH_CARE;
		pc->addresses = 1;
	}
	else if (rank < m->care_postcodes + m->student_postcodes)
	{
		double		residents = m->persons * STUDENT_RESIDENT_SHARE / m->student_postcodes;

		pc->kind = SYNTH_STUDENT;
		pc->addresses = (int32) Max(10, llround(residents * 1.2));
	}
	else
	{
		double		residents = HomeResidents(m, rank - m->care_postcodes - m->student_postcodes);

		pc->kind = SYNTH_HOME;
		pc->addresses = (int32) Max(1, llround(residents / PERSONS_PER_DWELLING));
		pc->apartments = residents >= APARTMENT_RESIDENTS;
	}

	pc->changes = m->history_from + 1 < m->register_date &&
		synth_unit(synth_hash(m->seed, SS_PC_CHANGE, (uint64) rank, 0)) < m->change_share;
	pc->change_date = pc->changes ?
		m->history_from + 1 + (DateADT) synth_below(synth_hash(m->seed, SS_PC_CHANGE, (uint64) rank, 1),
													(int64) m->register_date - m->history_from - 1) :
		DATEVAL_NOEND;
}

/*
 * House number and suffix of an address.  Ordinary streets number one side
 * (step 2) or both; apartment blocks put eight dwellings behind one number
 * (suffix H for the ground floor, then 1-7); a care home registers every
 * resident at its one address; student housing numbers its rooms.
 */
void
SynthAddressNumber(const SynthModel *m, const SynthPostcode *pc, int32 address,
				   int32 *number, const char **suffix, char *suffix_buf)
{
	static const char *const floors[] = {"H", "1", "2", "3", "4", "5", "6", "7"};

	*suffix = NULL;
	switch (pc->kind)
	{
		case SYNTH_CARE:
			*number = pc->first_number;
			break;
		case SYNTH_STUDENT:
			*number = pc->first_number;
			snprintf(suffix_buf, 8, "%d", (int) address + 1);
			*suffix = suffix_buf;
			break;
		case SYNTH_HOME:
			if (pc->apartments)
			{
				*number = pc->first_number + pc->number_step * (address / 8);
				*suffix = floors[address % 8];
			}
			else
			{
				*number = pc->first_number + pc->number_step * address;
				/* a few houses were split or added later: 12A */
				if (synth_unit(synth_hash(m->seed, SS_SUFFIX, (uint64) pc->index,
										  (uint64) address)) < 0.05)
					*suffix = "A";
			}
			break;
	}
}

/* ---------------------------------------------------------------------
 * Address histories
 * ---------------------------------------------------------------------
 */

/* Upper bound of the periods SynthPeriodsGet returns for this model. */
int
SynthMaxPeriods(const SynthModel *m)
{
	int			years = m->register_year - SynthYearOf(m->history_from) + 1;

	/* first residence, two moves and a split per year, each cut by a code change */
	return 2 * (2 * years + 2);
}

/* A residence: one dwelling, from a date until the next residence. */
typedef struct Residence
{
	DateADT		from;
	int64		rank;
	int32		address;
	SynthKind	kind;
	SynthReason reason;
} Residence;

/*
 * Choose the dwelling of a residence starting at age `age` for the stream
 * `key` and decision `tag`.  `initial` means the first residence of the
 * history (the stock shares by age apply) rather than a move (the entry
 * shares apply).  Care home residents move only between care homes.
 */
static void
ChoosePlace(const SynthModel *m, uint64 key, uint64 tag, double age,
			bool initial, const Residence *current, Residence *out)
{
	double		u = synth_unit(synth_hash(m->seed, SS_KIND, key, tag));
	double		care,
				student;
	int			attempt;

	if (initial)
	{
		care = Interpolate(care_stock_by_age, lengthof_knots(care_stock_by_age), age);
		student = Interpolate(student_stock_by_age, lengthof_knots(student_stock_by_age), age);
	}
	else if (current->kind == SYNTH_CARE)
	{
		care = 1.0;
		student = 0.0;
	}
	else
	{
		care = Interpolate(care_entry_by_age, lengthof_knots(care_entry_by_age), age);
		student = Interpolate(student_entry_by_age, lengthof_knots(student_entry_by_age), age);
	}
	out->kind = u < care ? SYNTH_CARE : u < care + student ? SYNTH_STUDENT : SYNTH_HOME;

	/* a move goes somewhere else: redraw the rare choice of the same dwelling */
	for (attempt = 0; attempt < 16; attempt++)
	{
		uint64		h = synth_hash(m->seed, SS_PLACE, key, tag * 16 + attempt);
		SynthPostcode pc;

		switch (out->kind)
		{
			case SYNTH_CARE:
				out->rank = synth_below(h, m->care_postcodes);
				break;
			case SYNTH_STUDENT:
				out->rank = m->care_postcodes + synth_below(h, m->student_postcodes);
				break;
			case SYNTH_HOME:
				out->rank = SynthHomePostcode(m, h);
				break;
		}
		SynthPostcodeGet(m, out->rank, &pc);
		out->address = (int32) synth_below(synth_hash(m->seed, SS_ADDRESS, key, tag * 16 + attempt),
										   pc.addresses);
		if (initial || out->rank != current->rank || out->address != current->address)
			break;
	}
}

/* The move date of stream `key` in `year`, or 0 (false) when it does not move. */
static bool
MoveInYear(const SynthModel *m, uint64 key, int year, DateADT birth,
		   SynthKind current, DateADT *when)
{
	DateADT		y0 = SynthYearStart(year);
	DateADT		y1 = SynthYearStart(year + 1);
	DateADT		d = y0 + (DateADT) synth_below(synth_hash(m->seed, SS_MOVE_DAY, key, (uint64) year),
											   (int64) y1 - y0);
	double		rate = Band(moves_by_age, lengthof_knots(moves_by_age), YearsBetween(birth, d));

	if (current == SYNTH_STUDENT)
		rate = Max(rate, STUDENT_MOVES);
	*when = d;
	return synth_unit(synth_hash(m->seed, SS_MOVE, key, (uint64) year)) < rate;
}

#define SHARED_KEY(slot) (((uint64) 1 << 63) | (uint64) (slot))
#define TAG_INITIAL 0
#define TAG_LEAVE	1

/*
 * The residence periods of a person from the first one known (which may
 * start before history_from, at the date the person moved in or was born)
 * to the register date, each split where its postcode's code changed.
 * Returns the number of periods written to out (at most max).
 */
int
SynthPeriodsGet(const SynthModel *m, const SynthPerson *p, SynthPeriod *out, int max)
{
	DateADT		R = m->register_date;
	DateADT		start = Max(p->birth_date, m->history_from);
	uint64		own_key = (uint64) p->index;
	uint64		shared_key = SHARED_KEY(p->index / 2);
	DateADT		leave = DATEVAL_NOEND;
	bool		shared;
	Residence	res[2 * (SYNTH_MAX_HISTORY_YEARS + 3) + 2];
	int			nres = 0;
	int			year;
	int			n = 0;
	int			i;

	/*
	 * Twins leave the shared home one by one at 18 to 26, unless the pair
	 * stays together for life.
	 */
	if (p->twin && !p->twins_together)
	{
		double		u = synth_unit(synth_hash(m->seed, SS_TWIN_SPLIT, (uint64) p->index, 0));

		leave = p->birth_date + (DateADT) ((18.0 + 8.0 * u * u) * 365.2425);
	}
	shared = p->twin && leave > start;

	/* the residence at the start of the history */
	{
		uint64		key = shared ? shared_key : own_key;
		Residence  *r = &res[nres++];
		double		age = YearsBetween(p->birth_date, start);
		double		rate = Band(moves_by_age, lengthof_knots(moves_by_age), age);
		double		u = synth_unit(synth_hash(m->seed, SS_FIRST_FROM, key, 0));
		DateADT		earliest = p->birth_date;

		ChoosePlace(m, key, TAG_INITIAL, age, true, NULL, r);

		/*
		 * Someone born before the history moved in at a date before it: the
		 * time since the last move is exponential with the rate at the
		 * current age; no earlier than birth, or leaving home for a twin.
		 */
		if (p->twin && !shared)
			earliest = leave;
		if (r->kind == SYNTH_CARE)
			earliest = Max(earliest, SynthAddYears(p->birth_date, 65));
		r->from = start - (DateADT) (-log(1.0 - u) / rate * 365.2425);
		r->reason = SYNTH_MOVE;
		if (r->from <= p->birth_date)
		{
			r->from = p->birth_date;
			r->reason = SYNTH_BIRTH;
		}
		else if (r->from < earliest)
			r->from = earliest;
	}

	for (year = SynthYearOf(start); year <= m->register_year; year++)
	{
		DateADT		d;

		/* cannot happen: the history is at most 100 years, see SynthMaxPeriods */
		if (nres + 3 > (int) lengthof(res))
			elog(ERROR, "address history of person %lld is too long", (long long) p->index);

		/* moves of the shared home come before leaving it, own moves after */
		if (shared && MoveInYear(m, shared_key, year, p->birth_date, res[nres - 1].kind, &d) &&
			d > start && d < R && d < leave)
		{
			Residence  *r = &res[nres];

			ChoosePlace(m, shared_key, (uint64) year, YearsBetween(p->birth_date, d),
						false, &res[nres - 1], r);
			r->from = d;
			r->reason = SYNTH_MOVE;
			nres++;
		}
		if (shared && leave < R && SynthYearOf(leave) == year)
		{
			Residence  *r = &res[nres];

			ChoosePlace(m, own_key, TAG_LEAVE, YearsBetween(p->birth_date, leave),
						false, &res[nres - 1], r);
			r->from = leave;
			r->reason = SYNTH_MOVE;
			nres++;
			shared = false;
		}
		if (!shared && MoveInYear(m, own_key, year, p->birth_date, res[nres - 1].kind, &d) &&
			d > start && d < R && (!p->twin || d > leave) &&
			d > res[nres - 1].from)
		{
			Residence  *r = &res[nres];

			ChoosePlace(m, own_key, (uint64) year, YearsBetween(p->birth_date, d),
						false, &res[nres - 1], r);
			r->from = d;
			r->reason = SYNTH_MOVE;
			nres++;
		}
	}

	/* residences to periods, split where the postcode's code changed */
	for (i = 0; i < nres; i++)
	{
		SynthPostcode pc;
		DateADT		from = res[i].from;
		DateADT		to = i + 1 < nres ? res[i + 1].from : DATEVAL_NOEND;

		SynthPostcodeGet(m, res[i].rank, &pc);
		if (n + 2 > max)
			elog(ERROR, "address history of person %lld exceeds %d periods",
				 (long long) p->index, max);
		out[n].valid_from = from;
		out[n].valid_to = to;
		out[n].postcode = res[i].rank;
		out[n].address = res[i].address;
		out[n].kind = res[i].kind;
		out[n].reason = res[i].reason;
		out[n].new_code = pc.changes && pc.change_date <= from;
		if (pc.changes && pc.change_date > from && pc.change_date < to)
		{
			/* the same dwelling before and after its code changed */
			out[n].valid_to = pc.change_date;
			n++;
			out[n] = out[n - 1];
			out[n].valid_from = pc.change_date;
			out[n].valid_to = to;
			out[n].new_code = true;
			out[n].reason = SYNTH_PC_CHANGE;
		}
		n++;
	}
	return n;
}
