/*
 * fit.c - the words, the training loop and the saving that train, retrain,
 * cv and tune share.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include "repl/fit.h"

#include <stdlib.h>
#include <string.h>

#include "core/numfmt.h"
#include "core/options.h"
#include "core/registry.h"
#include "core/table.h"
#include "core/xalloc.h"
#include "repl/cmd.h"
#include "repl/jobs.h"
#include "repl/session.h"
#include "store/store.h"

/* The word after KEY= in W, or NULL if W is not KEY=... */
static const char *
value_of(const char *w, const char *key)
{
    size_t n = strlen(key);

    return strncmp(w, key, n) == 0 && w[n] == '=' ? w + n + 1 : NULL;
}

/* Handle the cv/tune word W; 1 if it was one, 0 if not, -1 after cmd_error(). */
static int
extra_word(struct session *s, unsigned extra, const char *w, struct fit_args *a)
{
    const char *v;

    if ((extra & FIT_FOLDS) && (v = value_of(w, "folds")) != NULL) {
        if (cmd_parse_size(s, "folds", v, &a->folds) < 0)
            return -1;
        if (a->folds < 2) {
            cmd_error(s, "%s: folds must be 2 or more, not %s", a->cmd, v);
            return -1;
        }
        return 1;
    }
    if ((extra & FIT_FOLDS) && strcmp(w, "stratify") == 0) {
        a->stratify = "";
        return 1;
    }
    if ((extra & FIT_FOLDS) && (v = value_of(w, "stratify")) != NULL) {
        a->stratify = v;
        return 1;
    }
    if ((extra & FIT_GRID) && (v = value_of(w, "grid")) != NULL) {
        a->grid = v;
        return 1;
    }
    if ((extra & FIT_GRID) && (v = value_of(w, "by")) != NULL) {
        a->by = v;
        return 1;
    }
    return 0;
}

int
fit_parse(struct session *s, const char *cmd, unsigned extra, int argc, char **argv,
          struct fit_args *a)
{
    memset(a, 0, sizeof *a);
    a->cmd = cmd;
    a->seed = FIT_DEFAULT_SEED;
    strbuf_init(&a->with);
    a->opts = xcalloc((size_t)argc + 1, sizeof *a->opts);
    if (argc < 3 || strcmp(argv[1], "on") != 0) {
        char *cause = NULL;
        const struct cmd_entry *e = cmd_find(cmd, &cause);

        cmd_error(s, "%s: expected `on DATASET` after the algorithm; usage: %s", cmd,
                  e != NULL ? e->usage : cmd);
        free(cause);
        return -1;
    }
    a->algorithm = argv[0];
    a->dataset = argv[2];
    for (int i = 3; i < argc; i++) {
        const char *w = argv[i], *v;
        int r;

        if (strcmp(w, "as") == 0) {
            if (i + 1 >= argc || a->model != NULL) {
                cmd_error(s, "%s: `as` needs one model name", cmd);
                return -1;
            }
            a->model = argv[++i];
        } else if (strcmp(w, "with") == 0) {
            if (a->with.len > 0 || i + 1 >= argc) {
                cmd_error(s, "%s: `with` needs one list of transforms (with T1,T2(OPTION=VALUE))",
                          cmd);
                return -1;
            }
            /* The list may be spread over words: "impute, standardize". */
            do {
                strbuf_adds(&a->with, argv[++i]);
            } while (i + 1 < argc &&
                     (a->with.buf[a->with.len - 1] == ',' || argv[i + 1][0] == ','));
        } else if ((v = value_of(w, "target")) != NULL) {
            a->target = v;
        } else if ((v = value_of(w, "user")) != NULL) {
            a->user = v;
        } else if ((v = value_of(w, "item")) != NULL) {
            a->item = v;
        } else if ((v = value_of(w, "seed")) != NULL) {
            if (cmd_parse_size(s, "seed", v, &a->seed) < 0)
                return -1;
        } else if ((r = extra_word(s, extra, w, a)) != 0) {
            if (r < 0)
                return -1;
        } else if (strchr(w, '=') != NULL) {
            a->opts[a->nopts++] = argv[i];
        } else {
            cmd_error(s, "%s: unexpected '%s' (options are written OPTION=VALUE)", cmd, w);
            return -1;
        }
    }
    if (a->target != NULL && *a->target == '\0') {
        cmd_error(s, "%s: target= needs a column name", cmd);
        return -1;
    }
    if (a->model != NULL && !session_valid_name(a->model)) {
        cmd_error(s, "'%s' is not a valid model name (letters, digits, _ . -)", a->model);
        return -1;
    }
    return 0;
}

void
fit_args_release(struct fit_args *a)
{
    free(a->opts);
    strbuf_release(&a->with);
    memset(a, 0, sizeof *a);
}

int
fit_spec(struct session *s, const struct fit_args *a, size_t nextra, char **extra,
         struct pipeline_spec *spec)
{
    char **words, *cause = NULL;

    memset(spec, 0, sizeof *spec);
    if ((spec->algorithm = registry_find(COMPONENT_ALGORITHM, a->algorithm)) == NULL) {
        char *all = cmd_component_names(COMPONENT_ALGORITHM);

        cmd_error(s, "no algorithm '%s' (algorithms: %s)%s", a->algorithm, all,
                  registry_find(COMPONENT_TRANSFORM, a->algorithm) != NULL
                      ? "; transforms go after `with`" : "");
        free(all);
        return -1;
    }
    if (cmd_parse_with(s, strbuf_str(&a->with), &spec->tf, &spec->n_tf) < 0)
        return -1;
    words = xcalloc(a->nopts + nextra + 1, sizeof *words);
    memcpy(words, a->opts, a->nopts * sizeof *words);
    if (nextra > 0)
        memcpy(words + a->nopts, extra, nextra * sizeof *words);
    spec->algo_opts = options_parse(a->algorithm, spec->algorithm->options, a->nopts + nextra,
                                    words, &cause);
    free(words);
    if (spec->algo_opts == NULL) {
        cmd_error(s, "%s", cause);
        free(cause);
        cmd_free_with(spec->tf, spec->n_tf);
        memset(spec, 0, sizeof *spec);
        return -1;
    }
    spec->target = a->target;
    spec->seed = a->seed;
    spec->user = a->user;
    spec->item = a->item;
    return 0;
}

int
fit_check(struct session *s, const struct fit_args *a, size_t nextra, char **extra)
{
    struct pipeline_spec spec;
    unsigned tasks;

    if (fit_spec(s, a, nextra, extra, &spec) < 0)
        return -1;
    tasks = spec.algorithm->flags & AIWB_TASK_MASK;
    options_free(spec.algo_opts);
    cmd_free_with(spec.tf, spec.n_tf);
    if (a->target == NULL && !(tasks & ~(AIWB_TASK_REGRESSION | AIWB_TASK_CLASSIFICATION))) {
        cmd_error(s, "%s: %s learns a target: say which column with target=COLUMN", a->cmd,
                  a->algorithm);
        return -1;
    }
    return 0;
}

/* Show how training goes: a line rewritten in place for a person watching. */
static void
show_progress(struct session *s, const char *prefix, const struct aiwb_step *st, int final)
{
    if (!s->interactive || s->tui != NULL) /* the TUI shows it in its status line */
        return;
    fprintf(s->out.err, "\r  %s%siteration %lld", prefix, *prefix ? "  " : "",
            (long long)st->iteration);
    for (size_t i = 0, shown = 0; i < st->n && shown < 4; i++) {
        char buf[NUMFMT_BUFSZ];

        if (strcmp(st->names[i], "converged") == 0)
            continue; /* a flag, said in words at the end */
        fprintf(s->out.err, "  %s %s", st->names[i], numfmt_sig(buf, st->values[i], 6));
        shown++;
    }
    /* The last state stays on screen; within a larger task (a fold) the
     * line is cleared for the task's own report. */
    fputs(!final ? "   " : *prefix ? "\r\033[K" : "\n", s->out.err);
    fflush(s->out.err);
}

void
fit_loop(struct session *s, struct pipeline *p, int64_t run, const char *prefix,
         struct fit_outcome *o)
{
    struct aiwb_step st;
    char *cause = NULL;

    memset(o, 0, sizeof *o);
    jobs_curve_begin(prefix);
    for (;;) {
        /* In a background job, the prompt's commands run during the step. */
        jobs_release();
        o->rc = pipeline_iterate(p, &st, &o->cause);
        jobs_reacquire();
        if (o->rc < 0)
            break;
        o->iterations = st.iteration;
        o->last = st;
        for (size_t i = 0; run > 0 && i < st.n; i++) {
            if (store_run_curve(s->store, run, st.iteration, st.names[i], st.values[i],
                                &cause) < 0) {
                fprintf(s->out.err, "warning: %s\n", cause);
                free(cause);
                cause = NULL;
            }
        }
        jobs_curve_step(&st);
        show_progress(s, prefix, &st, 0);
        if (o->rc != AIWB_CONTINUE)
            break;
        if (jobs_stopping()) {
            o->stopped = 1;
            break;
        }
    }
    if (o->iterations > 0)
        show_progress(s, prefix, &o->last, 1);
}

/* Whether the algorithm said its last step did not converge (plugin.h). */
static int
ran_out(const struct fit_outcome *o)
{
    for (size_t i = 0; i < o->last.n; i++)
        if (strcmp(o->last.names[i], "converged") == 0)
            return o->last.values[i] == 0;
    return 0;
}

char *
fit_describe(const struct fit_outcome *o)
{
    struct strbuf sb = STRBUF_INIT;

    if (o->stopped)
        strbuf_addf(&sb, "stopped by the user after %lld iteration%s; the model as it stood "
                         "was kept", (long long)o->iterations, o->iterations == 1 ? "" : "s");
    else if (o->rc == AIWB_OK && !ran_out(o) && o->iterations == 1)
        strbuf_adds(&sb, "fitted in one step"); /* ols, knn, nbayes ...: nothing to converge */
    else if (o->rc == AIWB_OK && !ran_out(o))
        strbuf_addf(&sb, "converged after %lld iteration%s", (long long)o->iterations,
                    o->iterations == 1 ? "" : "s");
    else
        strbuf_addf(&sb, "stopped after %lld iteration%s without converging",
                    (long long)o->iterations, o->iterations == 1 ? "" : "s");
    /* The first numbers an iteration reports are the telling ones (loss
     * first); whether it converged is said in words above. */
    for (size_t i = 0, shown = 0; i < o->last.n && shown < 3; i++) {
        char buf[NUMFMT_BUFSZ];

        if (strcmp(o->last.names[i], "converged") == 0)
            continue;
        strbuf_addf(&sb, "%s %s %s", shown++ ? "," : ";", o->last.names[i],
                    numfmt_sig(buf, o->last.values[i], 6));
    }
    return strbuf_detach(&sb, NULL);
}

int
fit_save(struct session *s, struct pipeline *p, const char *name, int64_t run,
         const struct fit_args *a)
{
    struct store_model m = {0};
    unsigned char *blob;
    char *cause = NULL;
    int version = -1;

    if ((blob = pipeline_save(p, &m.len, &cause)) == NULL) {
        cmd_error(s, "cannot save model '%s': %s", name, cause);
        free(cause);
        return -1;
    }
    m.name = name;
    m.run = run;
    m.algorithm = a->algorithm;
    m.dataset = a->dataset;
    m.target = a->target;
    m.blob = blob;
    if (store_model_put(s->store, &m, &version, &cause) < 0) {
        cmd_error(s, "%s", cause);
        free(cause);
        version = -1;
    }
    free(blob);
    return version;
}

int
fit_train(struct session *s, const struct fit_args *a, const struct aiwb_frame *data,
          char **model)
{
    struct pipeline_spec spec;
    struct pipeline *p;
    struct fit_outcome o = {0};
    struct store_run run = {0};
    struct aiwb_table *t;
    char *cause = NULL, *notes = NULL, *how = NULL, *name = NULL;
    int64_t run_id = 0;
    int version = -1;

    if (fit_spec(s, a, 0, NULL, &spec) < 0)
        return -1;
    /* From here the pipeline owns the option sets. */
    p = pipeline_prepare(&spec, data, &notes, &cause);
    free(spec.tf);
    if (notes != NULL)
        output_notes(&s->out, notes);
    if (p == NULL) {
        cmd_error(s, "cannot %s %s on '%s': %s", a->cmd, a->algorithm, a->dataset, cause);
        goto out;
    }
    run.kind = a->cmd;
    run.algorithm = a->algorithm;
    run.transforms = pipeline_transforms(p);
    run.options = pipeline_options(p);
    run.dataset = a->dataset;
    run.target = a->target;
    run.seed = a->seed;
    run.command = s->current != NULL ? s->current : "";
    if (store_run_begin(s->store, &run, &run_id, &cause) < 0) {
        cmd_error(s, "%s", cause);
        goto out;
    }
    name = a->model != NULL ? xstrdup(a->model) : xasprintf("m%lld", (long long)run_id);
    output_say(&s->out, "run %lld: %s on '%s' (%zu rows)%s%s%s%s%s", (long long)run_id,
               a->algorithm, a->dataset, pipeline_train_rows(p),
               a->target != NULL ? ", target '" : "", a->target != NULL ? a->target : "",
               a->target != NULL ? "'" : "", *pipeline_transforms(p) ? ", with " : "",
               pipeline_transforms(p));
    fit_loop(s, p, run_id, "", &o);
    if (o.rc < 0 || pipeline_finish(p, &cause) < 0) {
        const char *why = o.rc < 0 ? o.cause : cause;

        store_run_end(s->store, run_id, "failed", o.iterations, why, NULL);
        cmd_error(s, "run %lld failed: %s", (long long)run_id, why);
        goto out;
    }
    how = fit_describe(&o);
    if ((version = fit_save(s, p, name, run_id, a)) < 0) {
        store_run_end(s->store, run_id, "failed", o.iterations, cmd_last_error(), NULL);
        goto out;
    }
    store_run_end(s->store, run_id, o.stopped ? "cancelled" : "finished", o.iterations, how, NULL);
    output_say(&s->out, "%s", how);
    t = table_new(NULL);
    if (pipeline_summary(p, t) == AIWB_OK && t->ncols > 0)
        output_table(&s->out, t);
    table_free(t);
    session_put_model(s, name, version, p);
    p = NULL;
    if (model != NULL) {
        *model = name;
        name = NULL;
    }
out:
    pipeline_free(p);
    free(o.cause);
    free(how);
    free(name);
    free(notes);
    free(cause);
    return version;
}

int
fit_higher_is_better(const char *name)
{
    static const char *const lower[] = {
        "rmse", "mae", "mse", "log_loss", "loss", "val_loss", "inertia", "aic", "bic",
        "deviance", "error", "oob_error", "reconstruction_error",
    };

    for (size_t i = 0; i < sizeof lower / sizeof lower[0]; i++)
        if (strcmp(name, lower[i]) == 0)
            return 0;
    return 1;
}
