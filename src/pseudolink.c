/*
 * pseudolink.c
 *	  Module entry point: the module magic block and _PG_init.
 *
 * Everything that must happen once per backend when the shared library is
 * loaded lives here, and only that: libsodium must be initialised before any
 * other module calls into it, and each module registers its settings through
 * the *_init() hooks declared in pseudolink.h.  Loading works the same way
 * whether the library is named in shared_preload_libraries or loaded on
 * first use of one of its functions.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/guc.h"

#include <sodium.h>

#include "blocking.h"
#include "keys.h"
#include "pseudolink.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

void
_PG_init(void)
{
	/*
	 * sodium_init() is idempotent and thread safe; it returns -1 only when
	 * the library cannot work at all (no entropy source), and then no
	 * function of this extension may run.
	 */
	if (sodium_init() < 0)
		ereport(ERROR,
				errcode(ERRCODE_SYSTEM_ERROR),
				errmsg("pseudolink could not initialise libsodium"),
				errhint("Check that the server can read /dev/urandom."));

	pseudolink_keys_init();
	blocking_init();

	/*
	 * Last, after every module has defined its settings: from here on an
	 * unknown pseudolink.* setting is an error, not a silent placeholder
	 * (a misspelt pseudolink.key_file must not go unnoticed).
	 */
	MarkGUCPrefixReserved("pseudolink");
}

/* library_version() returns the version of the loaded shared library. */
PG_FUNCTION_INFO_V1(pseudolink_library_version);
Datum
pseudolink_library_version(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(PSEUDOLINK_VERSION));
}
