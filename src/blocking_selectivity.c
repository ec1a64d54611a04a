/*
 * blocking_selectivity.c
 *	  How many register rows the planner should expect a blocking operator
 *	  to match.
 *
 * PostgreSQL's generic estimators for containment operators (contsel,
 * contjoinsel) say 0.1% of the table, whatever its size.  For a blocking
 * probe that is wildly high: with the six Dutch rules a registry record
 * shares a key with about 2e-5 of the register (29 persons of 1 M, 223 of
 * 10 M, 387 of 18 M, measured by bench/blocking.sh and bench/scale.sh) and
 * at least two keys with about one person, at every register size.  With
 * 0.1% a join of 5,000 records with a 10 M-person register is estimated at
 * 50 M pairs, and the planner prefers one scan of the whole register that
 * tests every person against every record to 5,000 index probes
 * (doc/national-scale.md).
 *
 * The estimates here:
 *
 *	  &&, %   1e-4 of the rows: five times the measured share, so that a
 *			  set of rules with bigger blocks is not underestimated much;
 *	  @@      2 rows per probe (2 / rows), at most 1e-4: the query asks
 *			  for several shared keys, which about one person has.
 *
 * They are the same for a restriction and for a join (a join's selectivity
 * is the share of the cross product: per outer row, the share of the inner
 * table), so the row count is that of the relation holding the key sets.
 */
#include "postgres.h"

#include "fmgr.h"
#include "nodes/pathnodes.h"
#include "utils/lsyscache.h"
#include "utils/selfuncs.h"

#define BLOCKKEYS_OVERLAP_SELECTIVITY 1.0e-4
#define BLOCKKEYS_QUERY_ROWS 2.0

/*
 * The row count of the relation behind an operator argument, 0 when the
 * argument is not a column of one base relation (a constant, an expression
 * over several tables) or the relation has no statistics yet.
 */
static double
argument_relation_rows(PlannerInfo *root, Node *arg, int varRelid)
{
	VariableStatData vardata;
	double		rows = 0;

	examine_variable(root, arg, varRelid, &vardata);
	if (vardata.rel != NULL && vardata.rel->tuples > 0)
		rows = vardata.rel->tuples;
	ReleaseVariableStats(vardata);
	return rows;
}

/*
 * The selectivity of a blocking operator whose key-set side has the given
 * number of rows.  query_operator: @@ (several shared keys asked for).
 */
static double
blockkeys_selectivity(bool query_operator, double rows)
{
	double		sel = BLOCKKEYS_OVERLAP_SELECTIVITY;

	if (query_operator && rows > 0)
		sel = Min(sel, BLOCKKEYS_QUERY_ROWS / rows);
	CLAMP_PROBABILITY(sel);
	return sel;
}

static bool
is_query_operator(Oid operator)
{
	/* @@ is the only blocking operator whose right operand is a blockquery */
	char	   *name = get_opname(operator);

	return name != NULL && strcmp(name, "@@") == 0;
}

/*
 * blockkeys_restrict_selectivity(internal, oid, internal, integer): the
 * RESTRICT estimator of &&, % and @@.
 */
PG_FUNCTION_INFO_V1(blockkeys_restrict_selectivity);
Datum
blockkeys_restrict_selectivity(PG_FUNCTION_ARGS)
{
	PlannerInfo *root = (PlannerInfo *) PG_GETARG_POINTER(0);
	Oid			operator = PG_GETARG_OID(1);
	List	   *args = (List *) PG_GETARG_POINTER(2);
	int			varRelid = PG_GETARG_INT32(3);
	double		rows = 0;

	if (list_length(args) == 2)
		rows = Max(argument_relation_rows(root, linitial(args), varRelid),
				   argument_relation_rows(root, lsecond(args), varRelid));
	PG_RETURN_FLOAT8(blockkeys_selectivity(is_query_operator(operator), rows));
}

/*
 * blockkeys_join_selectivity(internal, oid, internal, smallint, internal):
 * the JOIN estimator of &&, % and @@.  The key-set side of @@ is its left
 * operand; for && and % the larger of the two relations is taken as the
 * register.
 */
PG_FUNCTION_INFO_V1(blockkeys_join_selectivity);
Datum
blockkeys_join_selectivity(PG_FUNCTION_ARGS)
{
	PlannerInfo *root = (PlannerInfo *) PG_GETARG_POINTER(0);
	Oid			operator = PG_GETARG_OID(1);
	List	   *args = (List *) PG_GETARG_POINTER(2);
	bool		query_operator = is_query_operator(operator);
	double		rows = 0;

	if (list_length(args) == 2)
	{
		rows = argument_relation_rows(root, linitial(args), 0);
		if (!query_operator)
			rows = Max(rows, argument_relation_rows(root, lsecond(args), 0));
	}
	PG_RETURN_FLOAT8(blockkeys_selectivity(query_operator, rows));
}
