/*
 * split.c - reproducible train/test splits of row indices, optionally stratified.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Reproducibility rests on integer arithmetic only: GSL's mt19937 gives the
 * same 32-bit words on every platform, the draws below use them without
 * floating point, and the only double operation, ratio * size, is a single
 * correctly rounded IEEE multiplication.
 *
 * The procedure, which a change would break for every saved seed:
 *  1. The 64-bit seed is folded to 32 bits, low word XOR high word, and given
 *     to gsl_rng_set(). GSL's mt19937 keeps only 32 bits of its seed (whatever
 *     the width of unsigned long) and replaces 0 by 4357, so seeds below 2^32
 *     are used as they are, except that 0 and 4357 give the same split.
 *  2. The rows are grouped by stratum, strata in increasing code then the
 *     missing one (negative codes); without STRATA there is one stratum. In
 *     each group the rows stay in data order.
 *  3. Each group, in that order, is shuffled by Fisher-Yates from its last
 *     position down: position i swaps with j uniform in 0..i, drawn by
 *     draw_below(). Its first t rows go to training, where for a group of s
 *     rows t = round(ratio * s) (half away from zero), kept within 1..s-1
 *     when s >= 2 so that each stratum reaches both parts; a group of one
 *     row goes to training.
 *  4. Both lists are written in increasing row order.
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "core/split.h"
#include "core/xalloc.h"

/*
 * A uniform draw in 0..M-1 (M >= 1) from mt19937's 32-bit words, without
 * bias: a word below 2^32 mod M (2^64 mod M for M past 32 bits, from two
 * words, high first) is thrown away and the next taken (OpenBSD's
 * arc4random_uniform).
 */
static uint64_t
draw_below(gsl_rng *rng, uint64_t m)
{
    uint64_t x, floor64 = -m % m;

    if (m <= UINT32_MAX) {
        uint32_t m32 = (uint32_t)m, floor32 = (uint32_t)-m32 % m32, w;

        do
            w = (uint32_t)gsl_rng_get(rng);
        while (w < floor32);
        return w % m32;
    }
    do {
        x = (uint64_t)(uint32_t)gsl_rng_get(rng) << 32;
        x |= (uint32_t)gsl_rng_get(rng);
    } while (x < floor64);
    return x % m;
}

static void
shuffle(gsl_rng *rng, size_t *a, size_t n)
{
    for (size_t i = n; i-- > 1;) {
        size_t j = (size_t)draw_below(rng, (uint64_t)i + 1), t = a[i];

        a[i] = a[j];
        a[j] = t;
    }
}

/* The training share of a stratum of S rows (step 3 above). */
static size_t
train_size(size_t s, double ratio)
{
    double t;

    if (s < 2)
        return s;
    t = round(ratio * (double)s);
    return t < 1.0 ? 1 : t > (double)(s - 1) ? s - 1 : (size_t)t;
}

/* The group of row I: its stratum code, MISSING for a negative code, 0 without STRATA. */
static size_t
group_of(const int32_t *strata, size_t i, size_t missing)
{
    return strata == NULL ? 0 : strata[i] < 0 ? missing : (size_t)strata[i];
}

/*
 * The number of groups (step 2 above): 1 without STRATA, else the highest
 * code present plus 2, the last group being the missing codes' (empty groups
 * draw nothing, so this bounds the memory by N rather than NSTRATA without
 * changing any split). 0 when a code is NSTRATA or more.
 */
static size_t
count_groups(size_t n, const int32_t *strata, size_t nstrata)
{
    int32_t top = -1;

    if (strata == NULL)
        return 1;
    for (size_t i = 0; i < n; i++) {
        if (strata[i] >= 0 && (size_t)strata[i] >= nstrata)
            return 0;
        if (strata[i] > top)
            top = strata[i];
    }
    return (size_t)top + 2;
}

/*
 * Group 0..N-1 into ORDER (N entries), group after group, rows in data order
 * within each, with START[g] the first position of group g and START[g+1] one
 * past its last (START has NGROUPS+1 entries, zeroed by the caller).
 */
static void
group_rows(size_t n, const int32_t *strata, size_t ngroups, size_t *order, size_t *start)
{
    for (size_t i = 0; i < n; i++)
        start[group_of(strata, i, ngroups - 1) + 1]++;
    for (size_t g = 0; g < ngroups; g++)
        start[g + 1] += start[g];
    for (size_t i = 0; i < n; i++)
        order[start[group_of(strata, i, ngroups - 1)]++] = i;
    /* Each start[g] has moved to the end of group g: shift them back. */
    memmove(start + 1, start, ngroups * sizeof *start);
    start[0] = 0;
}

/*
 * Split 0..N-1 into a training and a test part (see split.h and the
 * procedure at the top of this file). STRATA may be NULL (NSTRATA is then
 * ignored); otherwise each code is below NSTRATA or negative (missing).
 * The training part has round(RATIO*N) rows without STRATA (but at least 1
 * and at most N-1); with STRATA it is the sum of the strata's shares, which
 * may differ from round(RATIO*N) by up to one row per stratum. On success
 * returns 0 with *TRAIN and *TEST new arrays of *NTRAIN and *NTEST increasing
 * indices, which the caller frees. Returns -1 with both set to NULL and the
 * counts to 0 when RATIO is not in (0,1), a code is NSTRATA or more, or a
 * part would be empty (N < 2, or every stratum has a single row).
 */
int
split_indices(size_t n, double ratio, uint64_t seed, const int32_t *strata, size_t nstrata,
              size_t **train, size_t *ntrain, size_t **test, size_t *ntest)
{
    size_t ngroups, total = 0;
    size_t *order = NULL, *start = NULL;
    unsigned char *in_train = NULL;
    gsl_rng *rng = NULL;
    int rc = -1;

    *train = *test = NULL;
    *ntrain = *ntest = 0;
    if (!(ratio > 0.0 && ratio < 1.0) || n < 2)
        return -1;
    ngroups = count_groups(n, strata, nstrata);
    if (ngroups == 0)
        return -1;
    order = xmalloc(n * sizeof *order);
    start = xcalloc(ngroups + 1, sizeof *start);
    group_rows(n, strata, ngroups, order, start);
    for (size_t g = 0; g < ngroups; g++)
        total += train_size(start[g + 1] - start[g], ratio);
    if (total == n)
        goto out;
    rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (rng == NULL) {
        fputs("aiwb: out of memory\n", stderr);
        abort();
    }
    gsl_rng_set(rng, (unsigned long)((uint32_t)seed ^ (uint32_t)(seed >> 32)));
    in_train = xcalloc(n, 1);
    for (size_t g = 0; g < ngroups; g++) {
        size_t *rows = order + start[g], s = start[g + 1] - start[g], t = train_size(s, ratio);

        shuffle(rng, rows, s);
        for (size_t i = 0; i < t; i++)
            in_train[rows[i]] = 1;
    }
    *ntrain = total;
    *ntest = n - total;
    *train = xmalloc(*ntrain * sizeof **train);
    *test = xmalloc(*ntest * sizeof **test);
    for (size_t i = 0, a = 0, b = 0; i < n; i++) {
        if (in_train[i])
            (*train)[a++] = i;
        else
            (*test)[b++] = i;
    }
    rc = 0;
out:
    if (rng != NULL)
        gsl_rng_free(rng);
    free(in_train);
    free(start);
    free(order);
    return rc;
}

/*
 * Deal rows 0..N-1 into K folds for cross-validation (see split.h). The
 * rows are grouped and each group shuffled exactly as in split_indices()
 * (steps 1 to 3, one generator for all groups, in group order); then the
 * shuffled groups, one after the other, are dealt like cards: the p-th row
 * of that sequence goes to fold p mod K. Each stratum is thus spread over
 * the folds as evenly as it can be (counts differ by at most one), and so is
 * the whole (fold sizes differ by at most one).
 */
int
split_folds(size_t n, size_t k, uint64_t seed, const int32_t *strata, size_t nstrata,
            uint32_t *fold)
{
    size_t ngroups, *order, *start;
    gsl_rng *rng;

    if (k < 2 || k > n || k > UINT32_MAX)
        return -1;
    ngroups = count_groups(n, strata, nstrata);
    if (ngroups == 0)
        return -1;
    order = xmalloc(n * sizeof *order);
    start = xcalloc(ngroups + 1, sizeof *start);
    group_rows(n, strata, ngroups, order, start);
    rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (rng == NULL) {
        fputs("aiwb: out of memory\n", stderr);
        abort();
    }
    gsl_rng_set(rng, (unsigned long)((uint32_t)seed ^ (uint32_t)(seed >> 32)));
    for (size_t g = 0; g < ngroups; g++)
        shuffle(rng, order + start[g], start[g + 1] - start[g]);
    for (size_t p = 0; p < n; p++)
        fold[order[p]] = (uint32_t)(p % k);
    gsl_rng_free(rng);
    free(start);
    free(order);
    return 0;
}
