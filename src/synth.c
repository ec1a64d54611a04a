/*
 * synth.c
 *	  SQL interface of the synthetic data generator: set-returning functions
 *	  for the persons, address periods and postcodes of a synthetic Dutch
 *	  population register, and for NHR-style registry extracts with ground
 *	  truth.
 *
 * The functions return one row per call (value-per-call protocol) from a
 * fixed-size state, so memory stays constant whatever the size of the
 * register; used in a SELECT list (or by COPY of such a query) rows stream
 * straight to the client or into a table.  Every row is a pure function of
 * the arguments and its index, so a register can be generated in chunks
 * (first, count) by several sessions at once and the chunks concatenate to
 * the whole; hence IMMUTABLE and PARALLEL SAFE.  The model itself lives in
 * synth_population.c and synth_extract.c.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"

#include "synth.h"

/* ---------------------------------------------------------------------
 * Arguments
 * ---------------------------------------------------------------------
 */

static void
RequireArg(FunctionCallInfo fcinfo, int n, const char *name)
{
	if (PG_ARGISNULL(n))
		ereport(ERROR,
				errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				errmsg("%s must not be null", name),
				errhint("Pass a value for %s or leave the argument out to use its default.", name));
}

static int64
ArgInt64(FunctionCallInfo fcinfo, int n, const char *name)
{
	RequireArg(fcinfo, n, name);
	return PG_GETARG_INT64(n);
}

static DateADT
ArgDate(FunctionCallInfo fcinfo, int n, const char *name)
{
	DateADT		d;

	RequireArg(fcinfo, n, name);
	d = PG_GETARG_DATEADT(n);
	if (DATE_NOT_FINITE(d) ||
		d < SynthYearStart(1900) || d > SynthYearStart(2200))
	{
		char		shown[32] = "infinity";
		int			y,
					m,
					day;

		if (!DATE_NOT_FINITE(d))
		{
			j2date(d + POSTGRES_EPOCH_JDATE, &y, &m, &day);
			snprintf(shown, sizeof(shown), "%04d-%02d-%02d", y, m, day);
		}
		else if (DATE_IS_NOBEGIN(d))
			strcpy(shown, "-infinity");
		ereport(ERROR,
				errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				errmsg("%s must be a date between 1900-01-01 and 2200-01-01", name),
				errdetail("%s is %s.", name, shown),
				errhint("Pass a finite date such as 2024-01-01."));
	}
	return d;
}

static int64
ArgPersons(FunctionCallInfo fcinfo, int n)
{
	int64		persons = ArgInt64(fcinfo, n, "persons");

	if (persons < 1 || persons > SYNTH_MAX_PERSONS)
		ereport(ERROR,
				errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				errmsg("persons must be between 1 and " INT64_FORMAT, SYNTH_MAX_PERSONS),
				errdetail("persons is " INT64_FORMAT ".", persons),
				errhint("The register is modelled for 10,000 to 18 million persons."));
	return persons;
}

/*
 * The 0-based index range [*start, *end) of rows first .. first + count - 1
 * (1-based) out of total; count NULL means up to the last.
 */
static void
ArgRange(FunctionCallInfo fcinfo, int first_arg, int count_arg, int64 total,
		 const char *what, int64 *start, int64 *end)
{
	int64		first = ArgInt64(fcinfo, first_arg, "first");
	int64		count;

	if (first < 1 || first > total)
		ereport(ERROR,
				errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				errmsg("first must be between 1 and the number of %s", what),
				errdetail("first is " INT64_FORMAT " and there are " INT64_FORMAT " %s.",
						  first, total, what),
				errhint("Rows are numbered from 1."));
	count = PG_ARGISNULL(count_arg) ? total - first + 1 : PG_GETARG_INT64(count_arg);
	if (count < 0)
		ereport(ERROR,
				errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				errmsg("count must not be negative"),
				errdetail("count is " INT64_FORMAT ".", count),
				errhint("Pass the number of rows wanted, or NULL for all rows from first on."));
	if (count > total - first + 1)
		ereport(ERROR,
				errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				errmsg("the range of rows ends after the last of the %s", what),
				errdetail("first " INT64_FORMAT " plus count " INT64_FORMAT
						  " reaches beyond " INT64_FORMAT " %s.", first, count, total, what),
				errhint("Make first + count - 1 at most " INT64_FORMAT ", or pass count NULL.", total));
	*start = first - 1;
	*end = first - 1 + count;
}

/* register_date and history_from, checked against each other. */
static void
ArgHistory(FunctionCallInfo fcinfo, int register_arg, int history_arg,
		   DateADT *register_date, DateADT *history_from)
{
	*register_date = ArgDate(fcinfo, register_arg, "register_date");
	*history_from = ArgDate(fcinfo, history_arg, "history_from");
	if (*history_from >= *register_date)
		ereport(ERROR,
				errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				errmsg("history_from must be before register_date"),
				errdetail("The address history would be empty."),
				errhint("Pass a history_from some years before register_date."));
	if (*history_from < SynthAddYears(*register_date, -SYNTH_MAX_HISTORY_YEARS))
		ereport(ERROR,
				errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				errmsg("the address history must not be longer than %d years",
					   SYNTH_MAX_HISTORY_YEARS),
				errhint("Pass a later history_from."));
}

static void
ModelFromArgs(FunctionCallInfo fcinfo, int seed_arg, int persons_arg,
			  int register_arg, int history_arg, SynthModel *m)
{
	int64		seed = ArgInt64(fcinfo, seed_arg, "seed");
	int64		persons = ArgPersons(fcinfo, persons_arg);
	DateADT		register_date;
	DateADT		history_from;

	if (history_arg >= 0)
		ArgHistory(fcinfo, register_arg, history_arg, &register_date, &history_from);
	else
	{
		register_date = ArgDate(fcinfo, register_arg, "register_date");
		history_from = SynthAddYears(register_date, -1);
	}
	SynthModelInit(m, (uint64) seed, persons, register_date, history_from);
}

static TupleDesc
ResultDesc(FunctionCallInfo fcinfo)
{
	TupleDesc	tupdesc;

	/* cannot happen: the functions are declared RETURNS TABLE */
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	return BlessTupleDesc(tupdesc);
}

static const char *
KindName(SynthKind kind)
{
	switch (kind)
	{
		case SYNTH_HOME:
			return "home";
		case SYNTH_CARE:
			return "care_home";
		case SYNTH_STUDENT:
			return "student";
	}
	return NULL;
}

static const char *
ReasonName(SynthReason reason)
{
	switch (reason)
	{
		case SYNTH_BIRTH:
			return "birth";
		case SYNTH_MOVE:
			return "move";
		case SYNTH_PC_CHANGE:
			return "postcode_change";
	}
	return NULL;
}

/* ---------------------------------------------------------------------
 * synth_persons
 * ---------------------------------------------------------------------
 */

typedef struct PersonsState
{
	SynthModel	model;
	int64		next;
	int64		end;
} PersonsState;

/* synth_persons(seed, persons, first, count, register_date) returns the register's persons. */
PG_FUNCTION_INFO_V1(pseudolink_synth_persons);
Datum
pseudolink_synth_persons(PG_FUNCTION_ARGS)
{
	FuncCallContext *funcctx;
	PersonsState *st;

	if (SRF_IS_FIRSTCALL())
	{
		MemoryContext old;

		funcctx = SRF_FIRSTCALL_INIT();
		old = MemoryContextSwitchTo(funcctx->multi_call_memory_ctx);
		st = palloc0(sizeof(PersonsState));
		ModelFromArgs(fcinfo, 0, 1, 4, -1, &st->model);
		ArgRange(fcinfo, 2, 3, st->model.persons, "persons", &st->next, &st->end);
		funcctx->tuple_desc = ResultDesc(fcinfo);
		funcctx->user_fctx = st;
		MemoryContextSwitchTo(old);
	}
	funcctx = SRF_PERCALL_SETUP();
	st = funcctx->user_fctx;
	if (st->next < st->end)
	{
		SynthPerson p;
		Datum		values[4];
		bool		nulls[4] = {false, false, false, false};

		SynthPersonGet(&st->model, st->next++, &p);
		values[0] = Int64GetDatum(p.id);
		values[1] = DateADTGetDatum(p.birth_date);
		values[2] = Int16GetDatum((int16) p.sex);
		if (p.twin)
			values[3] = Int64GetDatum(SynthPersonId(&st->model, p.twin_index));
		else
			nulls[3] = true;
		SRF_RETURN_NEXT(funcctx,
						HeapTupleGetDatum(heap_form_tuple(funcctx->tuple_desc, values, nulls)));
	}
	SRF_RETURN_DONE(funcctx);
}

/* ---------------------------------------------------------------------
 * synth_addresses
 * ---------------------------------------------------------------------
 */

typedef struct AddressesState
{
	SynthModel	model;
	int64		next;
	int64		end;
	SynthPerson person;
	SynthPeriod *periods;
	int			max_periods;
	int			nperiods;
	int			cursor;
} AddressesState;

/* synth_addresses(seed, persons, first, count, register_date, history_from) returns address periods. */
PG_FUNCTION_INFO_V1(pseudolink_synth_addresses);
Datum
pseudolink_synth_addresses(PG_FUNCTION_ARGS)
{
	FuncCallContext *funcctx;
	AddressesState *st;

	if (SRF_IS_FIRSTCALL())
	{
		MemoryContext old;

		funcctx = SRF_FIRSTCALL_INIT();
		old = MemoryContextSwitchTo(funcctx->multi_call_memory_ctx);
		st = palloc0(sizeof(AddressesState));
		ModelFromArgs(fcinfo, 0, 1, 4, 5, &st->model);
		ArgRange(fcinfo, 2, 3, st->model.persons, "persons", &st->next, &st->end);
		st->max_periods = SynthMaxPeriods(&st->model);
		st->periods = palloc(sizeof(SynthPeriod) * st->max_periods);
		funcctx->tuple_desc = ResultDesc(fcinfo);
		funcctx->user_fctx = st;
		MemoryContextSwitchTo(old);
	}
	funcctx = SRF_PERCALL_SETUP();
	st = funcctx->user_fctx;
	while (st->cursor >= st->nperiods && st->next < st->end)
	{
		SynthPersonGet(&st->model, st->next++, &st->person);
		st->nperiods = SynthPeriodsGet(&st->model, &st->person, st->periods, st->max_periods);
		st->cursor = 0;
	}
	if (st->cursor < st->nperiods)
	{
		const SynthPeriod *per = &st->periods[st->cursor++];
		SynthPostcode pc;
		char		code[8];
		char		suffix_buf[8];
		const char *suffix;
		int32		number;
		Datum		values[8];
		bool		nulls[8] = {false, false, false, false, false, false, false, false};

		SynthPostcodeGet(&st->model, per->postcode, &pc);
		SynthPostcodeCode(&st->model, pc.index, per->new_code, code);
		SynthAddressNumber(&st->model, &pc, per->address, &number, &suffix, suffix_buf);
		values[0] = Int64GetDatum(st->person.id);
		values[1] = CStringGetTextDatum(code);
		values[2] = Int32GetDatum(number);
		if (suffix)
			values[3] = CStringGetTextDatum(suffix);
		else
			nulls[3] = true;
		values[4] = DateADTGetDatum(per->valid_from);
		if (per->valid_to == DATEVAL_NOEND)
			nulls[5] = true;
		else
			values[5] = DateADTGetDatum(per->valid_to);
		values[6] = CStringGetTextDatum(KindName(per->kind));
		values[7] = CStringGetTextDatum(ReasonName(per->reason));
		SRF_RETURN_NEXT(funcctx,
						HeapTupleGetDatum(heap_form_tuple(funcctx->tuple_desc, values, nulls)));
	}
	SRF_RETURN_DONE(funcctx);
}

/* ---------------------------------------------------------------------
 * synth_postcodes
 * ---------------------------------------------------------------------
 */

typedef struct PostcodesState
{
	SynthModel	model;
	int64		rank;
	bool		second;			/* the new code of a changed postcode is next */
} PostcodesState;

/* synth_postcodes(seed, persons, register_date, history_from) returns the postcodes. */
PG_FUNCTION_INFO_V1(pseudolink_synth_postcodes);
Datum
pseudolink_synth_postcodes(PG_FUNCTION_ARGS)
{
	FuncCallContext *funcctx;
	PostcodesState *st;

	if (SRF_IS_FIRSTCALL())
	{
		MemoryContext old;

		funcctx = SRF_FIRSTCALL_INIT();
		old = MemoryContextSwitchTo(funcctx->multi_call_memory_ctx);
		st = palloc0(sizeof(PostcodesState));
		ModelFromArgs(fcinfo, 0, 1, 2, 3, &st->model);
		funcctx->tuple_desc = ResultDesc(fcinfo);
		funcctx->user_fctx = st;
		MemoryContextSwitchTo(old);
	}
	funcctx = SRF_PERCALL_SETUP();
	st = funcctx->user_fctx;
	if (st->rank < st->model.postcodes)
	{
		SynthPostcode pc;
		char		code[8];
		char		successor[8];
		Datum		values[6];
		bool		nulls[6] = {false, false, false, true, true, true};

		SynthPostcodeGet(&st->model, st->rank, &pc);
		SynthPostcodeCode(&st->model, pc.index, st->second, code);
		values[0] = CStringGetTextDatum(code);
		values[1] = CStringGetTextDatum(KindName(pc.kind));
		values[2] = Int32GetDatum(pc.addresses);
		if (st->second)
		{
			values[3] = DateADTGetDatum(pc.change_date);
			nulls[3] = false;
			st->second = false;
			st->rank++;
		}
		else if (pc.changes)
		{
			SynthPostcodeCode(&st->model, pc.index, true, successor);
			values[4] = DateADTGetDatum(pc.change_date);
			nulls[4] = false;
			values[5] = CStringGetTextDatum(successor);
			nulls[5] = false;
			st->second = true;
		}
		else
			st->rank++;
		SRF_RETURN_NEXT(funcctx,
						HeapTupleGetDatum(heap_form_tuple(funcctx->tuple_desc, values, nulls)));
	}
	SRF_RETURN_DONE(funcctx);
}

/* ---------------------------------------------------------------------
 * synth_extract
 * ---------------------------------------------------------------------
 */

typedef struct ExtractState
{
	SynthExtract extract;
	int64		next;
	int64		end;
	SynthPeriod *periods;
	int			max_periods;
} ExtractState;

static double
ArgShare(FunctionCallInfo fcinfo, int n, const char *name, double max)
{
	double		v;

	RequireArg(fcinfo, n, name);
	v = PG_GETARG_FLOAT8(n);
	if (!(v >= 0.0 && v <= max))	/* also refuses NaN */
		ereport(ERROR,
				errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				errmsg("%s must be between 0 and %g", name, max),
				errdetail("%s is %g.", name, v),
				errhint("Pass a share, such as 0.02 for 2%%."));
	return v;
}

static char *
FormatNhrDate(DateADT d)
{
	int			y,
				m,
				day;

	j2date(d + POSTGRES_EPOCH_JDATE, &y, &m, &day);
	return psprintf("%02d-%02d-%04d", day, m, y);
}

/*
 * synth_extract(seed, persons, registry, records, first, count, batch,
 * event_from, event_to, error_rate, not_in_register, register_date,
 * history_from) returns a registry's records with their ground truth.
 */
PG_FUNCTION_INFO_V1(pseudolink_synth_extract);
Datum
pseudolink_synth_extract(PG_FUNCTION_ARGS)
{
	FuncCallContext *funcctx;
	ExtractState *st;

	if (SRF_IS_FIRSTCALL())
	{
		MemoryContext old;
		SynthModel	model;
		char	   *registry_name;
		int			registry;
		int64		records;
		int64		batch;
		DateADT		event_from,
					event_to;
		double		error_rate,
					outside;

		funcctx = SRF_FIRSTCALL_INIT();
		old = MemoryContextSwitchTo(funcctx->multi_call_memory_ctx);
		st = palloc0(sizeof(ExtractState));
		ModelFromArgs(fcinfo, 0, 1, 11, 12, &model);

		RequireArg(fcinfo, 2, "registry");
		registry_name = text_to_cstring(PG_GETARG_TEXT_PP(2));
		registry = SynthRegistryLookup(registry_name);
		if (registry < 0)
			ereport(ERROR,
					errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					errmsg("unknown registry"),
					errdetail("The generator models the registries PCI, CABG and TAVI."),
					errhint("Pass registry => 'PCI', 'CABG' or 'TAVI'."));

		records = ArgInt64(fcinfo, 3, "records");
		if (records < 1 || records > SYNTH_MAX_RECORDS)
			ereport(ERROR,
					errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					errmsg("records must be between 1 and " INT64_FORMAT, SYNTH_MAX_RECORDS),
					errdetail("records is " INT64_FORMAT ".", records),
					errhint("Pass the number of records the extract should have."));
		ArgRange(fcinfo, 4, 5, records, "records", &st->next, &st->end);

		batch = ArgInt64(fcinfo, 6, "batch");
		if (batch < 1 || batch > PG_INT32_MAX)
			ereport(ERROR,
					errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					errmsg("batch must be a positive number"),
					errdetail("batch is " INT64_FORMAT ".", batch),
					errhint("Number a registry's batches 1, 2, 3, ..."));

		event_from = ArgDate(fcinfo, 7, "event_from");
		event_to = ArgDate(fcinfo, 8, "event_to");
		if (event_from > event_to)
			ereport(ERROR,
					errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					errmsg("event_from must not be after event_to"),
					errhint("Swap the two dates."));
		if (event_from < model.history_from || event_to >= model.register_date)
			ereport(ERROR,
					errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					errmsg("event dates must lie within the address history"),
					errdetail("Events must fall on or after history_from and before register_date."),
					errhint("Move event_from and event_to, or history_from and register_date."));

		error_rate = ArgShare(fcinfo, 9, "error_rate", 0.5);
		outside = ArgShare(fcinfo, 10, "not_in_register", 1.0);

		SynthExtractInit(&st->extract, &model, registry, (int32) batch,
						 event_from, event_to, error_rate, outside);
		st->max_periods = SynthMaxPeriods(&model);
		st->periods = palloc(sizeof(SynthPeriod) * st->max_periods);
		funcctx->tuple_desc = ResultDesc(fcinfo);
		funcctx->user_fctx = st;
		MemoryContextSwitchTo(old);
	}
	funcctx = SRF_PERCALL_SETUP();
	st = funcctx->user_fctx;
	if (st->next < st->end)
	{
		SynthRecord r;
		Datum		values[10];
		bool		nulls[10] = {false, false, false, false, false, false, false, false, false, false};
		Datum		errors[SE_COUNT];
		int			nerrors = 0;
		int			e;

		SynthRecordGet(&st->extract, st->next++, &r, st->periods, st->max_periods);
		values[0] = Int64GetDatum(r.index + 1);
		values[1] = CStringGetTextDatum(SynthRegistryName(st->extract.registry));
		values[2] = CStringGetTextDatum(FormatNhrDate(r.event_date));
		if (r.has_birth_date)
			values[3] = CStringGetTextDatum(r.birth_date);
		else
			nulls[3] = true;
		values[4] = CStringGetTextDatum(r.sex);
		values[5] = CStringGetTextDatum(r.postcode);
		if (r.has_number)
			values[6] = Int32GetDatum(r.house_number);
		else
			nulls[6] = true;
		if (r.has_number && r.suffix)
			values[7] = CStringGetTextDatum(r.suffix);
		else
			nulls[7] = true;
		if (r.person_id != 0)
			values[8] = Int64GetDatum(r.person_id);
		else
			nulls[8] = true;
		for (e = 0; e < SE_COUNT; e++)
			if (r.errors & (1u << e))
				errors[nerrors++] = CStringGetTextDatum(synth_error_names[e]);
		values[9] = PointerGetDatum(nerrors > 0 ?
									construct_array(errors, nerrors, TEXTOID, -1, false, TYPALIGN_INT) :
									construct_empty_array(TEXTOID));
		SRF_RETURN_NEXT(funcctx,
						HeapTupleGetDatum(heap_form_tuple(funcctx->tuple_desc, values, nulls)));
	}
	SRF_RETURN_DONE(funcctx);
}
