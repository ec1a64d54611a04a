#!/usr/bin/env python3
"""Independent reference implementation of pseudolink's blocking keys.

Written from the key layout that src/blocking.c documents, not from its
code: SipHash-2-4 (Aumasson and Bernstein 2012) under the fixed public key
"pseudolink-block", over the hash input

    rule_id (1 byte) || transform names joined by "," || 0x00
    || for each part: length (4 bytes, little endian) || normalised value

and the key rule_id << 56 | order << 40 | (hash & 0xFFFFFFFFFF), where
order is the 16-bit number that sorts like the rule's first part.  The
known-answer rows of sql/41_blocking_rules.sql were printed by this script:
the key sets stored in register_keys, and the GIN index over them, are only
valid while the C code makes these exact keys, so a change to the hash
input or its layout must show up as a failing test, never as a register
whose key sets silently stop matching new records.

    python3 test/kat/blocking_reference.py     # print the test vectors
"""
import datetime
import struct

MASK = (1 << 64) - 1
HASH_KEY = b"pseudolink-block"


def _rotl(x, b):
    return ((x << b) | (x >> (64 - b))) & MASK


def siphash24(key, data):
    """SipHash-2-4 of data under a 16-byte key, as an unsigned 64-bit number."""
    k0, k1 = struct.unpack("<QQ", key)
    v0 = k0 ^ 0x736F6D6570736575
    v1 = k1 ^ 0x646F72616E646F6D
    v2 = k0 ^ 0x6C7967656E657261
    v3 = k1 ^ 0x7465646279746573

    def rounds(n):
        nonlocal v0, v1, v2, v3
        for _ in range(n):
            v0 = (v0 + v1) & MASK
            v1 = _rotl(v1, 13) ^ v0
            v0 = _rotl(v0, 32)
            v2 = (v2 + v3) & MASK
            v3 = _rotl(v3, 16) ^ v2
            v0 = (v0 + v3) & MASK
            v3 = _rotl(v3, 21) ^ v0
            v2 = (v2 + v1) & MASK
            v1 = _rotl(v1, 17) ^ v2
            v2 = _rotl(v2, 32)

    full = len(data) // 8 * 8
    for i in range(0, full, 8):
        (m,) = struct.unpack("<Q", data[i:i + 8])
        v3 ^= m
        rounds(2)
        v0 ^= m
    tail = data[full:] + b"\0" * (7 - len(data) % 8)
    (m,) = struct.unpack("<Q", tail + bytes([len(data) & 0xFF]))
    v3 ^= m
    rounds(2)
    v0 ^= m
    v2 ^= 0xFF
    rounds(4)
    return v0 ^ v1 ^ v2 ^ v3


def day_order(d):
    """Days since 1900-01-01, clamped to 16 bits."""
    return max(0, min((d - datetime.date(1900, 1, 1)).days, 0xFFFF))


def key(rule_id, names, values, order):
    data = bytes([rule_id]) + ",".join(names).encode() + b"\0"
    for v in values:
        data += struct.pack("<I", len(v)) + v.encode()
    return (rule_id << 56) | (order << 40) | (siphash24(HASH_KEY, data) & 0xFFFFFFFFFF)


def dutch_keys(birth_date, sex, postcode, house_number, house_suffix, probe=False):
    """The keys of the six Dutch rules (add_dutch_blocking_rules) of one
    record whose values are already normalised: birth_date a date, sex "1"
    or "2", postcode "1234AB", house_number digits, house_suffix upper case
    ("" when none)."""
    d = birth_date
    ymd = d.isoformat()
    pc_order = int(postcode[:4]) * 6 + (ord(postcode[4]) - ord("A")) // 5
    keys = [
        key(1, ["date", "sex"], [ymd, sex], day_order(d)),
        key(2, ["year", "postcode"], [ymd[:4], postcode], day_order(datetime.date(d.year, 1, 1))),
        key(3, ["date", "postcode4"], [ymd, postcode[:4]], day_order(d)),
    ]
    if d.day <= 12 and d.day != d.month:
        s = datetime.date(d.year, d.day, d.month) if probe else d
        keys.append(key(4, ["day_month_swapped", "sex"], [s.isoformat(), sex], day_order(s)))
    keys.append(key(5, ["month_day", "postcode", "sex"], [ymd[5:], postcode, sex],
                    (d.month - 1) * 31 + (d.day - 1)))
    keys.append(key(6, ["postcode", "house_number", "house_suffix"],
                    [postcode, house_number, house_suffix], pc_order))
    return sorted(keys)


def blockkeys_text(keys):
    return "{" + ",".join("%016x" % k for k in keys) + "}"


if __name__ == "__main__":
    # the records of the known-answer test in sql/41_blocking_rules.sql
    vectors = [
        ("found", datetime.date(1950, 3, 7), "2", "1234AB", "12", "", False),
        ("found", datetime.date(1961, 11, 5), "1", "9711BC", "300", "A", False),
        ("probe", datetime.date(1961, 11, 5), "1", "9711BC", "300", "A", True),
    ]
    for name, *args in vectors:
        print(name, args[0].isoformat(), blockkeys_text(dutch_keys(*args)))
