#!/usr/bin/python3
# als_ref.py - reference numbers for the als plugin (tests/unit/test-recommend.c):
# alternating least squares written plainly in numpy, from the same initial
# factors as plugins/algo-als.c.
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Regenerate (Debian 12: numpy 1.24), from this folder:
#     /usr/bin/python3 als_ref.py > als_ref.txt
#
# Each case is a block of lines "key value...":
#   case NAME
#   options WORD...        the option words the test trains with
#   seed S                 the problem's 64-bit seed
#   shape USERS ITEMS      the numbers of user and item levels
#   rows u i r u i r ...   the rows, in order (repeated pairs included)
#   X ...                  user factors after the sweeps, row by row (%.17g)
#   Y ...                  item factors
#   loss L                 the objective divided by the number of pairs
#   end
#
# What is repeated here independently of the C code:
#   - the initial factors: GSL's mt19937 (Knuth's init_genrand seeding, 0 is
#     4357) seeded with the seed folded to 32 bits (low word XOR high word),
#     X then Y row by row, each 0.01 * (2u - 1) / sqrt(k), u = draw / 2^32;
#   - repeated pairs: the last rating counts (explicit), values add (implicit);
#   - a sweep: every user solved with Y fixed, then every item with X fixed,
#     by numpy.linalg.solve on the normal equations; no pairs: zero factors;
#   - the objective (see plugins/algo-als.c), computed on the dense matrices.
import numpy as np


class MT19937:
    """The Mersenne Twister as GSL's gsl_rng_mt19937 seeds and runs it."""

    def __init__(self, seed):
        seed &= 0xFFFFFFFF
        if seed == 0:
            seed = 4357
        self.mt = [seed]
        for i in range(1, 624):
            prev = self.mt[-1]
            self.mt.append((1812433253 * (prev ^ (prev >> 30)) + i) & 0xFFFFFFFF)
        self.mti = 624

    def uint32(self):
        mt = self.mt
        if self.mti >= 624:
            for kk in range(624):
                y = (mt[kk] & 0x80000000) | (mt[(kk + 1) % 624] & 0x7FFFFFFF)
                mt[kk] = mt[(kk + 397) % 624] ^ (y >> 1) ^ (0x9908B0DF if y & 1 else 0)
            self.mti = 0
        y = mt[self.mti]
        self.mti += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C5680
        y ^= (y << 15) & 0xEFC60000
        y ^= y >> 18
        return y

    def uniform(self):
        return self.uint32() / 4294967296.0


def fold(seed):
    return (seed & 0xFFFFFFFF) ^ (seed >> 32)


def init_factors(seed, n_users, n_items, k):
    rng = MT19937(fold(seed))
    scale = 0.01 / np.sqrt(k)
    X = np.array([scale * (2.0 * rng.uniform() - 1.0) for _ in range(n_users * k)])
    Y = np.array([scale * (2.0 * rng.uniform() - 1.0) for _ in range(n_items * k)])
    return X.reshape(n_users, k), Y.reshape(n_items, k)


def merge(rows, n_users, n_items, implicit):
    """Dense values R and a mask M of the pairs."""
    R = np.zeros((n_users, n_items))
    M = np.zeros((n_users, n_items), dtype=bool)
    for u, i, r in rows:
        if implicit and M[u, i]:
            R[u, i] += r
        else:
            R[u, i] = r
        M[u, i] = True
    return R, M


def solve_side(F, G, R, M, lam, count, implicit, alpha):
    """Each row of F solved with G fixed (rows of R, M: this side)."""
    k = F.shape[1]
    out = np.zeros_like(F)
    for a in range(F.shape[0]):
        idx = np.nonzero(M[a])[0]
        if len(idx) == 0:
            continue
        w = len(idx) if count else 1.0
        Ga = G[idx]
        r = R[a, idx]
        if implicit:
            c = 1.0 + alpha * r
            p = (r > 0).astype(float)
            A = G.T @ G + Ga.T @ np.diag(c - 1.0) @ Ga + lam * w * np.eye(k)
            b = Ga.T @ (c * p)
        else:
            A = Ga.T @ Ga + lam * w * np.eye(k)
            b = Ga.T @ r
        out[a] = np.linalg.solve(A, b)
    return out


def objective(X, Y, R, M, lam, count, implicit, alpha):
    S = X @ Y.T
    if implicit:
        C = 1.0 + alpha * np.where(M, R, 0.0)
        P = (M & (R > 0)).astype(float)
        fit = np.sum(C * (P - S) ** 2)
    else:
        fit = np.sum(np.where(M, (R - S) ** 2, 0.0))
    wu = M.sum(axis=1) if count else np.ones(X.shape[0])
    wi = M.sum(axis=0) if count else np.ones(Y.shape[0])
    reg = np.sum(wu * np.sum(X * X, axis=1)) + np.sum(wi * np.sum(Y * Y, axis=1))
    return (fit + lam * reg) / M.sum()


def run(name, rows, n_users, n_items, seed, k, lam, count, implicit, alpha, sweeps):
    R, M = merge(rows, n_users, n_items, implicit)
    X, Y = init_factors(seed, n_users, n_items, k)
    for _ in range(sweeps):
        X = solve_side(X, Y, R, M, lam, count, implicit, alpha)
        Y = solve_side(Y, X, R.T, M.T, lam, count, implicit, alpha)
    words = [
        "factors=%d" % k,
        "lambda=%r" % lam,
        "lambda_scale=%s" % ("count" if count else "none"),
        "implicit=%s" % ("true" if implicit else "false"),
        "alpha=%r" % alpha,
        "max_iter=%d" % sweeps,
        "tol=0",
    ]
    print("case", name)
    print("options", " ".join(words))
    print("seed", seed)
    print("shape", n_users, n_items)
    print("rows", " ".join("%d %d %r" % (u, i, r) for u, i, r in rows))
    print("X", " ".join("%.17g" % v for v in X.ravel()))
    print("Y", " ".join("%.17g" % v for v in Y.ravel()))
    print("loss", "%.17g" % objective(X, Y, R, M, lam, count, implicit, alpha))
    print("end")


def make_rows(rng, n_users, n_items, density, implicit):
    """Rows of a random matrix; user 0 and the last item get no pair, and two
    pairs come twice (once more at the end), to test merging."""
    rows = []
    for u in range(1, n_users):
        for i in range(n_items - 1):
            if rng.random() < density:
                r = float(rng.integers(1, 4)) if implicit else float(rng.integers(1, 6))
                rows.append((u, i, r))
    rows.append((rows[3][0], rows[3][1], 2.0 if implicit else 5.0))
    rows.append((rows[10][0], rows[10][1], 1.0))
    return rows


def main():
    rng = np.random.default_rng(20240611)
    print("# made by als_ref.py: see there to regenerate")
    explicit = make_rows(rng, 9, 7, 0.55, False)
    implicit = make_rows(rng, 9, 7, 0.45, True)
    run("explicit", explicit, 9, 7, 42, 3, 0.1, False, False, 40.0, 6)
    run("explicit_count", explicit, 9, 7, (5 << 32) | 3, 2, 0.05, True, False, 40.0, 4)
    run("implicit", implicit, 9, 7, 42, 3, 0.1, False, True, 2.0, 6)
    run("implicit_count", implicit, 9, 7, 0, 4, 0.02, True, True, 40.0, 5)


if __name__ == "__main__":
    main()
