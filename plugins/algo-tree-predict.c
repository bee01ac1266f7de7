/*
 * algo-tree-predict.c - the predict half of the tree plugin (tree and forest): loading a
 * fitted state and predicting, shared by the plugin module and the exported prediction
 * server.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <aiwb/plugin.h>

#include "algo-tree.h"
#include "predict-common.h"

static const struct aiwb_host_api *api;

/* The names of the criteria, as models save them (enum tree_criterion's order). */
const char *const tree_crit_names[3] = {"gini", "entropy", "squared_error"};

/*
 * Keep HOST as the table this half calls. The plugin module calls it from
 * aiwb_plugin_init, the server with its own host table, before anything else.
 */
void
algo_tree_bind(const struct aiwb_host_api *host)
{
    api = host;
}

/* Free ND's arrays and zero it. */
void
tree_nodes_free(struct tree_nodes *nd)
{
    api->free(nd->feature);
    api->free(nd->left);
    api->free(nd->right);
    api->free(nd->miss_left);
    api->free(nd->cat);
    api->free(nd->threshold);
    api->free(nd->value);
    api->free(nd->weight);
    api->free(nd->impurity);
    api->free(nd->rows);
    api->free(nd->bits);
    memset(nd, 0, sizeof(*nd));
}

/* Free what the model MOD owns and zero it. */
void
tree_model_clear(struct tree_model *mod)
{
    predict_free_strs(api, mod->features, mod->p);
    predict_free_strs(api, mod->classes, mod->k);
    api->free(mod->levels);
    api->free(mod->had_missing);
    api->free(mod->start);
    tree_nodes_free(&mod->nd);
    api->free(mod->importance);
    api->free(mod->perm);
    api->free(mod->perm_se);
    memset(mod, 0, sizeof(*mod));
}

/* Free the model and the options' strings; keep which component this is and the
 * training part. */
void
tree_state_clear(struct tree_state *s)
{
    int forest = s->forest;
    struct tree_train *tr = s->tr;

    tree_model_clear(&s->mod);
    api->free(s->par.max_features);
    memset(s, 0, sizeof(*s));
    s->forest = forest;
    s->tr = tr;
}

/* The values predict writes a row: a share per class, or the prediction. */
size_t
tree_n_outputs(const void *state)
{
    const struct tree_state *s = state;

    return s->mod.nout;
}

/* The mean of the trees' leaf values: class shares, or the prediction; AIWB_EINVAL
 * before a fit. */
int
tree_predict(const void *state, size_t n, const double *X, size_t ldx, double *out)
{
    const struct tree_state *s = state;
    const struct tree_model *mod = &s->mod;
    const size_t nout = mod->nout;

    if (!s->fitted)
        return AIWB_EINVAL;
    for (size_t i = 0; i < n; i++) {
        const double *x = X + i * ldx;
        double *o = out + i * nout;

        memset(o, 0, nout * sizeof(double));
        for (size_t t = 0; t < mod->n_trees; t++) {
            size_t leaf = tree_walk(&mod->nd, mod->start[t], x, mod->levels, -1, 0);
            const double *v = mod->nd.value + leaf * nout;
            for (size_t c = 0; c < nout; c++)
                o[c] += v[c];
        }
        if (mod->n_trees > 1)
            for (size_t c = 0; c < nout; c++)
                o[c] /= (double)mod->n_trees;
    }
    return AIWB_OK;
}

static int
corrupt(const struct tree_state *s, char **cause, const char *what)
{
    return predict_corrupt(api, cause, tree_who(s), what);
}

/* Read an int64 array of exactly N values (any length when N is SIZE_MAX). */
static int
get_ints_n(struct aiwb_reader *r, const char *key, size_t n, int64_t **v, size_t *got)
{
    size_t len = 0;

    if (api->get_ints(r, key, &len, v) != AIWB_OK)
        return AIWB_EDATA;
    if (got != NULL)
        *got = len;
    return n == SIZE_MAX || len == n ? AIWB_OK : AIWB_EDATA;
}

static int
get_reals_n(struct aiwb_reader *r, const char *key, size_t n, double **v)
{
    size_t len = 0;

    if (api->get_reals(r, key, &len, v) != AIWB_OK)
        return AIWB_EDATA;
    return len == n ? AIWB_OK : AIWB_EDATA;
}

/* The options a model was trained with. */
static int
load_params(struct tree_state *s, struct aiwb_reader *r, char **cause)
{
    struct tree_params *par = &s->par;
    int64_t mtry, bootstrap;
    int c;

    if ((c = predict_get_word(api, r, "criterion", tree_crit_names, 3)) < 0)
        return corrupt(s, cause, "criterion");
    par->crit = c;
    if (api->get_int(r, "max_depth", &par->max_depth) != AIWB_OK)
        return corrupt(s, cause, "max_depth");
    if (api->get_int(r, "min_samples_split", &par->min_split) != AIWB_OK)
        return corrupt(s, cause, "min_samples_split");
    if (api->get_int(r, "min_samples_leaf", &par->min_leaf) != AIWB_OK)
        return corrupt(s, cause, "min_samples_leaf");
    if (api->get_real(r, "min_impurity_decrease", &par->min_decrease) != AIWB_OK)
        return corrupt(s, cause, "min_impurity_decrease");
    if (api->get_real(r, "ccp_alpha", &par->ccp_alpha) != AIWB_OK)
        return corrupt(s, cause, "ccp_alpha");
    if (api->get_str(r, "max_features", &par->max_features) != AIWB_OK)
        return corrupt(s, cause, "max_features");
    if (api->get_int(r, "mtry", &mtry) != AIWB_OK || mtry < 1)
        return corrupt(s, cause, "mtry");
    par->mtry = (size_t)mtry;
    if (api->get_int(r, "bootstrap", &bootstrap) != AIWB_OK)
        return corrupt(s, cause, "bootstrap");
    par->bootstrap = bootstrap != 0;
    return AIWB_OK;
}

/* The names, levels and tree offsets. */
static int
load_shape(struct tree_state *s, struct aiwb_reader *r, char **cause)
{
    struct tree_model *mod = &s->mod;
    int64_t task, k, *v = NULL;
    size_t nc = 0, nt = 0;
    int rc = AIWB_EDATA;

    if (api->get_int(r, "task", &task) != AIWB_OK ||
        (task != AIWB_TASK_REGRESSION && task != AIWB_TASK_CLASSIFICATION))
        return corrupt(s, cause, "task");
    mod->task = (unsigned)task;
    if (api->get_strs(r, "features", &mod->p, &mod->features) != AIWB_OK || mod->p == 0)
        return corrupt(s, cause, "features");
    if (api->get_int(r, "classes_n", &k) != AIWB_OK ||
        (task == AIWB_TASK_CLASSIFICATION) != (k > 0))
        return corrupt(s, cause, "classes_n");
    if (k > 0 && (api->get_strs(r, "classes", &nc, &mod->classes) != AIWB_OK || nc != (size_t)k)) {
        predict_free_strs(api, mod->classes, nc);
        mod->classes = NULL;
        return corrupt(s, cause, "classes");
    }
    mod->k = (size_t)k;
    mod->nout = mod->k > 0 ? mod->k : 1;
    mod->nd.nout = mod->nout;
    mod->levels = api->calloc(mod->p, sizeof(uint32_t));
    mod->had_missing = api->calloc(mod->p, 1);
    if (get_ints_n(r, "levels", mod->p, &v, NULL) != AIWB_OK)
        goto out;
    for (size_t j = 0; j < mod->p; j++) {
        if (v[j] < 0 || v[j] > INT32_MAX)
            goto out;
        mod->levels[j] = (uint32_t)v[j];
    }
    api->free(v);
    v = NULL;
    if (get_ints_n(r, "had_missing", mod->p, &v, NULL) != AIWB_OK) {
        api->free(v);
        return corrupt(s, cause, "had_missing");
    }
    for (size_t j = 0; j < mod->p; j++)
        mod->had_missing[j] = v[j] != 0;
    api->free(v);
    v = NULL;
    if (get_ints_n(r, "tree_start", SIZE_MAX, &v, &nt) != AIWB_OK || nt < 2) {
        api->free(v);
        return corrupt(s, cause, "tree_start");
    }
    mod->n_trees = nt - 1;
    mod->start = api->alloc(nt * sizeof(size_t));
    for (size_t t = 0; t < nt; t++) {
        if (v[t] < 0 || (t == 0 && v[t] != 0) || (t > 0 && v[t] <= v[t - 1])) {
            api->free(v);
            return corrupt(s, cause, "tree_start");
        }
        mod->start[t] = (size_t)v[t];
    }
    rc = AIWB_OK;
out:
    api->free(v);
    return rc == AIWB_OK ? rc : corrupt(s, cause, "levels");
}

/* Check that every node of every tree leads on to nodes of its own tree,
 * on a feature that exists, with a level set inside the pool. */
static int
check_nodes(struct tree_state *s, char **cause)
{
    const struct tree_model *mod = &s->mod;
    const struct tree_nodes *nd = &mod->nd;

    for (size_t t = 0; t < mod->n_trees; t++) {
        for (size_t i = mod->start[t]; i < mod->start[t + 1]; i++) {
            int32_t f = nd->feature[i];
            int bad = 0;

            if (f < 0) {
                for (size_t c = 0; c < mod->nout; c++)
                    bad |= !isfinite(nd->value[i * mod->nout + c]);
            } else if ((size_t)f >= mod->p) {
                bad = 1;
            } else {
                bad = nd->left[i] <= (int64_t)i || nd->right[i] <= (int64_t)i ||
                      (size_t)nd->left[i] >= mod->start[t + 1] ||
                      (size_t)nd->right[i] >= mod->start[t + 1];
                if (mod->levels[f] == 0)
                    bad |= nd->cat[i] != -1 || isnan(nd->threshold[i]);
                else
                    bad |= nd->cat[i] < 0 ||
                           (size_t)nd->cat[i] + tree_words_of(mod->levels[f]) > nd->nbits;
            }
            if (bad) {
                *cause = api->format("%s: the saved model is corrupt: node %zu of tree %zu is "
                                     "not a valid node",
                                     tree_who(s), i - mod->start[t], t + 1);
                return AIWB_EDATA;
            }
        }
    }
    return AIWB_OK;
}

/* Read an int64 array of N values into the int32 array *OUT (new). */
static int
get_i32s(struct aiwb_reader *r, const char *key, size_t n, int32_t **out)
{
    int64_t *v = NULL;
    int rc = get_ints_n(r, key, n, &v, NULL);

    *out = api->alloc((n ? n : 1) * sizeof(int32_t));
    for (size_t i = 0; rc == AIWB_OK && i < n; i++) {
        if (v[i] < INT32_MIN || v[i] > INT32_MAX)
            rc = AIWB_EDATA;
        else
            (*out)[i] = (int32_t)v[i];
    }
    api->free(v);
    return rc;
}

/* The nodes. */
static int
load_nodes(struct tree_state *s, struct aiwb_reader *r, char **cause)
{
    struct tree_model *mod = &s->mod;
    struct tree_nodes *nd = &mod->nd;
    const size_t n = mod->start[mod->n_trees];
    int64_t *v = NULL;
    size_t nb = 0;

    nd->n = nd->cap = n;
    if (get_i32s(r, "feature", n, &nd->feature) != AIWB_OK)
        return corrupt(s, cause, "feature");
    if (get_i32s(r, "left", n, &nd->left) != AIWB_OK)
        return corrupt(s, cause, "left");
    if (get_i32s(r, "right", n, &nd->right) != AIWB_OK)
        return corrupt(s, cause, "right");
    nd->miss_left = api->alloc(n);
    if (get_ints_n(r, "miss_left", n, &v, NULL) != AIWB_OK) {
        api->free(v);
        return corrupt(s, cause, "miss_left");
    }
    for (size_t i = 0; i < n; i++)
        nd->miss_left[i] = v[i] != 0;
    api->free(v);
    if (get_ints_n(r, "cat", n, &nd->cat, NULL) != AIWB_OK)
        return corrupt(s, cause, "cat");
    nd->rows = api->alloc(n * sizeof(uint32_t));
    if (get_ints_n(r, "rows", n, &v, NULL) != AIWB_OK) {
        api->free(v);
        return corrupt(s, cause, "rows");
    }
    for (size_t i = 0; i < n; i++)
        nd->rows[i] = (uint32_t)v[i];
    api->free(v);
    if (get_reals_n(r, "threshold", n, &nd->threshold) != AIWB_OK)
        return corrupt(s, cause, "threshold");
    if (get_reals_n(r, "value", n * mod->nout, &nd->value) != AIWB_OK)
        return corrupt(s, cause, "value");
    if (get_reals_n(r, "weight", n, &nd->weight) != AIWB_OK)
        return corrupt(s, cause, "weight");
    if (get_reals_n(r, "impurity", n, &nd->impurity) != AIWB_OK)
        return corrupt(s, cause, "impurity");
    if (get_ints_n(r, "bits", SIZE_MAX, (int64_t **)&nd->bits, &nb) != AIWB_OK)
        return corrupt(s, cause, "bits");
    nd->nbits = nd->bits_cap = nb;
    return check_nodes(s, cause);
}

/* Importances and the fit's numbers. */
static int
load_numbers(struct tree_state *s, struct aiwb_reader *r, char **cause)
{
    struct tree_model *mod = &s->mod;
    int64_t has_perm, oob_rows, train_rows, has_oob;

    if (get_reals_n(r, "importance", mod->p, &mod->importance) != AIWB_OK)
        return corrupt(s, cause, "importance");
    if (api->get_int(r, "has_perm", &has_perm) != AIWB_OK)
        return corrupt(s, cause, "has_perm");
    if (has_perm && get_reals_n(r, "oob_permutation", mod->p, &mod->perm) != AIWB_OK)
        return corrupt(s, cause, "oob_permutation");
    if (has_perm && get_reals_n(r, "oob_se", mod->p, &mod->perm_se) != AIWB_OK)
        return corrupt(s, cause, "oob_se");
    if (api->get_real(r, "loss", &mod->loss) != AIWB_OK)
        return corrupt(s, cause, "loss");
    if (api->get_real(r, "score", &mod->score) != AIWB_OK)
        return corrupt(s, cause, "score");
    if (api->get_int(r, "oob_rows", &oob_rows) != AIWB_OK || oob_rows < 0)
        return corrupt(s, cause, "oob_rows");
    if (api->get_int(r, "train_rows", &train_rows) != AIWB_OK || train_rows < 0)
        return corrupt(s, cause, "train_rows");
    if (api->get_int(r, "has_oob", &has_oob) != AIWB_OK)
        return corrupt(s, cause, "has_oob");
    mod->oob_rows = (size_t)oob_rows;
    mod->train_rows = (size_t)train_rows;
    mod->has_oob = has_oob != 0;
    mod->mtry = s->par.mtry;
    return AIWB_OK;
}

/* Load a saved model; on failure the state is left empty. */
static int
common_load(struct tree_state *s, struct aiwb_reader *r, unsigned version, char **cause)
{
    int rc;

    rc = predict_model_version(api, tree_who(s), version, ALGO_TREE_STATE_VERSION, cause);
    if (rc != AIWB_OK)
        return rc;
    tree_state_clear(s);
    rc = load_params(s, r, cause);
    if (rc == AIWB_OK)
        rc = load_shape(s, r, cause);
    if (rc == AIWB_OK)
        rc = load_nodes(s, r, cause);
    if (rc == AIWB_OK)
        rc = load_numbers(s, r, cause);
    if (rc == AIWB_OK && !s->forest && s->mod.n_trees != 1)
        rc = corrupt(s, cause, "tree_start");
    if (rc != AIWB_OK) {
        tree_state_clear(s);
        return rc;
    }
    s->par.n_trees = (int64_t)s->mod.n_trees;
    s->fitted = 1;
    return AIWB_OK;
}

/*
 * Load a saved tree (tree_load) or forest (forest_load) into STATE. Returns AIWB_OK;
 * AIWB_ENOTSUP for another state version, AIWB_EDATA for a corrupt model, with *cause
 * set and the state left empty.
 */
int
tree_load(void *state, struct aiwb_reader *r, unsigned version, char **cause)
{
    struct tree_state *s = state;

    s->forest = 0;
    return common_load(s, r, version, cause);
}

/* Load a saved forest into STATE (see tree_load). */
int
forest_load(void *state, struct aiwb_reader *r, unsigned version, char **cause)
{
    struct tree_state *s = state;

    s->forest = 1;
    return common_load(s, r, version, cause);
}

/* Free what load (or a fit) allocated in STATE but the training part. */
void
tree_fini(void *state)
{
    tree_state_clear(state);
}

const struct aiwb_algorithm_type predict_tree = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_algorithm_type),
    .name = "tree",
    .flags = ALGO_TREE_FLAGS,
    .state_version = ALGO_TREE_STATE_VERSION,
    .state_size = sizeof(struct tree_state),
    .n_outputs = tree_n_outputs,
    .predict = tree_predict,
    .load = tree_load,
    .fini = tree_fini,
};

const struct aiwb_algorithm_type predict_forest = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_algorithm_type),
    .name = "forest",
    .flags = ALGO_FOREST_FLAGS,
    .state_version = ALGO_FOREST_STATE_VERSION,
    .state_size = sizeof(struct tree_state),
    .n_outputs = tree_n_outputs,
    .predict = tree_predict,
    .load = forest_load,
    .fini = tree_fini,
};
