/*
 * bad.c - a test-only plugin that misbehaves in the way the environment
 * variable AIWB_TEST_BAD names, so that one module provokes every refusal
 * of the registry (see the table at the end; test-registry.c holds the
 * messages each case must produce).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Without AIWB_TEST_BAD it declares itself and registers nothing, which the
 * host refuses too.
 */
#include <config.h>

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <aiwb/plugin.h>

static const struct aiwb_host_api *api;

static int
copy_apply(const void *state, const struct aiwb_frame *in, struct aiwb_frame **out,
           char **cause)
{
    size_t n = api->frame_rows(in);
    struct aiwb_frame *f = api->frame_new(n);

    (void)state, (void)cause;
    for (size_t c = 0; c < api->frame_cols(in); c++)
        api->frame_copy_col(f, in, c, NULL);
    *out = f;
    return AIWB_OK;
}

static int
copy_fit(void *state, const struct aiwb_frame *in, char **cause)
{
    (void)state, (void)in, (void)cause;
    return AIWB_OK;
}

/* Members an older plugin would not have: the host must never call them. */
static int
never_save(const void *state, struct aiwb_writer *w)
{
    (void)state, (void)w;
    abort();
}

static int
never_load(void *state, struct aiwb_reader *r, unsigned version, char **cause)
{
    (void)state, (void)r, (void)version, (void)cause;
    abort();
}

static void
never_fini(void *state)
{
    (void)state;
    abort();
}

static int
src_open(void *state, const char *uri, const struct aiwb_options *opts, char **cause)
{
    (void)state, (void)uri, (void)opts, (void)cause;
    return AIWB_OK;
}

static int
src_next(void *state, struct aiwb_frame **batch, char **cause)
{
    (void)state, (void)cause;
    *batch = NULL;
    return 0;
}

static int
alg_init(void *state, const struct aiwb_options *opts, const struct aiwb_problem *prob,
         char **cause)
{
    (void)state, (void)opts, (void)prob, (void)cause;
    return AIWB_OK;
}

static int
alg_iterate(void *state, const struct aiwb_problem *prob, struct aiwb_step *step, char **cause)
{
    (void)state, (void)prob, (void)step, (void)cause;
    return AIWB_OK;
}

static size_t
alg_n_outputs(const void *state)
{
    (void)state;
    return 1;
}

static int
alg_predict(const void *state, size_t n, const double *X, size_t ldx, double *out)
{
    (void)state, (void)X, (void)ldx;
    for (size_t i = 0; i < n; i++)
        out[i] = 0;
    return AIWB_OK;
}

static int
alg_save(const void *state, struct aiwb_writer *w)
{
    (void)state, (void)w;
    return AIWB_OK;
}

static int
alg_load(void *state, struct aiwb_reader *r, unsigned version, char **cause)
{
    (void)state, (void)r, (void)version, (void)cause;
    return AIWB_OK;
}

/* ---- descriptors, one per case ----------------------------------------- */

static const struct aiwb_transform_type copy_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_transform_type),
    .name = "bad_copy",
    .summary = "copy the frame",
    .apply = copy_apply,
};

/* The name good.c's transform already has. */
static const struct aiwb_transform_type clash_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_transform_type),
    .name = "good_double",
    .summary = "a second transform of that name",
    .apply = copy_apply,
};

static const struct aiwb_option_spec bad_default_options[] = {
    {.name = "rows",
     .type = AIWB_OPT_INT,
     .def = "many",
     .min = 1,
     .max = 10,
     .help = "how many rows"},
    {.name = NULL},
};

static const struct aiwb_source_type bad_default_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_source_type),
    .name = "bad_default",
    .summary = "an INT option whose default is not a number",
    .options = bad_default_options,
    .schemes = "bad",
    .open = src_open,
    .next = src_next,
};

static const struct aiwb_option_spec out_of_range_options[] = {
    {.name = "rows",
     .type = AIWB_OPT_INT,
     .def = "11",
     .min = 1,
     .max = 10,
     .help = "how many rows"},
    {.name = NULL},
};

static const struct aiwb_transform_type out_of_range_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_transform_type),
    .name = "bad_range",
    .summary = "an INT option whose default is out of its bounds",
    .options = out_of_range_options,
    .apply = copy_apply,
};

static const struct aiwb_option_spec bad_choice_default_options[] = {
    {.name = "how",
     .type = AIWB_OPT_CHOICE,
     .def = "sideways",
     .choices = "up|down",
     .help = "which way"},
    {.name = NULL},
};

static const struct aiwb_transform_type bad_choice_default_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_transform_type),
    .name = "bad_choice_default",
    .summary = "a CHOICE option whose default is not a choice",
    .options = bad_choice_default_options,
    .apply = copy_apply,
};

static const struct aiwb_option_spec no_choices_options[] = {
    {.name = "how",
     .type = AIWB_OPT_CHOICE,
     .help = "which way"},
    {.name = NULL},
};

static const struct aiwb_transform_type no_choices_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_transform_type),
    .name = "bad_choices",
    .summary = "a CHOICE option without choices",
    .options = no_choices_options,
    .apply = copy_apply,
};

static const struct aiwb_option_spec twice_options[] = {
    {.name = "alpha",
     .type = AIWB_OPT_REAL,
     .def = "1",
     .help = "first"},
    {.name = "alpha",
     .type = AIWB_OPT_REAL,
     .def = "2",
     .help = "second"},
    {.name = NULL},
};

static const struct aiwb_transform_type option_twice_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_transform_type),
    .name = "bad_option_twice",
    .summary = "declares an option twice",
    .options = twice_options,
    .apply = copy_apply,
};

static const struct aiwb_option_spec unknown_type_options[] = {
    {.name = "alpha", .type = (enum aiwb_opt_type)42, .def = "1", .help = "of no known type"},
    {.name = NULL},
};

static const struct aiwb_transform_type option_type_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_transform_type),
    .name = "bad_option_type",
    .summary = "an option of an unknown type",
    .options = unknown_type_options,
    .apply = copy_apply,
};

static const struct aiwb_transform_type no_apply_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_transform_type),
    .name = "bad_no_apply",
    .summary = "a transform without apply",
};

static const struct aiwb_transform_type no_fit_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_transform_type),
    .name = "bad_no_fit",
    .summary = "declares AIWB_TF_FIT without fit",
    .flags = AIWB_TF_FIT,
    .apply = copy_apply,
};

static const struct aiwb_source_type no_next_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_source_type),
    .name = "bad_no_next",
    .summary = "a source without next",
    .schemes = "bad",
    .open = src_open,
};

static const struct aiwb_algorithm_type no_predict_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_algorithm_type),
    .name = "bad_no_predict",
    .summary = "an algorithm without predict",
    .flags = AIWB_TASK_REGRESSION,
    .init = alg_init,
    .iterate = alg_iterate,
    .n_outputs = alg_n_outputs,
    .save = alg_save,
    .load = alg_load,
};

static const struct aiwb_algorithm_type no_task_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_algorithm_type),
    .name = "bad_no_task",
    .summary = "an algorithm that learns nothing",
    .flags = AIWB_CAP_MISSING,
    .init = alg_init,
    .iterate = alg_iterate,
    .n_outputs = alg_n_outputs,
    .predict = alg_predict,
    .save = alg_save,
    .load = alg_load,
};

static const struct aiwb_transform_type bad_name_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_transform_type),
    .name = "Bad-Name",
    .summary = "a name that is not a lowercase identifier",
    .apply = copy_apply,
};

static const struct aiwb_transform_type future_descriptor_type = {
    .abi_version = 2,
    .size = sizeof(struct aiwb_transform_type),
    .name = "bad_future",
    .summary = "a descriptor for ABI 2 from a module that declared ABI 1",
    .apply = copy_apply,
};

/*
 * As a plugin built against an older minor version would register it: its
 * size ends after apply, so save, load and fini are not part of it. The
 * values past the size must never be read (they abort if called).
 */
static const struct aiwb_transform_type older_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = offsetof(struct aiwb_transform_type, save),
    .name = "bad_older",
    .summary = "a descriptor from an older minor version",
    .flags = AIWB_TF_FIT,
    .state_version = 1,
    .fit = copy_fit,
    .apply = copy_apply,
    .save = never_save,
    .load = never_load,
    .fini = never_fini,
};

/* Too small to hold even apply. */
static const struct aiwb_transform_type truncated_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = offsetof(struct aiwb_transform_type, apply),
    .name = "bad_truncated",
    .summary = "a descriptor that ends before apply",
    .apply = copy_apply,
};

/* ---- the cases ----------------------------------------------------------- */

#define BEGIN(p, host) AIWB_PLUGIN_BEGIN(p, host, api, "bad", "0.1")

static int
case_clash(struct aiwb_plugin *p, const struct aiwb_host_api *host)
{
    int rc;

    BEGIN(p, host);
    if ((rc = api->register_transform(p, &copy_type)) != AIWB_OK)
        return rc;
    return api->register_transform(p, &clash_type);
}

/* Registers a good transform, then a bad one, and ignores the refusal. */
static int
case_partial(struct aiwb_plugin *p, const struct aiwb_host_api *host)
{
    BEGIN(p, host);
    api->register_transform(p, &copy_type);
    api->register_algorithm(p, &no_predict_type);
    return AIWB_OK;
}

static int
case_twice(struct aiwb_plugin *p, const struct aiwb_host_api *host)
{
    int rc;

    BEGIN(p, host);
    if ((rc = api->register_transform(p, &copy_type)) != AIWB_OK)
        return rc;
    return api->register_transform(p, &copy_type);
}

static int
case_before_begin(struct aiwb_plugin *p, const struct aiwb_host_api *host)
{
    return host->register_transform(p, &copy_type);
}

static int
case_no_begin(struct aiwb_plugin *p, const struct aiwb_host_api *host)
{
    (void)p, (void)host;
    return AIWB_OK;
}

static int
case_nothing(struct aiwb_plugin *p, const struct aiwb_host_api *host)
{
    BEGIN(p, host);
    return AIWB_OK;
}

static int
case_newer_minor(struct aiwb_plugin *p, const struct aiwb_host_api *host)
{
    int rc;

    api = host;
    rc = host->plugin_begin(p, AIWB_ABI_VERSION, AIWB_ABI_MINOR + 1, "bad", "0.1");
    if (rc != AIWB_OK)
        return rc;
    return api->register_transform(p, &copy_type);
}

static int
case_no_name(struct aiwb_plugin *p, const struct aiwb_host_api *host)
{
    int rc;

    api = host;
    rc = host->plugin_begin(p, AIWB_ABI_VERSION, AIWB_ABI_MINOR, "", "0.1");
    if (rc != AIWB_OK)
        return rc;
    return api->register_transform(p, &copy_type);
}

static int
case_null(struct aiwb_plugin *p, const struct aiwb_host_api *host)
{
    BEGIN(p, host);
    return api->register_transform(p, NULL);
}

/* The cases that register one descriptor. */
static const struct one {
    const char *name;
    enum { SRC, TF, ALG } kind;
    const void *type;
} ones[] = {
    {"bad-default", SRC, &bad_default_type},
    {"out-of-range", TF, &out_of_range_type},
    {"bad-choice-default", TF, &bad_choice_default_type},
    {"no-choices", TF, &no_choices_type},
    {"option-twice", TF, &option_twice_type},
    {"option-type", TF, &option_type_type},
    {"no-apply", TF, &no_apply_type},
    {"no-fit", TF, &no_fit_type},
    {"no-next", SRC, &no_next_type},
    {"no-predict", ALG, &no_predict_type},
    {"no-task", ALG, &no_task_type},
    {"bad-name", TF, &bad_name_type},
    {"future-descriptor", TF, &future_descriptor_type},
    {"older", TF, &older_type},
    {"truncated", TF, &truncated_type},
};

static const struct other {
    const char *name;
    int (*init)(struct aiwb_plugin *p, const struct aiwb_host_api *host);
} others[] = {
    {"clash", case_clash},
    {"partial", case_partial},
    {"twice", case_twice},
    {"before-begin", case_before_begin},
    {"no-begin", case_no_begin},
    {"newer-minor", case_newer_minor},
    {"no-name", case_no_name},
    {"null", case_null},
};

/* The module's entry point: misbehaves as $AIWB_TEST_BAD says. */
int
aiwb_plugin_init(struct aiwb_plugin *p, const struct aiwb_host_api *host)
{
    const char *which = getenv("AIWB_TEST_BAD");

    for (size_t i = 0; which != NULL && i < sizeof others / sizeof others[0]; i++)
        if (strcmp(which, others[i].name) == 0)
            return others[i].init(p, host);
    for (size_t i = 0; which != NULL && i < sizeof ones / sizeof ones[0]; i++) {
        if (strcmp(which, ones[i].name) != 0)
            continue;
        BEGIN(p, host);
        switch (ones[i].kind) {
        case SRC:
            return api->register_source(p, ones[i].type);
        case TF:
            return api->register_transform(p, ones[i].type);
        case ALG:
            return api->register_algorithm(p, ones[i].type);
        }
    }
    return case_nothing(p, host);
}
