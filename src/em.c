/*
 * em.c
 *	  Expectation-maximisation for a Fellegi-Sunter model over agreement
 *	  patterns: em_estimate().
 *
 * Candidate pairs are mixtures of matches and non-matches; EM estimates the
 * share of matches (lambda) and, per comparison and level, m = P(level |
 * match) and u = P(level | non-match) under the usual assumption that the
 * comparisons are independent given the class.  As in fastLink (Enamorado,
 * Fifield and Imai 2019) the pairs are first grouped by their agreement
 * pattern (the level vector), so that an iteration costs the number of
 * distinct patterns, a few hundred, not the number of pairs, millions: the
 * caller passes the patterns and their counts (fs_train_em() groups a query
 * of pairs in SQL).  A missing level (NULL in the pattern) is ignored for
 * that comparison, which is the estimate under "missing at random":
 *
 *	  E-step, per pattern g:  zeta_g = P(match | g)
 *		  = lambda prod m_j[g_j] / (lambda prod m_j[g_j] + (1 - lambda) prod u_j[g_j]),
 *		  the products over the comparisons where g_j is not missing,
 *		  computed with logarithms so that long patterns do not underflow;
 *	  M-step: lambda = sum n_g zeta_g / sum n_g, and
 *		  m_j[l] = (sum over g with g_j = l of n_g zeta_g + a)
 *				   / (sum over g with g_j not missing of n_g zeta_g + a L_j),
 *		  u_j[l] likewise with 1 - zeta_g; a is pseudo_count, L_j the
 *		  number of levels of comparison j.
 *
 * A level that never occurs in a class would get probability 0, a weight
 * of minus infinity, and EM can never leave 0 again; in a training set of a
 * few thousand matches that is the fate of every rare error (a swapped
 * birth date).  So the M-step adds pseudo_count pairs (default 0.5, a
 * Jeffreys-like prior; 0 gives the plain maximum likelihood) to every level
 * of every observed comparison, per class: the estimate is the posterior
 * mode under a Dirichlet prior, and a level never seen among 2,000 matches
 * gets m of about 0.5 / 2,000.  Estimates are also kept at or above FLOOR_P
 * (1e-12), for pseudo_count 0.  Iteration stops when no parameter moves by
 * more than the tolerance (converged) or after max_iterations.  With fix_u the u
 * probabilities stay at their starting values, for u estimated from random
 * pairs (fs_estimate_u), which is Splink's way of training.  The function is
 * a pure computation over its arguments: IMMUTABLE.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "fsmodel.h"

#define FLOOR_P		1e-12
#define EM_COLUMNS	8

typedef struct EmProblem
{
	int			npat;			/* distinct patterns */
	int			ncomp;			/* comparisons */
	int		   *nlevels;		/* per comparison */
	int		   *offset;			/* first parameter of comparison j */
	int			nparam;			/* sum of nlevels */
	int		   *pattern;		/* npat x ncomp, -1 = missing */
	double	   *count;			/* npat */
	double		total;
} EmProblem;

static void
BadArgument(const char *msg, const char *detail, const char *hint)
{
	ereport(ERROR,
			errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			errmsg_internal("%s", msg),
			detail ? errdetail_internal("%s", detail) : 0,
			hint ? errhint("%s", hint) : 0);
}

/* The integer elements of a one-dimensional array, none NULL. */
static int
ReadIntVector(ArrayType *arr, const char *what, int **out)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n,
				i;

	if (ARR_NDIM(arr) != 1)
		BadArgument(psprintf("%s must be a one-dimensional array", what), NULL, NULL);
	deconstruct_array(arr, INT4OID, 4, true, TYPALIGN_INT, &elems, &nulls, &n);
	*out = palloc(n * sizeof(int));
	for (i = 0; i < n; i++)
	{
		if (nulls[i])
			BadArgument(psprintf("%s must not contain nulls", what), NULL, NULL);
		(*out)[i] = DatumGetInt32(elems[i]);
	}
	return n;
}

/*
 * Starting values: the array given (ncomp rows, at least nlevels[j] columns)
 * normalised per comparison, or, when NULL, the default, which leans each
 * class the expected way so that EM does not start symmetric and swap them:
 * m proportional to 4^level (exact agreement most likely for matches), u
 * proportional to 4^-level.
 */
static void
StartValues(EmProblem *p, ArrayType *arr, bool is_m, double *out)
{
	int			j,
				l;

	if (arr == NULL)
	{
		for (j = 0; j < p->ncomp; j++)
		{
			double		sum = 0.0;

			for (l = 0; l < p->nlevels[j]; l++)
			{
				out[p->offset[j] + l] = is_m ? pow(4.0, l) : pow(4.0, -l);
				sum += out[p->offset[j] + l];
			}
			for (l = 0; l < p->nlevels[j]; l++)
				out[p->offset[j] + l] /= sum;
		}
		return;
	}
	else
	{
		const char *what = is_m ? "m_start" : "u_start";
		Datum	   *elems;
		bool	   *nulls;
		int			n,
					cols;

		if (ARR_NDIM(arr) != 2 || ARR_DIMS(arr)[0] != p->ncomp)
			BadArgument(psprintf("%s must be a two-dimensional array with one row per comparison", what),
						psprintf("The comparisons number %d.", p->ncomp),
						"Row j holds the probabilities of levels 0, 1, ... of comparison j; pad short rows with NULL.");
		cols = ARR_DIMS(arr)[1];
		deconstruct_array(arr, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &elems, &nulls, &n);
		for (j = 0; j < p->ncomp; j++)
		{
			double		sum = 0.0;

			if (cols < p->nlevels[j])
				BadArgument(psprintf("%s has too few columns for comparison %d", what, j + 1),
							psprintf("The array has %d columns; the comparison has %d levels.", cols, p->nlevels[j]),
							"Row j holds the probabilities of levels 0, 1, ... of comparison j.");
			for (l = 0; l < p->nlevels[j]; l++)
			{
				double		v;

				if (nulls[j * cols + l])
					BadArgument(psprintf("%s has no value for level %d of comparison %d", what, l, j + 1),
								NULL, "Every level of a comparison needs a starting probability.");
				v = DatumGetFloat8(elems[j * cols + l]);
				if (!(v > 0.0 && v <= 1.0))
					BadArgument(psprintf("%s for level %d of comparison %d is not in (0, 1]", what, l, j + 1),
								psprintf("The value is %g.", v), NULL);
				out[p->offset[j] + l] = v;
				sum += v;
			}
			for (l = 0; l < p->nlevels[j]; l++)
				out[p->offset[j] + l] /= sum;
		}
	}
}

/* Keep every probability of a comparison at or above FLOOR_P, summing to 1. */
static void
Floor(const EmProblem *p, double *x)
{
	int			j,
				l;

	for (j = 0; j < p->ncomp; j++)
	{
		double		sum = 0.0;

		for (l = 0; l < p->nlevels[j]; l++)
		{
			double	   *v = &x[p->offset[j] + l];

			if (!(*v >= FLOOR_P))
				*v = FLOOR_P;
			sum += *v;
		}
		for (l = 0; l < p->nlevels[j]; l++)
			x[p->offset[j] + l] /= sum;
	}
}

/*
 * em_estimate(patterns, counts, nlevels, m_start, u_start, lambda_start,
 * max_iterations, tolerance, fix_u, pseudo_count) returns one row per comparison and
 * level: position, level, m, u, and the estimate's lambda, iterations,
 * convergence and log-likelihood (the same on every row).
 */
PG_FUNCTION_INFO_V1(pseudolink_em_estimate);
Datum
pseudolink_em_estimate(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	EmProblem	p;
	ArrayType  *patterns;
	Datum	   *elems;
	bool	   *elnulls;
	int			nelems,
				max_iterations,
				iterations = 0,
				g,
				j,
				l,
				argno;
	double		lambda,
				tolerance,
				pseudo,
				loglik = 0.0;
	double	   *m,
			   *u,
			   *mnew,
			   *unew,
			   *logm,
			   *logu;
	bool		fix_u,
				converged = false;
	Datum		values[EM_COLUMNS];
	bool		nulls[EM_COLUMNS];

	/* every argument but m_start and u_start is required */
	for (argno = 0; argno < 10; argno++)
		if (argno != 3 && argno != 4 && PG_ARGISNULL(argno))
			BadArgument(psprintf("argument %d of em_estimate must not be null", argno + 1),
						NULL, "Only m_start and u_start may be NULL (for the default starting values).");

	memset(&p, 0, sizeof(p));
	p.ncomp = ReadIntVector(PG_GETARG_ARRAYTYPE_P(2), "nlevels", &p.nlevels);
	if (p.ncomp < 1 || p.ncomp > FS_MAX_COMPARISONS)
		BadArgument(psprintf("a model has 1 to %d comparisons", FS_MAX_COMPARISONS),
					psprintf("nlevels gives %d.", p.ncomp), NULL);
	p.offset = palloc(p.ncomp * sizeof(int));
	for (j = 0; j < p.ncomp; j++)
	{
		if (p.nlevels[j] < 2 || p.nlevels[j] > FS_MAX_LEVEL + 1)
			BadArgument(psprintf("comparison %d has too few or too many levels; a comparison has 2 to %d",
								 j + 1, FS_MAX_LEVEL + 1),
						psprintf("nlevels[%d] is %d.", j + 1, p.nlevels[j]), "nlevels[j] is the number of levels of comparison j: its levels are 0 .. nlevels[j] - 1.");
		p.offset[j] = p.nparam;
		p.nparam += p.nlevels[j];
	}

	patterns = PG_GETARG_ARRAYTYPE_P(0);
	if (ARR_NDIM(patterns) != 2 || ARR_DIMS(patterns)[1] != p.ncomp)
		BadArgument("patterns must be a two-dimensional array with one row per agreement pattern",
					psprintf("Each row needs one level per comparison: %d in all.", p.ncomp),
					"Group the pairs by their level array, for example with array_agg(levels) over "
					"SELECT levels, count(*) ... GROUP BY levels.");
	p.npat = ARR_DIMS(patterns)[0];
	deconstruct_array(patterns, INT4OID, 4, true, TYPALIGN_INT, &elems, &elnulls, &nelems);
	p.pattern = palloc(nelems * sizeof(int));
	for (g = 0; g < p.npat; g++)
		for (j = 0; j < p.ncomp; j++)
		{
			int			k = g * p.ncomp + j;
			int			v = elnulls[k] ? -1 : DatumGetInt32(elems[k]);

			if (!elnulls[k] && (v < 0 || v >= p.nlevels[j]))
				BadArgument(psprintf("pattern %d has level %d for comparison %d, which has levels 0 to %d",
									 g + 1, v, j + 1, p.nlevels[j] - 1),
							NULL, "Check nlevels, or the level functions that made the pattern.");
			p.pattern[k] = v;
		}

	{
		ArrayType  *counts = PG_GETARG_ARRAYTYPE_P(1);
		Datum	   *ce;
		bool	   *cn;
		int			nc;

		if (ARR_NDIM(counts) != 1)
			BadArgument("counts must be a one-dimensional array", NULL, NULL);
		deconstruct_array(counts, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &ce, &cn, &nc);
		if (nc != p.npat)
			BadArgument("counts does not have one element per pattern",
						psprintf("There are %d counts for %d patterns.", nc, p.npat),
						"Pass one count per pattern, in the same order.");
		p.count = palloc(p.npat * sizeof(double));
		for (g = 0; g < p.npat; g++)
		{
			int64		c = 0;

			if (cn[g] || (c = DatumGetInt64(ce[g])) < 0)
				BadArgument(psprintf("count %d is null or negative", g + 1), NULL, NULL);
			p.count[g] = (double) c;
			p.total += p.count[g];
		}
		if (p.total <= 0)
			BadArgument("there are no pairs to estimate from", "Every count is 0.", NULL);
	}

	lambda = PG_GETARG_FLOAT8(5);
	max_iterations = PG_GETARG_INT32(6);
	tolerance = PG_GETARG_FLOAT8(7);
	fix_u = PG_GETARG_BOOL(8);
	pseudo = PG_GETARG_FLOAT8(9);
	if (!(lambda > 0.0 && lambda < 1.0))
		BadArgument("lambda_start must be between 0 and 1", psprintf("It is %g.", lambda),
					"lambda is the share of pairs that match; start from a guess such as 0.1.");
	if (max_iterations < 1)
		BadArgument("max_iterations must be at least 1", NULL, NULL);
	if (!(tolerance > 0.0))
		BadArgument("tolerance must be greater than 0", NULL, NULL);
	if (!(pseudo >= 0.0 && pseudo <= 1e6))
		BadArgument("pseudo_count must be between 0 and 1000000", psprintf("It is %g.", pseudo),
					"It is the number of pairs added to every level of a class; 0 for none.");

	m = palloc(p.nparam * sizeof(double));
	u = palloc(p.nparam * sizeof(double));
	mnew = palloc(p.nparam * sizeof(double));
	unew = palloc(p.nparam * sizeof(double));
	logm = palloc(p.nparam * sizeof(double));
	logu = palloc(p.nparam * sizeof(double));
	StartValues(&p, PG_ARGISNULL(3) ? NULL : PG_GETARG_ARRAYTYPE_P(3), true, m);
	StartValues(&p, PG_ARGISNULL(4) ? NULL : PG_GETARG_ARRAYTYPE_P(4), false, u);
	Floor(&p, m);
	Floor(&p, u);

	while (iterations < max_iterations)
	{
		double		matches = 0.0,
					change,
					lnew;
		double		loglambda = log(lambda),
					log1lambda = log1p(-lambda);
		int			k;

		CHECK_FOR_INTERRUPTS();
		for (k = 0; k < p.nparam; k++)
		{
			logm[k] = log(m[k]);
			logu[k] = log(u[k]);
			mnew[k] = unew[k] = 0.0;
		}

		/* E-step, accumulating the M-step's sums as it goes */
		for (g = 0; g < p.npat; g++)
		{
			const int  *pat = &p.pattern[g * p.ncomp];
			double		lm = loglambda,
						lu = log1lambda,
						zeta;

			if (p.count[g] == 0)
				continue;
			for (j = 0; j < p.ncomp; j++)
				if (pat[j] >= 0)
				{
					lm += logm[p.offset[j] + pat[j]];
					lu += logu[p.offset[j] + pat[j]];
				}
			zeta = 1.0 / (1.0 + exp(lu - lm));
			matches += p.count[g] * zeta;
			for (j = 0; j < p.ncomp; j++)
				if (pat[j] >= 0)
				{
					mnew[p.offset[j] + pat[j]] += p.count[g] * zeta;
					unew[p.offset[j] + pat[j]] += p.count[g] * (1.0 - zeta);
				}
		}

		/* M-step */
		for (j = 0; j < p.ncomp; j++)
		{
			double		sm = 0.0,
						su = 0.0;

			for (l = 0; l < p.nlevels[j]; l++)
			{
				sm += mnew[p.offset[j] + l];
				su += unew[p.offset[j] + l];
			}
			for (l = 0; l < p.nlevels[j]; l++)
			{
				k = p.offset[j] + l;
				/* a comparison never observed in a class keeps its values */
				mnew[k] = sm > 0.0 ? (mnew[k] + pseudo) / (sm + pseudo * p.nlevels[j]) : m[k];
				unew[k] = su > 0.0 ? (unew[k] + pseudo) / (su + pseudo * p.nlevels[j]) : u[k];
			}
		}
		Floor(&p, mnew);
		if (fix_u)
			memcpy(unew, u, p.nparam * sizeof(double));
		else
			Floor(&p, unew);
		lnew = matches / p.total;
		lnew = Min(Max(lnew, FLOOR_P), 1.0 - FLOOR_P);

		change = fabs(lnew - lambda);
		for (k = 0; k < p.nparam; k++)
		{
			change = Max(change, fabs(mnew[k] - m[k]));
			change = Max(change, fabs(unew[k] - u[k]));
		}
		memcpy(m, mnew, p.nparam * sizeof(double));
		memcpy(u, unew, p.nparam * sizeof(double));
		lambda = lnew;
		iterations++;
		if (change < tolerance)
		{
			converged = true;
			break;
		}
	}

	/* the log-likelihood at the final parameters */
	loglik = 0.0;
	for (g = 0; g < p.npat; g++)
	{
		const int  *pat = &p.pattern[g * p.ncomp];
		double		lm = log(lambda),
					lu = log1p(-lambda),
					hi;

		if (p.count[g] == 0)
			continue;
		for (j = 0; j < p.ncomp; j++)
			if (pat[j] >= 0)
			{
				lm += log(m[p.offset[j] + pat[j]]);
				lu += log(u[p.offset[j] + pat[j]]);
			}
		hi = Max(lm, lu);
		loglik += p.count[g] * (hi + log(exp(lm - hi) + exp(lu - hi)));
	}

	/*
	 * EM finds a local maximum; started badly it may call the non-matches
	 * the matches.  Exact agreement that counts against a match on most
	 * comparisons is the tell-tale sign.
	 */
	{
		int			against = 0;

		for (j = 0; j < p.ncomp; j++)
		{
			int			top = p.offset[j] + p.nlevels[j] - 1;

			if (m[top] < u[top])
				against++;
		}
		if (2 * against > p.ncomp)
			ereport(WARNING,
					errcode(ERRCODE_WARNING),
					errmsg("the estimate makes exact agreement evidence against a match on %d of %d comparisons",
						   against, p.ncomp),
					errdetail("EM may have converged to the solution with the classes swapped."),
					errhint("Start from other values (m_start, u_start), or fix u from random pairs (fix_u)."));
	}

	InitMaterializedSRF(fcinfo, 0);
	memset(nulls, false, sizeof(nulls));
	for (j = 0; j < p.ncomp; j++)
		for (l = 0; l < p.nlevels[j]; l++)
		{
			values[0] = Int32GetDatum(j + 1);
			values[1] = Int32GetDatum(l);
			values[2] = Float8GetDatum(m[p.offset[j] + l]);
			values[3] = Float8GetDatum(u[p.offset[j] + l]);
			values[4] = Float8GetDatum(lambda);
			values[5] = Int32GetDatum(iterations);
			values[6] = BoolGetDatum(converged);
			values[7] = Float8GetDatum(loglik);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	return (Datum) 0;
}
