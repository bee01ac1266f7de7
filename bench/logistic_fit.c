/*
 * logistic_fit.c - the logistic job of bench/jobs.txt: aiwb's logistic
 * plugin fitted on the shared bench's cls_200k.csv (train = the first
 * 160,000 rows, test = the last 40,000), timed as the scikit-learn anchor
 * times its fit (../shared/bench/anchors/logreg_sklearn.py).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Built by bench/logistic_fit.sh against a build tree (not by make), as
 * bench/linear_fit.c is. It loads the build's plugins, reads the CSV with
 * aiwb's csv source and builds the row-major design matrices outside the
 * timed region, then times the algorithm's init, iterate (until done) and
 * finish on the prepared problem: what LogisticRegression.fit() does on its
 * arrays, and what LIBLINEAR's train() does on its problem.
 *
 * Usage: logistic_fit LABEL [OPTION=VALUE ...]   (e.g. logistic_fit aiwb_logreg C=1)
 * Env:   AIWB_BUILD (the build folder, for plugins/.libs), AIWB_DATA (the
 *        data folder, default /tmp/aiwb-bench/data).
 * Prints one line as the anchors do:
 *        LABEL <seconds> acc=,logloss=,n_iter=,obj=,intercept=,init_s=,cpu_s=,load_s=
 * with the anchor's definitions: acc and logloss (mean, probabilities
 * clipped to [1e-15, 1 - 1e-15] as sklearn's log_loss) on the test rows, obj
 * = C * sum of the training log-losses + 0.5 ||w||^2 (the intercept not
 * penalised), n_iter the iterate() calls, init_s the part of the seconds
 * spent in init(), cpu_s the CPU time of the process (all its threads)
 * over the same region: on a busy machine, a steadier measure of the work.
 * The weights are read back through predict(): the log-odds at each unit
 * vector minus those at x = 0.
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

#define TRAIN_ROWS 160000

static double
clock_s(clockid_t id)
{
    struct timespec t;

    clock_gettime(id, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double
now(void)
{
    return clock_s(CLOCK_MONOTONIC);
}

static void
die(const char *what, const char *cause)
{
    fprintf(stderr, "logistic_fit: %s%s%s\n", what, cause ? ": " : "", cause ? cause : "");
    exit(1);
}

/* Rows [i0, i1) of the feature columns (all but the last) into a new
 * row-major matrix, the last column (0 or 1) into *Y. */
static double *
design(const struct aiwb_frame *f, size_t i0, size_t i1, size_t p, double **y)
{
    double *X = xcalloc((i1 - i0) * p, sizeof(double));

    *y = xcalloc(i1 - i0, sizeof(double));
    for (size_t j = 0; j <= p; j++) {
        const double *c = frame_numeric(f, j);
        if (c == NULL)
            die("cls_200k.csv has a non-numeric column", NULL);
        for (size_t i = i0; i < i1; i++) {
            if (j < p) {
                X[(i - i0) * p + j] = c[i];
            } else {
                if (c[i] != 0 && c[i] != 1)
                    die("cls_200k.csv: a label is not 0 or 1", NULL);
                (*y)[i - i0] = c[i];
            }
        }
    }
    return X;
}

/* The log-loss of one row from its probability of class 1, as sklearn's log_loss. */
static double
row_loss(double p1, double y)
{
    double p = y == 1 ? p1 : 1 - p1;

    if (p < 1e-15)
        p = 1e-15;
    if (p > 1 - 1e-15)
        p = 1 - 1e-15;
    return -log(p);
}

int
main(int argc, char **argv)
{
    const char *build = getenv("AIWB_BUILD"), *data = getenv("AIWB_DATA");
    static const char *const classes[] = {"0", "1"};
    char *cause = NULL, *dir, *path;
    double t0, t1, t_init, c0, c1, load_s, C = 1;
    long long iterations = 0;
    int rc;

    if (argc < 2 || build == NULL)
        die("usage: AIWB_BUILD=DIR logistic_fit LABEL [OPTION=VALUE ...]", NULL);
    gsl_set_error_handler_off();
    dir = xasprintf("%s/plugins/.libs", build);
    registry_load_path(dir, NULL, NULL);
    const struct component *algo = registry_find(COMPONENT_ALGORITHM, "logistic");
    if (algo == NULL)
        die("no algorithm logistic in", dir);

    /* Load and split outside the timed region. */
    path = xasprintf("%s/cls_200k.csv", data ? data : "/tmp/aiwb-bench/data");
    t0 = now();
    const struct component *csv = registry_source_for(path);
    struct aiwb_frame *f = csv ? source_read(csv, path, 0, NULL, &cause) : NULL;
    if (f == NULL)
        die(path, cause);
    const size_t n = frame_rows(f), p = frame_cols(f) - 1, nte = n - TRAIN_ROWS;
    double *ytr, *yte;
    double *Xtr = design(f, 0, TRAIN_ROWS, p, &ytr), *Xte = design(f, TRAIN_ROWS, n, p, &yte);
    load_s = now() - t0;

    struct aiwb_options *opts =
        options_parse(algo->name, algo->options, (size_t)argc - 2, argv + 2, &cause);
    if (opts == NULL)
        die("options", cause);
    for (int a = 2; a < argc; a++)
        if (strncmp(argv[a], "C=", 2) == 0)
            C = strtod(argv[a] + 2, NULL);
    const struct aiwb_algorithm_type *type = algo->type.algorithm;
    void *state = xcalloc(1, type->state_size);
    struct aiwb_problem prob = {
        .n = TRAIN_ROWS,
        .p = p,
        .X = Xtr,
        .ldx = p,
        .y = ytr,
        .task = AIWB_TASK_CLASSIFICATION,
        .n_classes = 2,
        .class_names = classes,
        .target_name = "y",
    };
    struct aiwb_step step;

    c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    t0 = now();
    rc = type->init(state, opts, &prob, &cause);
    t_init = now();
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
    c1 = clock_s(CLOCK_PROCESS_CPUTIME_ID);

    /* Quality, through predict: probabilities n x 2. */
    double *ptr = xcalloc(2 * TRAIN_ROWS, sizeof(double)), *pte = xcalloc(2 * nte, sizeof(double));
    double *unit = xcalloc((p + 1) * p, sizeof(double)), *pu = xcalloc(2 * (p + 1), sizeof(double));
    double ll_train = 0, ll_test = 0, w2 = 0, correct = 0;

    for (size_t j = 0; j < p; j++)
        unit[(j + 1) * p + j] = 1;
    if (type->predict(state, TRAIN_ROWS, Xtr, p, ptr) != AIWB_OK ||
        type->predict(state, nte, Xte, p, pte) != AIWB_OK ||
        type->predict(state, p + 1, unit, p, pu) != AIWB_OK)
        die("predict failed", NULL);
    for (size_t i = 0; i < TRAIN_ROWS; i++)
        ll_train += row_loss(ptr[2 * i + 1], ytr[i]);
    for (size_t i = 0; i < nte; i++) {
        ll_test += row_loss(pte[2 * i + 1], yte[i]);
        correct += (pte[2 * i + 1] >= 0.5) == (yte[i] == 1);
    }
    /* log-odds log(p1 / p0), exact enough for weights of moderate size */
    const double b = log(pu[1] / pu[0]);
    for (size_t j = 0; j < p; j++) {
        double wj = log(pu[2 * (j + 1) + 1] / pu[2 * (j + 1)]) - b;
        w2 += wj * wj;
    }
    printf("%s %.6f acc=%.10g,logloss=%.10g,n_iter=%lld,obj=%.10g,intercept=%.10g,init_s=%.4f,"
           "cpu_s=%.4f,load_s=%.4f\n",
           argv[1], t1 - t0, correct / (double)nte, ll_test / (double)nte, iterations,
           C * ll_train + 0.5 * w2, b, t_init - t0, c1 - c0, load_s);

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
