/*
 * cmd-train.c - "train": fit an algorithm with its preprocessing on a
 * dataset, record the run and its curve, save the model.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/frame.h"
#include "core/numfmt.h"
#include "core/options.h"
#include "core/pipeline.h"
#include "core/registry.h"
#include "core/strbuf.h"
#include "core/table.h"
#include "core/xalloc.h"
#include "repl/cmd.h"
#include "repl/session.h"
#include "repl/tokenize.h"
#include "store/store.h"

#define DEFAULT_SEED 1

/* What the words of a train command say. */
struct train_args {
    const char *algorithm, *dataset, *target, *model;
    size_t seed;
    struct strbuf with;     /* "impute(strategy=median),standardize" */
    size_t nopts;
    char **opts;            /* the algorithm's option words (borrowed) */
};

static int
parse_words(struct session *s, int argc, char **argv, struct train_args *a)
{
    a->algorithm = argv[0];
    if (argc < 3 || strcmp(argv[1], "on") != 0) {
        cmd_error(s, "train: expected `on DATASET` after the algorithm; usage: train ALGORITHM "
                     "on DATASET target=COLUMN [with T,...] [OPTION=VALUE ...] [as MODEL]");
        return -1;
    }
    a->dataset = argv[2];
    a->opts = xcalloc((size_t)argc, sizeof *a->opts);
    for (int i = 3; i < argc; i++) {
        const char *w = argv[i];

        if (strcmp(w, "as") == 0) {
            if (i + 1 >= argc || a->model != NULL) {
                cmd_error(s, "train: `as` needs one model name");
                return -1;
            }
            a->model = argv[++i];
        } else if (strcmp(w, "with") == 0) {
            if (a->with.len > 0 || i + 1 >= argc) {
                cmd_error(s, "train: `with` needs one list of transforms (with T1,T2(OPTION=VALUE))");
                return -1;
            }
            /* The list may be spread over words: "impute, standardize". */
            do {
                strbuf_adds(&a->with, argv[++i]);
            } while (i + 1 < argc &&
                     (a->with.buf[a->with.len - 1] == ',' || argv[i + 1][0] == ','));
        } else if (strncmp(w, "target=", 7) == 0) {
            a->target = w + 7;
        } else if (strncmp(w, "seed=", 5) == 0) {
            if (cmd_parse_size(s, "seed", w + 5, &a->seed) < 0)
                return -1;
        } else if (strchr(w, '=') != NULL) {
            a->opts[a->nopts++] = argv[i];
        } else {
            cmd_error(s, "train: unexpected '%s' (options are written OPTION=VALUE)", w);
            return -1;
        }
    }
    if (a->target == NULL || *a->target == '\0') {
        cmd_error(s, "train: which column to learn? add target=COLUMN");
        return -1;
    }
    if (a->model != NULL && !session_valid_name(a->model)) {
        cmd_error(s, "'%s' is not a valid model name (letters, digits, _ . -)", a->model);
        return -1;
    }
    return 0;
}

/* Show how training goes: a line rewritten in place for a person watching. */
static void
show_progress(struct session *s, const struct aiwb_step *st, int final)
{
    if (!s->interactive)
        return;
    fprintf(s->out.err, "\r  iteration %lld", (long long)st->iteration);
    for (size_t i = 0; i < st->n && i < 4; i++) {
        char buf[NUMFMT_BUFSZ];

        fprintf(s->out.err, "  %s %s", st->names[i], numfmt_sig(buf, st->values[i], 6));
    }
    fputs(final ? "\n" : "   ", s->out.err);
    fflush(s->out.err);
}

struct outcome {
    int rc;               /* the last iterate's status */
    int64_t iterations;
    int stopped;          /* by the user */
    struct aiwb_step last;
    char *cause;
};

/* Drive the algorithm's iterations, recording each step in run RUN. */
static void
run_loop(struct session *s, struct pipeline *p, int64_t run, struct outcome *o)
{
    struct aiwb_step st;
    char *cause = NULL;

    memset(o, 0, sizeof *o);
    memset(&o->last, 0, sizeof o->last);
    for (;;) {
        o->rc = pipeline_iterate(p, &st, &o->cause);
        if (o->rc < 0)
            break;
        o->iterations = st.iteration;
        o->last = st;
        for (size_t i = 0; i < st.n; i++) {
            if (store_run_curve(s->store, run, st.iteration, st.names[i], st.values[i],
                                &cause) < 0) {
                fprintf(s->out.err, "warning: %s\n", cause);
                free(cause);
                cause = NULL;
            }
        }
        show_progress(s, &st, 0);
        if (o->rc != AIWB_CONTINUE)
            break;
        if (session_interrupted) {
            o->stopped = 1;
            break;
        }
    }
    if (o->iterations > 0)
        show_progress(s, &o->last, 1);
}

/* Whether the algorithm said its last step did not converge (plugin.h). */
static int
ran_out(const struct outcome *o)
{
    for (size_t i = 0; i < o->last.n; i++)
        if (strcmp(o->last.names[i], "converged") == 0)
            return o->last.values[i] == 0;
    return 0;
}

static char *
describe_outcome(const struct outcome *o)
{
    struct strbuf sb = STRBUF_INIT;

    if (o->stopped)
        strbuf_addf(&sb, "stopped by the user after %lld iteration%s; the model as it stood "
                         "was kept", (long long)o->iterations, o->iterations == 1 ? "" : "s");
    else if (o->rc == AIWB_OK && !ran_out(o))
        strbuf_addf(&sb, "converged after %lld iteration%s", (long long)o->iterations,
                    o->iterations == 1 ? "" : "s");
    else
        strbuf_addf(&sb, "stopped after %lld iteration%s without converging",
                    (long long)o->iterations, o->iterations == 1 ? "" : "s");
    /* The first numbers an iteration reports are the telling ones (loss first). */
    for (size_t i = 0; i < o->last.n && i < 3; i++) {
        char buf[NUMFMT_BUFSZ];

        strbuf_addf(&sb, "%s %s %s", i ? "," : ";", o->last.names[i],
                    numfmt_sig(buf, o->last.values[i], 6));
    }
    return strbuf_detach(&sb, NULL);
}

/* Save P as model NAME of run RUN; its version, or -1 after cmd_error(). */
static int
save_model(struct session *s, struct pipeline *p, const char *name, int64_t run,
           const struct train_args *a)
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

static enum cmd_retval
cmd_train_exec(struct session *s, int argc, char **argv)
{
    struct train_args a = {.seed = DEFAULT_SEED, .with = STRBUF_INIT};
    struct pipeline_spec spec = {0};
    struct pipeline *p = NULL;
    struct dataset *d;
    struct outcome o = {0};
    struct store_run run = {0};
    char *cause = NULL, *notes = NULL, *model = NULL, *how = NULL;
    int64_t run_id = 0;
    int version;
    enum cmd_retval rc = CMD_ERROR;

    if (parse_words(s, argc, argv, &a) < 0)
        goto out;
    if ((spec.algorithm = registry_find(COMPONENT_ALGORITHM, a.algorithm)) == NULL) {
        char *all = cmd_component_names(COMPONENT_ALGORITHM);

        cmd_error(s, "no algorithm '%s' (algorithms: %s)%s", a.algorithm, all,
                  registry_find(COMPONENT_TRANSFORM, a.algorithm) != NULL
                      ? "; transforms go after `with`" : "");
        free(all);
        goto out;
    }
    if ((d = session_need_dataset(s, a.dataset)) == NULL)
        goto out;
    if (cmd_parse_with(s, strbuf_str(&a.with), &spec.tf, &spec.n_tf) < 0)
        goto out;
    spec.algo_opts = options_parse(a.algorithm, spec.algorithm->options, a.nopts, a.opts, &cause);
    if (spec.algo_opts == NULL) {
        cmd_error(s, "%s", cause);
        cmd_free_with(spec.tf, spec.n_tf);
        goto out;
    }
    spec.target = a.target;
    spec.seed = a.seed;
    /* From here the pipeline owns the option sets. */
    p = pipeline_prepare(&spec, d->frame, &notes, &cause);
    free(spec.tf);
    if (notes != NULL)
        output_notes(&s->out, notes);
    if (p == NULL) {
        cmd_error(s, "cannot train %s on '%s': %s", a.algorithm, a.dataset, cause);
        goto out;
    }

    run.kind = "train";
    run.algorithm = a.algorithm;
    run.transforms = pipeline_transforms(p);
    run.options = pipeline_options(p);
    run.dataset = a.dataset;
    run.target = a.target;
    run.seed = a.seed;
    run.command = s->current != NULL ? s->current : "";
    if (store_run_begin(s->store, &run, &run_id, &cause) < 0) {
        cmd_error(s, "%s", cause);
        goto out;
    }
    model = a.model != NULL ? xstrdup(a.model) : xasprintf("m%lld", (long long)run_id);
    output_say(&s->out, "run %lld: %s on '%s' (%zu rows), target '%s'%s%s", (long long)run_id,
               a.algorithm, a.dataset, pipeline_train_rows(p), a.target,
               *pipeline_transforms(p) ? ", with " : "", pipeline_transforms(p));

    run_loop(s, p, run_id, &o);
    if (o.rc < 0) {
        store_run_end(s->store, run_id, "failed", o.iterations, o.cause, NULL);
        cmd_error(s, "run %lld failed: %s", (long long)run_id, o.cause);
        goto out;
    }
    if (pipeline_finish(p, &cause) < 0) {
        store_run_end(s->store, run_id, "failed", o.iterations, cause, NULL);
        cmd_error(s, "run %lld failed: %s", (long long)run_id, cause);
        goto out;
    }
    how = describe_outcome(&o);
    if ((version = save_model(s, p, model, run_id, &a)) < 0) {
        store_run_end(s->store, run_id, "failed", o.iterations, cmd_last_error(), NULL);
        goto out;
    }
    store_run_end(s->store, run_id, o.stopped ? "interrupted" : "finished", o.iterations, how,
                  NULL);
    output_say(&s->out, "%s", how);
    {
        struct aiwb_table *t = table_new(NULL);

        if (pipeline_summary(p, t) == AIWB_OK && t->ncols > 0)
            output_table(&s->out, t);
        table_free(t);
    }
    output_say(&s->out, "saved model '%s' version %d", model, version);
    session_put_model(s, model, version, p);
    p = NULL;
    rc = CMD_OK;
out:
    pipeline_free(p);
    free(o.cause);
    free(how);
    free(model);
    free(notes);
    free(cause);
    free(a.opts);
    strbuf_release(&a.with);
    return rc;
}

const struct cmd_entry cmd_train_entry = {
    .name = "train",
    .usage = "train ALGORITHM on DATASET target=COLUMN [with TRANSFORM,TRANSFORM(OPTION=VALUE)...] "
             "[OPTION=VALUE ...] [seed=N] [as MODEL]",
    .summary = "fit an algorithm with its preprocessing; the run and model go to the workspace",
    .help = "Transforms are fitted on the training data and saved with the model, which then\n"
            "predicts from raw rows. Categorical columns are one-hot encoded when the\n"
            "algorithm needs numbers; missing values it cannot take are refused with the\n"
            "transform to add. Ctrl-C stops training and keeps the model as it stands.\n"
            "The model is named MODEL, or m<run number>; each save under a name is a new\n"
            "version (refer to one as NAME:VERSION). `help ALGORITHM` lists its options.",
    .min_args = 3,
    .max_args = -1,
    .complete = {COMPLETE_NONE},
    .exec = cmd_train_exec,
};
