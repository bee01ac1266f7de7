/*
 * pipeline-io.c - a fitted pipeline to a codec blob and back.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/codec.h"
#include "core/frame.h"
#include "core/numfmt.h"
#include "core/options.h"
#include "core/pipeline-int.h"
#include "core/xalloc.h"

#define PIPELINE_FORMAT 1

/* Save a component's state as a nested blob under KEY. */
static int
save_state(struct aiwb_writer *w, const char *key, int (*save)(const void *, struct aiwb_writer *),
           const void *state, const char *name, char **cause)
{
    struct aiwb_writer *sub = writer_new();
    const unsigned char *data;
    size_t len;
    int rc = save != NULL ? save(state, sub) : AIWB_OK;

    if (rc < 0) {
        *cause = xasprintf("%s could not save its state (status %d)", name, rc);
        writer_free(sub);
        return rc;
    }
    data = writer_data(sub, &len);
    codec_put_blob(w, key, data, len);
    writer_free(sub);
    return AIWB_OK;
}

/*
 * The options as given: loading parses them again, so the model's text stays
 * as it was typed and defaults come from the component (whose fitted state
 * holds whatever predicting needs).
 */
static void
put_options(struct aiwb_writer *w, const char *key, const struct aiwb_options *o)
{
    size_t n;
    char **words = options_words(o, 0, &n);

    codec_put_strs(w, key, n, (const char *const *)words);
    options_words_free(words);
}

/* A recommender's users' items (empty for other models). */
static void
put_seen(struct aiwb_writer *w, const struct pipeline *p)
{
    size_t nu = p->seen_start != NULL ? p->n_users + 1 : 0, ns = nu ? p->seen_start[p->n_users] : 0;
    int64_t *v = xmalloc((nu + ns + 1) * sizeof *v);

    for (size_t u = 0; u < nu; u++)
        v[u] = (int64_t)p->seen_start[u];
    codec_put_ints(w, "seen_start", nu, v);
    for (size_t i = 0; i < ns; i++)
        v[i] = p->seen[i];
    codec_put_ints(w, "seen", ns, v);
    free(v);
}

static int
get_seen(struct aiwb_reader *r, struct pipeline *p, char **cause)
{
    int64_t *start = NULL, *seen = NULL;
    size_t nu, ns;
    int rc = AIWB_EDATA;

    if (codec_get_ints(r, "seen_start", &nu, &start) < 0 ||
        codec_get_ints(r, "seen", &ns, &seen) < 0)
        goto out;
    if (nu == 0) {
        rc = AIWB_OK;
        goto out;
    }
    if (p->p < 2 || nu != (size_t)p->feature_levels[0] + 1 || start[0] != 0 ||
        (size_t)start[nu - 1] != ns) {
        *cause = xstrdup("the recommender's interactions are inconsistent");
        goto out;
    }
    p->n_users = nu - 1;
    p->n_items = p->feature_levels[1];
    p->seen_start = xmalloc(nu * sizeof *p->seen_start);
    p->seen = xmalloc((ns ? ns : 1) * sizeof *p->seen);
    for (size_t u = 0; u < nu; u++) {
        if (start[u] < 0 || (u > 0 && start[u] < start[u - 1]) || (size_t)start[u] > ns) {
            *cause = xstrdup("the recommender's interactions are inconsistent");
            goto out;
        }
        p->seen_start[u] = (size_t)start[u];
    }
    for (size_t i = 0; i < ns; i++) {
        if (seen[i] < 0 || seen[i] >= (int64_t)p->n_items) {
            *cause = xstrdup("the recommender's interactions are inconsistent");
            goto out;
        }
        p->seen[i] = (int32_t)seen[i];
    }
    rc = AIWB_OK;
out:
    free(start);
    free(seen);
    return rc;
}

unsigned char *
pipeline_save(const struct pipeline *p, size_t *len, char **cause)
{
    struct aiwb_writer *w = writer_new();
    unsigned char *blob = NULL;
    int64_t *types = xmalloc((p->n_in ? p->n_in : 1) * sizeof *types);
    int64_t *levels = xmalloc((p->p ? p->p : 1) * sizeof *levels);
    char **names = xmalloc((p->n_in ? p->n_in : 1) * sizeof *names);

    codec_put_str(w, "kind", "pipeline");
    codec_put_int(w, "format", PIPELINE_FORMAT);
    codec_put_str(w, "target", p->target);
    codec_put_int(w, "task", p->task);
    codec_put_int(w, "seed", (int64_t)p->seed);
    codec_put_strs(w, "classes", p->n_classes, (const char *const *)p->classes);
    for (size_t c = 0; c < p->n_in; c++) {
        names[c] = p->in[c].name;
        types[c] = p->in[c].type;
    }
    codec_put_strs(w, "inputs", p->n_in, (const char *const *)names);
    codec_put_ints(w, "input_types", p->n_in, types);
    for (size_t c = 0; c < p->n_in; c++)
        if (p->in[c].type == AIWB_CATEGORICAL)
            codec_put_strs(w, "levels", p->in[c].nlevels, (const char *const *)p->in[c].levels);
    codec_put_int(w, "transforms", (int64_t)p->n_tf);
    for (size_t i = 0; i < p->n_tf; i++) {
        const struct tf_inst *t = &p->tf[i];

        codec_put_str(w, "name", t->comp->name);
        codec_put_int(w, "version", tft(t)->state_version);
        codec_put_int(w, "automatic", t->automatic);
        put_options(w, "options", t->opts);
        if (save_state(w, "state", tft(t)->save, t->state, t->comp->name, cause) < 0)
            goto out;
    }
    codec_put_strs(w, "strict", p->n_strict, (const char *const *)p->strict);
    /* A transformer ends here: its algorithm is "". */
    codec_put_str(w, "algorithm", p->algo != NULL ? p->algo->name : "");
    if (p->algo == NULL) {
        blob = codec_seal(w, len);
        goto out;
    }
    codec_put_int(w, "version", algt(p)->state_version);
    put_options(w, "options", p->algo_opts);
    if (save_state(w, "state", algt(p)->save, p->algo_state, p->algo->name, cause) < 0)
        goto out;
    for (size_t j = 0; j < p->p; j++)
        levels[j] = p->feature_levels[j];
    codec_put_strs(w, "features", p->p, (const char *const *)p->features);
    codec_put_ints(w, "feature_levels", p->p, levels);
    put_seen(w, p);
    blob = codec_seal(w, len);
out:
    free(names);
    free(types);
    free(levels);
    writer_free(w);
    return blob;
}

/* Look up component NAME of KIND for a model being loaded. */
static const struct component *
need_component(enum component_kind kind, const char *name, char **cause)
{
    const struct component *c = registry_find(kind, name);

    if (c == NULL)
        *cause = xasprintf("the model needs the %s '%s', which is not loaded (is its plugin "
                           "on AIWB_PLUGIN_PATH?)", registry_kind_name(kind), name);
    return c;
}

static struct aiwb_options *
get_options(struct aiwb_reader *r, const struct component *c, char **cause)
{
    char **words = NULL;
    size_t n = 0;
    struct aiwb_options *o;

    if (codec_get_strs(r, "options", &n, &words) < 0)
        return NULL;
    o = options_parse(c->name, c->options, n, words, cause);
    pipeline_free_strings(words, n);
    return o;
}

/* Load a component's state from the nested blob under "state". */
static int
load_state(struct aiwb_reader *r, int (*load)(void *, struct aiwb_reader *, unsigned, char **),
           void *state, unsigned version, const char *name, char **cause)
{
    const unsigned char *data;
    size_t len;
    struct aiwb_reader *sub;
    int rc;

    if (codec_get_blob(r, "state", &data, &len) < 0)
        return AIWB_EDATA;
    if (load == NULL)
        return AIWB_OK;
    sub = reader_open_raw(data, len);
    reader_set_context(sub, name);
    *cause = NULL;
    rc = load(state, sub, version, cause);
    if (rc < 0 && *cause == NULL)
        *cause = reader_error(sub) != NULL
                     ? xstrdup(reader_error(sub))
                     : xasprintf("%s could not load its state (status %d)", name, rc);
    reader_free(sub);
    return rc;
}

static int
load_body(struct pipeline *p, struct aiwb_reader *r, char **cause)
{
    char *kind = NULL, *name = NULL, **names = NULL;
    int64_t format, task, seed, ntf, version, automatic, *types = NULL, *levels = NULL;
    size_t n, nl;
    int rc = AIWB_EDATA;

    if (codec_get_str(r, "kind", &kind) < 0 || codec_get_int(r, "format", &format) < 0)
        goto out;
    if (strcmp(kind, "pipeline") != 0 || format != PIPELINE_FORMAT) {
        *cause = xasprintf("not a model this aiwb can read (a '%s' of format %lld)", kind,
                           (long long)format);
        goto out;
    }
    if (codec_get_str(r, "target", &p->target) < 0 || codec_get_int(r, "task", &task) < 0 ||
        codec_get_int(r, "seed", &seed) < 0 ||
        codec_get_strs(r, "classes", &p->n_classes, &p->classes) < 0 ||
        codec_get_strs(r, "inputs", &n, &names) < 0 ||
        codec_get_ints(r, "input_types", &nl, &types) < 0)
        goto out;
    p->task = (unsigned)task;
    p->seed = (uint64_t)seed;
    if (nl != n) {
        *cause = xstrdup("the model's input schema is inconsistent");
        goto out;
    }
    p->in = xcalloc(n ? n : 1, sizeof *p->in);
    p->n_in = n;
    for (size_t c = 0; c < n; c++) {
        p->in[c].name = names[c];
        names[c] = NULL;
        p->in[c].type = types[c] == AIWB_CATEGORICAL ? AIWB_CATEGORICAL : AIWB_NUMERIC;
        if (p->in[c].type == AIWB_CATEGORICAL &&
            codec_get_strs(r, "levels", &p->in[c].nlevels, &p->in[c].levels) < 0)
            goto out;
    }
    if (codec_get_int(r, "transforms", &ntf) < 0)
        goto out;
    if (ntf < 0 || ntf > 1000) {
        *cause = xstrdup("the model's list of transforms is corrupt");
        goto out;
    }
    p->tf = xcalloc((size_t)ntf + 1, sizeof *p->tf);
    for (int64_t i = 0; i < ntf; i++) {
        struct tf_inst *t = &p->tf[i];

        free(name);
        name = NULL;
        if (codec_get_str(r, "name", &name) < 0 || codec_get_int(r, "version", &version) < 0 ||
            codec_get_int(r, "automatic", &automatic) < 0)
            goto out;
        if ((t->comp = need_component(COMPONENT_TRANSFORM, name, cause)) == NULL ||
            (t->opts = get_options(r, t->comp, cause)) == NULL)
            goto out;
        p->n_tf++;
        t->automatic = (int)automatic;
        t->state = xcalloc(1, tft(t)->state_size ? tft(t)->state_size : 1);
        if (tft(t)->init != NULL && (rc = tft(t)->init(t->state, t->opts, cause)) < 0)
            goto out;
        if ((rc = load_state(r, tft(t)->load, t->state, (unsigned)version, name, cause)) < 0)
            goto out;
        rc = AIWB_EDATA;
    }
    free(name);
    name = NULL;
    if (codec_get_strs(r, "strict", &p->n_strict, &p->strict) < 0 ||
        codec_get_str(r, "algorithm", &name) < 0)
        goto out;
    if (*name == '\0') { /* a transformer */
        if (*p->target == '\0') {
            free(p->target);
            p->target = NULL;
        }
        pipeline_describe_spec(p);
        rc = AIWB_OK;
        goto out;
    }
    if (codec_get_int(r, "version", &version) < 0)
        goto out;
    if ((p->algo = need_component(COMPONENT_ALGORITHM, name, cause)) == NULL ||
        (p->algo_opts = get_options(r, p->algo, cause)) == NULL)
        goto out;
    p->algo_state = xcalloc(1, algt(p)->state_size ? algt(p)->state_size : 1);
    if ((rc = load_state(r, algt(p)->load, p->algo_state, (unsigned)version, name, cause)) < 0)
        goto out;
    rc = AIWB_EDATA;
    if (codec_get_strs(r, "features", &p->p, &p->features) < 0 ||
        codec_get_ints(r, "feature_levels", &nl, &levels) < 0)
        goto out;
    if (nl != p->p) {
        *cause = xstrdup("the model's feature list is inconsistent");
        goto out;
    }
    p->feature_levels = xcalloc(p->p + 1, sizeof *p->feature_levels);
    for (size_t j = 0; j < p->p; j++)
        p->feature_levels[j] = (unsigned)levels[j];
    if (get_seen(r, p, cause) < 0)
        goto out;
    pipeline_describe_spec(p);
    rc = AIWB_OK;
out:
    if (names != NULL)
        pipeline_free_strings(names, n);
    free(types);
    free(levels);
    free(kind);
    free(name);
    return rc;
}

struct pipeline *
pipeline_load(const unsigned char *blob, size_t len, char **cause)
{
    struct pipeline *p;
    struct aiwb_reader *r = reader_open(blob, len, cause);

    if (r == NULL)
        return NULL;
    p = xcalloc(1, sizeof *p);
    *cause = NULL;
    if (load_body(p, r, cause) < 0) {
        if (*cause == NULL)
            *cause = xstrdup(reader_error(r) != NULL ? reader_error(r) : "the model is corrupt");
        pipeline_free(p);
        p = NULL;
    }
    reader_free(r);
    return p;
}


/*
 * The pipeline as the exported server reads it (server/model.c): what
 * predicting needs and nothing else. Unlike pipeline_save, row transforms
 * (they shape training data only) are left out, and each transform's options
 * are written resolved, defaults included, with a flag saying which the user
 * gave, since the server has no option specs to parse them with.
 */
#define SERVED_FORMAT 1

static void
put_resolved_options(struct aiwb_writer *w, const struct aiwb_options *o)
{
    size_t n, ng;
    char **all = options_words(o, 1, &n), **given = options_words(o, 0, &ng);
    int64_t *flags = xcalloc(n ? n : 1, sizeof *flags);

    /* Both lists follow the spec's order, the given ones a subsequence. */
    for (size_t i = 0, g = 0; i < n && g < ng; i++)
        if (strcmp(all[i], given[g]) == 0) {
            flags[i] = 1;
            g++;
        }
    codec_put_strs(w, "options", n, (const char *const *)all);
    codec_put_ints(w, "given", n, flags);
    free(flags);
    options_words_free(all);
    options_words_free(given);
}

int
pipeline_save_served(const struct pipeline *p, struct aiwb_writer *w, char **cause)
{
    int64_t *types = xmalloc((p->n_in ? p->n_in : 1) * sizeof *types);
    int64_t *levels = xmalloc((p->p ? p->p : 1) * sizeof *levels);
    char **names = xmalloc((p->n_in ? p->n_in : 1) * sizeof *names);
    size_t n_tf = 0;
    int rc = AIWB_EINVAL;

    if (p->algo == NULL) {
        *cause = xstrdup("a chain of transforms does not predict, so it cannot be served");
        goto out;
    }
    codec_put_str(w, "kind", "served-pipeline");
    codec_put_int(w, "format", SERVED_FORMAT);
    codec_put_str(w, "target", p->target);
    codec_put_int(w, "task", p->task);
    codec_put_strs(w, "classes", p->n_classes, (const char *const *)p->classes);
    for (size_t c = 0; c < p->n_in; c++) {
        names[c] = p->in[c].name;
        types[c] = p->in[c].type;
    }
    codec_put_strs(w, "inputs", p->n_in, (const char *const *)names);
    codec_put_ints(w, "input_types", p->n_in, types);
    for (size_t c = 0; c < p->n_in; c++)
        if (p->in[c].type == AIWB_CATEGORICAL)
            codec_put_strs(w, "levels", p->in[c].nlevels, (const char *const *)p->in[c].levels);
    for (size_t i = 0; i < p->n_tf; i++)
        n_tf += !(tft(&p->tf[i])->flags & AIWB_TF_ROWS);
    codec_put_int(w, "transforms", (int64_t)n_tf);
    for (size_t i = 0; i < p->n_tf; i++) {
        const struct tf_inst *t = &p->tf[i];

        if (tft(t)->flags & AIWB_TF_ROWS)
            continue;
        codec_put_str(w, "name", t->comp->name);
        codec_put_int(w, "version", tft(t)->state_version);
        put_resolved_options(w, t->opts);
        if ((rc = save_state(w, "state", tft(t)->save, t->state, t->comp->name, cause)) < 0)
            goto out;
    }
    codec_put_strs(w, "strict", p->n_strict, (const char *const *)p->strict);
    codec_put_str(w, "algorithm", p->algo->name);
    codec_put_int(w, "algorithm_flags", p->algo->flags);
    codec_put_int(w, "version", algt(p)->state_version);
    if ((rc = save_state(w, "state", algt(p)->save, p->algo_state, p->algo->name, cause)) < 0)
        goto out;
    for (size_t j = 0; j < p->p; j++)
        levels[j] = p->feature_levels[j];
    codec_put_strs(w, "features", p->p, (const char *const *)p->features);
    codec_put_ints(w, "feature_levels", p->p, levels);
    put_seen(w, p);
    rc = AIWB_OK;
out:
    free(names);
    free(types);
    free(levels);
    return rc;
}

/* The deciles of the N sorted values V, without repeats, into EDGES (at
 * most 9); returns how many. */
static size_t
decile_edges(const double *v, size_t n, double *edges)
{
    size_t k = 0;

    for (size_t q = 1; q < 10 && n > 0; q++) {
        double e = v[(size_t)((double)q * (double)(n - 1) / 10.0 + 0.5)];

        if (k == 0 || e > edges[k - 1])
            edges[k++] = e;
    }
    /* The top edge equal to the maximum leaves the last bin empty: drop it. */
    if (k > 0 && edges[k - 1] >= v[n - 1])
        k--;
    return k;
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

/* The sorted non-missing values of numeric column C of DATA; *n their count. */
static double *
sorted_values(const struct aiwb_frame *data, size_t c, size_t *n)
{
    const double *v = frame_numeric(data, c);
    double *s = xmalloc((frame_rows(data) + 1) * sizeof *s);

    *n = 0;
    for (size_t i = 0; i < frame_rows(data); i++)
        if (!isnan(v[i]))
            s[(*n)++] = v[i];
    qsort(s, *n, sizeof *s, cmp_double);
    return s;
}

static void
put_numeric_reference(struct aiwb_writer *w, const struct aiwb_frame *data, size_t c)
{
    size_t rows = frame_rows(data), n, ne;
    double *s = sorted_values(data, c, &n), edges[10], *props, sum = 0, ss = 0;
    const double *v = frame_numeric(data, c);

    ne = decile_edges(s, n, edges);
    props = xcalloc(ne + 2, sizeof *props);
    for (size_t i = 0; i < rows; i++) {
        size_t b = 0;

        if (isnan(v[i])) {
            props[ne + 1] += 1;
            continue;
        }
        while (b < ne && !(v[i] <= edges[b]))
            b++;
        props[b] += 1;
    }
    for (size_t b = 0; b < ne + 2; b++)
        props[b] /= rows ? (double)rows : 1.0;
    for (size_t i = 0; i < n; i++)
        sum += s[i];
    for (size_t i = 0; i < n; i++)
        ss += (s[i] - sum / (double)n) * (s[i] - sum / (double)n);
    codec_put_reals(w, "edges", ne, edges);
    codec_put_reals(w, "props", ne + 2, props);
    codec_put_real(w, "mean", n ? sum / (double)n : 0);
    codec_put_real(w, "sd", n > 1 ? sqrt(ss / (double)(n - 1)) : 0);
    free(props);
    free(s);
}

/* Input S's levels as found in column C of DATA (by text, as conform maps them). */
static void
put_level_reference(struct aiwb_writer *w, const struct schema_col *sc,
                    const struct aiwb_frame *data, size_t c)
{
    size_t rows = frame_rows(data), nl = sc->nlevels;
    double *props = xcalloc(nl + 1, sizeof *props);
    struct aiwb_frame *index = frame_new(0);
    int32_t *unused = frame_add_categorical(index, "levels");

    (void)unused;
    for (size_t l = 0; l < nl; l++)
        frame_level_intern(index, 0, sc->levels[l], strlen(sc->levels[l]));
    for (size_t i = 0; i < rows; i++) {
        int32_t code = -1;

        if (frame_col_type(data, c) == AIWB_CATEGORICAL) {
            int32_t v = frame_codes(data, c)[i];

            if (v >= 0)
                code = frame_level_find(index, 0, frame_level(data, c, v));
        } else if (!isnan(frame_numeric(data, c)[i])) {
            char buf[NUMFMT_BUFSZ];

            code = frame_level_find(index, 0, numfmt_exact(buf, frame_numeric(data, c)[i]));
        }
        props[code >= 0 ? (size_t)code : nl] += 1;
    }
    for (size_t l = 0; l <= nl; l++)
        props[l] /= rows ? (double)rows : 1.0;
    codec_put_reals(w, "edges", 0, NULL);
    codec_put_reals(w, "props", nl + 1, props);
    codec_put_real(w, "mean", 0);
    codec_put_real(w, "sd", 0);
    frame_free(index);
    free(props);
}

size_t
pipeline_save_reference(const struct pipeline *p, const struct aiwb_frame *data,
                        struct aiwb_writer *w)
{
    int complete = data != NULL && frame_rows(data) > 0;
    long tc;

    for (size_t c = 0; complete && c < p->n_in; c++) {
        long dc = frame_find(data, p->in[c].name);

        complete = dc >= 0 && (p->in[c].type == AIWB_CATEGORICAL ||
                               frame_col_type(data, (size_t)dc) == AIWB_NUMERIC);
    }
    codec_put_int(w, "reference", complete ? (int64_t)p->n_in : 0);
    for (size_t c = 0; complete && c < p->n_in; c++) {
        size_t dc = (size_t)frame_find(data, p->in[c].name);

        if (p->in[c].type == AIWB_CATEGORICAL)
            put_level_reference(w, &p->in[c], data, dc);
        else
            put_numeric_reference(w, data, dc);
    }
    /* A regressor's prediction histogram: the deciles of the training target. */
    tc = complete && p->target != NULL ? frame_find(data, p->target) : -1;
    if (p->task == AIWB_TASK_REGRESSION && tc >= 0 &&
        frame_col_type(data, (size_t)tc) == AIWB_NUMERIC) {
        size_t n, ne;
        double *s = sorted_values(data, (size_t)tc, &n), edges[10];

        ne = decile_edges(s, n, edges);
        codec_put_reals(w, "prediction_edges", ne, edges);
        free(s);
    } else {
        codec_put_reals(w, "prediction_edges", 0, NULL);
    }
    return complete ? frame_rows(data) : 0;
}

char **
pipeline_served_components(const struct pipeline *p, size_t *n)
{
    char **v = xcalloc(p->n_tf + 2, sizeof *v);

    *n = 0;
    for (size_t i = 0; i < p->n_tf; i++)
        if (!(tft(&p->tf[i])->flags & AIWB_TF_ROWS))
            v[(*n)++] = xasprintf("transform %s", p->tf[i].comp->name);
    if (p->algo != NULL)
        v[(*n)++] = xasprintf("algorithm %s", p->algo->name);
    return v;
}
