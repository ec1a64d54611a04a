/*
 * normalise.h
 *	  Normalisation of Dutch identifiers (postcode, sex, birth date) for every
 *	  module that compares, blocks or pseudonymises them.
 *
 * Each function returns NULL when the input is valid, and otherwise the rule
 * it breaks as one full sentence (a static string that never contains the
 * input: identifiers stay out of messages and logs).  The *Error functions
 * raise the matching error.
 */
#ifndef PSEUDOLINK_NORMALISE_H
#define PSEUDOLINK_NORMALISE_H

#include "utils/date.h"

/* What a valid postcode field holds. */
typedef enum PostcodeClass
{
	PL_POSTCODE_DUTCH,			/* a Dutch postcode, normalised to 1234AB */
	PL_POSTCODE_ABROAD,			/* NHR code 0000: the person lives abroad */
	PL_POSTCODE_UNKNOWN			/* NHR code -1: unknown */
} PostcodeClass;

/* Normalised sex codes (NHR and CBS): 1 man, 2 woman, -1 unknown. */
#define PL_SEX_MAN		1
#define PL_SEX_WOMAN	2
#define PL_SEX_UNKNOWN	(-1)

/* Birth years accepted, inclusive. */
#define PL_BIRTH_YEAR_MIN	1850
#define PL_BIRTH_YEAR_MAX	2099

/*
 * Postcode: surrounding white space is ignored, letters may be lower case,
 * and any number of spaces may separate digits and letters.  On success out
 * (7 bytes) holds "1234AB" for a Dutch postcode, "0000" for abroad and ""
 * for unknown.
 */
extern const char *PseudolinkNormalisePostcode(const char *in, int len, char *out,
											   PostcodeClass *cls);

/* Sex: 1, 2, -1 (NHR), M, V, F, man, vrouw, ...; see doc/pseudonyms.md. */
extern const char *PseudolinkNormaliseSex(const char *in, int len, int *code);

/* Birth date written DD-MM-YYYY (NHR; D-M-YYYY too) or YYYY-MM-DD (ISO). */
extern const char *PseudolinkNormaliseBirthDate(const char *in, int len, DateADT *date);

/*
 * Any date written as a birth date is (same forms, same years), with the
 * caller's sentences for an empty field and a field of the wrong shape, so
 * that a message names the field it is about.
 */
typedef struct PseudolinkDateMessages
{
	const char *empty;
	const char *shape;
} PseudolinkDateMessages;

extern const char *PseudolinkNormaliseDate(const char *in, int len,
										   const PseudolinkDateMessages *messages,
										   DateADT *date);

/* A birth date held as a date: finite and within the accepted years. */
extern const char *PseudolinkCheckBirthDate(DateADT date);

extern void PseudolinkPostcodeError(const char *problem) pg_attribute_noreturn();
extern void PseudolinkSexError(const char *problem) pg_attribute_noreturn();
extern void PseudolinkBirthDateError(const char *problem) pg_attribute_noreturn();

#endif							/* PSEUDOLINK_NORMALISE_H */
