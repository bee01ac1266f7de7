/*
 * cmd-promote.c - "promote": mark the version of a model that is live, after
 * comparing it (the challenger) with the version live now (the champion) on
 * the same data if asked; the workspace keeps the history.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/pipeline.h"
#include "core/table.h"
#include "core/xalloc.h"
#include "repl/cmd.h"
#include "repl/fit.h"
#include "repl/session.h"
#include "store/store.h"

/* What the words say. */
struct promote_args {
    char *name;          /* the model */
    int version;         /* the challenger */
    const char *dataset; /* on DATASET, or NULL */
    const char *note;    /* note=TEXT, or NULL */
    size_t k;            /* a recommender's cutoff */
    double relevant;     /* a recommender's least relevant rating, NaN: any */
    int ranking_options; /* k= or relevant= given */
};

/* Read "MODEL[:N] [version=N] [on DATASET] [note=TEXT] [k=N] [relevant=R]"
 * into A; 0, or -1 after cmd_error(). Free A->name either way. */
static int
parse(struct session *s, int argc, char **argv, struct promote_args *a)
{
    static const char *const keys[] = {"version", "note", "k", "relevant"};
    const char *val[4] = {NULL, NULL, NULL, NULL};
    char **kw = xcalloc((size_t)argc + 1, sizeof *kw), *colon = strchr(argv[0], ':'), *end;
    int nkw = 0, ret = -1;
    long v = 0;

    memset(a, 0, sizeof *a);
    a->k = PIPELINE_EVAL_K;
    a->relevant = NAN;
    a->name = colon != NULL ? xstrndup(argv[0], (size_t)(colon - argv[0])) : xstrdup(argv[0]);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "on") == 0) {
            if (i + 1 >= argc || a->dataset != NULL) {
                cmd_error(s, "promote: `on` needs one dataset (the data to compare on)");
                goto out;
            }
            a->dataset = argv[++i];
        } else {
            kw[nkw++] = argv[i];
        }
    }
    if (cmd_keywords(s, nkw, kw, 4, keys, val) < 0)
        goto out;
    if ((val[0] != NULL) + (colon != NULL) != 1) {
        cmd_error(s, "promote: %s; usage: promote MODEL version=N [on DATASET] [note=TEXT]",
                  colon != NULL ? "the version is given twice (MODEL:N and version=)"
                                : "which version? say version=N");
        goto out;
    }
    {
        const char *text = val[0] != NULL ? val[0] : colon + 1;

        v = strtol(text, &end, 10);
        if (*text < '0' || *text > '9' || *end != '\0' || v < 1 || v > 0x7fffffff) {
            cmd_error(s, "promote: version: '%s' is not a version number (1, 2, ...)", text);
            goto out;
        }
    }
    a->version = (int)v;
    a->note = val[1];
    if ((val[2] != NULL && cmd_parse_size(s, "k", val[2], &a->k) < 0) ||
        (val[3] != NULL && cmd_parse_real(s, "relevant", val[3], &a->relevant) < 0))
        goto out;
    if (val[2] != NULL && a->k == 0) {
        cmd_error(s, "promote: k must be 1 or more");
        goto out;
    }
    a->ranking_options = val[2] != NULL || val[3] != NULL;
    if (a->ranking_options && a->dataset == NULL) {
        cmd_error(s, "promote: k= and relevant= are for the comparison `on DATASET`");
        goto out;
    }
    ret = 0;
out:
    free(kw);
    return ret;
}

/* Evaluate version VERSION of model NAME on D as `eval` does, keeping the
 * metrics in the workspace. 0, or -1 after cmd_error(). */
static int
evaluate(struct session *s, const struct promote_args *a, int version, const char *role,
         const struct dataset *d, struct evaluation *ev)
{
    char *ref = xasprintf("%s:%d", a->name, version), *notes = NULL, *cause = NULL;
    struct pipeline *p = session_model(s, ref, NULL);
    int ret = -1;

    memset(ev, 0, sizeof *ev);
    if (p == NULL)
        goto out;
    if (a->ranking_options && pipeline_task(p) != AIWB_TASK_RANKING) {
        cmd_error(s, "promote: k= and relevant= are for recommenders; '%s' is %s", ref,
                  pipeline_algorithm(p) != NULL ? pipeline_algorithm(p) : "no model");
        goto out;
    }
    if (pipeline_evaluate_at(p, d->frame, a->k, a->relevant, ev, &notes, &cause) < 0) {
        cmd_error(s, "cannot evaluate the %s '%s' on '%s': %s", role, ref, d->name, cause);
        goto out;
    }
    if (notes != NULL) {
        char *n = xasprintf("%s %s: %s", role, ref, notes);

        output_notes(&s->out, n);
        free(n);
    }
    if (store_eval_put(s->store, a->name, version, d->name, ev->n, ev->names, ev->values, &cause) <
        0) {
        fprintf(s->out.err, "warning: %s\n", cause);
        free(cause);
        cause = NULL;
    }
    ret = 0;
out:
    free(ref);
    free(notes);
    free(cause);
    return ret;
}

/* The value of metric NAME in EV, or NaN; *FOUND says whether it has it. */
static double
metric_of(const struct evaluation *ev, const char *name, int *found)
{
    for (size_t i = 0; i < ev->n; i++)
        if (strcmp(ev->names[i], name) == 0) {
            *found = 1;
            return ev->values[i];
        }
    *found = 0;
    return NAN;
}

/* Which of two values of metric NAME is better: "champion", "challenger",
 * "=" or NULL (a count, or a value undefined). */
static const char *
better(const char *name, double champion, double challenger)
{
    if (strcmp(name, "rows") == 0 || strcmp(name, "users") == 0 || isnan(champion) ||
        isnan(challenger))
        return NULL;
    if (champion == challenger)
        return "=";
    return (challenger > champion) == fit_higher_is_better(name) ? "challenger" : "champion";
}

/* The side-by-side table: a row per metric either evaluation has (the
 * challenger's alone when no version is live: LIVE 0). */
static struct aiwb_table *
side_by_side(int live, const struct evaluation *champ, int version, const struct evaluation *chall)
{
    struct aiwb_table *t = table_new(NULL);
    char *h1 = xasprintf("champion v%d", live), *h2 = xasprintf("challenger v%d", version);

    table_column(t, "metric", AIWB_TABLE_TEXT);
    if (live == 0) { /* no champion: the challenger alone */
        table_column(t, h2, AIWB_TABLE_REAL);
        for (size_t i = 0; i < chall->n; i++) {
            table_text(t, chall->names[i]);
            table_real(t, chall->values[i]);
        }
        free(h1);
        free(h2);
        return t;
    }
    table_column(t, h1, AIWB_TABLE_REAL);
    table_column(t, h2, AIWB_TABLE_REAL);
    table_column(t, "better", AIWB_TABLE_TEXT);
    for (int pass = 0; pass < 2; pass++) {
        /* The challenger's metrics in its order, then any only the champion has. */
        const struct evaluation *ev = pass == 0 ? chall : champ;

        for (size_t i = 0; i < ev->n; i++) {
            const char *name = ev->names[i], *b;
            int in1, in2;
            double v1 = metric_of(champ, name, &in1), v2 = metric_of(chall, name, &in2);

            if (pass == 1 && in2)
                continue;
            table_text(t, name);
            in1 ? table_real(t, v1) : table_null(t);
            in2 ? table_real(t, v2) : table_null(t);
            b = in1 && in2 ? better(name, v1, v2) : NULL;
            b != NULL ? table_text(t, b) : table_null(t);
        }
    }
    free(h1);
    free(h2);
    return t;
}

/* Compare the champion (LIVE, 0: none) with the challenger on A->dataset.
 * 0, or -1 after cmd_error(). */
static int
compare(struct session *s, const struct promote_args *a, int live, const char *since)
{
    struct evaluation champ = {0}, chall = {0};
    struct dataset *d = session_need_dataset(s, a->dataset);
    struct aiwb_table *t;
    int ret = -1;

    if (d == NULL)
        return -1;
    if (a->ranking_options) { /* refused before anything is said */
        char *ref = xasprintf("%s:%d", a->name, a->version);
        struct pipeline *p = session_model(s, ref, NULL);

        if (p != NULL && pipeline_task(p) != AIWB_TASK_RANKING)
            cmd_error(s, "promote: k= and relevant= are for recommenders; '%s' is %s", ref,
                      pipeline_algorithm(p) != NULL ? pipeline_algorithm(p) : "no model");
        free(ref);
        if (p == NULL || pipeline_task(p) != AIWB_TASK_RANKING)
            return -1;
    }
    if (live > 0) {
        output_say(&s->out, "champion %s:%d (live since %s) and challenger %s:%d on '%s'", a->name,
                   live, since, a->name, a->version, d->name);
        if (evaluate(s, a, live, "champion", d, &champ) < 0)
            goto out;
    } else {
        output_say(&s->out,
                   "challenger %s:%d on '%s': no version of '%s' is live, so there is "
                   "no champion to compare with",
                   a->name, a->version, d->name, a->name);
    }
    if (evaluate(s, a, a->version, "challenger", d, &chall) < 0)
        goto out;
    t = side_by_side(live, &champ, a->version, &chall);
    output_table(&s->out, t);
    table_free(t);
    ret = 0;
out:
    evaluation_release(&champ);
    evaluation_release(&chall);
    return ret;
}

static enum cmd_retval
cmd_promote_exec(struct session *s, int argc, char **argv)
{
    struct promote_args a;
    char *cause = NULL, *since = NULL;
    int64_t run;
    int live = 0, previous = 0, found, ret;
    enum cmd_retval rc = CMD_ERROR;

    if (parse(s, argc, argv, &a) < 0)
        goto out;
    /* The challenger must exist before anything is evaluated. */
    if (store_model_run(s->store, a.name, 0, &run, &found, &cause) < 0 ||
        store_model_run(s->store, a.name, a.version, &run, &found, &cause) < 0 ||
        store_model_live(s->store, a.name, &live, &since, &cause) < 0) {
        cmd_error(s, "%s", cause);
        goto out;
    }
    if (live == a.version) {
        output_say(&s->out, "'%s' version %d is live already (since %s): nothing to do", a.name,
                   live, since);
        rc = CMD_OK;
        goto out;
    }
    if (a.dataset != NULL && compare(s, &a, live, since) < 0)
        goto out;
    ret = store_promote(s->store, a.name, a.version, a.dataset, a.note, &previous, &cause);
    if (ret < 0) {
        cmd_error(s, "%s", cause);
        goto out;
    }
    free(since);
    since = NULL;
    if (ret == STORE_ALREADY_LIVE) { /* another aiwb promoted it meanwhile */
        output_say(&s->out, "'%s' version %d is live already: nothing to do", a.name, a.version);
    } else if (store_model_live(s->store, a.name, &live, &since, &cause) < 0) {
        cmd_error(s, "%s", cause);
        goto out;
    } else if (previous > 0) {
        output_say(&s->out, "promoted '%s' version %d: live since %s, replacing version %d", a.name,
                   a.version, since, previous);
    } else {
        output_say(&s->out, "promoted '%s' version %d: live since %s, the first live version",
                   a.name, a.version, since);
    }
    rc = CMD_OK;
out:
    free(a.name);
    free(since);
    free(cause);
    return rc;
}

const struct cmd_entry cmd_promote_entry = {
    .name = "promote",
    .usage = "promote MODEL version=N [on DATASET] [note=TEXT] [k=10] [relevant=RATING]",
    .summary = "mark the live version of a model, comparing it first with the live one if asked",
    .help = "The workspace keeps every promotion: `models` marks the live version (the one\n"
            "promoted last) and since when, `models MODEL` shows which version was live\n"
            "from when until when. With `on DATASET` (live traffic with its feedback, a\n"
            "test set), the version live now (the champion) and version N (the\n"
            "challenger) are first evaluated on DATASET as `eval` evaluates them, their\n"
            "metrics kept in the workspace, and shown side by side with the better of\n"
            "each; then N is promoted (gate it on the numbers with `assert` in a script).\n"
            "k= and relevant= are eval's, for recommenders. NOTE is kept with the\n"
            "promotion. Promoting the live version again does nothing. MODEL:N names\n"
            "the version too. Going back to an earlier version is a promotion like any.\n"
            "Example:\n"
            "  promote clf version=2 on live note='retrained on November traffic'",
    .min_args = 1,
    .max_args = 7,
    .complete = {COMPLETE_MODEL},
    .exec = cmd_promote_exec,
};
