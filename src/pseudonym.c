/*
 * pseudonym.c
 *	  The pseudonym type and the functions that make pseudonyms:
 *	  pseudonymise(), derive() and person_key().
 *
 * A pseudonym is a kind byte and a 128-bit keyed BLAKE2b value (pseudonym.h).
 * Its text form is the kind letter, the 128 bits in 26 characters of
 * Crockford's base 32 (digits and letters without I, L, O, U), and a check
 * character: 28 characters such as R1XG0...  The check character makes the
 * weighted sum of all 28 symbols zero in GF(32), with weights the powers of
 * x modulo x^5 + x^2 + 1; since x and x + 1 are non-zero there, every
 * single-character error and every transposition of two adjacent (or
 * once-removed) characters changes the sum, so a mistyped pseudonym is
 * refused instead of silently meaning someone else.
 *
 * Every constructor is one libsodium call, crypto_generichash_blake2b with a
 * 16-byte digest keyed with a domain subkey (keys.h), with the input in the
 * 16-byte salt where it fits (one BLAKE2b compression, as libsodium's own
 * crypto_kdf does with its subkey ids) and in the message otherwise; the
 * personalisation separates the constructions.  doc/pseudonyms.md gives
 * the exact bytes; test/kat/pseudonym_reference.py reproduces them.
 *
 * The functions are STABLE, not IMMUTABLE: the key and the domain versions
 * are configuration that may change between statements.
 */
#include "postgres.h"

#include <sodium.h>

#include "access/detoast.h"
#include "common/hashfn.h"
#include "common/unicode_norm.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "port/pg_bswap.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/sortsupport.h"

#include "keys.h"
#include "normalise.h"
#include "pseudonym.h"

static const char base32_alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/* ------------------------------------------------------------------------
 * Constructions
 * ------------------------------------------------------------------------
 */

/*
 * The personalisations, zero-padded to 16 bytes once, not per row: at a few
 * hundred nanoseconds per pseudonym, even a snprintf() shows.
 */
#define PERSONAL(s)	{ s }
static const unsigned char personal_register[16] = PERSONAL("pseudolink/R");
static const unsigned char personal_short_text[16] = PERSONAL("pseudolink/t");
static const unsigned char personal_text[16] = PERSONAL("pseudolink/T");
static const unsigned char personal_self[16] = PERSONAL("pseudolink/S");
static const unsigned char personal_derive_r[16] = PERSONAL("pseudolink/DR");
static const unsigned char personal_derive_s[16] = PERSONAL("pseudolink/DS");
static const unsigned char personal_derive_t[16] = PERSONAL("pseudolink/DT");
static const unsigned char zero_salt[crypto_generichash_blake2b_SALTBYTES];

static inline void
Mac(const unsigned char *subkey, const unsigned char *message, size_t len,
	const unsigned char *salt, const unsigned char *personal, Pseudonym *out, uint8 kind)
{
	crypto_generichash_blake2b_salt_personal(out->mac, PSEUDONYM_MAC_BYTES,
											 message, len,
											 subkey, PL_KEY_BYTES,
											 salt, personal);
	out->kind = kind;
}

void
PseudonymFromInt64(const unsigned char *subkey, int64 value, Pseudonym *out)
{
	unsigned char salt[crypto_generichash_blake2b_SALTBYTES] = {0};
	uint64		v = (uint64) value;
	int			i;

	for (i = 0; i < 8; i++)
		salt[i] = (v >> (8 * i)) & 0xff;
	Mac(subkey, NULL, 0, salt, personal_register, out, PSEUDONYM_KIND_REGISTER);
}

/*
 * Text of up to 16 bytes (most identifiers) goes into the salt, zero-padded
 * (text holds no zero bytes, so the padding is unambiguous): one BLAKE2b
 * compression, as for ids.  Longer text is the message: one compression
 * more per 128 bytes.  The personalisations keep the two forms apart.
 */
void
PseudonymFromText(const unsigned char *subkey, const char *utf8, size_t len, Pseudonym *out)
{
	if (len <= crypto_generichash_blake2b_SALTBYTES)
	{
		unsigned char salt[crypto_generichash_blake2b_SALTBYTES] = {0};

		memcpy(salt, utf8, len);
		Mac(subkey, NULL, 0, salt, personal_short_text, out, PSEUDONYM_KIND_TEXT);
		sodium_memzero(salt, sizeof(salt));
	}
	else
		Mac(subkey, (const unsigned char *) utf8, len, zero_salt, personal_text, out,
			PSEUDONYM_KIND_TEXT);
}

void
PseudonymFromPersonKey(const unsigned char *subkey, const unsigned char *payload, Pseudonym *out)
{
	Mac(subkey, NULL, 0, payload, personal_self, out, PSEUDONYM_KIND_SELF);
}

void
PseudonymDerive(const unsigned char *subkey, const Pseudonym *in, Pseudonym *out)
{
	const unsigned char *personal;
	Pseudonym	result;

	switch (in->kind)
	{
		case PSEUDONYM_KIND_REGISTER:
			personal = personal_derive_r;
			break;
		case PSEUDONYM_KIND_SELF:
			personal = personal_derive_s;
			break;
		case PSEUDONYM_KIND_TEXT:
			personal = personal_derive_t;
			break;
		default:
			/* pseudonym_in and pseudonym_recv admit no other kind */
			elog(ERROR, "pseudonym of unknown kind %d", in->kind);
	}
	/* in and out may be the same pseudonym */
	Mac(subkey, NULL, 0, in->mac, personal, &result, in->kind);
	*out = result;
}

/* ------------------------------------------------------------------------
 * Text form
 * ------------------------------------------------------------------------
 */

/* Multiplication by x in GF(32) = GF(2)[x] / (x^5 + x^2 + 1). */
static inline uint8
Times2(uint8 r)
{
	return ((r << 1) & 0x1f) ^ ((r & 0x10) ? 0x05 : 0);
}

static int
Base32Value(char c)
{
	if (c >= 'a' && c <= 'z')
		c = c - 'a' + 'A';
	switch (c)
	{
		case 'I':
		case 'L':
		case 'O':
		case 'U':
			return -1;
	}
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'Z')
	{
		const char *p = strchr(base32_alphabet, c);

		return p ? (int) (p - base32_alphabet) : -1;
	}
	return -1;
}

void
PseudonymToText(const Pseudonym *p, char *out)
{
	uint32		acc = 0;
	int			bits = 0;
	int			n = 0;
	int			i;
	uint8		check = 0;

	out[n++] = (char) p->kind;
	for (i = 0; i < PSEUDONYM_MAC_BYTES; i++)
	{
		acc = (acc << 8) | p->mac[i];
		bits += 8;
		while (bits >= 5)
		{
			out[n++] = base32_alphabet[(acc >> (bits - 5)) & 0x1f];
			bits -= 5;
		}
	}
	/* 128 = 25 * 5 + 3: the last character carries 3 bits and 2 zero bits */
	out[n++] = base32_alphabet[(acc << (5 - bits)) & 0x1f];
	for (i = 0; i < n; i++)
		check = Times2(check) ^ (uint8) Base32Value(out[i]);
	out[n++] = base32_alphabet[Times2(check)];
	out[n] = '\0';
	Assert(n == PSEUDONYM_TEXT_LEN);
}

#define PSEUDONYM_SYNTAX_HINT \
	"A pseudonym is 28 characters: R, S or T, 26 characters of 0-9 and A-Z " \
	"without I, L, O and U, and a check character."

static void
PseudonymSyntaxError(const char *detail)
{
	ereport(ERROR,
			errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			errmsg("invalid input syntax for type pseudonym"),
			errdetail("%s", detail),
			errhint(PSEUDONYM_SYNTAX_HINT));
}

/* pseudonym_in(cstring) parses and checks the text form. */
PG_FUNCTION_INFO_V1(pseudolink_pseudonym_in);
Datum
pseudolink_pseudonym_in(PG_FUNCTION_ARGS)
{
	const char *s = PG_GETARG_CSTRING(0);
	size_t		len = strlen(s);
	Pseudonym  *p;
	uint8		values[PSEUDONYM_TEXT_LEN];
	uint8		sum = 0;
	uint32		acc = 0;
	int			bits = 0;
	int			n = 0;
	int			i;
	char		kind;

	if (len != PSEUDONYM_TEXT_LEN)
		PseudonymSyntaxError("A pseudonym has exactly 28 characters.");
	kind = (s[0] >= 'a' && s[0] <= 'z') ? s[0] - 'a' + 'A' : s[0];
	if (kind != PSEUDONYM_KIND_REGISTER && kind != PSEUDONYM_KIND_SELF &&
		kind != PSEUDONYM_KIND_TEXT)
		PseudonymSyntaxError("The first character is the kind of the pseudonym: R, S or T.");
	for (i = 0; i < PSEUDONYM_TEXT_LEN; i++)
	{
		int			v = Base32Value(s[i]);

		if (v < 0)
			ereport(ERROR,
					errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					errmsg("invalid input syntax for type pseudonym"),
					errdetail("Character %d is not one of 0-9 and A-Z without I, L, O and U.",
							  i + 1),
					errhint(PSEUDONYM_SYNTAX_HINT));
		values[i] = (uint8) v;
		sum = Times2(sum) ^ values[i];
	}
	if ((values[PSEUDONYM_TEXT_LEN - 2] & 0x03) != 0)
		ereport(ERROR,
				errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				errmsg("invalid input syntax for type pseudonym"),
				errdetail("Character %d must be one of 0, 4, 8, C, G, M, R and W.",
						  PSEUDONYM_TEXT_LEN - 1),
				errhint(PSEUDONYM_SYNTAX_HINT));
	if (sum != 0)
		ereport(ERROR,
				errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				errmsg("invalid input syntax for type pseudonym"),
				errdetail("The check character does not match: a character is wrong or two are swapped."),
				errhint("Copy the pseudonym again from its source."));

	p = (Pseudonym *) palloc(sizeof(Pseudonym));
	p->kind = (uint8) kind;
	for (i = 1; i < PSEUDONYM_TEXT_LEN - 1; i++)
	{
		acc = (acc << 5) | values[i];
		bits += 5;
		if (bits >= 8)
		{
			p->mac[n++] = (acc >> (bits - 8)) & 0xff;
			bits -= 8;
		}
	}
	Assert(n == PSEUDONYM_MAC_BYTES);
	PG_RETURN_PSEUDONYM_P(p);
}

/* pseudonym_out(pseudonym) returns the 28-character text form. */
PG_FUNCTION_INFO_V1(pseudolink_pseudonym_out);
Datum
pseudolink_pseudonym_out(PG_FUNCTION_ARGS)
{
	Pseudonym  *p = PG_GETARG_PSEUDONYM_P(0);
	char	   *out = palloc(PSEUDONYM_TEXT_LEN + 1);

	PseudonymToText(p, out);
	PG_RETURN_CSTRING(out);
}

static bool
ValidKind(uint8 kind)
{
	return kind == PSEUDONYM_KIND_REGISTER || kind == PSEUDONYM_KIND_SELF ||
		kind == PSEUDONYM_KIND_TEXT;
}

/* pseudonym_recv(internal) reads the binary form: the kind byte, then 16 bytes. */
PG_FUNCTION_INFO_V1(pseudolink_pseudonym_recv);
Datum
pseudolink_pseudonym_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	Pseudonym  *p;

	if (buf->len - buf->cursor != PSEUDONYM_BYTES)
		ereport(ERROR,
				errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				errmsg("invalid binary pseudonym"),
				errdetail("A binary pseudonym has %d bytes.", PSEUDONYM_BYTES));
	p = (Pseudonym *) palloc(sizeof(Pseudonym));
	p->kind = (uint8) pq_getmsgbyte(buf);
	if (!ValidKind(p->kind))
		ereport(ERROR,
				errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				errmsg("invalid binary pseudonym"),
				errdetail("The first byte is the kind of the pseudonym: R, S or T."));
	pq_copymsgbytes(buf, (char *) p->mac, PSEUDONYM_MAC_BYTES);
	PG_RETURN_PSEUDONYM_P(p);
}

/* pseudonym_send(pseudonym) writes the binary form. */
PG_FUNCTION_INFO_V1(pseudolink_pseudonym_send);
Datum
pseudolink_pseudonym_send(PG_FUNCTION_ARGS)
{
	Pseudonym  *p = PG_GETARG_PSEUDONYM_P(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbytes(&buf, (const char *) p, PSEUDONYM_BYTES);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* pseudonym_kind(pseudonym) returns 'R', 'S' or 'T'. */
PG_FUNCTION_INFO_V1(pseudolink_pseudonym_kind);
Datum
pseudolink_pseudonym_kind(PG_FUNCTION_ARGS)
{
	Pseudonym  *p = PG_GETARG_PSEUDONYM_P(0);
	char		kind = (char) p->kind;

	PG_RETURN_TEXT_P(cstring_to_text_with_len(&kind, 1));
}

/* ------------------------------------------------------------------------
 * Comparison, hashing, sorting
 *
 * Pseudonyms order bytewise: by kind, then by value.  The values are
 * uniformly random, so the first 8 bytes make an abbreviated sort key that
 * almost never ties, and there is no point in ever abandoning it.
 * ------------------------------------------------------------------------
 */

static inline int
PseudonymCmp(const Pseudonym *a, const Pseudonym *b)
{
	return memcmp(a, b, PSEUDONYM_BYTES);
}

#define PSEUDONYM_CMP_FUNCTION(name, test) \
PG_FUNCTION_INFO_V1(name); \
Datum \
name(PG_FUNCTION_ARGS) \
{ \
	int			c = PseudonymCmp(PG_GETARG_PSEUDONYM_P(0), PG_GETARG_PSEUDONYM_P(1)); \
	PG_RETURN_BOOL(test); \
}

PSEUDONYM_CMP_FUNCTION(pseudolink_pseudonym_eq, c == 0)
PSEUDONYM_CMP_FUNCTION(pseudolink_pseudonym_ne, c != 0)
PSEUDONYM_CMP_FUNCTION(pseudolink_pseudonym_lt, c < 0)
PSEUDONYM_CMP_FUNCTION(pseudolink_pseudonym_le, c <= 0)
PSEUDONYM_CMP_FUNCTION(pseudolink_pseudonym_gt, c > 0)
PSEUDONYM_CMP_FUNCTION(pseudolink_pseudonym_ge, c >= 0)

/* pseudonym_cmp(a, b) returns -1, 0 or 1 (btree support). */
PG_FUNCTION_INFO_V1(pseudolink_pseudonym_cmp);
Datum
pseudolink_pseudonym_cmp(PG_FUNCTION_ARGS)
{
	int			c = PseudonymCmp(PG_GETARG_PSEUDONYM_P(0), PG_GETARG_PSEUDONYM_P(1));

	PG_RETURN_INT32(c < 0 ? -1 : (c > 0 ? 1 : 0));
}

static int
PseudonymFastCmp(Datum x, Datum y, SortSupport ssup)
{
	return PseudonymCmp(DatumGetPseudonymP(x), DatumGetPseudonymP(y));
}

static Datum
PseudonymAbbrevConvert(Datum original, SortSupport ssup)
{
	Datum		res;

	memcpy(&res, DatumGetPseudonymP(original), sizeof(Datum));
	return DatumBigEndianToNative(res);
}

static bool
PseudonymAbbrevAbort(int memtupcount, SortSupport ssup)
{
	return false;
}

/* pseudonym_sortsupport(internal) installs the sort comparators. */
PG_FUNCTION_INFO_V1(pseudolink_pseudonym_sortsupport);
Datum
pseudolink_pseudonym_sortsupport(PG_FUNCTION_ARGS)
{
	SortSupport ssup = (SortSupport) PG_GETARG_POINTER(0);

	ssup->comparator = PseudonymFastCmp;
	if (ssup->abbreviate)
	{
		ssup->comparator = ssup_datum_unsigned_cmp;
		ssup->abbrev_converter = PseudonymAbbrevConvert;
		ssup->abbrev_abort = PseudonymAbbrevAbort;
		ssup->abbrev_full_comparator = PseudonymFastCmp;
	}
	PG_RETURN_VOID();
}

/* pseudonym_hash(pseudonym) returns a 32-bit hash (hash support). */
PG_FUNCTION_INFO_V1(pseudolink_pseudonym_hash);
Datum
pseudolink_pseudonym_hash(PG_FUNCTION_ARGS)
{
	return hash_any((const unsigned char *) PG_GETARG_PSEUDONYM_P(0), PSEUDONYM_BYTES);
}

/* pseudonym_hash_extended(pseudonym, seed) returns a seeded 64-bit hash. */
PG_FUNCTION_INFO_V1(pseudolink_pseudonym_hash_extended);
Datum
pseudolink_pseudonym_hash_extended(PG_FUNCTION_ARGS)
{
	return hash_any_extended((const unsigned char *) PG_GETARG_PSEUDONYM_P(0),
							 PSEUDONYM_BYTES, PG_GETARG_INT64(1));
}

/* ------------------------------------------------------------------------
 * Making pseudonyms
 * ------------------------------------------------------------------------
 */

static int32
ExplicitVersion(FunctionCallInfo fcinfo, int argno)
{
	int32		version;

	if (PG_NARGS() <= argno)
		return 0;
	version = PG_GETARG_INT32(argno);
	if (version < 1)
		ereport(ERROR,
				errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				errmsg("key version must be a positive integer"));
	return version;
}

static const unsigned char *
SubkeyForCall(FunctionCallInfo fcinfo, text *domain, int32 requested)
{
	return PseudolinkSubkeyCacheGet(PseudolinkSubkeyCacheForCall(fcinfo),
									VARDATA_ANY(domain), VARSIZE_ANY_EXHDR(domain),
									requested, NULL);
}

static void
ValueTooLong(void)
{
	ereport(ERROR,
			errcode(ERRCODE_STRING_DATA_RIGHT_TRUNCATION),
			errmsg("value too long to pseudonymise"),
			errdetail("A value has at most %d bytes in UTF-8.", PSEUDONYM_VALUE_MAX),
			errhint("Pseudonymise an identifier, not a record."));
}

/*
 * Checks a text value before any key work: not empty, not far too long,
 * valid UTF-8 in a SQL_ASCII database.  ASCII needs nothing else.
 */
static bool
CheckTextValue(const char *s, int len)
{
	bool		ascii = true;
	int			i;

	if (len == 0)
		ereport(ERROR,
				errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				errmsg("cannot pseudonymise an empty value"),
				errhint("Pass NULL for a missing value; NULL gives NULL."));
	/* NFC shrinks text by at most a third; conversion to UTF-8 never does. */
	if (len > 4 * PSEUDONYM_VALUE_MAX)
		ValueTooLong();
	for (i = 0; i < len; i++)
	{
		if ((unsigned char) s[i] & 0x80)
		{
			ascii = false;
			break;
		}
	}
	if (!ascii && GetDatabaseEncoding() == PG_SQL_ASCII &&
		!pg_verify_mbstr(PG_UTF8, s, len, true))
		ereport(ERROR,
				errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
				errmsg("value to pseudonymise is not valid UTF-8"),
				errhint("In a SQL_ASCII database, values must be UTF-8."));
	if (ascii && len > PSEUDONYM_VALUE_MAX)
		ValueTooLong();
	return ascii;
}

/*
 * The bytes a non-ASCII text value is hashed as: UTF-8 in Unicode NFC, so
 * that a name typed with a combining accent and one typed with a precomposed
 * letter give the same pseudonym.  Returns a palloc'd copy; the caller zeroes
 * and frees it.
 */
static char *
NormaliseTextValue(const char *s, int len, int *outlen)
{
	char	   *utf8;
	int			ulen;
	pg_wchar   *wide;
	int			n = 0;
	int			p;
	char	   *result;

	if (GetDatabaseEncoding() == PG_UTF8 || GetDatabaseEncoding() == PG_SQL_ASCII)
	{
		utf8 = palloc(len + 1);
		memcpy(utf8, s, len);
		utf8[len] = '\0';
	}
	else
	{
		char	   *converted = pg_server_to_any(s, len, PG_UTF8);

		utf8 = (converted == s) ? pnstrdup(s, len) : converted;
	}
	ulen = strlen(utf8);

	wide = palloc((ulen + 1) * sizeof(pg_wchar));
	for (p = 0; p < ulen; p += pg_utf_mblen((const unsigned char *) utf8 + p))
		wide[n++] = utf8_to_unicode((const unsigned char *) utf8 + p);
	wide[n] = 0;

	if (unicode_is_normalized_quickcheck(UNICODE_NFC, wide) == UNICODE_NORM_QC_YES)
		result = utf8;
	else
	{
		pg_wchar   *nfc = unicode_normalize(UNICODE_NFC, wide);
		int			count = 0;
		char	   *w;

		while (nfc[count] != 0)
			count++;
		result = palloc(4 * count + 1);
		w = result;
		for (p = 0; p < count; p++)
		{
			unicode_to_utf8(nfc[p], (unsigned char *) w);
			w += pg_utf_mblen((const unsigned char *) w);
		}
		*w = '\0';
		sodium_memzero(nfc, count * sizeof(pg_wchar));
		pfree(nfc);
		sodium_memzero(utf8, ulen);
		pfree(utf8);
		ulen = w - result;
	}
	sodium_memzero(wide, n * sizeof(pg_wchar));
	pfree(wide);

	if (ulen > PSEUDONYM_VALUE_MAX)
	{
		sodium_memzero(result, ulen);
		pfree(result);
		ValueTooLong();
	}
	*outlen = ulen;
	return result;
}

/*
 * pseudonymise(domain, value text [, key_version]) returns the T-kind
 * pseudonym of a text value in a key domain.
 */
PG_FUNCTION_INFO_V1(pseudolink_pseudonymise_text);
Datum
pseudolink_pseudonymise_text(PG_FUNCTION_ARGS)
{
	text	   *domain = PG_GETARG_TEXT_PP(0);
	text	   *value;
	int32		requested = ExplicitVersion(fcinfo, 2);
	const char *s;
	int			len;
	bool		ascii;
	const unsigned char *subkey;
	Pseudonym  *out;

	/* refuse a huge value before detoasting it */
	if (toast_raw_datum_size(PG_GETARG_DATUM(1)) > VARHDRSZ + 4 * PSEUDONYM_VALUE_MAX)
		ValueTooLong();
	value = PG_GETARG_TEXT_PP(1);
	s = VARDATA_ANY(value);
	len = VARSIZE_ANY_EXHDR(value);
	ascii = CheckTextValue(s, len);
	subkey = SubkeyForCall(fcinfo, domain, requested);
	out = (Pseudonym *) palloc(sizeof(Pseudonym));
	if (ascii)
		PseudonymFromText(subkey, s, len, out);
	else
	{
		int			nlen;
		char	   *normalised = NormaliseTextValue(s, len, &nlen);

		PseudonymFromText(subkey, normalised, nlen, out);
		sodium_memzero(normalised, nlen);
		pfree(normalised);
	}
	PG_FREE_IF_COPY(value, 1);
	PG_RETURN_PSEUDONYM_P(out);
}

/*
 * pseudonymise(domain, value bigint [, key_version]) returns the R-kind
 * pseudonym of a register person id in a key domain.
 */
PG_FUNCTION_INFO_V1(pseudolink_pseudonymise_int8);
Datum
pseudolink_pseudonymise_int8(PG_FUNCTION_ARGS)
{
	text	   *domain = PG_GETARG_TEXT_PP(0);
	int64		value = PG_GETARG_INT64(1);
	int32		requested = ExplicitVersion(fcinfo, 2);
	const unsigned char *subkey = SubkeyForCall(fcinfo, domain, requested);
	Pseudonym  *out = (Pseudonym *) palloc(sizeof(Pseudonym));

	PseudonymFromInt64(subkey, value, out);
	PG_RETURN_PSEUDONYM_P(out);
}

/*
 * derive(p, domain [, key_version]) returns the pseudonym of p in another
 * key domain, of the same kind; one-way.
 */
PG_FUNCTION_INFO_V1(pseudolink_derive);
Datum
pseudolink_derive(PG_FUNCTION_ARGS)
{
	Pseudonym  *p = PG_GETARG_PSEUDONYM_P(0);
	text	   *domain = PG_GETARG_TEXT_PP(1);
	int32		requested = ExplicitVersion(fcinfo, 2);
	const unsigned char *subkey = SubkeyForCall(fcinfo, domain, requested);
	Pseudonym  *out = (Pseudonym *) palloc(sizeof(Pseudonym));

	PseudonymDerive(subkey, p, out);
	PG_RETURN_PSEUDONYM_P(out);
}

/*
 * person_key(birth_date, sex, postcode) returns the S-kind pseudonym of a
 * person's identifiers in the steward domain, or NULL when they cannot
 * identify anyone (sex or postcode unknown, postcode abroad).
 */
PG_FUNCTION_INFO_V1(pseudolink_person_key);
Datum
pseudolink_person_key(PG_FUNCTION_ARGS)
{
	DateADT		birth_date = PG_GETARG_DATEADT(0);
	text	   *sex = PG_GETARG_TEXT_PP(1);
	text	   *postcode = PG_GETARG_TEXT_PP(2);
	const char *problem;
	int			sex_code;
	char		pc[7];
	PostcodeClass cls;
	int			y,
				m,
				d;
	unsigned char payload[crypto_generichash_blake2b_SALTBYTES];
	const unsigned char *subkey;
	Pseudonym  *out;

	problem = PseudolinkCheckBirthDate(birth_date);
	if (problem != NULL)
		PseudolinkBirthDateError(problem);
	problem = PseudolinkNormaliseSex(VARDATA_ANY(sex), VARSIZE_ANY_EXHDR(sex), &sex_code);
	if (problem != NULL)
		PseudolinkSexError(problem);
	problem = PseudolinkNormalisePostcode(VARDATA_ANY(postcode), VARSIZE_ANY_EXHDR(postcode),
										  pc, &cls);
	if (problem != NULL)
		PseudolinkPostcodeError(problem);
	if (sex_code == PL_SEX_UNKNOWN || cls != PL_POSTCODE_DUTCH)
		PG_RETURN_NULL();

	subkey = PseudolinkSubkeyCacheGet(PseudolinkSubkeyCacheForCall(fcinfo),
									  PL_STEWARD_DOMAIN, strlen(PL_STEWARD_DOMAIN), 0, NULL);

	/* payload: YYYYMMDD, sex digit, postcode 1234AB, one zero byte */
	j2date(birth_date + POSTGRES_EPOCH_JDATE, &y, &m, &d);
	payload[0] = '0' + y / 1000;
	payload[1] = '0' + y / 100 % 10;
	payload[2] = '0' + y / 10 % 10;
	payload[3] = '0' + y % 10;
	payload[4] = '0' + m / 10;
	payload[5] = '0' + m % 10;
	payload[6] = '0' + d / 10;
	payload[7] = '0' + d % 10;
	payload[8] = '0' + sex_code;
	memcpy(payload + 9, pc, 6);
	payload[15] = '\0';
	out = (Pseudonym *) palloc(sizeof(Pseudonym));
	PseudonymFromPersonKey(subkey, payload, out);
	sodium_memzero(payload, sizeof(payload));
	sodium_memzero(pc, sizeof(pc));
	PG_RETURN_PSEUDONYM_P(out);
}
