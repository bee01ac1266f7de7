/*
 * cmd-retrain.c - "retrain": fit the recipe of a saved model again on other
 * data (live traffic with its feedback, a newer extract) as the model's
 * next version.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The recipe is what the model's training run recorded: the algorithm, the
 * transforms as given after `with` (the automatic ones are added again as
 * the new data needs them), every option of the algorithm resolved, the
 * target and the seed. It is fitted as `train` fits (fit.h) on the new
 * dataset's columns the model reads and its target, no others: a log of
 * live traffic also carries ids, times and the served predictions, which a
 * model must not learn from.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "core/frame.h"
#include "core/pipeline.h"
#include "core/strbuf.h"
#include "core/table.h"
#include "core/xalloc.h"
#include "repl/cmd.h"
#include "repl/fit.h"
#include "repl/session.h"
#include "repl/tokenize.h"
#include "store/store.h"

/* What a model was made with, read from its training run. */
struct recipe {
    int version; /* the version whose run it is */
    int64_t run;
    char *kind; /* "train", "cv" (tune's winner, cv ... as), "retrain" */
    char *algorithm;
    char *transforms; /* as given after `with`, "" if none */
    char *options;    /* "C=1 max_iter=100", every option */
    char *target;     /* NULL if none */
    size_t seed;
};

static void
recipe_release(struct recipe *r)
{
    free(r->kind);
    free(r->algorithm);
    free(r->transforms);
    free(r->options);
    free(r->target);
    memset(r, 0, sizeof *r);
}

/* A new copy of FIELD of a run's description (store_run_info), or NULL if it
 * has none. */
static char *
info_field(const struct aiwb_table *t, const char *field)
{
    for (size_t r = 0; r < table_rows(t); r++) {
        const struct table_cell *name = table_cell(t, r, 0), *value = table_cell(t, r, 1);

        if (!name->null && strcmp(name->v.s, field) == 0)
            return value->null ? NULL : xstrdup(value->v.s);
    }
    return NULL;
}

/*
 * Read into R the recipe of model NAME at VERSION: its run's. A version made
 * by `update` (interactions folded into a recommender) was not trained: its
 * recipe is that of the version it came from, the nearest earlier one that
 * was. Returns 0, or -1 after cmd_error().
 */
static int
find_recipe(struct session *s, const char *name, int version, struct recipe *r)
{
    struct aiwb_table *info = NULL;
    char *cause = NULL, *seed = NULL;
    int v;

    memset(r, 0, sizeof *r);
    for (v = version; v > 0; v--) {
        if (store_model_run(s->store, name, v, &r->run, NULL, &cause) < 0) {
            cmd_error(s, "%s", cause);
            goto fail;
        }
        if (r->run == 0) {
            cmd_error(s,
                      "retrain: '%s' version %d has no recorded training run, so its recipe "
                      "is unknown (only what train, tune, cv ... as and retrain saved can be "
                      "retrained)",
                      name, v);
            goto fail;
        }
        table_free(info);
        info = table_new(NULL);
        if (store_run_info(s->store, r->run, info, &cause) < 0) {
            cmd_error(s, "retrain: the run of '%s' version %d: %s", name, v, cause);
            goto fail;
        }
        free(r->kind);
        r->kind = info_field(info, "kind");
        if (r->kind == NULL || strcmp(r->kind, "update") != 0)
            break;
    }
    if (v == 0) {
        cmd_error(s,
                  "retrain: no version of '%s' up to %d was trained: each was made by "
                  "`update`, so there is no recipe to fit",
                  name, version);
        goto fail;
    }
    r->version = v;
    r->algorithm = info_field(info, "algorithm");
    r->transforms = info_field(info, "transforms");
    r->options = info_field(info, "options");
    r->target = info_field(info, "target");
    seed = info_field(info, "seed");
    if (r->algorithm == NULL || seed == NULL) {
        cmd_error(s, "retrain: run %lld, which saved '%s' version %d, lacks its %s",
                  (long long)r->run, name, v, r->algorithm == NULL ? "algorithm" : "seed");
        goto fail;
    }
    r->seed = (size_t)strtoull(seed, NULL, 10);
    if (r->target != NULL && r->target[0] == '\0') {
        free(r->target);
        r->target = NULL;
    }
    free(seed);
    table_free(info);
    return 0;
fail:
    free(cause);
    free(seed);
    table_free(info);
    recipe_release(r);
    return -1;
}

/*
 * The columns of DATA that model P (its recipe R) reads, then its target: a
 * new frame sharing DATA's columns. NULL after cmd_error() naming what DATA
 * lacks.
 */
static struct aiwb_frame *
model_columns(struct session *s, const char *label, const struct pipeline *p,
              const struct recipe *r, const struct dataset *d)
{
    struct strbuf inputs = STRBUF_INIT;
    struct aiwb_frame *f;
    int no_target = r->target != NULL && frame_find(d->frame, r->target) < 0;
    size_t n = 0;

    for (size_t i = 0; i < pipeline_n_inputs(p); i++) {
        const char *in = pipeline_input_name(p, i);

        if (frame_find(d->frame, in) < 0)
            strbuf_addf(&inputs, "%s'%s'", n++ ? ", " : "", in);
    }
    if (no_target || n > 0) {
        char *all = frame_column_list(d->frame);

        cmd_error(s, "cannot retrain %s on '%s': it lacks %s%s%s%s%s%s (its columns: %s)", label,
                  d->name, no_target ? "the target '" : "", no_target ? r->target : "",
                  no_target ? "'" : "", no_target && n > 0 ? " and " : "",
                  n == 0   ? ""
                  : n == 1 ? "the input "
                           : "the inputs ",
                  strbuf_str(&inputs), all);
        free(all);
        strbuf_release(&inputs);
        return NULL;
    }
    f = frame_new(frame_rows(d->frame));
    for (size_t i = 0; i < pipeline_n_inputs(p); i++)
        frame_copy_col(f, d->frame, (size_t)frame_find(d->frame, pipeline_input_name(p, i)), NULL);
    if (r->target != NULL && frame_find(f, r->target) < 0)
        frame_copy_col(f, d->frame, (size_t)frame_find(d->frame, r->target), NULL);
    return f;
}

/*
 * Fill A with recipe R for the words of `train`: the options' text split
 * into words (WORDS, a tokenized line that must outlive A). Returns 0, or
 * -1 after cmd_error().
 */
static int
recipe_args(struct session *s, const struct recipe *r, const struct pipeline *p,
            const char *dataset, const char *model, struct cmdline **words, size_t *nwords,
            struct fit_args *a)
{
    char *cause = NULL;

    memset(a, 0, sizeof *a);
    strbuf_init(&a->with);
    *words = NULL;
    *nwords = 0;
    if (r->options != NULL && r->options[0] != '\0' &&
        (tokenize_line(r->options, words, nwords, &cause) < 0 || *nwords > 1)) {
        cmd_error(s, "retrain: cannot read the options of run %lld, '%s': %s", (long long)r->run,
                  r->options, cause != NULL ? cause : "more than one command");
        free(cause);
        return -1;
    }
    a->cmd = "retrain";
    a->algorithm = r->algorithm;
    a->dataset = dataset;
    a->target = r->target;
    a->model = model;
    a->seed = r->seed;
    strbuf_adds(&a->with, r->transforms != NULL ? r->transforms : "");
    a->nopts = *nwords > 0 ? (*words)[0].argc : 0;
    a->opts = xcalloc(a->nopts + 1, sizeof *a->opts);
    for (size_t i = 0; i < a->nopts; i++)
        a->opts[i] = (*words)[0].argv[i];
    if (pipeline_task(p) == AIWB_TASK_RANKING && pipeline_n_inputs(p) >= 2) {
        a->user = pipeline_input_name(p, 0);
        a->item = pipeline_input_name(p, 1);
    }
    return 0;
}

static enum cmd_retval
cmd_retrain_exec(struct session *s, int argc, char **argv)
{
    struct recipe r = {0};
    struct fit_args a = {0};
    struct cmdline *words = NULL;
    struct aiwb_frame *data = NULL;
    struct pipeline *old;
    struct dataset *d;
    const char *as = NULL;
    char *name = NULL, *label = NULL;
    size_t nwords = 0;
    int version, saved;
    enum cmd_retval rc = CMD_ERROR;

    if (strcmp(argv[1], "on") != 0 || (argc != 3 && argc != 5) ||
        (argc == 5 && strcmp(argv[3], "as") != 0)) {
        cmd_error(s, "retrain: usage: retrain MODEL[:VERSION] on DATASET [as NAME]");
        goto out;
    }
    as = argc == 5 ? argv[4] : NULL;
    if (as != NULL && !session_valid_name(as)) {
        cmd_error(s, "'%s' is not a valid model name (letters, digits, _ . -)", as);
        goto out;
    }
    if ((old = session_model(s, argv[0], &version)) == NULL)
        goto out;
    name = strchr(argv[0], ':') != NULL
               ? xstrndup(argv[0], (size_t)(strchr(argv[0], ':') - argv[0]))
               : xstrdup(argv[0]);
    label = xasprintf("'%s' version %d", name, version);
    if (pipeline_algorithm(old) == NULL) {
        cmd_error(s, "retrain: %s is a chain of transforms (`transform`); retrain fits models",
                  label);
        goto out;
    }
    if (find_recipe(s, name, version, &r) < 0 || (d = session_need_dataset(s, argv[2])) == NULL ||
        (data = model_columns(s, label, old, &r, d)) == NULL)
        goto out;
    if (r.version != version) {
        char *note = xasprintf("%s was made by `update` from an earlier version; the recipe "
                               "is that of version %d",
                               label, r.version);

        output_notes(&s->out, note);
        free(note);
    }
    if (recipe_args(s, &r, old, d->name, as != NULL ? as : name, &words, &nwords, &a) < 0 ||
        fit_check(s, &a, 0, NULL) < 0 || (saved = fit_train(s, &a, data, NULL)) < 0)
        goto out;
    if (as != NULL)
        output_say(&s->out,
                   "retrained '%s' on '%s' as '%s': version %d, the recipe of '%s' "
                   "version %d",
                   name, d->name, as, saved, name, r.version);
    else
        output_say(&s->out, "retrained '%s' on '%s': version %d, the recipe of version %d", name,
                   d->name, saved, r.version);
    rc = CMD_OK;
out:
    fit_args_release(&a);
    if (words != NULL)
        tokenize_free(words, nwords);
    frame_free(data);
    recipe_release(&r);
    free(label);
    free(name);
    return rc;
}

const struct cmd_entry cmd_retrain_entry = {
    .name = "retrain",
    .usage = "retrain MODEL[:VERSION] on DATASET [as NAME]",
    .summary = "fit a model's recipe again on new data, saved as the model's next version",
    .help = "The recipe is what the training run of MODEL (its latest version, or VERSION)\n"
            "recorded: the algorithm, every option, the transforms given after `with`, the\n"
            "target and the seed (see `runs ID`). It is fitted as `train` fits on the\n"
            "columns of DATASET that the model reads and on its target, no others (a log\n"
            "of live traffic also holds ids, times and the predictions served); DATASET\n"
            "must have them all. A model saved by `tune` is refitted with its winning\n"
            "point; a version made by `update` with the recipe of the version it came\n"
            "from. The result is the next version of MODEL, or of NAME with `as`; the run\n"
            "is recorded as kind retrain. `promote` then makes it the live version.\n"
            "Example:\n"
            "  retrain clf on live",
    .min_args = 3,
    .max_args = 5,
    .complete = {COMPLETE_MODEL},
    .exec = cmd_retrain_exec,
    .background = 1,
};
