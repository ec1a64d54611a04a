/*
 * keys.c
 *	  The root key, the key domains and their versions, and domain subkeys.
 *
 * Every pseudonym derives from one secret, the root key, which lives outside
 * the database: the server reads it from the file named by
 * pseudolink.key_file or from the output of pseudolink.key_command (a program
 * such as pgsodium's getkey scripts).  Both settings are superuser-only.  The
 * source holds either one key (64 hexadecimal characters) that serves every
 * key version, or one line "<version> <64 hex>" per key version, so that the
 * root key itself can be replaced by a new version while the old one is still
 * needed to map old pseudonyms to new ones.
 *
 * The key is kept in memory from sodium_malloc() (guard pages, locked, not in
 * core dumps), made inaccessible while no subkey is being derived, and freed
 * (which zeroes it) when the process exits.  No SQL function returns it, no
 * message contains it, and no setting shows it.  With shared_preload_libraries
 * the postmaster reads the key once at start and every backend inherits it,
 * so the key file can be removed after start; without it, each backend reads
 * the source on its first use.  A superuser's SET of either setting takes
 * effect at the session's next call: keys are cached by the settings they were
 * read from.
 *
 * Modules derive a 32-byte subkey per key domain (a name) and key version:
 * keyed BLAKE2b of the domain name under the root key of that version, with
 * the version in the salt.  The domains and their versions are rows of
 * pseudolink.key_domain and pseudolink.key_version; this file reads them with
 * SPI and caches the subkeys of a call site in guarded memory.
 */
#include "postgres.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "catalog/pg_type_d.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"

#include "keys.h"

/* Largest key file or key command output read, in bytes. */
#define PL_KEY_SOURCE_MAX		16384

/*
 * Most key lines a source can hold: every key line has at least 64 hex
 * characters and a newline, so the size limit bounds the count.
 */
#define PL_KEY_VERSIONS_MAX		(PL_KEY_SOURCE_MAX / (2 * PL_KEY_BYTES + 1) + 1)

/* Domain subkeys one call site keeps. */
#define PL_SUBKEY_CACHE_SIZE	8

/* The settings (superuser-only; empty when unset). */
static char *key_command = NULL;
static char *key_file = NULL;
static int	key_command_timeout = 30000;	/* milliseconds */

/*
 * Bumped whenever either setting is assigned (SET, RESET, reload, end of a
 * function's SET clause), and whenever this backend changes a key domain:
 * subkey caches compare it to know when to re-derive.  Spurious bumps (a
 * reload that changes nothing) only cost a re-derivation.
 */
static uint64 key_settings_generation = 1;
static uint64 key_domains_generation = 1;

/* One root key of one version; version 0 serves every version. */
typedef struct RootKey
{
	int32		version;
	unsigned char key[PL_KEY_BYTES];
} RootKey;

/* The keys of one source; lives in sodium_malloc() memory. */
typedef struct RootKeySet
{
	int			nkeys;
	RootKey		keys[FLEXIBLE_ARRAY_MEMBER];
} RootKeySet;

/*
 * A loaded key set and the settings it was read from.  The server slot is
 * filled by the postmaster at preload and inherited by every backend; the
 * session slot holds the keys of other settings (a superuser's SET, a changed
 * configuration, or every load when the library is not preloaded).  Keeping
 * the two apart means a RESET after a SET falls back to the preloaded keys
 * without reading the source again, which may be gone by then.
 */
typedef struct KeySlot
{
	RootKeySet *set;			/* NULL when empty; no access while idle */
	int			nkeys;			/* set->nkeys, readable while set is not */
	char	   *command;		/* malloc'd copies of the settings */
	char	   *file;
} KeySlot;

static KeySlot server_slot;
static KeySlot session_slot;
static int	exit_callback_pid = 0;

/* What went wrong while loading a key source (never any key material). */
typedef enum KeyProblem
{
	KP_NONE,
	KP_FILE_OPEN,
	KP_FILE_NOT_REGULAR,
	KP_FILE_OWNER,
	KP_FILE_MODE,
	KP_FILE_READ,
	KP_COMMAND_START,
	KP_COMMAND_READ,
	KP_COMMAND_TIMEOUT,
	KP_COMMAND_INTERRUPTED,
	KP_COMMAND_STATUS,
	KP_TOO_LONG,
	KP_EMPTY,
	KP_SYNTAX,
	KP_BAD_VERSION,
	KP_DUPLICATE,
	KP_MIXED,
	KP_NO_MEMORY
} KeyProblem;

typedef struct KeyLoadResult
{
	KeyProblem	problem;
	bool		from_command;
	int			saved_errno;
	int			line;
	int			status;
} KeyLoadResult;

static void KeySettingAssign(const char *newval, void *extra);
static void PreloadServerKey(void);
static bool LoadSlot(KeySlot *slot, const char *command, const char *file,
					 KeyLoadResult *result);
static void ReleaseSlot(KeySlot *slot);
static KeySlot *CurrentKeySlot(void);
static void ReportKeyProblem(int elevel, const KeyLoadResult *result);

/* ------------------------------------------------------------------------
 * Settings
 * ------------------------------------------------------------------------
 */

void
pseudolink_keys_init(void)
{
	DefineCustomStringVariable("pseudolink.key_command",
							   "Shell command that prints the pseudolink root key.",
							   "The command prints 64 hexadecimal characters, or one line "
							   "\"<version> <64 hexadecimal characters>\" per key version. "
							   "It runs as the server's operating-system user in the data "
							   "directory. Set only one of key_command and key_file.",
							   &key_command,
							   "",
							   PGC_SUSET,
							   GUC_SUPERUSER_ONLY,
							   NULL, KeySettingAssign, NULL);

	DefineCustomStringVariable("pseudolink.key_file",
							   "File that holds the pseudolink root key.",
							   "Same content as the output of pseudolink.key_command; a "
							   "relative path is resolved in the data directory. Only its "
							   "owner may read it (mode 0600, or 0640 when owned by root).",
							   &key_file,
							   "",
							   PGC_SUSET,
							   GUC_SUPERUSER_ONLY,
							   NULL, KeySettingAssign, NULL);

	DefineCustomIntVariable("pseudolink.key_command_timeout",
							"Longest time pseudolink.key_command may run.",
							"A command still running then is killed, and the key is not loaded.",
							&key_command_timeout,
							30000, 100, 3600000,
							PGC_SUSET,
							GUC_UNIT_MS | GUC_SUPERUSER_ONLY,
							NULL, NULL, NULL);

	/*
	 * Preloaded: read the key once in the postmaster, so that every backend
	 * inherits it and the source may disappear after start.  A missing or
	 * bad key must not stop the server (other databases may not use
	 * pseudolink at all): it is logged, and every use raises the error.
	 */
	if (process_shared_preload_libraries_in_progress && !IsUnderPostmaster)
		PreloadServerKey();
}

static void
KeySettingAssign(const char *newval, void *extra)
{
	key_settings_generation++;
}

static const char *
SettingOrEmpty(const char *value)
{
	return value ? value : "";
}

static void
PreloadServerKey(void)
{
	const char *command = SettingOrEmpty(key_command);
	const char *file = SettingOrEmpty(key_file);
	KeyLoadResult result;

	if (*command == '\0' && *file == '\0')
		return;
	if (*command != '\0' && *file != '\0')
	{
		ereport(WARNING,
				errcode(ERRCODE_CONFIG_FILE_ERROR),
				errmsg("pseudolink did not load a root key at server start"),
				errdetail("Both pseudolink.key_command and pseudolink.key_file are set."),
				errhint("Set only one of them."));
		return;
	}
	if (!LoadSlot(&server_slot, command, file, &result))
	{
		ReportKeyProblem(WARNING, &result);
		return;
	}
	ereport(LOG,
			errmsg("pseudolink loaded %d root key version%s at server start",
				   server_slot.nkeys, server_slot.nkeys == 1 ? "" : "s"));
}

/* ------------------------------------------------------------------------
 * Reading a key source
 * ------------------------------------------------------------------------
 */

/*
 * Reads the key file into buf (PL_KEY_SOURCE_MAX + 1 bytes).  The ownership
 * and mode rules are those PostgreSQL applies to ssl_key_file.
 */
static bool
ReadKeyFile(const char *path, unsigned char *buf, size_t *len, KeyLoadResult *result)
{
	struct stat st;
	int			fd;
	size_t		total = 0;

	/*
	 * O_NONBLOCK: opening a named pipe (or a device) to read would otherwise
	 * wait for a writer, unkillable by a cancel, and at server start forever;
	 * such a file is refused below.
	 */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
	{
		result->problem = KP_FILE_OPEN;
		result->saved_errno = errno;
		return false;
	}
	if (fstat(fd, &st) != 0)
	{
		result->problem = KP_FILE_READ;
		result->saved_errno = errno;
		close(fd);
		return false;
	}
	if (!S_ISREG(st.st_mode))
	{
		result->problem = KP_FILE_NOT_REGULAR;
		close(fd);
		return false;
	}
	/* a regular file: read it blocking, whatever its file system makes of the flag */
	(void) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	if (st.st_uid != geteuid() && st.st_uid != 0)
	{
		result->problem = KP_FILE_OWNER;
		close(fd);
		return false;
	}
	if ((st.st_uid == geteuid() && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) ||
		(st.st_uid == 0 && (st.st_mode & (S_IWGRP | S_IXGRP | S_IRWXO)) != 0))
	{
		result->problem = KP_FILE_MODE;
		close(fd);
		return false;
	}
	for (;;)
	{
		ssize_t		n = read(fd, buf + total, PL_KEY_SOURCE_MAX + 1 - total);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
		{
			result->problem = KP_FILE_READ;
			result->saved_errno = errno;
			close(fd);
			return false;
		}
		if (n == 0)
			break;
		total += n;
		if (total > PL_KEY_SOURCE_MAX)
		{
			result->problem = KP_TOO_LONG;
			close(fd);
			return false;
		}
	}
	close(fd);
	*len = total;
	return true;
}

static int
ElapsedMs(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int) ((now.tv_sec - start->tv_sec) * 1000 +
				  (now.tv_nsec - start->tv_nsec) / 1000000);
}

/*
 * Whether the backend was asked to stop what it does: a cancel (also by
 * statement_timeout), a termination, or a lost client.  Other interrupts (a
 * parallel worker's message, a request to log memory use, a barrier) also
 * set InterruptPending, but stopping the key command for them would fail the
 * query for nothing: they stay pending until the next CHECK_FOR_INTERRUPTS().
 * The postmaster, reading the key at start, has no such requests.
 */
static bool
KeyCommandCancelled(void)
{
	return IsUnderPostmaster &&
		(QueryCancelPending || ProcDiePending || ClientConnectionLost);
}

/*
 * Runs the key command through /bin/sh with its standard output in a pipe
 * and reads that into buf.  Not popen(): a command that hangs must be
 * killable, by the timeout or by a query cancel, and popen() gives no pid.
 */
static bool
RunKeyCommand(const char *command, unsigned char *buf, size_t *len, KeyLoadResult *result)
{
	int			pipefd[2];
	pid_t		pid;
	size_t		total = 0;
	bool		ok = true;
	bool		exited = false;
	int			status = -1;
	struct timespec start;

	result->from_command = true;
	if (pipe2(pipefd, O_CLOEXEC) != 0)
	{
		result->problem = KP_COMMAND_START;
		result->saved_errno = errno;
		return false;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0)
	{
		result->problem = KP_COMMAND_START;
		result->saved_errno = errno;
		close(pipefd[0]);
		close(pipefd[1]);
		return false;
	}
	if (pid == 0)
	{
		sigset_t	none;

		/*
		 * The child gets default signal handling: backends ignore SIGPIPE
		 * and may hold signals blocked, and both survive exec().
		 */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		/* own process group, so that a kill reaches what the shell started */
		setpgid(0, 0);
		signal(SIGPIPE, SIG_DFL);
		if (dup2(pipefd[1], STDOUT_FILENO) < 0)
			_exit(127);
		execl("/bin/sh", "sh", "-c", command, (char *) NULL);
		_exit(127);
	}
	setpgid(pid, pid);			/* also here: no race with the kill below */
	close(pipefd[1]);

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;)
	{
		struct pollfd pfd = {.fd = pipefd[0],.events = POLLIN};
		int			rc;
		ssize_t		n;

		if (KeyCommandCancelled())
		{
			result->problem = KP_COMMAND_INTERRUPTED;
			ok = false;
			break;
		}
		if (ElapsedMs(&start) > key_command_timeout)
		{
			result->problem = KP_COMMAND_TIMEOUT;
			ok = false;
			break;
		}
		rc = poll(&pfd, 1, 100);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
		{
			result->problem = KP_COMMAND_READ;
			result->saved_errno = errno;
			ok = false;
			break;
		}
		if (rc == 0)
			continue;

		n = read(pipefd[0], buf + total, PL_KEY_SOURCE_MAX + 1 - total);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
		{
			result->problem = KP_COMMAND_READ;
			result->saved_errno = errno;
			ok = false;
			break;
		}
		if (n == 0)
			break;
		total += n;

		/*
		 * Too long can only be refused: stop the command now rather than let
		 * it run (a command that never stops printing would run until the
		 * timeout and be reported as slow).
		 */
		if (total > PL_KEY_SOURCE_MAX)
		{
			result->problem = KP_TOO_LONG;
			ok = false;
			break;
		}
	}
	close(pipefd[0]);

	/*
	 * The end of the output is not the end of the command: one that closes
	 * its standard output and keeps running is waited for under the same
	 * timeout and cancel as its output was, never in a blocking waitpid().
	 */
	while (ok && !exited)
	{
		pid_t		w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			exited = true;
		else if (w < 0 && errno != EINTR)
		{
			status = -1;
			exited = true;
		}
		else if (KeyCommandCancelled())
		{
			result->problem = KP_COMMAND_INTERRUPTED;
			ok = false;
		}
		else if (ElapsedMs(&start) > key_command_timeout)
		{
			result->problem = KP_COMMAND_TIMEOUT;
			ok = false;
		}
		else
			pg_usleep(10 * 1000L);
	}
	if (!exited)
	{
		/* SIGKILL ends it promptly, so this wait is short */
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0)
		{
			if (errno != EINTR)
				break;
		}
	}
	if (!ok)
		return false;
	if (status != 0)
	{
		result->problem = KP_COMMAND_STATUS;
		result->status = status;
		return false;
	}
	*len = total;
	return true;
}

static bool
IsBlank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Decodes exactly 64 hexadecimal characters; false on anything else. */
static bool
DecodeKeyHex(const unsigned char *hex, size_t len, unsigned char *key)
{
	size_t		binlen = 0;
	const char *end = NULL;

	if (len != 2 * PL_KEY_BYTES)
		return false;
	if (sodium_hex2bin(key, PL_KEY_BYTES, (const char *) hex, len, NULL,
					   &binlen, &end) != 0)
		return false;
	return binlen == PL_KEY_BYTES && end == (const char *) hex + len;
}

/*
 * Parses a key source: blank lines and lines starting with '#' are skipped;
 * a key line is 64 hex characters (one key for every version, then the only
 * key line) or a version (1 .. 2^31-1) and 64 hex characters.  Fills keys
 * (PL_KEY_VERSIONS_MAX entries) and *nkeys.
 */
static bool
ParseKeySource(const unsigned char *buf, size_t len, RootKey *keys, int *nkeys,
			   KeyLoadResult *result)
{
	size_t		pos = 0;
	int			line = 0;
	int			n = 0;
	bool		unversioned = false;

	while (pos < len)
	{
		size_t		eol = pos;
		size_t		a,
					b;
		const unsigned char *tok1;
		size_t		tok1len;
		const unsigned char *tok2 = NULL;
		size_t		tok2len = 0;
		size_t		i;

		while (eol < len && buf[eol] != '\n')
			eol++;
		line++;
		a = pos;
		b = eol;
		pos = eol + 1;
		while (a < b && IsBlank(buf[a]))
			a++;
		while (b > a && IsBlank(buf[b - 1]))
			b--;
		if (a == b || buf[a] == '#')
			continue;

		/* Split into at most two tokens. */
		tok1 = buf + a;
		i = a;
		while (i < b && !IsBlank(buf[i]))
			i++;
		tok1len = i - a;
		while (i < b && IsBlank(buf[i]))
			i++;
		if (i < b)
		{
			tok2 = buf + i;
			while (i < b && !IsBlank(buf[i]))
				i++;
			tok2len = (buf + i) - tok2;
			while (i < b && IsBlank(buf[i]))
				i++;
			if (i < b)
			{
				result->problem = KP_SYNTAX;
				result->line = line;
				return false;
			}
		}

		if (n >= PL_KEY_VERSIONS_MAX)
		{
			/* cannot happen within PL_KEY_SOURCE_MAX; kept as a guard */
			result->problem = KP_TOO_LONG;
			return false;
		}
		if (unversioned || (tok2 == NULL && n > 0))
		{
			result->problem = KP_MIXED;
			result->line = line;
			return false;
		}

		if (tok2 == NULL)
		{
			if (!DecodeKeyHex(tok1, tok1len, keys[n].key))
			{
				result->problem = KP_SYNTAX;
				result->line = line;
				return false;
			}
			keys[n].version = 0;
			unversioned = true;
		}
		else
		{
			int64		version = 0;
			int			k;

			for (i = 0; i < tok1len; i++)
			{
				if (tok1[i] < '0' || tok1[i] > '9' || version > PG_INT32_MAX)
					break;
				version = version * 10 + (tok1[i] - '0');
			}
			if (tok1len == 0 || i < tok1len || version < 1 || version > PG_INT32_MAX)
			{
				result->problem = KP_BAD_VERSION;
				result->line = line;
				return false;
			}
			for (k = 0; k < n; k++)
			{
				if (keys[k].version == (int32) version)
				{
					result->problem = KP_DUPLICATE;
					result->line = line;
					return false;
				}
			}
			if (!DecodeKeyHex(tok2, tok2len, keys[n].key))
			{
				result->problem = KP_SYNTAX;
				result->line = line;
				return false;
			}
			keys[n].version = (int32) version;
		}
		n++;
	}
	if (n == 0)
	{
		result->problem = KP_EMPTY;
		return false;
	}
	*nkeys = n;
	return true;
}

/*
 * Loads the key set of the given settings into slot (which must be empty).
 * Never raises an error: the postmaster calls it too, where an error would
 * stop the server.  Every buffer that held key material is zeroed before
 * return, on success and on failure alike.
 */
static bool
LoadSlot(KeySlot *slot, const char *command, const char *file, KeyLoadResult *result)
{
	unsigned char *buf;
	RootKey    *keys;
	size_t		len = 0;
	int			nkeys = 0;
	bool		ok;
	RootKeySet *set = NULL;
	char	   *command_copy;
	char	   *file_copy;

	memset(result, 0, sizeof(*result));
	Assert(slot->set == NULL);

	buf = sodium_malloc(PL_KEY_SOURCE_MAX + 1);
	keys = sodium_malloc(sizeof(RootKey) * PL_KEY_VERSIONS_MAX);
	command_copy = strdup(command);
	file_copy = strdup(file);
	if (buf == NULL || keys == NULL || command_copy == NULL || file_copy == NULL)
	{
		result->problem = KP_NO_MEMORY;
		ok = false;
	}
	else if (*command != '\0')
		ok = RunKeyCommand(command, buf, &len, result);
	else
		ok = ReadKeyFile(file, buf, &len, result);

	if (ok)
		ok = ParseKeySource(buf, len, keys, &nkeys, result);
	if (ok)
	{
		set = sodium_malloc(offsetof(RootKeySet, keys) + sizeof(RootKey) * nkeys);
		if (set == NULL)
		{
			result->problem = KP_NO_MEMORY;
			ok = false;
		}
		else
		{
			set->nkeys = nkeys;
			memcpy(set->keys, keys, sizeof(RootKey) * nkeys);
			sodium_mprotect_noaccess(set);
		}
	}

	/* sodium_free() zeroes before it unmaps. */
	if (buf != NULL)
		sodium_free(buf);
	if (keys != NULL)
		sodium_free(keys);
	if (!ok)
	{
		free(command_copy);
		free(file_copy);
		return false;
	}
	slot->set = set;
	slot->nkeys = nkeys;
	slot->command = command_copy;
	slot->file = file_copy;
	return true;
}

static void
ReleaseSlot(KeySlot *slot)
{
	if (slot->set != NULL)
		sodium_free(slot->set);
	free(slot->command);
	free(slot->file);
	slot->set = NULL;
	slot->nkeys = 0;
	slot->command = NULL;
	slot->file = NULL;
}

static bool
SlotMatches(const KeySlot *slot, const char *command, const char *file)
{
	return slot->set != NULL &&
		strcmp(slot->command, command) == 0 &&
		strcmp(slot->file, file) == 0;
}

static void
KeysAtExit(int code, Datum arg)
{
	ReleaseSlot(&server_slot);
	ReleaseSlot(&session_slot);
}

static const char *
KeyFormatHint(void)
{
	return "The root key is 64 hexadecimal characters (32 random bytes), or one line "
		"\"<version> <64 hexadecimal characters>\" per key version; see doc/pseudonyms.md.";
}

static void
ReportKeyProblem(int elevel, const KeyLoadResult *r)
{
	const char *where = r->from_command ? "the output of pseudolink.key_command"
		: "the file named by pseudolink.key_file";

	switch (r->problem)
	{
		case KP_NONE:
			break;
		case KP_FILE_OPEN:
			errno = r->saved_errno;
			ereport(elevel,
					errcode_for_file_access(),
					errmsg("could not open the pseudolink root key file: %m"),
					errhint("A relative pseudolink.key_file is resolved in the data directory; "
							"the file must be readable by the server's operating-system user."));
			break;
		case KP_FILE_READ:
			errno = r->saved_errno;
			ereport(elevel,
					errcode_for_file_access(),
					errmsg("could not read the pseudolink root key file: %m"));
			break;
		case KP_FILE_NOT_REGULAR:
			ereport(elevel,
					errcode(ERRCODE_CONFIG_FILE_ERROR),
					errmsg("the pseudolink root key file is not a regular file"),
					errhint("Point pseudolink.key_file at a file."));
			break;
		case KP_FILE_OWNER:
			ereport(elevel,
					errcode(ERRCODE_CONFIG_FILE_ERROR),
					errmsg("the pseudolink root key file has the wrong owner"),
					errdetail("The file must be owned by the database server's operating-system user or by root."),
					errhint("chown the file to the server's user."));
			break;
		case KP_FILE_MODE:
			ereport(elevel,
					errcode(ERRCODE_CONFIG_FILE_ERROR),
					errmsg("the pseudolink root key file is accessible to other users"),
					errdetail("Only the owner may read the file (or also its group, when root owns it)."),
					errhint("chmod 600 the file (640 when it is owned by root)."));
			break;
		case KP_COMMAND_START:
			errno = r->saved_errno;
			ereport(elevel,
					errcode(ERRCODE_SYSTEM_ERROR),
					errmsg("could not run pseudolink.key_command: %m"));
			break;
		case KP_COMMAND_READ:
			errno = r->saved_errno;
			ereport(elevel,
					errcode(ERRCODE_SYSTEM_ERROR),
					errmsg("could not read the output of pseudolink.key_command: %m"));
			break;
		case KP_COMMAND_TIMEOUT:
			ereport(elevel,
					errcode(ERRCODE_SYSTEM_ERROR),
					errmsg("pseudolink.key_command did not finish within %d ms", key_command_timeout),
					errdetail("The command was killed."),
					errhint("The command must print the key and exit; pseudolink.key_command_timeout sets the limit."));
			break;
		case KP_COMMAND_INTERRUPTED:
			ereport(elevel,
					errcode(ERRCODE_QUERY_CANCELED),
					errmsg("pseudolink.key_command was interrupted"));
			break;
		case KP_COMMAND_STATUS:
			{
				char	   *reason = wait_result_to_str(r->status);

				reason[0] = pg_toupper((unsigned char) reason[0]);
				ereport(elevel,
						errcode(ERRCODE_SYSTEM_ERROR),
						errmsg("pseudolink.key_command failed"),
						errdetail("%s.", reason),
						errhint("Run the command as the server's operating-system user, in the data directory, to see why."));
			}
			break;
		case KP_TOO_LONG:
			ereport(elevel,
					errcode(ERRCODE_CONFIG_FILE_ERROR),
					errmsg("malformed pseudolink root key"),
					errdetail("%c%s is longer than %d bytes.",
							  pg_toupper((unsigned char) where[0]), where + 1, PL_KEY_SOURCE_MAX),
					errhint("%s", KeyFormatHint()));
			break;
		case KP_EMPTY:
			ereport(elevel,
					errcode(ERRCODE_CONFIG_FILE_ERROR),
					errmsg("malformed pseudolink root key"),
					errdetail("%c%s holds no key.",
							  pg_toupper((unsigned char) where[0]), where + 1),
					errhint("%s", KeyFormatHint()));
			break;
		case KP_SYNTAX:
			ereport(elevel,
					errcode(ERRCODE_CONFIG_FILE_ERROR),
					errmsg("malformed pseudolink root key"),
					errdetail("Line %d of %s is neither 64 hexadecimal characters nor a key version followed by 64 hexadecimal characters.",
							  r->line, where),
					errhint("%s", KeyFormatHint()));
			break;
		case KP_BAD_VERSION:
			ereport(elevel,
					errcode(ERRCODE_CONFIG_FILE_ERROR),
					errmsg("malformed pseudolink root key"),
					errdetail("Line %d of %s has a key version that is not an integer from 1 to 2147483647.",
							  r->line, where),
					errhint("%s", KeyFormatHint()));
			break;
		case KP_DUPLICATE:
			ereport(elevel,
					errcode(ERRCODE_CONFIG_FILE_ERROR),
					errmsg("malformed pseudolink root key"),
					errdetail("Line %d of %s repeats a key version.", r->line, where),
					errhint("Give each key version one line."));
			break;
		case KP_MIXED:
			ereport(elevel,
					errcode(ERRCODE_CONFIG_FILE_ERROR),
					errmsg("malformed pseudolink root key"),
					errdetail("Line %d of %s: a key without a version must be the only key.",
							  r->line, where),
					errhint("Either give one key for every version, or a version on every key line."));
			break;
		case KP_NO_MEMORY:
			ereport(elevel,
					errcode(ERRCODE_OUT_OF_MEMORY),
					errmsg("could not allocate protected memory for the pseudolink root key"),
					errhint("Check the server's limits on mapped and locked memory."));
			break;
	}
}

/*
 * The key slot of the current settings, loading it when needed.  Raises an
 * error when the key is not configured or cannot be loaded; a failed load is
 * not cached, so fixing the source fixes the next call.
 */
static KeySlot *
CurrentKeySlot(void)
{
	const char *command = SettingOrEmpty(key_command);
	const char *file = SettingOrEmpty(key_file);
	KeyLoadResult result;

	if (exit_callback_pid != MyProcPid)
	{
		/* The postmaster's children do not inherit its exit callbacks. */
		on_proc_exit(KeysAtExit, (Datum) 0);
		exit_callback_pid = MyProcPid;
	}

	if (SlotMatches(&server_slot, command, file))
		return &server_slot;
	if (SlotMatches(&session_slot, command, file))
		return &session_slot;

	if (*command == '\0' && *file == '\0')
		ereport(ERROR,
				errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				errmsg("the pseudolink root key is not configured"),
				errhint("A superuser sets pseudolink.key_file (a file holding 64 hexadecimal "
						"characters) or pseudolink.key_command in postgresql.conf; see doc/pseudonyms.md."));
	if (*command != '\0' && *file != '\0')
		ereport(ERROR,
				errcode(ERRCODE_CONFIG_FILE_ERROR),
				errmsg("both pseudolink.key_command and pseudolink.key_file are set"),
				errhint("Set only one of them."));

	ReleaseSlot(&session_slot);
	if (!LoadSlot(&session_slot, command, file, &result))
	{
		if (result.problem == KP_COMMAND_INTERRUPTED)
			CHECK_FOR_INTERRUPTS();
		ReportKeyProblem(ERROR, &result);
	}
	return &session_slot;
}

/* The key of a version in an accessible set, or NULL. */
static const RootKey *
FindRootKey(const RootKeySet *set, int32 version)
{
	int			i;

	for (i = 0; i < set->nkeys; i++)
	{
		if (set->keys[i].version == version || set->keys[i].version == 0)
			return &set->keys[i];
	}
	return NULL;
}

static void
ReportMissingVersion(int32 version)
{
	ereport(ERROR,
			errcode(ERRCODE_CONFIG_FILE_ERROR),
			errmsg("the pseudolink root key has no key for key version %d", version),
			errhint("Add a line \"%d <64 hexadecimal characters>\" to the key source, "
					"or use a key version it holds.", version));
}

/* ------------------------------------------------------------------------
 * Domains and subkeys
 * ------------------------------------------------------------------------
 */

void
PseudolinkCheckDomainName(const char *name, int len)
{
	bool		ok = len >= 1 && len <= PL_DOMAIN_NAME_MAX;
	int			i;

	for (i = 0; ok && i < len; i++)
	{
		char		c = name[i];

		ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			(i > 0 && (c == '_' || c == '.' || c == '-'));
	}
	if (!ok)
		ereport(ERROR,
				errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				errmsg("invalid key domain name"),
				errdetail("A key domain name has 1 to %d characters: lower-case letters a-z, "
						  "digits, '_', '.' and '-', and starts with a letter or digit.",
						  PL_DOMAIN_NAME_MAX),
				errhint("Check the order of the arguments: the key domain comes first."));
}

int32
PseudolinkDomainVersion(const char *name, int len, int32 requested)
{
	static SPIPlanPtr plan = NULL;
	Datum		arg;
	int			ret;
	uint64		i;
	bool		found_domain;
	int32		version = 0;
	bool		found_version = false;
	bool		retired = false;

	PseudolinkCheckDomainName(name, len);
	if (requested < 0)
		ereport(ERROR,
				errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				errmsg("key version must be a positive integer"));

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (plan == NULL)
	{
		Oid			argtypes[1] = {TEXTOID};
		SPIPlanPtr	p;

		p = SPI_prepare("SELECT v.version, r.version IS NOT NULL"
						" FROM pseudolink.key_version v"
						" LEFT JOIN pseudolink.key_version_retired r"
						"   ON r.domain OPERATOR(pg_catalog.=) v.domain"
						"  AND r.version OPERATOR(pg_catalog.=) v.version"
						" WHERE v.domain OPERATOR(pg_catalog.=) $1"
						" ORDER BY v.version DESC",
						1, argtypes);
		if (p == NULL)
			elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
		if (SPI_keepplan(p) != 0)
			elog(ERROR, "SPI_keepplan failed");
		plan = p;
	}
	arg = PointerGetDatum(cstring_to_text_with_len(name, len));
	ret = SPI_execute_plan(plan, &arg, NULL, true, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute_plan failed: %s", SPI_result_code_string(ret));

	found_domain = SPI_processed > 0;
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		int32		v = DatumGetInt32(SPI_getbinval(tuple, desc, 1, &isnull));
		bool		r = DatumGetBool(SPI_getbinval(tuple, desc, 2, &isnull));

		if (requested == 0 || v == requested)
		{
			version = v;
			retired = r;
			found_version = true;
			break;
		}
	}
	SPI_finish();

	if (!found_domain)
		ereport(ERROR,
				errcode(ERRCODE_UNDEFINED_OBJECT),
				errmsg("key domain does not exist"),
				errhint("List the key domains in pseudolink.key_domains; "
						"pseudolink.create_domain() creates one."));
	if (!found_version)
		ereport(ERROR,
				errcode(ERRCODE_UNDEFINED_OBJECT),
				errmsg("key domain has no key version %d", requested),
				errhint("The versions of each domain are listed in pseudolink.key_domains."));
	if (retired)
		ereport(ERROR,
				errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				errmsg("key version %d of this key domain is retired", version),
				errhint("Use the domain's current key version."));
	return version;
}

/*
 * The subkey construction (doc/pseudonyms.md): BLAKE2b with a 32-byte digest,
 * keyed with the root key of the version, over the domain name's bytes, with
 * salt = version as 4 little-endian bytes then 12 zero bytes and
 * personalisation = "pseudolink/K" then 4 zero bytes.
 */
static void
DeriveSubkey(const RootKey *root, const char *name, int len, int32 version,
			 unsigned char *subkey)
{
	unsigned char salt[crypto_generichash_blake2b_SALTBYTES] = {0};
	unsigned char personal[crypto_generichash_blake2b_PERSONALBYTES] = {0};
	uint32		v = (uint32) version;

	salt[0] = v & 0xff;
	salt[1] = (v >> 8) & 0xff;
	salt[2] = (v >> 16) & 0xff;
	salt[3] = (v >> 24) & 0xff;
	memcpy(personal, "pseudolink/K", 12);
	crypto_generichash_blake2b_salt_personal(subkey, PL_KEY_BYTES,
											 (const unsigned char *) name, len,
											 root->key, PL_KEY_BYTES,
											 salt, personal);
}

void
PseudolinkDomainSubkey(const char *name, int len, int32 version, unsigned char *subkey)
{
	KeySlot    *slot = CurrentKeySlot();
	const RootKey *root;

	PseudolinkCheckDomainName(name, len);
	sodium_mprotect_readonly(slot->set);
	root = FindRootKey(slot->set, version);
	if (root != NULL)
		DeriveSubkey(root, name, len, version, subkey);
	sodium_mprotect_noaccess(slot->set);
	if (root == NULL)
		ReportMissingVersion(version);
}

/* ------------------------------------------------------------------------
 * The subkey cache of a call site
 * ------------------------------------------------------------------------
 */

typedef struct SubkeyCacheEntry
{
	int			len;			/* -1: unused */
	int32		requested;
	int32		version;
	char		name[PL_DOMAIN_NAME_MAX];
} SubkeyCacheEntry;

struct PseudolinkSubkeyCache
{
	uint64		settings_generation;
	uint64		domains_generation;
	LocalTransactionId lxid;
	int			last;			/* entry of the last hit */
	int			victim;			/* next entry to replace */
	SubkeyCacheEntry entries[PL_SUBKEY_CACHE_SIZE];
	unsigned char *subkeys;		/* sodium_malloc'd, PL_KEY_BYTES each */
	MemoryContextCallback callback;
};

static void
SubkeyCacheFree(void *arg)
{
	PseudolinkSubkeyCache *cache = (PseudolinkSubkeyCache *) arg;

	if (cache->subkeys != NULL)
		sodium_free(cache->subkeys);
	cache->subkeys = NULL;
}

static void
SubkeyCacheClear(PseudolinkSubkeyCache *cache)
{
	int			i;

	for (i = 0; i < PL_SUBKEY_CACHE_SIZE; i++)
		cache->entries[i].len = -1;
	sodium_memzero(cache->subkeys, PL_KEY_BYTES * PL_SUBKEY_CACHE_SIZE);
	cache->last = 0;
	cache->victim = 0;
	cache->settings_generation = key_settings_generation;
	cache->domains_generation = key_domains_generation;
	cache->lxid = MyProc != NULL ? MyProc->lxid : InvalidLocalTransactionId;
}

PseudolinkSubkeyCache *
PseudolinkSubkeyCacheCreate(MemoryContext cxt)
{
	PseudolinkSubkeyCache *cache;
	unsigned char *subkeys;

	subkeys = sodium_malloc(PL_KEY_BYTES * PL_SUBKEY_CACHE_SIZE);
	if (subkeys == NULL)
		ereport(ERROR,
				errcode(ERRCODE_OUT_OF_MEMORY),
				errmsg("could not allocate protected memory for pseudolink subkeys"));
	cache = MemoryContextAllocZero(cxt, sizeof(PseudolinkSubkeyCache));
	cache->subkeys = subkeys;
	cache->callback.func = SubkeyCacheFree;
	cache->callback.arg = cache;
	MemoryContextRegisterResetCallback(cxt, &cache->callback);
	SubkeyCacheClear(cache);
	return cache;
}

PseudolinkSubkeyCache *
PseudolinkSubkeyCacheForCall(FunctionCallInfo fcinfo)
{
	if (fcinfo->flinfo->fn_extra == NULL)
		fcinfo->flinfo->fn_extra = PseudolinkSubkeyCacheCreate(fcinfo->flinfo->fn_mcxt);
	return (PseudolinkSubkeyCache *) fcinfo->flinfo->fn_extra;
}

static inline bool
EntryMatches(const SubkeyCacheEntry *e, const char *name, int len, int32 requested)
{
	return e->len == len && e->requested == requested && memcmp(e->name, name, len) == 0;
}

const unsigned char *
PseudolinkSubkeyCacheGet(PseudolinkSubkeyCache *cache, const char *name, int len,
						 int32 requested, int32 *version)
{
	SubkeyCacheEntry *e;
	int			i;

	if (cache->settings_generation != key_settings_generation ||
		cache->domains_generation != key_domains_generation ||
		(MyProc != NULL && cache->lxid != MyProc->lxid))
		SubkeyCacheClear(cache);

	e = &cache->entries[cache->last];
	if (!EntryMatches(e, name, len, requested))
	{
		for (i = 0; i < PL_SUBKEY_CACHE_SIZE; i++)
		{
			if (EntryMatches(&cache->entries[i], name, len, requested))
				break;
		}
		if (i == PL_SUBKEY_CACHE_SIZE)
		{
			int32		v = PseudolinkDomainVersion(name, len, requested);

			i = cache->victim;
			cache->victim = (cache->victim + 1) % PL_SUBKEY_CACHE_SIZE;
			cache->entries[i].len = -1;
			PseudolinkDomainSubkey(name, len, v, cache->subkeys + PL_KEY_BYTES * i);
			memcpy(cache->entries[i].name, name, len);
			cache->entries[i].requested = requested;
			cache->entries[i].version = v;
			cache->entries[i].len = len;
		}
		cache->last = i;
		e = &cache->entries[i];
	}
	if (version != NULL)
		*version = e->version;
	return cache->subkeys + PL_KEY_BYTES * cache->last;
}

/* ------------------------------------------------------------------------
 * SQL functions
 * ------------------------------------------------------------------------
 */

/*
 * root_key_fingerprint(key_version) returns 16 hexadecimal characters that
 * identify the root key of a version (keyed BLAKE2b, 8 bytes, of nothing,
 * personalisation "pseudolink/F"): equal on two servers exactly when their
 * keys are equal; it reveals nothing about the key.
 */
PG_FUNCTION_INFO_V1(pseudolink_root_key_fingerprint);
Datum
pseudolink_root_key_fingerprint(PG_FUNCTION_ARGS)
{
	int32		version = PG_GETARG_INT32(0);
	KeySlot    *slot;
	const RootKey *root;
	unsigned char salt[crypto_generichash_blake2b_SALTBYTES] = {0};
	unsigned char personal[crypto_generichash_blake2b_PERSONALBYTES] = {0};
	unsigned char fingerprint[8];
	char		hex[2 * sizeof(fingerprint) + 1];

	if (version < 1)
		ereport(ERROR,
				errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				errmsg("key version must be a positive integer"));
	slot = CurrentKeySlot();
	memcpy(personal, "pseudolink/F", 12);
	sodium_mprotect_readonly(slot->set);
	root = FindRootKey(slot->set, version);
	if (root != NULL)
		crypto_generichash_blake2b_salt_personal(fingerprint, sizeof(fingerprint),
												 NULL, 0, root->key, PL_KEY_BYTES,
												 salt, personal);
	sodium_mprotect_noaccess(slot->set);
	if (root == NULL)
		ReportMissingVersion(version);
	sodium_bin2hex(hex, sizeof(hex), fingerprint, sizeof(fingerprint));
	PG_RETURN_TEXT_P(cstring_to_text(hex));
}

/*
 * key_domains_changed() is a statement trigger on the key domain tables: a
 * change made by this backend makes its subkey caches resolve versions
 * again (other backends see changes at their next transaction).
 */
PG_FUNCTION_INFO_V1(pseudolink_key_domains_changed);
Datum
pseudolink_key_domains_changed(PG_FUNCTION_ARGS)
{
	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				errmsg("key_domains_changed() must be called as a trigger"));
	key_domains_generation++;
	PG_RETURN_POINTER(NULL);
}
