/*
 * linear-xprod.h - the cross-products of the rows (1, x, y) in one pass,
 * shared by the least-squares modules (see linear-xprod.c).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef AIWB_PLUGINS_LINEAR_XPROD_H
#define AIWB_PLUGINS_LINEAR_XPROD_H

#include <stddef.h>
#include <stdint.h>

#include <aiwb/plugin.h>

#define XPROD_MAX_THREADS 64 /* the most the threads option allows */

struct xprod {
    const struct aiwb_host_api *api; /* allocates and frees the arrays */
    size_t p;      /* features */
    size_t k;      /* p + 2: the columns (1, x, y) */
    int centre;    /* shifted towards the means (a model with an intercept) */
    double *shift; /* p + 1: what was subtracted from x and y (zeros unless centre) */
    double *S;     /* k x k row-major: sum_i w_i z_i z_i', z_i = (1, x_i - shift, y_i - shift_y) */
};

/*
 * The pass over PROB's rows: a new struct xprod (free it with xprod_free),
 * its arrays allocated with API, shifted towards the means when CENTRE, on
 * THREADS threads (0: as many as suit). Returns NULL only if a dgemm failed.
 * Its sums are not finite when the data hold a non-finite value or overflow.
 */
struct xprod *xprod_compute(const struct aiwb_host_api *api, const struct aiwb_problem *prob,
                            int centre, int64_t threads);
/* Free XP; xprod_free(NULL) does nothing. */
void xprod_free(struct xprod *xp);
/* Whether every sum of the pass is a finite number. */
int xprod_finite(const struct xprod *xp);
/*
 * The second moments of (x, y) from the pass, the target last, in M
 * ((p+1) x (p+1) row-major): about the weighted means when the pass was
 * centred, else about zero. MEAN gets the p + 1 weighted means, *SW the sum
 * of the weights.
 */
void xprod_moments(const struct xprod *xp, double *M, double *mean, double *sw);
/*
 * The sum of squares of column J (0..p-1 the features, p the target) about
 * the shift: divided by its sum about the mean (M's diagonal), how much the
 * centring cancelled, so how much larger than the sums' the rounding errors
 * of M may be.
 */
double xprod_raw(const struct xprod *xp, size_t j);

#endif
