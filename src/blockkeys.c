/*
 * blockkeys.c
 *	  The blockkeys and blockquery types, their operators and their GIN
 *	  operator class.
 *
 * A record's blocking keys are a small sorted set of 64-bit integers.  Two
 * records are candidates for comparison when their sets share keys: at least
 * one (&&, the union of the rules, as a Splink-style UNION of joins gives),
 * at least pseudolink.blocking_threshold (%, the way pg_trgm's % reads its
 * similarity threshold), or at least the k carried by a blockquery (@@,
 * built by shares(keys, k)), so that one index scan serves every rule at
 * once and can demand agreement on several rules.
 *
 * The GIN operator class indexes each key as an int8 entry.  Because a key
 * set holds each key once and the index stores the keys exactly, the number
 * of query entries GIN reports present for an item is exactly the number of
 * keys the two sets share: consistent() needs no recheck, and
 * triconsistent() can tell GIN that an item is decided as soon as k entries
 * are known present, or can never reach k.  The threshold is fixed once per
 * scan in extractQuery() and handed to consistent() through extra_data, so
 * one scan never sees two values of the setting.
 */
#include "postgres.h"

#include <limits.h>

#include "access/gin.h"
#include "access/stratnum.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "blockkeys.h"
#include "blocking.h"

/* Strategy numbers of the GIN operator class (see 40_blocking_keys.sql). */
#define BLOCKKEYS_OVERLAP_STRATEGY		1	/* &&: at least one shared key */
#define BLOCKKEYS_THRESHOLD_STRATEGY	2	/* %: at least blocking_threshold */
#define BLOCKKEYS_QUERY_STRATEGY		3	/* @@: at least the query's k */

static int
uint64_cmp(const void *a, const void *b)
{
	uint64		x = *(const uint64 *) a;
	uint64		y = *(const uint64 *) b;

	return (x > y) - (x < y);
}

int
blockkeys_sort_unique(uint64 *keys, int nkeys)
{
	int			i,
				j;

	if (nkeys < 2)
		return nkeys;
	/* Key sets are short: insertion sort beats qsort's call overhead. */
	if (nkeys <= 16)
	{
		for (i = 1; i < nkeys; i++)
		{
			uint64		v = keys[i];

			for (j = i; j > 0 && keys[j - 1] > v; j--)
				keys[j] = keys[j - 1];
			keys[j] = v;
		}
	}
	else
		qsort(keys, nkeys, sizeof(uint64), uint64_cmp);

	for (i = 1, j = 1; i < nkeys; i++)
		if (keys[i] != keys[j - 1])
			keys[j++] = keys[i];
	return j;
}

static void
check_key_count(int64 nkeys)
{
	if (nkeys > BLOCKKEYS_MAX_KEYS)
		ereport(ERROR,
				errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				errmsg("too many blocking keys in one key set"),
				errdetail("A key set holds at most %d keys; this one would hold " INT64_FORMAT ".",
						  BLOCKKEYS_MAX_KEYS, nkeys),
				errhint("Use fewer rules, or fewer address periods per record."));
}

BlockKeys *
blockkeys_build(uint64 *keys, int nkeys)
{
	BlockKeys  *result;

	nkeys = blockkeys_sort_unique(keys, nkeys);
	check_key_count(nkeys);
	result = palloc(BLOCKKEYS_SIZE(nkeys));
	SET_VARSIZE(result, BLOCKKEYS_SIZE(nkeys));
	result->word = 0;
	if (nkeys > 0)
		memcpy(result->keys, keys, sizeof(uint64) * nkeys);
	return result;
}

int
blockkeys_shared(const uint64 *a, int na, const uint64 *b, int nb, int stop)
{
	int			i = 0,
				j = 0,
				n = 0;

	while (i < na && j < nb)
	{
		if (a[i] < b[j])
			i++;
		else if (a[i] > b[j])
			j++;
		else
		{
			if (++n >= stop)
				break;
			i++;
			j++;
		}
	}
	return n;
}

/* ---------------------------------------------------------------------
 * Text and binary forms
 *
 * Text: "{" then the keys as 16 lowercase hexadecimal digits, comma
 * separated, then "}"; the first two digits are the rule id.  Input accepts
 * 1 to 16 digits per key, either case, any order, duplicates and blanks.
 * Errors name the position of the problem, never the input: keys are
 * unkeyed hashes of identifiers (see doc/blocking.md).
 * ---------------------------------------------------------------------
 */

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void
pg_attribute_noreturn()
malformed(const char *type_name, const char *detail_fmt, int arg)
{
	ereport(ERROR,
			errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			errmsg("malformed %s literal", type_name),
			errdetail_internal(detail_fmt, arg),
			errhint("Write keys as {0123456789abcdef,...}: 1 to 16 hexadecimal digits each."));
}

/*
 * Parse "{k1,k2,...}" starting at *pp; leaves *pp after the closing brace.
 * Returns a palloc'd blockkeys (word 0).
 */
static BlockKeys *
parse_keys(const char **pp, const char *type_name)
{
	const char *p = *pp;
	int			cap = 8,
				n = 0;
	uint64	   *keys = palloc(sizeof(uint64) * cap);
	BlockKeys  *result;

	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	if (*p != '{')
		malformed(type_name, "Expected \"{\" at position %d.", (int) (p - *pp) + 1);
	p++;
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	if (*p == '}')
		p++;
	else
	{
		for (;;)
		{
			uint64		v = 0;
			int			digits = 0,
						h;

			while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
				p++;
			while ((h = hex_value(*p)) >= 0)
			{
				if (++digits > 16)
					malformed(type_name, "Key %d has more than 16 hexadecimal digits.", n + 1);
				v = (v << 4) | (uint64) h;
				p++;
			}
			if (digits == 0)
				malformed(type_name, "Key %d is not a hexadecimal number.", n + 1);
			if (n == cap)
			{
				check_key_count((int64) n + 1);
				cap *= 2;
				keys = repalloc(keys, sizeof(uint64) * cap);
			}
			keys[n++] = v;
			while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
				p++;
			if (*p == ',')
			{
				p++;
				continue;
			}
			if (*p == '}')
			{
				p++;
				break;
			}
			malformed(type_name, "Expected \",\" or \"}\" after key %d.", n);
		}
	}
	result = blockkeys_build(keys, n);
	pfree(keys);
	*pp = p;
	return result;
}

static void
expect_end(const char *p, const char *type_name)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	if (*p != '\0')
		ereport(ERROR,
				errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				errmsg("malformed %s literal", type_name),
				errdetail("Unexpected characters after \"}\"."),
				errhint("Write keys as {0123456789abcdef,...}: 1 to 16 hexadecimal digits each."));
}

static void
append_keys(StringInfo buf, const BlockKeys *bk)
{
	int			n = BLOCKKEYS_COUNT(bk),
				i;

	appendStringInfoChar(buf, '{');
	for (i = 0; i < n; i++)
	{
		if (i > 0)
			appendStringInfoChar(buf, ',');
		appendStringInfo(buf, "%016" INT64_MODIFIER "x", bk->keys[i]);
	}
	appendStringInfoChar(buf, '}');
}

/* blockkeys_in(cstring) returns the key set written in text form. */
PG_FUNCTION_INFO_V1(blockkeys_in);
Datum
blockkeys_in(PG_FUNCTION_ARGS)
{
	const char *p = PG_GETARG_CSTRING(0);
	BlockKeys  *result = parse_keys(&p, "blockkeys");

	expect_end(p, "blockkeys");
	PG_RETURN_POINTER(result);
}

/* blockkeys_out(blockkeys) returns the text form. */
PG_FUNCTION_INFO_V1(blockkeys_out);
Datum
blockkeys_out(PG_FUNCTION_ARGS)
{
	BlockKeys  *bk = PG_GETARG_BLOCKKEYS_P(0);
	StringInfoData buf;

	initStringInfo(&buf);
	append_keys(&buf, bk);
	PG_RETURN_CSTRING(buf.data);
}

/* Binary form: int32 count, then the keys as int8 in ascending order. */
static BlockKeys *
recv_keys(StringInfo buf)
{
	int32		n = pq_getmsgint(buf, 4);
	uint64	   *keys;
	BlockKeys  *result;
	int			i;

	if (n < 0)
		ereport(ERROR,
				errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				errmsg("invalid key count in binary blockkeys"),
				errdetail("The count is %d.", n));
	check_key_count(n);
	keys = palloc(sizeof(uint64) * Max(n, 1));
	for (i = 0; i < n; i++)
		keys[i] = (uint64) pq_getmsgint64(buf);
	result = blockkeys_build(keys, n);
	pfree(keys);
	return result;
}

static void
send_keys(StringInfo buf, const BlockKeys *bk)
{
	int			n = BLOCKKEYS_COUNT(bk),
				i;

	pq_sendint32(buf, n);
	for (i = 0; i < n; i++)
		pq_sendint64(buf, (int64) bk->keys[i]);
}

/* blockkeys_recv(internal) reads the binary form. */
PG_FUNCTION_INFO_V1(blockkeys_recv);
Datum
blockkeys_recv(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(recv_keys((StringInfo) PG_GETARG_POINTER(0)));
}

/* blockkeys_send(blockkeys) returns the binary form. */
PG_FUNCTION_INFO_V1(blockkeys_send);
Datum
blockkeys_send(PG_FUNCTION_ARGS)
{
	BlockKeys  *bk = PG_GETARG_BLOCKKEYS_P(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	send_keys(&buf, bk);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* ---------------------------------------------------------------------
 * blockquery: "k of {keys}"
 * ---------------------------------------------------------------------
 */

static void
check_min_shared(int64 k)
{
	if (k < 1 || k > BLOCKKEYS_MAX_KEYS)
		ereport(ERROR,
				errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				errmsg("minimum number of shared keys must be between 1 and %d",
					   BLOCKKEYS_MAX_KEYS),
				errdetail("The value given is " INT64_FORMAT ".", k),
				errhint("Use 1 for any shared key (the same as &&)."));
}

/* blockquery_in(cstring) parses "k of {keys}". */
PG_FUNCTION_INFO_V1(blockquery_in);
Datum
blockquery_in(PG_FUNCTION_ARGS)
{
	const char *start = PG_GETARG_CSTRING(0);
	const char *p = start;
	int64		k = 0;
	int			digits = 0;
	BlockKeys  *result;

	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	while (*p >= '0' && *p <= '9' && digits < 10)
	{
		k = k * 10 + (*p - '0');
		digits++;
		p++;
	}
	if (digits == 0 || (*p >= '0' && *p <= '9'))
		ereport(ERROR,
				errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				errmsg("malformed blockquery literal"),
				errdetail("A blockquery starts with the minimum number of shared keys."),
				errhint("Write a query as \"2 of {0123456789abcdef,...}\"."));
	while (*p == ' ' || *p == '\t')
		p++;
	if (pg_strncasecmp(p, "of", 2) != 0)
		ereport(ERROR,
				errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				errmsg("malformed blockquery literal"),
				errdetail("Expected \"of\" after the minimum number of shared keys."),
				errhint("Write a query as \"2 of {0123456789abcdef,...}\"."));
	p += 2;
	check_min_shared(k);
	result = parse_keys(&p, "blockquery");
	expect_end(p, "blockquery");
	result->word = (int32) k;
	PG_RETURN_POINTER(result);
}

/* blockquery_out(blockquery) returns "k of {keys}". */
PG_FUNCTION_INFO_V1(blockquery_out);
Datum
blockquery_out(PG_FUNCTION_ARGS)
{
	BlockKeys  *bq = PG_GETARG_BLOCKKEYS_P(0);
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfo(&buf, "%d of ", bq->word);
	append_keys(&buf, bq);
	PG_RETURN_CSTRING(buf.data);
}

/* blockquery_recv(internal): int32 k, then the blockkeys binary form. */
PG_FUNCTION_INFO_V1(blockquery_recv);
Datum
blockquery_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int32		k = pq_getmsgint(buf, 4);
	BlockKeys  *result;

	check_min_shared(k);
	result = recv_keys(buf);
	result->word = k;
	PG_RETURN_POINTER(result);
}

/* blockquery_send(blockquery) returns the binary form. */
PG_FUNCTION_INFO_V1(blockquery_send);
Datum
blockquery_send(PG_FUNCTION_ARGS)
{
	BlockKeys  *bq = PG_GETARG_BLOCKKEYS_P(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint32(&buf, bq->word);
	send_keys(&buf, bq);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* ---------------------------------------------------------------------
 * Functions and operators
 * ---------------------------------------------------------------------
 */

/* blockkeys(bigint[]) returns the set of the array's non-null keys. */
PG_FUNCTION_INFO_V1(blockkeys_from_array);
Datum
blockkeys_from_array(PG_FUNCTION_ARGS)
{
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(0);
	Datum	   *elems;
	bool	   *nulls;
	int			nelems,
				i,
				n = 0;
	uint64	   *keys;
	BlockKeys  *result;

	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				errmsg("blocking keys must be a one-dimensional array"),
				errdetail("The array has %d dimensions.", ARR_NDIM(arr)),
				errhint("Pass a bigint[] such as ARRAY[1, 2, 3]."));
	deconstruct_array(arr, INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
					  &elems, &nulls, &nelems);
	check_key_count(nelems);
	keys = palloc(sizeof(uint64) * Max(nelems, 1));
	/* A NULL element is no key: it cannot be shared with anything. */
	for (i = 0; i < nelems; i++)
		if (!nulls[i])
			keys[n++] = (uint64) DatumGetInt64(elems[i]);
	result = blockkeys_build(keys, n);
	pfree(keys);
	pfree(elems);
	pfree(nulls);
	PG_RETURN_POINTER(result);
}

/* keys::bigint[] returns the keys as signed 64-bit integers, in set order. */
PG_FUNCTION_INFO_V1(blockkeys_to_array);
Datum
blockkeys_to_array(PG_FUNCTION_ARGS)
{
	BlockKeys  *bk = PG_GETARG_BLOCKKEYS_P(0);
	int			n = BLOCKKEYS_COUNT(bk),
				i;
	Datum	   *elems = palloc(sizeof(Datum) * Max(n, 1));

	for (i = 0; i < n; i++)
		elems[i] = Int64GetDatum((int64) bk->keys[i]);
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, n, INT8OID, sizeof(int64),
										  FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/* key_count(blockkeys) returns the number of keys in the set. */
PG_FUNCTION_INFO_V1(blockkeys_key_count);
Datum
blockkeys_key_count(PG_FUNCTION_ARGS)
{
	BlockKeys  *bk = PG_GETARG_BLOCKKEYS_P(0);

	PG_RETURN_INT32(BLOCKKEYS_COUNT(bk));
}

/* shared_keys(a, b) returns the number of keys the two sets share. */
PG_FUNCTION_INFO_V1(blockkeys_shared_keys);
Datum
blockkeys_shared_keys(PG_FUNCTION_ARGS)
{
	BlockKeys  *a = PG_GETARG_BLOCKKEYS_P(0);
	BlockKeys  *b = PG_GETARG_BLOCKKEYS_P(1);

	PG_RETURN_INT32(blockkeys_shared(a->keys, BLOCKKEYS_COUNT(a),
									 b->keys, BLOCKKEYS_COUNT(b), INT_MAX));
}

/* a && b: the sets share at least one key. */
PG_FUNCTION_INFO_V1(blockkeys_overlap);
Datum
blockkeys_overlap(PG_FUNCTION_ARGS)
{
	BlockKeys  *a = PG_GETARG_BLOCKKEYS_P(0);
	BlockKeys  *b = PG_GETARG_BLOCKKEYS_P(1);

	PG_RETURN_BOOL(blockkeys_shared(a->keys, BLOCKKEYS_COUNT(a),
									b->keys, BLOCKKEYS_COUNT(b), 1) >= 1);
}

/*
 * a % b: the sets share at least pseudolink.blocking_threshold keys.
 * STABLE, not IMMUTABLE, because it reads a setting.
 */
PG_FUNCTION_INFO_V1(blockkeys_similar);
Datum
blockkeys_similar(PG_FUNCTION_ARGS)
{
	BlockKeys  *a = PG_GETARG_BLOCKKEYS_P(0);
	BlockKeys  *b = PG_GETARG_BLOCKKEYS_P(1);
	int			k = blocking_threshold;

	PG_RETURN_BOOL(blockkeys_shared(a->keys, BLOCKKEYS_COUNT(a),
									b->keys, BLOCKKEYS_COUNT(b), k) >= k);
}

/* shares(keys, k) returns the query "shares at least k of these keys". */
PG_FUNCTION_INFO_V1(blockkeys_shares);
Datum
blockkeys_shares(PG_FUNCTION_ARGS)
{
	BlockKeys  *bk = PG_GETARG_BLOCKKEYS_P(0);
	int32		k = PG_GETARG_INT32(1);
	BlockKeys  *result;

	check_min_shared(k);
	result = palloc(VARSIZE(bk));
	memcpy(result, bk, VARSIZE(bk));
	result->word = k;
	PG_RETURN_POINTER(result);
}

/* keys @@ query: keys shares at least the query's k keys with it. */
PG_FUNCTION_INFO_V1(blockkeys_matches);
Datum
blockkeys_matches(PG_FUNCTION_ARGS)
{
	BlockKeys  *a = PG_GETARG_BLOCKKEYS_P(0);
	BlockKeys  *q = PG_GETARG_BLOCKKEYS_P(1);
	int			k = q->word;

	PG_RETURN_BOOL(blockkeys_shared(a->keys, BLOCKKEYS_COUNT(a),
									q->keys, BLOCKKEYS_COUNT(q), k) >= k);
}

/* min_shared(blockquery) returns the query's minimum number of shared keys. */
PG_FUNCTION_INFO_V1(blockquery_min_shared);
Datum
blockquery_min_shared(PG_FUNCTION_ARGS)
{
	BlockKeys  *q = PG_GETARG_BLOCKKEYS_P(0);

	PG_RETURN_INT32(q->word);
}

/* a || b returns the union of two key sets. */
PG_FUNCTION_INFO_V1(blockkeys_union);
Datum
blockkeys_union(PG_FUNCTION_ARGS)
{
	BlockKeys  *a = PG_GETARG_BLOCKKEYS_P(0);
	BlockKeys  *b = PG_GETARG_BLOCKKEYS_P(1);
	int			na = BLOCKKEYS_COUNT(a),
				nb = BLOCKKEYS_COUNT(b),
				i = 0,
				j = 0,
				n = 0;
	BlockKeys  *result;

	check_key_count((int64) na + nb > BLOCKKEYS_MAX_KEYS ?
					(int64) na + nb - blockkeys_shared(a->keys, na, b->keys, nb, INT_MAX) : 0);
	result = palloc(BLOCKKEYS_SIZE(na + nb));
	while (i < na && j < nb)
	{
		if (a->keys[i] < b->keys[j])
			result->keys[n++] = a->keys[i++];
		else if (a->keys[i] > b->keys[j])
			result->keys[n++] = b->keys[j++];
		else
		{
			result->keys[n++] = a->keys[i++];
			j++;
		}
	}
	while (i < na)
		result->keys[n++] = a->keys[i++];
	while (j < nb)
		result->keys[n++] = b->keys[j++];
	SET_VARSIZE(result, BLOCKKEYS_SIZE(n));
	result->word = 0;
	PG_RETURN_POINTER(result);
}

/*
 * keys_of_rules(keys, rules) returns the keys made by the given rules: the
 * key set a record would have under a subset of its model, without
 * rebuilding it (to measure a rule set, or to probe with fewer rules).
 */
PG_FUNCTION_INFO_V1(blockkeys_of_rules);
Datum
blockkeys_of_rules(PG_FUNCTION_ARGS)
{
	BlockKeys  *bk = PG_GETARG_BLOCKKEYS_P(0);
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(1);
	Datum	   *elems;
	bool	   *nulls;
	int			nelems,
				n = BLOCKKEYS_COUNT(bk),
				i,
				m = 0;
	bool		wanted[256];
	BlockKeys  *result;

	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				errmsg("rule ids must be a one-dimensional array"),
				errdetail("The array has %d dimensions.", ARR_NDIM(arr)),
				errhint("Pass an integer[] such as ARRAY[1, 2, 3]."));
	deconstruct_array(arr, INT4OID, sizeof(int32), true, TYPALIGN_INT, &elems, &nulls, &nelems);
	memset(wanted, 0, sizeof(wanted));
	for (i = 0; i < nelems; i++)
	{
		int32		r = nulls[i] ? -1 : DatumGetInt32(elems[i]);

		if (r < 1 || r > 255)
			ereport(ERROR,
					errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					errmsg("rule ids are between 1 and 255"),
					errdetail("Element %d of the array is %s.", i + 1,
							  nulls[i] ? "null" : psprintf("%d", r)),
					errhint("Pass the ids of rules of the model, from pseudolink.blocking_rule."));
		wanted[r] = true;
	}
	result = palloc(VARSIZE(bk));
	for (i = 0; i < n; i++)
		if (wanted[BLOCKKEY_RULE(bk->keys[i])])
			result->keys[m++] = bk->keys[i];
	SET_VARSIZE(result, BLOCKKEYS_SIZE(m));
	result->word = 0;
	PG_RETURN_POINTER(result);
}

/* blocking_key_rule(bigint) returns the id of the rule that made a key. */
PG_FUNCTION_INFO_V1(blocking_key_rule);
Datum
blocking_key_rule(PG_FUNCTION_ARGS)
{
	uint64		k = (uint64) PG_GETARG_INT64(0);

	PG_RETURN_INT32(BLOCKKEY_RULE(k));
}

/* ---------------------------------------------------------------------
 * GIN support
 * ---------------------------------------------------------------------
 */

static Datum *
keys_to_entries(const BlockKeys *bk, int n)
{
	Datum	   *entries = palloc(sizeof(Datum) * n);
	int			i;

	for (i = 0; i < n; i++)
		entries[i] = Int64GetDatum((int64) bk->keys[i]);
	return entries;
}

/* GIN extractValue: one int8 entry per key; an empty set has no entries. */
PG_FUNCTION_INFO_V1(blockkeys_gin_extract_value);
Datum
blockkeys_gin_extract_value(PG_FUNCTION_ARGS)
{
	BlockKeys  *bk = PG_GETARG_BLOCKKEYS_P(0);
	int32	   *nentries = (int32 *) PG_GETARG_POINTER(1);
	int			n = BLOCKKEYS_COUNT(bk);

	*nentries = n;
	PG_RETURN_POINTER(n > 0 ? keys_to_entries(bk, n) : NULL);
}

/*
 * GIN extractQuery: the query's keys, and the number of them an item must
 * hold (1 for &&, the setting for %, the query's own k for @@), passed to
 * consistent() in extra_data.  A query that asks for more shared keys than
 * it has can match nothing: no entries in the default search mode tell GIN
 * exactly that.
 */
PG_FUNCTION_INFO_V1(blockkeys_gin_extract_query);
Datum
blockkeys_gin_extract_query(PG_FUNCTION_ARGS)
{
	BlockKeys  *q = PG_GETARG_BLOCKKEYS_P(0);
	int32	   *nentries = (int32 *) PG_GETARG_POINTER(1);
	StrategyNumber strategy = PG_GETARG_UINT16(2);
	Pointer   **extra_data = (Pointer **) PG_GETARG_POINTER(4);
	int32	   *searchMode = (int32 *) PG_GETARG_POINTER(6);
	int			n = BLOCKKEYS_COUNT(q),
				k,
				i;
	int32	   *kp;

	switch (strategy)
	{
		case BLOCKKEYS_OVERLAP_STRATEGY:
			k = 1;
			break;
		case BLOCKKEYS_THRESHOLD_STRATEGY:
			k = blocking_threshold;
			break;
		case BLOCKKEYS_QUERY_STRATEGY:
			k = q->word;
			break;
		default:
			elog(ERROR, "blockkeys_gin_extract_query: unknown strategy number %d", strategy);
			k = 0;				/* keep the compiler quiet */
	}

	*searchMode = GIN_SEARCH_MODE_DEFAULT;
	if (k < 1 || k > n)
	{
		*nentries = 0;
		PG_RETURN_POINTER(NULL);
	}

	*nentries = n;
	kp = palloc(sizeof(int32));
	*kp = k;
	*extra_data = palloc(sizeof(Pointer) * n);
	for (i = 0; i < n; i++)
		(*extra_data)[i] = (Pointer) kp;
	PG_RETURN_POINTER(keys_to_entries(q, n));
}

/*
 * GIN consistent: an item matches when at least k query entries are present.
 * Exact (no recheck): each present entry is one shared key.
 */
PG_FUNCTION_INFO_V1(blockkeys_gin_consistent);
Datum
blockkeys_gin_consistent(PG_FUNCTION_ARGS)
{
	bool	   *check = (bool *) PG_GETARG_POINTER(0);
	int32		nkeys = PG_GETARG_INT32(3);
	Pointer    *extra_data = (Pointer *) PG_GETARG_POINTER(4);
	bool	   *recheck = (bool *) PG_GETARG_POINTER(5);
	int32		k = *(int32 *) extra_data[0];
	int32		i,
				present = 0;

	*recheck = false;
	for (i = 0; i < nkeys; i++)
		if (check[i] && ++present >= k)
			PG_RETURN_BOOL(true);
	PG_RETURN_BOOL(false);
}

/*
 * GIN triConsistent: TRUE once k entries are known present, FALSE when even
 * every MAYBE entry could not bring the count to k, MAYBE in between.  This
 * lets GIN skip posting lists that cannot change the outcome.
 */
PG_FUNCTION_INFO_V1(blockkeys_gin_triconsistent);
Datum
blockkeys_gin_triconsistent(PG_FUNCTION_ARGS)
{
	GinTernaryValue *check = (GinTernaryValue *) PG_GETARG_POINTER(0);
	int32		nkeys = PG_GETARG_INT32(3);
	Pointer    *extra_data = (Pointer *) PG_GETARG_POINTER(4);
	int32		k = *(int32 *) extra_data[0];
	int32		i,
				present = 0,
				maybe = 0;

	for (i = 0; i < nkeys; i++)
	{
		if (check[i] == GIN_TRUE)
		{
			if (++present >= k)
				PG_RETURN_GIN_TERNARY_VALUE(GIN_TRUE);
		}
		else if (check[i] == GIN_MAYBE)
			maybe++;
	}
	PG_RETURN_GIN_TERNARY_VALUE(present + maybe >= k ? GIN_MAYBE : GIN_FALSE);
}
