/*
 * compare.c
 *	  String comparators on characters: jaro, jaro_winkler, levenshtein and
 *	  damerau_levenshtein, the distances also with an upper bound.
 *
 * Dutch names carry diacritics (Müller, Gödel, Zoë), so the comparators
 * work on characters, not bytes: a text argument is decoded from the server
 * encoding into code points, and "é" counts as one character however many
 * bytes the server stores it in.  Code points are compared exactly: no case
 * folding, no accent folding; a composed "é" differs from "e" followed by a
 * combining accent, and the ligature "ĳ" is one character, not "ij".
 * Normalise first (upper(), unaccent, normalize(x, NFC)) where such
 * differences should not count.
 *
 * A linkage run compares millions of pairs, so the common case is made
 * cheap: byte-equal strings return at once; ASCII strings (most names) are
 * compared in place as bytes, without decoding; other strings of up to
 * PL_STACK_CHARS characters are decoded into stack buffers; and strings
 * that fit a 64-bit word use bit-parallel algorithms, one bit per position
 * of one string: Jaro finds each match with a few word operations instead
 * of a scan of its window, and Levenshtein is Myers' (1999) algorithm in
 * Hyyrö's (2001) form for the edit distance, one pass over the longer
 * string.  Below those sizes nothing is allocated.  bench/scoring.sh
 * measures the result against pg_similarity and fuzzystrmatch.
 *
 * A string may have at most PL_COMPARE_MAX_CHARS characters.  The distances
 * take time (and Damerau-Levenshtein memory) in proportion to the product
 * of the lengths; without a limit one stray megabyte of text would stall a
 * scan for minutes.  Longer input is an error (program_limit_exceeded) that
 * gives the length, never the value.
 */
#include "postgres.h"

#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "port/pg_bitutils.h"
#include "utils/builtins.h"

#include "compare.h"

/* Strings of up to this many characters need no allocation. */
#define PL_STACK_CHARS	64

/* A text argument decoded into code points. */
typedef struct PlChars
{
	pg_wchar   *c;				/* the characters */
	int			n;				/* how many */
	bool		ascii;			/* every character is below 128 */
	bool		allocated;		/* c was palloc'd */
	pg_wchar	buf[PL_STACK_CHARS + 1];	/* +1: the decoder appends a 0 */
} PlChars;

static void
TooLong(const char *fn, int nchars, bool exact)
{
	if (exact)
		ereport(ERROR,
				errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				errmsg("string too long for %s", fn),
				errdetail("The string has %d characters; the comparators accept at most %d.",
						  nchars, PL_COMPARE_MAX_CHARS),
				errhint("Compare a prefix instead, for example left(value, %d).",
						PL_COMPARE_MAX_CHARS));
	ereport(ERROR,
			errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			errmsg("string too long for %s", fn),
			errdetail("The string has more than %d characters; the comparators accept at most %d.",
					  nchars, PL_COMPARE_MAX_CHARS),
			errhint("Compare a prefix instead, for example left(value, %d).",
					PL_COMPARE_MAX_CHARS));
}

/* Decode a text argument; raises when it is longer than the limit. */
static void
DecodeText(const text *t, PlChars *s, const char *fn)
{
	const unsigned char *p = (const unsigned char *) VARDATA_ANY(t);
	int			len = VARSIZE_ANY_EXHDR(t);
	int			i;

	s->allocated = false;
	s->ascii = true;
	if (len <= PL_STACK_CHARS)
	{
		/* the common case: copy while checking, one pass */
		for (i = 0; i < len; i++)
		{
			if (p[i] & 0x80)
				break;
			s->buf[i] = p[i];
		}
		if (i == len)
		{
			s->c = s->buf;
			s->n = len;
			return;
		}
	}
	else
	{
		for (i = 0; i < len; i++)
			if (p[i] & 0x80)
				break;
		if (i == len)
		{
			/* ASCII: one byte, one character, in every server encoding */
			if (len > PL_COMPARE_MAX_CHARS)
				TooLong(fn, len, true);
			s->c = palloc(len * sizeof(pg_wchar));
			s->allocated = true;
			for (i = 0; i < len; i++)
				s->c[i] = p[i];
			s->n = len;
			return;
		}
	}

	/* Not decoding a huge string just to count its characters. */
	if (len > PL_COMPARE_MAX_CHARS * pg_database_encoding_max_length())
		TooLong(fn, PL_COMPARE_MAX_CHARS, false);
	if (len <= PL_STACK_CHARS)
		s->c = s->buf;
	else
	{
		s->c = palloc((len + 1) * sizeof(pg_wchar));
		s->allocated = true;
	}
	s->n = pg_mb2wchar_with_len((const char *) p, s->c, len);
	s->ascii = false;
	if (s->n > PL_COMPARE_MAX_CHARS)
		TooLong(fn, s->n, true);
}

static inline void
FreeChars(PlChars *s)
{
	if (s->allocated)
		pfree(s->c);
}

/*
 * True when both texts hold the same bytes and are short enough that the
 * limit cannot apply: the answer is then known without decoding.
 */
static inline bool
SameShortText(const text *a, const text *b)
{
	int			len = VARSIZE_ANY_EXHDR(a);

	return len == (int) VARSIZE_ANY_EXHDR(b) && len <= PL_COMPARE_MAX_CHARS &&
		memcmp(VARDATA_ANY(a), VARDATA_ANY(b), len) == 0;
}

/* True when every byte is below 128, checked a word at a time. */
static inline bool
AsciiBytes(const unsigned char *p, int len)
{
	uint64		acc = 0;
	int			i = 0;

	for (; i + 8 <= len; i += 8)
	{
		uint64		w;

		memcpy(&w, p + i, 8);
		acc |= w;
	}
	for (; i < len; i++)
		acc |= p[i];
	return (acc & UINT64CONST(0x8080808080808080)) == 0;
}

/* ---------------------------------------------------------------------
 * Position masks
 * ---------------------------------------------------------------------
 */

/*
 * The bit-parallel algorithms (Jaro and Myers' Levenshtein) need, for every
 * character of one string, the bit mask of the other string's positions
 * holding that character.  For ASCII a static table
 * serves (its pattern entries are set before and cleared after each use, so
 * it is all zero between calls); for other characters a small open-address
 * map on the stack (at most 64 distinct characters in 128 slots).
 */
static uint64 peq_ascii[256];	/* by byte: JaroBytes indexes before it knows */

#define PEQ_BITS	7
#define PEQ_SLOTS	(1 << PEQ_BITS)

typedef struct PeqMap
{
	uint64		used[PEQ_SLOTS / 64];
	pg_wchar	key[PEQ_SLOTS];
	uint64		mask[PEQ_SLOTS];
} PeqMap;

static inline uint32
PeqSlot(pg_wchar c)
{
	return ((uint32) c * 2654435761U) >> (32 - PEQ_BITS);
}

static inline bool
PeqUsed(const PeqMap *map, uint32 s)
{
	return (map->used[s >> 6] >> (s & 63)) & 1;
}

static void
PeqBuild(PeqMap *map, const pg_wchar *p, int m)
{
	int			i;

	memset(map->used, 0, sizeof(map->used));
	for (i = 0; i < m; i++)
	{
		uint32		s = PeqSlot(p[i]);

		while (PeqUsed(map, s) && map->key[s] != p[i])
			s = (s + 1) & (PEQ_SLOTS - 1);
		if (!PeqUsed(map, s))
		{
			map->used[s >> 6] |= UINT64CONST(1) << (s & 63);
			map->key[s] = p[i];
			map->mask[s] = 0;
		}
		map->mask[s] |= UINT64CONST(1) << i;
	}
}

static inline uint64
PeqGet(const PeqMap *map, pg_wchar c)
{
	uint32		s = PeqSlot(c);

	while (PeqUsed(map, s))
	{
		if (map->key[s] == c)
			return map->mask[s];
		s = (s + 1) & (PEQ_SLOTS - 1);
	}
	return 0;
}

/* ---------------------------------------------------------------------
 * Jaro and Jaro-Winkler
 * ---------------------------------------------------------------------
 */

/*
 * Jaro (1989): characters match when equal and at most
 * max(|a|, |b|) / 2 - 1 positions apart, each character matched at most
 * once, greedily from the left; with m matches of which u are out of order,
 * jaro = (m / |a| + m / |b| + (m - floor(u / 2)) / m) / 3.  Halving u with
 * integer division follows Winkler's reference code (strcmp95).
 */
static inline double
JaroValue(int m, int unordered, int na, int nb)
{
	return ((double) m / na + (double) m / nb + (double) (m - unordered / 2) / m) / 3.0;
}

/*
 * Strings of at most 64 characters: one bit per position of b.  For a[i],
 * the candidates are b's positions holding the same character, not yet
 * matched, inside the window; the greedy choice is the lowest of them.  So
 * a character costs a few word operations instead of a scan of the window.
 */
static double
JaroBits(const pg_wchar *a, int na, const pg_wchar *b, int nb, bool ascii)
{
	uint64		aflag = 0,
				bflag = 0,
				win;
	int			window = Max(Max(na, nb) / 2 - 1, 0);
	int			m = 0,
				unordered = 0,
				i;
	PeqMap		map;

	if (ascii)
		for (i = 0; i < nb; i++)
			peq_ascii[b[i]] |= UINT64CONST(1) << i;
	else
		PeqBuild(&map, b, nb);
	/*
	 * The window of a[i] is b's positions i - window .. i + window; masks
	 * have no bits beyond b's length, so the upper end needs no clipping.
	 */
	win = (UINT64CONST(1) << (window + 1)) - 1;
	for (i = 0; i < na && win; i++)
	{
		uint64		eq = (ascii ? peq_ascii[a[i]] : PeqGet(&map, a[i])) & ~bflag & win;

		if (eq)
		{
			bflag |= eq & (~eq + 1);
			aflag |= UINT64CONST(1) << i;
			m++;
		}
		win = i < window ? (win << 1) | 1 : win << 1;
	}
	if (ascii)
		for (i = 0; i < nb; i++)
			peq_ascii[b[i]] = 0;
	if (m == 0)
		return 0.0;
	/* the matched characters in order, pairwise */
	while (aflag)
	{
		if (a[pg_rightmost_one_pos64(aflag)] != b[pg_rightmost_one_pos64(bflag)])
			unordered++;
		aflag &= aflag - 1;
		bflag &= bflag - 1;
	}
	return JaroValue(m, unordered, na, nb);
}

/*
 * The same for strings read in place, as bytes, when they are ASCII: most
 * names need no decoding at all.  Whether they are is found out on the way
 * (the table has an entry for every byte), and -1 returned when not.
 */
static double
JaroBytes(const unsigned char *a, int na, const unsigned char *b, int nb)
{
	uint64		aflag = 0,
				bflag = 0,
				win;
	int			window = Max(Max(na, nb) / 2 - 1, 0);
	int			m = 0,
				unordered = 0,
				i;
	unsigned int seen = 0;

	for (i = 0; i < nb; i++)
	{
		seen |= b[i];
		peq_ascii[b[i]] |= UINT64CONST(1) << i;
	}
	win = (UINT64CONST(1) << (window + 1)) - 1;
	for (i = 0; i < na; i++)
	{
		uint64		eq = peq_ascii[a[i]] & ~bflag & win;

		seen |= a[i];
		if (eq)
		{
			bflag |= eq & (~eq + 1);
			aflag |= UINT64CONST(1) << i;
			m++;
		}
		win = i < window ? (win << 1) | 1 : win << 1;
	}
	for (i = 0; i < nb; i++)
		peq_ascii[b[i]] = 0;
	if (seen & 0x80)
		return -1.0;
	if (na == 0 || nb == 0)
		return na == nb ? 1.0 : 0.0;
	if (m == 0)
		return 0.0;
	while (aflag)
	{
		if (a[pg_rightmost_one_pos64(aflag)] != b[pg_rightmost_one_pos64(bflag)])
			unordered++;
		aflag &= aflag - 1;
		bflag &= bflag - 1;
	}
	return JaroValue(m, unordered, na, nb);
}

static double
JaroWinklerBytes(const unsigned char *a, int na, const unsigned char *b, int nb)
{
	double		j = JaroBytes(a, na, b, nb);

	if (j > PL_WINKLER_THRESHOLD)
	{
		int			limit = Min(Min(na, nb), PL_WINKLER_PREFIX);
		int			l = 0;

		while (l < limit && a[l] == b[l])
			l++;
		j += l * PL_WINKLER_SCALE * (1.0 - j);
	}
	return j;
}

/* Longer strings: flags per position and a scan of the window. */
static double
JaroScan(const pg_wchar *a, int na, const pg_wchar *b, int nb)
{
	bool		amatch[PL_COMPARE_MAX_CHARS];
	bool		bmatch[PL_COMPARE_MAX_CHARS];
	int			window,
				m = 0,
				unordered = 0,
				i,
				j,
				k;

	Assert(na <= PL_COMPARE_MAX_CHARS && nb <= PL_COMPARE_MAX_CHARS);
	window = Max(Max(na, nb) / 2 - 1, 0);
	memset(amatch, 0, na * sizeof(bool));
	memset(bmatch, 0, nb * sizeof(bool));
	for (i = 0; i < na; i++)
	{
		int			hi = Min(nb - 1, i + window);

		for (j = Max(0, i - window); j <= hi; j++)
		{
			if (!bmatch[j] && a[i] == b[j])
			{
				amatch[i] = bmatch[j] = true;
				m++;
				break;
			}
		}
	}
	if (m == 0)
		return 0.0;
	for (i = 0, k = 0; i < na; i++)
	{
		if (!amatch[i])
			continue;
		while (!bmatch[k])
			k++;
		if (a[i] != b[k])
			unordered++;
		k++;
	}
	return JaroValue(m, unordered, na, nb);
}

static double
JaroChars(const pg_wchar *a, int na, const pg_wchar *b, int nb, bool ascii)
{
	if (na == 0 && nb == 0)
		return 1.0;
	if (na == 0 || nb == 0)
		return 0.0;
	if (na <= 64 && nb <= 64)
		return JaroBits(a, na, b, nb, ascii);
	return JaroScan(a, na, b, nb);
}

static bool
AllAscii(const pg_wchar *a, int n)
{
	for (int i = 0; i < n; i++)
		if (a[i] >= 128)
			return false;
	return true;
}

double
PlJaro(const pg_wchar *a, int na, const pg_wchar *b, int nb)
{
	return JaroChars(a, na, b, nb, AllAscii(a, na) && AllAscii(b, nb));
}

/*
 * Winkler (1990): jaro + l * 0.1 * (1 - jaro), with l the length of the
 * common prefix up to 4 characters, applied only when jaro > 0.7.
 */
static double
JaroWinklerChars(const pg_wchar *a, int na, const pg_wchar *b, int nb, bool ascii)
{
	double		j = JaroChars(a, na, b, nb, ascii);

	if (j > PL_WINKLER_THRESHOLD)
	{
		int			limit = Min(Min(na, nb), PL_WINKLER_PREFIX);
		int			l = 0;

		while (l < limit && a[l] == b[l])
			l++;
		j += l * PL_WINKLER_SCALE * (1.0 - j);
	}
	return j;
}

double
PlJaroWinkler(const pg_wchar *a, int na, const pg_wchar *b, int nb)
{
	return JaroWinklerChars(a, na, b, nb, AllAscii(a, na) && AllAscii(b, nb));
}

/* ---------------------------------------------------------------------
 * Levenshtein
 * ---------------------------------------------------------------------
 */

/*
 * Bit-parallel edit distance of pattern p (1 to 64 characters) and text t.
 * The bit vectors hold the vertical differences of one column of the
 * dynamic-programming matrix; the score is its bottom cell.  A column
 * changes the score by at most one, so once the score exceeds max by more
 * than the columns left, the bound is certain.
 */
static int
LevenshteinMyers(const pg_wchar *p, int m, const pg_wchar *t, int n, bool ascii, int max)
{
	uint64		pv = ~UINT64CONST(0),
				mv = 0,
				last = UINT64CONST(1) << (m - 1);
	int			score = m,
				i,
				j;
	PeqMap		map;

	if (ascii)
		for (i = 0; i < m; i++)
			peq_ascii[p[i]] |= UINT64CONST(1) << i;
	else
		PeqBuild(&map, p, m);

	for (j = 0; j < n; j++)
	{
		uint64		eq = ascii ? peq_ascii[t[j]] : PeqGet(&map, t[j]);
		uint64		xv = eq | mv;
		uint64		xh = (((eq & pv) + pv) ^ pv) | eq;
		uint64		ph = mv | ~(xh | pv);
		uint64		mh = pv & xh;

		if (ph & last)
			score++;
		else if (mh & last)
			score--;
		/* row 0 of the matrix grows by one per column: shift in a +1 */
		ph = (ph << 1) | 1;
		mh <<= 1;
		pv = mh | ~(xv | ph);
		mv = ph & xv;
		if (max >= 0 && score - (n - j - 1) > max)
		{
			score = max + 1;
			break;
		}
	}

	if (ascii)
		for (i = 0; i < m; i++)
			peq_ascii[p[i]] = 0;
	return (max >= 0 && score > max) ? max + 1 : score;
}

/* The same for ASCII strings read in place, as bytes. */
static int
LevenshteinBytes(const unsigned char *p, int m, const unsigned char *t, int n, int max)
{
	uint64		pv = ~UINT64CONST(0),
				mv = 0,
				last = UINT64CONST(1) << (m - 1);
	int			score = m,
				i,
				j;

	for (i = 0; i < m; i++)
		peq_ascii[p[i]] |= UINT64CONST(1) << i;
	for (j = 0; j < n; j++)
	{
		uint64		eq = peq_ascii[t[j]];
		uint64		xv = eq | mv;
		uint64		xh = (((eq & pv) + pv) ^ pv) | eq;
		uint64		ph = mv | ~(xh | pv);
		uint64		mh = pv & xh;

		if (ph & last)
			score++;
		else if (mh & last)
			score--;
		ph = (ph << 1) | 1;
		mh <<= 1;
		pv = mh | ~(xv | ph);
		mv = ph & xv;
		if (max >= 0 && score - (n - j - 1) > max)
		{
			score = max + 1;
			break;
		}
	}
	for (i = 0; i < m; i++)
		peq_ascii[p[i]] = 0;
	return (max >= 0 && score > max) ? max + 1 : score;
}

/*
 * The classic dynamic programme, one row at a time, for patterns longer
 * than a word.  Row minima never decrease, so a row whose every cell
 * exceeds max settles the bound.
 */
static int
LevenshteinRows(const pg_wchar *a, int na, const pg_wchar *b, int nb, int max)
{
	int			row[PL_COMPARE_MAX_CHARS + 1];
	int			i,
				j;

	for (j = 0; j <= na; j++)
		row[j] = j;
	for (i = 1; i <= nb; i++)
	{
		int			diag = row[0];
		int			rowmin;
		pg_wchar	c = b[i - 1];

		row[0] = rowmin = i;
		for (j = 1; j <= na; j++)
		{
			int			up = row[j];
			int			v = Min(up, row[j - 1]) + 1;

			v = Min(v, diag + (a[j - 1] != c));
			diag = up;
			row[j] = v;
			rowmin = Min(rowmin, v);
		}
		if (max >= 0 && rowmin > max)
			return max + 1;
	}
	return (max >= 0 && row[na] > max) ? max + 1 : row[na];
}

int
PlLevenshtein(const pg_wchar *a, int na, const pg_wchar *b, int nb, bool ascii, int max)
{
	/* the shorter string is the pattern */
	if (na > nb)
	{
		const pg_wchar *t = a;
		int			tn = na;

		a = b;
		na = nb;
		b = t;
		nb = tn;
	}
	if (max >= 0 && nb - na > max)
		return max + 1;
	if (na == 0)
		return nb;
	if (na <= 64)
		return LevenshteinMyers(a, na, b, nb, ascii, max);
	return LevenshteinRows(a, na, b, nb, max);
}

/* ---------------------------------------------------------------------
 * Damerau-Levenshtein
 * ---------------------------------------------------------------------
 */

/*
 * The unrestricted distance (Lowrance and Wagner 1975): insertions,
 * deletions, substitutions and transpositions of adjacent characters, where,
 * unlike the optimal string alignment distance, characters may be edited
 * again after a transposition: CA -> AC -> ABC gives d(CA, ABC) = 2 (OSA
 * says 3).  The algorithm remembers, per character, the last row holding it
 * (da), so characters are first numbered densely: ASCII by its code, other
 * strings through a small hash map.  Cells hold the distances of prefixes;
 * the row minima never decrease (dropping a's last character from an edit
 * script never costs more), so a row above max settles the bound.
 */
#define DL_STACK_CELLS	((PL_STACK_CHARS / 2 + 2) * (PL_STACK_CHARS / 2 + 2))

/* Dense numbers 0..k-1 for the distinct characters of a and b; returns k. */
static int
NumberCharacters(const pg_wchar *a, int na, const pg_wchar *b, int nb, int *aid, int *bid)
{
	int			slots = 1,
				next = 0,
				i;
	pg_wchar   *key;
	int		   *id;

	while (slots < 2 * (na + nb))
		slots <<= 1;
	key = palloc(slots * sizeof(pg_wchar));
	id = palloc(slots * sizeof(int));
	for (i = 0; i < slots; i++)
		id[i] = -1;
	for (i = 0; i < na + nb; i++)
	{
		pg_wchar	c = i < na ? a[i] : b[i - na];
		uint32		s = ((uint32) c * 2654435761U) & (slots - 1);

		while (id[s] >= 0 && key[s] != c)
			s = (s + 1) & (slots - 1);
		if (id[s] < 0)
		{
			key[s] = c;
			id[s] = next++;
		}
		if (i < na)
			aid[i] = id[s];
		else
			bid[i - na] = id[s];
	}
	pfree(key);
	pfree(id);
	return next;
}

int
PlDamerauLevenshtein(const pg_wchar *a, int na, const pg_wchar *b, int nb, bool ascii, int max)
{
	int			cells_buf[DL_STACK_CELLS];
	int			da_buf[128];
	int			ids_buf[2 * PL_STACK_CHARS];
	int		   *d,
			   *da,
			   *aid,
			   *bid;
	int			w = nb + 2,
				inf = na + nb,
				result = -1,
				nalpha,
				i,
				j;
	bool		cells_allocated = (na + 2) * (nb + 2) > DL_STACK_CELLS;

	if (max >= 0 && abs(na - nb) > max)
		return max + 1;
	if (na == 0 || nb == 0)
		return na + nb;

	if (ascii)
	{
		/* characters number themselves */
		nalpha = 128;
		aid = ids_buf;
		bid = ids_buf + PL_STACK_CHARS;
		if (na > PL_STACK_CHARS || nb > PL_STACK_CHARS)
		{
			aid = palloc(na * sizeof(int));
			bid = palloc(nb * sizeof(int));
		}
		for (i = 0; i < na; i++)
			aid[i] = (int) a[i];
		for (j = 0; j < nb; j++)
			bid[j] = (int) b[j];
	}
	else
	{
		aid = palloc(na * sizeof(int));
		bid = palloc(nb * sizeof(int));
		nalpha = NumberCharacters(a, na, b, nb, aid, bid);
	}
	da = nalpha <= (int) lengthof(da_buf) ? da_buf : palloc(nalpha * sizeof(int));
	memset(da, 0, nalpha * sizeof(int));
	d = cells_allocated ? palloc((na + 2) * (nb + 2) * sizeof(int)) : cells_buf;

	/* D(i, j), for i >= -1 and j >= -1, is the distance of a[0..i) and b[0..j) */
#define D(i, j) d[((i) + 1) * w + (j) + 1]
	D(-1, -1) = inf;
	for (i = 0; i <= na; i++)
	{
		D(i, -1) = inf;
		D(i, 0) = i;
	}
	for (j = 0; j <= nb; j++)
	{
		D(-1, j) = inf;
		D(0, j) = j;
	}
	for (i = 1; i <= na && result < 0; i++)
	{
		int			ai = aid[i - 1];
		int			db = 0;
		int			rowmin = i;

		for (j = 1; j <= nb; j++)
		{
			int			k = da[bid[j - 1]];
			int			l = db;
			int			cost = 1;
			int			v;

			if (ai == bid[j - 1])
			{
				cost = 0;
				db = j;
			}
			v = Min(D(i - 1, j), D(i, j - 1)) + 1;
			v = Min(v, D(i - 1, j - 1) + cost);
			/* transpose a[k-1] .. a[i-1] against b[l-1] .. b[j-1] */
			v = Min(v, D(k - 1, l - 1) + (i - k - 1) + 1 + (j - l - 1));
			D(i, j) = v;
			rowmin = Min(rowmin, v);
		}
		da[ai] = i;
		if (max >= 0 && rowmin > max)
			result = max + 1;
	}
	if (result < 0)
		result = (max >= 0 && D(na, nb) > max) ? max + 1 : D(na, nb);
#undef D

	if (cells_allocated)
		pfree(d);
	if (da != da_buf)
		pfree(da);
	if (aid != ids_buf)
	{
		pfree(aid);
		pfree(bid);
	}
	return result;
}

/* ---------------------------------------------------------------------
 * SQL-callable functions
 * ---------------------------------------------------------------------
 */

static int
GetMaxDistance(FunctionCallInfo fcinfo, int argno)
{
	int32		max = PG_GETARG_INT32(argno);

	if (max < 0)
		ereport(ERROR,
				errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				errmsg("maximum distance must not be negative"),
				errdetail("The maximum given is %d.", max),
				errhint("Pass 0 or more; the result is the distance, or the maximum + 1 when the distance is larger."));
	/* no distance exceeds the longest string, so a larger bound is no bound */
	return Min(max, PL_COMPARE_MAX_CHARS);
}

/* jaro(a, b) returns the Jaro similarity of two strings, in [0, 1]. */
PG_FUNCTION_INFO_V1(pseudolink_jaro);
Datum
pseudolink_jaro(PG_FUNCTION_ARGS)
{
	text	   *ta = PG_GETARG_TEXT_PP(0);
	text	   *tb = PG_GETARG_TEXT_PP(1);
	PlChars		a,
				b;
	double		r;

	if (SameShortText(ta, tb))
		PG_RETURN_FLOAT8(1.0);
	if (VARSIZE_ANY_EXHDR(ta) <= 64 && VARSIZE_ANY_EXHDR(tb) <= 64 &&
		(r = JaroBytes((const unsigned char *) VARDATA_ANY(ta), VARSIZE_ANY_EXHDR(ta),
					   (const unsigned char *) VARDATA_ANY(tb), VARSIZE_ANY_EXHDR(tb))) >= 0.0)
		PG_RETURN_FLOAT8(r);
	DecodeText(ta, &a, "jaro");
	DecodeText(tb, &b, "jaro");
	r = JaroChars(a.c, a.n, b.c, b.n, a.ascii && b.ascii);
	FreeChars(&a);
	FreeChars(&b);
	PG_FREE_IF_COPY(ta, 0);
	PG_FREE_IF_COPY(tb, 1);
	PG_RETURN_FLOAT8(r);
}

double
PlTextJaroWinkler(const text *ta, const text *tb, const char *fn)
{
	const unsigned char *pa = (const unsigned char *) VARDATA_ANY(ta);
	const unsigned char *pb = (const unsigned char *) VARDATA_ANY(tb);
	int			la = VARSIZE_ANY_EXHDR(ta);
	int			lb = VARSIZE_ANY_EXHDR(tb);
	PlChars		a,
				b;
	double		r;

	if (SameShortText(ta, tb))
		return 1.0;
	if (la <= 64 && lb <= 64 && (r = JaroWinklerBytes(pa, la, pb, lb)) >= 0.0)
		return r;
	DecodeText(ta, &a, fn);
	DecodeText(tb, &b, fn);
	r = JaroWinklerChars(a.c, a.n, b.c, b.n, a.ascii && b.ascii);
	FreeChars(&a);
	FreeChars(&b);
	return r;
}

/* jaro_winkler(a, b) returns the Jaro-Winkler similarity, in [0, 1]. */
PG_FUNCTION_INFO_V1(pseudolink_jaro_winkler);
Datum
pseudolink_jaro_winkler(PG_FUNCTION_ARGS)
{
	text	   *ta = PG_GETARG_TEXT_PP(0);
	text	   *tb = PG_GETARG_TEXT_PP(1);
	double		r = PlTextJaroWinkler(ta, tb, "jaro_winkler");

	PG_FREE_IF_COPY(ta, 0);
	PG_FREE_IF_COPY(tb, 1);
	PG_RETURN_FLOAT8(r);
}

static Datum
EditDistance(FunctionCallInfo fcinfo, bool damerau, int max)
{
	text	   *ta = PG_GETARG_TEXT_PP(0);
	text	   *tb = PG_GETARG_TEXT_PP(1);
	const char *fn = damerau ? "damerau_levenshtein" : "levenshtein";
	PlChars		a,
				b;
	int			r;

	if (SameShortText(ta, tb))
		PG_RETURN_INT32(0);
	if (!damerau)
	{
		const unsigned char *pa = (const unsigned char *) VARDATA_ANY(ta);
		const unsigned char *pb = (const unsigned char *) VARDATA_ANY(tb);
		int			la = VARSIZE_ANY_EXHDR(ta);
		int			lb = VARSIZE_ANY_EXHDR(tb);

		/* ASCII, the shorter within a word, the longer within the limit */
		if (la > lb)
		{
			const unsigned char *pt = pa;
			int			lt = la;

			pa = pb;
			la = lb;
			pb = pt;
			lb = lt;
		}
		if (la >= 1 && la <= 64 && lb <= PL_COMPARE_MAX_CHARS &&
			AsciiBytes(pa, la) && AsciiBytes(pb, lb))
		{
			r = (max >= 0 && lb - la > max) ? max + 1 : LevenshteinBytes(pa, la, pb, lb, max);
			PG_FREE_IF_COPY(ta, 0);
			PG_FREE_IF_COPY(tb, 1);
			PG_RETURN_INT32(r);
		}
	}
	DecodeText(ta, &a, fn);
	DecodeText(tb, &b, fn);
	if (damerau)
		r = PlDamerauLevenshtein(a.c, a.n, b.c, b.n, a.ascii && b.ascii, max);
	else
		r = PlLevenshtein(a.c, a.n, b.c, b.n, a.ascii && b.ascii, max);
	FreeChars(&a);
	FreeChars(&b);
	PG_FREE_IF_COPY(ta, 0);
	PG_FREE_IF_COPY(tb, 1);
	PG_RETURN_INT32(r);
}

/* levenshtein(a, b) returns the edit distance in characters. */
PG_FUNCTION_INFO_V1(pseudolink_levenshtein);
Datum
pseudolink_levenshtein(PG_FUNCTION_ARGS)
{
	return EditDistance(fcinfo, false, -1);
}

/* levenshtein(a, b, max) returns the edit distance, or max + 1 when larger. */
PG_FUNCTION_INFO_V1(pseudolink_levenshtein_bounded);
Datum
pseudolink_levenshtein_bounded(PG_FUNCTION_ARGS)
{
	return EditDistance(fcinfo, false, GetMaxDistance(fcinfo, 2));
}

/* damerau_levenshtein(a, b) returns the unrestricted Damerau distance. */
PG_FUNCTION_INFO_V1(pseudolink_damerau_levenshtein);
Datum
pseudolink_damerau_levenshtein(PG_FUNCTION_ARGS)
{
	return EditDistance(fcinfo, true, -1);
}

/* damerau_levenshtein(a, b, max) returns the distance, or max + 1 when larger. */
PG_FUNCTION_INFO_V1(pseudolink_damerau_levenshtein_bounded);
Datum
pseudolink_damerau_levenshtein_bounded(PG_FUNCTION_ARGS)
{
	return EditDistance(fcinfo, true, GetMaxDistance(fcinfo, 2));
}
