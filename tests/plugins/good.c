/*
 * good.c - a test-only plugin that does everything right: a source, a
 * transform and an algorithm, small enough to check by hand.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * good_source answers the scheme "good" and yields one batch of `rows` rows:
 * x = 1, 2, 3, ... (times `scale`), y = 2x + 1, and, when `labels` is on, a
 * categorical column "label" holding "<prefix>a", "<prefix>b", ... cyclically
 * over three levels. good_double doubles every numeric column. good_mean
 * predicts the (weighted) mean of y seen in training, plus `shift`.
 */
#include <config.h>

#include <math.h>
#include <string.h>

#include <aiwb/plugin.h>

#define MEAN_STATE_VERSION 1

static const struct aiwb_host_api *api;

/* ---- good_source ------------------------------------------------------- */

struct source {
    int64_t rows;
    double scale;
    int labels;
    int shape_flat; /* shape=flat: x is 1 everywhere */
    char *prefix;
    int done;
};

static const struct aiwb_option_spec source_options[] = {
    {.name = "rows",
     .type = AIWB_OPT_INT,
     .def = "3",
     .min = 1,
     .max = 1000,
     .help = "how many rows to yield"},
    {.name = "scale",
     .type = AIWB_OPT_REAL,
     .def = "1",
     .max = INFINITY,
     .help = "multiply x by this"},
    {.name = "labels",
     .type = AIWB_OPT_BOOL,
     .def = "true",
     .help = "add the categorical column 'label'"},
    {.name = "prefix",
     .type = AIWB_OPT_STRING,
     .help = "put this before every label"},
    {.name = "shape",
     .type = AIWB_OPT_CHOICE,
     .def = "ramp",
     .choices = "ramp|flat",
     .help = "x rises, or stays at 1"},
    {.name = NULL},
};

static int
source_open(void *state, const char *uri, const struct aiwb_options *opts, char **cause)
{
    struct source *s = state;
    const char *prefix = api->opt_str(opts, "prefix");

    if (strncmp(uri, "good:", 5) != 0) {
        *cause = api->format("good_source: cannot read '%s': not a good: URI", uri);
        return AIWB_EINVAL;
    }
    s->rows = api->opt_int(opts, "rows");
    s->scale = api->opt_real(opts, "scale");
    s->labels = api->opt_bool(opts, "labels");
    s->shape_flat = strcmp(api->opt_str(opts, "shape"), "flat") == 0;
    s->prefix = api->strdup(prefix != NULL ? prefix : "");
    api->log(AIWB_LOG_DEBUG, "good_source: opened '%s'", uri);
    return AIWB_OK;
}

static int
source_next(void *state, struct aiwb_frame **batch, char **cause)
{
    static const char *const levels[] = {"a", "b", "c"};
    struct source *s = state;
    size_t n = (size_t)s->rows;
    struct aiwb_frame *f;
    double *x, *y;

    (void)cause;
    if (s->done) {
        *batch = NULL;
        return 0;
    }
    f = api->frame_new(n);
    x = api->frame_add_numeric(f, "x");
    y = api->frame_add_numeric(f, "y");
    for (size_t i = 0; i < n; i++) {
        x[i] = (s->shape_flat ? 1.0 : (double)(i + 1)) * s->scale;
        y[i] = 2 * x[i] + 1;
    }
    if (s->labels) {
        int32_t *codes = api->frame_add_categorical(f, "label");

        for (size_t i = 0; i < n; i++) {
            char *text = api->format("%s%s", s->prefix, levels[i % 3]);

            codes[i] = api->frame_level_intern(f, 2, text, strlen(text));
            api->free(text);
        }
    }
    s->done = 1;
    *batch = f;
    return (int)n;
}

static void
source_close(void *state)
{
    struct source *s = state;

    api->free(s->prefix);
}

static const struct aiwb_source_type good_source_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_source_type),
    .name = "good_source",
    .summary = "three made-up rows, for tests",
    .options = source_options,
    .flags = 0,
    .schemes = "good",
    .extensions = "good,gd",
    .state_size = sizeof(struct source),
    .open = source_open,
    .next = source_next,
    .close = source_close,
};

/* ---- good_double ------------------------------------------------------- */

static int
double_apply(const void *state, const struct aiwb_frame *in, struct aiwb_frame **out,
             char **cause)
{
    size_t n = api->frame_rows(in);
    struct aiwb_frame *f = api->frame_new(n);

    (void)state;
    for (size_t c = 0; c < api->frame_cols(in); c++) {
        const double *x;
        double *y;

        if (api->frame_col_type(in, c) != AIWB_NUMERIC) {
            if (api->frame_copy_col(f, in, c, NULL) != AIWB_OK) {
                *cause = api->format("good_double: cannot copy column '%s'",
                                     api->frame_col_name(in, c));
                api->frame_free(f);
                return AIWB_ERR;
            }
            continue;
        }
        x = api->frame_numeric(in, c);
        y = api->frame_add_numeric(f, api->frame_col_name(in, c));
        for (size_t i = 0; i < n; i++)
            y[i] = 2 * x[i];
    }
    *out = f;
    return AIWB_OK;
}

static const struct aiwb_transform_type good_double_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_transform_type),
    .name = "good_double",
    .summary = "double every numeric column",
    .options = NULL,
    .flags = AIWB_CAP_MISSING | AIWB_CAP_CATEGORICAL,
    .state_version = 1,
    .state_size = 0,
    .apply = double_apply,
};

/* ---- good_halve: a row transform keeping rows 0, 2, 4, ... ------------- */

static int
halve_apply(const void *state, const struct aiwb_frame *in, struct aiwb_frame **out,
            char **cause)
{
    size_t n = api->frame_rows(in), *idx = api->alloc((n / 2 + 1) * sizeof *idx), k = 0;

    (void)state;
    (void)cause;
    for (size_t i = 0; i < n; i += 2)
        idx[k++] = i;
    *out = api->frame_take(in, idx, k);
    api->free(idx);
    return AIWB_OK;
}

static const struct aiwb_transform_type good_halve_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_transform_type),
    .name = "good_halve",
    .summary = "keep every other row (a row transform)",
    .flags = AIWB_CAP_MISSING | AIWB_CAP_CATEGORICAL | AIWB_TF_ROWS,
    .state_version = 1,
    .apply = halve_apply,
};

/* ---- good_mean --------------------------------------------------------- */

struct mean {
    double shift;
    double mean;
    int fitted;
};

static const struct aiwb_option_spec mean_options[] = {
    {.name = "shift",
     .type = AIWB_OPT_REAL,
     .def = "0",
     .min = -1e6,
     .max = 1e6,
     .help = "add this to every prediction"},
    {.name = NULL},
};

static int
mean_init(void *state, const struct aiwb_options *opts, const struct aiwb_problem *prob,
          char **cause)
{
    struct mean *m = state;

    if (prob->n == 0) {
        *cause = api->format("good_mean: no rows to learn from");
        return AIWB_EDATA;
    }
    m->shift = api->opt_real(opts, "shift");
    return AIWB_OK;
}

static int
mean_iterate(void *state, const struct aiwb_problem *prob, struct aiwb_step *step, char **cause)
{
    struct mean *m = state;
    double sum = 0, wsum = 0, loss = 0;

    for (size_t i = 0; i < prob->n; i++) {
        double w = prob->w != NULL ? prob->w[i] : 1.0;

        sum += w * prob->y[i];
        wsum += w;
    }
    if (!(wsum > 0)) {
        *cause = api->format("good_mean: the weights sum to %g", wsum);
        return AIWB_EDATA;
    }
    m->mean = sum / wsum;
    for (size_t i = 0; i < prob->n; i++)
        loss += (prob->y[i] - m->mean) * (prob->y[i] - m->mean);
    api->step_value(step, "loss", loss / (double)prob->n);
    m->fitted = 1;
    return AIWB_OK;
}

static size_t
mean_n_outputs(const void *state)
{
    (void)state;
    return 1;
}

static int
mean_predict(const void *state, size_t n, const double *X, size_t ldx, double *out)
{
    const struct mean *m = state;

    (void)X, (void)ldx;
    if (!m->fitted)
        return AIWB_EINVAL;
    for (size_t i = 0; i < n; i++)
        out[i] = m->mean + m->shift;
    return AIWB_OK;
}

static int
mean_report(const void *state, struct aiwb_table *t)
{
    const struct mean *m = state;

    api->table_title(t, "good_mean");
    api->table_column(t, "mean", AIWB_TABLE_REAL);
    api->table_real(t, m->mean);
    return AIWB_OK;
}

static int
mean_save(const void *state, struct aiwb_writer *w)
{
    const struct mean *m = state;
    int rc = api->put_real(w, "mean", m->mean);

    return rc != AIWB_OK ? rc : api->put_real(w, "shift", m->shift);
}

static int
mean_load(void *state, struct aiwb_reader *r, unsigned version, char **cause)
{
    struct mean *m = state;
    int rc;

    if (version != MEAN_STATE_VERSION) {
        *cause = api->format("good_mean: cannot read state version %u (this one reads %u)",
                             version, MEAN_STATE_VERSION);
        return AIWB_EDATA;
    }
    if ((rc = api->get_real(r, "mean", &m->mean)) != AIWB_OK)
        return rc;
    if ((rc = api->get_real(r, "shift", &m->shift)) != AIWB_OK)
        return rc;
    m->fitted = 1;
    return AIWB_OK;
}

static const struct aiwb_algorithm_type good_mean_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_algorithm_type),
    .name = "good_mean",
    .summary = "predict the mean of the training target",
    .options = mean_options,
    .flags = AIWB_TASK_REGRESSION | AIWB_CAP_MISSING | AIWB_CAP_CATEGORICAL | AIWB_CAP_WEIGHTS,
    .state_version = MEAN_STATE_VERSION,
    .state_size = sizeof(struct mean),
    .init = mean_init,
    .iterate = mean_iterate,
    .n_outputs = mean_n_outputs,
    .predict = mean_predict,
    .report = mean_report,
    .save = mean_save,
    .load = mean_load,
};

/* The module's entry point: declares "good" 1.2.3 and its four components. */
int
aiwb_plugin_init(struct aiwb_plugin *p, const struct aiwb_host_api *host)
{
    int rc;

    AIWB_PLUGIN_BEGIN(p, host, api, "good", "1.2.3");
    if ((rc = api->register_source(p, &good_source_type)) != AIWB_OK)
        return rc;
    if ((rc = api->register_transform(p, &good_double_type)) != AIWB_OK)
        return rc;
    if ((rc = api->register_transform(p, &good_halve_type)) != AIWB_OK)
        return rc;
    return api->register_algorithm(p, &good_mean_type);
}
