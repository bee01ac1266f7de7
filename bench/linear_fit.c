/*
 * linear_fit.c - the ols and ridge jobs of bench/jobs.txt: one aiwb
 * algorithm fitted on the shared bench's reg_1m.csv (train = the first
 * 800,000 rows, test = the last 200,000), timed as the scikit-learn anchors
 * time theirs (../shared/bench/anchors/linear_sklearn.py): the fit only.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Built by bench/linear_fit.sh against a build tree (not by make). It loads
 * the build's plugins, reads the CSV with aiwb's csv source and builds the
 * row-major design matrices outside the timed region, then times
 *
 *   fit       the algorithm's init, iterate (until done) and finish on the
 *             prepared problem: what sklearn's fit() does on its arrays;
 *   train     (--pipeline) what `train ALGO on DATA target=y` does short of
 *             the workspace: pipeline_prepare (checks, the design matrix
 *             from the frame's columns), iterate, finish.
 *
 * Usage: linear_fit [--pipeline] LABEL ALGORITHM [OPTION=VALUE ...]
 * Env:   AIWB_BUILD (the build folder, for plugins/.libs), AIWB_DATA (the
 *        data folder, default /tmp/aiwb-bench/data).
 * Prints one line as the anchors do:
 *        LABEL <seconds> r2_test=,r2_train=,intercept=,coef_l2=,load_s=,iterations=
 * The intercept and coefficients are read back through predict(): the
 * prediction at x = 0, and at each unit vector minus it.
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_errno.h>

#include "core/frame.h"
#include "core/options.h"
#include "core/pipeline.h"
#include "core/registry.h"
#include "core/source.h"
#include "core/xalloc.h"

#define TRAIN_ROWS 800000

static double
now(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void
die(const char *what, const char *cause)
{
    fprintf(stderr, "linear_fit: %s%s%s\n", what, cause ? ": " : "", cause ? cause : "");
    exit(1);
}

/* Rows [i0, i1) of the feature columns (all but the last) into a new
 * row-major matrix, the last column into *Y. */
static double *
design(const struct aiwb_frame *f, size_t i0, size_t i1, size_t p, double **y)
{
    double *X = xcalloc((i1 - i0) * p, sizeof(double));

    *y = xcalloc(i1 - i0, sizeof(double));
    for (size_t j = 0; j <= p; j++) {
        const double *c = frame_numeric(f, j);
        if (c == NULL)
            die("reg_1m.csv has a non-numeric column", NULL);
        for (size_t i = i0; i < i1; i++) {
            if (j < p)
                X[(i - i0) * p + j] = c[i];
            else
                (*y)[i - i0] = c[i];
        }
    }
    return X;
}

static double
r2(const double *y, const double *pred, size_t n)
{
    double mean = 0, ss = 0, rss = 0;

    for (size_t i = 0; i < n; i++)
        mean += y[i];
    mean /= (double)n;
    for (size_t i = 0; i < n; i++) {
        ss += (y[i] - mean) * (y[i] - mean);
        rss += (y[i] - pred[i]) * (y[i] - pred[i]);
    }
    return 1 - rss / ss;
}

int
main(int argc, char **argv)
{
    const char *build = getenv("AIWB_BUILD"), *data = getenv("AIWB_DATA");
    int use_pipeline = argc > 1 && strcmp(argv[1], "--pipeline") == 0;
    char *cause = NULL, *dir, *path;
    double t0, t1, load_s, fit_s, icpt, coef_l2 = 0;
    int64_t iterations = 0;
    int rc;

    if (use_pipeline) {
        argc--;
        argv++;
    }
    if (argc < 3 || build == NULL)
        die("usage: AIWB_BUILD=DIR linear_fit [--pipeline] LABEL ALGORITHM [OPTION=VALUE ...]",
            NULL);
    gsl_set_error_handler_off();
    dir = xasprintf("%s/plugins/.libs", build);
    registry_load_path(dir, NULL, NULL);
    const struct component *algo = registry_find(COMPONENT_ALGORITHM, argv[2]);
    if (algo == NULL)
        die("no such algorithm", argv[2]);

    /* Load and split outside the timed region. */
    path = xasprintf("%s/reg_1m.csv", data ? data : "/tmp/aiwb-bench/data");
    t0 = now();
    const struct component *csv = registry_source_for(path);
    struct aiwb_frame *f = csv ? source_read(csv, path, 0, NULL, &cause) : NULL;
    if (f == NULL)
        die(path, cause);
    const size_t n = frame_rows(f), p = frame_cols(f) - 1;
    double *ytr, *yte;
    double *Xtr = design(f, 0, TRAIN_ROWS, p, &ytr), *Xte = design(f, TRAIN_ROWS, n, p, &yte);
    load_s = now() - t0;

    struct aiwb_options *opts =
        options_parse(algo->name, algo->options, (size_t)argc - 3, argv + 3, &cause);
    if (opts == NULL)
        die("options", cause);
    const struct aiwb_algorithm_type *type = algo->type.algorithm;
    void *state = xcalloc(1, type->state_size);
    struct pipeline *pl = NULL;
    struct aiwb_step step;

    if (use_pipeline) {
        size_t *idx = xcalloc(TRAIN_ROWS, sizeof(size_t));
        for (size_t i = 0; i < TRAIN_ROWS; i++)
            idx[i] = i;
        struct aiwb_frame *train = frame_take(f, idx, TRAIN_ROWS);
        struct pipeline_spec spec = {.algorithm = algo, .algo_opts = opts, .target = "y"};
        free(idx);
        t0 = now();
        pl = pipeline_prepare(&spec, train, NULL, &cause);
        if (pl == NULL)
            die("pipeline_prepare", cause);
        do {
            memset(&step, 0, sizeof(step));
            rc = pipeline_iterate(pl, &step, &cause);
            iterations++;
        } while (rc == AIWB_CONTINUE);
        if (rc < 0 || pipeline_finish(pl, &cause) != AIWB_OK)
            die("training failed", cause);
        t1 = now();
        frame_free(train);
        opts = NULL; /* the pipeline's now */
    } else {
        struct aiwb_problem prob = {
            .n = TRAIN_ROWS,
            .p = p,
            .X = Xtr,
            .ldx = p,
            .y = ytr,
            .task = AIWB_TASK_REGRESSION,
            .target_name = "y",
        };
        t0 = now();
        rc = type->init(state, opts, &prob, &cause);
        while (rc == AIWB_OK || rc == AIWB_CONTINUE) {
            memset(&step, 0, sizeof(step));
            rc = type->iterate(state, &prob, &step, &cause);
            iterations++;
            if (rc == AIWB_OK) {
                rc = type->finish(state, &prob, &cause);
                break;
            }
        }
        if (rc != AIWB_OK)
            die("training failed", cause);
        t1 = now();
    }
    fit_s = t1 - t0;

    /* Quality, through predict (the pipeline predicts from frames; the
     * problem's plugin state is used directly otherwise). */
    double *ptr = xcalloc(TRAIN_ROWS, sizeof(double)),
           *pte = xcalloc(n - TRAIN_ROWS, sizeof(double));
    double *unit = xcalloc((p + 1) * p, sizeof(double)), *pu = xcalloc(p + 1, sizeof(double));
    for (size_t j = 0; j < p; j++)
        unit[(j + 1) * p + j] = 1;
    if (use_pipeline) {
        struct prediction pr;
        struct aiwb_frame *uf = frame_new(p + 1);
        for (size_t j = 0; j < p; j++) {
            double *c = frame_add_numeric(uf, frame_col_name(f, j));
            for (size_t i = 0; i <= p; i++)
                c[i] = unit[i * p + j];
        }
        if (pipeline_predict(pl, uf, &pr, NULL, &cause) != 0)
            die("predict", cause);
        memcpy(pu, pr.values, (p + 1) * sizeof(double));
        prediction_release(&pr);
        frame_free(uf);
        /* predictions of the rows: the same linear function */
        for (size_t i = 0; i < n; i++) {
            double v = pu[0];
            const double *xi = i < TRAIN_ROWS ? Xtr + i * p : Xte + (i - TRAIN_ROWS) * p;
            for (size_t j = 0; j < p; j++)
                v += xi[j] * (pu[j + 1] - pu[0]);
            if (i < TRAIN_ROWS)
                ptr[i] = v;
            else
                pte[i - TRAIN_ROWS] = v;
        }
    } else {
        if (type->predict(state, TRAIN_ROWS, Xtr, p, ptr) != AIWB_OK ||
            type->predict(state, n - TRAIN_ROWS, Xte, p, pte) != AIWB_OK ||
            type->predict(state, p + 1, unit, p, pu) != AIWB_OK)
            die("predict failed", NULL);
    }
    icpt = pu[0];
    for (size_t j = 0; j < p; j++)
        coef_l2 += (pu[j + 1] - icpt) * (pu[j + 1] - icpt);
    printf("%s %.6f r2_test=%.10g,r2_train=%.10g,intercept=%.10g,coef_l2=%.10g,load_s=%.10g,"
           "iterations=%lld\n",
           argv[1], fit_s, r2(yte, pte, n - TRAIN_ROWS), r2(ytr, ptr, TRAIN_ROWS), icpt,
           sqrt(coef_l2), load_s, (long long)iterations);

    if (pl != NULL)
        pipeline_free(pl);
    else
        type->fini(state);
    free(state);
    options_free(opts);
    free(ptr);
    free(pte);
    free(unit);
    free(pu);
    free(Xtr);
    free(ytr);
    free(Xte);
    free(yte);
    frame_free(f);
    free(path);
    free(dir);
    registry_shutdown();
    return 0;
}
