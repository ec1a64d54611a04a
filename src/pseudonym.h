/*
 * pseudonym.h
 *	  The pseudonym type and the keyed functions that make pseudonyms, for
 *	  every module that stores, compares or derives them.
 *
 * A pseudonym is 17 bytes: a kind byte that says where it came from, then a
 * 128-bit keyed BLAKE2b value.  The kinds follow the person-id types of the
 * statistics office: 'R' for a person of the population register (made from
 * the register's internal person id), 'S' for a record whose person is not
 * known in the register (made from its own identifiers by person_key), and
 * 'T' for any other value (made from text).  derive() keeps the kind, so a
 * project can still tell register persons from the others.
 */
#ifndef PSEUDOLINK_PSEUDONYM_H
#define PSEUDOLINK_PSEUDONYM_H

#include "fmgr.h"

#define PSEUDONYM_MAC_BYTES		16
#define PSEUDONYM_BYTES			(1 + PSEUDONYM_MAC_BYTES)

/* Length of the text form: kind, 26 base-32 characters, check character. */
#define PSEUDONYM_TEXT_LEN		28

#define PSEUDONYM_KIND_REGISTER	'R'
#define PSEUDONYM_KIND_SELF		'S'
#define PSEUDONYM_KIND_TEXT		'T'

/* Longest text value pseudonymise() takes, in bytes of UTF-8 after NFC. */
#define PSEUDONYM_VALUE_MAX		256

typedef struct Pseudonym
{
	uint8		kind;
	uint8		mac[PSEUDONYM_MAC_BYTES];
} Pseudonym;

StaticAssertDecl(sizeof(Pseudonym) == PSEUDONYM_BYTES, "Pseudonym must have no padding");

#define DatumGetPseudonymP(X)		((Pseudonym *) DatumGetPointer(X))
#define PseudonymPGetDatum(X)		PointerGetDatum(X)
#define PG_GETARG_PSEUDONYM_P(n)	DatumGetPseudonymP(PG_GETARG_DATUM(n))
#define PG_RETURN_PSEUDONYM_P(x)	return PseudonymPGetDatum(x)

/*
 * The constructions of doc/pseudonyms.md; subkey is a domain subkey from
 * keys.h.  Each is one keyed BLAKE2b call with a 16-byte digest.
 */
extern void PseudonymFromInt64(const unsigned char *subkey, int64 value, Pseudonym *out);
extern void PseudonymFromText(const unsigned char *subkey, const char *utf8, size_t len,
							  Pseudonym *out);
extern void PseudonymFromPersonKey(const unsigned char *subkey, const unsigned char *payload,
								   Pseudonym *out);
extern void PseudonymDerive(const unsigned char *subkey, const Pseudonym *in, Pseudonym *out);

/* Writes the 28-character text form and a terminating NUL into out. */
extern void PseudonymToText(const Pseudonym *p, char *out);

#endif							/* PSEUDOLINK_PSEUDONYM_H */
