/*
 * blocking.c
 *	  Blocking rules as data, and the blocking keys they make of a record.
 *
 * A model's blocking rules live in pseudolink.blocking_rule, one row per
 * rule: an id (1-255), a name and a list of parts such as
 * {date(birth_date), sex(sex)}, each part a transform applied to a field of
 * the record.  blocking_keys(model, record) loads the model's enabled rules
 * once per query (cached in fn_extra), and for every rule whose parts all
 * have a value makes one 64-bit key:
 *
 *	  key = rule_id << 56 | (SipHash-2-4(input) & 0x00FFFFFFFFFFFFFF)
 *	  input = rule_id (1 byte) || transform names joined by "," || 0x00
 *			  || for each part: length (4 bytes, little endian) || value
 *
 * where value is the part's normalised text ("1950-03-07", "1234AB", "2").
 * The rule id in the top byte means keys of different rules can never be
 * equal, whatever their values; the transform names in the input mean two
 * models that give the same id to different rules do not share keys either.
 * SipHash runs with a fixed, published key: blocking keys are not secret
 * (doc/blocking.md says why) and must be the same on every node and after
 * every key rotation, so that an index never has to be rebuilt for them.
 *
 * Normalisation here is deliberately lenient: a value that cannot be
 * normalised (an invalid postcode, sex unknown, a date that does not exist)
 * gives the rule no key rather than an error, because one bad field must
 * not stop a linkage run; blocking_explain() shows per rule why a record got
 * no key, and the analysis functions count records left without any key.
 * Keys on the model's stop list (oversized blocks, see
 * blocking_stop_oversized()) are left out.
 */
#include "postgres.h"

#include <ctype.h>
#include <sodium.h>

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "storage/proc.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

#include "blockkeys.h"
#include "blocking.h"

int			blocking_threshold = 1;

/* The fixed SipHash key: public by design (see the file header). */
static const unsigned char blocking_hash_key[crypto_shorthash_KEYBYTES] = "pseudolink-block";

/* At most this many parts in one rule. */
#define BLOCKING_MAX_PARTS		8

typedef enum BlockTransform
{
	BT_TEXT,
	BT_DATE,
	BT_YEAR,
	BT_MONTH_DAY,
	BT_DAY_MONTH_SWAPPED,
	BT_POSTCODE,
	BT_POSTCODE4,
	BT_SEX,
	BT_HOUSE_NUMBER,
	BT_HOUSE_SUFFIX
} BlockTransform;

static const struct
{
	const char *name;
	BlockTransform transform;
	bool		needs_date;		/* reads a date out of the field */
}			transforms[] =
{
	{"text", BT_TEXT, false},
	{"date", BT_DATE, true},
	{"year", BT_YEAR, true},
	{"month_day", BT_MONTH_DAY, true},
	{"day_month_swapped", BT_DAY_MONTH_SWAPPED, true},
	{"postcode", BT_POSTCODE, false},
	{"postcode4", BT_POSTCODE4, false},
	{"sex", BT_SEX, false},
	{"house_number", BT_HOUSE_NUMBER, false},
	{"house_suffix", BT_HOUSE_SUFFIX, false},
};

#define TRANSFORM_NAMES "text, date, year, month_day, day_month_swapped, postcode, postcode4, sex, house_number, house_suffix"

/* How a field's value is read. */
typedef enum FieldKind
{
	FK_TEXT,					/* text, varchar, char */
	FK_INT,						/* smallint, integer, bigint */
	FK_DATE,					/* date */
	FK_TIMESTAMP,				/* timestamp without time zone */
	FK_OTHER					/* anything else, through its output function */
} FieldKind;

typedef struct BlockPart
{
	int			transform;		/* index into transforms[] */
	char		field[NAMEDATALEN];
	/* resolved against the record type: */
	AttrNumber	attnum;
	Oid			basetype;
	FieldKind	kind;
	FmgrInfo	outfunc;		/* FK_OTHER only */
} BlockPart;

typedef struct BlockRule
{
	int			rule_id;
	char	   *name;
	char	   *parts_text;		/* the parts as written, for explain */
	char	   *prefix;			/* the hash input's head: rule id, transform
								 * names, 0x00 (see the file header) */
	int			prefix_len;
	int			nparts;
	BlockPart	parts[BLOCKING_MAX_PARTS];
} BlockRule;

/*
 * A field value as read from the record.  Read once per record and kept
 * in the model (BlockModel.fields, one per attribute): the Dutch rules read
 * the birth date five times and the postcode four times per record.
 */
typedef struct FieldValue
{
	bool		read;			/* read for the current record */
	bool		isnull;
	const char *str;			/* the characters (FK_TEXT, FK_OTHER: of the
								 * value; otherwise in numbuf) */
	int			len;
	int64		ival;			/* FK_INT */
	int			y,
				m,
				d;				/* date fields: valid when has_date */
	bool		has_date;
	bool		date_tried;		/* FK_TEXT: has_date is known */
	char		numbuf[32];
} FieldValue;

typedef struct BlockModel
{
	MemoryContext mcxt;
	char	   *model;
	LocalTransactionId lxid;	/* rules were read in this transaction */
	CommandId	cid;			/* ... at this command */
	int			nrules;
	BlockRule  *rules;
	int			nstop;
	uint64	   *stop;			/* stop-listed keys, sorted */
	/* the record type the parts were resolved against */
	Oid			tuptype;
	int32		tuptypmod;
	TupleDesc	tupdesc;
	/* the current record, deformed once (begin_record) */
	Datum	   *values;
	bool	   *nulls;
	FieldValue *fields;
	StringInfoData input;		/* hash input, reused */
	uint64	   *keys;			/* output buffer, nrules long */
} BlockModel;

/* ---------------------------------------------------------------------
 * Settings
 * ---------------------------------------------------------------------
 */

void
blocking_init(void)
{
	DefineCustomIntVariable("pseudolink.blocking_threshold",
							"Number of blocking keys two key sets must share for the % operator.",
							"1 is the union of the rules (the same as &&); 2 or more demands "
							"agreement on several rules and gives fewer candidate pairs.",
							&blocking_threshold,
							1, 1, BLOCKKEYS_MAX_KEYS,
							PGC_USERSET, 0,
							NULL, NULL, NULL);
}

/* ---------------------------------------------------------------------
 * Rule parts: "transform(field)"
 * ---------------------------------------------------------------------
 */

static bool
is_ident_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool
is_ident_char(char c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9');
}

/*
 * Parse one part; raises a descriptive error naming the part (a rule
 * definition, never a record value).
 */
static void
parse_part(const char *s, BlockPart *part)
{
	const char *p = s;
	const char *name;
	int			namelen,
				fieldlen = 0,
				i;

	while (*p == ' ')
		p++;
	name = p;
	while (is_ident_char(*p))
		p++;
	namelen = p - name;
	while (*p == ' ')
		p++;
	if (namelen == 0 || *p != '(')
		ereport(ERROR,
				errcode(ERRCODE_SYNTAX_ERROR),
				errmsg("malformed blocking rule part \"%s\"", s),
				errdetail("A part is a transform applied to a field, written transform(field)."),
				errhint("For example date(birth_date) or postcode(postcode)."));
	p++;
	while (*p == ' ')
		p++;
	if (!is_ident_start(*p))
		ereport(ERROR,
				errcode(ERRCODE_SYNTAX_ERROR),
				errmsg("malformed blocking rule part \"%s\"", s),
				errdetail("The field name must start with a letter or underscore."),
				errhint("For example date(birth_date) or postcode(postcode)."));
	while (is_ident_char(*p))
	{
		if (fieldlen >= NAMEDATALEN - 1)
			ereport(ERROR,
					errcode(ERRCODE_NAME_TOO_LONG),
					errmsg("field name in blocking rule part \"%s\" is too long", s),
					errdetail("Field names have at most %d characters.", NAMEDATALEN - 1));
		/* Unquoted SQL identifiers fold to lower case; so do these. */
		part->field[fieldlen++] = pg_ascii_tolower(*p);
		p++;
	}
	part->field[fieldlen] = '\0';
	while (*p == ' ')
		p++;
	if (*p != ')')
		ereport(ERROR,
				errcode(ERRCODE_SYNTAX_ERROR),
				errmsg("malformed blocking rule part \"%s\"", s),
				errdetail("Expected \")\" after the field name."),
				errhint("For example date(birth_date) or postcode(postcode)."));
	p++;
	while (*p == ' ')
		p++;
	if (*p != '\0')
		ereport(ERROR,
				errcode(ERRCODE_SYNTAX_ERROR),
				errmsg("malformed blocking rule part \"%s\"", s),
				errdetail("Unexpected characters after \")\"."),
				errhint("For example date(birth_date) or postcode(postcode)."));

	for (i = 0; i < (int) lengthof(transforms); i++)
		if ((int) strlen(transforms[i].name) == namelen &&
			pg_strncasecmp(transforms[i].name, name, namelen) == 0)
		{
			part->transform = i;
			part->attnum = InvalidAttrNumber;
			return;
		}
	ereport(ERROR,
			errcode(ERRCODE_UNDEFINED_FUNCTION),
			errmsg("unknown blocking transform \"%.*s\" in rule part \"%s\"", namelen, name, s),
			errhint("The transforms are: " TRANSFORM_NAMES "."));
}

/* Parse a rule's parts array into rule->parts; raises on any problem. */
static void
parse_parts(ArrayType *arr, BlockRule *rule)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n,
				i;
	StringInfoData spec;

	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				errmsg("blocking rule parts must be a one-dimensional array"),
				errhint("Write the parts as ARRAY['date(birth_date)', 'sex(sex)']."));
	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	if (n == 0)
		ereport(ERROR,
				errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				errmsg("a blocking rule needs at least one part"),
				errhint("Write the parts as ARRAY['date(birth_date)', 'sex(sex)']."));
	if (n > BLOCKING_MAX_PARTS)
		ereport(ERROR,
				errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				errmsg("a blocking rule has at most %d parts", BLOCKING_MAX_PARTS),
				errdetail("This rule has %d parts.", n),
				errhint("Split the rule in two, or drop a part."));
	initStringInfo(&spec);
	for (i = 0; i < n; i++)
	{
		char	   *s;

		if (nulls[i])
			ereport(ERROR,
					errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					errmsg("blocking rule part %d is null", i + 1),
					errhint("Remove the null element from the parts array."));
		s = TextDatumGetCString(elems[i]);
		parse_part(s, &rule->parts[i]);
		if (i > 0)
			appendStringInfoString(&spec, ", ");
		appendStringInfoString(&spec, s);
		pfree(s);
	}
	rule->nparts = n;
	rule->parts_text = spec.data;
}

/*
 * The head of a rule's hash input, the same for every record: built once
 * per model instead of once per key.
 */
static void
build_prefix(BlockRule *rule)
{
	StringInfoData head;
	int			i;

	initStringInfo(&head);
	appendStringInfoChar(&head, (char) rule->rule_id);
	for (i = 0; i < rule->nparts; i++)
	{
		if (i > 0)
			appendStringInfoChar(&head, ',');
		appendStringInfoString(&head, transforms[rule->parts[i].transform].name);
	}
	appendStringInfoChar(&head, '\0');
	rule->prefix = head.data;
	rule->prefix_len = head.len;
}

/* blocking_rule_parts_valid(text[]) returns true, or raises what is wrong. */
PG_FUNCTION_INFO_V1(blocking_rule_parts_valid);
Datum
blocking_rule_parts_valid(PG_FUNCTION_ARGS)
{
	BlockRule	rule;

	parse_parts(PG_GETARG_ARRAYTYPE_P(0), &rule);
	PG_RETURN_BOOL(true);
}

/* ---------------------------------------------------------------------
 * Loading a model
 * ---------------------------------------------------------------------
 */

static int
uint64_cmp(const void *a, const void *b)
{
	uint64		x = *(const uint64 *) a;
	uint64		y = *(const uint64 *) b;

	return (x > y) - (x < y);
}

static void
load_model(BlockModel *m, text *model)
{
	MemoryContext old;
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1];
	uint64		i;
	int			ret;

	MemoryContextReset(m->mcxt);
	m->tuptype = InvalidOid;
	m->tupdesc = NULL;
	args[0] = PointerGetDatum(model);

	if ((ret = SPI_connect()) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed: %s", SPI_result_code_string(ret));

	ret = SPI_execute_with_args("SELECT rule_id::pg_catalog.int4, name, parts "
								"FROM pseudolink.blocking_rule "
								"WHERE model OPERATOR(pg_catalog.=) $1 AND enabled "
								"ORDER BY rule_id",
								1, argtypes, args, NULL, true, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "reading blocking rules failed: %s", SPI_result_code_string(ret));

	old = MemoryContextSwitchTo(m->mcxt);
	m->model = text_to_cstring(model);
	m->nrules = (int) SPI_processed;
	m->rules = palloc0(sizeof(BlockRule) * Max(m->nrules, 1));
	m->keys = palloc(sizeof(uint64) * Max(m->nrules, 1));
	initStringInfo(&m->input);
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		BlockRule  *rule = &m->rules[i];

		rule->rule_id = DatumGetInt32(SPI_getbinval(tup, desc, 1, &isnull));
		rule->name = TextDatumGetCString(SPI_getbinval(tup, desc, 2, &isnull));
		parse_parts(DatumGetArrayTypeP(SPI_getbinval(tup, desc, 3, &isnull)), rule);
		build_prefix(rule);
	}
	MemoryContextSwitchTo(old);

	if (m->nrules == 0)
	{
		char	   *name = text_to_cstring(model);

		SPI_finish();
		ereport(ERROR,
				errcode(ERRCODE_UNDEFINED_OBJECT),
				errmsg("blocking model \"%s\" has no enabled rules", name),
				errhint("Add rules to pseudolink.blocking_rule, for the Dutch set with "
						"SELECT pseudolink.add_dutch_blocking_rules('%s').", name));
	}

	ret = SPI_execute_with_args("SELECT key FROM pseudolink.blocking_stop_key "
								"WHERE model OPERATOR(pg_catalog.=) $1",
								1, argtypes, args, NULL, true, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "reading blocking stop keys failed: %s", SPI_result_code_string(ret));
	old = MemoryContextSwitchTo(m->mcxt);
	m->nstop = (int) SPI_processed;
	m->stop = palloc(sizeof(uint64) * Max(m->nstop, 1));
	for (i = 0; i < SPI_processed; i++)
	{
		bool		isnull;

		m->stop[i] = (uint64) DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i],
														  SPI_tuptable->tupdesc, 1, &isnull));
	}
	qsort(m->stop, m->nstop, sizeof(uint64), uint64_cmp);
	MemoryContextSwitchTo(old);

	SPI_finish();

	m->lxid = MyProc->lxid;
	m->cid = GetCurrentCommandId(false);
}

/* Resolve every part's field against the record's type. */
static void
resolve_fields(BlockModel *m, Oid tuptype, int32 tuptypmod)
{
	TupleDesc	desc = lookup_rowtype_tupdesc(tuptype, tuptypmod);
	MemoryContext old = MemoryContextSwitchTo(m->mcxt);
	int			r,
				i,
				a;

	m->tupdesc = CreateTupleDescCopy(desc);
	ReleaseTupleDesc(desc);
	for (r = 0; r < m->nrules; r++)
	{
		BlockRule  *rule = &m->rules[r];

		for (i = 0; i < rule->nparts; i++)
		{
			BlockPart  *part = &rule->parts[i];
			Oid			type = InvalidOid;

			part->attnum = InvalidAttrNumber;
			for (a = 0; a < m->tupdesc->natts; a++)
			{
				Form_pg_attribute att = TupleDescAttr(m->tupdesc, a);

				if (!att->attisdropped && strcmp(NameStr(att->attname), part->field) == 0)
				{
					part->attnum = a + 1;
					type = getBaseType(att->atttypid);
					break;
				}
			}
			if (part->attnum == InvalidAttrNumber)
				ereport(ERROR,
						errcode(ERRCODE_UNDEFINED_COLUMN),
						errmsg("record has no field \"%s\", used by blocking rule \"%s\" of model \"%s\"",
							   part->field, rule->name, m->model),
						errhint("Pass a record with that field, e.g. by selecting the column AS %s.",
								part->field));
			part->basetype = type;
			switch (type)
			{
				case TEXTOID:
				case VARCHAROID:
				case BPCHAROID:
					part->kind = FK_TEXT;
					break;
				case INT2OID:
				case INT4OID:
				case INT8OID:
					part->kind = FK_INT;
					break;
				case DATEOID:
					part->kind = FK_DATE;
					break;
				case TIMESTAMPOID:
					part->kind = FK_TIMESTAMP;
					break;
				default:
					part->kind = FK_OTHER;
			}
			if (type == TIMESTAMPTZOID ||
				(transforms[part->transform].needs_date &&
				 (part->kind == FK_INT || part->kind == FK_OTHER)))
				ereport(ERROR,
						errcode(ERRCODE_DATATYPE_MISMATCH),
						errmsg("field \"%s\" of type %s cannot be read by blocking transform %s",
							   part->field, format_type_be(type), transforms[part->transform].name),
						errdetail("Date transforms read date, timestamp or text fields; "
								  "timestamp with time zone depends on the session time zone."),
						errhint("Pass the field as a date, e.g. %s::date.", part->field));
			if (part->kind == FK_OTHER)
			{
				Oid			outfn;
				bool		isvarlena;

				getTypeOutputInfo(type, &outfn, &isvarlena);
				fmgr_info_cxt(outfn, &part->outfunc, m->mcxt);
			}
		}
	}
	m->values = palloc(sizeof(Datum) * Max(m->tupdesc->natts, 1));
	m->nulls = palloc(sizeof(bool) * Max(m->tupdesc->natts, 1));
	m->fields = palloc0(sizeof(FieldValue) * Max(m->tupdesc->natts, 1));
	m->tuptype = tuptype;
	m->tuptypmod = tuptypmod;
	MemoryContextSwitchTo(old);
}

static BlockModel *
get_model(FunctionCallInfo fcinfo, text *model, HeapTupleHeader rec)
{
	BlockModel *m = (BlockModel *) fcinfo->flinfo->fn_extra;
	Oid			tuptype = HeapTupleHeaderGetTypeId(rec);
	int32		tuptypmod = HeapTupleHeaderGetTypMod(rec);

	if (m == NULL)
	{
		m = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(BlockModel));
		m->mcxt = AllocSetContextCreate(fcinfo->flinfo->fn_mcxt, "pseudolink blocking model",
										ALLOCSET_SMALL_SIZES);
		fcinfo->flinfo->fn_extra = m;
	}
	/*
	 * Reload when the model differs, or when an earlier command of this
	 * transaction may have changed the rules (a PL/pgSQL loop keeps its
	 * expression state across statements).
	 */
	if (m->model == NULL ||
		m->lxid != MyProc->lxid || m->cid != GetCurrentCommandId(false) ||
		strlen(m->model) != VARSIZE_ANY_EXHDR(model) ||
		memcmp(m->model, VARDATA_ANY(model), VARSIZE_ANY_EXHDR(model)) != 0)
		load_model(m, model);
	if (m->tupdesc == NULL || m->tuptype != tuptype || m->tuptypmod != tuptypmod)
		resolve_fields(m, tuptype, tuptypmod);
	return m;
}

/* ---------------------------------------------------------------------
 * Normalisation
 * ---------------------------------------------------------------------
 */

static bool
valid_ymd(int y, int m, int d)
{
	return y >= 1 && y <= 9999 && m >= 1 && m <= 12 &&
		d >= 1 && d <= day_tab[isleap(y) ? 1 : 0][m - 1];
}

/*
 * Read a date written YYYY-MM-DD or DD-MM-YYYY (the NHR form), with "-",
 * "/" or "." between the parts; anything else is no date.
 */
static bool
parse_text_date(const char *s, int len, int *y, int *m, int *d)
{
	int			groups[3] = {0, 0, 0},
				digits[3] = {0, 0, 0},
				g = 0,
				i = 0;

	while (i < len && s[i] == ' ')
		i++;
	while (len > i && s[len - 1] == ' ')
		len--;
	for (; i < len; i++)
	{
		char		c = s[i];

		if (c >= '0' && c <= '9')
		{
			if (++digits[g] > 4)
				return false;
			groups[g] = groups[g] * 10 + (c - '0');
		}
		else if ((c == '-' || c == '/' || c == '.') && g < 2 && digits[g] > 0)
			g++;
		else
			return false;
	}
	if (g != 2 || digits[2] == 0)
		return false;
	if (digits[0] == 4 && digits[1] <= 2 && digits[2] <= 2)
	{
		*y = groups[0];
		*m = groups[1];
		*d = groups[2];
	}
	else if (digits[2] == 4 && digits[0] <= 2 && digits[1] <= 2)
	{
		*d = groups[0];
		*m = groups[1];
		*y = groups[2];
	}
	else
		return false;
	return valid_ymd(*y, *m, *d);
}

/*
 * "YYYY-MM-DD" into out (at least 16 bytes), as "%04d-%02d-%02d" writes
 * it; returns the length.  By hand: snprintf took a quarter of the time of
 * blocking_keys() over a register.
 */
static int
write_ymd(char *out, int y, int m, int d)
{
	if (y < 0 || y > 9999 || m < 0 || m > 99 || d < 0 || d > 99)
		return snprintf(out, 16, "%04d-%02d-%02d", y, m, d);
	out[0] = '0' + y / 1000;
	out[1] = '0' + y / 100 % 10;
	out[2] = '0' + y / 10 % 10;
	out[3] = '0' + y % 10;
	out[4] = '-';
	out[5] = '0' + m / 10;
	out[6] = '0' + m % 10;
	out[7] = '-';
	out[8] = '0' + d / 10;
	out[9] = '0' + d % 10;
	return 10;
}

static void
read_field(BlockModel *m, BlockPart *part, FieldValue *v)
{
	Datum		d = m->values[part->attnum - 1];

	v->isnull = m->nulls[part->attnum - 1];
	v->has_date = false;
	v->date_tried = false;
	if (v->isnull)
		return;
	switch (part->kind)
	{
		case FK_TEXT:
			{
				text	   *t = DatumGetTextPP(d);

				v->str = VARDATA_ANY(t);
				v->len = VARSIZE_ANY_EXHDR(t);
				break;
			}
		case FK_INT:
			if (part->basetype == INT2OID)
				v->ival = DatumGetInt16(d);
			else if (part->basetype == INT4OID)
				v->ival = DatumGetInt32(d);
			else
				v->ival = DatumGetInt64(d);
			v->len = pg_lltoa(v->ival, v->numbuf);
			v->str = v->numbuf;
			break;
		case FK_DATE:
			{
				DateADT		date = DatumGetDateADT(d);

				if (!DATE_NOT_FINITE(date))
				{
					j2date(date + POSTGRES_EPOCH_JDATE, &v->y, &v->m, &v->d);
					v->has_date = valid_ymd(v->y, v->m, v->d);
				}
				v->len = v->has_date ? write_ymd(v->numbuf, v->y, v->m, v->d) : 0;
				v->str = v->numbuf;
				break;
			}
		case FK_TIMESTAMP:
			{
				Timestamp	ts = DatumGetTimestamp(d);
				struct pg_tm tm;
				fsec_t		fsec;

				if (!TIMESTAMP_NOT_FINITE(ts) &&
					timestamp2tm(ts, NULL, &tm, &fsec, NULL, NULL) == 0)
				{
					v->y = tm.tm_year;
					v->m = tm.tm_mon;
					v->d = tm.tm_mday;
					v->has_date = valid_ymd(v->y, v->m, v->d);
				}
				v->len = v->has_date ? write_ymd(v->numbuf, v->y, v->m, v->d) : 0;
				v->str = v->numbuf;
				break;
			}
		case FK_OTHER:
			v->str = OutputFunctionCall(&part->outfunc, d);
			v->len = strlen(v->str);
			break;
	}
}

/*
 * The value of a part's field in the current record, read the first time a
 * part asks for it; a text field is read as a date the first time a date
 * transform asks.
 */
static FieldValue *
get_field(BlockModel *m, BlockPart *part)
{
	FieldValue *v = &m->fields[part->attnum - 1];

	if (!v->read)
	{
		read_field(m, part, v);
		v->read = true;
	}
	if (part->kind == FK_TEXT && transforms[part->transform].needs_date &&
		!v->isnull && !v->date_tried)
	{
		v->has_date = parse_text_date(v->str, v->len, &v->y, &v->m, &v->d);
		v->date_tried = true;
	}
	return v;
}

/* Makes tuple the current record: deformed once, no field read yet. */
static void
begin_record(BlockModel *m, HeapTuple tuple)
{
	int			a;

	heap_deform_tuple(tuple, m->tupdesc, m->values, m->nulls);
	for (a = 0; a < m->tupdesc->natts; a++)
		m->fields[a].read = false;
}

/* Copy s without blanks, upper-cased, into out (at most max characters). */
static int
squeeze_upper(const char *s, int len, char *out, int max)
{
	int			n = 0,
				i;

	for (i = 0; i < len; i++)
	{
		char		c = s[i];

		if (c == ' ' || c == '\t')
			continue;
		if (n == max)
			return -1;
		out[n++] = pg_ascii_toupper(c);
	}
	return n;
}

/* "1234 ab" -> "1234AB"; false for anything that is not a Dutch postcode. */
static bool
norm_postcode(const char *s, int len, char *out)
{
	if (squeeze_upper(s, len, out, 6) != 6)
		return false;
	if (out[0] < '1' || out[0] > '9' ||
		out[1] < '0' || out[1] > '9' || out[2] < '0' || out[2] > '9' ||
		out[3] < '0' || out[3] > '9' ||
		out[4] < 'A' || out[4] > 'Z' || out[5] < 'A' || out[5] > 'Z')
		return false;
	/* SA, SD and SS are never used. */
	if (out[4] == 'S' && (out[5] == 'A' || out[5] == 'D' || out[5] == 'S'))
		return false;
	return true;
}

/* The four digits of "1234AB" or of "1234"; false for 0000, -1 and the rest. */
static bool
norm_postcode4(const char *s, int len, char *out)
{
	char		buf[6];
	int			n = squeeze_upper(s, len, buf, 6);

	if (n == 6)
	{
		if (!norm_postcode(buf, 6, buf))
			return false;
	}
	else if (n != 4)
		return false;
	if (buf[0] < '1' || buf[0] > '9' ||
		buf[1] < '0' || buf[1] > '9' || buf[2] < '0' || buf[2] > '9' ||
		buf[3] < '0' || buf[3] > '9')
		return false;
	memcpy(out, buf, 4);
	return true;
}

/* "1"/"M"/"man"/"male" -> '1', "2"/"V"/"F"/"vrouw"/"female" -> '2'; else unknown. */
static bool
norm_sex(const char *s, int len, char *out)
{
	char		buf[8];
	int			n = squeeze_upper(s, len, buf, 7);

	if (n <= 0)
		return false;
	buf[n] = '\0';
	if (strcmp(buf, "1") == 0 || strcmp(buf, "M") == 0 || strcmp(buf, "MAN") == 0 ||
		strcmp(buf, "MALE") == 0)
		*out = '1';
	else if (strcmp(buf, "2") == 0 || strcmp(buf, "V") == 0 || strcmp(buf, "F") == 0 ||
			 strcmp(buf, "VROUW") == 0 || strcmp(buf, "FEMALE") == 0)
		*out = '2';
	else
		return false;
	return true;
}

/* The leading number of "012a" -> "12"; false when there is none or it is 0. */
static int
norm_house_number(const char *s, int len, char *out)
{
	int			i = 0,
				n = 0;

	while (i < len && s[i] == ' ')
		i++;
	while (i < len && s[i] == '0')
		i++;
	while (i < len && s[i] >= '0' && s[i] <= '9')
	{
		if (n == 9)
			return 0;			/* no house number has ten digits */
		out[n++] = s[i++];
	}
	return n;
}

/* Days since 1900-01-01, clamped to 16 bits (1900 to 2079). */
static uint32
day_order(int y, int m, int d)
{
	int			days = date2j(y, m, d) - date2j(1900, 1, 1);

	return (uint32) Max(0, Min(days, 0xFFFF));
}

static int
atoi_n(const char *s, int n)
{
	int			v = 0,
				i;

	for (i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

static int
atoi4(const char *s)
{
	return atoi_n(s, 4);
}

/*
 * "a", " -A", "h" -> "A", "H": upper case, without blanks and the separators
 * "-", "/" and "."; empty when there is no suffix.  -1 when longer than max
 * (no suffix is that long: it is not a suffix).
 */
static int
norm_house_suffix(const char *s, int len, char *out, int max)
{
	int			n = 0,
				i;

	for (i = 0; i < len; i++)
	{
		char		c = s[i];

		if (c == ' ' || c == '\t' || c == '-' || c == '/' || c == '.')
			continue;
		if (n == max)
			return -1;
		out[n++] = pg_ascii_toupper(c);
	}
	return n;
}

/*
 * Append one part's normalised value to the hash input, as a 4-byte little
 * endian length and the bytes, and set *order to a 16-bit number that sorts
 * like the value (see rule_key).  Returns false when the part has no value.
 */
static bool
append_part(StringInfo input, BlockPart *part, FieldValue *v, bool probe, uint32 *order)
{
	char		buf[16];
	int			len = 0;
	int			lenpos;
	uint32		ulen;

	if (v->isnull)
	{
		/*
		 * Most dwellings have no suffix: a missing suffix is the empty one,
		 * so that a house without one still has its key.
		 */
		if (transforms[part->transform].transform != BT_HOUSE_SUFFIX)
			return false;
		v->str = "";
		v->len = 0;
	}
	switch (transforms[part->transform].transform)
	{
		case BT_DATE:
			if (!v->has_date)
				return false;
			len = write_ymd(buf, v->y, v->m, v->d);
			*order = day_order(v->y, v->m, v->d);
			break;
		case BT_YEAR:
			if (!v->has_date)
				return false;
			/* the year of "YYYY-MM-DD" */
			len = write_ymd(buf, v->y, v->m, v->d) - 6;
			*order = day_order(v->y, 1, 1);
			break;
		case BT_MONTH_DAY:
			if (!v->has_date)
				return false;
			/* the "MM-DD" of "YYYY-MM-DD" */
			write_ymd(buf, v->y, v->m, v->d);
			memmove(buf, buf + 5, 5);
			len = 5;
			*order = (v->m - 1) * 31 + (v->d - 1);
			break;
		case BT_DAY_MONTH_SWAPPED:

			/*
			 * Only dates whose day could be a month have a swapped twin; the
			 * probe side swaps, the indexed side keeps the date, so a probe
			 * whose day and month were exchanged meets its true record, and
			 * an unswapped pair does not share this key as well as the date
			 * key.
			 */
			if (!v->has_date || v->d > 12 || v->d == v->m)
				return false;
			if (probe)
			{
				len = write_ymd(buf, v->y, v->d, v->m);
				*order = day_order(v->y, v->d, v->m);
			}
			else
			{
				len = write_ymd(buf, v->y, v->m, v->d);
				*order = day_order(v->y, v->m, v->d);
			}
			break;
		case BT_POSTCODE:
			if (!norm_postcode(v->str, v->len, buf))
				return false;
			len = 6;
			/* the four digits, then the first letter in five bands */
			*order = atoi4(buf) * 6 + (buf[4] - 'A') / 5;
			break;
		case BT_POSTCODE4:
			if (!norm_postcode4(v->str, v->len, buf))
				return false;
			len = 4;
			*order = atoi4(buf) * 6;
			break;
		case BT_SEX:
			if (!norm_sex(v->str, v->len, buf))
				return false;
			len = 1;
			*order = buf[0] - '0';
			break;
		case BT_HOUSE_NUMBER:
			if ((len = norm_house_number(v->str, v->len, buf)) == 0)
				return false;
			*order = len > 5 ? 0xFFFF : Min(atoi_n(buf, len), 0xFFFF);
			break;
		case BT_HOUSE_SUFFIX:
			if ((len = norm_house_suffix(v->str, v->len, buf, sizeof(buf))) < 0)
				return false;
			*order = len == 0 ? 0 : ((uint32) (unsigned char) buf[0] << 8) |
				(len > 1 ? (unsigned char) buf[1] : 0);
			break;
		case BT_TEXT:
			{
				int			i = 0,
							n = v->len;
				bool		space = false;

				/* trim, collapse inner blanks to one space, ASCII upper case */
				while (i < n && isspace((unsigned char) v->str[i]))
					i++;
				while (n > i && isspace((unsigned char) v->str[n - 1]))
					n--;
				if (i == n)
					return false;
				lenpos = input->len;
				appendBinaryStringInfo(input, "\0\0\0\0", 4);
				for (; i < n; i++)
				{
					char		c = v->str[i];

					if (isspace((unsigned char) c))
						space = true;
					else
					{
						if (space)
							appendStringInfoChar(input, ' ');
						space = false;
						appendStringInfoChar(input, pg_ascii_toupper(c));
					}
				}
				ulen = input->len - lenpos - 4;
				/* the first two characters, as a big-endian number */
				*order = ((uint32) (unsigned char) input->data[lenpos + 4] << 8) |
					(ulen > 1 ? (unsigned char) input->data[lenpos + 5] : 0);
				input->data[lenpos] = ulen & 0xFF;
				input->data[lenpos + 1] = (ulen >> 8) & 0xFF;
				input->data[lenpos + 2] = (ulen >> 16) & 0xFF;
				input->data[lenpos + 3] = (ulen >> 24) & 0xFF;
				return true;
			}
	}
	{
		/* the length and the value in one append */
		char		lv[4 + sizeof(buf)];

		ulen = (uint32) len;
		lv[0] = ulen & 0xFF;
		lv[1] = (ulen >> 8) & 0xFF;
		lv[2] = (ulen >> 16) & 0xFF;
		lv[3] = (ulen >> 24) & 0xFF;
		memcpy(lv + 4, buf, len);
		appendBinaryStringInfo(input, lv, 4 + len);
	}
	return true;
}

typedef enum RuleOutcome
{
	RULE_KEY,
	RULE_NO_VALUE,
	RULE_STOPPED
} RuleOutcome;

/*
 * Make one rule's key for a record.  On RULE_NO_VALUE *failed_part is the
 * index of the first part without a value.
 */
static RuleOutcome
rule_key(BlockModel *m, BlockRule *rule, bool probe,
		 uint64 *key, int *failed_part)
{
	StringInfo	input = &m->input;
	unsigned char hash[crypto_shorthash_BYTES];
	uint64		h = 0;
	uint32		order = 0;
	int			i;

	resetStringInfo(input);
	appendBinaryStringInfo(input, rule->prefix, rule->prefix_len);
	for (i = 0; i < rule->nparts; i++)
	{
		/* a copy: append_part may set a missing suffix to the empty one */
		FieldValue	v = *get_field(m, &rule->parts[i]);
		uint32		part_order = 0;

		if (!append_part(input, &rule->parts[i], &v, probe, &part_order))
		{
			*failed_part = i;
			return RULE_NO_VALUE;
		}
		if (i == 0)
			order = part_order;
	}
	crypto_shorthash(hash, (const unsigned char *) input->data, input->len, blocking_hash_key);
	for (i = crypto_shorthash_BYTES - 1; i >= 0; i--)
		h = (h << 8) | hash[i];
	*key = ((uint64) rule->rule_id << BLOCKKEY_RULE_SHIFT) |
		((uint64) order << BLOCKKEY_ORDER_SHIFT) |
		(h & BLOCKKEY_HASH_MASK);
	if (m->nstop > 0 &&
		bsearch(key, m->stop, m->nstop, sizeof(uint64), uint64_cmp) != NULL)
		return RULE_STOPPED;
	return RULE_KEY;
}

static void
record_as_tuple(HeapTupleHeader rec, HeapTuple tuple)
{
	tuple->t_len = HeapTupleHeaderGetDatumLength(rec);
	ItemPointerSetInvalid(&tuple->t_self);
	tuple->t_tableOid = InvalidOid;
	tuple->t_data = rec;
}

/*
 * blocking_keys(model, record, probe) returns the record's blocking keys
 * under the model's enabled rules.  probe = true builds the keys a record
 * searches with (day_month_swapped swaps), false the keys it is found by.
 * STABLE: it reads the rule and stop-key tables.
 */
PG_FUNCTION_INFO_V1(blocking_keys);
Datum
blocking_keys(PG_FUNCTION_ARGS)
{
	text	   *model = PG_GETARG_TEXT_PP(0);
	HeapTupleHeader rec = PG_GETARG_HEAPTUPLEHEADER(1);
	bool		probe = PG_GETARG_BOOL(2);
	BlockModel *m = get_model(fcinfo, model, rec);
	HeapTupleData tuple;
	int			r,
				n = 0;

	record_as_tuple(rec, &tuple);
	begin_record(m, &tuple);
	for (r = 0; r < m->nrules; r++)
	{
		int			failed;

		if (rule_key(m, &m->rules[r], probe, &m->keys[n], &failed) == RULE_KEY)
			n++;
	}
	PG_RETURN_POINTER(blockkeys_build(m->keys, n));
}

/*
 * blocking_explain(model, record, probe) returns one row per enabled rule:
 * its normalised values, its key, and why it has none when it has none.
 * The values are identifiers: the function is for the steward.
 */
PG_FUNCTION_INFO_V1(blocking_explain);
Datum
blocking_explain(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	text	   *model = PG_GETARG_TEXT_PP(0);
	HeapTupleHeader rec = PG_GETARG_HEAPTUPLEHEADER(1);
	bool		probe = PG_GETARG_BOOL(2);
	BlockModel *m;
	HeapTupleData tuple;
	int			r;

	InitMaterializedSRF(fcinfo, 0);
	m = get_model(fcinfo, model, rec);
	record_as_tuple(rec, &tuple);
	begin_record(m, &tuple);
	for (r = 0; r < m->nrules; r++)
	{
		BlockRule  *rule = &m->rules[r];
		Datum		values[6];
		bool		nulls[6] = {false, false, false, false, false, false};
		uint64		key = 0;
		int			failed = -1,
					i;
		RuleOutcome outcome = rule_key(m, rule, probe, &key, &failed);
		StringInfoData norm;

		values[0] = Int32GetDatum(rule->rule_id);
		values[1] = CStringGetTextDatum(rule->name);
		values[2] = CStringGetTextDatum(rule->parts_text);

		/* The normalised values, read back from the hash input. */
		initStringInfo(&norm);
		if (outcome != RULE_NO_VALUE)
		{
			int			pos = 1 + strlen(m->input.data + 1) + 1;

			for (i = 0; i < rule->nparts; i++)
			{
				const unsigned char *lp = (const unsigned char *) m->input.data + pos;
				uint32		len = lp[0] | (lp[1] << 8) | (lp[2] << 16) | ((uint32) lp[3] << 24);

				if (i > 0)
					appendStringInfoString(&norm, " | ");
				appendBinaryStringInfo(&norm, m->input.data + pos + 4, len);
				pos += 4 + len;
			}
			values[3] = CStringGetTextDatum(norm.data);
			values[4] = Int64GetDatum((int64) key);
		}
		else
		{
			nulls[3] = true;
			nulls[4] = true;
		}
		if (outcome == RULE_KEY)
			values[5] = CStringGetTextDatum("key");
		else if (outcome == RULE_STOPPED)
			values[5] = CStringGetTextDatum("stopped: the block is oversized");
		else
		{
			resetStringInfo(&norm);
			appendStringInfo(&norm, "no value for %s(%s)",
							 transforms[rule->parts[failed].transform].name,
							 rule->parts[failed].field);
			values[5] = CStringGetTextDatum(norm.data);
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
