/*
 * algo-spline-predict.c - the predict half of the spline plugin: loading a
 * fitted state and predicting, shared by the plugin module and the exported
 * prediction server.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <aiwb/plugin.h>

#include "algo-spline.h"
#include "predict-common.h"

static const struct aiwb_host_api *api;

/* Set the host table of this half. */
void
algo_spline_bind(const struct aiwb_host_api *host)
{
    api = host;
}

static void
terms_free(struct term *t, size_t p)
{
    if (t == NULL)
        return;
    for (size_t j = 0; j < p; j++) {
        api->free(t[j].name);
        api->free(t[j].breaks);
    }
    api->free(t);
}

/* Free what the state owns and zero it, keeping the options. */
void
spline_clear(struct spline *s)
{
    struct spline keep = *s;

    terms_free(s->terms, s->p);
    api->free(s->coef);
    memset(s, 0, sizeof(*s));
    s->knots = keep.knots;
    s->uniform = keep.uniform;
    s->lambda = keep.lambda;
    s->constant = keep.constant;
}

/* ---------------------------------------------------------------------------
 * B-splines, by the Cox-de Boor recurrence.
 *
 * A term's knots are its breakpoints with each end repeated SPLINE_ORDER
 * times (what gsl_bspline_knots makes, with which the fit half builds the
 * design), so there are nbreak + SPLINE_ORDER - 2 basis functions, and on
 * breakpoint interval m only functions m .. m + SPLINE_ORDER - 1 are not
 * zero. The first function is left out of the model (the intercept holds
 * the constant): function i has coefficient coef[first + i - 1].
 */

/* Knot I of term T's clamped knot vector. */
static inline double
knot(const struct term *t, size_t i)
{
    size_t b = i < SPLINE_ORDER - 1 ? 0 : i - (SPLINE_ORDER - 1);

    return t->breaks[b < t->nbreak - 1 ? b : t->nbreak - 1];
}

/* The breakpoint interval of X within T's range: the largest m <= nbreak - 2
 * with breaks[m] <= x, so the right end belongs to the last interval. */
static size_t
interval(const struct term *t, double x)
{
    size_t lo = 0, hi = t->nbreak - 1;

    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;

        if (t->breaks[mid] <= x)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/*
 * The values at X, on interval M, of the ORD (1..SPLINE_ORDER) B-splines of
 * order ORD that are not zero there, into B: B[r] is function
 * m + SPLINE_ORDER - ORD + r of that order. Every denominator is at least
 * the width of the interval, so none is zero.
 */
static void
basis(const struct term *t, double x, size_t m, int ord, double *b)
{
    const size_t left = m + SPLINE_ORDER - 1;
    double dl[SPLINE_ORDER], dr[SPLINE_ORDER];

    b[0] = 1.0;
    for (int j = 0; j < ord - 1; j++) {
        double saved = 0.0;

        dr[j] = knot(t, left + (size_t)j + 1) - x;
        dl[j] = x - knot(t, left - (size_t)j);
        for (int r = 0; r <= j; r++) {
            double term = b[r] / (dr[r] + dl[j - r]);

            b[r] = saved + dr[r] * term;
            saved = dl[j - r] * term;
        }
        b[j + 1] = saved;
    }
}

/* The value of spline term T at X inside its range (interval M). */
static double
inside(const struct spline *s, const struct term *t, double x, size_t m)
{
    double b[SPLINE_ORDER], f = 0;

    basis(t, x, m, SPLINE_ORDER, b);
    for (size_t r = 0; r < SPLINE_ORDER; r++)
        if (m + r > 0)
            f += s->coef[t->first + m + r - 1] * b[r];
    return f;
}

/*
 * The value and slope of spline term T at X inside its range. The slope of
 * function i is (k - 1) (B_i,k-1 / (t_i+k-1 - t_i) - B_i+1,k-1 / (t_i+k -
 * t_i+1)), k the order: a difference of the functions of one order less.
 */
static void
value_slope(const struct spline *s, const struct term *t, double x, double *f, double *d)
{
    const size_t m = interval(t, x), k = SPLINE_ORDER;
    double low[SPLINE_ORDER]; /* low[r]: function m + 1 + r of order k - 1 */

    *f = inside(s, t, x, m);
    *d = 0;
    basis(t, x, m, SPLINE_ORDER - 1, low);
    for (size_t r = 0; r < k; r++) {
        const size_t i = m + r;
        double slope = 0;

        if (i == 0)
            continue;
        if (r >= 1)
            slope += low[r - 1] / (knot(t, i + k - 1) - knot(t, i));
        if (r + 1 < k)
            slope -= low[r] / (knot(t, i + k) - knot(t, i + 1));
        *d += s->coef[t->first + i - 1] * ((double)(k - 1) * slope);
    }
}

/* Each spline's value and slope at its ends, for predictions outside them. */
void
spline_set_ends(struct spline *s)
{
    for (size_t j = 0; j < s->p; j++) {
        struct term *t = &s->terms[j];

        if (!t->spline)
            continue;
        value_slope(s, t, t->breaks[0], &t->f_lo, &t->d_lo);
        value_slope(s, t, t->breaks[t->nbreak - 1], &t->f_hi, &t->d_hi);
    }
}

/* ---------------------------------------------------------------------------
 * Using the model.
 */

/* f_T(X) of spline term T, continued outside its range as the options say. */
static double
spline_value(const struct spline *s, const struct term *t, double x)
{
    const double lo = t->breaks[0], hi = t->breaks[t->nbreak - 1];

    if (isnan(x))
        return NAN;
    if (x < lo)
        return t->f_lo + (s->constant ? 0 : t->d_lo * (x - lo));
    if (x > hi)
        return t->f_hi + (s->constant ? 0 : t->d_hi * (x - hi));
    return inside(s, t, x, interval(t, x));
}

/* out[i] = b0 + sum_j f_j(X[i, j]); NaN features give NaN. Writes nothing
 * but OUT. */
int
spline_predict(const void *state, size_t n, const double *X, size_t ldx, double *out)
{
    const struct spline *s = state;

    if (!s->fitted)
        return AIWB_EINVAL;
    for (size_t i = 0; i < n; i++) {
        const double *xi = X + i * ldx;
        double v = s->coef[0];

        for (size_t j = 0; j < s->p; j++) {
            const struct term *t = &s->terms[j];
            v += t->spline ? spline_value(s, t, xi[j]) : s->coef[t->first] * xi[j];
        }
        out[i] = v;
    }
    return AIWB_OK;
}

/* A regression has one output. */
size_t
spline_n_outputs(const void *state)
{
    (void)state;
    return 1;
}

static int
corrupt(char **cause, const char *what)
{
    return predict_corrupt(api, cause, "spline", what);
}

/* Rebuild the terms from their names, breakpoint counts and breakpoints. */
static int
load_terms(struct spline *s, char **names, const int64_t *kind, const double *breaks, size_t nb,
           char **cause)
{
    size_t used = 0;

    s->terms = api->calloc(s->p > 0 ? s->p : 1, sizeof(struct term));
    s->k = 1;
    for (size_t j = 0; j < s->p; j++) {
        struct term *t = &s->terms[j];

        t->name = names[j];
        names[j] = NULL;
        t->spline = kind[j] != 0;
        if (t->spline) {
            if (kind[j] < 2 || (size_t)kind[j] > nb - used)
                return corrupt(cause, "breakpoints");
            t->nbreak = (size_t)kind[j];
            t->breaks = api->alloc(t->nbreak * sizeof(double));
            memcpy(t->breaks, breaks + used, t->nbreak * sizeof(double));
            used += t->nbreak;
            for (size_t b = 1; b < t->nbreak; b++)
                if (!(t->breaks[b] > t->breaks[b - 1]))
                    return corrupt(cause, "breaks");
        }
        t->ncoef = t->spline ? t->nbreak + SPLINE_ORDER - 3 : 1;
        t->first = s->k;
        s->k += t->ncoef;
    }
    return used == nb ? AIWB_OK : corrupt(cause, "breaks");
}

/* Read back what spline_save wrote. */
static int
load_state(void *state, struct aiwb_reader *r, char **cause)
{
    struct spline *s = state;
    char *at = NULL, *ex = NULL, **names = NULL;
    int64_t *kind = NULL;
    double *breaks = NULL, *stats = NULL, *fit = NULL;
    size_t nnames = 0, nkind = 0, nb = 0, nc = 0, ns = 0, nf = 0;
    int rc = AIWB_EDATA;

    if (api->get_int(r, "knots", &s->knots) != AIWB_OK)
        return corrupt(cause, "knots");
    if (api->get_str(r, "knots_at", &at) != AIWB_OK)
        return corrupt(cause, "knots_at");
    s->uniform = strcmp(at, "uniform") == 0;
    api->free(at);
    if (api->get_real(r, "lambda", &s->lambda) != AIWB_OK)
        return corrupt(cause, "lambda");
    if (api->get_str(r, "extrapolate", &ex) != AIWB_OK)
        return corrupt(cause, "extrapolate");
    s->constant = strcmp(ex, "constant") == 0;
    api->free(ex);
    if (api->get_strs(r, "terms", &nnames, &names) != AIWB_OK) {
        rc = corrupt(cause, "terms");
        goto out;
    }
    if (api->get_ints(r, "breakpoints", &nkind, &kind) != AIWB_OK || nkind != nnames) {
        rc = corrupt(cause, "breakpoints");
        goto out;
    }
    if (api->get_reals(r, "breaks", &nb, &breaks) != AIWB_OK) {
        rc = corrupt(cause, "breaks");
        goto out;
    }
    s->p = nnames;
    rc = load_terms(s, names, kind, breaks, nb, cause);
    if (rc != AIWB_OK)
        goto out;
    rc = AIWB_EDATA;
    if (api->get_reals(r, "coef", &nc, &s->coef) != AIWB_OK || nc != s->k) {
        *cause =
            api->format("spline: the saved model is corrupt: %zu coefficients for %zu", nc, s->k);
        goto out;
    }
    if (api->get_reals(r, "term_stats", &ns, &stats) != AIWB_OK || ns != 3 * s->p) {
        rc = corrupt(cause, "term_stats");
        goto out;
    }
    for (size_t j = 0; j < s->p; j++) {
        s->terms[j].edf = stats[3 * j];
        s->terms[j].fstat = stats[3 * j + 1];
        s->terms[j].pval = stats[3 * j + 2];
    }
    if (api->get_reals(r, "fit", &nf, &fit) != AIWB_OK || nf != 9) {
        rc = corrupt(cause, "fit");
        goto out;
    }
    s->n_obs = fit[0];
    s->rss = fit[1];
    s->tss = fit[2];
    s->edf = fit[3];
    s->df_resid = fit[4];
    s->sigma = fit[5];
    s->r2 = fit[6];
    s->adj_r2 = fit[7];
    s->mse = fit[8];
    rc = AIWB_OK;
out:
    predict_free_strs(api, names, nnames);
    api->free(kind);
    api->free(breaks);
    api->free(stats);
    api->free(fit);
    return rc;
}

/* Load a saved model; on failure the state is left empty. */
int
spline_load(void *state, struct aiwb_reader *r, unsigned version, char **cause)
{
    struct spline *s = state;
    int rc;

    rc = predict_load(api, "spline", version, SPLINE_STATE_VERSION, spline_fini, load_state, s,
                      &s->fitted, r, cause);
    if (rc == AIWB_OK)
        spline_set_ends(s);
    return rc;
}

/* Free what spline_load or a fit made. */
void
spline_fini(void *state)
{
    spline_clear(state);
}


const struct aiwb_algorithm_type predict_spline = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_algorithm_type),
    .name = "spline",
    .flags = SPLINE_FLAGS,
    .state_version = SPLINE_STATE_VERSION,
    .state_size = sizeof(struct spline),
    .n_outputs = spline_n_outputs,
    .predict = spline_predict,
    .load = spline_load,
    .fini = spline_fini,
};
