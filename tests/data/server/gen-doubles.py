#!/usr/bin/env python3
# gen-doubles.py - doubles and the shortest text that reads back as each,
# as Python's repr() writes it, for tests/server/test-json.c: one line each,
# "<16 hex digits of the IEEE bits> <repr>".
#
# SPDX-License-Identifier: MIT
# Copyright (C) 2026 the aiwb developers
#
# Regenerate with
#     python3 tests/data/server/gen-doubles.py > tests/data/server/doubles.txt
import random
import struct
import sys


def bits(x):
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def from_bits(b):
    return struct.unpack("<d", struct.pack("<Q", b))[0]


def main():
    rng = random.Random(20260501)
    values = [0.0, -0.0, 5e-324, -5e-324, 1e-323, 2.2250738585072014e-308,
              2.225073858507201e-308, 1.7976931348623157e308, -1.7976931348623157e308,
              0.1, 0.2, 0.3, 0.1 + 0.2, 1.0 / 3, 2.0 / 3, 1e23, 9007199254740992.0,
              9007199254740994.0, 1e15, 1e16, 1e17, 1e21, 1e22, 0.001, 0.0001, 1e-05,
              123456789012345680.0, 5e-324 * 3, 4.35e-322, 1.5, -2.5, 100.0, 1e100]
    for e in range(-1074, 1024):
        values.append(2.0 ** e)
    for e in range(-323, 309):
        values.append(float("1e%d" % e))
    for _ in range(1500):
        b = rng.getrandbits(64)
        x = from_bits(b)
        if x == x and abs(x) != float("inf"):
            values.append(x)
    for _ in range(600):
        values.append(round(rng.uniform(-1000, 1000), rng.randint(0, 8)))
    for _ in range(300):
        values.append(from_bits(rng.getrandbits(52)))  # subnormals
    seen = set()
    out = sys.stdout
    for x in values:
        b = bits(x)
        if b in seen:
            continue
        seen.add(b)
        out.write("%016x %r\n" % (b, x))


if __name__ == "__main__":
    main()
