/*
 * cluster.c
 *	  Connected components of a graph of record pairs: the clusters of a
 *	  deduplication.
 *
 * Deduplicating a table ends in clusters: records joined by a chain of
 * pairs above the match threshold are one entity, even where the two ends
 * of the chain were never compared or scored below it (the transitive
 * closure of "matches").  pseudolink.cluster_pairs() (src/sql/77) numbers
 * the records of the pairs 1..n in id order and passes the edges here as
 * two int4 arrays; this file runs union-find over them and returns, for
 * every node, the smallest node of its component.  Because the numbering
 * follows the ids, that is the component's smallest id, a deterministic
 * cluster name whatever order the pairs came in.
 *
 * Union-find in arrays, not label propagation in SQL: one pass over the
 * edges, O(E alpha(n)) with path halving, where propagation needs a join
 * per step of the longest chain.  The root of a union is always the
 * smaller of the two roots, so a root is the smallest node of its tree;
 * path halving alone keeps the trees flat enough.  Memory: one int4 per
 * node (the result array itself), nothing per edge.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

/*
 * ARR_DATA_PTR without its mixed-signedness conditional, which -Wextra
 * -Werror rejects.
 */
static inline char *
ArrayDataPtr(ArrayType *a)
{
	return (char *) a + (ARR_HASNULL(a) ? (Size) a->dataoffset : ARR_OVERHEAD_NONULLS(ARR_NDIM(a)));
}

/* The root of node x, halving the path on the way up. */
static inline int32
FindRoot(int32 *parent, int32 x)
{
	while (parent[x] != x)
	{
		parent[x] = parent[parent[x]];
		x = parent[x];
	}
	return x;
}

/*
 * The elements of an edge array, checked: one-dimensional (or empty), no
 * NULLs, every node at least 1.  Sets *len and *max_node.
 */
static const int32 *
EdgeNodes(ArrayType *a, const char *what, int *len, int32 *max_node)
{
	const int32 *v;
	int			i;

	if (ARR_NDIM(a) == 0)
	{
		*len = 0;
		return NULL;
	}
	if (ARR_NDIM(a) != 1)
		ereport(ERROR,
				errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				errmsg("%s array must be one-dimensional", what),
				errdetail("The array has %d dimensions.", ARR_NDIM(a)));
	if (array_contains_nulls(a))
		ereport(ERROR,
				errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				errmsg("%s array must not contain NULL", what),
				errhint("Every pair joins two records; leave out pairs with a missing id."));
	*len = ARR_DIMS(a)[0];
	v = (const int32 *) ArrayDataPtr(a);
	for (i = 0; i < *len; i++)
	{
		if (v[i] < 1)
			ereport(ERROR,
					errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					errmsg("nodes are numbered from 1"),
					errdetail("Element %d of the %s array is %d.", i + 1, what, v[i]),
					errhint("Number the records 1..n, e.g. with dense_rank() OVER (ORDER BY id)."));
		if (v[i] > *max_node)
			*max_node = v[i];
	}
	return v;
}

/*
 * connected_components(left_nodes int4[], right_nodes int4[]) returns an
 * int4[] whose element i is the smallest node of node i's component, for
 * the nodes 1..max; a node in no edge is its own component.
 */
PG_FUNCTION_INFO_V1(pseudolink_connected_components);
Datum
pseudolink_connected_components(PG_FUNCTION_ARGS)
{
	ArrayType  *left = PG_GETARG_ARRAYTYPE_P(0);
	ArrayType  *right = PG_GETARG_ARRAYTYPE_P(1);
	const int32 *a;
	const int32 *b;
	int			na,
				nb,
				i;
	int32		n = 0;
	ArrayType  *result;
	int32	   *parent;
	Size		bytes;

	if (ARR_ELEMTYPE(left) != INT4OID || ARR_ELEMTYPE(right) != INT4OID)
		elog(ERROR, "connected_components expects integer arrays");
	a = EdgeNodes(left, "left node", &na, &n);
	b = EdgeNodes(right, "right node", &nb, &n);
	if (na != nb)
		ereport(ERROR,
				errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				errmsg("left and right node arrays differ in length"),
				errdetail("The left array has %d elements, the right one %d.", na, nb),
				errhint("Element i of both arrays is the i-th pair."));
	if (n == 0)
		PG_RETURN_ARRAYTYPE_P(construct_empty_array(INT4OID));

	/* the result array is the union-find forest (entry i = parent of i) */
	bytes = ARR_OVERHEAD_NONULLS(1) + (Size) n * sizeof(int32);
	if (!AllocSizeIsValid(bytes))
		ereport(ERROR,
				errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				errmsg("too many nodes for one call of connected_components"),
				errdetail("The largest node number is %d; at most %zu fit in one array.",
						  n, (MaxAllocSize - ARR_OVERHEAD_NONULLS(1)) / sizeof(int32)));
	result = (ArrayType *) palloc(bytes);
	SET_VARSIZE(result, bytes);
	result->ndim = 1;
	result->dataoffset = 0;
	result->elemtype = INT4OID;
	ARR_DIMS(result)[0] = n;
	ARR_LBOUND(result)[0] = 1;

	/* node v is entry v - 1 */
	parent = (int32 *) ArrayDataPtr(result);
	for (i = 0; i < n; i++)
		parent[i] = i;
	for (i = 0; i < na; i++)
	{
		int32		ra = FindRoot(parent, a[i] - 1);
		int32		rb = FindRoot(parent, b[i] - 1);

		if (ra < rb)
			parent[rb] = ra;
		else if (rb < ra)
			parent[ra] = rb;
	}
	/* every entry its root; then indexes to node numbers, in a pass of its own */
	for (i = 0; i < n; i++)
		parent[i] = FindRoot(parent, i);
	for (i = 0; i < n; i++)
		parent[i] += 1;

	PG_FREE_IF_COPY(left, 0);
	PG_FREE_IF_COPY(right, 1);
	PG_RETURN_ARRAYTYPE_P(result);
}
