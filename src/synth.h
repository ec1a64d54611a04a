/*
 * synth.h
 *	  The synthetic Dutch population and registry model shared by the
 *	  generator modules (synth_population.c, synth_extract.c) and their SQL
 *	  interface (synth.c).
 *
 * Every value the generator produces is a pure function of the seed, the
 * model parameters and an index: a counter-based random stream (a splitmix64
 * finaliser applied to seed, stream number and counters) replaces a stateful
 * generator, so any person, address history or registry record can be
 * computed on its own, in any order, in any chunk, with the same result.
 * Nothing grows with the size of the register: the per-call state is a few
 * hundred bytes of tables plus one person's address history.
 */
#ifndef SYNTH_H
#define SYNTH_H

#include "postgres.h"

#include "utils/date.h"

/* Ages 0 .. SYNTH_MAX_AGE at the register date are modelled. */
#define SYNTH_MAX_AGE		105
#define SYNTH_AGES			(SYNTH_MAX_AGE + 1)

/* Limits of the parameters (checked by synth.c, relied upon here). */
#define SYNTH_MAX_PERSONS	INT64CONST(50000000)
#define SYNTH_MAX_RECORDS	INT64CONST(1000000000)
#define SYNTH_MAX_HISTORY_YEARS 100

/*
 * Residence periods of one person: at most one move per stream per calendar
 * year, one leaving-home move for a twin, and each residence split once by a
 * postcode change; see SynthMaxPeriods().
 */

/* Kinds of postcode (and so of the addresses in it). */
typedef enum SynthKind
{
	SYNTH_HOME = 0,				/* ordinary housing */
	SYNTH_CARE = 1,				/* care home: one address, many elderly */
	SYNTH_STUDENT = 2			/* student housing: one building, many rooms */
} SynthKind;

/* Why a residence period starts. */
typedef enum SynthReason
{
	SYNTH_BIRTH = 0,			/* born while living here */
	SYNTH_MOVE = 1,				/* moved in */
	SYNTH_PC_CHANGE = 2			/* same dwelling, its postcode was changed */
} SynthReason;

/* The register-wide model, derived once per call from the parameters. */
typedef struct SynthModel
{
	uint64		seed;
	int64		persons;
	DateADT		register_date;
	DateADT		history_from;

	/* postcodes: ranks [0, care) care homes, then students, then homes */
	int64		postcodes;
	int64		care_postcodes;
	int64		student_postcodes;
	int64		home_postcodes;
	int64		areas;			/* four-digit areas (PC4) in use */
	int64		per_area;		/* postcodes per area, at most */
	double		change_share;	/* share of postcodes whose code changes */
	int			perm_half_bits; /* Feistel half width for rank -> postcode */
	double		home_mean;		/* expected residents of a median-weight home postcode */

	/* age at the register date: cumulative distribution and raw weights */
	double		age_cdf[SYNTH_AGES];
	double		age_share[SYNTH_AGES];
	int			register_year;	/* calendar year of register_date */
} SynthModel;

/* One person of the register. */
typedef struct SynthPerson
{
	int64		index;			/* 0-based position in the register */
	int64		id;				/* internal person id */
	DateADT		birth_date;
	int			sex;			/* 1 man, 2 woman */
	int			age;			/* completed years at the register date */
	bool		twin;
	int64		twin_index;		/* the co-twin, when twin */
	bool		twins_together; /* the pair never leaves the shared home */
} SynthPerson;

/* One residence period with its postcode as valid in that period. */
typedef struct SynthPeriod
{
	DateADT		valid_from;
	DateADT		valid_to;		/* exclusive; DATEVAL_NOEND while current */
	int64		postcode;		/* postcode index p in [0, postcodes) */
	bool		new_code;		/* the postcode's code after its change */
	int32		address;		/* address number within the postcode */
	SynthKind	kind;
	SynthReason reason;
} SynthPeriod;

/* A postcode's fixed attributes. */
typedef struct SynthPostcode
{
	int64		index;
	SynthKind	kind;
	int32		addresses;		/* number of addresses (dwellings, rooms) */
	int32		first_number;	/* house number of address 0 */
	int32		number_step;	/* 1 or 2 (one side of a street) */
	bool		apartments;		/* several addresses share a house number */
	bool		changes;		/* its code changes at change_date */
	DateADT		change_date;
} SynthPostcode;

/* ---- counter-based random numbers ---- */

/* splitmix64's finaliser: a bijective 64-bit mix with full avalanche. */
static inline uint64
synth_mix(uint64 z)
{
	z += UINT64CONST(0x9e3779b97f4a7c15);
	z = (z ^ (z >> 30)) * UINT64CONST(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64CONST(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* The random 64-bit word number (a, b) of stream `stream` under `seed`. */
static inline uint64
synth_hash(uint64 seed, uint32 stream, uint64 a, uint64 b)
{
	uint64		h = synth_mix(seed ^ ((uint64) stream * UINT64CONST(0xd6e8feb86659fd93)));

	h = synth_mix(h ^ a);
	return synth_mix(h ^ (b * UINT64CONST(0x9e3779b97f4a7c15)));
}

/* A uniform double in [0, 1) from a random word (53 bits). */
static inline double
synth_unit(uint64 h)
{
	return (double) (h >> 11) * (1.0 / 9007199254740992.0);
}

/* A uniform integer in [0, n) from a random word, without modulo bias worth mentioning. */
static inline int64
synth_below(uint64 h, int64 n)
{
	return (int64) (((unsigned __int128) h * (uint64) n) >> 64);
}

/* Stream numbers: one per kind of draw, so that draws never overlap. */
enum
{
	SS_SLOT_AGE = 1, SS_SLOT_TWIN, SS_AGE, SS_BIRTH_DAY, SS_SLOT_DAY, SS_SEX,
	SS_TWIN_SEX, SS_TWIN_SPLIT, SS_TOGETHER, SS_PERSON_ID, SS_POSTCODE_PERM,
	SS_PC_CHANGE, SS_PC_LAYOUT, SS_FIRST_FROM, SS_MOVE, SS_MOVE_DAY, SS_KIND,
	SS_PLACE, SS_ADDRESS, SS_SUFFIX,
	SS_REC_OUTSIDE, SS_REC_PICK, SS_REC_ACCEPT, SS_REC_EVENT, SS_REC_AGE,
	SS_REC_BIRTH, SS_REC_SEX, SS_REC_ABROAD, SS_REC_PLACE, SS_REC_NUMBER,
	SS_REC_FORMAT, SS_REC_ERR_BIRTH, SS_REC_ERR_SEX, SS_REC_ERR_POSTCODE,
	SS_REC_ERR_NUMBER, SS_REC_ERR_DETAIL
};

/* ---- dates ---- */
extern DateADT SynthAddYears(DateADT d, int years);
extern int	SynthAgeAt(DateADT birth, DateADT at);
extern int	SynthYearOf(DateADT d);
extern DateADT SynthYearStart(int year);

/* ---- population (synth_population.c) ---- */
extern void SynthModelInit(SynthModel *m, uint64 seed, int64 persons,
						   DateADT register_date, DateADT history_from);
extern void SynthPersonBasic(const SynthModel *m, int64 index, SynthPerson *p);
extern void SynthPersonGet(const SynthModel *m, int64 index, SynthPerson *p);
extern int64 SynthPersonId(const SynthModel *m, int64 index);
extern double SynthShareMen(double age);
extern void SynthPostcodeGet(const SynthModel *m, int64 index, SynthPostcode *pc);
extern int64 SynthPostcodeOfRank(const SynthModel *m, int64 rank);
extern void SynthPostcodeCode(const SynthModel *m, int64 index, bool new_code, char *out);
extern void SynthAddressNumber(const SynthModel *m, const SynthPostcode *pc,
							   int32 address, int32 *number, const char **suffix,
							   char *suffix_buf);
extern int64 SynthHomePostcode(const SynthModel *m, uint64 h);
extern int	SynthMaxPeriods(const SynthModel *m);
extern int	SynthPeriodsGet(const SynthModel *m, const SynthPerson *p,
							SynthPeriod *out, int max);

/* ---- registry extracts (synth_extract.c) ---- */

/* Errors a record can carry, as bits of SynthRecord.errors. */
typedef enum SynthError
{
	SE_BIRTH_TYPO, SE_BIRTH_SWAP, SE_BIRTH_TRANSPOSITION, SE_BIRTH_MISSING,
	SE_SEX_WRONG, SE_SEX_UNKNOWN,
	SE_POSTCODE_TYPO, SE_POSTCODE_TRANSPOSITION, SE_POSTCODE_MISSING,
	SE_POSTCODE_OLD_ADDRESS,
	SE_NUMBER_TYPO, SE_NUMBER_MISSING,
	SE_COUNT
} SynthError;

extern const char *const synth_error_names[SE_COUNT];

/* One extract: a registry's records drawn from one register. */
typedef struct SynthExtract
{
	SynthModel	model;
	int			registry;		/* index into the registry table */
	int32		batch;
	uint64		stream_seed;	/* seed of this registry and batch */
	DateADT		event_from;
	DateADT		event_to;
	double		error_rate;
	double		outside_share;	/* patients not in the register */
	double		target[2][SYNTH_AGES];	/* age at event by sex (0 men, 1 women) */
	double		target_cdf[2 * SYNTH_AGES];
	double		population[2][SYNTH_AGES];	/* register by age and sex */
	double		accept_scale;
	int			max_tries;
} SynthExtract;

/* One record as the registry would upload it, with its ground truth. */
typedef struct SynthRecord
{
	int64		index;
	DateADT		event_date;
	int64		person_id;		/* 0: not in the register */
	bool		has_birth_date;
	char		birth_date[11]; /* DD-MM-YYYY */
	char		sex[3];			/* 1, 2 or -1 */
	char		postcode[8];	/* 1234AB in some spelling, 0000 or -1 */
	bool		has_number;
	int32		house_number;
	const char *suffix;			/* NULL when none */
	char		suffix_buf[8];
	uint32		errors;			/* bits of SynthError */
} SynthRecord;

extern int	SynthRegistryLookup(const char *name);
extern const char *SynthRegistryName(int registry);
extern void SynthExtractInit(SynthExtract *x, const SynthModel *m, int registry,
							 int32 batch, DateADT event_from, DateADT event_to,
							 double error_rate, double outside_share);
extern void SynthRecordGet(const SynthExtract *x, int64 index, SynthRecord *r,
						   SynthPeriod *scratch, int max_periods);

#endif							/* SYNTH_H */
