/*
 * algo-tree.h - what the two halves of the tree plugin (the algorithms tree and forest)
 * share: the fitted state, its version, the algorithms' flags, walking a tree and the
 * predict half's functions.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 */
#ifndef AIWB_ALGO_TREE_H
#define AIWB_ALGO_TREE_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include <aiwb/plugin.h>

/* The version of the saved states (keep: saved models must still load). */
#define ALGO_TREE_STATE_VERSION 1
#define ALGO_FOREST_STATE_VERSION 1

#define ALGO_TREE_FLAGS                                                                            \
    (AIWB_TASK_CLASSIFICATION | AIWB_TASK_REGRESSION | AIWB_CAP_CATEGORICAL | AIWB_CAP_MISSING |   \
     AIWB_CAP_WEIGHTS)
#define ALGO_FOREST_FLAGS ALGO_TREE_FLAGS

enum tree_criterion { CRIT_GINI = 0, CRIT_ENTROPY = 1, CRIT_MSE = 2 };
extern const char *const tree_crit_names[3];

/* The options, checked. */
struct tree_params {
    int crit;
    int64_t max_depth; /* 0: no limit */
    int64_t min_split, min_leaf;
    double min_decrease, ccp_alpha;
    char *max_features; /* as given */
    size_t mtry;        /* what it means for these data */
    int64_t n_trees, threads;
    int bootstrap, oob_importance;
};

/* Nodes in flat arrays; a leaf has feature -1. */
struct tree_nodes {
    size_t n, cap, nout;
    int32_t *feature, *left, *right;
    uint8_t *miss_left; /* where missing values and unseen levels go */
    int64_t *cat;       /* offset in bits of the set of levels going left; -1: numeric */
    double *threshold;  /* numeric: x <= threshold goes left */
    double *value;      /* nout per node: class shares or the mean */
    double *weight;     /* the rows' weight */
    double *impurity;
    uint32_t *rows;
    size_t nbits, bits_cap;
    uint64_t *bits;
};

/* A fitted model: one tree, or a forest. */
struct tree_model {
    unsigned task;
    size_t p, k, nout; /* features, classes (0 for regression), outputs */
    char **features, **classes;
    uint32_t *levels;     /* p: 0 for numeric, else the number of levels */
    uint8_t *had_missing; /* p: the feature had missing values in training */
    size_t n_trees;
    size_t *start; /* n_trees + 1: where each tree's nodes begin */
    struct tree_nodes nd;
    double *importance; /* p: impurity decrease, normalised */
    double *perm;       /* p: out-of-bag permutation importance, or NULL */
    double *perm_se;    /* p: its standard error over the trees */
    size_t mtry;
    size_t train_rows;
    double loss;  /* tree: training impurity; forest: out-of-bag (or training) error */
    double score; /* forest: out-of-bag accuracy or R^2 */
    size_t oob_rows;
    int has_oob;
};

/* What exists only while training (the fit half's). */
struct tree_train;

struct tree_state {
    int forest;
    struct tree_params par;
    struct tree_model mod;
    struct tree_train *tr; /* the fit half's */
    int fitted;
};

/* The algorithm S is, for messages. */
static inline const char *
tree_who(const struct tree_state *s)
{
    return s->forest ? "forest" : "tree";
}

/* Words of a bitset of LEVELS levels. */
static inline size_t
tree_words_of(uint32_t levels)
{
    return ((size_t)levels + 63) / 64;
}

/* Whether value X of feature F goes left at node I. */
static inline int
tree_goes_left(const struct tree_nodes *nd, size_t i, double x, const uint32_t *levels)
{
    if (isnan(x))
        return nd->miss_left[i];
    if (nd->cat[i] < 0)
        return x <= nd->threshold[i];
    if (!(x >= 0 && x < (double)levels[nd->feature[i]]))
        return nd->miss_left[i];
    size_t c = (size_t)x;
    return (int)((nd->bits[nd->cat[i] + (int64_t)(c >> 6)] >> (c & 63)) & 1);
}

/* The leaf row X reaches from node I; feature JO reads VO instead (JO < 0: none). */
static inline size_t
tree_walk(const struct tree_nodes *nd, size_t i, const double *x, const uint32_t *levels,
          int32_t jo, double vo)
{
    int32_t f;

    while ((f = nd->feature[i]) >= 0) {
        double v = f == jo ? vo : x[f];
        i = (size_t)(tree_goes_left(nd, i, v, levels) ? nd->left[i] : nd->right[i]);
    }
    return i;
}

/* Keep HOST as the table the predict half calls; the module does it first thing. */
void algo_tree_bind(const struct aiwb_host_api *host);

/* Free ND's arrays and zero it. */
void tree_nodes_free(struct tree_nodes *nd);
/* Free what the model MOD owns and zero it. */
void tree_model_clear(struct tree_model *mod);
/* Free the model and the options' strings of S and zero it all but which component it
 * is and s->tr, the training workspace, which the fit half frees. */
void tree_state_clear(struct tree_state *s);

/*
 * The algorithms' functions (struct aiwb_algorithm_type), the same for tree and forest
 * but load: the values predict writes a row (classes, or 1); the mean of the trees'
 * leaf values for N rows (thread-safe, it writes nothing but OUT; AIWB_EINVAL before a
 * fit); load a saved tree or forest (AIWB_ENOTSUP for another state version, AIWB_EDATA
 * with *cause set for a corrupt one, the state then empty); free what load allocated.
 */
size_t tree_n_outputs(const void *state);
int tree_predict(const void *state, size_t n, const double *X, size_t ldx, double *out);
int tree_load(void *state, struct aiwb_reader *r, unsigned version, char **cause);
int forest_load(void *state, struct aiwb_reader *r, unsigned version, char **cause);
void tree_fini(void *state);

/* The predict halves of "tree" and "forest", as the exported server registers them. */
extern const struct aiwb_algorithm_type predict_tree;
extern const struct aiwb_algorithm_type predict_forest;

#endif
