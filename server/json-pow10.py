#!/usr/bin/env python3
# json-pow10.py - prints the table of 128-bit powers of ten that
# server/json-number.c uses to read numbers (Eisel-Lemire) and to write them
# (Schubfach).
#
# SPDX-License-Identifier: MIT
# Copyright (C) 2026 the aiwb developers
#
# Entry k (K_MIN <= k <= K_MAX) is floor(m) where m = 10^k * 2^-e is the
# unique scaling with 2^127 <= m < 2^128: the truncated 128-bit significand
# of 10^k. Regenerate the table in json-number.c with
#     python3 server/json-pow10.py > /tmp/t && (paste between the markers)
# and check the committed one with
#     python3 server/json-pow10.py --check server/json-number.c
import re
import sys

K_MIN, K_MAX = -342, 326


def truncated(k):
    if k >= 0:
        p = 10 ** k
        b = p.bit_length()
        return p << (128 - b) if b <= 128 else p >> (b - 128)
    d = 10 ** -k
    return (1 << (d.bit_length() + 127)) // d


def lemire(q):
    """fast_float's table entry for 5^q (its generator, restated)."""
    if q >= 0:
        p = 5 ** q
        while p < (1 << 127):
            p *= 2
        while p >= (1 << 128):
            p //= 2
        return p
    p = 5 ** -q
    z = 0
    while (1 << z) < p:
        z += 1
    b = z + 127 if q >= -27 else 2 * z + 2 * 64
    c = 2 ** b // p + 1
    while c >= (1 << 128):
        c //= 2
    return c


def table():
    rows = []
    for k in range(K_MIN, K_MAX + 1):
        t = truncated(k)
        assert (1 << 127) <= t < (1 << 128)
        # json-number.c derives Eisel-Lemire's entries from t: t itself for k >= 0
        # and k < -27, t + 1 (the ceiling) for -27 <= k < 0.
        if k <= 308:
            want = lemire(k)
            got = t + 1 if -27 <= k < 0 else t
            assert got == want, k
        rows.append("    {0x%016xu, 0x%016xu}, /* %d */" % (t >> 64, t & (2 ** 64 - 1), k))
    return rows


def main():
    rows = table()
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        text = open(sys.argv[2]).read()
        m = re.search(r"/\* BEGIN POW10 TABLE \*/\n(.*?)\n/\* END POW10 TABLE \*/", text, re.S)
        if not m or m.group(1).split("\n") != rows:
            print("table in %s differs from the generator" % sys.argv[2])
            return 1
        print("table ok: %d entries" % len(rows))
        return 0
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
