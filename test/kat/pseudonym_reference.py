#!/usr/bin/env python3
"""Independent reference implementation of pseudolink's pseudonyms.

Reproduces, with Python's standard library only (hashlib.blake2b), every value
the extension's C code computes: domain subkeys, the four pseudonym
constructions, the text form with its check character and the root key
fingerprint.  doc/pseudonyms.md describes the same construction in prose; the
known-answer test sql/13_pseudonymise.sql holds values printed by this script
for the public test keys below, so the C code and this file must agree bit
for bit.

    python3 test/kat/pseudonym_reference.py            # print the test vectors
    python3 test/kat/pseudonym_reference.py KEYHEX steward 42
                                                       # one R pseudonym

Never use the test keys for real data: they are published here.
"""
import datetime
import hashlib
import struct
import sys
import unicodedata

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"   # Crockford's base 32

# The known-answer test keys (also written by test/run.sh into the cluster).
TEST_KEY_V1 = bytes(range(32))                  # 00 01 02 ... 1f
TEST_KEY_V2 = bytes(range(255, 223, -1))        # ff fe fd ... e0


def blake2b(key, data=b"", salt=b"", person=b"", size=16):
    # hashlib pads salt and person with zero bytes to 16, as libsodium does.
    return hashlib.blake2b(data, digest_size=size, key=key, salt=salt, person=person).digest()


def subkey(root_key, domain, version):
    """32-byte subkey of a key domain at a key version."""
    return blake2b(root_key, domain.encode("ascii"), salt=struct.pack("<I", version),
                   person=b"pseudolink/K", size=32)


def fingerprint(root_key):
    return blake2b(root_key, person=b"pseudolink/F", size=8).hex()


def times2(r):
    """Multiplication by x in GF(32) = GF(2)[x] / (x^5 + x^2 + 1)."""
    r <<= 1
    return (r & 0x1F) ^ (0x05 if r & 0x20 else 0)


def text_form(kind, mac):
    bits = int.from_bytes(mac, "big") << 2      # 128 bits + 2 zero bits = 26 * 5
    body = kind + "".join(ALPHABET[(bits >> (5 * (25 - i))) & 0x1F] for i in range(26))
    r = 0
    for c in body:
        r = times2(r) ^ ALPHABET.index(c)
    return body + ALPHABET[times2(r)]


def from_int(sk, value):
    """pseudonymise(domain, value bigint): kind R."""
    mac = blake2b(sk, salt=struct.pack("<q", value), person=b"pseudolink/R")
    return "R", mac


def from_text(sk, value):
    """pseudonymise(domain, value text): kind T, UTF-8 in Unicode NFC.

    Up to 16 bytes go into the salt (zero-padded), longer values are the
    message; the personalisation tells the two forms apart."""
    data = unicodedata.normalize("NFC", value).encode("utf-8")
    assert 1 <= len(data) <= 256
    if len(data) <= 16:
        return "T", blake2b(sk, salt=data, person=b"pseudolink/t")
    return "T", blake2b(sk, data, person=b"pseudolink/T")


def person_key(sk, birth_date, sex, postcode):
    """person_key(birth_date, sex, postcode) on normalised values: kind S.

    birth_date: datetime.date; sex: 1 or 2; postcode: '1234AB'."""
    payload = ("%04d%02d%02d%d%s" % (birth_date.year, birth_date.month, birth_date.day,
                                     sex, postcode)).encode("ascii")
    assert len(payload) == 15
    return "S", blake2b(sk, salt=payload, person=b"pseudolink/S")


def derive(sk, kind, mac):
    """derive(p, domain): same kind, keyed by the target domain's subkey."""
    return kind, blake2b(sk, salt=mac, person=("pseudolink/D" + kind).encode("ascii"))


def parse(text):
    """The (kind, mac) of a text form, checking it as pseudonym_in does."""
    text = text.upper()
    assert len(text) == 28 and text[0] in "RST"
    r = 0
    for c in text:
        r = times2(r) ^ ALPHABET.index(c)
    assert r == 0, "check character does not match"
    bits = 0
    for c in text[1:27]:
        bits = (bits << 5) | ALPHABET.index(c)
    assert bits & 3 == 0
    return text[0], (bits >> 2).to_bytes(16, "big")


def vectors():
    s1 = subkey(TEST_KEY_V1, "steward", 1)
    s2 = subkey(TEST_KEY_V2, "steward", 2)
    p1 = subkey(TEST_KEY_V1, "project-1", 1)
    rows = [
        ("fingerprint v1", fingerprint(TEST_KEY_V1)),
        ("fingerprint v2", fingerprint(TEST_KEY_V2)),
        ("subkey steward v1", s1.hex()),
        ("subkey project-1 v1", p1.hex()),
        ("R steward v1 42", text_form(*from_int(s1, 42))),
        ("R steward v1 0", text_form(*from_int(s1, 0))),
        ("R steward v1 -1", text_form(*from_int(s1, -1))),
        ("R steward v1 9223372036854775807", text_form(*from_int(s1, 9223372036854775807))),
        ("R steward v2 42", text_form(*from_int(s2, 42))),
        ("R project-1 v1 42", text_form(*from_int(p1, 42))),
        ("T steward v1 'NHR-000123'", text_form(*from_text(s1, "NHR-000123"))),
        ("T steward v1 'Jos\\u00e9'", text_form(*from_text(s1, "Jos\u00e9"))),
        ("T steward v1 'Jose\\u0301'", text_form(*from_text(s1, "Jose\u0301"))),
        ("T steward v1 'sixteen bytes..!'", text_form(*from_text(s1, "sixteen bytes..!"))),
        ("T steward v1 'seventeen bytes.!'", text_form(*from_text(s1, "seventeen bytes.!"))),
        ("S steward v1 1950-03-07 1 1234AB",
         text_form(*person_key(s1, datetime.date(1950, 3, 7), 1, "1234AB"))),
        ("S steward v1 2001-12-31 2 9999ZZ",
         text_form(*person_key(s1, datetime.date(2001, 12, 31), 2, "9999ZZ"))),
        ("derive(R steward v1 42, project-1 v1)",
         text_form(*derive(p1, *from_int(s1, 42)))),
        ("derive(S steward v1 1950-03-07 1 1234AB, project-1 v1)",
         text_form(*derive(p1, *person_key(s1, datetime.date(1950, 3, 7), 1, "1234AB")))),
    ]
    for name, value in rows:
        print("%-58s %s" % (name, value))
    # The text forms parse back to what they encode.
    kind, mac = from_int(s1, 42)
    assert parse(text_form(kind, mac)) == (kind, mac)


if __name__ == "__main__":
    if len(sys.argv) == 4:
        root = bytes.fromhex(sys.argv[1])
        print(text_form(*from_int(subkey(root, sys.argv[2], 1), int(sys.argv[3]))))
    else:
        vectors()
