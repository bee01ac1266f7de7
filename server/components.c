/*
 * components.c - the table of the predict halves compiled into the exported
 * server. Adding a plugin's predict half: its bind function and its
 * descriptors here, its files in Makefile.am's PREDICT_SOURCES.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 */
#include "components.h"

#include <string.h>

#include "host.h"

void algo_ols_bind(const struct aiwb_host_api *host);
void algo_logistic_bind(const struct aiwb_host_api *host);
void algo_ridge_bind(const struct aiwb_host_api *host);
void algo_lasso_bind(const struct aiwb_host_api *host);
void algo_robust_bind(const struct aiwb_host_api *host);
void algo_spline_bind(const struct aiwb_host_api *host);
void algo_poisson_bind(const struct aiwb_host_api *host);
void algo_nbayes_bind(const struct aiwb_host_api *host);
void algo_knn_bind(const struct aiwb_host_api *host);
void algo_tree_bind(const struct aiwb_host_api *host);
void algo_mlp_bind(const struct aiwb_host_api *host);
void algo_kmeans_bind(const struct aiwb_host_api *host);
void algo_gmm_bind(const struct aiwb_host_api *host);
void algo_pca_bind(const struct aiwb_host_api *host);
void algo_als_bind(const struct aiwb_host_api *host);
void algo_itemknn_bind(const struct aiwb_host_api *host);
void transform_impute_bind(const struct aiwb_host_api *host);
void transform_standardize_bind(const struct aiwb_host_api *host);
void transform_onehot_bind(const struct aiwb_host_api *host);
void transform_scale_bind(const struct aiwb_host_api *host);
void transform_log_bind(const struct aiwb_host_api *host);
void transform_outliers_bind(const struct aiwb_host_api *host);
void transform_columns_bind(const struct aiwb_host_api *host);
void transform_pca_bind(const struct aiwb_host_api *host);

extern const struct aiwb_algorithm_type predict_ols;
extern const struct aiwb_algorithm_type predict_logistic;
extern const struct aiwb_algorithm_type predict_ridge;
extern const struct aiwb_algorithm_type predict_lasso;
extern const struct aiwb_algorithm_type predict_elasticnet;
extern const struct aiwb_algorithm_type predict_robust;
extern const struct aiwb_algorithm_type predict_spline;
extern const struct aiwb_algorithm_type predict_poisson;
extern const struct aiwb_algorithm_type predict_nbayes;
extern const struct aiwb_algorithm_type predict_knn;
extern const struct aiwb_algorithm_type predict_tree;
extern const struct aiwb_algorithm_type predict_forest;
extern const struct aiwb_algorithm_type predict_mlp;
extern const struct aiwb_algorithm_type predict_kmeans;
extern const struct aiwb_algorithm_type predict_gmm;
extern const struct aiwb_algorithm_type predict_pca;
extern const struct aiwb_algorithm_type predict_als;
extern const struct aiwb_algorithm_type predict_itemknn;
extern const struct aiwb_algorithm_type predict_popular;
extern const struct aiwb_transform_type apply_impute;
extern const struct aiwb_transform_type apply_standardize;
extern const struct aiwb_transform_type apply_onehot;
extern const struct aiwb_transform_type apply_minmax;
extern const struct aiwb_transform_type apply_robust;
extern const struct aiwb_transform_type apply_log;
extern const struct aiwb_transform_type apply_clip;
extern const struct aiwb_transform_type apply_select;
extern const struct aiwb_transform_type apply_drop;
extern const struct aiwb_transform_type apply_rename;
extern const struct aiwb_transform_type apply_pca;

static void (*const binders[])(const struct aiwb_host_api *) = {
    algo_ols_bind,
    algo_logistic_bind,
    algo_ridge_bind,
    algo_lasso_bind,
    algo_robust_bind,
    algo_spline_bind,
    algo_poisson_bind,
    algo_nbayes_bind,
    algo_knn_bind,
    algo_tree_bind,
    algo_mlp_bind,
    algo_kmeans_bind,
    algo_gmm_bind,
    algo_pca_bind,
    algo_als_bind,
    algo_itemknn_bind,
    transform_impute_bind,
    transform_standardize_bind,
    transform_onehot_bind,
    transform_scale_bind,
    transform_log_bind,
    transform_outliers_bind,
    transform_columns_bind,
    transform_pca_bind,
};

static const struct aiwb_algorithm_type *const algorithms[] = {
    &predict_ols,
    &predict_logistic,
    &predict_ridge,
    &predict_lasso,
    &predict_elasticnet,
    &predict_robust,
    &predict_spline,
    &predict_poisson,
    &predict_nbayes,
    &predict_knn,
    &predict_tree,
    &predict_forest,
    &predict_mlp,
    &predict_kmeans,
    &predict_gmm,
    &predict_pca,
    &predict_als,
    &predict_itemknn,
    &predict_popular,
};

static const struct aiwb_transform_type *const transforms[] = {
    &apply_impute,
    &apply_standardize,
    &apply_onehot,
    &apply_minmax,
    &apply_robust,
    &apply_log,
    &apply_clip,
    &apply_select,
    &apply_drop,
    &apply_rename,
    &apply_pca,
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

void
components_bind(void)
{
    for (size_t i = 0; i < COUNT(binders); i++)
        binders[i](host_api());
}

const struct aiwb_transform_type *
components_transform(const char *name)
{
    for (size_t i = 0; i < COUNT(transforms); i++)
        if (strcmp(transforms[i]->name, name) == 0)
            return transforms[i];
    return NULL;
}

const struct aiwb_algorithm_type *
components_algorithm(const char *name)
{
    for (size_t i = 0; i < COUNT(algorithms); i++)
        if (strcmp(algorithms[i]->name, name) == 0)
            return algorithms[i];
    return NULL;
}

void
components_list(FILE *out)
{
    for (size_t i = 0; i < COUNT(transforms); i++)
        fprintf(out, "transform %s\n", transforms[i]->name);
    for (size_t i = 0; i < COUNT(algorithms); i++)
        fprintf(out, "algorithm %s\n", algorithms[i]->name);
}
