#!/usr/bin/env python3
"""Reference log lines of the gen source, computed independently of aiwb.

The model of gen:regression, gen:blobs and gen:classification is drawn from
uniforms and uniform integers only, so it can be recomputed from the plain
MT19937 stream (numpy's legacy seeding is init_genrand, which is what GSL's
gsl_rng_set does for mt19937) following the procedure documented at the top
of plugins/source-gen.c. tests/unit/test-gen.c loads each case with its
options and checks that aiwb logs exactly this line.

Regenerate (from the source tree):
    /usr/bin/python3 tests/data/gen/reference.py > tests/data/gen/reference.txt

Format: a line per case, "KIND OPTION=VALUE ...<TAB>expected log line".
"""
import math
import sys

import numpy as np


def fold(seed):
    """The 64-bit seed folded to mt19937's 32: low XOR high, 0 as 4357."""
    f = (seed & 0xFFFFFFFF) ^ (seed >> 32)
    return f if f else 4357


class Gsl:
    """gsl_rng_mt19937 and the two GSL draws the models use."""

    def __init__(self, seed):
        self.bits = np.random.RandomState(fold(seed))._bit_generator

    def get(self):
        return int(self.bits.random_raw())

    def uniform(self):
        return self.get() / 4294967296.0

    def uniform_int(self, n):
        scale = 0xFFFFFFFF // n
        while True:
            k = self.get() // scale
            if k < n:
                return k


def c_round(x):
    """C's round(): halves away from zero."""
    return math.copysign(math.floor(abs(x) + 0.5), x)


def g(x):
    return "%g" % x


def regression(seed, p, q, intercept=0.0, noise=1.0):
    r = Gsl(seed)
    chosen = []
    for j in range(p):
        if len(chosen) == q:
            break
        if (p - j) * r.uniform() < q - len(chosen):
            chosen.append(j)
    beta = {}
    for j in chosen:
        mag = c_round(100 + 200 * r.uniform()) / 100
        beta[j] = mag if r.uniform_int(2) else -mag
    line = "gen:regression: y = " + g(intercept)
    for j in chosen:
        line += " %s %s*x%d" % ("-" if beta[j] < 0 else "+", g(abs(beta[j])), j + 1)
    line += " + N(0, %s^2)" % g(noise)
    if q < p:
        line += "; the other %d coefficients are 0" % (p - q)
    return line


def blobs(seed, k, p, box=10.0):
    r = Gsl(seed)
    centres = [c_round(100 * box * (2 * r.uniform() - 1)) / 100 for _ in range(k * p)]
    parts = []
    for c in range(k):
        coords = ", ".join(g(centres[c * p + j]) for j in range(min(p, 10)))
        parts.append("k%d (%s%s)" % (c, coords, ", ..." if p > 10 else ""))
    return "gen:blobs: centres " + ", ".join(parts)


def classification(seed, k, q, sep=1.0):
    r = Gsl(seed)
    vertices = []
    for _ in range(k):
        while True:
            v = [1 if r.uniform_int(2) else -1 for _ in range(q)]
            if v not in vertices:
                break
        vertices.append(v)
    width = len(str(k - 1))
    parts = []
    for c, v in enumerate(vertices):
        signs = " ".join("%+d" % s for s in v[:10])
        parts.append("c%0*d (%s%s)" % (width, c, signs, " ..." if q > 10 else ""))
    return "gen:classification: class centres in x1..x%d, times sep=%s: %s" % (
        q, g(sep), ", ".join(parts))


CASES = [
    ("regression seed=1", regression(1, 10, 5)),
    ("regression seed=11 features=8 informative=5 intercept=1.5 noise=2",
     regression(11, 8, 5, 1.5, 2.0)),
    ("regression seed=4294967301 features=12 informative=12", regression(4294967301, 12, 12)),
    ("regression seed=0 features=30 informative=3", regression(0, 30, 3)),
    ("blobs seed=1", blobs(1, 3, 2)),
    ("blobs seed=77 clusters=5 features=12 box=2.5", blobs(77, 5, 12, 2.5)),
    ("blobs seed=9223372036854775807 clusters=2 features=3", blobs(9223372036854775807, 2, 3)),
    ("classification seed=1", classification(1, 2, 2)),
    ("classification seed=3 classes=8 informative=3 features=3 sep=2.5",
     classification(3, 8, 3, 2.5)),
    ("classification seed=12 classes=11 informative=12 features=20",
     classification(12, 11, 12)),
]


def main():
    out = sys.stdout
    for opts, line in CASES:
        out.write("%s\t%s\n" % (opts, line))


if __name__ == "__main__":
    main()
