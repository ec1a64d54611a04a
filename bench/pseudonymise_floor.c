/*
 * pseudonymise_floor.c
 *	  The floor for bench/pseudonymise.sh: what the libsodium calls behind
 *	  pseudonymise() cost in a bare C loop, without PostgreSQL.
 *
 * Each loop makes the same call the extension makes per row (src/pseudonym.c),
 * on the same kind of input (the ids 1..n, and their decimal text), with a
 * subkey that stays fixed as it does within a query.  Prints one line per
 * construction: name and nanoseconds per call (median of 5 runs).
 */
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RUNS 5

static double
now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return (x > y) - (x < y);
}

static unsigned char subkey[32];
static unsigned char sink;

/* pseudonymise(domain, bigint): empty message, the id in the salt */
static void
from_int(long n)
{
	unsigned char personal[16] = "pseudolink/R";
	unsigned char salt[16] = {0};
	unsigned char out[16];

	for (long i = 1; i <= n; i++)
	{
		uint64_t	v = (uint64_t) i;

		for (int b = 0; b < 8; b++)
			salt[b] = (v >> (8 * b)) & 0xff;
		crypto_generichash_blake2b_salt_personal(out, 16, NULL, 0, subkey, 32, salt, personal);
		sink ^= out[0];
	}
}

/*
 * The texts are made before timing starts, as they are already in the
 * table for the SQL queries: the loops time only the libsodium calls.
 */
static char (*short_texts)[16];
static char (*long_texts)[48];
static int *long_lengths;

static void
make_texts(long n)
{
	short_texts = calloc(n + 1, sizeof(*short_texts));
	long_texts = calloc(n + 1, sizeof(*long_texts));
	long_lengths = calloc(n + 1, sizeof(*long_lengths));
	if (!short_texts || !long_texts || !long_lengths)
		exit(1);
	for (long i = 1; i <= n; i++)
	{
		snprintf(short_texts[i], sizeof(short_texts[i]), "%ld", i % 10000000);
		long_lengths[i] = snprintf(long_texts[i], sizeof(long_texts[i]),
								   "NHR-registry-record-%020ld", i);
	}
}

/* pseudonymise(domain, text), up to 16 bytes: the text in the salt */
static void
from_short_text(long n)
{
	unsigned char personal[16] = "pseudolink/t";
	unsigned char out[16];

	for (long i = 1; i <= n; i++)
	{
		crypto_generichash_blake2b_salt_personal(out, 16, NULL, 0, subkey, 32,
												 (unsigned char *) short_texts[i], personal);
		sink ^= out[0];
	}
}

/* pseudonymise(domain, text), longer: the text in the message (40 bytes here) */
static void
from_long_text(long n)
{
	unsigned char personal[16] = "pseudolink/T";
	unsigned char salt[16] = {0};
	unsigned char out[16];

	for (long i = 1; i <= n; i++)
	{
		crypto_generichash_blake2b_salt_personal(out, 16, (unsigned char *) long_texts[i],
												 long_lengths[i], subkey, 32, salt, personal);
		sink ^= out[0];
	}
}

/* derive(p, domain): the 16 bytes of p in the salt */
static void
derive(long n)
{
	unsigned char personal[16] = "pseudolink/DR";
	unsigned char salt[16] = {0};
	unsigned char out[16];

	for (long i = 1; i <= n; i++)
	{
		memcpy(salt, &i, sizeof(i));
		crypto_generichash_blake2b_salt_personal(out, 16, NULL, 0, subkey, 32, salt, personal);
		sink ^= out[0];
	}
}

static void
run(const char *name, void (*f) (long), long n)
{
	double		t[RUNS];

	for (int r = 0; r < RUNS; r++)
	{
		double		start = now_ns();

		f(n);
		t[r] = (now_ns() - start) / n;
	}
	qsort(t, RUNS, sizeof(double), cmp_double);
	printf("%s %.1f\n", name, t[RUNS / 2]);
}

int
main(int argc, char **argv)
{
	long		n = argc > 1 ? atol(argv[1]) : 1000000;

	if (sodium_init() < 0)
		return 1;
	randombytes_buf(subkey, sizeof(subkey));
	make_texts(n);
	run("pseudonymise_bigint", from_int, n);
	run("pseudonymise_short_text", from_short_text, n);
	run("pseudonymise_long_text", from_long_text, n);
	run("derive", derive, n);
	return sink == 0xff ? 2 : 0;	/* keep the results alive */
}
