/*
 * split.h - reproducible train/test splits and cross-validation folds,
 * optionally stratified.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef AIWB_SPLIT_H
#define AIWB_SPLIT_H

#include <stddef.h>
#include <stdint.h>

/*
 * Split row indices 0..N-1 into a training part of round(RATIO*N) rows and a
 * test part of the rest, shuffled by a Mersenne Twister (gsl_rng_mt19937)
 * seeded with SEED; the same arguments give the same split on every machine.
 * With STRATA (N codes 0..NSTRATA-1, or negative for missing, which form
 * their own stratum), each stratum is split in the same ratio (round to
 * nearest per stratum) so class shares are kept. Both index lists come back
 * in increasing order (rows keep the order of the data), in new arrays the
 * caller frees. Returns 0, or -1 if RATIO is not in (0,1) or a part would be
 * empty.
 */
int split_indices(size_t n, double ratio, uint64_t seed, const int32_t *strata, size_t nstrata,
                  size_t **train, size_t *ntrain, size_t **test, size_t *ntest);

/*
 * Deal rows 0..N-1 into K folds for K-fold cross-validation: FOLD (N
 * entries) gets each row's fold, 0..K-1. The rows are shuffled as by
 * split_indices() with the same SEED and STRATA, then dealt in turn, so fold
 * sizes differ by at most one row, and with STRATA so do each stratum's
 * shares of them. Returns 0, or -1 when K < 2, K > N or a code is NSTRATA
 * or more.
 */
int split_folds(size_t n, size_t k, uint64_t seed, const int32_t *strata, size_t nstrata,
                uint32_t *fold);

#endif
