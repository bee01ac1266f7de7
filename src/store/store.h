/*
 * store.h - the workspace: one sqlite file holding datasets, runs, their
 * per-iteration curves, evaluations, versioned models (which version is live,
 * where each was exported) and drift reports.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The file is opened in WAL mode with synchronous=NORMAL and a busy timeout,
 * so a crash of the program (kill -9) never leaves it inconsistent and a
 * second aiwb on the same file waits rather than failing. The schema version
 * is PRAGMA user_version; opening an older file migrates it, a newer one is
 * refused. A run still marked 'running' whose process is gone is marked
 * 'interrupted' when the workspace is opened.
 *
 * Every function returning int returns 0 on success or a negative
 * AIWB_E* status with *cause set (the caller frees it).
 */
#ifndef AIWB_STORE_H
#define AIWB_STORE_H

#include <stddef.h>
#include <stdint.h>

struct aiwb_table;
struct store;

#define STORE_SCHEMA_VERSION 6

/* Open (creating if needed) the workspace at PATH. NULL with *cause set on
 * failure: "cannot open workspace 'x.db': ...". Close with store_close(). */
struct store *store_open(const char *path, char **cause);
/* Flush buffered curve points and close; store_close(NULL) does nothing. */
void store_close(struct store *s);
const char *store_path(const struct store *s);

/* Datasets: what was loaded or derived, and how (lineage). */
struct store_dataset {
    const char *name;
    const char *source;  /* path or URI it was read from, or the parent dataset */
    const char *options; /* source options as typed, "" if none */
    const char *lineage; /* how it came to be: "load iris datasets/iris.csv" */
    const char *schema;  /* "sepal_length numeric, species categorical(3)" */
    size_t n_rows, n_cols;
};
/* Record dataset D, replacing an earlier record of the same name. */
int store_dataset_put(struct store *s, const struct store_dataset *d, char **cause);
/* Append one row per dataset to T: name, rows, cols, source, lineage, updated,
 * saved (when `save` kept its data, or empty). T must be empty; the function
 * declares the columns. */
int store_dataset_list(struct store *s, struct aiwb_table *t, char **cause);
/* Keep BLOB (LEN bytes: an encoded frame) as the data of the recorded
 * dataset NAME, so it reopens without its source; AIWB_EINVAL if NAME is not
 * recorded. Recording NAME again (store_dataset_put) drops the data. */
int store_dataset_save(struct store *s, const char *name, const unsigned char *blob, size_t len,
                       char **cause);
/* The saved data of NAME in a new buffer the caller frees, or *blob NULL
 * when it has none (or no such dataset). */
int store_dataset_data(struct store *s, const char *name, unsigned char **blob, size_t *len,
                       char **cause);

/* Runs: one training or cross-validation attempt. */
struct store_run {
    const char *kind;       /* "train", "cv" */
    const char *algorithm;  /* "logistic" */
    const char *transforms; /* "impute(strategy=median),standardize", "" if none */
    const char *options;    /* the algorithm's options, all of them: "C=1 max_iter=100" */
    const char *dataset;
    const char *target;
    uint64_t seed;
    const char *command;    /* the command as typed */
    const char *folds;      /* cross-validation: which folds, "10 folds ..." (else NULL) */
};
/* Start a run with status 'running', owned by this process. *id gets its
 * number (1, 2, ...). */
int store_run_begin(struct store *s, const struct store_run *r, int64_t *id, char **cause);
/* Record value V of NAME at iteration STEP of run ID. Points are buffered
 * and committed together every 100 points or 200 ms, and at run end. */
int store_run_curve(struct store *s, int64_t id, int64_t step, const char *name, double v,
                    char **cause);
/* Commit buffered curve points now. */
int store_flush(struct store *s, char **cause);
/* End run ID with STATUS "finished", "failed", "cancelled" or "interrupted", the number
 * of iterations done and MESSAGE (NULL or a reason). */
int store_run_end(struct store *s, int64_t id, const char *status, int64_t iterations,
                  const char *message, char **cause);
/* The status of run ID ("running", ...) in a new string, or NULL if no such run. */
char *store_run_status(struct store *s, int64_t id);
/* One row per run to T (empty): id, status, algorithm, kind, transforms, dataset,
 * target, model, started, seconds, iterations, loss (the last curve value of
 * "loss", empty if none), message. */
int store_run_list(struct store *s, struct aiwb_table *t, char **cause);
/* Runs OFFSET + 1 to OFFSET + LIMIT of that list, by an indexed walk (the TUI
 * pages a long list instead of loading it), and how many there are. */
int store_run_page(struct store *s, int64_t offset, int64_t limit, struct aiwb_table *t,
                   char **cause);
int store_run_count(struct store *s, int64_t *n, char **cause);
/* One row per curve point of run ID to T (empty): step, name, value. */
int store_curve_list(struct store *s, int64_t id, struct aiwb_table *t, char **cause);

/*
 * Cross-validation: the mean MEAN[i] and standard deviation SD[i] of metric
 * NAMES[i] over the NFOLDS folds of run ID (its curve holds each fold's
 * value, the fold's number as step), replacing what it had.
 */
int store_run_metrics_put(struct store *s, int64_t id, size_t n, const char *const *names,
                          const double *mean, const double *sd, size_t nfolds, char **cause);
/* One row per metric of run ID to T (empty): name, mean, sd, folds. */
int store_run_metrics(struct store *s, int64_t id, struct aiwb_table *t, char **cause);
/*
 * The runs that measured METRIC, best first (the highest first if HIGHER),
 * to T (empty): a cross-validated run's mean, and the latest evaluation on
 * each dataset of each model a run saved. Columns: id, kind, algorithm,
 * transforms, options, dataset, target, METRIC, sd, measured ("10 folds
 * ...", "eval on DATASET"), model.
 */
int store_leaderboard(struct store *s, const char *metric, int higher, struct aiwb_table *t,
                      char **cause);
/* What run ID was, one row (field, value) per field to T (empty): kind,
 * algorithm, transforms, options, dataset, target, seed, folds, command,
 * status, started, seconds, iterations, message. */
int store_run_info(struct store *s, int64_t id, struct aiwb_table *t, char **cause);
/* The latest evaluations of the models run ID saved to T (empty): model,
 * version, dataset, metric, value. */
int store_run_evals(struct store *s, int64_t id, struct aiwb_table *t, char **cause);

/* Evaluations: metric values of a model version on a dataset. */
int store_eval_put(struct store *s, const char *model, int version, const char *dataset,
                   size_t n, const char *const *names, const double *values, char **cause);
/*
 * Every evaluation kept of model NAME at VERSION (0: its latest saved
 * version), in the order they were made, one row per metric to T (empty):
 * id, dataset (null if none was recorded), metric, value, created. An `eval`
 * adds its metrics together, so the last row's dataset is the one of the
 * latest evaluation. No rows when there are none (or no such model).
 */
int store_model_evals(struct store *s, const char *name, int version, struct aiwb_table *t,
                      char **cause);

/* Models: a pipeline blob under a name; each save under the same name is a
 * new version (1, 2, ...). RUN is the run that trained it (0: none). */
struct store_model {
    const char *name;
    int64_t run;
    const char *algorithm;
    const char *dataset;
    const char *target;
    const unsigned char *blob;
    size_t len;
};
int store_model_put(struct store *s, const struct store_model *m, int *version, char **cause);
/* The blob of model NAME at VERSION (0: the latest) in a new buffer the
 * caller frees; *version_out gets the version found. AIWB_EINVAL with
 * "no model 'x' in workspace 'y'" (or "... has no version 3") when absent. */
int store_model_get(struct store *s, const char *name, int version, unsigned char **blob,
                    size_t *len, int *version_out, char **cause);
/* The run that saved model NAME at VERSION (0: the latest): *RUN (0 if none
 * is recorded), *VERSION_OUT (if not NULL) the version found. */
int store_model_run(struct store *s, const char *name, int version, int64_t *run,
                    int *version_out, char **cause);
/*
 * One row per model version to T (empty), by name then version: name,
 * version, algorithm, dataset, target, run, created; the headline metric of
 * its latest evaluation: metric (accuracy, ndcg@K, precision@K, rmse, ari,
 * silhouette, whichever that evaluation has first, else its first metric
 * that is not a count), value, evaluated_on (the dataset); live ("yes" for
 * the version promoted last, else null), since (when it was promoted); bytes,
 * crc32. A version never evaluated or not live has nulls there.
 */
int store_model_list(struct store *s, struct aiwb_table *t, char **cause);
/* The same for the versions of model NAME only (NULL: every model's); no
 * rows when there is no such model. */
int store_model_versions(struct store *s, const char *name, struct aiwb_table *t, char **cause);

/*
 * Promotions (schema version 6): which version of a model is live. Mark
 * VERSION of model NAME live from now, recording the version it replaces
 * (*PREVIOUS, 0 if none was live), DATASET (where the two were compared, or
 * NULL) and NOTE (NULL or "": none). Returns 0; STORE_ALREADY_LIVE, writing
 * nothing, if VERSION is the live one already (*PREVIOUS is then VERSION);
 * AIWB_EINVAL with "no model 'x' in workspace 'y'" or "model 'x' in
 * workspace 'y' has no version 9" when absent.
 */
#define STORE_ALREADY_LIVE 1
int store_promote(struct store *s, const char *name, int version, const char *dataset,
                  const char *note, int *previous, char **cause);
/* The version of model NAME promoted last into *VERSION (0: none, or no such
 * model) and, if SINCE is not NULL, when (a new string the caller frees, or
 * NULL when none is live). */
int store_model_live(struct store *s, const char *name, int *version, char **since,
                     char **cause);
/* One row per promotion of model NAME (every model's if NULL) to T (empty),
 * by model then in the order made: model, version, previous (null if none
 * was live), from, until (when the next promotion replaced it; null for the
 * live one), compared_on (null if none), note (null if none). */
int store_promotion_list(struct store *s, const char *name, struct aiwb_table *t,
                         char **cause);

/* Exports (schema version 6): record that VERSION (> 0) of model NAME was
 * written as a server into FOLDER now; FOLDER is kept as an absolute path
 * when it exists. AIWB_EINVAL for a model or version the workspace lacks. */
int store_export_put(struct store *s, const char *name, int version, const char *folder,
                     char **cause);
/* One row per export of model NAME (every model's if NULL) to T (empty), by
 * model then in the order made: model, version, exported, folder. */
int store_export_list(struct store *s, const char *name, struct aiwb_table *t, char **cause);

/* Names for completion: a new NULL-terminated array of new strings, which
 * the caller frees (each, then the array). */
char **store_model_names(struct store *s);
char **store_dataset_names(struct store *s);

/* Run the integrity check; 0 if sqlite answers "ok". */
int store_check(struct store *s, char **cause);

/*
 * Drift reports (schema version 4): what `drift REF CUR` found, kept so that
 * `show drift REPORT` redraws it. A report, then one row per statistic of
 * each column compared, in the report's order.
 */
struct store_drift_report {
    int64_t id;                 /* set when read back; ignored by store_drift_put */
    const char *ref, *cur;      /* the datasets compared */
    int64_t ref_rows, cur_rows; /* their rows */
    const char *options;        /* the settings used: "stats=psi,ks min_n=100 ..." */
    const char *notes;          /* lines shown under the report, "" if none */
    const char *created;        /* set when read back */
};
struct store_drift_row {
    int64_t seq;          /* the column's place in the report (most severe first) */
    const char *column;
    const char *type;     /* "numeric", "categorical" */
    int64_t n_ref, n_cur; /* the column's non-missing values */
    const char *flag;     /* the column's verdict: "DRIFT", "moderate", ... */
    int64_t stat_seq;     /* the statistic's place among the column's */
    const char *stat;     /* its name: "psi" */
    double value, p, effect, severity; /* a NaN is kept as NULL */
    const char *measure;  /* what effect is: "D" */
    const char *verdict;  /* the statistic's own: "drift", "too few rows" ... */
    const char *binning;  /* NULL if none */
    const char *note;     /* NULL if none */
    const unsigned char *dist; /* the distributions drawn (a codec blob), or NULL */
    size_t dist_len;
};
/* Keep report R and its N rows as a new report; *ID gets its number. */
int store_drift_put(struct store *s, const struct store_drift_report *r, size_t n,
                    const struct store_drift_row *rows, int64_t *id, char **cause);
/*
 * Read report ID back: FN(ARG, report, NULL) once, then FN(ARG, report, row)
 * per row in the report's order, everything borrowed for the call only. FN
 * returns 0 to go on; anything else stops and is returned. FN must not call
 * the store. AIWB_EINVAL with "no drift report 7 in workspace 'x'" if absent.
 */
int store_drift_get(struct store *s, int64_t id,
                    int (*fn)(void *arg, const struct store_drift_report *r,
                              const struct store_drift_row *row),
                    void *arg, char **cause);
/* One row per drift report to T (empty): id, ref, cur, created, columns,
 * drifted (columns flagged DRIFT), options. */
int store_drift_list(struct store *s, struct aiwb_table *t, char **cause);

#endif
