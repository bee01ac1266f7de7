/*
 * algo-tree.c - decision trees (CART with minimal cost-complexity pruning)
 * and random forests (bootstrap, out-of-bag error, feature importances).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One module, two components, `tree` and `forest`, growing the same trees.
 *
 * Splits. A node's rows go left when a numeric feature is <= a threshold,
 * or a categorical feature's level is in a set. The split kept is the one
 * with the largest decrease of the criterion: gini or entropy (in bits) of
 * the class shares, or the squared error around the mean, each weighted by
 * the rows' weights. Thresholds are midpoints between consecutive distinct
 * values, as scikit-learn's (the lower value when the midpoint rounds to
 * the upper one). Features are tried in index order, thresholds upwards,
 * and a later candidate must be better by more than TIE_TOL times the
 * node's scale (its weight; sum w y^2 for squared error), so of splits
 * equally good up to rounding the first wins: the lowest feature.
 * scikit-learn tries features in an order drawn from random_state and
 * keeps the first of exactly equal splits, so on ties (two features parting
 * the rows alike, or two partitions of a few rows scoring the same) the two
 * pick differently; it also takes values closer than 1e-7 as equal, which
 * we don't. Otherwise the trees are scikit-learn 1.2's
 * DecisionTreeClassifier and DecisionTreeRegressor with the same options
 * (tests/unit/test-tree.c compares them node by node).
 *
 * Presorting. Each numeric feature is sorted once (a radix sort on the
 * bits of the doubles); every level of a tree partitions these lists
 * stably between the children, so the rows of every node stay sorted by
 * every feature: a level costs O(rows * features), with no sorting per node.
 *
 * Categorical features (feature_levels[j] > 0: codes 0..L-1). For
 * regression and for two classes, the levels present in the node are
 * ordered by their mean target (the share of the second class) and only
 * the splits between consecutive levels of that order are tried: Breiman
 * showed the best partition is among them. For more classes every
 * partition is tried when the node has at most CAT_EXHAUSTIVE levels;
 * beyond that, the splits along K orders (by each class's share) - a
 * heuristic.
 *
 * Missing values (NaN), and levels a node never saw (the pipeline turns
 * levels unseen in training into missing values): every split learns where
 * they go. Candidates are scored with the node's missing rows on either
 * side, and "missing against the rest" is a candidate too; a node that had
 * no missing rows for its feature sends them to the side with more weight
 * (scikit-learn 1.3's rule).
 *
 * Stopping as scikit-learn: max_depth, min_samples_split and
 * min_samples_leaf (in rows), a node whose impurity is at most DBL_EPSILON,
 * min_impurity_decrease (the decrease weighted by the node's share of the
 * weight). Pruning (ccp_alpha > 0): the smallest subtree minimising R(T) +
 * ccp_alpha * leaves(T), with R the leaves' impurities weighted by their
 * share of the weight, found bottom-up in one pass; it is the subtree
 * scikit-learn's weakest-link pruning stops at (cost_complexity_pruning_path).
 *
 * Storage. Nodes are flat arrays (feature, threshold or offset of a level
 * bitset, children, where missing values go, value), parents before
 * children, so a prediction is a loop and the model saves compactly. A
 * forest is its trees' nodes one after the other.
 *
 * Iterations. `tree` grows one level per iterate; its "loss" is the
 * training impurity (the leaves', the nodes still to split counted as
 * leaves). `forest` grows FOREST_BATCH trees per iterate, on `threads`
 * threads; its "loss" is the out-of-bag error so far (misclassified share,
 * or mean squared error). A stop leaves a usable model: the tree as grown
 * so far, or the trees grown so far.
 *
 * Seeds. Tree t draws from its own mt19937 seeded with
 * fold(splitmix64(fold(seed) XOR splitmix64(t))), fold being low XOR high
 * 32 bits (4357 for 0, as mt19937 would take it): first its bootstrap
 * sample (n uniform_int draws), then per node the features to try (when
 * max_features is below the number of features: Fisher-Yates draws, as
 * many as needed to find max_features features that are not constant in
 * the node, as scikit-learn), then the permutations of the out-of-bag
 * importance. Threads only decide who grows which tree, so the numbers do
 * not depend on them; a forest of one tree without bootstrap is the tree.
 */
#include <config.h>

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include <aiwb/plugin.h>

#include "algo-tree.h"

#define TREE_EPSILON DBL_EPSILON /* scikit-learn's EPSILON: a node this pure is a leaf */
#define TIE_TOL 1e-12            /* splits this close (relative to the node) are equally good */
#define FOREST_BATCH 4           /* trees per iterate: bounds the time Ctrl-C waits */
#define CAT_EXHAUSTIVE 12        /* levels up to which K > 2 classes try every partition */
#define PRINT_MAX 60             /* lines of the tree that report() prints */
#define SET_SHOW 8               /* levels of a set printed before "..." */
#define MAX_THREADS 64

static const struct aiwb_host_api *api;

/* What all trees of one training read (never written once set up). */
struct shared {
    const double *X;
    const double *y;
    size_t n, p, ldx;
    unsigned task;
    size_t k, nout, d; /* classes; outputs; numbers summarising rows (K, or w and sum) */
    int32_t *yc;       /* n class codes (classification) */
    double *w;         /* n weights (1 without) */
    uint32_t *levels;  /* p */
    uint32_t **sorted; /* per numeric feature: rows by value, missing ones last */
    size_t words_max;  /* bitset words of the largest categorical feature */
    uint32_t levels_max;
    uint64_t seed;
    const struct tree_params *par;
};

/* A node waiting for its split. */
struct front {
    int32_t node;
    int32_t depth;
    uint32_t start, count; /* its rows in the grower's lists */
    uint32_t nleft;        /* rows going left once split */
    uint8_t split, keep_left, keep_right;
};

/* The best split found so far for a node. */
struct split {
    int found;
    int32_t feature;
    double proxy; /* larger is better; see side_proxy */
    double tie;   /* a later candidate must beat proxy by more than this */
    double wl, wr;
    double threshold;
    int miss;          /* missing values go left */
    uint64_t *bits;    /* categorical: the levels going left */
    uint64_t *present; /* the levels the node has */
};

/* Level ordering for categorical splits. */
struct keyed {
    double key;
    uint32_t code;
};

/* One tree being grown. */
struct grower {
    const struct shared *sh;
    gsl_rng *rng;
    double *wt; /* n: each row's weight in this tree (0: out of the bag) */
    size_t m;   /* rows in the bag */
    double wroot;
    uint32_t *base;  /* the frontier's rows grouped by node */
    uint32_t **idx;  /* per numeric feature: the same, sorted within each node */
    double **val;    /* the values of idx */
    uint32_t *tmp;   /* m */
    double *tmpv;    /* m */
    uint8_t *side;   /* n: 1 if the row goes left at its node's split */
    struct front *front, *next;
    double *fst, *nst; /* d per frontier node: its statistics */
    size_t n_front, n_next, cap_front;
    size_t *order;   /* p: features in the order tried */
    double *st;      /* scratch: 8 d */
    double *lev;     /* levels_max * d: statistics by level */
    uint32_t *lcount; /* levels_max: rows by level */
    uint32_t *present;
    struct keyed *keys;
    uint64_t *sbits; /* 2 words_max: the split's sets */
    struct tree_nodes tree;
};

/* What exists only while training. */
struct tree_train {
    struct shared sh;
    struct grower g; /* tree */
    int have_g;
    /* forest */
    size_t built;
    double *eval_sum;     /* n * nout: out-of-bag predictions summed */
    uint32_t *eval_count; /* n */
    double *mdi_sum;      /* p */
    size_t mdi_trees;
    double *perm_sum, *perm_sq; /* p */
    size_t perm_trees;
};

static void
nodes_reserve(struct tree_nodes *nd, size_t want)
{
    size_t cap = nd->cap ? nd->cap : 16;

    if (want <= nd->cap)
        return;
    while (cap < want)
        cap *= 2;
    nd->feature = api->realloc(nd->feature, cap * sizeof(int32_t));
    nd->left = api->realloc(nd->left, cap * sizeof(int32_t));
    nd->right = api->realloc(nd->right, cap * sizeof(int32_t));
    nd->miss_left = api->realloc(nd->miss_left, cap);
    nd->cat = api->realloc(nd->cat, cap * sizeof(int64_t));
    nd->threshold = api->realloc(nd->threshold, cap * sizeof(double));
    nd->value = api->realloc(nd->value, cap * nd->nout * sizeof(double));
    nd->weight = api->realloc(nd->weight, cap * sizeof(double));
    nd->impurity = api->realloc(nd->impurity, cap * sizeof(double));
    nd->rows = api->realloc(nd->rows, cap * sizeof(uint32_t));
    nd->cap = cap;
}

/* A new leaf; its value, weight, rows and impurity are the caller's to set. */
static size_t
nodes_add(struct tree_nodes *nd)
{
    size_t i = nd->n;

    nodes_reserve(nd, nd->n + 1);
    nd->n++;
    nd->feature[i] = -1;
    nd->left[i] = nd->right[i] = -1;
    nd->miss_left[i] = 0;
    nd->cat[i] = -1;
    nd->threshold[i] = NAN;
    return i;
}

/* Copy WORDS words of a level set into the pool; returns their offset. */
static int64_t
nodes_add_bits(struct tree_nodes *nd, const uint64_t *bits, size_t words)
{
    size_t at = nd->nbits;

    if (nd->nbits + words > nd->bits_cap) {
        size_t cap = nd->bits_cap ? nd->bits_cap : 16;
        while (cap < nd->nbits + words)
            cap *= 2;
        nd->bits = api->realloc(nd->bits, cap * sizeof(uint64_t));
        nd->bits_cap = cap;
    }
    memcpy(nd->bits + at, bits, words * sizeof(uint64_t));
    nd->nbits += words;
    return (int64_t)at;
}

/*
 * Append the nodes of SRC reachable from its node 0 to DST, parents before
 * children, children's indices moved to DST's numbering. Pruned subtrees
 * and unused level sets are left behind.
 */
static void
append_tree(struct tree_nodes *dst, const struct tree_nodes *src, const uint32_t *levels)
{
    int32_t *map = api->alloc(src->n * sizeof(int32_t));
    size_t count = 1, base = dst->n;
    const size_t nout = src->nout;

    for (size_t i = 0; i < src->n; i++)
        map[i] = -1;
    map[0] = 0;
    for (size_t i = 0; i < src->n; i++) {
        if (map[i] < 0 || src->feature[i] < 0)
            continue;
        map[src->left[i]] = (int32_t)count++;
        map[src->right[i]] = (int32_t)count++;
    }
    nodes_reserve(dst, base + count);
    dst->n = base + count;
    for (size_t i = 0; i < src->n; i++) {
        size_t o;

        if (map[i] < 0)
            continue;
        o = base + (size_t)map[i];
        dst->feature[o] = src->feature[i];
        dst->miss_left[o] = src->miss_left[i];
        dst->threshold[o] = src->threshold[i];
        memcpy(dst->value + o * nout, src->value + i * nout, nout * sizeof(double));
        dst->weight[o] = src->weight[i];
        dst->impurity[o] = src->impurity[i];
        dst->rows[o] = src->rows[i];
        dst->cat[o] = -1;
        dst->left[o] = dst->right[o] = -1;
        if (src->feature[i] < 0)
            continue;
        dst->left[o] = (int32_t)(base + (size_t)map[src->left[i]]);
        dst->right[o] = (int32_t)(base + (size_t)map[src->right[i]]);
        if (src->cat[i] >= 0)
            dst->cat[o] = nodes_add_bits(dst, src->bits + src->cat[i],
                                         tree_words_of(levels[src->feature[i]]));
    }
    api->free(map);
}

/*
 * Impurity decrease by feature over nodes [S, E) (one tree), as
 * scikit-learn's feature_importances_: divided by the root's weight, then
 * normalised to sum to one. Returns whether the tree has a split.
 */
static int
tree_importance(const struct tree_nodes *nd, size_t s, size_t e, size_t p, double *imp)
{
    double sum = 0;

    memset(imp, 0, p * sizeof(double));
    for (size_t i = s; i < e; i++) {
        size_t l, r;
        if (nd->feature[i] < 0)
            continue;
        l = (size_t)nd->left[i];
        r = (size_t)nd->right[i];
        imp[nd->feature[i]] += nd->weight[i] * nd->impurity[i] - nd->weight[l] * nd->impurity[l] -
                               nd->weight[r] * nd->impurity[r];
    }
    for (size_t j = 0; j < p; j++) {
        imp[j] /= nd->weight[s];
        sum += imp[j];
    }
    if (sum > 0)
        for (size_t j = 0; j < p; j++)
            imp[j] /= sum;
    return e - s > 1;
}

/* Depth and leaves of the tree in nodes [S, E). */
static void
tree_shape(const struct tree_nodes *nd, size_t s, size_t e, size_t *depth, size_t *leaves)
{
    uint32_t *dep = api->calloc(e - s, sizeof(uint32_t));

    *depth = 0;
    *leaves = 0;
    for (size_t i = s; i < e; i++) {
        if (dep[i - s] > *depth)
            *depth = dep[i - s];
        if (nd->feature[i] < 0) {
            (*leaves)++;
            continue;
        }
        dep[(size_t)nd->left[i] - s] = dep[i - s] + 1;
        dep[(size_t)nd->right[i] - s] = dep[i - s] + 1;
    }
    api->free(dep);
}

/* The leaves' impurity weighted by their share of the weight. */
static double
tree_leaf_impurity(const struct tree_nodes *nd, size_t s, size_t e)
{
    double sum = 0;

    for (size_t i = s; i < e; i++)
        if (nd->feature[i] < 0)
            sum += nd->weight[i] * nd->impurity[i];
    return sum / nd->weight[s];
}

/*
 * Minimal cost-complexity pruning: make a leaf of every node whose subtree
 * does not lower R + ALPHA * leaves, children first (they come after their
 * parents). R of a node is its weight share times its impurity.
 */
static void
prune(struct tree_nodes *nd, double alpha)
{
    double *cost;

    if (!(alpha > 0) || nd->n == 0)
        return;
    cost = api->alloc(nd->n * sizeof(double));
    for (size_t i = nd->n; i-- > 0;) {
        double r = nd->weight[i] * nd->impurity[i] / nd->weight[0] + alpha, sub;

        if (nd->feature[i] < 0) {
            cost[i] = r;
            continue;
        }
        sub = cost[nd->left[i]] + cost[nd->right[i]];
        if (r <= sub) {
            nd->feature[i] = -1;
            cost[i] = r;
        } else {
            cost[i] = sub;
        }
    }
    api->free(cost);
}

/* ---------------------------------------------------------------------------
 * The training data: checks, presorting.
 */

static inline uint64_t
splitmix64(uint64_t x)
{
    uint64_t z = x + UINT64_C(0x9E3779B97F4A7C15);

    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static inline unsigned long
fold(uint64_t s)
{
    uint32_t v = (uint32_t)(s ^ (s >> 32));

    return v != 0 ? v : 4357;
}

/* The seed of tree T's generator (see the top of the file). */
static unsigned long
tree_seed(uint64_t seed, size_t t)
{
    return fold(splitmix64((uint64_t)fold(seed) ^ splitmix64((uint64_t)t)));
}

/* Doubles as unsigned keys in the same order (-0 just before +0). */
static inline uint64_t
sort_key(double x)
{
    uint64_t u;

    memcpy(&u, &x, sizeof(u));
    return (u >> 63) ? ~u : u | (UINT64_C(1) << 63);
}

/*
 * The rows of feature J by increasing value into OUT, equal values in row
 * order, missing ones last: a stable LSD radix sort, a byte per pass, the
 * passes where every key has the same byte skipped.
 */
static void
sort_feature(const struct shared *sh, size_t j, uint32_t *out)
{
    const size_t n = sh->n;
    uint64_t *k = api->alloc(2 * n * sizeof(uint64_t)), *k2 = k + n;
    uint32_t *v2 = api->alloc(n * sizeof(uint32_t)), *v = out;
    size_t (*hist)[256] = api->calloc(8, sizeof(*hist));
    size_t m = 0, at = 0;

    for (size_t i = 0; i < n; i++) {
        double x = sh->X[i * sh->ldx + j];
        if (isnan(x))
            continue;
        k[m] = sort_key(x);
        v[m++] = (uint32_t)i;
        for (int b = 0; b < 8; b++)
            hist[b][(k[m - 1] >> (8 * b)) & 0xff]++;
    }
    for (int b = 0; b < 8; b++) {
        size_t sum = 0;
        if (m == 0 || hist[b][(k[0] >> (8 * b)) & 0xff] == m)
            continue;
        for (int c = 0; c < 256; c++) {
            size_t h = hist[b][c];
            hist[b][c] = sum;
            sum += h;
        }
        for (size_t i = 0; i < m; i++) {
            size_t to = hist[b][(k[i] >> (8 * b)) & 0xff]++;
            k2[to] = k[i];
            v2[to] = v[i];
        }
        uint64_t *tk = k;
        uint32_t *tv = v;
        k = k2;
        k2 = tk;
        v = v2;
        v2 = tv;
    }
    if (v != out) {
        memcpy(out, v, m * sizeof(uint32_t));
        v2 = v;
    }
    at = m;
    for (size_t i = 0; i < n; i++)
        if (isnan(sh->X[i * sh->ldx + j]))
            out[at++] = (uint32_t)i;
    api->free(k < k2 ? k : k2);
    api->free(v2);
    api->free(hist);
}

static void
shared_release(struct shared *sh)
{
    for (size_t j = 0; sh->sorted != NULL && j < sh->p; j++)
        api->free(sh->sorted[j]);
    api->free(sh->sorted);
    api->free(sh->yc);
    api->free(sh->w);
    api->free(sh->levels);
    memset(sh, 0, sizeof(*sh));
}

static const char *
target_name(const struct aiwb_problem *prob)
{
    return prob->target_name != NULL ? prob->target_name : "target";
}

static const char *
feature_name(const struct tree_model *mod, size_t j)
{
    return mod->features[j];
}

/* Check the target and weights row by row; keep class codes and weights. */
static int
check_rows(struct tree_state *s, struct shared *sh, const struct aiwb_problem *prob, char **cause)
{
    double sw = 0;

    sh->w = api->alloc(sh->n * sizeof(double));
    if (sh->task == AIWB_TASK_CLASSIFICATION)
        sh->yc = api->alloc(sh->n * sizeof(int32_t));
    for (size_t i = 0; i < sh->n; i++) {
        double yi = prob->y[i], wi = prob->w != NULL ? prob->w[i] : 1.0;

        if (sh->task == AIWB_TASK_CLASSIFICATION) {
            if (!(yi >= 0 && yi < (double)sh->k && yi == floor(yi))) {
                *cause = api->format("%s: row %zu: the target '%s' is %g, not a class code "
                                     "0..%zu",
                                     tree_who(s), i + 1, target_name(prob), yi, sh->k - 1);
                return AIWB_EDATA;
            }
            sh->yc[i] = (int32_t)yi;
        } else if (!isfinite(yi)) {
            *cause = api->format("%s: row %zu: the target '%s' is %g, not a finite number",
                                 tree_who(s), i + 1, target_name(prob), yi);
            return AIWB_EDATA;
        }
        if (!isfinite(wi) || wi < 0) {
            *cause = api->format("%s: row %zu: the weight %g is not a finite number >= 0",
                                 tree_who(s), i + 1, wi);
            return AIWB_EDATA;
        }
        sh->w[i] = wi;
        sw += wi;
    }
    if (!(sw > 0)) {
        *cause =
            api->format("%s: no rows with a non-zero weight: there is nothing to fit", tree_who(s));
        return AIWB_EDATA;
    }
    return AIWB_OK;
}

/* Check the features: codes of categorical ones; note which have missing values. */
static int
check_features(struct tree_state *s, struct shared *sh, char **cause)
{
    struct tree_model *mod = &s->mod;

    for (size_t i = 0; i < sh->n; i++) {
        const double *x = sh->X + i * sh->ldx;
        for (size_t j = 0; j < sh->p; j++) {
            if (isnan(x[j])) {
                mod->had_missing[j] = 1;
                continue;
            }
            if (sh->levels[j] == 0)
                continue;
            if (!(x[j] >= 0 && x[j] < (double)sh->levels[j] && x[j] == floor(x[j]))) {
                *cause = api->format("%s: row %zu column '%s': %g is not a level code 0..%u",
                                     tree_who(s), i + 1, feature_name(mod, j), x[j],
                                     sh->levels[j] - 1);
                return AIWB_EDATA;
            }
        }
    }
    return AIWB_OK;
}

/* Set up what every tree reads: checks, weights, class codes, sorted features. */
static int
shared_init(struct tree_state *s, struct shared *sh, const struct aiwb_problem *prob,
            char **cause)
{
    int rc;

    memset(sh, 0, sizeof(*sh));
    sh->X = prob->X;
    sh->y = prob->y;
    sh->n = prob->n;
    sh->p = prob->p;
    sh->ldx = prob->ldx;
    sh->task = s->mod.task;
    sh->k = s->mod.k;
    sh->nout = s->mod.nout;
    sh->d = sh->task == AIWB_TASK_CLASSIFICATION ? sh->k : 2;
    sh->seed = prob->seed;
    sh->par = &s->par;
    sh->levels = api->alloc(sh->p * sizeof(uint32_t));
    for (size_t j = 0; j < sh->p; j++) {
        sh->levels[j] = s->mod.levels[j];
        if (tree_words_of(sh->levels[j]) > sh->words_max)
            sh->words_max = tree_words_of(sh->levels[j]);
        if (sh->levels[j] > sh->levels_max)
            sh->levels_max = sh->levels[j];
    }
    rc = check_rows(s, sh, prob, cause);
    if (rc == AIWB_OK)
        rc = check_features(s, sh, cause);
    if (rc != AIWB_OK)
        return rc;
    sh->sorted = api->calloc(sh->p, sizeof(uint32_t *));
    for (size_t j = 0; j < sh->p; j++) {
        if (sh->levels[j] != 0)
            continue;
        sh->sorted[j] = api->alloc(sh->n * sizeof(uint32_t));
        sort_feature(sh, j, sh->sorted[j]);
    }
    return AIWB_OK;
}

/* ---------------------------------------------------------------------------
 * Growing a tree.
 */

/* Add row R's numbers to the statistics ST. */
static inline void
add_row(const struct grower *g, double *st, uint32_t r)
{
    const struct shared *sh = g->sh;
    double w = g->wt[r];

    if (sh->task == AIWB_TASK_CLASSIFICATION) {
        st[sh->yc[r]] += w;
    } else {
        st[0] += w;
        st[1] += w * sh->y[r];
    }
}

static inline void
add_stats(double *to, const double *a, const double *b, size_t d)
{
    for (size_t c = 0; c < d; c++)
        to[c] = a[c] + b[c];
}

/*
 * What a side with statistics ST adds to a split's score: sum c^2 / w for
 * gini, sum c log2(c / w) for entropy (minus w times the impurity, the
 * constant left out), sum^2 / w for squared error. *W gets its weight.
 */
static inline double
side_proxy(int crit, const double *st, size_t d, double *w)
{
    double sum = 0, acc = 0;

    if (crit == CRIT_MSE) {
        *w = st[0];
        return st[1] * st[1] / st[0];
    }
    for (size_t c = 0; c < d; c++)
        sum += st[c];
    *w = sum;
    if (crit == CRIT_GINI) {
        for (size_t c = 0; c < d; c++)
            acc += st[c] * st[c];
        return acc / sum;
    }
    for (size_t c = 0; c < d; c++)
        if (st[c] > 0)
            acc += st[c] * log2(st[c] / sum);
    return acc;
}

/* Whether LEFT (NLEFT of the node's COUNT rows) against the rest beats B. */
static int
try_split(struct grower *g, const double *T, const double *left, size_t nleft, size_t count,
          struct split *b)
{
    const struct tree_params *par = g->sh->par;
    const size_t d = g->sh->d, msl = (size_t)par->min_leaf;
    double *right = g->st + 7 * d, wl, wr, pr;

    if (nleft < msl || count - nleft < msl)
        return 0;
    for (size_t c = 0; c < d; c++)
        right[c] = T[c] - left[c];
    pr = side_proxy(par->crit, left, d, &wl) + side_proxy(par->crit, right, d, &wr);
    if (b->found ? !(pr > b->proxy + b->tie) : isnan(pr))
        return 0;
    b->proxy = pr;
    b->wl = wl;
    b->wr = wr;
    b->found = 1;
    return 1;
}

static double
midpoint(double lo, double hi)
{
    double t = lo / 2.0 + hi / 2.0;

    if (t == hi || isinf(t) || isnan(t))
        t = lo;
    return t;
}

/* Scan numeric feature J of node F for splits better than B; returns whether
 * the feature varies in the node. */
static int
scan_numeric(struct grower *g, const struct front *f, const double *T, size_t j, struct split *b)
{
    const uint32_t *ix = g->idx[j] + f->start;
    const double *v = g->val[j] + f->start;
    const size_t cnt = f->count, d = g->sh->d;
    double *L = g->st, *M = L + d, *LM = M + d;
    size_t nn = cnt, nm, nl = 0, best_q = 0;
    int improved = 0, best_miss = 0, all_left = 0;

    while (nn > 0 && isnan(v[nn - 1]))
        nn--;
    nm = cnt - nn;
    if (nn == 0 || (nm == 0 && !(v[nn - 1] > v[0])))
        return 0;
    memset(L, 0, 2 * d * sizeof(double));
    for (size_t q = nn; q < cnt; q++)
        add_row(g, M, ix[q]);
    for (size_t q = 0; q + 1 < nn; q++) {
        add_row(g, L, ix[q]);
        nl++;
        if (!(v[q + 1] > v[q]))
            continue;
        if (try_split(g, T, L, nl, cnt, b)) {
            best_q = q;
            best_miss = 0;
            improved = 1;
        }
        if (nm > 0) {
            add_stats(LM, L, M, d);
            if (try_split(g, T, LM, nl + nm, cnt, b)) {
                best_q = q;
                best_miss = 1;
                improved = 1;
            }
        }
    }
    if (nm > 0) {
        /* Every value left, the missing ones right. */
        for (size_t c = 0; c < d; c++)
            LM[c] = T[c] - M[c];
        if (try_split(g, T, LM, nn, cnt, b)) {
            improved = 1;
            all_left = 1;
            best_miss = 0;
        }
    }
    if (improved) {
        b->feature = (int32_t)j;
        b->threshold = all_left ? INFINITY : midpoint(v[best_q], v[best_q + 1]);
        b->miss = nm > 0 ? best_miss : b->wl >= b->wr;
    }
    return 1;
}

/* Make the codes CODES[0..N-1] the split's left set, for feature J. */
static void
set_left(struct split *b, const struct shared *sh, size_t j, const uint32_t *codes, size_t n)
{
    memset(b->bits, 0, tree_words_of(sh->levels[j]) * sizeof(uint64_t));
    for (size_t i = 0; i < n; i++)
        b->bits[codes[i] >> 6] |= UINT64_C(1) << (codes[i] & 63);
}

/* The left set LS (NLS rows) with the missing rows right, then left; returns
 * 1 or 2 when one of them beats B (2: missing left), else 0. */
static int
try_set(struct grower *g, const struct front *f, const double *T, const double *LS, size_t nls,
        const double *M, size_t nm, struct split *b)
{
    double *LSM = g->st + 6 * g->sh->d;
    int won = 0;

    if (try_split(g, T, LS, nls, f->count, b))
        won = 1;
    if (nm > 0) {
        add_stats(LSM, LS, M, g->sh->d);
        if (try_split(g, T, LSM, nls + nm, f->count, b))
            won = 2;
    }
    return won;
}

static int
cmp_keyed(const void *a, const void *b)
{
    const struct keyed *x = a, *y = b;

    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->code < y->code ? -1 : x->code > y->code;
}

static int
cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

    return x < y ? -1 : x > y;
}

/*
 * The splits between consecutive levels of the order KEYS (NP levels) of
 * categorical feature J; returns whether one beat B (and sets B's left set).
 */
static int
scan_order(struct grower *g, const struct front *f, const double *T, size_t j, size_t np,
           const double *M, size_t nm, struct split *b)
{
    const size_t d = g->sh->d;
    double *LS = g->st + 3 * d;
    uint32_t *codes = g->present + g->sh->levels_max; /* second half: scratch */
    size_t nls = 0;
    int improved = 0, won;

    memset(LS, 0, d * sizeof(double));
    for (size_t i = 0; i + 1 < np; i++) {
        uint32_t c = g->keys[i].code;
        add_stats(LS, LS, g->lev + (size_t)c * d, d);
        nls += g->lcount[c];
        if ((won = try_set(g, f, T, LS, nls, M, nm, b)) != 0) {
            for (size_t q = 0; q <= i; q++)
                codes[q] = g->keys[q].code;
            set_left(b, g->sh, j, codes, i + 1);
            b->miss = won == 2;
            improved = 1;
        }
    }
    return improved;
}

/* Every partition of the NP present levels (the last one always right). */
static int
scan_subsets(struct grower *g, const struct front *f, const double *T, size_t j, size_t np,
             const double *M, size_t nm, struct split *b)
{
    const size_t d = g->sh->d;
    double *LS = g->st + 3 * d;
    uint32_t *codes = g->present + g->sh->levels_max;
    int improved = 0, won;

    for (uint32_t mask = 1; mask < (UINT32_C(1) << (np - 1)); mask++) {
        size_t nls = 0, nc = 0;
        memset(LS, 0, d * sizeof(double));
        for (size_t i = 0; i + 1 < np; i++) {
            if (!((mask >> i) & 1))
                continue;
            add_stats(LS, LS, g->lev + (size_t)g->present[i] * d, d);
            nls += g->lcount[g->present[i]];
        }
        if ((won = try_set(g, f, T, LS, nls, M, nm, b)) != 0) {
            for (size_t i = 0; i + 1 < np; i++)
                if ((mask >> i) & 1)
                    codes[nc++] = g->present[i];
            set_left(b, g->sh, j, codes, nc);
            b->miss = won == 2;
            improved = 1;
        }
    }
    return improved;
}

/* Scan categorical feature J of node F (see the top of the file); returns
 * whether the node could be split on it at all. */
static int
scan_categorical(struct grower *g, const struct front *f, const double *T, size_t j,
                 struct split *b)
{
    const struct shared *sh = g->sh;
    const size_t d = sh->d;
    const uint32_t *rows = g->base + f->start;
    double *M = g->st + 5 * d;
    size_t np = 0, nm = 0;
    int improved = 0, varies;

    memset(M, 0, d * sizeof(double));
    for (size_t q = 0; q < f->count; q++) {
        uint32_t r = rows[q], c;
        double x = sh->X[(size_t)r * sh->ldx + j];
        if (isnan(x)) {
            add_row(g, M, r);
            nm++;
            continue;
        }
        c = (uint32_t)x;
        if (g->lcount[c]++ == 0)
            g->present[np++] = c;
        add_row(g, g->lev + (size_t)c * d, r);
    }
    varies = np >= 2 || (np == 1 && nm > 0);
    if (varies) {
        qsort(g->present, np, sizeof(uint32_t), cmp_u32);
        if (sh->task == AIWB_TASK_REGRESSION || sh->k == 2) {
            for (size_t i = 0; i < np; i++) {
                const double *st = g->lev + (size_t)g->present[i] * d;
                g->keys[i].code = g->present[i];
                g->keys[i].key = st[1] / (sh->task == AIWB_TASK_REGRESSION ? st[0] : st[0] + st[1]);
            }
            qsort(g->keys, np, sizeof(struct keyed), cmp_keyed);
            improved |= scan_order(g, f, T, j, np, M, nm, b);
        } else if (np <= CAT_EXHAUSTIVE) {
            improved |= scan_subsets(g, f, T, j, np, M, nm, b);
        } else {
            for (size_t c = 0; c < sh->k; c++) {
                for (size_t i = 0; i < np; i++) {
                    const double *st = g->lev + (size_t)g->present[i] * d;
                    double w = 0;
                    for (size_t e = 0; e < d; e++)
                        w += st[e];
                    g->keys[i].code = g->present[i];
                    g->keys[i].key = st[c] / w;
                }
                qsort(g->keys, np, sizeof(struct keyed), cmp_keyed);
                improved |= scan_order(g, f, T, j, np, M, nm, b);
            }
        }
        if (nm > 0) {
            double *LS = g->st + 3 * d;
            for (size_t c = 0; c < d; c++)
                LS[c] = T[c] - M[c];
            if (try_split(g, T, LS, f->count - nm, f->count, b)) {
                set_left(b, sh, j, g->present, np);
                b->miss = 0;
                improved = 1;
            }
        }
        if (improved) {
            b->feature = (int32_t)j;
            b->threshold = NAN;
            if (nm == 0)
                b->miss = b->wl >= b->wr;
            memset(b->present, 0, tree_words_of(sh->levels[j]) * sizeof(uint64_t));
            for (size_t i = 0; i < np; i++)
                b->present[g->present[i] >> 6] |= UINT64_C(1) << (g->present[i] & 63);
        }
    }
    for (size_t i = 0; i < np; i++) {
        g->lcount[g->present[i]] = 0;
        memset(g->lev + (size_t)g->present[i] * d, 0, d * sizeof(double));
    }
    return varies;
}

/* The best split of node F (B->found 0 if none), trying features as max_features says. */
static void
find_split(struct grower *g, const struct front *f, const double *T, struct split *b)
{
    const struct shared *sh = g->sh;
    const size_t p = sh->p, mtry = sh->par->mtry;
    const double W = g->tree.weight[f->node], imp = g->tree.impurity[f->node];
    size_t visited = 0, varied = 0;

    b->found = 0;
    b->proxy = -INFINITY;
    b->feature = -1;
    /* The proxies' scale: sum w y^2 for squared error, the weight for the others. */
    b->tie = TIE_TOL * (sh->par->crit == CRIT_MSE ? W * imp + T[1] * T[1] / W : W);
    for (size_t j = 0; j < p; j++)
        g->order[j] = j;
    while (visited < p && varied < mtry) {
        size_t pick = visited, j;
        if (mtry < p)
            pick += (size_t)gsl_rng_uniform_int(g->rng, (unsigned long)(p - visited));
        j = g->order[pick];
        g->order[pick] = g->order[visited];
        g->order[visited++] = j;
        if (sh->levels[j] != 0)
            varied += (size_t)scan_categorical(g, f, T, j, b);
        else
            varied += (size_t)scan_numeric(g, f, T, j, b);
    }
}

/* Record split B at NODE: feature, threshold or level set, missing side. */
static void
record_split(struct grower *g, int32_t node, const struct split *b)
{
    const struct shared *sh = g->sh;
    struct tree_nodes *nd = &g->tree;
    const size_t j = (size_t)b->feature;

    nd->feature[node] = b->feature;
    nd->miss_left[node] = (uint8_t)(b->miss != 0);
    nd->threshold[node] = b->threshold;
    nd->cat[node] = -1;
    if (sh->levels[j] != 0) {
        const size_t words = tree_words_of(sh->levels[j]);
        /* Levels absent from the node go where missing values go. */
        if (b->miss) {
            for (size_t w = 0; w < words; w++)
                b->bits[w] |= ~b->present[w];
            if (sh->levels[j] % 64 != 0)
                b->bits[words - 1] &= (UINT64_C(1) << (sh->levels[j] % 64)) - 1;
        }
        nd->cat[node] = nodes_add_bits(nd, b->bits, words);
    }
}

/* A node's impurity from statistics ST over rows ROWS[0..N-1] whose side is SIDE
 * (any side when SIDE < 0): for squared error a second pass around the mean. */
static double
impurity_of(const struct grower *g, const double *st, const uint32_t *rows, size_t n, int side)
{
    const struct shared *sh = g->sh;
    double w = 0, acc = 0, mean;

    if (sh->task == AIWB_TASK_CLASSIFICATION) {
        for (size_t c = 0; c < sh->d; c++)
            w += st[c];
        if (sh->par->crit == CRIT_GINI) {
            for (size_t c = 0; c < sh->d; c++)
                acc += st[c] * st[c];
            return 1.0 - acc / (w * w);
        }
        for (size_t c = 0; c < sh->d; c++)
            if (st[c] > 0)
                acc -= st[c] / w * log2(st[c] / w);
        return acc;
    }
    mean = st[1] / st[0];
    for (size_t q = 0; q < n; q++) {
        uint32_t r = rows[q];
        double dy;
        if (side >= 0 && g->side[r] != side)
            continue;
        dy = sh->y[r] - mean;
        acc += g->wt[r] * dy * dy;
    }
    return acc / st[0];
}

/* A new node from its statistics ST, ROWS rows and IMPURITY. */
static int32_t
make_node(struct grower *g, const double *st, size_t rows, double impurity)
{
    const struct shared *sh = g->sh;
    struct tree_nodes *nd = &g->tree;
    size_t i = nodes_add(nd);
    double *v = nd->value + i * nd->nout, w = 0;

    if (sh->task == AIWB_TASK_CLASSIFICATION) {
        for (size_t c = 0; c < sh->k; c++)
            w += st[c];
        for (size_t c = 0; c < sh->k; c++)
            v[c] = st[c] / w;
    } else {
        w = st[0];
        v[0] = st[1] / st[0];
    }
    nd->weight[i] = w;
    nd->rows[i] = (uint32_t)rows;
    nd->impurity[i] = impurity;
    return (int32_t)i;
}

/* Whether a node of ROWS rows, IMPURITY and DEPTH is a leaf by the stopping rules. */
static int
leaf_by_rule(const struct tree_params *par, size_t rows, double impurity, int32_t depth)
{
    return (par->max_depth > 0 && depth >= par->max_depth) || rows < (size_t)par->min_split ||
           rows < 2 * (size_t)par->min_leaf || impurity <= TREE_EPSILON;
}

static void
front_reserve(struct grower *g, size_t want)
{
    size_t cap = g->cap_front ? g->cap_front : 16;

    if (want <= g->cap_front)
        return;
    while (cap < want)
        cap *= 2;
    g->front = api->realloc(g->front, cap * sizeof(struct front));
    g->next = api->realloc(g->next, cap * sizeof(struct front));
    g->fst = api->realloc(g->fst, cap * g->sh->d * sizeof(double));
    g->nst = api->realloc(g->nst, cap * g->sh->d * sizeof(double));
    g->cap_front = cap;
}

/* Queue a new node for splitting unless the rules make it a leaf. */
static int
queue_child(struct grower *g, int32_t node, const double *st, int32_t depth)
{
    const struct tree_nodes *nd = &g->tree;
    struct front *c;

    if (leaf_by_rule(g->sh->par, nd->rows[node], nd->impurity[node], depth))
        return 0;
    c = &g->next[g->n_next];
    memset(c, 0, sizeof(*c));
    c->node = node;
    c->depth = depth;
    c->count = nd->rows[node];
    memcpy(g->nst + g->n_next * g->sh->d, st, g->sh->d * sizeof(double));
    g->n_next++;
    return 1;
}

/*
 * Where the rows of node F go under its recorded split, the children's
 * statistics, and whether the split lowers the impurity enough. Makes the
 * children and queues those to split further. Returns 0 if the split is
 * refused (min_impurity_decrease).
 */
static int
make_children(struct grower *g, struct front *f)
{
    const struct shared *sh = g->sh;
    struct tree_nodes *nd = &g->tree;
    const size_t d = sh->d, node = (size_t)f->node;
    const uint32_t *rows = g->base + f->start;
    double *cl = g->st, *cr = cl + d, il, ir, W = nd->weight[node], wl = 0, wr = 0, gain;
    size_t nl = 0;
    int32_t l, r;

    memset(cl, 0, 2 * d * sizeof(double));
    for (size_t q = 0; q < f->count; q++) {
        uint32_t row = rows[q];
        int s =
            tree_goes_left(nd, node, sh->X[(size_t)row * sh->ldx + nd->feature[node]], sh->levels);
        g->side[row] = (uint8_t)s;
        add_row(g, s ? cl : cr, row);
        nl += (size_t)s;
    }
    il = impurity_of(g, cl, rows, f->count, 1);
    ir = impurity_of(g, cr, rows, f->count, 0);
    side_proxy(sh->par->crit, cl, d, &wl);
    side_proxy(sh->par->crit, cr, d, &wr);
    gain = W / g->wroot * (nd->impurity[node] - wr / W * ir - wl / W * il);
    if (gain + TREE_EPSILON < sh->par->min_decrease)
        return 0;
    l = make_node(g, cl, nl, il);
    r = make_node(g, cr, f->count - nl, ir);
    nd->left[node] = l;
    nd->right[node] = r;
    f->nleft = (uint32_t)nl;
    f->keep_left = (uint8_t)queue_child(g, l, cl, f->depth + 1);
    f->keep_right = (uint8_t)queue_child(g, r, cr, f->depth + 1);
    return 1;
}

/*
 * Reorder LIST (and VALS, if not NULL) for the next level: each split
 * node's rows going on to a child that is split further, left ones first,
 * in their order; everything else is dropped. In place: the writing never
 * overtakes the reading.
 */
static void
partition(struct grower *g, uint32_t *list, double *vals)
{
    size_t write = 0;

    for (size_t i = 0; i < g->n_front; i++) {
        const struct front *f = &g->front[i];
        size_t nr = 0, end = (size_t)f->start + f->count;

        if (!f->split || (!f->keep_left && !f->keep_right))
            continue;
        for (size_t q = f->start; q < end; q++) {
            uint32_t r = list[q];
            if (g->side[r]) {
                if (!f->keep_left)
                    continue;
                list[write] = r;
                if (vals != NULL)
                    vals[write] = vals[q];
                write++;
            } else if (f->keep_right) {
                g->tmp[nr] = r;
                if (vals != NULL)
                    g->tmpv[nr] = vals[q];
                nr++;
            }
        }
        memcpy(list + write, g->tmp, nr * sizeof(uint32_t));
        if (vals != NULL)
            memcpy(vals + write, g->tmpv, nr * sizeof(double));
        write += nr;
    }
}

/* Split every node of the frontier that can be; the children to split
 * further become the next frontier. */
static void
grow_level(struct grower *g)
{
    const struct shared *sh = g->sh;
    const size_t d = sh->d;
    struct split b = {.bits = g->sbits, .present = g->sbits + sh->words_max};
    size_t at = 0, k = 0;
    int any = 0;

    front_reserve(g, 2 * g->n_front); /* no reallocation while F points into front */
    g->n_next = 0;
    for (size_t i = 0; i < g->n_front; i++) {
        struct front *f = &g->front[i];

        find_split(g, f, g->fst + i * d, &b);
        f->split = 0;
        if (!b.found)
            continue;
        record_split(g, f->node, &b);
        if (!make_children(g, f)) {
            g->tree.feature[f->node] = -1;
            continue;
        }
        f->split = 1;
        any = 1;
    }
    if (any) {
        partition(g, g->base, NULL);
        for (size_t j = 0; j < sh->p; j++)
            if (g->idx[j] != NULL)
                partition(g, g->idx[j], g->val[j]);
    }
    /* The children's places in the lists, in the order partition() put them. */
    for (size_t i = 0; i < g->n_front; i++) {
        const struct front *f = &g->front[i];
        if (!f->split)
            continue;
        if (f->keep_left) {
            g->next[k++].start = (uint32_t)at;
            at += f->nleft;
        }
        if (f->keep_right) {
            g->next[k++].start = (uint32_t)at;
            at += f->count - f->nleft;
        }
    }
    struct front *tf = g->front;
    double *ts = g->fst;
    g->front = g->next;
    g->next = tf;
    g->fst = g->nst;
    g->nst = ts;
    g->n_front = g->n_next;
    g->n_next = 0;
}

static void
grower_free(struct grower *g)
{
    const struct shared *sh = g->sh;

    if (sh == NULL)
        return;
    gsl_rng_free(g->rng);
    api->free(g->wt);
    api->free(g->base);
    for (size_t j = 0; g->idx != NULL && j < sh->p; j++) {
        api->free(g->idx[j]);
        api->free(g->val[j]);
    }
    api->free(g->idx);
    api->free(g->val);
    api->free(g->tmp);
    api->free(g->tmpv);
    api->free(g->side);
    api->free(g->front);
    api->free(g->next);
    api->free(g->fst);
    api->free(g->nst);
    api->free(g->order);
    api->free(g->st);
    api->free(g->lev);
    api->free(g->lcount);
    api->free(g->present);
    api->free(g->keys);
    api->free(g->sbits);
    tree_nodes_free(&g->tree);
    memset(g, 0, sizeof(*g));
}

/* This tree's row weights: the bootstrap counts (if asked) times the weights. */
static void
draw_rows(struct grower *g, int bootstrap)
{
    const struct shared *sh = g->sh;
    const size_t n = sh->n;

    if (bootstrap) {
        memset(g->wt, 0, n * sizeof(double));
        for (size_t i = 0; i < n; i++)
            g->wt[gsl_rng_uniform_int(g->rng, (unsigned long)n)] += 1;
        for (size_t i = 0; i < n; i++)
            g->wt[i] *= sh->w[i];
    } else {
        memcpy(g->wt, sh->w, n * sizeof(double));
    }
    g->m = 0;
    for (size_t i = 0; i < n; i++)
        g->m += g->wt[i] > 0;
}

/*
 * Start tree T: its generator, its rows (a bootstrap sample with BOOTSTRAP),
 * their lists, the root. Returns AIWB_OK or AIWB_ENOMEM.
 */
static int
grower_init(struct grower *g, const struct shared *sh, size_t t, int bootstrap)
{
    const size_t n = sh->n, p = sh->p, d = sh->d;
    size_t m = 0;
    double *st;
    int32_t root;

    memset(g, 0, sizeof(*g));
    g->sh = sh;
    g->tree.nout = sh->nout;
    g->rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (g->rng == NULL)
        return AIWB_ENOMEM;
    gsl_rng_set(g->rng, tree_seed(sh->seed, t));
    g->wt = api->alloc(n * sizeof(double));
    draw_rows(g, bootstrap);
    if (g->m == 0) /* every row drawn has weight 0: grow on all of them instead */
        draw_rows(g, 0);
    g->base = api->alloc(g->m * sizeof(uint32_t));
    for (size_t i = 0; i < n; i++)
        if (g->wt[i] > 0)
            g->base[m++] = (uint32_t)i;
    g->idx = api->calloc(p, sizeof(uint32_t *));
    g->val = api->calloc(p, sizeof(double *));
    for (size_t j = 0; j < p; j++) {
        size_t at = 0;
        if (sh->sorted[j] == NULL)
            continue;
        g->idx[j] = api->alloc(g->m * sizeof(uint32_t));
        g->val[j] = api->alloc(g->m * sizeof(double));
        for (size_t q = 0; q < n; q++) {
            uint32_t r = sh->sorted[j][q];
            if (g->wt[r] > 0) {
                g->idx[j][at] = r;
                g->val[j][at++] = sh->X[(size_t)r * sh->ldx + j];
            }
        }
    }
    g->tmp = api->alloc(g->m * sizeof(uint32_t));
    g->tmpv = api->alloc(g->m * sizeof(double));
    g->side = api->calloc(n, 1);
    g->order = api->alloc(p * sizeof(size_t));
    g->st = api->calloc(8 * d, sizeof(double));
    g->lev = api->calloc((size_t)sh->levels_max * d + 1, sizeof(double));
    g->lcount = api->calloc((size_t)sh->levels_max + 1, sizeof(uint32_t));
    g->present = api->calloc(2 * (size_t)sh->levels_max + 1, sizeof(uint32_t));
    g->keys = api->calloc((size_t)sh->levels_max + 1, sizeof(struct keyed));
    g->sbits = api->calloc(2 * sh->words_max + 1, sizeof(uint64_t));

    st = api->calloc(d, sizeof(double));
    for (size_t q = 0; q < g->m; q++)
        add_row(g, st, g->base[q]);
    root = make_node(g, st, g->m, impurity_of(g, st, g->base, g->m, -1));
    g->wroot = g->tree.weight[root];
    front_reserve(g, 1);
    if (queue_child(g, root, st, 0)) {
        g->next[0].start = 0;
        struct front *tf = g->front;
        double *ts = g->fst;
        g->front = g->next;
        g->next = tf;
        g->fst = g->nst;
        g->nst = ts;
        g->n_front = 1;
        g->n_next = 0;
    }
    api->free(st);
    return AIWB_OK;
}

/* ---------------------------------------------------------------------------
 * Options and setting up.
 */

/* The number of features max_features=TEXT means for P features. */
static int
parse_max_features(struct tree_state *s, const char *text, unsigned task, size_t p, size_t *mtry,
                   char **cause)
{
    char *end;

    if (strcmp(text, "auto") == 0)
        text = s->forest && task == AIWB_TASK_CLASSIFICATION ? "sqrt" : "all";
    if (strcmp(text, "all") == 0) {
        *mtry = p;
    } else if (strcmp(text, "sqrt") == 0) {
        *mtry = (size_t)sqrt((double)p);
    } else if (strcmp(text, "log2") == 0) {
        *mtry = (size_t)log2((double)p);
    } else if (strcmp(text, "third") == 0) {
        *mtry = p / 3;
    } else if (strchr(text, '.') != NULL) {
        double f = strtod(text, &end);
        if (*end != '\0' || end == text || !(f > 0 && f <= 1))
            goto bad;
        *mtry = (size_t)(f * (double)p);
    } else {
        long long v = strtoll(text, &end, 10);
        if (*end != '\0' || end == text || v < 1)
            goto bad;
        if ((unsigned long long)v > p) {
            *cause = api->format("%s: max_features=%lld is more than the %zu features", tree_who(s),
                                 v, p);
            return AIWB_EINVAL;
        }
        *mtry = (size_t)v;
    }
    if (*mtry < 1)
        *mtry = 1;
    return AIWB_OK;
bad:
    *cause = api->format("%s: max_features must be auto, all, sqrt, log2, third, a number of "
                         "features or a fraction such as 0.5, not '%s'",
                         tree_who(s), text);
    return AIWB_EINVAL;
}

/* Read the options; the criterion and max_features depend on the problem. */
static int
read_params(struct tree_state *s, const struct aiwb_options *o, const struct aiwb_problem *prob,
            char **cause)
{
    struct tree_params *par = &s->par;
    const char *crit = api->opt_str(o, "criterion"), *mf = api->opt_str(o, "max_features");
    const char *bad = NULL;
    const int reg = prob->task == AIWB_TASK_REGRESSION;

    par->max_depth = api->opt_int(o, "max_depth");
    par->min_split = api->opt_int(o, "min_samples_split");
    par->min_leaf = api->opt_int(o, "min_samples_leaf");
    par->min_decrease = api->opt_real(o, "min_impurity_decrease");
    par->ccp_alpha = api->opt_real(o, "ccp_alpha");
    par->n_trees = s->forest ? api->opt_int(o, "n_trees") : 1;
    par->threads = s->forest ? api->opt_int(o, "threads") : 1;
    par->bootstrap = s->forest ? api->opt_bool(o, "bootstrap") != 0 : 0;
    par->oob_importance = s->forest ? api->opt_bool(o, "oob_importance") != 0 : 0;
    if (crit == NULL || strcmp(crit, "auto") == 0)
        par->crit = reg ? CRIT_MSE : CRIT_GINI;
    else if (strcmp(crit, "gini") == 0 || strcmp(crit, "entropy") == 0)
        par->crit = crit[0] == 'g' ? CRIT_GINI : CRIT_ENTROPY;
    else
        par->crit = CRIT_MSE;
    if (reg != (par->crit == CRIT_MSE)) {
        *cause = api->format("%s: criterion=%s is for %s; the target '%s' asks for %s", tree_who(s),
                             crit, reg ? "classification" : "regression", target_name(prob),
                             reg ? "squared_error (regression)" : "gini or entropy "
                                                                  "(classification)");
        return AIWB_EINVAL;
    }
    /* The host checks the declared ranges; this guards callers that do not. */
    if (par->max_depth < 0)
        bad = "max_depth";
    else if (par->min_split < 2)
        bad = "min_samples_split";
    else if (par->min_leaf < 1)
        bad = "min_samples_leaf";
    else if (!(par->min_decrease >= 0))
        bad = "min_impurity_decrease";
    else if (!(par->ccp_alpha >= 0))
        bad = "ccp_alpha";
    else if (par->n_trees < 1)
        bad = "n_trees";
    else if (par->threads < 1 || par->threads > MAX_THREADS)
        bad = "threads";
    if (bad != NULL) {
        *cause = api->format("%s: %s is out of its range (see `help %s`)", tree_who(s), bad,
                             tree_who(s));
        return AIWB_EINVAL;
    }
    par->max_features = api->strdup(mf != NULL ? mf : "auto");
    return parse_max_features(s, par->max_features, prob->task, prob->p, &par->mtry, cause);
}

/* Copy names and levels (made up when the problem has none). */
static void
copy_names(struct tree_model *mod, const struct aiwb_problem *prob)
{
    mod->features = api->calloc(mod->p, sizeof(char *));
    mod->levels = api->calloc(mod->p, sizeof(uint32_t));
    mod->had_missing = api->calloc(mod->p, 1);
    for (size_t j = 0; j < mod->p; j++) {
        if (prob->feature_names != NULL && prob->feature_names[j] != NULL)
            mod->features[j] = api->strdup(prob->feature_names[j]);
        else
            mod->features[j] = api->format("x%zu", j + 1);
        mod->levels[j] = prob->feature_levels != NULL ? prob->feature_levels[j] : 0;
    }
    if (mod->k == 0)
        return;
    mod->classes = api->calloc(mod->k, sizeof(char *));
    for (size_t c = 0; c < mod->k; c++) {
        if (prob->class_names != NULL && prob->class_names[c] != NULL)
            mod->classes[c] = api->strdup(prob->class_names[c]);
        else
            mod->classes[c] = api->format("%zu", c);
    }
}

static void
train_free(struct tree_train *tr)
{
    if (tr == NULL)
        return;
    if (tr->have_g)
        grower_free(&tr->g);
    shared_release(&tr->sh);
    api->free(tr->eval_sum);
    api->free(tr->eval_count);
    api->free(tr->mdi_sum);
    api->free(tr->perm_sum);
    api->free(tr->perm_sq);
    api->free(tr);
}

/* Free everything; keep only which component this is. */
static void
state_clear(struct tree_state *s)
{
    train_free(s->tr);
    s->tr = NULL;
    tree_state_clear(s);
}

/* What both components do first: options, the problem's shape, the data. */
static int
common_init(struct tree_state *s, const struct aiwb_options *opts, const struct aiwb_problem *prob,
            char **cause)
{
    struct tree_model *mod = &s->mod;
    int rc;

    state_clear(s);
    if (prob->task != AIWB_TASK_REGRESSION && prob->task != AIWB_TASK_CLASSIFICATION) {
        *cause = api->format("%s: learns classification and regression only", tree_who(s));
        return AIWB_ENOTSUP;
    }
    if (prob->y == NULL) {
        *cause = api->format("%s: needs a target", tree_who(s));
        return AIWB_EINVAL;
    }
    if (prob->n == 0 || prob->p == 0) {
        *cause = api->format("%s: %s: there is nothing to fit", tree_who(s),
                             prob->n == 0 ? "no rows" : "no features");
        return AIWB_EDATA;
    }
    if (prob->n > UINT32_MAX) {
        *cause = api->format("%s: %zu rows are more than the %" PRIu32 " a tree can take",
                             tree_who(s), prob->n, UINT32_MAX);
        return AIWB_EDATA;
    }
    if (prob->task == AIWB_TASK_CLASSIFICATION && prob->n_classes == 0) {
        *cause = api->format("%s: the target '%s' has no classes", tree_who(s), target_name(prob));
        return AIWB_EDATA;
    }
    rc = read_params(s, opts, prob, cause);
    if (rc != AIWB_OK)
        return rc;
    mod->task = prob->task;
    mod->p = prob->p;
    mod->k = prob->task == AIWB_TASK_CLASSIFICATION ? prob->n_classes : 0;
    mod->nout = mod->k > 0 ? mod->k : 1;
    mod->mtry = s->par.mtry;
    mod->nd.nout = mod->nout;
    copy_names(mod, prob);
    s->tr = api->calloc(1, sizeof(struct tree_train));
    return shared_init(s, &s->tr->sh, prob, cause);
}

/* ---------------------------------------------------------------------------
 * The tree component.
 */

static int
tree_init(void *state, const struct aiwb_options *opts, const struct aiwb_problem *prob,
          char **cause)
{
    struct tree_state *s = state;
    int rc;

    s->forest = 0;
    rc = common_init(s, opts, prob, cause);
    if (rc != AIWB_OK)
        return rc;
    rc = grower_init(&s->tr->g, &s->tr->sh, 0, 0);
    s->tr->have_g = rc == AIWB_OK;
    if (rc != AIWB_OK)
        *cause = api->format("tree: out of memory for the random number generator");
    return rc;
}

/* Prune the tree as grown, keep it in the model, free the training state. */
static void
tree_settle(struct tree_state *s)
{
    struct tree_model *mod = &s->mod;
    struct grower *g = &s->tr->g;

    prune(&g->tree, s->par.ccp_alpha);
    append_tree(&mod->nd, &g->tree, mod->levels);
    mod->n_trees = 1;
    mod->start = api->alloc(2 * sizeof(size_t));
    mod->start[0] = 0;
    mod->start[1] = mod->nd.n;
    mod->importance = api->alloc(mod->p * sizeof(double));
    tree_importance(&mod->nd, 0, mod->nd.n, mod->p, mod->importance);
    mod->loss = tree_leaf_impurity(&mod->nd, 0, mod->nd.n);
    mod->train_rows = g->m;
    train_free(s->tr);
    s->tr = NULL;
    s->fitted = 1;
}

static void
tree_steps(const struct tree_nodes *nd, struct aiwb_step *step)
{
    size_t depth, leaves;

    tree_shape(nd, 0, nd->n, &depth, &leaves);
    api->step_value(step, "loss", tree_leaf_impurity(nd, 0, nd->n));
    api->step_value(step, "depth", (double)depth);
    api->step_value(step, "leaves", (double)leaves);
}

/* One level of the tree; the last one prunes and keeps the tree. */
static int
tree_iterate(void *state, const struct aiwb_problem *prob, struct aiwb_step *step, char **cause)
{
    struct tree_state *s = state;
    struct tree_train *tr = s->tr;

    (void)cause;
    if (tr == NULL)
        return AIWB_OK;
    tr->sh.X = prob->X;
    tr->sh.y = prob->y;
    if (tr->g.n_front > 0)
        grow_level(&tr->g);
    if (tr->g.n_front > 0) {
        tree_steps(&tr->g.tree, step);
        return AIWB_CONTINUE;
    }
    tree_settle(s);
    tree_steps(&s->mod.nd, step);
    return AIWB_OK;
}

static int
tree_finish(void *state, const struct aiwb_problem *prob, char **cause)
{
    struct tree_state *s = state;

    (void)prob;
    if (s->fitted)
        return AIWB_OK;
    if (s->tr == NULL || !s->tr->have_g) {
        *cause = api->format("tree: finish without a successful init");
        return AIWB_EINVAL;
    }
    tree_settle(s);
    return AIWB_OK;
}

/* ---------------------------------------------------------------------------
 * The forest component.
 */

/* One tree of a batch, grown by some thread. */
struct job {
    const struct shared *sh;
    size_t t;
    struct tree_nodes out;   /* the tree, compact */
    uint32_t *rows;     /* the rows it predicts: out of the bag (all without bootstrap) */
    size_t n_rows;
    double *pred;       /* n_rows * nout */
    double *mdi;        /* p */
    double *perm;       /* p, or NULL */
    int has_split;
    int rc;
};

/* The loss of prediction V (nout values) for row R: misclassified or squared error. */
static inline double
row_loss(const struct shared *sh, const double *v, uint32_t r)
{
    if (sh->task == AIWB_TASK_REGRESSION) {
        double e = sh->y[r] - v[0];
        return e * e;
    }
    size_t best = 0;
    for (size_t c = 1; c < sh->k; c++)
        if (v[c] > v[best])
            best = c;
    return best != (size_t)sh->yc[r];
}

/* Breiman's importance for one tree: the rise of its out-of-bag loss when a
 * feature's values are shuffled among the out-of-bag rows. */
static void
perm_importance(struct job *jb, gsl_rng *rng)
{
    const struct shared *sh = jb->sh;
    const struct tree_nodes *nd = &jb->out;
    uint32_t *perm = api->alloc(jb->n_rows * sizeof(uint32_t));
    double base = 0, sw = 0;

    jb->perm = api->calloc(sh->p, sizeof(double));
    for (size_t q = 0; q < jb->n_rows; q++) {
        base += sh->w[jb->rows[q]] * row_loss(sh, jb->pred + q * sh->nout, jb->rows[q]);
        sw += sh->w[jb->rows[q]];
    }
    if (jb->n_rows < 2 || !(sw > 0))
        goto out;
    for (size_t j = 0; j < sh->p; j++) {
        double loss = 0;
        memcpy(perm, jb->rows, jb->n_rows * sizeof(uint32_t));
        gsl_ran_shuffle(rng, perm, jb->n_rows, sizeof(uint32_t));
        for (size_t q = 0; q < jb->n_rows; q++) {
            uint32_t r = jb->rows[q];
            const double *x = sh->X + (size_t)r * sh->ldx;
            size_t leaf = tree_walk(nd, 0, x, sh->levels, (int32_t)j,
                               sh->X[(size_t)perm[q] * sh->ldx + j]);
            loss += sh->w[r] * row_loss(sh, nd->value + leaf * nd->nout, r);
        }
        jb->perm[j] = (loss - base) / sw;
    }
out:
    api->free(perm);
}

/* Grow tree JB->t whole, predict its out-of-bag rows, and its importances. */
static void
grow_one(struct job *jb)
{
    const struct shared *sh = jb->sh;
    const struct tree_params *par = sh->par;
    struct grower g;

    memset(&jb->out, 0, sizeof(jb->out));
    jb->out.nout = sh->nout;
    jb->rc = grower_init(&g, sh, jb->t, par->bootstrap);
    if (jb->rc != AIWB_OK) {
        grower_free(&g);
        return;
    }
    while (g.n_front > 0)
        grow_level(&g);
    prune(&g.tree, par->ccp_alpha);
    append_tree(&jb->out, &g.tree, sh->levels);
    jb->rows = api->alloc(sh->n * sizeof(uint32_t));
    jb->n_rows = 0;
    for (size_t i = 0; i < sh->n; i++)
        if (!par->bootstrap || g.wt[i] == 0)
            jb->rows[jb->n_rows++] = (uint32_t)i;
    jb->pred = api->alloc((jb->n_rows ? jb->n_rows : 1) * sh->nout * sizeof(double));
    for (size_t q = 0; q < jb->n_rows; q++) {
        const double *x = sh->X + (size_t)jb->rows[q] * sh->ldx;
        size_t leaf = tree_walk(&jb->out, 0, x, sh->levels, -1, 0);
        memcpy(jb->pred + q * sh->nout, jb->out.value + leaf * sh->nout,
               sh->nout * sizeof(double));
    }
    jb->mdi = api->alloc(sh->p * sizeof(double));
    jb->has_split = tree_importance(&jb->out, 0, jb->out.n, sh->p, jb->mdi);
    if (par->oob_importance && par->bootstrap)
        perm_importance(jb, g.rng);
    grower_free(&g);
}

/* A thread's share of a batch: jobs FIRST, FIRST + STEP, ... */
struct crew {
    struct job *jobs;
    size_t n, first, step;
};

static void *
crew_run(void *arg)
{
    struct crew *c = arg;

    for (size_t i = c->first; i < c->n; i += c->step)
        grow_one(&c->jobs[i]);
    return NULL;
}

/* Grow the N trees of JOBS on up to THREADS threads (the calling one among them). */
static void
grow_batch(struct job *jobs, size_t n, size_t threads)
{
    struct crew crews[MAX_THREADS];
    pthread_t tid[MAX_THREADS];
    int started[MAX_THREADS] = {0};
    size_t nt = threads < n ? threads : n;

    if (nt == 0)
        return;
    for (size_t i = 0; i < nt; i++)
        crews[i] = (struct crew){.jobs = jobs, .n = n, .first = i, .step = nt};
    for (size_t i = 1; i < nt; i++)
        started[i] = pthread_create(&tid[i], NULL, crew_run, &crews[i]) == 0;
    crew_run(&crews[0]);
    for (size_t i = 1; i < nt; i++) {
        if (started[i])
            pthread_join(tid[i], NULL);
        else
            crew_run(&crews[i]); /* no thread: do its share here */
    }
}

/* Out-of-bag (or, without bootstrap, training) error and score of the trees so far. */
static void
eval_numbers(const struct tree_train *tr, double *err, double *score, size_t *rows)
{
    const struct shared *sh = &tr->sh;
    double sw = 0, lsum = 0, ysum = 0, sst = 0;

    *rows = 0;
    for (size_t i = 0; i < sh->n; i++) {
        double v[1], w = sh->w[i];
        const double *pi = tr->eval_sum + i * sh->nout;
        if (tr->eval_count[i] == 0 || !(w > 0))
            continue;
        (*rows)++;
        sw += w;
        if (sh->task == AIWB_TASK_REGRESSION) {
            v[0] = pi[0] / tr->eval_count[i];
            lsum += w * row_loss(sh, v, (uint32_t)i);
            ysum += w * sh->y[i];
        } else {
            lsum += w * row_loss(sh, pi, (uint32_t)i);
        }
    }
    if (*rows == 0) {
        *err = NAN;
        *score = NAN;
        return;
    }
    *err = lsum / sw;
    if (sh->task == AIWB_TASK_CLASSIFICATION) {
        *score = 1 - *err;
        return;
    }
    for (size_t i = 0; i < sh->n; i++) {
        double dy = sh->y[i] - ysum / sw;
        if (tr->eval_count[i] > 0 && sh->w[i] > 0)
            sst += sh->w[i] * dy * dy;
    }
    *score = sst > 0 ? 1 - lsum / sst : 0;
}

static int
forest_init(void *state, const struct aiwb_options *opts, const struct aiwb_problem *prob,
            char **cause)
{
    struct tree_state *s = state;
    struct tree_train *tr;
    int rc;

    s->forest = 1;
    rc = common_init(s, opts, prob, cause);
    if (rc != AIWB_OK)
        return rc;
    tr = s->tr;
    tr->eval_sum = api->calloc(prob->n * s->mod.nout, sizeof(double));
    tr->eval_count = api->calloc(prob->n, sizeof(uint32_t));
    tr->mdi_sum = api->calloc(prob->p, sizeof(double));
    tr->perm_sum = api->calloc(prob->p, sizeof(double));
    tr->perm_sq = api->calloc(prob->p, sizeof(double));
    s->mod.start = api->calloc((size_t)s->par.n_trees + 1, sizeof(size_t));
    return AIWB_OK;
}

/* Keep job JB's tree and fold in its predictions and importances; frees JB's arrays. */
static void
absorb(struct tree_state *s, struct job *jb)
{
    struct tree_model *mod = &s->mod;
    struct tree_train *tr = s->tr;
    const size_t nout = mod->nout;

    append_tree(&mod->nd, &jb->out, mod->levels);
    mod->start[++mod->n_trees] = mod->nd.n;
    for (size_t q = 0; q < jb->n_rows; q++) {
        uint32_t r = jb->rows[q];
        for (size_t c = 0; c < nout; c++)
            tr->eval_sum[(size_t)r * nout + c] += jb->pred[q * nout + c];
        tr->eval_count[r]++;
    }
    if (jb->has_split) {
        for (size_t j = 0; j < mod->p; j++)
            tr->mdi_sum[j] += jb->mdi[j];
        tr->mdi_trees++;
    }
    if (jb->perm != NULL && jb->n_rows >= 2) {
        for (size_t j = 0; j < mod->p; j++) {
            tr->perm_sum[j] += jb->perm[j];
            tr->perm_sq[j] += jb->perm[j] * jb->perm[j];
        }
        tr->perm_trees++;
    }
}

static void
job_release(struct job *jb)
{
    tree_nodes_free(&jb->out);
    api->free(jb->rows);
    api->free(jb->pred);
    api->free(jb->mdi);
    api->free(jb->perm);
}

/* Keep the trees grown so far with their importances and out-of-bag numbers. */
static void
forest_settle(struct tree_state *s)
{
    struct tree_model *mod = &s->mod;
    struct tree_train *tr = s->tr;
    double sum = 0;

    mod->importance = api->calloc(mod->p, sizeof(double));
    for (size_t j = 0; j < mod->p && tr->mdi_trees > 0; j++) {
        mod->importance[j] = tr->mdi_sum[j] / (double)tr->mdi_trees;
        sum += mod->importance[j];
    }
    if (sum > 0)
        for (size_t j = 0; j < mod->p; j++)
            mod->importance[j] /= sum;
    if (tr->perm_trees > 0) {
        const double t = (double)tr->perm_trees;
        mod->perm = api->alloc(mod->p * sizeof(double));
        mod->perm_se = api->alloc(mod->p * sizeof(double));
        for (size_t j = 0; j < mod->p; j++) {
            double mean = tr->perm_sum[j] / t, var = tr->perm_sq[j] / t - mean * mean;
            mod->perm[j] = mean;
            mod->perm_se[j] = tr->perm_trees > 1 && var > 0 ? sqrt(var * t / (t - 1) / t) : 0;
        }
    }
    eval_numbers(tr, &mod->loss, &mod->score, &mod->oob_rows);
    mod->has_oob = s->par.bootstrap;
    mod->train_rows = tr->sh.n;
    train_free(tr);
    s->tr = NULL;
    s->fitted = 1;
}

/* A batch of FOREST_BATCH trees (fewer at the end). */
static int
forest_iterate(void *state, const struct aiwb_problem *prob, struct aiwb_step *step, char **cause)
{
    struct tree_state *s = state;
    struct tree_train *tr = s->tr;
    struct job jobs[FOREST_BATCH];
    size_t nb, left;
    double err, score;
    int rc = AIWB_OK;

    if (tr == NULL)
        return AIWB_OK;
    tr->sh.X = prob->X;
    tr->sh.y = prob->y;
    left = (size_t)s->par.n_trees - tr->built;
    nb = left < FOREST_BATCH ? left : FOREST_BATCH;
    memset(jobs, 0, sizeof(jobs));
    for (size_t i = 0; i < nb; i++) {
        jobs[i].sh = &tr->sh;
        jobs[i].t = tr->built + i;
    }
    grow_batch(jobs, nb, (size_t)s->par.threads);
    for (size_t i = 0; i < nb; i++)
        if (jobs[i].rc != AIWB_OK)
            rc = jobs[i].rc;
    for (size_t i = 0; i < nb && rc == AIWB_OK; i++)
        absorb(s, &jobs[i]);
    for (size_t i = 0; i < nb; i++)
        job_release(&jobs[i]);
    if (rc != AIWB_OK) {
        *cause = api->format("forest: out of memory for a tree's random number generator");
        return rc;
    }
    tr->built += nb;
    eval_numbers(tr, &err, &score, &left);
    api->step_value(step, "loss", err);
    if (s->par.bootstrap)
        api->step_value(step, s->mod.task == AIWB_TASK_CLASSIFICATION ? "oob_accuracy" : "oob_r2",
                        score);
    api->step_value(step, "trees", (double)tr->built);
    if (tr->built < (size_t)s->par.n_trees)
        return AIWB_CONTINUE;
    forest_settle(s);
    return AIWB_OK;
}

static int
forest_finish(void *state, const struct aiwb_problem *prob, char **cause)
{
    struct tree_state *s = state;

    (void)prob;
    if (s->fitted)
        return AIWB_OK;
    if (s->tr == NULL || s->mod.start == NULL) {
        *cause = api->format("forest: finish without a successful init");
        return AIWB_EINVAL;
    }
    if (s->tr->built == 0) {
        *cause = api->format("forest: stopped before the first tree was grown");
        return AIWB_ECANCELED;
    }
    forest_settle(s);
    return AIWB_OK;
}

/* ---------------------------------------------------------------------------
 * Using the model.
 */

/* ---------------------------------------------------------------------------
 * Reports.
 */

/* A line buffer that never overflows (text past its end is dropped). */
struct line {
    char buf[1024];
    size_t len;
};

static void AIWB_PRINTF(2, 3)
line_add(struct line *l, const char *fmt, ...)
{
    va_list ap;
    int k;

    if (l->len + 1 >= sizeof(l->buf))
        return;
    va_start(ap, fmt);
    k = vsnprintf(l->buf + l->len, sizeof(l->buf) - l->len, fmt, ap);
    va_end(ap);
    if (k > 0)
        l->len += (size_t)k < sizeof(l->buf) - l->len ? (size_t)k : sizeof(l->buf) - 1 - l->len;
}

/* The codes of feature F's levels that go left (LEFT) or right at node I. */
static void
line_set(struct line *l, const struct tree_model *mod, size_t i, int left)
{
    const struct tree_nodes *nd = &mod->nd;
    const uint32_t L = mod->levels[nd->feature[i]];
    size_t shown = 0, total = 0;

    for (uint32_t c = 0; c < L; c++)
        total += tree_goes_left(nd, i, (double)c, mod->levels) == left;
    line_add(l, "{");
    for (uint32_t c = 0; c < L && shown < SET_SHOW; c++) {
        if (tree_goes_left(nd, i, (double)c, mod->levels) != left)
            continue;
        line_add(l, "%s%" PRIu32, shown ? "," : "", c);
        shown++;
    }
    if (shown < total)
        line_add(l, ",...} (%zu levels)", total);
    else
        line_add(l, "}");
}

/* The condition of node I's LEFT or right branch. */
static void
line_condition(struct line *l, const struct tree_model *mod, size_t i, int left)
{
    const struct tree_nodes *nd = &mod->nd;
    const int32_t f = nd->feature[i];
    const char *name = mod->features[f];

    if (nd->cat[i] >= 0) {
        line_add(l, "%s in ", name);
        line_set(l, mod, i, left);
    } else if (isinf(nd->threshold[i]) && nd->threshold[i] > 0) {
        line_add(l, "%s is %smissing", name, left ? "not " : "");
        return;
    } else {
        line_add(l, "%s %s %.6g", name, left ? "<=" : ">", nd->threshold[i]);
    }
    if (mod->had_missing[f] && nd->miss_left[i] == left)
        line_add(l, " or missing");
}

/* What leaf I predicts, J48's way: the class and (rows/misclassified), or the value (rows). */
static void
line_leaf(struct line *l, const struct tree_model *mod, size_t i)
{
    const struct tree_nodes *nd = &mod->nd;
    const double *v = nd->value + i * mod->nout, w = nd->weight[i];

    if (mod->task == AIWB_TASK_REGRESSION) {
        line_add(l, ": %.6g (%.6g)", v[0], w);
        return;
    }
    size_t best = 0;
    for (size_t c = 1; c < mod->k; c++)
        if (v[c] > v[best])
            best = c;
    double wrong = w * (1 - v[best]);
    if (wrong > 1e-9 * w)
        line_add(l, ": %s (%.6g/%.4g)", mod->classes[best], w, wrong);
    else
        line_add(l, ": %s (%.6g)", mod->classes[best], w);
}

/* The tree as Weka's J48 prints it, at most PRINT_MAX lines, as notes of T. */
static void
print_tree(const struct tree_model *mod, struct aiwb_table *t)
{
    const struct tree_nodes *nd = &mod->nd;
    struct frame {
        size_t node, depth;
        int stage;
    } *stack;
    size_t top = 0, lines = 0, depth, leaves;
    struct line l;

    tree_shape(nd, 0, nd->n, &depth, &leaves);
    if (nd->feature[0] < 0) {
        l.len = 0;
        line_add(&l, "(a single leaf)");
        line_leaf(&l, mod, 0);
        api->table_note(t, l.buf);
        return;
    }
    stack = api->alloc((depth + 1) * sizeof(*stack));
    stack[top++] = (struct frame){0, 0, 0};
    while (top > 0) {
        struct frame *fr = &stack[top - 1];
        size_t i = fr->node, child;
        int left = fr->stage == 0;

        if (fr->stage == 2) {
            top--;
            continue;
        }
        fr->stage++;
        child = (size_t)(left ? nd->left[i] : nd->right[i]);
        if (lines < PRINT_MAX) {
            l.len = 0;
            l.buf[0] = '\0';
            for (size_t dd = 0; dd < fr->depth; dd++)
                line_add(&l, "|   ");
            line_condition(&l, mod, i, left);
            if (nd->feature[child] < 0)
                line_leaf(&l, mod, child);
            api->table_note(t, l.buf);
        }
        lines++;
        if (nd->feature[child] >= 0)
            stack[top++] = (struct frame){child, fr->depth + 1, 0};
    }
    if (lines > PRINT_MAX) {
        char *text = api->format("... %zu more lines (max_depth or ccp_alpha make a smaller tree)",
                                 lines - PRINT_MAX);
        api->table_note(t, text);
        api->free(text);
    }
    api->free(stack);
}

/* One note line from a format; the table copies it. */
static void
note(struct aiwb_table *t, char *text)
{
    api->table_note(t, text);
    api->free(text);
}

/* Feature importances, the tree's shape, and the tree itself. */
static int
tree_report(const void *state, struct aiwb_table *t)
{
    const struct tree_state *s = state;
    const struct tree_model *mod = &s->mod;
    size_t depth, leaves;
    int any_cat = 0;

    if (!s->fitted)
        return AIWB_EINVAL;
    tree_shape(&mod->nd, 0, mod->nd.n, &depth, &leaves);
    api->table_title(t, "tree: feature importances");
    api->table_column(t, "feature", AIWB_TABLE_TEXT);
    api->table_column(t, "importance", AIWB_TABLE_REAL);
    for (size_t j = 0; j < mod->p; j++) {
        api->table_text(t, mod->features[j]);
        api->table_real(t, mod->importance[j]);
        any_cat |= mod->levels[j] != 0;
    }
    note(t, api->format("Importance: the decrease of %s its splits bring, weighted by rows, "
                        "normalised to sum to one",
                        tree_crit_names[s->par.crit]));
    note(t,
         api->format("Depth %zu, %zu leaves (%zu nodes); training %s %.6g on %zu rows", depth,
                     leaves, mod->nd.n, tree_crit_names[s->par.crit], mod->loss, mod->train_rows));
    if (any_cat)
        note(t, api->format("Levels of categorical features are shown by their codes, 0 being "
                            "the first level of the training data"));
    print_tree(mod, t);
    return AIWB_OK;
}

/* Importances (impurity; out-of-bag permutation if asked) and the forest's numbers. */
static int
forest_report(const void *state, struct aiwb_table *t)
{
    const struct tree_state *s = state;
    const struct tree_model *mod = &s->mod;
    double dsum = 0, lsum = 0;
    const int cls = mod->task == AIWB_TASK_CLASSIFICATION;

    if (!s->fitted)
        return AIWB_EINVAL;
    api->table_title(t, "forest: feature importances");
    api->table_column(t, "feature", AIWB_TABLE_TEXT);
    api->table_column(t, "impurity", AIWB_TABLE_REAL);
    if (mod->perm != NULL) {
        api->table_column(t, "oob_permutation", AIWB_TABLE_REAL);
        api->table_column(t, "oob_se", AIWB_TABLE_REAL);
    }
    for (size_t j = 0; j < mod->p; j++) {
        api->table_text(t, mod->features[j]);
        api->table_real(t, mod->importance[j]);
        if (mod->perm != NULL) {
            api->table_real(t, mod->perm[j]);
            api->table_real(t, mod->perm_se[j]);
        }
    }
    for (size_t i = 0; i < mod->n_trees; i++) {
        size_t depth, leaves;
        tree_shape(&mod->nd, mod->start[i], mod->start[i + 1], &depth, &leaves);
        dsum += (double)depth;
        lsum += (double)leaves;
    }
    note(t, api->format("impurity: the mean decrease of %s by the feature's splits, each tree's "
                        "normalised, averaged, normalised to sum to one",
                        tree_crit_names[s->par.crit]));
    if (mod->perm != NULL)
        note(t, api->format("oob_permutation: the rise of the out-of-bag %s when the feature's "
                            "values are shuffled, mean over the trees (oob_se: its standard "
                            "error)",
                            cls ? "error rate" : "mean squared error"));
    note(t, api->format("%zu trees, mean depth %.1f, mean %.1f leaves; max_features %zu of %zu%s",
                        mod->n_trees, dsum / (double)mod->n_trees, lsum / (double)mod->n_trees,
                        mod->mtry, mod->p, s->par.bootstrap ? "; bootstrap samples" : ""));
    if (mod->has_oob && mod->oob_rows > 0)
        note(t, api->format("Out-of-bag %s %.6g (%s %.6g) on %zu of %zu rows",
                            cls ? "error" : "mean squared error", mod->loss,
                            cls ? "accuracy" : "R^2", mod->score, mod->oob_rows,
                            mod->train_rows));
    else if (mod->has_oob)
        note(t, api->format("No out-of-bag rows yet: every row was in every tree's sample"));
    else
        note(t, api->format("Training %s %.6g: without bootstrap there are no out-of-bag rows, "
                            "so this is no estimate of the error on new data",
                            cls ? "error" : "mean squared error", mod->loss));
    return AIWB_OK;
}

/* ---------------------------------------------------------------------------
 * Saving and loading.
 */

/* The node arrays widened to the codec's int64. */
static int
put_i32s(struct aiwb_writer *w, const char *key, size_t n, const int32_t *v)
{
    int64_t *wide = api->alloc((n ? n : 1) * sizeof(int64_t));
    int rc;

    for (size_t i = 0; i < n; i++)
        wide[i] = v[i];
    rc = api->put_ints(w, key, n, wide);
    api->free(wide);
    return rc;
}

static int
tree_save(const void *state, struct aiwb_writer *w)
{
    const struct tree_state *s = state;
    const struct tree_model *mod = &s->mod;
    const struct tree_nodes *nd = &mod->nd;
    const size_t n = nd->n;
    int64_t *v;
    int rc;

    if (!s->fitted)
        return AIWB_EINVAL;
    v = api->alloc((n > mod->p ? n : mod->p) * sizeof(int64_t) + (mod->n_trees + 1) * 8);
    rc = api->put_str(w, "criterion", tree_crit_names[s->par.crit]);
    if (rc == AIWB_OK)
        rc = api->put_int(w, "max_depth", s->par.max_depth);
    if (rc == AIWB_OK)
        rc = api->put_int(w, "min_samples_split", s->par.min_split);
    if (rc == AIWB_OK)
        rc = api->put_int(w, "min_samples_leaf", s->par.min_leaf);
    if (rc == AIWB_OK)
        rc = api->put_real(w, "min_impurity_decrease", s->par.min_decrease);
    if (rc == AIWB_OK)
        rc = api->put_real(w, "ccp_alpha", s->par.ccp_alpha);
    if (rc == AIWB_OK)
        rc = api->put_str(w, "max_features", s->par.max_features);
    if (rc == AIWB_OK)
        rc = api->put_int(w, "mtry", (int64_t)mod->mtry);
    if (rc == AIWB_OK)
        rc = api->put_int(w, "bootstrap", s->par.bootstrap);
    if (rc == AIWB_OK)
        rc = api->put_int(w, "task", mod->task);
    if (rc == AIWB_OK)
        rc = api->put_strs(w, "features", mod->p, (const char *const *)mod->features);
    if (rc == AIWB_OK)
        rc = api->put_int(w, "classes_n", (int64_t)mod->k);
    if (rc == AIWB_OK && mod->k > 0)
        rc = api->put_strs(w, "classes", mod->k, (const char *const *)mod->classes);
    for (size_t j = 0; j < mod->p; j++)
        v[j] = mod->levels[j];
    if (rc == AIWB_OK)
        rc = api->put_ints(w, "levels", mod->p, v);
    for (size_t j = 0; j < mod->p; j++)
        v[j] = mod->had_missing[j];
    if (rc == AIWB_OK)
        rc = api->put_ints(w, "had_missing", mod->p, v);
    for (size_t t = 0; t <= mod->n_trees; t++)
        v[t] = (int64_t)mod->start[t];
    if (rc == AIWB_OK)
        rc = api->put_ints(w, "tree_start", mod->n_trees + 1, v);
    if (rc == AIWB_OK)
        rc = put_i32s(w, "feature", n, nd->feature);
    if (rc == AIWB_OK)
        rc = put_i32s(w, "left", n, nd->left);
    if (rc == AIWB_OK)
        rc = put_i32s(w, "right", n, nd->right);
    for (size_t i = 0; i < n; i++)
        v[i] = nd->miss_left[i];
    if (rc == AIWB_OK)
        rc = api->put_ints(w, "miss_left", n, v);
    if (rc == AIWB_OK)
        rc = api->put_ints(w, "cat", n, nd->cat);
    for (size_t i = 0; i < n; i++)
        v[i] = nd->rows[i];
    if (rc == AIWB_OK)
        rc = api->put_ints(w, "rows", n, v);
    if (rc == AIWB_OK)
        rc = api->put_reals(w, "threshold", n, nd->threshold);
    if (rc == AIWB_OK)
        rc = api->put_reals(w, "value", n * mod->nout, nd->value);
    if (rc == AIWB_OK)
        rc = api->put_reals(w, "weight", n, nd->weight);
    if (rc == AIWB_OK)
        rc = api->put_reals(w, "impurity", n, nd->impurity);
    if (rc == AIWB_OK)
        rc = api->put_ints(w, "bits", nd->nbits, (const int64_t *)nd->bits);
    if (rc == AIWB_OK)
        rc = api->put_reals(w, "importance", mod->p, mod->importance);
    if (rc == AIWB_OK)
        rc = api->put_int(w, "has_perm", mod->perm != NULL);
    if (rc == AIWB_OK && mod->perm != NULL)
        rc = api->put_reals(w, "oob_permutation", mod->p, mod->perm);
    if (rc == AIWB_OK && mod->perm != NULL)
        rc = api->put_reals(w, "oob_se", mod->p, mod->perm_se);
    if (rc == AIWB_OK)
        rc = api->put_real(w, "loss", mod->loss);
    if (rc == AIWB_OK)
        rc = api->put_real(w, "score", mod->score);
    if (rc == AIWB_OK)
        rc = api->put_int(w, "oob_rows", (int64_t)mod->oob_rows);
    if (rc == AIWB_OK)
        rc = api->put_int(w, "train_rows", (int64_t)mod->train_rows);
    if (rc == AIWB_OK)
        rc = api->put_int(w, "has_oob", mod->has_oob);
    api->free(v);
    return rc;
}

/* ---------------------------------------------------------------------------
 * Declarations.
 */

#define OPT_CRITERION                                                                              \
    {.name = "criterion",                                                                          \
     .type = AIWB_OPT_CHOICE,                                                                      \
     .def = "auto",                                                                                \
     .choices = "auto|gini|entropy|squared_error",                                                 \
     .help = "the impurity splits lower: gini or entropy (in bits) for classification, "           \
             "squared_error for regression; auto: gini or squared_error"}
#define OPT_MAX_DEPTH                                                                              \
    {.name = "max_depth",                                                                          \
     .type = AIWB_OPT_INT,                                                                         \
     .def = "0",                                                                                   \
     .min = 0,                                                                                     \
     .max = INFINITY,                                                                              \
     .help = "the deepest a leaf may be (the root is at depth 0); 0: no limit"}
#define OPT_MIN_SPLIT                                                                              \
    {.name = "min_samples_split",                                                                  \
     .type = AIWB_OPT_INT,                                                                         \
     .def = "2",                                                                                   \
     .min = 2,                                                                                     \
     .max = INFINITY,                                                                              \
     .help = "a node with fewer rows is not split"}
#define OPT_MIN_LEAF                                                                               \
    {.name = "min_samples_leaf",                                                                   \
     .type = AIWB_OPT_INT,                                                                         \
     .def = "1",                                                                                   \
     .min = 1,                                                                                     \
     .max = INFINITY,                                                                              \
     .help = "a split must leave at least this many rows on each side"}
#define OPT_MIN_DECREASE                                                                           \
    {.name = "min_impurity_decrease",                                                              \
     .type = AIWB_OPT_REAL,                                                                        \
     .def = "0",                                                                                   \
     .min = 0,                                                                                     \
     .max = INFINITY,                                                                              \
     .help = "a split must lower the impurity by this much, weighted by the node's share of "      \
             "the rows"}
#define OPT_CCP_ALPHA                                                                              \
    {.name = "ccp_alpha",                                                                          \
     .type = AIWB_OPT_REAL,                                                                        \
     .def = "0",                                                                                   \
     .min = 0,                                                                                     \
     .max = INFINITY,                                                                              \
     .help = "minimal cost-complexity pruning: keep the smallest subtree minimising the leaves' "  \
             "impurity + ccp_alpha * leaves (scikit-learn's); 0: no pruning"}

/* Free the training workspace, then the model. */
static void
state_fini(void *state)
{
    state_clear(state);
}

static const struct aiwb_option_spec tree_options[] = {
    OPT_CRITERION,
    OPT_MAX_DEPTH,
    OPT_MIN_SPLIT,
    OPT_MIN_LEAF,
    OPT_MIN_DECREASE,
    OPT_CCP_ALPHA,
    {.name = "max_features",
     .type = AIWB_OPT_STRING,
     .def = "all",
     .help = "features tried at each split, drawn at random: all, sqrt, log2, third, a number "
             "of features, or a fraction such as 0.5"},
    {.name = NULL},
};

static const struct aiwb_option_spec forest_options[] = {
    {.name = "n_trees",
     .type = AIWB_OPT_INT,
     .def = "100",
     .min = 1,
     .max = 1000000,
     .help = "trees in the forest"},
    {.name = "max_features",
     .type = AIWB_OPT_STRING,
     .def = "auto",
     .help = "features tried at each split, drawn at random: all, sqrt, log2, third, a number "
             "of features, or a fraction such as 0.5; auto: sqrt for classification, all for "
             "regression (scikit-learn's defaults)"},
    {.name = "bootstrap",
     .type = AIWB_OPT_BOOL,
     .def = "true",
     .help = "grow each tree on a bootstrap sample of the rows (rows drawn n times with "
             "replacement); the rows left out give the out-of-bag error"},
    {.name = "oob_importance",
     .type = AIWB_OPT_BOOL,
     .def = "false",
     .help = "also measure each feature's importance by shuffling its values among each "
             "tree's out-of-bag rows (Breiman's permutation importance)"},
    {.name = "threads",
     .type = AIWB_OPT_INT,
     .def = "2",
     .min = 1,
     .max = MAX_THREADS,
     .help = "threads growing trees at once; the forest is the same whatever their number"},
    OPT_CRITERION,
    OPT_MAX_DEPTH,
    OPT_MIN_SPLIT,
    OPT_MIN_LEAF,
    OPT_MIN_DECREASE,
    OPT_CCP_ALPHA,
    {.name = NULL},
};

static const struct aiwb_algorithm_type tree_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_algorithm_type),
    .name = "tree",
    .summary = "decision tree (CART): gini, entropy or squared error, cost-complexity pruning",
    .help = "Grows one level per iteration (its loss: the training impurity), as scikit-learn's\n"
            "DecisionTreeClassifier/Regressor: numeric thresholds at midpoints, categorical\n"
            "features split into two sets of levels, missing values sent where each split\n"
            "learned (or to the larger side). `seed=` of train draws the features tried when\n"
            "max_features is below the number of features. Of equally good splits the one\n"
            "on the first feature is kept (scikit-learn's choice depends on random_state).\n"
            "The report prints the tree.",
    .options = tree_options,
    .flags = ALGO_TREE_FLAGS,
    .state_version = ALGO_TREE_STATE_VERSION,
    .state_size = sizeof(struct tree_state),
    .init = tree_init,
    .iterate = tree_iterate,
    .finish = tree_finish,
    .n_outputs = tree_n_outputs,
    .predict = tree_predict,
    .report = tree_report,
    .save = tree_save,
    .load = tree_load,
    .fini = state_fini,
};

static const struct aiwb_algorithm_type forest_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_algorithm_type),
    .name = "forest",
    .summary = "random forest: bootstrap trees, out-of-bag error, feature importances",
    .help = "Grows 4 trees per iteration (its loss: the out-of-bag error so far, the share\n"
            "misclassified or the mean squared error). Predicts the mean of the trees' class\n"
            "shares or values. Tree t draws from its own generator, seeded by train's `seed=`\n"
            "and t, so the forest does not depend on the number of threads. Its trees are\n"
            "the `tree` component's (see `help tree`).",
    .options = forest_options,
    .flags = ALGO_FOREST_FLAGS,
    .state_version = ALGO_FOREST_STATE_VERSION,
    .state_size = sizeof(struct tree_state),
    .init = forest_init,
    .iterate = forest_iterate,
    .finish = forest_finish,
    .n_outputs = tree_n_outputs,
    .predict = tree_predict,
    .report = forest_report,
    .save = tree_save,
    .load = forest_load,
    .fini = state_fini,
};

/* The module's entry point: registers the "tree" and "forest" algorithms. */
int
aiwb_plugin_init(struct aiwb_plugin *p, const struct aiwb_host_api *host)
{
    int rc;

    AIWB_PLUGIN_BEGIN(p, host, api, "tree", "1.0.0");
    algo_tree_bind(host);
    rc = api->register_algorithm(p, &tree_type);
    if (rc == AIWB_OK)
        rc = api->register_algorithm(p, &forest_type);
    return rc;
}
