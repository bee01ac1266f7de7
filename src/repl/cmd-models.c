/*
 * cmd-models.c - "models": the saved model versions of the workspace, with
 * their latest evaluation and which one is live; of one model, also its
 * promotions and exports.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <stdlib.h>

#include "core/table.h"
#include "core/xalloc.h"
#include "repl/cmd.h"
#include "repl/session.h"
#include "store/store.h"

/* A copy of T titled TITLE without its first column (the model's name, which
 * `models MODEL` has said already). */
static struct aiwb_table *
without_model(const struct aiwb_table *t, const char *title)
{
    struct aiwb_table *u = table_new(title);

    for (size_t c = 1; c < t->ncols; c++)
        table_column(u, t->cols[c].name, t->cols[c].kind);
    for (size_t r = 0; r < table_rows(t); r++) {
        for (size_t c = 1; c < t->ncols; c++) {
            const struct table_cell *cell = table_cell(t, r, c);

            if (cell->null)
                table_null(u);
            else if (t->cols[c].kind == AIWB_TABLE_TEXT)
                table_text(u, cell->v.s);
            else if (t->cols[c].kind == AIWB_TABLE_INT)
                table_int(u, cell->v.i);
            else
                table_real(u, cell->v.r);
        }
    }
    return u;
}

/* `models NAME`: its versions, then which was live when, then its exports. */
static enum cmd_retval
show_model(struct session *s, const char *name)
{
    struct aiwb_table *v = table_new(NULL), *p = table_new(NULL), *e = table_new(NULL);
    struct aiwb_table *shown;
    enum cmd_retval rc = CMD_ERROR;
    char *cause = NULL;

    if (store_model_versions(s->store, name, v, &cause) < 0 ||
        store_promotion_list(s->store, name, p, &cause) < 0 ||
        store_export_list(s->store, name, e, &cause) < 0) {
        cmd_error(s, "%s", cause);
        goto out;
    }
    if (table_rows(v) == 0) {
        cmd_error(s, "no model '%s' in workspace '%s' (see `models`)", name, store_path(s->store));
        goto out;
    }
    output_table(&s->out, v);
    if (table_rows(p) == 0) {
        output_say(&s->out,
                   "no version of '%s' has been promoted: `promote %s version=N` "
                   "marks the live one",
                   name, name);
    } else {
        shown = without_model(p, "promotions");
        output_table(&s->out, shown);
        table_free(shown);
    }
    if (table_rows(e) == 0) {
        output_say(&s->out, "no version of '%s' has been exported", name);
    } else {
        shown = without_model(e, "exports");
        output_table(&s->out, shown);
        table_free(shown);
    }
    rc = CMD_OK;
out:
    free(cause);
    table_free(v);
    table_free(p);
    table_free(e);
    return rc;
}

static enum cmd_retval
cmd_models_exec(struct session *s, int argc, char **argv)
{
    struct aiwb_table *t;
    char *cause = NULL;

    if (argc == 1)
        return show_model(s, argv[0]);
    t = table_new(NULL);
    if (store_model_list(s->store, t, &cause) < 0) {
        cmd_error(s, "%s", cause);
        free(cause);
        table_free(t);
        return CMD_ERROR;
    }
    if (table_rows(t) == 0)
        output_say(&s->out, "no models yet: `train ... as NAME` saves one");
    else
        output_table(&s->out, t);
    table_free(t);
    return CMD_OK;
}

const struct cmd_entry cmd_models_entry = {
    .name = "models",
    .usage = "models [MODEL]",
    .summary = "list the saved models of the workspace, every version, and which one is live",
    .help = "A row per version: its algorithm, the dataset and target it learned, the run\n"
            "that trained it (`runs ID`), when; the headline metric of its latest\n"
            "evaluation (`eval`, `promote ... on`): accuracy for a classifier, ndcg@k or\n"
            "precision@k for a recommender, rmse for a regressor, else the first it\n"
            "reported; and the dataset it was measured on; live: yes for the version\n"
            "promoted last (`promote`), since when. With MODEL, its versions, then its\n"
            "promotions (which version was live from when until when, the one it\n"
            "replaced, the dataset the two were compared on) and the folders it was\n"
            "exported to.\n"
            "Example:\n"
            "  models clf",
    .min_args = 0,
    .max_args = 1,
    .complete = {COMPLETE_MODEL},
    .exec = cmd_models_exec,
};
