/*
 * fsmodel.c
 *	  Fellegi-Sunter scoring: match_weight(), match_probability() and
 *	  explain_match() over a model kept as data in the model tables.
 *
 * A model is rows of pseudolink.fs_model (the prior), fs_comparison (the
 * comparisons in position order) and fs_level (per level its label, m and
 * u, and whether exact agreement is adjusted for the value's frequency).
 * match_weight(model, levels) takes one level per comparison, in position
 * order, as the level functions (levels.c) return them, and gives
 *
 *	  log2(prior / (1 - prior)) + sum over comparisons of log2(m / u)
 *
 * where a NULL level (a missing value) adds 0.  With term frequencies,
 * a level marked tf_adjust adds tf_weight * log2(u / max(tf_u, tf_minimum_u))
 * on top, which replaces the level's average u by the frequency of the value
 * the pair agrees on: agreeing on a rare postcode says more than agreeing on
 * a care home's.  This is Splink's term-frequency adjustment.
 *
 * The compiled model lives in fn_extra: it is read once per statement, not
 * once per pair.  Because the functions are STABLE, the tables may change
 * between statements, so the cache is keyed by what decides which rows a
 * query sees: the transaction, the command id, and the active snapshot's
 * command id and transaction completion count (a new snapshot that could
 * see another session's commit has another count).  A PL/pgSQL loop that
 * keeps the expression across statements therefore rereads the model when
 * it may have changed, and only then.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "storage/proc.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"

#include "fsmodel.h"

/*
 * ARR_DATA_PTR without its mixed-signedness conditional, which -Wextra
 * -Werror rejects.
 */
static inline char *
ArrayDataPtr(ArrayType *a)
{
	return (char *) a + (ARR_HASNULL(a) ? (Size) a->dataoffset : ARR_OVERHEAD_NONULLS(ARR_NDIM(a)));
}

typedef struct FsCache
{
	MemoryContext mcxt;			/* everything the model points to */
	bool		valid;
	int			namelen;
	/* the key: the model is reread when any of these differ */
	LocalTransactionId lxid;
	CommandId	cid;
	CommandId	snap_cid;
	uint64		snap_count;
	TransactionId snap_xmin;
	TransactionId snap_xmax;
	FsModel		model;
} FsCache;

typedef struct FsCacheKey
{
	LocalTransactionId lxid;
	CommandId	cid;
	CommandId	snap_cid;
	uint64		snap_count;
	TransactionId snap_xmin;
	TransactionId snap_xmax;
} FsCacheKey;

static void
CurrentKey(FsCacheKey *k)
{
	k->lxid = MyProc->lxid;
	k->cid = GetCurrentCommandId(false);
	if (ActiveSnapshotSet())
	{
		Snapshot	s = GetActiveSnapshot();

		k->snap_cid = s->curcid;
		k->snap_count = s->snapXactCompletionCount;
		k->snap_xmin = s->xmin;
		k->snap_xmax = s->xmax;
	}
	else
	{
		k->snap_cid = InvalidCommandId;
		k->snap_count = 0;
		k->snap_xmin = k->snap_xmax = InvalidTransactionId;
	}
}

/* ---------------------------------------------------------------------
 * Loading a model
 * ---------------------------------------------------------------------
 */

static void
NotEstimated(const char *model, const char *comparison, int level, const char *what)
{
	ereport(ERROR,
			errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			errmsg("scoring model \"%s\" is not estimated", model),
			errdetail("Level %d of comparison \"%s\" has no %s probability.", level, comparison, what),
			errhint("Estimate the model with pseudolink.fs_train_em() or pseudolink.fs_fixed_parameters(), "
					"or set m and u in pseudolink.fs_level."));
}

static void
LoadModel(FsCache *cache, text *name)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1] = {PointerGetDatum(name)};
	char	   *model_name = text_to_cstring(name);
	FsModel    *model = &cache->model;
	MemoryContext old;
	TupleDesc	desc;
	bool		isnull;
	Datum		d;
	uint64		r,
				nrows;
	int			ret,
				c;

	MemoryContextReset(cache->mcxt);
	cache->valid = false;

	if ((ret = SPI_connect()) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed: %s", SPI_result_code_string(ret));

	ret = SPI_execute_with_args("SELECT prior FROM pseudolink.fs_model "
								"WHERE model OPERATOR(pg_catalog.=) $1",
								1, argtypes, args, NULL, true, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "reading pseudolink.fs_model failed: %s", SPI_result_code_string(ret));
	if (SPI_processed == 0)
		ereport(ERROR,
				errcode(ERRCODE_UNDEFINED_OBJECT),
				errmsg("scoring model \"%s\" does not exist", model_name),
				errhint("Models are the rows of pseudolink.fs_model; "
						"SELECT model FROM pseudolink.fs_model lists them."));
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (isnull)
		ereport(ERROR,
				errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				errmsg("scoring model \"%s\" is not estimated", model_name),
				errdetail("The model has no prior (the share of candidate pairs that match)."),
				errhint("Estimate the model with pseudolink.fs_train_em(), or set "
						"pseudolink.fs_model.prior."));
	model->prior = DatumGetFloat8(d);
	if (!(model->prior > 0.0 && model->prior < 1.0))
		ereport(ERROR,
				errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				errmsg("prior of scoring model \"%s\" is not between 0 and 1", model_name),
				errhint("Set pseudolink.fs_model.prior to a probability strictly between 0 and 1."));
	model->prior_weight = log2(model->prior) - log2(1.0 - model->prior);

	ret = SPI_execute_with_args("SELECT c.position::pg_catalog.int4, c.comparison, "
								"l.level::pg_catalog.int4, l.label, l.m, l.u, "
								"l.tf_adjust, l.tf_weight, l.tf_minimum_u "
								"FROM pseudolink.fs_comparison c "
								"LEFT JOIN pseudolink.fs_level l "
								"ON l.model OPERATOR(pg_catalog.=) c.model "
								"AND l.comparison OPERATOR(pg_catalog.=) c.comparison "
								"WHERE c.model OPERATOR(pg_catalog.=) $1 "
								"ORDER BY c.position, l.level",
								1, argtypes, args, NULL, true, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "reading pseudolink.fs_comparison failed: %s", SPI_result_code_string(ret));
	nrows = SPI_processed;
	desc = SPI_tuptable->tupdesc;
	if (nrows == 0)
		ereport(ERROR,
				errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				errmsg("scoring model \"%s\" has no comparisons", model_name),
				errhint("Add comparisons with pseudolink.fs_add_comparison()."));

	/* First pass: the comparisons, numbered 1..n, and their highest levels. */
	model->ncomp = 0;
	for (r = 0; r < nrows; r++)
	{
		HeapTuple	tup = SPI_tuptable->vals[r];
		int			pos = DatumGetInt32(SPI_getbinval(tup, desc, 1, &isnull));

		if (pos != model->ncomp)
		{
			if (pos != model->ncomp + 1)
				ereport(ERROR,
						errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						errmsg("comparisons of scoring model \"%s\" are not numbered 1, 2, 3, ...",
							   model_name),
						errdetail("Comparison \"%s\" has position %d where %d is expected.",
								  TextDatumGetCString(SPI_getbinval(tup, desc, 2, &isnull)),
								  pos, model->ncomp + 1),
						errhint("A level array has one element per comparison in position order; "
								"renumber the positions in pseudolink.fs_comparison without gaps."));
			model->ncomp = pos;
		}
	}

	old = MemoryContextSwitchTo(cache->mcxt);
	model->name = pstrdup(model_name);
	model->comp = palloc0(model->ncomp * sizeof(FsComparison));
	MemoryContextSwitchTo(old);

	/* Second pass: the levels. */
	for (c = -1, r = 0; r < nrows; r++)
	{
		HeapTuple	tup = SPI_tuptable->vals[r];
		int			pos = DatumGetInt32(SPI_getbinval(tup, desc, 1, &isnull));
		FsComparison *comp = &model->comp[pos - 1];
		FsLevel    *lv;
		int			level;

		if (pos - 1 != c)
		{
			uint64		last = r;
			int			highest;

			c = pos - 1;
			while (last + 1 < nrows &&
				   DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[last + 1], desc, 1, &isnull)) == pos)
				last++;
			old = MemoryContextSwitchTo(cache->mcxt);
			comp->name = TextDatumGetCString(SPI_getbinval(tup, desc, 2, &isnull));
			MemoryContextSwitchTo(old);
			d = SPI_getbinval(SPI_tuptable->vals[last], desc, 3, &isnull);
			if (isnull)
				ereport(ERROR,
						errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						errmsg("comparison \"%s\" of scoring model \"%s\" has no levels",
							   comp->name, model_name),
						errhint("Add its levels to pseudolink.fs_level, or add the comparison with "
								"pseudolink.fs_add_comparison(), which adds them."));
			highest = DatumGetInt32(d);
			if (highest < 0 || highest > FS_MAX_LEVEL)
				elog(ERROR, "level %d out of range despite fs_level's constraint", highest);
			comp->nlevels = highest + 1;
			comp->levels = MemoryContextAllocZero(cache->mcxt, comp->nlevels * sizeof(FsLevel));
		}

		level = DatumGetInt32(SPI_getbinval(tup, desc, 3, &isnull));
		if (level < 0)
			elog(ERROR, "level %d out of range despite fs_level's constraint", level);
		lv = &comp->levels[level];
		lv->present = true;
		d = SPI_getbinval(tup, desc, 5, &isnull);
		if (isnull)
			NotEstimated(model_name, comp->name, level, "m");
		lv->m = DatumGetFloat8(d);
		d = SPI_getbinval(tup, desc, 6, &isnull);
		if (isnull)
			NotEstimated(model_name, comp->name, level, "u");
		lv->u = DatumGetFloat8(d);
		if (!(lv->m > 0.0 && lv->m <= 1.0 && lv->u > 0.0 && lv->u <= 1.0))
			ereport(ERROR,
					errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					errmsg("level %d of comparison \"%s\" in scoring model \"%s\" has an m or u outside (0, 1]",
						   level, comp->name, model_name),
					errhint("Probabilities of a level are greater than 0 and at most 1."));
		lv->weight = log2(lv->m) - log2(lv->u);
		lv->tf_adjust = DatumGetBool(SPI_getbinval(tup, desc, 7, &isnull));
		lv->tf_weight = DatumGetFloat8(SPI_getbinval(tup, desc, 8, &isnull));
		lv->tf_minimum_u = DatumGetFloat8(SPI_getbinval(tup, desc, 9, &isnull));
		old = MemoryContextSwitchTo(cache->mcxt);
		lv->label = TextDatumGetCString(SPI_getbinval(tup, desc, 4, &isnull));
		MemoryContextSwitchTo(old);
	}

	SPI_finish();
	pfree(model_name);
	cache->namelen = strlen(model->name);
	cache->valid = true;
}

FsModel *
FsGetModel(FunctionCallInfo fcinfo, text *name)
{
	FsCache    *cache = (FsCache *) fcinfo->flinfo->fn_extra;
	FsCacheKey	key;

	if (cache == NULL)
	{
		cache = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(FsCache));
		cache->mcxt = AllocSetContextCreate(fcinfo->flinfo->fn_mcxt, "pseudolink scoring model",
											ALLOCSET_SMALL_SIZES);
		fcinfo->flinfo->fn_extra = cache;
	}
	CurrentKey(&key);
	if (!cache->valid ||
		cache->lxid != key.lxid || cache->cid != key.cid ||
		cache->snap_cid != key.snap_cid || cache->snap_count != key.snap_count ||
		cache->snap_xmin != key.snap_xmin || cache->snap_xmax != key.snap_xmax ||
		cache->namelen != (int) VARSIZE_ANY_EXHDR(name) ||
		memcmp(cache->model.name, VARDATA_ANY(name), cache->namelen) != 0)
	{
		LoadModel(cache, name);
		cache->lxid = key.lxid;
		cache->cid = key.cid;
		cache->snap_cid = key.snap_cid;
		cache->snap_count = key.snap_count;
		cache->snap_xmin = key.snap_xmin;
		cache->snap_xmax = key.snap_xmax;
	}
	return &cache->model;
}

/* ---------------------------------------------------------------------
 * Scoring
 * ---------------------------------------------------------------------
 */

/* One comparison's part of a score, for explain_match. */
typedef struct FsStep
{
	bool		missing;
	int			level;
	const FsLevel *lv;
	double		weight;			/* log2(m / u), 0 when missing */
	bool		has_tf;
	double		tf_u;
	double		tf_adjustment;
} FsStep;

/* A one-dimensional array read in place: data skips null elements. */
typedef struct FlatArray
{
	int			n;
	const char *data;
	const bits8 *nulls;
} FlatArray;

static void
ReadFlat(ArrayType *arr, FlatArray *fa, const char *what, const FsModel *model)
{
	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				errmsg("%s array must be one-dimensional", what),
				errhint("Pass one element per comparison of the model, in position order."));
	fa->n = ARR_NDIM(arr) == 0 ? 0 : ARR_DIMS(arr)[0];
	fa->data = ArrayDataPtr(arr);
	fa->nulls = ARR_NULLBITMAP(arr);
	if (fa->n != model->ncomp)
		ereport(ERROR,
				errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				errmsg("%s array does not have one element per comparison of scoring model \"%s\"",
					   what, model->name),
				errdetail("The array has %d elements; the model has %d comparisons.", fa->n, model->ncomp),
				errhint("Pass one element per comparison of the model, in position order; "
						"NULL for a missing value."));
}

static inline bool
FlatIsNull(const FlatArray *fa, int i)
{
	return fa->nulls != NULL && !(fa->nulls[i >> 3] & (1 << (i & 7)));
}

static void
UnknownLevel(const FsModel *model, const FsComparison *comp, int i, int level)
{
	StringInfoData list;
	int			l;

	initStringInfo(&list);
	for (l = 0; l < comp->nlevels; l++)
		if (comp->levels[l].present)
			appendStringInfo(&list, "%s%d", list.len ? ", " : "", l);
	ereport(ERROR,
			errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			errmsg("level %d is not a level of comparison \"%s\" in scoring model \"%s\"",
				   level, comp->name, model->name),
			errdetail("Element %d of the level array is %d; the comparison has levels %s.",
					  i + 1, level, list.data),
			errhint("Check the order of the level array, or add the level to pseudolink.fs_level."));
}

/*
 * The match weight of a level array (and optional term frequencies); fills
 * steps[0..ncomp) when steps is not NULL.
 */
static double
Score(const FsModel *model, ArrayType *levels, ArrayType *tf, FsStep *steps)
{
	FlatArray	la,
				ta;
	const int32 *lp;
	const float8 *tp = NULL;
	double		w = model->prior_weight;
	int			i;

	ReadFlat(levels, &la, "level", model);
	lp = (const int32 *) la.data;
	if (tf != NULL)
	{
		ReadFlat(tf, &ta, "term frequency", model);
		tp = (const float8 *) ta.data;
	}
	for (i = 0; i < model->ncomp; i++)
	{
		const FsComparison *comp = &model->comp[i];
		const FsLevel *lv;
		double		tfu = 0.0;
		bool		has_tf = false;
		int			level;

		if (tp != NULL && !FlatIsNull(&ta, i))
		{
			tfu = *tp++;
			has_tf = true;
		}
		if (FlatIsNull(&la, i))
		{
			if (steps)
			{
				steps[i].missing = true;
				steps[i].weight = 0.0;
				steps[i].has_tf = false;
			}
			continue;
		}
		level = *lp++;
		if (level < 0 || level >= comp->nlevels || !comp->levels[level].present)
			UnknownLevel(model, comp, i, level);
		lv = &comp->levels[level];
		w += lv->weight;
		if (steps)
		{
			steps[i].missing = false;
			steps[i].level = level;
			steps[i].lv = lv;
			steps[i].weight = lv->weight;
			steps[i].has_tf = false;
		}
		if (has_tf && lv->tf_adjust)
		{
			double		adj;

			if (!(tfu > 0.0 && tfu <= 1.0))
				ereport(ERROR,
						errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("term frequency must be greater than 0 and at most 1"),
						errdetail("Element %d of the term frequency array is %g.", i + 1, tfu),
						errhint("Pass the share of records that hold the value, or NULL for no adjustment."));
			adj = lv->tf_weight * (log2(lv->u) - log2(Max(tfu, lv->tf_minimum_u)));
			w += adj;
			if (steps)
			{
				steps[i].has_tf = true;
				steps[i].tf_u = tfu;
				steps[i].tf_adjustment = adj;
			}
		}
	}
	return w;
}

/*
 * A small array as stored in a table has a one-byte header, which
 * PG_GETARG_ARRAYTYPE_P would expand into a palloc'd copy; a level array is
 * read once per pair, so the header is rebuilt in the caller's buffer
 * instead.  Other arrays go the usual way.
 */
typedef union ArrayBuffer
{
	char		data[512];
	double		force_alignment;
} ArrayBuffer;

static ArrayType *
ArrayArg(FunctionCallInfo fcinfo, int argno, ArrayBuffer *buf)
{
	struct varlena *v = (struct varlena *) DatumGetPointer(PG_GETARG_DATUM(argno));

	if (VARATT_IS_SHORT(v) &&
		VARSIZE_SHORT(v) - VARHDRSZ_SHORT + VARHDRSZ <= sizeof(buf->data))
	{
		Size		len = VARSIZE_SHORT(v) - VARHDRSZ_SHORT;

		SET_VARSIZE(buf->data, len + VARHDRSZ);
		memcpy(buf->data + VARHDRSZ, VARDATA_SHORT(v), len);
		return (ArrayType *) buf->data;
	}
	return PG_GETARG_ARRAYTYPE_P(argno);
}

/*
 * The weight of a level array without term frequencies or explanation:
 * the loop that runs once per pair, kept to a load, two tests and an add
 * per comparison.  Anything unusual goes to Score(), which raises.
 */
static inline double
ScoreFast(const FsModel *model, ArrayType *levels)
{
	const int32 *lp;
	const bits8 *nulls;
	double		w = model->prior_weight;
	int			i;

	if (ARR_NDIM(levels) != 1 || ARR_DIMS(levels)[0] != model->ncomp)
		return Score(model, levels, NULL, NULL);
	lp = (const int32 *) ArrayDataPtr(levels);
	nulls = ARR_NULLBITMAP(levels);
	for (i = 0; i < model->ncomp; i++)
	{
		const FsComparison *comp = &model->comp[i];
		int32		level;

		if (nulls != NULL && !(nulls[i >> 3] & (1 << (i & 7))))
			continue;
		level = *lp++;
		if ((uint32) level >= (uint32) comp->nlevels || !comp->levels[level].present)
			return Score(model, levels, NULL, NULL);
		w += comp->levels[level].weight;
	}
	return w;
}

/* match_weight(model, levels) returns the pair's match weight in bits. */
PG_FUNCTION_INFO_V1(pseudolink_match_weight);
Datum
pseudolink_match_weight(PG_FUNCTION_ARGS)
{
	FsModel    *model = FsGetModel(fcinfo, PG_GETARG_TEXT_PP(0));
	ArrayBuffer levels;

	PG_RETURN_FLOAT8(ScoreFast(model, ArrayArg(fcinfo, 1, &levels)));
}

/*
 * match_weight(model, levels, tf_u) returns the match weight with
 * term-frequency adjustments; a NULL tf_u array means none.
 */
PG_FUNCTION_INFO_V1(pseudolink_match_weight_tf);
Datum
pseudolink_match_weight_tf(PG_FUNCTION_ARGS)
{
	FsModel    *model;
	ArrayBuffer levels,
				tf;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	model = FsGetModel(fcinfo, PG_GETARG_TEXT_PP(0));
	PG_RETURN_FLOAT8(Score(model, ArrayArg(fcinfo, 1, &levels),
						   PG_ARGISNULL(2) ? NULL : ArrayArg(fcinfo, 2, &tf), NULL));
}

static inline double
Probability(double w)
{
	if (isnan(w))
		return w;
	return 1.0 / (1.0 + pow(2.0, -w));
}

/* match_probability(weight) returns 2^w / (1 + 2^w). */
PG_FUNCTION_INFO_V1(pseudolink_match_probability);
Datum
pseudolink_match_probability(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(Probability(PG_GETARG_FLOAT8(0)));
}

/* ---------------------------------------------------------------------
 * Explanation
 * ---------------------------------------------------------------------
 */

#define EXPLAIN_COLUMNS 12

/*
 * explain_match(model, levels, tf_u) returns the prior and then one row per
 * comparison with its level, label, m, u, Bayes factor, weight,
 * term-frequency adjustment and the running total: a waterfall chart as rows.
 */
PG_FUNCTION_INFO_V1(pseudolink_explain_match);
Datum
pseudolink_explain_match(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	FsModel    *model;
	FsStep	   *steps;
	Datum		values[EXPLAIN_COLUMNS];
	bool		nulls[EXPLAIN_COLUMNS];
	double		total;
	int			i;

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		return (Datum) 0;
	model = FsGetModel(fcinfo, PG_GETARG_TEXT_PP(0));
	steps = palloc0(model->ncomp * sizeof(FsStep));
	Score(model, PG_GETARG_ARRAYTYPE_P(1), PG_ARGISNULL(2) ? NULL : PG_GETARG_ARRAYTYPE_P(2), steps);

	/* the prior */
	total = model->prior_weight;
	memset(nulls, true, sizeof(nulls));
	values[0] = Int32GetDatum(0);
	nulls[0] = false;
	values[1] = CStringGetTextDatum("prior");
	nulls[1] = false;
	values[3] = CStringGetTextDatum("prior odds of a match");
	nulls[3] = false;
	values[6] = Float8GetDatum(model->prior / (1.0 - model->prior));
	nulls[6] = false;
	values[7] = Float8GetDatum(model->prior_weight);
	nulls[7] = false;
	values[10] = Float8GetDatum(total);
	nulls[10] = false;
	values[11] = Float8GetDatum(model->prior);
	nulls[11] = false;
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);

	for (i = 0; i < model->ncomp; i++)
	{
		FsStep	   *s = &steps[i];

		memset(nulls, false, sizeof(nulls));
		values[0] = Int32GetDatum(i + 1);
		values[1] = CStringGetTextDatum(model->comp[i].name);
		if (s->missing)
		{
			nulls[2] = nulls[4] = nulls[5] = true;
			values[3] = CStringGetTextDatum("missing");
		}
		else
		{
			values[2] = Int32GetDatum(s->level);
			values[3] = CStringGetTextDatum(s->lv->label);
			values[4] = Float8GetDatum(s->lv->m);
			values[5] = Float8GetDatum(s->lv->u);
		}
		values[6] = Float8GetDatum(pow(2.0, s->weight));
		values[7] = Float8GetDatum(s->weight);
		total += s->weight;
		if (s->has_tf)
		{
			values[8] = Float8GetDatum(s->tf_u);
			values[9] = Float8GetDatum(s->tf_adjustment);
			total += s->tf_adjustment;
		}
		else
			nulls[8] = nulls[9] = true;
		values[10] = Float8GetDatum(total);
		values[11] = Float8GetDatum(Probability(total));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
