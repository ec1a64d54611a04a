-- The root key: configuration, errors, versions, fingerprints.
--
-- test/run.sh gives the cluster a random root key (pseudolink.key_file in
-- postgresql.conf) and writes the public test keys of
-- test/kat/pseudonym_reference.py into the data directory, where relative
-- key file names resolve.  Every statement is logged, and test/run.sh then
-- checks that no key ever reached the server log.
SET log_statement = 'all';
SET search_path = pseudolink, public;

-- The cluster's own key: a fingerprint, but never the key.
SELECT length(root_key_fingerprint(1)) AS fingerprint_length;

-- A superuser's SET takes effect at the next call: the test keys, one per
-- version (KAT values from test/kat/pseudonym_reference.py).
SET pseudolink.key_file = 'pseudolink_test.key';
SELECT root_key_fingerprint(1) AS v1, root_key_fingerprint(2) AS v2;
SELECT root_key_fingerprint(3);
SELECT root_key_fingerprint(0);
SELECT root_key_fingerprint(NULL) IS NULL AS null_gives_null;

-- A key without a version serves every version.
SET pseudolink.key_file = 'pseudolink_test_single.key';
SELECT root_key_fingerprint(1) AS v1, root_key_fingerprint(7) AS v7;

-- The same keys from a key command.
SET pseudolink.key_file = '';
SET pseudolink.key_command = 'cat pseudolink_test.key';
SELECT root_key_fingerprint(2) AS v2;

-- Configuration errors.
SET pseudolink.key_file = 'pseudolink_test.key';
SELECT root_key_fingerprint(1);
SET pseudolink.key_command = '';
SET pseudolink.key_file = '';
SELECT root_key_fingerprint(1);
SET pseudolink.key_file = 'no_such.key';
SELECT root_key_fingerprint(1);
SET pseudolink.key_file = 'pseudolink_test_open.key';
SELECT root_key_fingerprint(1);
SET pseudolink.key_file = 'base';
SELECT root_key_fingerprint(1);
SET pseudolink.key_file = 'PG_VERSION';
SELECT root_key_fingerprint(1);

-- Malformed keys from a command; $k is a made-up key, never a real one.
SET pseudolink.key_file = '';
SET pseudolink.key_command = 'exit 3';
SELECT root_key_fingerprint(1);
SET pseudolink.key_command = 'no_such_command_for_pseudolink';
SELECT root_key_fingerprint(1);
SET pseudolink.key_command = 'printf ""';
SELECT root_key_fingerprint(1);
SET pseudolink.key_command = 'printf "# only a comment\n\n"';
SELECT root_key_fingerprint(1);
SET pseudolink.key_command = 'echo 0011';
SELECT root_key_fingerprint(1);
SET pseudolink.key_command = 'k=$(printf "a%.0s" $(seq 63)); echo "$k"';
SELECT root_key_fingerprint(1);
SET pseudolink.key_command = 'k=$(printf "ag%.0s" $(seq 32)); echo "$k"';
SELECT root_key_fingerprint(1);
SET pseudolink.key_command = 'k=$(printf "ab%.0s" $(seq 32)); printf "1 $k\n1 $k\n"';
SELECT root_key_fingerprint(1);
SET pseudolink.key_command = 'k=$(printf "ab%.0s" $(seq 32)); printf "0 $k\n"';
SELECT root_key_fingerprint(1);
SET pseudolink.key_command = 'k=$(printf "ab%.0s" $(seq 32)); printf "2147483648 $k\n"';
SELECT root_key_fingerprint(1);
SET pseudolink.key_command = 'k=$(printf "ab%.0s" $(seq 32)); printf "x1 $k\n"';
SELECT root_key_fingerprint(1);
SET pseudolink.key_command = 'k=$(printf "ab%.0s" $(seq 32)); printf "$k\n1 $k\n"';
SELECT root_key_fingerprint(1);
SET pseudolink.key_command = 'k=$(printf "ab%.0s" $(seq 32)); printf "1 $k\n$k\n"';
SELECT root_key_fingerprint(1);
SET pseudolink.key_command = 'k=$(printf "ab%.0s" $(seq 32)); printf "1 $k extra\n"';
SELECT root_key_fingerprint(1);
SET pseudolink.key_command = 'head -c 20000 /dev/zero | tr "\0" "#"';
SELECT root_key_fingerprint(1);

-- Well-formed: comments, blank lines, CRLF, spaces and tabs, upper case.
SET pseudolink.key_command = 'k=$(printf "AB%.0s" $(seq 32)); printf "# keys\r\n\r\n  3\t$k  \r\n"';
SELECT root_key_fingerprint(3) = root_key_fingerprint(3) AS loads;

-- A command that hangs is killed: by the timeout, or by a cancel.
SET pseudolink.key_command_timeout = '200ms';
SET pseudolink.key_command = 'sleep 30';
SELECT root_key_fingerprint(1);
SET pseudolink.key_command_timeout = '30s';
SET statement_timeout = '300ms';
SELECT root_key_fingerprint(1);
RESET statement_timeout;

-- A failed load is not cached: fixing the source fixes the next call.
SET pseudolink.key_command = 'cat pseudolink_test.key';
SELECT root_key_fingerprint(1) AS v1;

-- Back to the server's key.
RESET pseudolink.key_command;
RESET pseudolink.key_file;
RESET pseudolink.key_command_timeout;
SELECT length(root_key_fingerprint(1)) AS fingerprint_length;
RESET search_path;
RESET log_statement;
