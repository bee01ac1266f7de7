/*
 * predict-common.h - what the predict halves of the plugins (algo-NAME-predict.c,
 * transform-NAME-apply.c) share: freeing lists of names, reading a saved state back
 * with the messages a corrupt one gets, linear predictions, and finding a transform's
 * fitted columns in the frame it applies to.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 *
 * Every function takes the host table it calls, so this file binds to no host: each
 * half keeps its own table (set by its bind function), and in the exported server,
 * where all the halves link into one program, none reaches another's.
 */
#ifndef AIWB_PREDICT_COMMON_H
#define AIWB_PREDICT_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <aiwb/plugin.h>

/* Free the N strings of V, then V (all from API); V may be NULL. */
static inline void
predict_free_strs(const struct aiwb_host_api *api, char **v, size_t n)
{
    for (size_t i = 0; v != NULL && i < n; i++)
        api->free(v[i]);
    api->free(v);
}

/* ---------------------------------------------------------------------------
 * Reading a saved state back.
 */

/* Set *CAUSE to "WHO: the saved model is corrupt or incomplete (reading 'WHAT')";
 * returns AIWB_EDATA. */
static inline int
predict_corrupt(const struct aiwb_host_api *api, char **cause, const char *who, const char *what)
{
    *cause = api->format("%s: the saved model is corrupt or incomplete (reading '%s')", who, what);
    return AIWB_EDATA;
}

/* A number of a fitted state, saved under KEY: the double at OFFSET in the state. */
struct predict_scalar {
    const char *key;
    size_t offset;
};

/* The address in STATE of the number KEYS[I] names. */
static inline double *
predict_scalar(void *state, const struct predict_scalar *keys, size_t i)
{
    return (double *)((char *)state + keys[i].offset);
}

/* Read back into STATE the N numbers KEYS name, in their order: AIWB_OK, or AIWB_EDATA
 * with predict_corrupt's message, naming WHO, for the first that is not there. */
static inline int
predict_get_scalars(const struct aiwb_host_api *api, struct aiwb_reader *r, const char *who,
                    void *state, const struct predict_scalar *keys, size_t n, char **cause)
{
    for (size_t i = 0; i < n; i++)
        if (api->get_real(r, keys[i].key, predict_scalar(state, keys, i)) != AIWB_OK)
            return predict_corrupt(api, cause, who, keys[i].key);
    return AIWB_OK;
}

/* Whether algorithm WHO reads a model saved with state VERSION, WANT being the one it
 * reads: AIWB_OK, or AIWB_ENOTSUP with *cause set. */
static inline int
predict_model_version(const struct aiwb_host_api *api, const char *who, unsigned version,
                      unsigned want, char **cause)
{
    if (version == want)
        return AIWB_OK;
    *cause = api->format("%s: cannot read a model saved with state version %u (this plugin "
                         "reads version %u)",
                         who, version, want);
    return AIWB_ENOTSUP;
}

/*
 * Load into STATE a model of algorithm WHO saved with state VERSION (WANT being the one
 * it reads): EMPTY empties STATE, FILL reads the model into it, and then *FITTED (a flag
 * of STATE) is set, or, when FILL fails, EMPTY empties STATE again. Returns AIWB_OK, or
 * AIWB_ENOTSUP (another version, STATE left as it was) or FILL's status, with *cause set.
 */
static inline int
predict_load(const struct aiwb_host_api *api, const char *who, unsigned version, unsigned want,
             void (*empty)(void *), int (*fill)(void *, struct aiwb_reader *, char **), void *state,
             int *fitted, struct aiwb_reader *r, char **cause)
{
    int rc = predict_model_version(api, who, version, want, cause);

    if (rc != AIWB_OK)
        return rc;
    empty(state);
    rc = fill(state, r, cause);
    if (rc == AIWB_OK)
        *fitted = 1;
    else
        empty(state);
    return rc;
}

/* Whether transform WHO reads a state saved with VERSION, WANT being the one it reads:
 * AIWB_OK, or AIWB_EDATA with *cause set. */
static inline int
predict_state_version(const struct aiwb_host_api *api, const char *who, unsigned version,
                      unsigned want, char **cause)
{
    if (version == want)
        return AIWB_OK;
    *cause = api->format("%s: cannot read state version %u (this plugin reads version %u)", who,
                         version, want);
    return AIWB_EDATA;
}

/* The index of the word saved under KEY among the N NAMES, or -1 when there is no word
 * there or it is none of them. */
static inline int
predict_get_word(const struct aiwb_host_api *api, struct aiwb_reader *r, const char *key,
                 const char *const *names, size_t n)
{
    char *word = NULL;
    int found = -1;

    if (api->get_str(r, key, &word) == AIWB_OK)
        for (size_t i = 0; i < n; i++)
            if (strcmp(word, names[i]) == 0)
                found = (int)i;
    api->free(word);
    return found;
}

/*
 * Read the N reals saved under KEY into DST, which has room for them. Returns AIWB_OK,
 * or AIWB_EDATA with *cause set when there are none (predict_corrupt's message, naming
 * WHO and KEY) or another number of them: the same message, or, when TERMS names what
 * the N count, "WHO: the saved model is corrupt: 'KEY' has M values for N TERMS".
 */
static inline int
predict_get_reals(const struct aiwb_host_api *api, struct aiwb_reader *r, const char *who,
                  const char *key, size_t n, double *dst, const char *terms, char **cause)
{
    double *v = NULL;
    size_t got = 0;

    if (api->get_reals(r, key, &got, &v) != AIWB_OK)
        return predict_corrupt(api, cause, who, key);
    if (got == n && n > 0)
        memcpy(dst, v, n * sizeof(double));
    api->free(v);
    if (got == n)
        return AIWB_OK;
    if (terms == NULL)
        return predict_corrupt(api, cause, who, key);
    *cause = api->format("%s: the saved model is corrupt: '%s' has %zu values for %zu %s", who, key,
                         got, n, terms);
    return AIWB_EDATA;
}

/*
 * Check the types of the N columns NAMES a transform WHO saved: AIWB_OK when each of
 * TYPES is AIWB_NUMERIC or AIWB_CATEGORICAL, else AIWB_EDATA with *cause set.
 */
static inline int
predict_check_types(const struct aiwb_host_api *api, const char *who, char *const *names,
                    const int64_t *types, size_t n, char **cause)
{
    for (size_t j = 0; j < n; j++) {
        if (types[j] != AIWB_NUMERIC && types[j] != AIWB_CATEGORICAL) {
            *cause = api->format("%s: saved state has column '%s' of unknown type %lld", who,
                                 names[j], (long long)types[j]);
            return AIWB_EDATA;
        }
    }
    return AIWB_OK;
}

/* ---------------------------------------------------------------------------
 * Predicting.
 */

/* The dot product of the N values of A and B, summed in their order. */
static inline double
predict_dot(const double *a, const double *b, size_t n)
{
    double d = 0.0;

    for (size_t j = 0; j < n; j++)
        d += a[j] * b[j];
    return d;
}

/* out[i] = B0 + X[i,] . BETA for the N rows of P values of X (row stride LDX). */
static inline void
predict_linear(size_t n, const double *X, size_t ldx, size_t p, double b0, const double *beta,
               double *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = b0 + predict_dot(X + i * ldx, beta, p);
}

/* ---------------------------------------------------------------------------
 * Transforms. What a transform learned of each column of its fit frame is a record (a
 * struct) that begins with the column's name (char *); the records are an array.
 */

/* Free the names of the N records of SIZE bytes at RECS, then RECS (all from API). */
static inline void
predict_free_records(const struct aiwb_host_api *api, void *recs, size_t n, size_t size)
{
    for (size_t j = 0; j < n; j++)
        api->free(*(char **)((char *)recs + j * size));
    api->free(recs);
}

/* TYPE_AT for records without a type: every fitted column is numeric. */
#define PREDICT_ALL_NUMERIC SIZE_MAX

/*
 * Find in frame IN each of transform WHO's N fitted columns, the records of SIZE bytes
 * at RECS, with its fitted type: the enum aiwb_coltype at offset TYPE_AT of its record
 * (or PREDICT_ALL_NUMERIC). Sets FIT_OF[c], unless FIT_OF is NULL, to the fitted column
 * that column c of IN is (-1 for a column fit did not see), and COL_OF[j], unless NULL,
 * to the column of IN that fitted column j is. Returns AIWB_OK, or AIWB_EDATA with
 * *cause set for a column that is absent or of another type.
 */
static inline int
predict_match_columns(const struct aiwb_host_api *api, const char *who, const struct aiwb_frame *in,
                      const void *recs, size_t n, size_t size, size_t type_at, long *fit_of,
                      size_t *col_of, char **cause)
{
    for (size_t c = 0; fit_of != NULL && c < api->frame_cols(in); c++)
        fit_of[c] = -1;
    for (size_t j = 0; j < n; j++) {
        const char *rec = (const char *)recs + j * size, *name = *(char *const *)rec;
        enum aiwb_coltype want = type_at == PREDICT_ALL_NUMERIC
                                     ? AIWB_NUMERIC
                                     : *(const enum aiwb_coltype *)(rec + type_at);
        long c = api->frame_find(in, name);
        enum aiwb_coltype got;

        if (c < 0) {
            *cause = api->format("%s: column '%s' is missing", who, name);
            return AIWB_EDATA;
        }
        got = api->frame_col_type(in, (size_t)c);
        if (got != want) {
            *cause = api->format("%s: column '%s' is %s, but was %s at fit time", who, name,
                                 got == AIWB_NUMERIC ? "numeric" : "categorical",
                                 want == AIWB_NUMERIC ? "numeric" : "categorical");
            return AIWB_EDATA;
        }
        if (fit_of != NULL)
            fit_of[c] = (long)j;
        if (col_of != NULL)
            col_of[j] = (size_t)c;
    }
    return AIWB_OK;
}

/* End an apply: hand F over in *OUT when RC is AIWB_OK, else free F (it may be NULL)
 * and set *OUT to NULL. Returns RC. */
static inline int
predict_apply_end(const struct aiwb_host_api *api, int rc, struct aiwb_frame *f,
                  struct aiwb_frame **out)
{
    if (rc != AIWB_OK) {
        api->frame_free(f);
        f = NULL;
    }
    *out = f;
    return rc;
}

/*
 * Split TEXT, "a,b,c" or "(a,b,c)" (the parenthesised form passes through a transform
 * list unquoted), into *NAMES (a new array from API, *N names, each trimmed of spaces;
 * both empty before). Refuses an empty or repeated name: AIWB_EINVAL with *cause set,
 * naming transform WHO, what was made so far left in *NAMES for the caller to free.
 */
static inline int
predict_parse_names(const struct aiwb_host_api *api, const char *who, const char *text,
                    char ***names, size_t *n, char **cause)
{
    size_t len = strlen(text);
    const char *p = text, *end = text + len;
    char **v;

    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    if (p < end && *p == '(' && end[-1] == ')') {
        p++;
        end--;
    }
    v = *names = api->calloc(len + 2, sizeof *v);
    for (;;) {
        const char *q = p, *stop;
        while (q < end && *q != ',')
            q++;
        stop = q;
        while (p < stop && (*p == ' ' || *p == '\t'))
            p++;
        while (stop > p && (stop[-1] == ' ' || stop[-1] == '\t'))
            stop--;
        if (stop == p) {
            *cause = api->format("%s: columns '%s' has an empty name", who, text);
            return AIWB_EINVAL;
        }
        v[*n] = api->alloc((size_t)(stop - p) + 1);
        memcpy(v[*n], p, (size_t)(stop - p));
        v[*n][stop - p] = '\0';
        for (size_t j = 0; j < *n; j++) {
            if (strcmp(v[j], v[*n]) == 0) {
                *cause = api->format("%s: column '%s' is named twice in columns", who, v[j]);
                (*n)++;
                return AIWB_EINVAL;
            }
        }
        (*n)++;
        if (q == end)
            return AIWB_OK;
        p = q + 1;
    }
}

/* The shortest of %.15g, %.16g and %.17g that reads back as V, into BUF (returned). */
static inline const char *
predict_shortest(char buf[32], double v)
{
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(buf, 32, "%.*g", digits, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    return buf;
}

#endif
