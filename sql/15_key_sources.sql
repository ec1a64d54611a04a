-- Key sources that misbehave: whatever the key file is and whatever the key
-- command does, loading the key ends within pseudolink.key_command_timeout
-- or at a cancel, with the key or with the error that names the problem.
--
-- Helper files are made and removed in the data directory by a key command
-- that then prints the public test key (sql/11_keys.sql explains the test
-- keys).  Every statement is logged; test/run.sh checks that no key reached
-- the server log.
SET log_statement = 'all';
SET search_path = pseudolink, public;
SET pseudolink.key_file = '';

-- A key file that is a named pipe is refused at once: opening it to read
-- would wait, uninterruptibly, for a writer that never comes.
SET pseudolink.key_command = 'rm -f pseudolink_review.fifo; mkfifo -m 600 pseudolink_review.fifo; cat pseudolink_test_single.key';
SELECT root_key_fingerprint(1) AS v1;
SET pseudolink.key_command = '';
SET pseudolink.key_file = 'pseudolink_review.fifo';
SELECT root_key_fingerprint(1);
SET pseudolink.key_file = '';
SET pseudolink.key_command = 'rm -f pseudolink_review.fifo; cat pseudolink_test_single.key';
SELECT root_key_fingerprint(1) AS v1;

-- A command that closes its output but keeps running is killed as well: by
-- the timeout, or by a cancel.  Its key is not used.
SET pseudolink.key_command_timeout = '200ms';
SET pseudolink.key_command = 'cat pseudolink_test_single.key; exec >&-; sleep 30';
SELECT root_key_fingerprint(1);
SET pseudolink.key_command_timeout = '30s';
SET statement_timeout = '300ms';
SELECT root_key_fingerprint(1);
RESET statement_timeout;
RESET pseudolink.key_command_timeout;

-- Only a cancel or a termination stops a key command: another request to the
-- backend (here one to log its memory use) waits until the key is loaded.
SET pseudolink.key_command = 'cat pseudolink_test_single.key';
SELECT pg_log_backend_memory_contexts(pg_backend_pid()) AS logged, root_key_fingerprint(1) AS v1;

-- A command that prints without end is stopped as soon as its output is
-- too long, not left running until the timeout.
SET pseudolink.key_command_timeout = '10s';
SET pseudolink.key_command = 'yes';
SELECT root_key_fingerprint(1);
RESET pseudolink.key_command_timeout;

-- Output that arrives in pieces, with pauses between them, is read whole.
SET pseudolink.key_command = 'head -c 30 pseudolink_test.key; sleep 0.2; tail -c +31 pseudolink_test.key | head -c 40; sleep 0.2; tail -c +71 pseudolink_test.key';
SELECT root_key_fingerprint(1) AS v1, root_key_fingerprint(2) AS v2;

RESET pseudolink.key_command;
RESET pseudolink.key_file;
RESET search_path;
RESET log_statement;
