/*
 * transform-scale-apply.c - the apply half of the scale plugin (the minmax and robust
 * transforms): reading the options, loading a fitted state and rescaling with it, shared
 * by the plugin module and the exported prediction server.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <aiwb/plugin.h>

#include "predict-common.h"
#include "transform-scale.h"

static const struct aiwb_host_api *api;

static const char *const kind_names[] = {"minmax", "robust"};

/*
 * Keep HOST as the table this half calls. The plugin module calls it from
 * aiwb_plugin_init, the server with its own host table, before anything else.
 */
void
transform_scale_bind(const struct aiwb_host_api *host)
{
    api = host;
}

/* The name of transform KIND, a static string. */
const char *
scale_kind_name(enum scale_kind kind)
{
    return kind == SCALE_MINMAX ? kind_names[0] : kind_names[1];
}

/* Free the fitted columns of S, leaving it with none; S may have none already. */
void
scale_clear(struct scaler *s)
{
    predict_free_records(api, s->cols, s->n_cols, sizeof *s->cols);
    s->cols = NULL;
    s->n_cols = 0;
}

/* Free what fit and load allocated in STATE (either transform's). */
void
scale_fini(void *state)
{
    scale_clear(state);
}

/*
 * Read minmax's options min, max and clip into STATE. Returns AIWB_OK, or AIWB_EINVAL
 * with *cause set for a range that is empty or too wide for a double.
 */
int
scale_minmax_init(void *state, const struct aiwb_options *opts, char **cause)
{
    struct scaler *s = state;
    char a[32], b[32];

    s->kind = SCALE_MINMAX;
    s->lo = api->opt_real(opts, "min");
    s->hi = api->opt_real(opts, "max");
    s->clip = api->opt_bool(opts, "clip");
    if (!(s->lo < s->hi)) {
        *cause = api->format("minmax: min=%s must be below max=%s", predict_shortest(a, s->lo),
                             predict_shortest(b, s->hi));
        return AIWB_EINVAL;
    }
    if (!isfinite(s->hi - s->lo)) {
        *cause = api->format("minmax: max - min must be a finite number, and %s - %s is not",
                             predict_shortest(b, s->hi), predict_shortest(a, s->lo));
        return AIWB_EINVAL;
    }
    return AIWB_OK;
}

/* Read the number at *P (after spaces) into *V, moving *P past it; 0 if there is none. */
static int
read_number(const char **p, double *v)
{
    char *end;

    while (**p == ' ' || **p == '\t')
        (*p)++;
    errno = 0;
    *v = strtod(*p, &end);
    if (end == *p || errno == ERANGE || !isfinite(*v))
        return 0;
    *p = end;
    while (**p == ' ' || **p == '\t')
        (*p)++;
    return 1;
}

/* Parse the quantiles option, "LOW,HIGH" or "(LOW,HIGH)" in percent, into S. */
static int
parse_quantiles(struct scaler *s, const char *text, char **cause)
{
    const char *p = text;
    int paren;

    while (*p == ' ' || *p == '\t')
        p++;
    paren = *p == '(';
    p += paren;
    if (!read_number(&p, &s->q_low) || *p++ != ',' || !read_number(&p, &s->q_high) ||
        (paren && *p++ != ')') || p[strspn(p, " \t")] != '\0') {
        *cause = api->format("robust: quantiles '%s' is not two percentages as "
                             "quantiles=(25,75)",
                             text);
        return AIWB_EINVAL;
    }
    if (!(s->q_low >= 0 && s->q_low < s->q_high && s->q_high <= 100)) {
        *cause = api->format("robust: quantiles '%s' must rise within 0 to 100, as "
                             "quantiles=(25,75)",
                             text);
        return AIWB_EINVAL;
    }
    return AIWB_OK;
}

/*
 * Read robust's options center, scale and quantiles into STATE. Returns AIWB_OK, or
 * AIWB_EINVAL with *cause set for quantiles that are not two rising percentages.
 */
int
scale_robust_init(void *state, const struct aiwb_options *opts, char **cause)
{
    struct scaler *s = state;
    const char *quantiles;

    s->kind = SCALE_ROBUST;
    s->center = api->opt_bool(opts, "center");
    s->scale = api->opt_bool(opts, "scale");
    quantiles = api->opt_str(opts, "quantiles");
    if (quantiles == NULL) { /* it has a default: only a host that lost it gets here */
        *cause = api->format("robust: quantiles has no value");
        return AIWB_EINVAL;
    }
    return parse_quantiles(s, quantiles, cause);
}

/*
 * Map X[0..N-1] to Y by minmax: t = (x - min) / (max - min), the range taken as 1 for a
 * constant column, then lo + t (hi - lo) interpolated from the nearer end as numpy's lerp,
 * so that the fitted min gives lo and the fitted max gives hi exactly.
 */
static void
minmax_column(const struct scaler *s, const struct scale_column *col, const double *x, double *y,
              size_t n)
{
    /* Locals, not s->...: a store to Y could alias them, which stops vectorisation. */
    const double lo = s->lo, hi = s->hi, width = hi - lo, min = col->a;
    const double range = col->b - col->a != 0 ? col->b - col->a : 1;
    const int clip = s->clip;

    for (size_t i = 0; i < n; i++) {
        double t = (x[i] - min) / range;
        double up = lo + width * t, down = hi - width * (1 - t);
        double v = t >= 0.5 ? down : up; /* both computed: a select, not a branch */
        if (clip)
            v = v < lo ? lo : v > hi ? hi : v;
        y[i] = v;
    }
}

/* Map X[0..N-1] to Y by robust: (x - median) / range, in scikit-learn's order. */
static void
robust_column(const struct scaler *s, const struct scale_column *col, const double *x, double *y,
              size_t n)
{
    const double center = s->center ? col->a : 0, scale = s->scale ? col->b : 1;

    /* x - 0 and x / 1 are x exactly, so one loop does all three cases bit for bit. */
    for (size_t i = 0; i < n; i++)
        y[i] = (x[i] - center) / scale;
}

/*
 * Make in *OUT a new frame of IN with each fitted numeric column rescaled (minmax or
 * robust, as STATE says); other columns pass through, shared. Returns AIWB_OK, or
 * AIWB_EDATA (a fitted column absent or of another type) or AIWB_ERR with *cause set and
 * *out NULL. Writes nothing in STATE, so threads may share it.
 */
int
scale_apply(const void *state, const struct aiwb_frame *in, struct aiwb_frame **out, char **cause)
{
    const struct scaler *s = state;
    size_t p = api->frame_cols(in), n = api->frame_rows(in);
    long *fit_of = api->alloc((p + 1) * sizeof *fit_of);
    struct aiwb_frame *f = NULL;
    int rc;

    rc = predict_match_columns(api, kind_names[s->kind], in, s->cols, s->n_cols, sizeof *s->cols,
                               offsetof(struct scale_column, type), fit_of, NULL, cause);
    if (rc != AIWB_OK)
        goto out;
    f = api->frame_new(n);
    for (size_t c = 0; c < p && rc == AIWB_OK; c++) {
        const struct scale_column *col = fit_of[c] >= 0 ? &s->cols[fit_of[c]] : NULL;
        const char *name = api->frame_col_name(in, c);
        double *y;

        if (col == NULL || col->type != AIWB_NUMERIC ||
            (s->kind == SCALE_ROBUST && !s->center && !s->scale)) {
            if ((rc = api->frame_copy_col(f, in, c, NULL)) != AIWB_OK)
                *cause =
                    api->format("%s: cannot pass column '%s' through", kind_names[s->kind], name);
            continue;
        }
        if ((y = api->frame_add_numeric(f, name)) == NULL) {
            *cause =
                api->format("%s: cannot add column '%s' to the output", kind_names[s->kind], name);
            rc = AIWB_ERR;
            break;
        }
        if (s->kind == SCALE_MINMAX)
            minmax_column(s, col, api->frame_numeric(in, c), y, n);
        else
            robust_column(s, col, api->frame_numeric(in, c), y, n);
    }
out:
    api->free(fit_of);
    return predict_apply_end(api, rc, f, out);
}

/* Read back what save_options wrote, checking it as init would. */
static int
load_options(struct scaler *s, struct aiwb_reader *r, char **cause)
{
    int64_t u, v;
    int rc;

    if (s->kind == SCALE_MINMAX) {
        if ((rc = api->get_real(r, "min", &s->lo)) != AIWB_OK ||
            (rc = api->get_real(r, "max", &s->hi)) != AIWB_OK ||
            (rc = api->get_int(r, "clip", &u)) != AIWB_OK)
            return rc;
        s->clip = u != 0;
        if (!(s->lo < s->hi) || !isfinite(s->hi - s->lo)) {
            *cause = api->format("minmax: saved state is inconsistent");
            return AIWB_EDATA;
        }
        return AIWB_OK;
    }
    if ((rc = api->get_int(r, "center", &u)) != AIWB_OK ||
        (rc = api->get_int(r, "scale", &v)) != AIWB_OK ||
        (rc = api->get_real(r, "q_low", &s->q_low)) != AIWB_OK ||
        (rc = api->get_real(r, "q_high", &s->q_high)) != AIWB_OK)
        return rc;
    s->center = u != 0;
    s->scale = v != 0;
    return AIWB_OK;
}

/* Load the state of transform KIND. */
static int
load_kind(struct scaler *s, enum scale_kind kind, struct aiwb_reader *r, unsigned version,
          char **cause)
{
    const char *what = kind_names[kind];
    int minmax = kind == SCALE_MINMAX;
    int64_t *types = NULL;
    char **names = NULL;
    double *a = NULL, *b = NULL;
    size_t n_names = 0, n_types = 0, n_a = 0, n_b = 0;
    int rc;

    rc = predict_state_version(api, what, version, TRANSFORM_SCALE_STATE_VERSION, cause);
    if (rc != AIWB_OK)
        return rc;
    scale_clear(s);
    s->kind = kind;
    if ((rc = load_options(s, r, cause)) != AIWB_OK ||
        (rc = api->get_strs(r, "columns", &n_names, &names)) != AIWB_OK ||
        (rc = api->get_ints(r, "types", &n_types, &types)) != AIWB_OK ||
        (rc = api->get_reals(r, minmax ? "data_min" : "centers", &n_a, &a)) != AIWB_OK ||
        (rc = api->get_reals(r, minmax ? "data_max" : "scales", &n_b, &b)) != AIWB_OK)
        goto out;
    rc = AIWB_EDATA;
    if (n_types != n_names || n_a != n_names || n_b != n_names) {
        *cause = api->format("%s: saved state is inconsistent", what);
        goto out;
    }
    if (predict_check_types(api, what, names, types, n_names, cause) != AIWB_OK)
        goto out;
    s->cols = api->calloc(n_names + 1, sizeof *s->cols);
    for (size_t j = 0; j < n_names; j++) {
        struct scale_column *col = &s->cols[s->n_cols++];
        col->name = names[j];
        names[j] = NULL;
        col->type = (enum aiwb_coltype)types[j];
        col->a = a[j];
        col->b = b[j];
    }
    rc = AIWB_OK;
out:
    predict_free_strs(api, names, n_names);
    api->free(types);
    api->free(a);
    api->free(b);
    return rc;
}

/*
 * Read the state minmax's (robust's) save wrote (VERSION must be this plugin's) into
 * STATE, replacing what it held. Returns AIWB_OK, or AIWB_EDATA with *cause set for
 * another version or an inconsistent state, or the reader's status (the host reports it).
 */
int
scale_minmax_load(void *state, struct aiwb_reader *r, unsigned version, char **cause)
{
    return load_kind(state, SCALE_MINMAX, r, version, cause);
}

/* As scale_minmax_load, for robust. */
int
scale_robust_load(void *state, struct aiwb_reader *r, unsigned version, char **cause)
{
    return load_kind(state, SCALE_ROBUST, r, version, cause);
}

const struct aiwb_transform_type apply_minmax = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_transform_type),
    .name = "minmax",
    .flags = TRANSFORM_SCALE_FLAGS,
    .state_version = TRANSFORM_SCALE_STATE_VERSION,
    .state_size = sizeof(struct scaler),
    .init = scale_minmax_init,
    .apply = scale_apply,
    .load = scale_minmax_load,
    .fini = scale_fini,
};

const struct aiwb_transform_type apply_robust = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_transform_type),
    .name = "robust",
    .flags = TRANSFORM_SCALE_FLAGS,
    .state_version = TRANSFORM_SCALE_STATE_VERSION,
    .state_size = sizeof(struct scaler),
    .init = scale_robust_init,
    .apply = scale_apply,
    .load = scale_robust_load,
    .fini = scale_fini,
};
