#!/usr/bin/env python3
"""Independent reference implementation of pseudolink's string comparators.

Written from the published definitions, in plain Python on code points
(Python strings are sequences of code points, as the C code's are after
decoding): Jaro (Jaro 1989), Jaro-Winkler with Winkler's standard
parameters (prefix of at most 4, scale 0.1, boost only when Jaro > 0.7),
Levenshtein, the unrestricted Damerau-Levenshtein distance
(Lowrance-Wagner) and, for contrast, the optimal string alignment distance
(OSA, "restricted Damerau").  The known-answer rows of sql/20_compare.sql
were printed by this script; the C code and this file must agree to the
last bit of a double for the similarities and exactly for the distances.

    python3 test/kat/compare_reference.py          # print the test vectors
    python3 test/kat/compare_reference.py A B      # every comparator on one pair
    python3 test/kat/compare_reference.py --check  # properties on random strings
"""
import random
import sys


def jaro(a, b):
    """Jaro similarity; 1 for two empty strings, 0 when exactly one is empty."""
    na, nb = len(a), len(b)
    if na == 0 and nb == 0:
        return 1.0
    if na == 0 or nb == 0:
        return 0.0
    window = max(0, max(na, nb) // 2 - 1)
    amatch = [False] * na
    bmatch = [False] * nb
    m = 0
    for i in range(na):
        for j in range(max(0, i - window), min(nb - 1, i + window) + 1):
            if not bmatch[j] and a[i] == b[j]:
                amatch[i] = bmatch[j] = True
                m += 1
                break
    if m == 0:
        return 0.0
    # Matched characters that are out of order, counted in a's order
    # against b's; half of them (rounded down, as Winkler's strcmp95
    # does) are the transpositions.
    out_of_order = 0
    k = 0
    for i in range(na):
        if amatch[i]:
            while not bmatch[k]:
                k += 1
            if a[i] != b[k]:
                out_of_order += 1
            k += 1
    t = out_of_order // 2
    return (m / na + m / nb + (m - t) / m) / 3.0


def jaro_winkler(a, b):
    j = jaro(a, b)
    if j <= 0.7:
        return j
    prefix = 0
    for x, y in zip(a[:4], b[:4]):
        if x != y:
            break
        prefix += 1
    return j + prefix * 0.1 * (1.0 - j)


def levenshtein(a, b):
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1]))
        prev = cur
    return prev[len(b)]


def damerau_levenshtein(a, b):
    """Unrestricted Damerau-Levenshtein distance (Lowrance and Wagner 1975)."""
    na, nb = len(a), len(b)
    inf = na + nb
    da = {}
    # d is indexed from -1: d[i + 1][j + 1] holds d(i, j)
    d = [[0] * (nb + 2) for _ in range(na + 2)]
    d[0][0] = inf
    for i in range(0, na + 1):
        d[i + 1][0] = inf
        d[i + 1][1] = i
    for j in range(0, nb + 1):
        d[0][j + 1] = inf
        d[1][j + 1] = j
    for i in range(1, na + 1):
        db = 0
        for j in range(1, nb + 1):
            k = da.get(b[j - 1], 0)
            l = db
            if a[i - 1] == b[j - 1]:
                cost = 0
                db = j
            else:
                cost = 1
            d[i + 1][j + 1] = min(d[i][j] + cost,
                                  d[i + 1][j] + 1,
                                  d[i][j + 1] + 1,
                                  d[k][l] + (i - k - 1) + 1 + (j - l - 1))
        da[a[i - 1]] = i
    return d[na + 1][nb + 1]


def osa(a, b):
    """Optimal string alignment distance: no substring edited twice."""
    na, nb = len(a), len(b)
    d = [[0] * (nb + 1) for _ in range(na + 1)]
    for i in range(na + 1):
        d[i][0] = i
    for j in range(nb + 1):
        d[0][j] = j
    for i in range(1, na + 1):
        for j in range(1, nb + 1):
            cost = a[i - 1] != b[j - 1]
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[na][nb]


# Winkler's name pairs (Winkler 1990; the same pairs in Winkler's Census
# report RR94/05, Table 2.1, with Jaro and Jaro-Winkler values rounded to
# three digits) and the textbook edit-distance examples.
WINKLER_PAIRS = [
    ("SHACKLEFORD", "SHACKELFORD"), ("DUNNINGHAM", "CUNNIGHAM"), ("NICHLESON", "NICHULSON"),
    ("JONES", "JOHNSON"), ("MASSEY", "MASSIE"), ("ABROMS", "ABRAMS"), ("HARDIN", "MARTINEZ"),
    ("ITMAN", "SMITH"), ("JERALDINE", "GERALDINE"), ("MARHTA", "MARTHA"), ("MICHELLE", "MICHAEL"),
    ("JULIES", "JULIUS"), ("TANYA", "TONYA"), ("DWAYNE", "DUANE"), ("SEAN", "SUSAN"),
    ("JON", "JOHN"), ("JON", "JAN"),
]
EDIT_PAIRS = [
    ("kitten", "sitting"), ("flaw", "lawn"), ("saturday", "sunday"), ("sunday", "saturday"),
    ("book", "back"), ("intention", "execution"), ("gumbo", "gambol"), ("", "abc"), ("abc", ""),
    ("", ""), ("CA", "ABC"), ("ABC", "CA"), ("ab", "ba"), ("abcdef", "badcfe"), ("a cat", "an act"),
    ("Jansen", "Janssen"), ("de Vries", "de Vires"),
    ("Müller", "Muller"), ("café", "cafe"), ("Gödel", "Goedel"), ("ĳzer", "ijzer"),
    ("Ĳsselmeer", "IJsselmeer"), ("Zoë", "Zoe"), ("Çelik", "Celik"), ("éé", "ee"),
]


def vectors():
    print("-- Winkler's pairs: pair, Jaro, Jaro-Winkler (repr of the doubles)")
    for a, b in WINKLER_PAIRS:
        print(f"('{a}', '{b}', {jaro(a, b)!r}, {jaro_winkler(a, b)!r}),")
    print("-- edit distances: pair, Levenshtein, unrestricted Damerau, OSA, Jaro, Jaro-Winkler")
    for a, b in EDIT_PAIRS:
        print(f"('{a}', '{b}', {levenshtein(a, b)}, {damerau_levenshtein(a, b)}, {osa(a, b)}, "
              f"{jaro(a, b)!r}, {jaro_winkler(a, b)!r}),")


def check(n=20000, seed=2024):
    """Properties on random strings over a small alphabet (collisions are likely)."""
    rnd = random.Random(seed)
    alphabet = "abcé"
    bad = 0
    for _ in range(n):
        s = ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 9))) for _ in range(3)]
        a, b, c = s
        for f in (jaro, jaro_winkler):
            if f(a, b) != f(b, a) or not 0.0 <= f(a, b) <= 1.0 or f(a, a) != 1.0:
                print("similarity property fails", f.__name__, a, b)
                bad += 1
        for f in (levenshtein, damerau_levenshtein):
            if f(a, b) != f(b, a) or f(a, a) != 0 or f(a, c) > f(a, b) + f(b, c):
                print("metric property fails", f.__name__, a, b, c)
                bad += 1
        if osa(a, b) < damerau_levenshtein(a, b) or damerau_levenshtein(a, b) > levenshtein(a, b):
            print("ordering fails", a, b)
            bad += 1
    print(f"{n} random triples, {bad} failures")
    return bad == 0


if __name__ == "__main__":
    if len(sys.argv) == 2 and sys.argv[1] == "--check":
        sys.exit(0 if check() else 1)
    if len(sys.argv) == 3:
        a, b = sys.argv[1], sys.argv[2]
        print(f"jaro {jaro(a, b)!r}\njaro_winkler {jaro_winkler(a, b)!r}\n"
              f"levenshtein {levenshtein(a, b)}\ndamerau_levenshtein {damerau_levenshtein(a, b)}\n"
              f"osa {osa(a, b)}")
    else:
        vectors()
