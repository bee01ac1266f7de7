/*
 * source-gen.c - the gen source: synthetic data from a seed (classification,
 * regression, Gaussian blobs, user-item ratings) and drifted variants of each.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * `load d gen:KIND OPTION=VALUE ...` makes a frame from a model whose
 * equations the help text (gen_help below) states; this comment says how the
 * random numbers are drawn, which a change would break for every saved seed
 * and every dataset a workspace rebuilds from its lineage.
 *
 * Two generators, both GSL's mt19937, are used:
 *  - the model's, seeded with fold(seed), draws the parameters (class
 *    centres, redundant mixing, coefficients, blob centres, latent factors);
 *  - the rows', seeded with fold(splitmix64(fold(seed) XOR
 *    splitmix64(sample))), draws everything per row.
 * fold(s) is the low 32 bits of s XOR its high 32 bits, as `split` does, and
 * 4357 when that is 0, as mt19937 itself would have it: mt19937 keeps 32 bits
 * of its seed. So seeds below 2^32 are used as they are, and two seeds give
 * the same data exactly when their folds agree (0 and 4357 do).
 *
 * The model's draws depend only on the seed and the options that shape it
 * (features, informative, redundant, classes, clusters, box, users, items,
 * rank), never on n, sample, weights, flip, sep, std, noise, intercept,
 * shift or rotate. Each row consumes the same draws whatever those are, so
 * a drifted variant with the same seed and sample is its reference row by
 * row with the drift applied (for ratings, as long as rotate is unchanged).
 *
 * The draws, in order:
 *  classification  model: per centre c = 0..K-1, q signs (uniform_int 2: 0
 *                  is -1), redrawn while equal to an earlier centre; then B
 *                  by redundant column k, informative row j: 2 u - 1.
 *                  rows: u (true class by the cumulative weights), q
 *                  gaussians, p - q - r gaussians, u (flip?), uniform_int K
 *                  (the flipped class).
 *  regression      model: selection sampling (Knuth's S, one u per feature
 *                  until q are chosen) of the nonzero coefficients; per
 *                  nonzero one, in feature order: u, uniform_int 2 (sign).
 *                  rows: p gaussians, then the noise's gaussian.
 *  blobs           model: per centre, per feature: u.
 *                  rows: u (cluster by the cumulative weights), p gaussians.
 *  ratings         model: user factors by user then dimension, then item
 *                  factors: gaussians times rank^-1/4.
 *                  rows: per user in order, one u deciding whether it rates
 *                  one item more (Knuth's S, only when m mod users > 0), its
 *                  items (below), then per chosen item in increasing order a
 *                  gaussian (noise) and a u (timestamp).
 * Gaussians are gsl_ran_gaussian_ziggurat, uniforms gsl_rng_uniform (k /
 * 2^32). A user's items are drawn one u each, by successive sampling on a
 * sum tree (pick_items).
 *
 * The integer stream is the same on every machine; the numbers made from it
 * use IEEE arithmetic, sqrt, and the C library's exp, log and pow (in the
 * ziggurat's rare rejection steps, and pow for Zipf exponents other than 0
 * and 1), so the bytes are the same wherever those round alike (glibc on
 * x86-64, for one).
 */
#include <config.h>

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include <aiwb/plugin.h>

static const struct aiwb_host_api *api;

#define GEN_MAX_CELLS (UINT64_C(1) << 30) /* values a frame may hold */
#define GEN_MAX_RATINGS 100000000u        /* ratings a frame may hold */
#define GEN_LOG_TERMS 50                  /* terms or centres a log line lists */
#define GEN_TS_START 1577836800.0         /* 2020-01-01T00:00:00Z */
#define GEN_TS_SPAN 31622400.0            /* the seconds of 2020 (366 days) */

enum gen_kind { GEN_CLASSIFICATION, GEN_REGRESSION, GEN_BLOBS, GEN_RATINGS, GEN_NKINDS };

static const char *const kind_names[GEN_NKINDS] = {"classification", "regression", "blobs",
                                                   "ratings"};

/* Which generators use an option: bits 1 << enum gen_kind. */
#define K_CLS (1u << GEN_CLASSIFICATION)
#define K_REG (1u << GEN_REGRESSION)
#define K_BLB (1u << GEN_BLOBS)
#define K_RAT (1u << GEN_RATINGS)
#define K_ALL (K_CLS | K_REG | K_BLB | K_RAT)

/* Everything a generator needs, read from the options and checked. */
struct gen {
    enum gen_kind kind;
    char what[24];  /* "gen:KIND", for messages */
    size_t n, p;    /* rows, features */
    size_t q, r;    /* informative, redundant */
    size_t k;       /* classes or clusters */
    double *cum;    /* k cumulative weights, the last exactly 1 */
    char **labels;  /* k level names */
    size_t shifted; /* the first `shifted` features get the shift */
    double shift;   /* added to them (ratings: to the latent rating) */
    double sep, flip, rho, intercept, noise, std, box;
    size_t users, items, rank, rotate;
    double density, zipf;
    int implicit, timestamps;
    uint64_t seed, sample;
};

/* The state the host allocates per open source. */
struct gen_state {
    struct aiwb_frame *frame; /* made by open, handed over by the first next */
};

/* A growing text for log lines. */
struct text {
    char *s;
    size_t len, cap;
};

static void text_addf(struct text *t, const char *fmt, ...) AIWB_PRINTF(2, 3);

static void
text_addf(struct text *t, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if (t->len + (size_t)n + 1 > t->cap) {
        t->cap = 2 * (t->len + (size_t)n + 1);
        t->s = api->realloc(t->s, t->cap);
    }
    va_start(ap, fmt);
    vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    t->len += (size_t)n;
}

/* ---------------------------------------------------------------------------
 * Seeds and draws
 */

static uint64_t
splitmix64(uint64_t x)
{
    x += UINT64_C(0x9E3779B97F4A7C15);
    x = (x ^ (x >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94D049BB133111EB);
    return x ^ (x >> 31);
}

/* The low 32 bits of S XOR its high 32 bits, with 0 as 4357 (GSL's rule). */
static unsigned long
fold(uint64_t s)
{
    uint32_t f = (uint32_t)s ^ (uint32_t)(s >> 32);

    return f != 0 ? f : 4357;
}

/* A new mt19937 seeded with SEED32; NULL with *cause set if out of memory. */
static gsl_rng *
rng_new(unsigned long seed32, char **cause)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);

    if (r == NULL) {
        *cause = api->format("gen: out of memory for the random number generator");
        return NULL;
    }
    gsl_rng_set(r, seed32);
    return r;
}

static inline double
gauss(gsl_rng *r)
{
    return gsl_ran_gaussian_ziggurat(r, 1.0);
}

/* The first c with u < cum[c]; cum[k-1] is 1, so there is one. */
static size_t
pick(const double *cum, size_t k, double u)
{
    size_t lo = 0, hi = k - 1;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (u < cum[mid])
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* ---------------------------------------------------------------------------
 * Options
 */

static const struct aiwb_option_spec gen_options[] = {
    {.name = "n",
     .type = AIWB_OPT_INT,
     .def = "1000",
     .min = 1,
     .max = 1e8,
     .help = "rows (classification, regression, blobs)"},
    {.name = "features",
     .type = AIWB_OPT_INT,
     .min = 1,
     .max = 10000,
     .help = "columns x1..xp; 10, or 2 for blobs"},
    {.name = "informative",
     .type = AIWB_OPT_INT,
     .min = 1,
     .max = 10000,
     .help = "classification: features around the class centres (2); regression: nonzero "
             "coefficients (half the features, rounded up)"},
    {.name = "redundant",
     .type = AIWB_OPT_INT,
     .def = "0",
     .min = 0,
     .max = 10000,
     .help = "classification: features that mix the informative ones linearly"},
    {.name = "classes",
     .type = AIWB_OPT_INT,
     .def = "2",
     .min = 2,
     .max = 1000,
     .help = "classification: classes, at most 2^informative"},
    {.name = "clusters",
     .type = AIWB_OPT_INT,
     .def = "3",
     .min = 1,
     .max = 1000,
     .help = "blobs: clusters"},
    {.name = "weights",
     .type = AIWB_OPT_STRING,
     .help = "classification, blobs: relative class or cluster shares, comma-separated (equal)"},
    {.name = "labels",
     .type = AIWB_OPT_STRING,
     .help = "classification, blobs: level names, comma-separated (c0,c1,... or k0,k1,...)"},
    {.name = "sep",
     .type = AIWB_OPT_REAL,
     .def = "1",
     .min = 0,
     .max = INFINITY,
     .flags = AIWB_OPT_MIN_EXCLUSIVE,
     .help = "classification: class centres are at +-sep in each informative feature"},
    {.name = "flip",
     .type = AIWB_OPT_REAL,
     .def = "0",
     .min = 0,
     .max = 1,
     .help = "classification: share of labels replaced by a class drawn at random"},
    {.name = "rho",
     .type = AIWB_OPT_REAL,
     .def = "0",
     .min = -1,
     .max = 1,
     .flags = AIWB_OPT_MIN_EXCLUSIVE | AIWB_OPT_MAX_EXCLUSIVE,
     .help = "regression: correlation of x_j and x_k is rho^|j-k|"},
    {.name = "intercept",
     .type = AIWB_OPT_REAL,
     .def = "0",
     .help = "regression: the constant term of y"},
    {.name = "noise",
     .type = AIWB_OPT_REAL,
     .min = 0,
     .max = INFINITY,
     .help = "standard deviation of the noise: regression's y (1), ratings' latent rating (0.5)"},
    {.name = "std",
     .type = AIWB_OPT_REAL,
     .def = "1",
     .min = 0,
     .max = INFINITY,
     .flags = AIWB_OPT_MIN_EXCLUSIVE,
     .help = "blobs: standard deviation of each feature within a cluster"},
    {.name = "box",
     .type = AIWB_OPT_REAL,
     .def = "10",
     .min = 0,
     .max = INFINITY,
     .flags = AIWB_OPT_MIN_EXCLUSIVE,
     .help = "blobs: centres are uniform in [-box, box] in each feature"},
    {.name = "users",
     .type = AIWB_OPT_INT,
     .def = "100",
     .min = 1,
     .max = 1e7,
     .help = "ratings: users, u1..uU"},
    {.name = "items",
     .type = AIWB_OPT_INT,
     .def = "50",
     .min = 1,
     .max = 1e7,
     .help = "ratings: items, i1..iI (i1 the most popular)"},
    {.name = "density",
     .type = AIWB_OPT_REAL,
     .def = "0.1",
     .min = 0,
     .max = 1,
     .flags = AIWB_OPT_MIN_EXCLUSIVE,
     .help = "ratings: share of the users x items pairs that are rated"},
    {.name = "rank",
     .type = AIWB_OPT_INT,
     .def = "5",
     .min = 1,
     .max = 1000,
     .help = "ratings: dimension of the latent factors"},
    {.name = "zipf",
     .type = AIWB_OPT_REAL,
     .def = "1",
     .min = 0,
     .max = 10,
     .help = "ratings: item popularity falls as 1/rank^zipf (0: all alike)"},
    {.name = "feedback",
     .type = AIWB_OPT_CHOICE,
     .def = "explicit",
     .choices = "explicit|implicit",
     .help = "ratings: explicit 1..5 ratings, or implicit: only liked pairs, rating 1"},
    {.name = "timestamps",
     .type = AIWB_OPT_BOOL,
     .def = "false",
     .help = "ratings: add a timestamp column (Unix seconds in 2020)"},
    {.name = "shift",
     .type = AIWB_OPT_REAL,
     .def = "0",
     .help = "drift: added to the shifted features (ratings: to every latent rating)"},
    {.name = "shifted",
     .type = AIWB_OPT_INT,
     .def = "0",
     .min = 0,
     .max = 10000,
     .help = "drift: shift only x1..x<shifted>; 0 shifts every feature"},
    {.name = "rotate",
     .type = AIWB_OPT_INT,
     .def = "0",
     .min = 0,
     .max = 1e7,
     .help = "drift, ratings: popularity ranks move down by this many places, cyclically"},
    {.name = "seed",
     .type = AIWB_OPT_INT,
     .def = "1",
     .min = 0,
     .max = INFINITY,
     .help = "the model and its rows; folded to 32 bits (low XOR high word)"},
    {.name = "sample",
     .type = AIWB_OPT_INT,
     .def = "0",
     .min = 0,
     .max = INFINITY,
     .help = "other rows from the same model: same seed, another sample"},
    {.name = NULL},
};

/* Which generators take each option of gen_options, in the same order. */
static const unsigned gen_option_kinds[] = {
    K_CLS | K_REG | K_BLB, /* n */
    K_CLS | K_REG | K_BLB, /* features */
    K_CLS | K_REG,         /* informative */
    K_CLS,                 /* redundant */
    K_CLS,                 /* classes */
    K_BLB,                 /* clusters */
    K_CLS | K_BLB,         /* weights */
    K_CLS | K_BLB,         /* labels */
    K_CLS,                 /* sep */
    K_CLS,                 /* flip */
    K_REG,                 /* rho */
    K_REG,                 /* intercept */
    K_REG | K_RAT,         /* noise */
    K_BLB,                 /* std */
    K_BLB,                 /* box */
    K_RAT,                 /* users */
    K_RAT,                 /* items */
    K_RAT,                 /* density */
    K_RAT,                 /* rank */
    K_RAT,                 /* zipf */
    K_RAT,                 /* feedback */
    K_RAT,                 /* timestamps */
    K_ALL,                 /* shift */
    K_CLS | K_REG | K_BLB, /* shifted */
    K_RAT,                 /* rotate */
    K_ALL,                 /* seed */
    K_ALL,                 /* sample */
};

_Static_assert(sizeof(gen_option_kinds) / sizeof(gen_option_kinds[0]) ==
                   sizeof(gen_options) / sizeof(gen_options[0]) - 1,
               "gen_option_kinds must match gen_options");

/* The generator KIND names in URI ("gen:KIND"), or -1 with *cause set. */
static int
parse_kind(const char *uri, char **cause)
{
    const char *name = strncasecmp(uri, "gen:", 4) == 0 ? uri + 4 : uri;

    for (int i = 0; i < GEN_NKINDS; i++)
        if (strcmp(name, kind_names[i]) == 0)
            return i;
    if (*name == '\0') {
        *cause = api->format("gen: '%s' names no generator (gen:classification, "
                             "gen:regression, gen:blobs or gen:ratings)",
                             uri);
        return -1;
    }
    *cause = api->format("gen: no generator '%s' (gen:classification, gen:regression, "
                         "gen:blobs or gen:ratings)",
                         name);
    return -1;
}

/* Refuse an option the user typed that generator G does not use. */
static int
check_applies(const struct gen *g, const struct aiwb_options *opts, char **cause)
{
    for (size_t i = 0; gen_options[i].name != NULL; i++) {
        struct text t = {0};

        if ((gen_option_kinds[i] & (1u << g->kind)) || !api->opt_given(opts, gen_options[i].name))
            continue;
        for (size_t j = 0; gen_options[j].name != NULL; j++)
            if (gen_option_kinds[j] & (1u << g->kind))
                text_addf(&t, "%s%s", t.len ? ", " : "", gen_options[j].name);
        *cause = api->format("%s does not take option '%s' (its options: %s)", g->what,
                             gen_options[i].name, t.s);
        api->free(t.s);
        return AIWB_EINVAL;
    }
    return AIWB_OK;
}

/* Split the comma-separated list S into a new array of *N new strings. */
static char **
split_list(const char *s, size_t *n)
{
    size_t count = 1, i = 0;
    char **v;

    for (const char *p = s; *p; p++)
        count += *p == ',';
    v = api->calloc(count, sizeof(*v));
    for (const char *p = s;; i++) {
        const char *comma = strchr(p, ',');
        size_t len = comma != NULL ? (size_t)(comma - p) : strlen(p);

        v[i] = api->alloc(len + 1);
        memcpy(v[i], p, len);
        v[i][len] = '\0';
        if (comma == NULL)
            break;
        p = comma + 1;
    }
    *n = count;
    return v;
}

static void
free_list(char **v, size_t n)
{
    for (size_t i = 0; v != NULL && i < n; i++)
        api->free(v[i]);
    api->free(v);
}

/* The class or cluster weights into g->cum, from the option or equal. */
static int
read_weights(struct gen *g, const char *s, char **cause)
{
    size_t n = 0;
    char **v;
    double total = 0;
    int rc = AIWB_EINVAL;

    g->cum = api->calloc(g->k, sizeof(double));
    if (s == NULL) {
        for (size_t c = 0; c < g->k; c++)
            g->cum[c] = (double)(c + 1) / (double)g->k;
        g->cum[g->k - 1] = 1.0;
        return AIWB_OK;
    }
    v = split_list(s, &n);
    if (n != g->k) {
        *cause = api->format("%s: weights has %zu values, %s is %zu", g->what, n,
                             g->kind == GEN_BLOBS ? "clusters" : "classes", g->k);
        goto out;
    }
    for (size_t c = 0; c < n; c++) {
        char *end;
        double w;

        errno = 0;
        w = strtod(v[c], &end);
        if (v[c][0] == '\0' || *end != '\0' || errno != 0 || !isfinite(w) || w < 0) {
            *cause = api->format("%s: weights: value %zu '%s' is not a number >= 0", g->what, c + 1,
                                 v[c]);
            goto out;
        }
        total += w;
        g->cum[c] = total;
    }
    if (!(total > 0) || !isfinite(total)) {
        *cause = api->format("%s: weights: all of them are 0", g->what);
        goto out;
    }
    for (size_t c = 0; c < n; c++)
        g->cum[c] /= total;
    g->cum[n - 1] = 1.0;
    rc = AIWB_OK;
out:
    free_list(v, n);
    return rc;
}

/* The level names into g->labels: the option's, or PREFIX0.. zero-padded. */
static int
read_labels(struct gen *g, const char *s, char prefix, char **cause)
{
    size_t n = 0;

    if (s == NULL) {
        int width = snprintf(NULL, 0, "%zu", g->k - 1);

        g->labels = api->calloc(g->k, sizeof(char *));
        for (size_t c = 0; c < g->k; c++)
            g->labels[c] = api->format("%c%0*zu", prefix, width, c);
        return AIWB_OK;
    }
    g->labels = split_list(s, &n);
    if (n != g->k) {
        *cause = api->format("%s: labels has %zu names, %s is %zu", g->what, n,
                             g->kind == GEN_BLOBS ? "clusters" : "classes", g->k);
        free_list(g->labels, n);
        g->labels = NULL;
        return AIWB_EINVAL;
    }
    for (size_t c = 0; c < n; c++) {
        if (g->labels[c][0] == '\0') {
            *cause = api->format("%s: labels: name %zu is empty", g->what, c + 1);
            return AIWB_EINVAL;
        }
        for (size_t d = 0; d < c; d++) {
            if (strcmp(g->labels[c], g->labels[d]) == 0) {
                *cause = api->format("%s: labels: '%s' appears twice", g->what, g->labels[c]);
                return AIWB_EINVAL;
            }
        }
    }
    return AIWB_OK;
}

/* Whether the p features of n rows, plus one column, fit GEN_MAX_CELLS. */
static int
check_cells(const struct gen *g, char **cause)
{
    uint64_t cells = (uint64_t)g->n * (uint64_t)(g->p + 1);

    if (cells <= GEN_MAX_CELLS)
        return AIWB_OK;
    *cause = api->format("%s: n=%zu with features=%zu is %llu values, more than 2^30", g->what,
                         g->n, g->p, (unsigned long long)cells);
    return AIWB_EINVAL;
}

/* The checks of the shapes that the option bounds alone cannot make. */
static int
check_shapes(struct gen *g, char **cause)
{
    if (g->kind != GEN_RATINGS && g->shifted > g->p) {
        *cause =
            api->format("%s: shifted=%zu is more than features=%zu", g->what, g->shifted, g->p);
        return AIWB_EINVAL;
    }
    if ((g->kind == GEN_CLASSIFICATION || g->kind == GEN_REGRESSION) && g->q > g->p) {
        *cause = api->format("%s: informative=%zu is more than features=%zu", g->what, g->q, g->p);
        return AIWB_EINVAL;
    }
    if (g->kind == GEN_CLASSIFICATION && g->q + g->r > g->p) {
        *cause = api->format("%s: informative=%zu plus redundant=%zu is more than features=%zu",
                             g->what, g->q, g->r, g->p);
        return AIWB_EINVAL;
    }
    if (g->kind == GEN_CLASSIFICATION && g->q < 10 && g->k > ((size_t)1 << g->q)) {
        *cause = api->format("%s: classes=%zu needs more informative features: "
                             "informative=%zu gives at most %zu distinct class centres",
                             g->what, g->k, g->q, (size_t)1 << g->q);
        return AIWB_EINVAL;
    }
    if (g->kind == GEN_RATINGS &&
        (uint64_t)(g->users + g->items) * (uint64_t)g->rank > GEN_MAX_CELLS) {
        *cause = api->format("%s: users=%zu and items=%zu with rank=%zu need %llu latent "
                             "values, more than 2^30",
                             g->what, g->users, g->items, g->rank,
                             (unsigned long long)((uint64_t)(g->users + g->items) * g->rank));
        return AIWB_EINVAL;
    }
    if (g->kind == GEN_RATINGS && g->rotate >= g->items) {
        *cause =
            api->format("%s: rotate=%zu must be less than items=%zu", g->what, g->rotate, g->items);
        return AIWB_EINVAL;
    }
    return g->kind == GEN_RATINGS ? AIWB_OK : check_cells(g, cause);
}

static size_t
opt_size(const struct aiwb_options *opts, const char *name, size_t def)
{
    return api->opt_given(opts, name) ? (size_t)api->opt_int(opts, name) : def;
}

/* Read the options for the generator URI names into G; *cause on error. */
static int
gen_setup(struct gen *g, const char *uri, const struct aiwb_options *opts, char **cause)
{
    int kind = parse_kind(uri, cause), rc;

    if (kind < 0)
        return AIWB_EINVAL;
    g->kind = (enum gen_kind)kind;
    snprintf(g->what, sizeof(g->what), "gen:%s", kind_names[kind]);
    rc = check_applies(g, opts, cause);
    if (rc != AIWB_OK)
        return rc;
    g->n = (size_t)api->opt_int(opts, "n");
    g->p = opt_size(opts, "features", g->kind == GEN_BLOBS ? 2 : 10);
    g->q = opt_size(opts, "informative",
                    g->kind == GEN_REGRESSION ? (g->p + 1) / 2 : (g->p < 2 ? g->p : 2));
    g->r = (size_t)api->opt_int(opts, "redundant");
    g->k = (size_t)api->opt_int(opts, g->kind == GEN_BLOBS ? "clusters" : "classes");
    g->shift = api->opt_real(opts, "shift");
    g->shifted = (size_t)api->opt_int(opts, "shifted");
    g->sep = api->opt_real(opts, "sep");
    g->flip = api->opt_real(opts, "flip");
    g->rho = api->opt_real(opts, "rho");
    g->intercept = api->opt_real(opts, "intercept");
    g->noise = api->opt_given(opts, "noise") ? api->opt_real(opts, "noise")
               : g->kind == GEN_RATINGS      ? 0.5
                                             : 1.0;
    g->std = api->opt_real(opts, "std");
    g->box = api->opt_real(opts, "box");
    g->users = (size_t)api->opt_int(opts, "users");
    g->items = (size_t)api->opt_int(opts, "items");
    g->density = api->opt_real(opts, "density");
    g->rank = (size_t)api->opt_int(opts, "rank");
    g->zipf = api->opt_real(opts, "zipf");
    g->implicit = strcmp(api->opt_str(opts, "feedback"), "implicit") == 0;
    g->timestamps = api->opt_bool(opts, "timestamps");
    g->rotate = (size_t)api->opt_int(opts, "rotate");
    g->seed = (uint64_t)api->opt_int(opts, "seed");
    g->sample = (uint64_t)api->opt_int(opts, "sample");
    if (g->shifted == 0)
        g->shifted = g->p;
    rc = check_shapes(g, cause);
    if (rc == AIWB_OK && (g->kind == GEN_CLASSIFICATION || g->kind == GEN_BLOBS))
        rc = read_weights(g, api->opt_str(opts, "weights"), cause);
    if (rc == AIWB_OK && (g->kind == GEN_CLASSIFICATION || g->kind == GEN_BLOBS))
        rc = read_labels(g, api->opt_str(opts, "labels"), g->kind == GEN_BLOBS ? 'k' : 'c', cause);
    return rc;
}

static void
gen_release(struct gen *g)
{
    api->free(g->cum);
    free_list(g->labels, g->labels != NULL ? g->k : 0);
}

/* ---------------------------------------------------------------------------
 * Frames
 */

/* Add numeric columns x1..xp to F; their arrays in a new array (free it). */
static double **
add_features(struct aiwb_frame *f, size_t p, char **cause)
{
    double **x = api->calloc(p, sizeof(*x));

    for (size_t j = 0; j < p; j++) {
        char *name = api->format("x%zu", j + 1);

        x[j] = api->frame_add_numeric(f, name);
        if (x[j] == NULL) {
            *cause = api->format("gen: cannot add column '%s'", name);
            api->free(name);
            api->free(x);
            return NULL;
        }
        api->free(name);
    }
    return x;
}

/* Add categorical column NAME to F with levels NAMES[0..K-1] as codes 0..K-1. */
static int32_t *
add_levels(struct aiwb_frame *f, const char *name, char *const *names, size_t k, char **cause)
{
    int32_t *codes = api->frame_add_categorical(f, name);
    size_t col = api->frame_cols(f) - 1;

    if (codes == NULL) {
        *cause = api->format("gen: cannot add column '%s'", name);
        return NULL;
    }
    for (size_t c = 0; c < k; c++) {
        if (api->frame_level_intern(f, col, names[c], strlen(names[c])) != (int32_t)c) {
            *cause = api->format("gen: cannot add level '%s' to column '%s'", names[c], name);
            return NULL;
        }
    }
    return api->frame_codes_mut(f, col);
}

/* The ids PREFIX1..PREFIXn, zero-padded to the width of n (free with free_list). */
static char **
make_ids(char prefix, size_t n)
{
    int width = snprintf(NULL, 0, "%zu", n);
    char **v = api->calloc(n, sizeof(*v));

    for (size_t i = 0; i < n; i++)
        v[i] = api->format("%c%0*zu", prefix, width, i + 1);
    return v;
}

/* Add SHIFT to the first SHIFTED of the P feature columns' row I. */
static inline void
apply_shift(const struct gen *g, double **x, size_t i)
{
    if (g->shift != 0)
        for (size_t j = 0; j < g->shifted; j++)
            x[j][i] += g->shift;
}

/* ---------------------------------------------------------------------------
 * classification
 */

/* K distinct sign vectors of length Q (+1/-1, K * Q of them) from MODEL. */
static signed char *
draw_vertices(gsl_rng *model, size_t k, size_t q)
{
    signed char *v = api->alloc(k * q);

    for (size_t c = 0; c < k; c++) {
        signed char *mine = v + c * q;
        int dup;

        do {
            for (size_t j = 0; j < q; j++)
                mine[j] = gsl_rng_uniform_int(model, 2) ? 1 : -1;
            dup = 0;
            for (size_t d = 0; d < c && !dup; d++)
                dup = memcmp(mine, v + d * q, q) == 0;
        } while (dup);
    }
    return v;
}

static void
log_centres(const struct gen *g, const signed char *v)
{
    struct text t = {0};
    size_t shown = g->k < GEN_LOG_TERMS ? g->k : GEN_LOG_TERMS;

    text_addf(&t, "%s: class centres in x1..x%zu, times sep=%g:", g->what, g->q, g->sep);
    for (size_t c = 0; c < shown; c++) {
        text_addf(&t, "%s %s (", c ? "," : "", g->labels[c]);
        for (size_t j = 0; j < g->q && j < 10; j++)
            text_addf(&t, "%s%+d", j ? " " : "", v[c * g->q + j]);
        text_addf(&t, "%s)", g->q > 10 ? " ..." : "");
    }
    if (shown < g->k)
        text_addf(&t, ", and %zu more", g->k - shown);
    api->log(AIWB_LOG_INFO, "%s", t.s);
    api->free(t.s);
}

static int
make_classification(const struct gen *g, gsl_rng *model, gsl_rng *rows, struct aiwb_frame *f,
                    char **cause)
{
    signed char *v = draw_vertices(model, g->k, g->q);
    double *b = api->alloc((g->r * g->q + 1) * sizeof(double));
    double **x = NULL;
    int32_t *y;
    int rc = AIWB_EINVAL;

    for (size_t k = 0; k < g->r; k++)
        for (size_t j = 0; j < g->q; j++)
            b[k * g->q + j] = 2 * gsl_rng_uniform(model) - 1;
    x = add_features(f, g->p, cause);
    if (x == NULL)
        goto out;
    y = add_levels(f, "class", g->labels, g->k, cause);
    if (y == NULL)
        goto out;
    log_centres(g, v);
    for (size_t i = 0; i < g->n; i++) {
        size_t t = pick(g->cum, g->k, gsl_rng_uniform(rows)), flipped;
        double u;

        for (size_t j = 0; j < g->q; j++)
            x[j][i] = g->sep * v[t * g->q + j] + gauss(rows);
        for (size_t k = 0; k < g->r; k++) {
            double s = 0;

            for (size_t j = 0; j < g->q; j++)
                s += b[k * g->q + j] * x[j][i];
            x[g->q + k][i] = s;
        }
        for (size_t j = g->q + g->r; j < g->p; j++)
            x[j][i] = gauss(rows);
        u = gsl_rng_uniform(rows);
        flipped = gsl_rng_uniform_int(rows, g->k);
        y[i] = (int32_t)(u < g->flip ? flipped : t);
        apply_shift(g, x, i);
    }
    rc = AIWB_OK;
out:
    api->free(v);
    api->free(b);
    api->free(x);
    return rc;
}

/* ---------------------------------------------------------------------------
 * regression
 */

/* P coefficients, Q of them nonzero, from MODEL (a new array). */
static double *
draw_coefficients(gsl_rng *model, size_t p, size_t q)
{
    double *beta = api->calloc(p, sizeof(double));
    size_t chosen = 0;

    /* Knuth's algorithm S: feature j is chosen with probability
     * (q - chosen) / (p - j), which leaves the chosen ones in order. */
    for (size_t j = 0; j < p && chosen < q; j++) {
        if ((double)(p - j) * gsl_rng_uniform(model) < (double)(q - chosen)) {
            beta[j] = 1;
            chosen++;
        }
    }
    for (size_t j = 0; j < p; j++) {
        if (beta[j] != 0) {
            double mag = round(100 + 200 * gsl_rng_uniform(model)) / 100;

            beta[j] = gsl_rng_uniform_int(model, 2) ? mag : -mag;
        }
    }
    return beta;
}

static void
log_equation(const struct gen *g, const double *beta)
{
    struct text t = {0};
    size_t terms = 0, nonzero = 0;

    text_addf(&t, "%s: y = %g", g->what, g->intercept);
    for (size_t j = 0; j < g->p; j++) {
        if (beta[j] == 0)
            continue;
        if (nonzero++ < GEN_LOG_TERMS) {
            text_addf(&t, " %c %g*x%zu", beta[j] < 0 ? '-' : '+', fabs(beta[j]), j + 1);
            terms++;
        }
    }
    if (terms < nonzero)
        text_addf(&t, " + ... (%zu more terms)", nonzero - terms);
    text_addf(&t, " + N(0, %g^2)", g->noise);
    if (nonzero < g->p)
        text_addf(&t, "; the other %zu coefficients are 0", g->p - nonzero);
    api->log(AIWB_LOG_INFO, "%s", t.s);
    api->free(t.s);
}

static int
make_regression(const struct gen *g, gsl_rng *model, gsl_rng *rows, struct aiwb_frame *f,
                char **cause)
{
    double *beta = draw_coefficients(model, g->p, g->q);
    double **x, *y, c = sqrt(1 - g->rho * g->rho);

    x = add_features(f, g->p, cause);
    y = x != NULL ? api->frame_add_numeric(f, "y") : NULL;
    if (y == NULL) {
        if (x != NULL)
            *cause = api->format("gen: cannot add column 'y'");
        api->free(beta);
        api->free(x);
        return AIWB_EINVAL;
    }
    log_equation(g, beta);
    for (size_t i = 0; i < g->n; i++) {
        double prev = 0, s = g->intercept;

        for (size_t j = 0; j < g->p; j++) {
            double z = gauss(rows);

            prev = j == 0 ? z : g->rho * prev + c * z;
            x[j][i] = prev;
        }
        apply_shift(g, x, i);
        for (size_t j = 0; j < g->p; j++)
            if (beta[j] != 0)
                s += beta[j] * x[j][i];
        y[i] = s + g->noise * gauss(rows);
    }
    api->free(beta);
    api->free(x);
    return AIWB_OK;
}

/* ---------------------------------------------------------------------------
 * blobs
 */

static void
log_blobs(const struct gen *g, const double *centre)
{
    struct text t = {0};
    size_t shown = g->k < GEN_LOG_TERMS ? g->k : GEN_LOG_TERMS;

    text_addf(&t, "%s: centres", g->what);
    for (size_t c = 0; c < shown; c++) {
        text_addf(&t, "%s %s (", c ? "," : "", g->labels[c]);
        for (size_t j = 0; j < g->p && j < 10; j++)
            text_addf(&t, "%s%g", j ? ", " : "", centre[c * g->p + j]);
        text_addf(&t, "%s)", g->p > 10 ? ", ..." : "");
    }
    if (shown < g->k)
        text_addf(&t, ", and %zu more", g->k - shown);
    api->log(AIWB_LOG_INFO, "%s", t.s);
    api->free(t.s);
}

static int
make_blobs(const struct gen *g, gsl_rng *model, gsl_rng *rows, struct aiwb_frame *f, char **cause)
{
    double *centre = api->alloc(g->k * g->p * sizeof(double)), **x;
    int32_t *y = NULL;

    for (size_t i = 0; i < g->k * g->p; i++)
        centre[i] = round(100 * g->box * (2 * gsl_rng_uniform(model) - 1)) / 100;
    x = add_features(f, g->p, cause);
    if (x != NULL)
        y = add_levels(f, "cluster", g->labels, g->k, cause);
    if (y == NULL) {
        api->free(centre);
        api->free(x);
        return AIWB_EINVAL;
    }
    log_blobs(g, centre);
    for (size_t i = 0; i < g->n; i++) {
        size_t c = pick(g->cum, g->k, gsl_rng_uniform(rows));

        for (size_t j = 0; j < g->p; j++)
            x[j][i] = centre[c * g->p + j] + g->std * gauss(rows);
        y[i] = (int32_t)c;
        apply_shift(g, x, i);
    }
    api->free(centre);
    api->free(x);
    return AIWB_OK;
}

/* ---------------------------------------------------------------------------
 * ratings
 */

/*
 * What choosing a user's items needs, allocated once: a sum tree of the
 * popularity of the items not chosen yet. tree[1] is the root, node k has
 * children 2k and 2k+1, and the leaves tree[size + i] hold item i's weight
 * (0 once chosen, and for the padding past the last item). A node is always
 * recomputed as the sum of its children, never updated by a difference, so
 * restoring the leaves restores every node bit for bit.
 */
struct picker {
    size_t n, size; /* items, leaves (a power of two >= n) */
    double *w;      /* popularity of each item */
    double *tree;
};

/* The ratings being made: one entry per row. */
struct rows {
    int32_t *user, *item;
    double *rating, *time;
    size_t n;
};

static int
cmp_size(const void *a, const void *b)
{
    size_t i = *(const size_t *)a, j = *(const size_t *)b;

    return i < j ? -1 : i > j;
}

static void
picker_init(struct picker *pk, const struct gen *g)
{
    pk->n = g->items;
    for (pk->size = 1; pk->size < pk->n; pk->size *= 2)
        ;
    pk->w = api->alloc(pk->n * sizeof(double));
    pk->tree = api->calloc(2 * pk->size, sizeof(double));
    for (size_t i = 0; i < pk->n; i++) {
        double rank = (double)((i + g->rotate) % pk->n + 1);

        pk->w[i] = g->zipf == 0 ? 1 : g->zipf == 1 ? 1 / rank : pow(rank, -g->zipf);
        pk->tree[pk->size + i] = pk->w[i];
    }
    for (size_t k = pk->size - 1; k >= 1; k--)
        pk->tree[k] = pk->tree[2 * k] + pk->tree[2 * k + 1];
}

static void
picker_release(struct picker *pk)
{
    api->free(pk->w);
    api->free(pk->tree);
}

/* Set item I's leaf to V and recompute its ancestors. */
static void
tree_set(struct picker *pk, size_t i, double v)
{
    size_t k = pk->size + i;

    pk->tree[k] = v;
    for (k /= 2; k >= 1; k /= 2)
        pk->tree[k] = pk->tree[2 * k] + pk->tree[2 * k + 1];
}

/*
 * Choose D items (D <= items) into OUT in increasing order: successive
 * sampling, each item drawn with probability proportional to its popularity
 * among the items not chosen yet. One uniform u per draw: u times the root's
 * total is followed down the tree; when rounding lands on a chosen item, the
 * draw is made again.
 */
static void
pick_items(struct picker *pk, gsl_rng *r, size_t d, size_t *out)
{
    for (size_t c = 0; c < d; c++) {
        size_t k;

        do {
            double x = gsl_rng_uniform(r) * pk->tree[1];

            for (k = 1; k < pk->size;) {
                if (x < pk->tree[2 * k]) {
                    k = 2 * k;
                } else {
                    x -= pk->tree[2 * k];
                    k = 2 * k + 1;
                }
            }
        } while (!(pk->tree[k] > 0));
        out[c] = k - pk->size;
        tree_set(pk, out[c], 0);
    }
    if (d < pk->n / 8) {
        for (size_t c = 0; c < d; c++)
            tree_set(pk, out[c], pk->w[out[c]]);
        qsort(out, d, sizeof(size_t), cmp_size);
        return;
    }
    /* many: read the chosen ones off the leaves in order, and rebuild */
    for (size_t i = 0, c = 0; i < pk->n; i++) {
        if (pk->tree[pk->size + i] == 0) {
            out[c++] = i;
            pk->tree[pk->size + i] = pk->w[i];
        }
    }
    for (size_t k = pk->size - 1; k >= 1; k--)
        pk->tree[k] = pk->tree[2 * k] + pk->tree[2 * k + 1];
}

/* User U's latent rating of item I, before noise: 3 + P_u . Q_i. */
static inline double
score(const double *pf, const double *qf, size_t rank, size_t u, size_t i)
{
    double s = 0;

    for (size_t l = 0; l < rank; l++)
        s += pf[u * rank + l] * qf[i * rank + l];
    return 3 + s;
}

/* Draw every rating into RW (arrays of M entries); RW->n is how many were kept. */
static void
draw_ratings(const struct gen *g, const double *pf, const double *qf, gsl_rng *rows, size_t m,
             struct rows *rw)
{
    struct picker pk = {0};
    size_t base = m / g->users, extra = m % g->users, *chosen;

    picker_init(&pk, g);
    chosen = api->alloc((base + 1 < g->items ? base + 1 : g->items) * sizeof(size_t));
    for (size_t u = 0; u < g->users; u++) {
        size_t d = base;

        if (extra > 0 && (double)(g->users - u) * gsl_rng_uniform(rows) < (double)extra) {
            d++;
            extra--;
        }
        pick_items(&pk, rows, d, chosen);
        for (size_t j = 0; j < d; j++) {
            double e = gauss(rows), t = gsl_rng_uniform(rows);
            double latent = score(pf, qf, g->rank, u, chosen[j]) + g->noise * e + g->shift;

            if (g->implicit && !(latent >= 3.5))
                continue;
            rw->user[rw->n] = (int32_t)u;
            rw->item[rw->n] = (int32_t)chosen[j];
            rw->rating[rw->n] = g->implicit ? 1 : fmin(5, fmax(1, round(latent)));
            rw->time[rw->n] = GEN_TS_START + floor(t * GEN_TS_SPAN);
            rw->n++;
        }
    }
    api->free(chosen);
    picker_release(&pk);
}

/* The frame of the N rows of RW. */
static int
ratings_frame(const struct gen *g, const struct rows *rw, struct aiwb_frame *f, char **cause)
{
    char **uid = make_ids('u', g->users), **iid = make_ids('i', g->items);
    int32_t *uc = add_levels(f, "user", uid, g->users, cause), *ic = NULL;
    double *rating = NULL, *time = NULL;
    int rc = AIWB_EINVAL;

    if (uc != NULL)
        ic = add_levels(f, "item", iid, g->items, cause);
    if (ic != NULL && (rating = api->frame_add_numeric(f, "rating")) == NULL)
        *cause = api->format("gen: cannot add column 'rating'");
    if (rating != NULL && g->timestamps && (time = api->frame_add_numeric(f, "timestamp")) == NULL)
        *cause = api->format("gen: cannot add column 'timestamp'");
    if (rating != NULL && (!g->timestamps || time != NULL)) {
        memcpy(uc, rw->user, rw->n * sizeof(int32_t));
        memcpy(ic, rw->item, rw->n * sizeof(int32_t));
        memcpy(rating, rw->rating, rw->n * sizeof(double));
        if (time != NULL)
            memcpy(time, rw->time, rw->n * sizeof(double));
        rc = AIWB_OK;
    }
    free_list(uid, g->users);
    free_list(iid, g->items);
    return rc;
}

/* The number of ratings, or 0 with *cause set. */
static size_t
rating_count(const struct gen *g, char **cause)
{
    double pairs = (double)g->users * (double)g->items, m = round(g->density * pairs);

    if (m < 1) {
        *cause = api->format("%s: density=%g of users=%zu x items=%zu gives no ratings", g->what,
                             g->density, g->users, g->items);
        return 0;
    }
    if (m > GEN_MAX_RATINGS) {
        *cause = api->format("%s: density=%g of users=%zu x items=%zu gives %.0f ratings, "
                             "more than %u",
                             g->what, g->density, g->users, g->items, m, GEN_MAX_RATINGS);
        return 0;
    }
    return (size_t)m;
}

static int
make_ratings(const struct gen *g, gsl_rng *model, gsl_rng *rows, struct aiwb_frame **out,
             char **cause)
{
    size_t m = rating_count(g, cause);
    double sd = 1 / sqrt(sqrt((double)g->rank)), *pf, *qf;
    struct rows rw = {0};
    int rc;

    if (m == 0)
        return AIWB_EINVAL;
    pf = api->alloc(g->users * g->rank * sizeof(double));
    qf = api->alloc(g->items * g->rank * sizeof(double));
    for (size_t i = 0; i < g->users * g->rank; i++)
        pf[i] = sd * gauss(model);
    for (size_t i = 0; i < g->items * g->rank; i++)
        qf[i] = sd * gauss(model);
    rw.user = api->alloc(m * sizeof(int32_t));
    rw.item = api->alloc(m * sizeof(int32_t));
    rw.rating = api->alloc(m * sizeof(double));
    rw.time = api->alloc(m * sizeof(double));
    draw_ratings(g, pf, qf, rows, m, &rw);
    api->free(pf);
    api->free(qf);
    if (rw.n == 0) {
        *cause = api->format("%s: no pair is liked enough for implicit feedback "
                             "(raise density or shift)",
                             g->what);
        rc = AIWB_EINVAL;
    } else {
        *out = api->frame_new(rw.n);
        rc = ratings_frame(g, &rw, *out, cause);
    }
    api->free(rw.user);
    api->free(rw.item);
    api->free(rw.rating);
    api->free(rw.time);
    return rc;
}

/* ---------------------------------------------------------------------------
 * The source
 */

static int
gen_open(void *state, const char *uri, const struct aiwb_options *opts, char **cause)
{
    struct gen_state *st = state;
    struct gen g = {0};
    gsl_rng *model = NULL, *rows = NULL;
    int rc;

    rc = gen_setup(&g, uri, opts, cause);
    if (rc != AIWB_OK)
        goto out;
    rc = AIWB_ENOMEM;
    model = rng_new(fold(g.seed), cause);
    if (model == NULL)
        goto out;
    rows = rng_new(fold(splitmix64(fold(g.seed) ^ splitmix64(g.sample))), cause);
    if (rows == NULL)
        goto out;
    if (g.kind == GEN_RATINGS) {
        rc = make_ratings(&g, model, rows, &st->frame, cause);
        goto out;
    }
    st->frame = api->frame_new(g.n);
    switch (g.kind) {
    case GEN_CLASSIFICATION:
        rc = make_classification(&g, model, rows, st->frame, cause);
        break;
    case GEN_REGRESSION:
        rc = make_regression(&g, model, rows, st->frame, cause);
        break;
    default:
        rc = make_blobs(&g, model, rows, st->frame, cause);
        break;
    }
out:
    if (model != NULL)
        gsl_rng_free(model);
    if (rows != NULL)
        gsl_rng_free(rows);
    gen_release(&g);
    return rc;
}

static int
gen_next(void *state, struct aiwb_frame **batch, char **cause)
{
    struct gen_state *st = state;
    size_t rows;

    (void)cause;
    if (st->frame == NULL)
        return 0;
    rows = api->frame_rows(st->frame);
    *batch = st->frame;
    st->frame = NULL;
    return rows < INT_MAX ? (int)rows : INT_MAX;
}

static void
gen_close(void *state)
{
    struct gen_state *st = state;

    api->frame_free(st->frame);
    st->frame = NULL;
}

static const char gen_help[] =
    "Synthetic data from a seed: `load d gen:KIND OPTION=VALUE ...`. The same\n"
    "options give the same rows (GSL's mt19937; the seed's 64 bits are folded to\n"
    "32, low word XOR high word, and 0 is 4357 as in GSL, so two seeds whose folds\n"
    "agree give the same data). N(m, s^2) is a normal draw, U(a, b) a uniform one.\n"
    "\n"
    "gen:classification  columns x1..xp, class (levels c0, c1, ... or labels=)\n"
    "  The K class centres mu_c are distinct random vertices of {-sep, +sep}^q in\n"
    "  the q informative features. Each row draws its true class t with the\n"
    "  shares in weights (equal by default), then\n"
    "    x_j     = mu_t,j + z_j,           z_j ~ N(0, 1), j = 1..q\n"
    "    x_q+k   = sum_j B_jk x_j,         B_jk ~ U(-1, 1), k = 1..redundant\n"
    "    x_j     = z_j                     for the other features (noise)\n"
    "  With probability flip the class is replaced by one drawn uniformly from\n"
    "  all K (maybe the same), so class c's expected share is\n"
    "  (1 - flip) w_c + flip / K. The centres are logged.\n"
    "\n"
    "gen:regression  columns x1..xp, y\n"
    "    x_1 = z_1,  x_j = rho x_j-1 + sqrt(1 - rho^2) z_j,   z_j ~ N(0, 1)\n"
    "  so x ~ N(0, S) with S_jk = rho^|j-k|, and\n"
    "    y   = intercept + sum_j beta_j x_j + e,             e ~ N(0, noise^2)\n"
    "  `informative` coefficients, at random places, are nonzero: +-(1 + 2u)\n"
    "  rounded to 0.01, u ~ U(0, 1); the others are 0. The true equation is\n"
    "  logged, so `train ols` can be checked against it.\n"
    "\n"
    "gen:blobs  columns x1..xp, cluster (levels k0, k1, ... or labels=)\n"
    "  The centres c_k are U(-box, box) in each feature, rounded to 0.01 and\n"
    "  logged. Each row draws its cluster k with the shares in weights, then\n"
    "    x_j = c_k,j + std z_j,   z_j ~ N(0, 1)\n"
    "\n"
    "gen:ratings  columns user (u1..), item (i1..), rating, [timestamp]\n"
    "  Latent factors P_u, Q_i ~ N(0, I / sqrt(rank)) in R^rank give the latent\n"
    "  rating  l_ui = 3 + P_u . Q_i + e,  e ~ N(0, noise^2)  (P_u . Q_i has sd 1).\n"
    "  m = round(density users items) pairs are rated, each user floor(m/users)\n"
    "  of them (m mod users users, at random, one more): items drawn without\n"
    "  replacement with probability proportional to 1 / rank_i^zipf, where item\n"
    "  i's popularity rank is i (i1 the most popular). Rows go by user, then item.\n"
    "    explicit: rating = min(5, max(1, round(l_ui)))\n"
    "    implicit: only the pairs with l_ui >= 3.5 (rated 4 or 5), rating 1\n"
    "  timestamp: Unix seconds, uniform over 2020.\n"
    "\n"
    "Drift, for monitoring. The model (centres, coefficients, factors) depends\n"
    "only on seed and the options that shape it; the rows on seed and sample.\n"
    "So a variant with the same seed and other weights, shift or rotate has the\n"
    "same columns and model, and with the same sample each row is its\n"
    "reference row with the drift applied:\n"
    "  shift=d    adds d to x1..x<shifted> (all by default): their means move by\n"
    "             exactly d (regression's y follows the shifted x); for ratings,\n"
    "             d is added to every l_ui before rounding\n"
    "  weights=   changes the class or cluster shares (also under flip, above)\n"
    "  rotate=r   ratings: item i's popularity rank becomes ((i - 1 + r) mod\n"
    "             items) + 1, so the r least popular items become the most popular\n"
    "sample=N draws other rows from the same model, for a comparison without drift.";

static const struct aiwb_source_type gen_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_source_type),
    .name = "gen",
    .summary = "synthetic data from a seed: classification, regression, blobs, ratings",
    .help = gen_help,
    .options = gen_options,
    .flags = 0,
    .schemes = "gen",
    .extensions = NULL,
    .state_size = sizeof(struct gen_state),
    .open = gen_open,
    .next = gen_next,
    .close = gen_close,
};

/*
 * The module's entry point: declares the module "gen" and registers its one
 * source. Returns AIWB_OK, or the host's refusal (AIWB_EABI, AIWB_EINVAL).
 */
int
aiwb_plugin_init(struct aiwb_plugin *p, const struct aiwb_host_api *host)
{
    AIWB_PLUGIN_BEGIN(p, host, api, "gen", "1.0.0");
    return api->register_source(p, &gen_type);
}
