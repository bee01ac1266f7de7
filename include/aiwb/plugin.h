/*
 * aiwb/plugin.h - the plugin ABI: everything a source, transform, algorithm or
 * drift-statistic module needs, and nothing else.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 *
 * This header is MIT licensed, unlike the workbench (GPL-3.0-or-later): the
 * predict halves of the plugins (plugins/algo-NAME-predict.c and
 * plugins/transform-NAME-apply.c) include it, and they are compiled into the
 * exported prediction server, which users may deploy anywhere.
 *
 * A plugin is a shared module that exports one function, aiwb_plugin_init().
 * The host calls it with its table of functions (struct aiwb_host_api); the
 * plugin declares itself with AIWB_PLUGIN_BEGIN and then registers one or more
 * components. A minimal transform that adds one to every numeric column:
 *
 *     #include <aiwb/plugin.h>
 *
 *     static const struct aiwb_host_api *api;
 *
 *     static int
 *     plus_one_apply(const void *state, const struct aiwb_frame *in,
 *                    struct aiwb_frame **out, char **cause)
 *     {
 *         size_t n = api->frame_rows(in);
 *         struct aiwb_frame *f = api->frame_new(n);
 *         for (size_t c = 0; c < api->frame_cols(in); c++) {
 *             const char *name = api->frame_col_name(in, c);
 *             if (api->frame_col_type(in, c) != AIWB_NUMERIC) {
 *                 api->frame_copy_col(f, in, c, NULL);
 *                 continue;
 *             }
 *             const double *x = api->frame_numeric(in, c);
 *             double *y = api->frame_add_numeric(f, name);
 *             for (size_t i = 0; i < n; i++)
 *                 y[i] = x[i] + 1;
 *         }
 *         *out = f;
 *         return AIWB_OK;
 *     }
 *
 *     static const struct aiwb_transform_type plus_one_type = {
 *         .abi_version = AIWB_ABI_VERSION,
 *         .size = sizeof(struct aiwb_transform_type),
 *         .name = "plus_one",
 *         .summary = "add one to every numeric column",
 *         .flags = AIWB_CAP_MISSING | AIWB_CAP_CATEGORICAL,
 *         .apply = plus_one_apply,
 *     };
 *
 *     int
 *     aiwb_plugin_init(struct aiwb_plugin *p, const struct aiwb_host_api *host)
 *     {
 *         AIWB_PLUGIN_BEGIN(p, host, api, "plus_one", "1.0.0");
 *         return api->register_transform(p, &plus_one_type);
 *     }
 *
 * Build it with `cc -shared -fPIC $(pkg-config --cflags aiwb) -o plus_one.so
 * plus_one.c` and put it in a folder named by AIWB_PLUGIN_PATH.
 *
 * Rules of the ABI
 * - The host table and every descriptor only grow at their end; each new
 *   member is commented with the minor version that added it. A descriptor
 *   records its own size, so the host treats members past that size as NULL.
 * - AIWB_ABI_VERSION changes only when the meaning of an existing member
 *   changes. A module built for another ABI version is refused with a message
 *   naming both versions. The first four members of struct aiwb_host_api
 *   never move, so that refusal works across all versions.
 * - Plugins never link against the program: everything they need from the
 *   host comes through the table. They may link other libraries (GSL, libcurl).
 * - Plugins never print. They log through api->log, and they report errors by
 *   returning a negative status and, where a function has a `char **cause`
 *   argument, setting *cause to a message made with api->format (the host
 *   frees it). Messages follow git's style: lowercase, no full stop, the
 *   subject quoted, the place named: "'x.csv' line 4 column 2: unterminated
 *   quoted field".
 * - Memory that crosses the boundary is allocated with api->alloc and freed
 *   with api->free. Strings passed into a call are borrowed for that call.
 * - The host owns every frame, option set, writer, reader, table and step it
 *   passes in; a plugin frees only what it allocated itself, in fini.
 * - A component's state starts zeroed, and the host calls fini (a source's
 *   close) exactly once for every state it allocated, whatever happened
 *   before: after a failed init (open) too. So init may fail half-way, and
 *   fini frees what is not NULL.
 * - A plugin may start threads of its own; from them it may call only the
 *   memory functions, format and log. Everything else in the table is called
 *   from the thread that called the plugin.
 */
#ifndef AIWB_PLUGIN_H
#define AIWB_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The ABI this header describes. */
#define AIWB_ABI_VERSION 1
#define AIWB_ABI_MINOR 1

/*
 * Status codes. Zero is success, negative is an error, positive values are
 * documented non-errors (AIWB_CONTINUE from an algorithm's iterate).
 */
enum aiwb_status {
    AIWB_OK = 0,
    AIWB_CONTINUE = 1,   /* iterate: not converged yet, call again */
    AIWB_ERR = -1,       /* unspecified failure; see cause */
    AIWB_ENOMEM = -2,    /* out of memory */
    AIWB_EINVAL = -3,    /* invalid argument or option */
    AIWB_EIO = -4,       /* input or output failed */
    AIWB_EDATA = -5,     /* malformed or unsuitable data */
    AIWB_ENUMERIC = -6,  /* numerical failure (singular matrix, divergence) */
    AIWB_EABI = -7,      /* ABI version mismatch */
    AIWB_ECANCELED = -8, /* stopped by the user */
    AIWB_ENOTSUP = -9    /* not supported by this component */
};

/* Opaque handles owned by the host. */
struct aiwb_plugin;  /* the module being loaded */
struct aiwb_frame;   /* a table of named columns */
struct aiwb_options; /* a component's options, validated against its spec */
struct aiwb_writer;  /* codec output: typed, keyed values */
struct aiwb_reader;  /* codec input, read back in the order written */
struct aiwb_table;   /* a table of results a component shows the user */
struct aiwb_step;    /* the numbers one iteration reports */

/* Column types of a frame. */
enum aiwb_coltype {
    AIWB_NUMERIC = 1,    /* double; NaN marks a missing value */
    AIWB_CATEGORICAL = 2 /* int32 codes into a list of levels */
};

/* The code of a missing categorical value. Valid codes are 0..nlevels-1. */
#define AIWB_NA_CODE (-1)

/*
 * Capabilities and tasks, declared by components in their `flags`.
 * For an algorithm, the AIWB_TASK_* bits say what it can learn; the AIWB_CAP_*
 * bits say what its input may contain. For a transform, AIWB_CAP_* says what
 * its input may contain and AIWB_TF_* what it guarantees about its output.
 */
#define AIWB_TASK_REGRESSION 0x0001u
#define AIWB_TASK_CLASSIFICATION 0x0002u
#define AIWB_TASK_CLUSTERING 0x0004u
#define AIWB_TASK_RANKING 0x0008u
#define AIWB_TASK_DECOMPOSITION 0x0010u /* no target: predict writes component scores */
#define AIWB_TASK_MASK 0x00ffu
#define AIWB_CAP_MISSING 0x0100u     /* accepts missing values */
#define AIWB_CAP_CATEGORICAL 0x0200u /* accepts categorical columns */
#define AIWB_CAP_WEIGHTS 0x0400u     /* uses sample weights */
#define AIWB_CAP_INCREMENTAL 0x0800u /* can update a fitted model */
#define AIWB_TF_NO_MISSING 0x1000u   /* output has no missing values */
#define AIWB_TF_NUMERIC 0x2000u      /* output has only numeric columns */
#define AIWB_TF_FIT 0x4000u          /* has fitted state (fit is called) */
#define AIWB_TF_ROWS 0x8000u         /* apply may drop rows (filter, dedupe) */

/* Declared options: the host parses, validates and documents them. */
enum aiwb_opt_type {
    AIWB_OPT_INT = 1,    /* integer within [min, max] */
    AIWB_OPT_REAL = 2,   /* finite number within [min, max] */
    AIWB_OPT_BOOL = 3,   /* true/false, yes/no, on/off, 1/0 */
    AIWB_OPT_STRING = 4, /* any text */
    AIWB_OPT_CHOICE = 5  /* one of the words in `choices` */
};

/* Flags of a declared option. */
#define AIWB_OPT_MIN_EXCLUSIVE 0x1u /* values must be > min, not >= min */
#define AIWB_OPT_MAX_EXCLUSIVE 0x2u /* values must be < max */
#define AIWB_OPT_SECRET 0x4u        /* a password or token: never kept in lineage or logs */

/*
 * One declared option. Components list them in an array ended by an entry
 * whose name is NULL. `def` is the default as the user would type it (NULL:
 * no default, the option is unset unless given). `min` and `max` bound INT
 * and REAL values when min < max (use -INFINITY or INFINITY for one side);
 * the bounds are inclusive unless `flags` says otherwise. `choices` is
 * "a|b|c" for CHOICE options. Names are identifiers ([A-Za-z][A-Za-z0-9_]*).
 * Unlike the descriptors, this struct cannot grow within an ABI version:
 * it is the element of an array.
 */
struct aiwb_option_spec {
    const char *name;
    enum aiwb_opt_type type;
    const char *def;
    double min, max;
    const char *choices;
    const char *help;
    unsigned flags;
};

/*
 * What an algorithm learns from. X is row-major, n rows of p features with a
 * row stride of ldx doubles; the pipeline builds it from a frame, so an
 * algorithm never reads frames itself. For regression, y holds the target.
 * For classification, y holds class codes 0..n_classes-1 (as doubles) and
 * class_names their labels. w is NULL or n sample weights. feature_levels[j]
 * is 0 for a numeric feature, or the number of levels when the algorithm
 * accepts categoricals and feature j holds codes (NaN for missing).
 */
struct aiwb_problem {
    size_t n, p;
    const double *X;
    size_t ldx;
    const double *y;
    const double *w;
    unsigned task;
    size_t n_classes;
    const char *const *feature_names;
    const char *const *class_names;
    const char *target_name;
    const unsigned *feature_levels;
    uint64_t seed;
};

/*
 * A source reads data from a URI into frames. open() prepares (and may read
 * everything); next() hands over the following batch as a new frame that the
 * host owns, returning its number of rows, 0 at the end, or a negative
 * status with *cause set. Every batch has the same columns with the same
 * types. A source with AIWB_SOURCE_FOLLOW may return 0 and later more rows.
 * `schemes` lists URI schemes it answers ("sqlite,file"), `extensions` the
 * file name endings it reads ("csv,tsv,txt"); both comma-separated.
 *
 * A source that can follow a growing file sets AIWB_SOURCE_FOLLOW and declares
 * a bool option `follow`. When the user sets it, the host keeps the source
 * open after next() returned 0, and calls next() again whenever the dataset
 * is used, appending the rows it yields then.
 */
#define AIWB_SOURCE_FOLLOW 0x0001u
/* The order of the levels a source gives is meaningful (ARFF's declared
 * nominal values): the host keeps it instead of sorting the levels by text. */
#define AIWB_SOURCE_KEEP_LEVELS 0x0002u

struct aiwb_source_type {
    unsigned abi_version; /* AIWB_ABI_VERSION when the plugin was built */
    size_t size;          /* sizeof(struct aiwb_source_type) then */
    const char *name;
    const char *summary; /* one line, for listings */
    const char *help;    /* more lines for `help NAME`, or NULL */
    const struct aiwb_option_spec *options;
    unsigned flags;
    const char *schemes;
    const char *extensions;
    size_t state_size; /* zeroed bytes the host allocates per instance */
    int (*open)(void *state, const char *uri, const struct aiwb_options *opts, char **cause);
    int (*next)(void *state, struct aiwb_frame **batch, char **cause);
    void (*close)(void *state);
    /* new members only below this line, with the minor version that added them */
};

/*
 * A transform fits on one frame and applies to any frame with the same
 * columns. init() reads the options; fit() learns state (only called when
 * flags has AIWB_TF_FIT); apply() makes a new frame (the host owns it) from
 * its input without changing the input. save() writes the fitted state with
 * the writer functions, load() reads it back; `version` is the state_version
 * the state was saved with, so a newer plugin can read older state or refuse
 * it. fini() frees what the transform allocated. Any member but apply may be
 * NULL when there is nothing to do.
 *
 * A transform with AIWB_TF_ROWS may return fewer rows than it was given
 * (filter, dedupe, dropping outliers); every other transform returns as many
 * rows as it got. In `train ... with`, row transforms shape the training data
 * only: they run first, in their order, on the training frame with its
 * target column, and are not applied when the model predicts.
 */
struct aiwb_transform_type {
    unsigned abi_version;
    size_t size;
    const char *name;
    const char *summary; /* one line, for listings */
    const char *help;    /* more lines for `help NAME`, or NULL */
    const struct aiwb_option_spec *options;
    unsigned flags;
    unsigned state_version;
    size_t state_size;
    int (*init)(void *state, const struct aiwb_options *opts, char **cause);
    int (*fit)(void *state, const struct aiwb_frame *in, char **cause);
    int (*apply)(const void *state, const struct aiwb_frame *in, struct aiwb_frame **out,
                 char **cause);
    int (*save)(const void *state, struct aiwb_writer *w);
    int (*load)(void *state, struct aiwb_reader *r, unsigned version, char **cause);
    void (*fini)(void *state);
    /* new members only below this line */
};

/*
 * An algorithm follows GSL's INITIALIZE / ITERATE / TEST shape, and the host
 * drives the loop, so live curves, cancellation and time limits live in one
 * place:
 *
 *     init(state, opts, problem)        once, before any iteration
 *     iterate(state, problem, step)     until it returns AIWB_OK (converged)
 *                                       or the host stops early
 *     finish(state, problem)            once, after the last iteration
 *                                       (also after a cancel: the model must
 *                                       then be usable as it stands)
 *     predict(state, n, X, ldx, out)    any number of times, also after load
 *
 * iterate() returns AIWB_CONTINUE to be called again, AIWB_OK when it is done
 * (converged, or out of its own iteration budget: it then reports the step
 * value "converged" as 0 and logs a warning), or a negative status with
 * *cause set; it reports its numbers ("loss" first, "val_loss" for a loss on
 * held-out rows) with api->step_value. A one-shot algorithm does all its work
 * in its first iterate and returns AIWB_OK.
 *
 * What predict() writes, n rows of n_outputs() values each, by task:
 *   regression      1 value, the prediction;
 *   classification  the probability of each class (rows sum to one);
 *   clustering      a membership weight per cluster (rows sum to one: a hard
 *                   clustering writes a one), the problem has no target (y
 *                   is NULL) and n_outputs is the number of clusters;
 *   decomposition   the row's score on each component (PCA), no target;
 *   ranking         1 value, the score of the (user, item) pair: the problem's
 *                   first two features are the user and item codes (their
 *                   counts in feature_levels), y the rating, or all ones for
 *                   implicit feedback. The score estimates the rating only
 *                   when the model's rates() says so (eval then reports
 *                   rmse and mae); otherwise it only orders items.
 * report() may fill a table the user sees after training (coefficients ...),
 * NULL if none; score() may report, as step values, numbers about the model
 * on other rows ("inertia", "log_likelihood") that eval shows beside its own.
 * A ranking algorithm has recommend(): the K best items for a user code,
 * skipping the items of EXCLUDE (sorted codes), best first, written to ITEMS
 * and SCORES; it returns how many it wrote (at most K, fewer when fewer
 * items qualify), or a negative status. An AIWB_CAP_INCREMENTAL one
 * has update(): fold the problem's rows (codes may go past the levels it was
 * fitted with: new users, new items) into the fitted model without training
 * it again.
 */
struct aiwb_algorithm_type {
    unsigned abi_version;
    size_t size;
    const char *name;
    const char *summary; /* one line, for listings */
    const char *help;    /* more lines for `help NAME`, or NULL */
    const struct aiwb_option_spec *options;
    unsigned flags;
    unsigned state_version;
    size_t state_size;
    int (*init)(void *state, const struct aiwb_options *opts, const struct aiwb_problem *prob,
                char **cause);
    int (*iterate)(void *state, const struct aiwb_problem *prob, struct aiwb_step *step,
                   char **cause);
    int (*finish)(void *state, const struct aiwb_problem *prob, char **cause);
    size_t (*n_outputs)(const void *state);
    int (*predict)(const void *state, size_t n, const double *X, size_t ldx, double *out);
    int (*report)(const void *state, struct aiwb_table *t);
    int (*save)(const void *state, struct aiwb_writer *w);
    int (*load)(void *state, struct aiwb_reader *r, unsigned version, char **cause);
    void (*fini)(void *state);
    int (*score)(const void *state, size_t n, const double *X, size_t ldx, struct aiwb_step *out);
    int (*recommend)(const void *state, int32_t user, const int32_t *exclude, size_t n_exclude,
                     size_t k, int32_t *items, double *scores);
    int (*update)(void *state, const struct aiwb_problem *prob, char **cause);
    /* Ranking: 1 if this fitted model's predict() estimates the rating (as
     * explicit ALS or an item's mean rating), 0 if its score only orders
     * items (a count, a similarity); NULL means 0. */
    int (*rates)(const void *state);
    /* new members only below this line */
};

/*
 * A drift statistic (ABI 1.0, registered with register_drift) compares one
 * column of two datasets, the reference (the data a model learned from) and
 * the current one (what it sees now), and judges whether the current sample
 * has moved. `drift REF CUR` runs every chosen statistic on every column the
 * two share; the user picks statistics with stats= and passes each one the
 * options it declares (min_n=, alpha=, its thresholds).
 *
 * The host calls compare() once per column, only for the column types its
 * flags declare (AIWB_DRIFT_NUMERIC, AIWB_DRIFT_CATEGORICAL), with the column
 * as struct aiwb_drift_column: both samples as they are, missing values
 * included. A categorical column's two samples use ONE list of levels: the
 * host maps the current dataset's levels onto the reference's by their text
 * and appends the levels only the current one has. compare() fills the
 * result the host zeroed (its `size` set), and returns AIWB_OK, or a negative
 * status with *cause set for input it cannot judge (an infinite value); the
 * host frees what it allocated in the result either way. Too few values to
 * judge (none at all included) is not an error: it is the verdict
 * AIWB_DRIFT_TOO_FEW, with the numbers that could be computed (NaN the
 * others).
 *
 * Every verdict should weigh an effect size, not a p-value alone: on large
 * samples every difference is significant, on small ones every verdict is
 * noise. The built-in statistics (`help psi` ...) judge "drift" only when p
 * < alpha AND the effect size reaches its threshold, and refuse to judge
 * below min_n values. `severity` orders the columns of a report (the most
 * severe first, after the verdicts); the built-in ones use effect /
 * threshold, so 1 is the threshold.
 *
 * The distributions are what the report draws for a flagged column: the
 * proportions of the two samples over the bins the statistic used. BINS:
 * numeric bins given by nbins + 1 finite, strictly increasing edges; LEVELS:
 * nbins labelled categories (levels, or "present"/"missing"). All arrays
 * and strings of the result (but effect_name, a static string) are
 * allocated with api->alloc / api->strdup / api->format.
 */
#define AIWB_DRIFT_NUMERIC 0x10000u     /* compares numeric columns */
#define AIWB_DRIFT_CATEGORICAL 0x20000u /* compares categorical columns */

enum aiwb_drift_verdict {
    AIWB_DRIFT_STABLE = 0,   /* no change that matters */
    AIWB_DRIFT_MODERATE = 1, /* a real change, of moderate size */
    AIWB_DRIFT_DRIFT = 2,    /* the distribution has moved */
    AIWB_DRIFT_TOO_FEW = 3   /* too few values to judge */
};

enum aiwb_drift_dist {
    AIWB_DRIFT_DIST_NONE = 0,  /* nothing to draw */
    AIWB_DRIFT_DIST_BINS = 1,  /* numeric bins: edges */
    AIWB_DRIFT_DIST_LEVELS = 2 /* categories: labels */
};

/* One column of both datasets, borrowed for the call. */
struct aiwb_drift_column {
    size_t size; /* sizeof(struct aiwb_drift_column) in the host */
    const char *name;
    enum aiwb_coltype type;
    size_t n_ref, n_cur;                  /* rows of each sample, missing ones included */
    const double *ref, *cur;              /* AIWB_NUMERIC: the values, NaN missing; else NULL */
    const int32_t *ref_codes, *cur_codes; /* AIWB_CATEGORICAL: codes, AIWB_NA_CODE missing */
    size_t nlevels;                       /* AIWB_CATEGORICAL: codes run 0..nlevels-1 */
    const char *const *levels;            /* ... and these are their names */
    /* new members only below this line */
};

/* What compare() found, in a struct the host zeroed. */
struct aiwb_drift_result {
    size_t size;             /* sizeof(struct aiwb_drift_result) in the host */
    double statistic;        /* the statistic's own value (KS D, PSI, chi-square ...) */
    double p;                /* its p-value; NaN when it has none */
    double effect;           /* the effect size its verdict weighs */
    const char *effect_name; /* what the effect size is ("D", "Cramér's V"), static text */
    double severity;         /* orders columns within a verdict: larger is worse */
    enum aiwb_drift_verdict verdict;
    char *binning;             /* how the values were binned, one line; NULL: not binned */
    char *text;                /* one short line of detail, or NULL */
    enum aiwb_drift_dist dist; /* the two distributions, for the chart: */
    size_t nbins;
    double *edges;                 /* BINS: nbins + 1 edges */
    char **labels;                 /* LEVELS: nbins labels */
    double *ref_share, *cur_share; /* nbins proportions of each sample */
    /* new members only below this line */
};

struct aiwb_drift_type {
    unsigned abi_version;
    size_t size;
    const char *name;
    const char *summary; /* one line, for listings */
    const char *help;    /* more lines for `help NAME`: the rule and the binning, or NULL */
    const struct aiwb_option_spec *options;
    unsigned flags; /* AIWB_DRIFT_NUMERIC and/or AIWB_DRIFT_CATEGORICAL */
    int (*compare)(const struct aiwb_options *opts, const struct aiwb_drift_column *col,
                   struct aiwb_drift_result *res, char **cause);
    /* new members only below this line */
};

/* Log levels for api->log. */
enum aiwb_log_level { AIWB_LOG_DEBUG = 0, AIWB_LOG_INFO = 1, AIWB_LOG_WARN = 2, AIWB_LOG_ERROR = 3 };

/* Column kinds of a result table. */
enum aiwb_table_kind { AIWB_TABLE_TEXT = 1, AIWB_TABLE_REAL = 2, AIWB_TABLE_INT = 3 };

#if defined(__GNUC__)
#define AIWB_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define AIWB_PRINTF(f, a)
#endif

/*
 * The host's table of functions. Members are only ever added at the end.
 */
struct aiwb_host_api {
    /* These four never move. */
    unsigned abi_version; /* the host's AIWB_ABI_VERSION */
    unsigned abi_minor;   /* the host's AIWB_ABI_MINOR */
    size_t size;          /* sizeof(struct aiwb_host_api) in the host */
    /*
     * Declare the module: its name, version, and the ABI it was built for.
     * Returns AIWB_EABI if the host does not speak that ABI (the host then
     * reports both versions); the module must return that status at once.
     */
    int (*plugin_begin)(struct aiwb_plugin *p, unsigned abi_version, unsigned abi_minor,
                        const char *name, const char *version);

    /* Registration: each returns AIWB_OK, or AIWB_EINVAL for a bad or
     * duplicate descriptor (the host reports why). Descriptors are not
     * copied: they must live as long as the module (static const). */
    int (*register_source)(struct aiwb_plugin *p, const struct aiwb_source_type *t);
    int (*register_transform)(struct aiwb_plugin *p, const struct aiwb_transform_type *t);
    int (*register_algorithm)(struct aiwb_plugin *p, const struct aiwb_algorithm_type *t);

    /* Memory. alloc and calloc never return NULL (the host aborts with a
     * message when memory runs out); free(NULL) does nothing. */
    void *(*alloc)(size_t n);
    void *(*calloc)(size_t n, size_t size);
    void *(*realloc)(void *p, size_t n);
    void (*free)(void *p);
    char *(*strdup)(const char *s);
    char *(*format)(const char *fmt, ...) AIWB_PRINTF(1, 2); /* a new string */

    void (*log)(enum aiwb_log_level level, const char *fmt, ...) AIWB_PRINTF(2, 3);

    /* Frames. A frame has a fixed number of rows and any number of named
     * columns. Column indices run 0..frame_cols-1 in the order added. */
    struct aiwb_frame *(*frame_new)(size_t n_rows);
    void (*frame_free)(struct aiwb_frame *f);
    size_t (*frame_rows)(const struct aiwb_frame *f);
    size_t (*frame_cols)(const struct aiwb_frame *f);
    const char *(*frame_col_name)(const struct aiwb_frame *f, size_t col);
    enum aiwb_coltype (*frame_col_type)(const struct aiwb_frame *f, size_t col);
    /* The index of the column NAME, or -1. */
    long (*frame_find)(const struct aiwb_frame *f, const char *name);
    /* Add a column; returns its n_rows values to fill (zeroed), or NULL if a
     * column of that name exists. */
    double *(*frame_add_numeric)(struct aiwb_frame *f, const char *name);
    int32_t *(*frame_add_categorical)(struct aiwb_frame *f, const char *name);
    /* The code of LEVEL (LEN bytes) in categorical column COL, adding it as a
     * new level if it is not there yet; negative on error. */
    int32_t (*frame_level_intern)(struct aiwb_frame *f, size_t col, const char *level, size_t len);
    size_t (*frame_nlevels)(const struct aiwb_frame *f, size_t col);
    const char *(*frame_level)(const struct aiwb_frame *f, size_t col, int32_t code);
    /* Read access: NULL if the column has the other type. */
    const double *(*frame_numeric)(const struct aiwb_frame *f, size_t col);
    const int32_t *(*frame_codes)(const struct aiwb_frame *f, size_t col);
    /* Write access to an existing column (copied first if it is shared). */
    double *(*frame_numeric_mut)(struct aiwb_frame *f, size_t col);
    int32_t *(*frame_codes_mut)(struct aiwb_frame *f, size_t col);
    /* Add column COL of SRC to DST (same number of rows) under NEWNAME, or
     * its own name when NEWNAME is NULL. The data is shared, not copied.
     * Returns AIWB_OK, or AIWB_EINVAL on a name clash or row mismatch. */
    int (*frame_copy_col)(struct aiwb_frame *dst, const struct aiwb_frame *src, size_t col,
                          const char *newname);

    /* Options, validated by the host against the component's spec before
     * init. Asking for an undeclared option is a bug: the host logs it and
     * returns 0, false or NULL. opt_str serves STRING and CHOICE options and
     * returns NULL when the option has no value. opt_given says whether the
     * user typed it (rather than it taking its default). */
    int64_t (*opt_int)(const struct aiwb_options *o, const char *name);
    double (*opt_real)(const struct aiwb_options *o, const char *name);
    int (*opt_bool)(const struct aiwb_options *o, const char *name);
    const char *(*opt_str)(const struct aiwb_options *o, const char *name);
    int (*opt_given)(const struct aiwb_options *o, const char *name);

    /* Codec: state is a sequence of typed values, each under a key. A reader
     * returns them in the order they were written; a get whose key or type
     * does not match the next value fails with AIWB_EDATA and the host
     * reports which value was expected and which was found. Arrays returned
     * by get_* are allocated with alloc; the caller frees them (for get_strs,
     * each string and then the array). */
    int (*put_int)(struct aiwb_writer *w, const char *key, int64_t v);
    int (*put_real)(struct aiwb_writer *w, const char *key, double v);
    int (*put_str)(struct aiwb_writer *w, const char *key, const char *s);
    int (*put_reals)(struct aiwb_writer *w, const char *key, size_t n, const double *v);
    int (*put_ints)(struct aiwb_writer *w, const char *key, size_t n, const int64_t *v);
    int (*put_strs)(struct aiwb_writer *w, const char *key, size_t n, const char *const *v);
    int (*get_int)(struct aiwb_reader *r, const char *key, int64_t *v);
    int (*get_real)(struct aiwb_reader *r, const char *key, double *v);
    int (*get_str)(struct aiwb_reader *r, const char *key, char **s);
    int (*get_reals)(struct aiwb_reader *r, const char *key, size_t *n, double **v);
    int (*get_ints)(struct aiwb_reader *r, const char *key, size_t *n, int64_t **v);
    int (*get_strs)(struct aiwb_reader *r, const char *key, size_t *n, char ***v);

    /* Result tables: declare the columns, then append cells row by row. */
    void (*table_title)(struct aiwb_table *t, const char *title);
    int (*table_column)(struct aiwb_table *t, const char *name, enum aiwb_table_kind kind);
    int (*table_text)(struct aiwb_table *t, const char *s);
    int (*table_real)(struct aiwb_table *t, double v);
    int (*table_int)(struct aiwb_table *t, int64_t v);
    void (*table_note)(struct aiwb_table *t, const char *text); /* a line under the table */

    /* Report one named number of the current iteration ("loss", ...). */
    int (*step_value)(struct aiwb_step *s, const char *name, double v);

    /* The code of level LEVEL in categorical column COL, or -1 (never adds). */
    int32_t (*frame_level_find)(const struct aiwb_frame *f, size_t col, const char *level);
    /* A new frame of rows IDX[0..N-1] of F in that order (levels shared). */
    struct aiwb_frame *(*frame_take)(const struct aiwb_frame *f, const size_t *idx, size_t n);
    /*
     * Read URI as `load` would, with the source named SOURCE (NULL: the one its
     * scheme or extension names) and the N option words OPTS ("header=false"):
     * a new frame in *out, or a negative status with *cause set. So a source
     * can hand what it fetched to another (http to csv).
     */
    int (*source_read)(const char *source, const char *uri, size_t n, char *const *opts,
                       struct aiwb_frame **out, char **cause);
    /* Whether the user asked to stop (Ctrl-C): a long read or fetch polls it
     * and gives up with AIWB_ECANCELED. */
    int (*interrupted)(void);

    /* ABI 1.0 (issue 5): register a drift statistic, as the three above. A
     * module meant to load into hosts of the same ABI that predate it checks
     * AIWB_HOST_HAS(api, register_drift) first. */
    int (*register_drift)(struct aiwb_plugin *p, const struct aiwb_drift_type *t);

    /* new members only below this line, each with the minor version that added it */

    /* ABI 1.1: reading a file through mmap(2) that another program may
     * shorten meanwhile (a log emptied by logrotate's copytruncate). Between
     * map_guard and map_unguard, a read of the LEN bytes at ADDR, where the
     * start of file FD is mapped, that lies past the file's new end reads
     * zeros instead of ending aiwb with SIGBUS (the guard keeps its own copy
     * of FD). map_guard returns a handle, or -1 when it cannot guard (read
     * the file instead, or map it unguarded). map_unguard(HANDLE) ends the
     * guard before the unmapping and returns 1 if the file shrank under it:
     * then report that, not what was parsed. Any thread may call these. */
    int (*map_guard)(const void *addr, size_t len, int fd);
    int (*map_unguard)(int handle);
};

/* Whether the host table API has MEMBER (a host of an older minor lacks the
 * members added after it). */
#define AIWB_HOST_HAS(api, member)                                                                 \
    ((api)->size >= offsetof(struct aiwb_host_api, member) + sizeof((api)->member))

/* The one symbol a module exports. */
int aiwb_plugin_init(struct aiwb_plugin *p, const struct aiwb_host_api *host);

/*
 * Declare the module and keep the host table in VAR (a file-static pointer):
 * returns from aiwb_plugin_init with AIWB_EABI if the host refuses the ABI.
 */
#define AIWB_PLUGIN_BEGIN(p, host, var, name, version)                                             \
    do {                                                                                           \
        int aiwb_rc_;                                                                              \
        (var) = (host);                                                                            \
        aiwb_rc_ = (host)->plugin_begin((p), AIWB_ABI_VERSION, AIWB_ABI_MINOR, (name), (version)); \
        if (aiwb_rc_ != AIWB_OK)                                                                   \
            return aiwb_rc_;                                                                       \
    } while (0)

#ifdef __cplusplus
}
#endif

#endif /* AIWB_PLUGIN_H */
