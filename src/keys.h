/*
 * keys.h
 *	  The root key, key domains and key versions, for every module that needs
 *	  keyed values.
 *
 * A module never sees the root key.  It asks for the 32-byte subkey of a key
 * domain (a name such as "steward" or a project number) at a key version,
 * and uses that subkey with libsodium.  The subkey construction is documented
 * in doc/pseudonyms.md and reproduced by test/kat/pseudonym_reference.py.
 *
 * Subkeys are key material: keep them in memory from sodium_malloc() or
 * zero them with sodium_memzero() when done, also on error paths.  The
 * subkey cache below does both for the common case of a SQL function that
 * derives values for many rows of one query.
 */
#ifndef PSEUDOLINK_KEYS_H
#define PSEUDOLINK_KEYS_H

#include "fmgr.h"

/* Length of the root key and of every domain subkey, in bytes. */
#define PL_KEY_BYTES			32

/* Longest key domain name, in bytes (names are ASCII). */
#define PL_DOMAIN_NAME_MAX		63

/* Name of the built-in domain of the linkage unit's own pseudonyms. */
#define PL_STEWARD_DOMAIN		"steward"

/* Registers the key settings; called once from _PG_init. */
extern void pseudolink_keys_init(void);

/*
 * Raises an error unless name (len bytes, not NUL-terminated) is a valid key
 * domain name.  The error never repeats the name: a caller that swapped its
 * arguments would otherwise put an identifier into the server log.
 */
extern void PseudolinkCheckDomainName(const char *name, int len);

/*
 * The key version of a domain: its current version when requested is 0,
 * otherwise requested itself after checking that the domain has that version
 * and that it is not retired.  Reads the key domain tables with SPI, as the
 * current user; raises an error for an unknown domain or version.
 */
extern int32 PseudolinkDomainVersion(const char *name, int len, int32 requested);

/*
 * Fills subkey (PL_KEY_BYTES) with the subkey of a domain at a resolved key
 * version.  Loads the root key on first use; raises an error when the root
 * key is not configured, cannot be read, or has no key for that version.
 */
extern void PseudolinkDomainSubkey(const char *name, int len, int32 version,
								   unsigned char *subkey);

/*
 * A per-call-site cache of domain subkeys, for functions that compute keyed
 * values row by row: it resolves each (domain, requested version) once per
 * transaction and derives its subkey once, keeps subkeys in guarded memory
 * from sodium_malloc(), and frees (and so zeroes) them when its memory
 * context goes away.  It notices key setting changes (SET by a superuser) and
 * key domain changes made by this backend.
 */
typedef struct PseudolinkSubkeyCache PseudolinkSubkeyCache;

extern PseudolinkSubkeyCache *PseudolinkSubkeyCacheCreate(MemoryContext cxt);

/*
 * The subkey of domain name (len bytes) at requested version (0: current);
 * sets *version to the resolved version when version is not NULL.  The
 * returned pointer stays valid until the next call on the same cache.
 */
extern const unsigned char *PseudolinkSubkeyCacheGet(PseudolinkSubkeyCache *cache,
													 const char *name, int len,
													 int32 requested,
													 int32 *version);

/* The cache of a function's call site, kept in its fn_extra. */
extern PseudolinkSubkeyCache *PseudolinkSubkeyCacheForCall(FunctionCallInfo fcinfo);

#endif							/* PSEUDOLINK_KEYS_H */
