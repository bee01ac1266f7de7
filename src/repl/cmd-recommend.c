/*
 * cmd-recommend.c - "recommend": a recommender's best new items for a user.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "core/pipeline.h"
#include "core/table.h"
#include "repl/cmd.h"
#include "repl/session.h"

#define DEFAULT_N 10

static enum cmd_retval
cmd_recommend_exec(struct session *s, int argc, char **argv)
{
    static const char *const keys[] = {"user", "n"};
    const char *val[2];
    struct pipeline *p;
    struct recommendation r;
    struct aiwb_table *t;
    char *cause = NULL;
    size_t n = DEFAULT_N;
    int version;

    if (cmd_keywords(s, argc - 1, argv + 1, 2, keys, val) < 0 ||
        (val[1] != NULL && cmd_parse_size(s, "n", val[1], &n) < 0))
        return CMD_ERROR;
    if (val[0] == NULL || *val[0] == '\0') {
        cmd_error(s, "recommend: for whom? add user=ID");
        return CMD_ERROR;
    }
    if (n == 0) {
        cmd_error(s, "recommend: n must be 1 or more");
        return CMD_ERROR;
    }
    if ((p = session_model(s, argv[0], &version)) == NULL)
        return CMD_ERROR;
    if (pipeline_recommend(p, val[0], n, &r, &cause) < 0) {
        cmd_error(s, "cannot recommend with '%s': %s", argv[0], cause);
        free(cause);
        return CMD_ERROR;
    }
    t = table_new(NULL);
    table_column(t, "rank", AIWB_TABLE_INT);
    table_column(t, pipeline_input_name(p, 1), AIWB_TABLE_TEXT);
    table_column(t, "score", AIWB_TABLE_REAL);
    for (size_t i = 0; i < r.n; i++) {
        table_int(t, (int64_t)i + 1);
        table_text(t, r.items[i]);
        table_real(t, r.scores[i]);
    }
    table_notef(t, "(%s:%d's best %zu for %s '%s', leaving out the %zu item%s they had)",
                argv[0], version, r.n, pipeline_input_name(p, 0), val[0], r.seen,
                r.seen == 1 ? "" : "s");
    if (r.n == 0)
        output_say(&s->out, "no item to recommend to '%s': they have every item the model "
                            "knows", val[0]);
    else
        output_table(&s->out, t);
    table_free(t);
    recommendation_release(&r);
    return CMD_OK;
}

const struct cmd_entry cmd_recommend_entry = {
    .name = "recommend",
    .usage = "recommend MODEL user=ID [n=10]",
    .summary = "a recommender's best N items for a user, leaving out the ones they had",
    .help = "The items come best first with the model's score (a predicted rating for a\n"
            "model of ratings). Items the user had in the data the model learned from,\n"
            "or was updated with, are left out. A user the model does not know yet can\n"
            "be added with `update MODEL with DATASET`.",
    .min_args = 2,
    .max_args = 3,
    .complete = {COMPLETE_MODEL},
    .exec = cmd_recommend_exec,
};
