/*
 * model.c - the exported server's model: loading the bundle, and the row
 * path from JSON rows to predictions (model.h).
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 */
#include "model.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "components.h"
#include "host.h"

#define BUNDLE_FORMAT 1
#define SERVED_FORMAT 1

static void
free_strs(char **v, size_t n)
{
    for (size_t i = 0; v != NULL && i < n; i++)
        free(v[i]);
    free(v);
}

static void
set_error(struct model_error *err, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
set_error(struct model_error *err, int status, const char *fmt, ...)
{
    va_list ap;

    err->status = status;
    va_start(ap, fmt);
    vsnprintf(err->text, sizeof err->text, fmt, ap);
    va_end(ap);
}

const char *
model_task_name(unsigned task)
{
    switch (task) {
    case AIWB_TASK_REGRESSION:
        return "regression";
    case AIWB_TASK_CLASSIFICATION:
        return "classification";
    case AIWB_TASK_CLUSTERING:
        return "clustering";
    case AIWB_TASK_RANKING:
        return "ranking";
    case AIWB_TASK_DECOMPOSITION:
        return "decomposition";
    }
    return "unknown";
}

/* FNV-1a of LEN bytes. */
static uint32_t
hash_name(const char *s, size_t len)
{
    uint32_t h = 2166136261u;

    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

static void
index_inputs(struct model *m)
{
    m->hash_size = 16;
    while (m->hash_size < 2 * m->n_in + 1)
        m->hash_size *= 2;
    m->hash = host_alloc(m->hash_size * sizeof *m->hash);
    for (size_t i = 0; i < m->hash_size; i++)
        m->hash[i] = -1;
    for (size_t c = 0; c < m->n_in; c++) {
        size_t at = hash_name(m->in[c].name, strlen(m->in[c].name)) & (m->hash_size - 1);

        while (m->hash[at] >= 0)
            at = (at + 1) & (m->hash_size - 1);
        m->hash[at] = (int32_t)c;
    }
}

long
model_input_find(const struct model *m, const char *name, size_t len)
{
    size_t at = hash_name(name, len) & (m->hash_size - 1);

    for (; m->hash[at] >= 0; at = (at + 1) & (m->hash_size - 1)) {
        const char *s = m->in[m->hash[at]].name;

        if (strncmp(s, name, len) == 0 && s[len] == '\0')
            return m->hash[at];
    }
    return -1;
}

void
model_free(struct model *m)
{
    if (m == NULL)
        return;
    for (size_t i = 0; i < m->n_tf; i++) {
        struct model_tf *t = &m->tf[i];

        if (t->state != NULL && t->type->fini != NULL)
            t->type->fini(t->state);
        free(t->state);
        host_options_free(t->opts);
        free(t->name);
    }
    free(m->tf);
    if (m->algo_state != NULL && m->algo->fini != NULL)
        m->algo->fini(m->algo_state);
    free(m->algo_state);
    free(m->algo_name);
    for (size_t c = 0; c < m->n_in; c++) {
        free(m->in[c].name);
        free_strs(m->in[c].levels, m->in[c].nlevels);
        host_levels_free(m->in[c].index);
        free(m->in[c].ref.edges);
        free(m->in[c].ref.props);
    }
    free(m->in);
    free(m->hash);
    free(m->pred_edges);
    free(m->name);
    free(m->exported);
    free(m->trained);
    free(m->dataset);
    free(m->aiwb_version);
    free_strs(m->metric_names, m->n_metrics);
    free(m->metric_values);
    free(m->target);
    free_strs(m->classes, m->n_classes);
    free_strs(m->features, m->p);
    free(m->feature_levels);
    free(m->seen_start);
    free(m->seen);
    free(m);
}

/* *cause from the reader's error, or TEXT. */
static int
corrupt(struct aiwb_reader *r, char **cause, const char *text)
{
    if (*cause == NULL)
        *cause = host_strdup(host_reader_error(r) != NULL ? host_reader_error(r) : text);
    return -1;
}

/* Load a component's state from the nested blob "state" with LOAD. */
static int
load_state(struct aiwb_reader *r, int (*load)(void *, struct aiwb_reader *, unsigned, char **),
           void *state, unsigned version, const char *name, char **cause)
{
    const unsigned char *data;
    size_t len;
    struct aiwb_reader *sub;
    int rc;

    if (host_get_blob(r, "state", &data, &len) < 0)
        return corrupt(r, cause, "the model is corrupt");
    if (load == NULL)
        return 0;
    sub = host_reader_open_raw(data, len);
    host_reader_set_context(sub, name);
    rc = load(state, sub, version, cause);
    if (rc < 0 && *cause == NULL)
        *cause = host_reader_error(sub) != NULL
                     ? host_strdup(host_reader_error(sub))
                     : host_format("%s could not load its state (status %d)", name, rc);
    host_reader_free(sub);
    return rc < 0 ? -1 : 0;
}

static int
load_transform(struct model *m, struct aiwb_reader *r, char **cause)
{
    struct model_tf *t = &m->tf[m->n_tf];
    int64_t version, *given = NULL;
    char **words = NULL;
    size_t n = 0, ng = 0;
    int rc = -1;

    if (host_get_str(r, "name", &t->name) < 0 || host_get_int(r, "version", &version) < 0 ||
        host_get_strs(r, "options", &n, &words) < 0 || host_get_ints(r, "given", &ng, &given) < 0)
        goto out;
    m->n_tf++;
    if ((t->type = components_transform(t->name)) == NULL) {
        *cause = host_format("the model needs the transform '%s', which this server does not "
                             "have (export it again with the aiwb that trained it)", t->name);
        goto out;
    }
    if (ng != n) {
        *cause = host_strdup("the model's transform options are inconsistent");
        goto out;
    }
    if ((t->opts = host_options_new(n, (const char *const *)words, given, cause)) == NULL)
        goto out;
    t->state = host_calloc(1, t->type->state_size ? t->type->state_size : 1);
    if (t->type->init != NULL && t->type->init(t->state, t->opts, cause) < 0) {
        if (*cause == NULL)
            *cause = host_format("transform '%s' refused its options", t->name);
        goto out;
    }
    rc = load_state(r, t->type->load, t->state, (unsigned)version, t->name, cause);
out:
    free_strs(words, n);
    free(given);
    return rc;
}

static int
load_seen(struct model *m, struct aiwb_reader *r, char **cause)
{
    int64_t *start = NULL, *seen = NULL;
    size_t nu, ns;
    int rc = -1;

    if (host_get_ints(r, "seen_start", &nu, &start) < 0 || host_get_ints(r, "seen", &ns, &seen) < 0)
        goto out;
    rc = 0;
    if (nu == 0)
        goto out;
    rc = -1;
    if (m->n_in < 2 || nu != m->in[0].nlevels + 1 || start[0] != 0 || (size_t)start[nu - 1] != ns)
        goto bad;
    m->seen_start = host_alloc(nu * sizeof *m->seen_start);
    m->seen = host_alloc((ns ? ns : 1) * sizeof *m->seen);
    for (size_t u = 0; u < nu; u++) {
        if (start[u] < 0 || (u > 0 && start[u] < start[u - 1]) || (size_t)start[u] > ns)
            goto bad;
        m->seen_start[u] = (size_t)start[u];
    }
    for (size_t i = 0; i < ns; i++) {
        if (seen[i] < 0 || (size_t)seen[i] >= m->in[1].nlevels)
            goto bad;
        m->seen[i] = (int32_t)seen[i];
    }
    rc = 0;
    goto out;
bad:
    *cause = host_strdup("the recommender's interactions are inconsistent");
out:
    free(start);
    free(seen);
    return rc;
}

/* The served pipeline (src/core/pipeline-io.c, pipeline_save_served). */
static int
load_pipeline(struct model *m, struct aiwb_reader *r, char **cause)
{
    char *kind = NULL, **names = NULL, **strict = NULL;
    int64_t format, task, ntf, version, flags, *types = NULL, *levels = NULL;
    size_t n = 0, nt, n_strict = 0, nl;
    int rc = -1;

    if (host_get_str(r, "kind", &kind) < 0 || host_get_int(r, "format", &format) < 0)
        goto out;
    if (strcmp(kind, "served-pipeline") != 0 || format != SERVED_FORMAT) {
        *cause = host_format("not a model this server can read (a '%s' of format %lld)", kind,
                             (long long)format);
        goto out;
    }
    if (host_get_str(r, "target", &m->target) < 0 || host_get_int(r, "task", &task) < 0 ||
        host_get_strs(r, "classes", &m->n_classes, &m->classes) < 0 ||
        host_get_strs(r, "inputs", &n, &names) < 0 ||
        host_get_ints(r, "input_types", &nt, &types) < 0)
        goto out;
    m->task = (unsigned)task;
    if (nt != n) {
        *cause = host_strdup("the model's input schema is inconsistent");
        goto out;
    }
    m->in = host_calloc(n ? n : 1, sizeof *m->in);
    m->n_in = n;
    for (size_t c = 0; c < n; c++) {
        struct model_input *in = &m->in[c];

        in->name = names[c];
        names[c] = NULL;
        in->type = types[c] == AIWB_CATEGORICAL ? AIWB_CATEGORICAL : AIWB_NUMERIC;
        if (in->type == AIWB_CATEGORICAL) {
            if (host_get_strs(r, "levels", &in->nlevels, &in->levels) < 0)
                goto out;
            in->index = host_levels_new(in->nlevels, (const char *const *)in->levels);
        }
    }
    index_inputs(m);
    if (host_get_int(r, "transforms", &ntf) < 0)
        goto out;
    if (ntf < 0 || ntf > 1000) {
        *cause = host_strdup("the model's list of transforms is corrupt");
        goto out;
    }
    m->tf = host_calloc((size_t)ntf + 1, sizeof *m->tf);
    for (int64_t i = 0; i < ntf; i++)
        if (load_transform(m, r, cause) < 0)
            goto out;
    if (host_get_strs(r, "strict", &n_strict, &strict) < 0)
        goto out;
    for (size_t s = 0; s < n_strict; s++) {
        long c = model_input_find(m, strict[s], strlen(strict[s]));

        if (c >= 0)
            m->in[c].strict = 1;
    }
    if (host_get_str(r, "algorithm", &m->algo_name) < 0 ||
        host_get_int(r, "algorithm_flags", &flags) < 0 || host_get_int(r, "version", &version) < 0)
        goto out;
    m->algo_flags = (unsigned)flags;
    if ((m->algo = components_algorithm(m->algo_name)) == NULL) {
        *cause = host_format("the model needs the algorithm '%s', which this server does not "
                             "have (export it again with the aiwb that trained it)", m->algo_name);
        goto out;
    }
    m->algo_state = host_calloc(1, m->algo->state_size ? m->algo->state_size : 1);
    if (load_state(r, m->algo->load, m->algo_state, (unsigned)version, m->algo_name, cause) < 0)
        goto out;
    if (host_get_strs(r, "features", &m->p, &m->features) < 0 ||
        host_get_ints(r, "feature_levels", &nl, &levels) < 0)
        goto out;
    if (nl != m->p || m->p == 0) {
        *cause = host_strdup("the model's feature list is inconsistent");
        goto out;
    }
    m->feature_levels = host_calloc(m->p, sizeof *m->feature_levels);
    for (size_t j = 0; j < m->p; j++)
        m->feature_levels[j] = (unsigned)levels[j];
    if (load_seen(m, r, cause) < 0)
        goto out;
    if (m->task == AIWB_TASK_RANKING && m->seen_start == NULL) {
        *cause = host_strdup("the recommender has no users");
        goto out;
    }
    m->k = m->algo->n_outputs(m->algo_state);
    rc = 0;
out:
    if (rc < 0)
        corrupt(r, cause, "the model is corrupt");
    free(kind);
    free_strs(names, n);
    free_strs(strict, n_strict);
    free(types);
    free(levels);
    return rc;
}

/* The training reference of each input (nothing when the export had no data). */
static int
load_reference(struct model *m, struct aiwb_reader *r, char **cause)
{
    int64_t count;

    if (host_get_int(r, "reference", &count) < 0)
        return -1;
    if (count == 0)
        return 0;
    if (count != (int64_t)m->n_in) {
        *cause = host_strdup("the model's training reference is inconsistent");
        return -1;
    }
    for (size_t c = 0; c < m->n_in; c++) {
        struct model_ref *ref = &m->in[c].ref;
        size_t ne, np;

        if (host_get_reals(r, "edges", &ne, &ref->edges) < 0 ||
            host_get_reals(r, "props", &np, &ref->props) < 0 ||
            host_get_real(r, "mean", &ref->mean) < 0 || host_get_real(r, "sd", &ref->sd) < 0)
            return -1;
        ref->nbins = m->in[c].type == AIWB_CATEGORICAL ? m->in[c].nlevels : ne + 1;
        if (np != ref->nbins + 1) {
            *cause = host_format("the training reference of '%s' is inconsistent", m->in[c].name);
            return -1;
        }
    }
    return 0;
}

struct model *
model_load(const unsigned char *bundle, size_t len, char **cause)
{
    struct aiwb_reader *r = host_reader_open(bundle, len, cause);
    struct model *m;
    char *kind = NULL;
    int64_t format;
    const unsigned char *blob;
    size_t blen, nv;
    struct aiwb_reader *sub = NULL;
    int rc = -1;

    if (r == NULL)
        return NULL;
    *cause = NULL;
    m = host_calloc(1, sizeof *m);
    if (host_get_str(r, "kind", &kind) < 0 || host_get_int(r, "format", &format) < 0)
        goto out;
    if (strcmp(kind, "aiwb-bundle") != 0 || format != BUNDLE_FORMAT) {
        *cause = host_format("not a model bundle this server can read (a '%s' of format %lld)",
                             kind, (long long)format);
        goto out;
    }
    if (host_get_str(r, "name", &m->name) < 0 || host_get_int(r, "version", &m->version) < 0 ||
        host_get_str(r, "exported", &m->exported) < 0 ||
        host_get_str(r, "trained", &m->trained) < 0 ||
        host_get_str(r, "dataset", &m->dataset) < 0 ||
        host_get_str(r, "aiwb_version", &m->aiwb_version) < 0 ||
        host_get_strs(r, "metric_names", &m->n_metrics, &m->metric_names) < 0 ||
        host_get_reals(r, "metric_values", &nv, &m->metric_values) < 0)
        goto out;
    if (nv != m->n_metrics) {
        *cause = host_strdup("the model's metrics are inconsistent");
        goto out;
    }
    if (host_get_blob(r, "pipeline", &blob, &blen) < 0)
        goto out;
    sub = host_reader_open_raw(blob, blen);
    host_reader_set_context(sub, "pipeline");
    if (load_pipeline(m, sub, cause) < 0)
        goto out;
    if (load_reference(m, r, cause) < 0 ||
        host_get_reals(r, "prediction_edges", &m->n_pred_edges, &m->pred_edges) < 0)
        goto out;
    rc = 0;
out:
    if (rc < 0) {
        corrupt(r, cause, "the model bundle is corrupt");
        model_free(m);
        m = NULL;
    }
    host_reader_free(sub);
    host_reader_free(r);
    free(kind);
    return m;
}

void
model_number_text(double v, char buf[MODEL_NUMBER_TEXT])
{
    int prec = fabs(v) < DBL_MIN && v != 0 ? 1 : 15;

    for (; prec <= 17; prec++) {
        snprintf(buf, MODEL_NUMBER_TEXT, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
}

static const char *
ordinal_row(size_t n, size_t i, char buf[48])
{
    if (n == 1)
        buf[0] = '\0';
    else
        snprintf(buf, 48, "row %zu: ", i + 1);
    return buf;
}

/* Set row I of input C of frame F from the JSON value VAL. */
static int
set_field(const struct model *m, struct aiwb_frame *f, size_t n, size_t i, size_t c,
          const struct json_value *val, size_t *unseen, struct model_error *err)
{
    const struct model_input *in = &m->in[c];
    char where[48];

    if (val->type == JSON_TYPE_NULL)
        return 0;
    if (in->type == AIWB_NUMERIC) {
        if (val->type != JSON_TYPE_NUMBER) {
            set_error(err, 422, "%sfield '%s': expected a number, found %s",
                      ordinal_row(n, i, where), in->name,
                      json_type_name((enum json_type)val->type));
            return -1;
        }
        host_frame_numeric_mut(f, c)[i] = json_double(val);
    } else {
        char buf[MODEL_NUMBER_TEXT];
        const char *text = json_str(val);
        size_t len = json_str_len(val);
        int32_t code;

        if (val->type == JSON_TYPE_NUMBER) {
            model_number_text(json_double(val), buf);
            text = buf;
            len = strlen(buf);
        } else if (val->type != JSON_TYPE_STRING) {
            set_error(err, 422, "%sfield '%s': expected a string (one of the %zu levels), "
                      "found %s", ordinal_row(n, i, where), in->name, in->nlevels,
                      json_type_name((enum json_type)val->type));
            return -1;
        }
        code = host_levels_find(in->index, text, len);
        if (code < 0) {
            if (in->strict) {
                set_error(err, 422, "%sfield '%s' has the level '%.*s', not seen in training, "
                          "and the model has no imputer for it", ordinal_row(n, i, where),
                          in->name, (int)(len > 200 ? 200 : len), text);
                return -1;
            }
            (*unseen)++;
        }
        host_frame_codes_mut(f, c)[i] = code;
    }
    return 0;
}

/*
 * Fill row I of frame F from the JSON object ROW: fields keyed by the
 * training columns, or {"features": [v1, v2, ...]}, the inputs in the
 * model's order (when no input is called features).
 */
static int
fill_row(const struct model *m, struct aiwb_frame *f, size_t n, size_t i,
         const struct json_value *row, size_t *unseen, struct model_error *err)
{
    struct json_iter it;
    const struct json_value *key, *val;
    char where[48];

    if (row->type != JSON_TYPE_OBJECT) {
        set_error(err, 422, "%sexpected an object of the model's input columns, found %s",
                  ordinal_row(n, i, where), json_type_name((enum json_type)row->type));
        return -1;
    }
    json_iter_init(&it, row);
    while (json_iter_next(&it, &key, &val)) {
        long c = model_input_find(m, json_str(key), json_str_len(key));

        if (c < 0 && val->type == JSON_TYPE_ARRAY && strcmp(json_str(key), "features") == 0) {
            struct json_iter items;
            const struct json_value *item;
            size_t at = 0;

            if (json_size(val) != m->n_in) {
                set_error(err, 422, "%sfield 'features': expected the %zu inputs in order, "
                          "found %zu values", ordinal_row(n, i, where), m->n_in,
                          json_size(val));
                return -1;
            }
            json_iter_init(&items, val);
            while (json_iter_next(&items, NULL, &item))
                if (set_field(m, f, n, i, at++, item, unseen, err) < 0)
                    return -1;
            continue;
        }
        if (c >= 0 && set_field(m, f, n, i, (size_t)c, val, unseen, err) < 0)
            return -1;
    }
    for (size_t c = 0; c < m->n_in; c++) {
        const struct model_input *in = &m->in[c];

        if (!in->strict)
            continue;
        if (in->type == AIWB_CATEGORICAL && host_frame_codes(f, c)[i] >= 0)
            continue;
        if (in->type == AIWB_NUMERIC && !isnan(host_frame_numeric(f, c)[i]))
            continue;
        /* An unseen level was refused above: this one is absent or null. */
        set_error(err, 422, "%sfield '%s' is missing, and the model has no imputer for it",
                  ordinal_row(n, i, where), in->name);
        return -1;
    }
    return 0;
}

/* A frame of N rows over the training schema, every value missing. */
static struct aiwb_frame *
empty_frame(const struct model *m, size_t n)
{
    struct aiwb_frame *f = host_frame_new(n);

    for (size_t c = 0; c < m->n_in; c++) {
        const struct model_input *in = &m->in[c];

        if (in->type == AIWB_NUMERIC) {
            double *v = host_frame_add_numeric(f, in->name);

            for (size_t i = 0; i < n; i++)
                v[i] = NAN;
        } else {
            host_frame_add_categorical_over(f, in->name, in->index);
        }
    }
    return f;
}

/* S's one-row frame, its values missing again (none of its columns is shared
 * by then: the frames the transforms made from it are freed). */
static struct aiwb_frame *
scratch_row(const struct model *m, struct model_scratch *s)
{
    if (s->row == NULL) {
        s->row = empty_frame(m, 1);
        return s->row;
    }
    for (size_t c = 0; c < m->n_in; c++) {
        if (m->in[c].type == AIWB_NUMERIC)
            host_frame_numeric_mut(s->row, c)[0] = NAN;
        else
            host_frame_codes_mut(s->row, c)[0] = AIWB_NA_CODE;
    }
    return s->row;
}

/* The raw rows as a frame over the training schema: S's own for one row. */
static struct aiwb_frame *
conform(const struct model *m, struct model_scratch *s, const struct json_value *rows, size_t *n,
        size_t *unseen, struct model_error *err)
{
    struct aiwb_frame *f;
    int one = rows->type == JSON_TYPE_OBJECT;

    if (!one && rows->type != JSON_TYPE_ARRAY) {
        set_error(err, 422, "expected an object of the model's input columns, or an array of "
                  "them, found %s", json_type_name((enum json_type)rows->type));
        return NULL;
    }
    *n = one ? 1 : json_size(rows);
    f = *n == 1 ? scratch_row(m, s) : empty_frame(m, *n);
    if (one) {
        if (fill_row(m, f, 1, 0, rows, unseen, err) < 0)
            goto fail;
    } else {
        struct json_iter it;
        const struct json_value *row;
        size_t i = 0;

        json_iter_init(&it, rows);
        while (json_iter_next(&it, NULL, &row))
            if (fill_row(m, f, *n, i++, row, unseen, err) < 0)
                goto fail;
    }
    return f;
fail:
    if (f != s->row)
        host_frame_free(f);
    return NULL;
}

/* The transforms over F (consumed, unless it is S's); a new frame, F itself
 * when there are none, or NULL with ERR set. */
static struct aiwb_frame *
transform(const struct model *m, const struct model_scratch *s, struct aiwb_frame *f,
          struct model_error *err)
{
    for (size_t i = 0; i < m->n_tf; i++) {
        const struct model_tf *t = &m->tf[i];
        struct aiwb_frame *next = NULL;
        char *cause = NULL;
        int rc = t->type->apply(t->state, f, &next, &cause);

        if (rc >= 0 && next != NULL && host_frame_rows(next) != host_frame_rows(f)) {
            rc = AIWB_ERR;
            cause = host_format("transform '%s' changed the number of rows", t->name);
        }
        if (f != s->row)
            host_frame_free(f);
        if (rc < 0 || next == NULL) {
            set_error(err, 422, "%s", cause != NULL ? cause : "a transform failed");
            if (cause == NULL)
                snprintf(err->text, sizeof err->text, "transform '%s' failed (status %d)",
                         t->name, rc);
            free(cause);
            host_frame_free(next);
            return NULL;
        }
        f = next;
    }
    return f;
}

/* Room for N doubles in *BUF (holding *CAP): grown, never shrunk here. */
static double *
room(double **buf, size_t *cap, size_t n)
{
    if (n > *cap) {
        free(*buf);
        *buf = host_alloc(n * sizeof **buf);
        *cap = n;
    }
    return *buf;
}

/* Free *BUF if a big batch grew it past MODEL_SCRATCH_KEEP bytes. */
static void
trim(double **buf, size_t *cap)
{
    if (*cap > MODEL_SCRATCH_KEEP / sizeof **buf) {
        free(*buf);
        *buf = NULL;
        *cap = 0;
    }
}

void
model_scratch_init(struct model_scratch *s)
{
    memset(s, 0, sizeof *s);
}

void
model_scratch_release(struct model_scratch *s)
{
    host_frame_free(s->row);
    free(s->X);
    free(s->out);
    model_scratch_init(s);
}

/* The design matrix of the transformed frame F, N rows of m->p, into S. */
static double *
design(const struct model *m, struct model_scratch *s, const struct aiwb_frame *f, size_t n,
       struct model_error *err)
{
    double *X = room(&s->X, &s->X_cap, (n ? n : 1) * m->p);
    int check = !(m->algo_flags & AIWB_CAP_MISSING) && m->task != AIWB_TASK_RANKING;

    for (size_t j = 0; j < m->p; j++) {
        long c = host_frame_find(f, m->features[j]);

        if (c < 0) {
            set_error(err, 500, "the transforms did not produce the feature '%s' the model was "
                      "trained on", m->features[j]);
            return NULL;
        }
        if (host_frame_col_type(f, (size_t)c) == AIWB_NUMERIC) {
            const double *v = host_frame_numeric(f, (size_t)c);

            for (size_t i = 0; i < n; i++)
                X[i * m->p + j] = v[i];
        } else {
            const int32_t *v = host_frame_codes(f, (size_t)c);

            for (size_t i = 0; i < n; i++)
                X[i * m->p + j] = v[i] >= 0 ? (double)v[i] : NAN;
        }
    }
    for (size_t i = 0; check && i < n; i++)
        for (size_t j = 0; j < m->p; j++)
            if (isnan(X[i * m->p + j])) {
                char where[48];

                set_error(err, 422, "%s'%s' is missing, and the model has no imputer for it",
                          ordinal_row(n, i, where), m->features[j]);
                return NULL;
            }
    return X;
}

int
model_predict(const struct model *m, struct model_scratch *s, const struct json_value *rows,
              size_t *n, const double **out, size_t *unseen, model_observer_fn *observe, void *arg,
              struct model_error *err)
{
    struct aiwb_frame *f;
    const double *X;
    double *o;
    size_t n_out;
    int rc;

    *out = NULL;
    *unseen = 0;
    trim(&s->X, &s->X_cap);
    trim(&s->out, &s->out_cap);
    if ((f = conform(m, s, rows, n, unseen, err)) == NULL)
        return -1;
    if (observe != NULL)
        observe(arg, f, *n);
    if ((f = transform(m, s, f, err)) == NULL)
        return -1;
    X = design(m, s, f, *n, err);
    if (f != s->row)
        host_frame_free(f);
    if (X == NULL)
        return -1;
    n_out = (*n ? *n : 1) * (m->k ? m->k : 1);
    o = room(&s->out, &s->out_cap, n_out);
    memset(o, 0, n_out * sizeof *o);
    rc = m->algo->predict(m->algo_state, *n, X, m->p, o);
    if (rc < 0) {
        set_error(err, 500, "%s could not predict (status %d)", m->algo_name, rc);
        return -1;
    }
    *out = o;
    return 0;
}

long
model_recommend(const struct model *m, const char *user, size_t k, int32_t **items,
                double **scores, struct model_error *err)
{
    int32_t code;
    size_t from, to;
    int got;

    *items = NULL;
    *scores = NULL;
    if (m->task != AIWB_TASK_RANKING || m->algo->recommend == NULL) {
        set_error(err, 422, "%s does not recommend: it is no recommender", m->algo_name);
        return -1;
    }
    code = host_levels_find(m->in[0].index, user, strlen(user));
    if (code < 0) {
        set_error(err, 404, "user '%.200s' is not known to the model", user);
        return -1;
    }
    from = m->seen_start[code];
    to = m->seen_start[code + 1];
    *items = host_calloc(k ? k : 1, sizeof **items);
    *scores = host_calloc(k ? k : 1, sizeof **scores);
    got = m->algo->recommend(m->algo_state, code, m->seen + from, to - from, k, *items, *scores);
    if (got < 0 || (size_t)got > k) {
        set_error(err, 500, "%s could not recommend (status %d)", m->algo_name, got);
        free(*items);
        free(*scores);
        *items = NULL;
        *scores = NULL;
        return -1;
    }
    return got;
}
