/*
 * cmd-split.c - "split": NAME into NAME.train and NAME.test, reproducibly.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/frame.h"
#include "core/numfmt.h"
#include "core/split.h"
#include "core/strbuf.h"
#include "core/xalloc.h"
#include "repl/cmd.h"
#include "repl/session.h"

#define DEFAULT_RATIO 0.8
#define DEFAULT_SEED 1
static enum cmd_retval
cmd_split_exec(struct session *s, int argc, char **argv)
{
    static const char *const keys[] = {"ratio", "seed", "stratify"};
    const char *val[3];
    struct dataset *d;
    double ratio = DEFAULT_RATIO;
    size_t seed = DEFAULT_SEED, nstrata = 0, *tr = NULL, *te = NULL, ntr, nte;
    int32_t *strata = NULL;
    char *name_tr, *name_te, *lineage, rbuf[NUMFMT_BUFSZ];
    struct strbuf how = STRBUF_INIT;

    if (cmd_keywords(s, argc - 1, argv + 1, 3, keys, val) < 0 ||
        (val[0] && cmd_parse_real(s, "ratio", val[0], &ratio) < 0) ||
        (val[1] && cmd_parse_size(s, "seed", val[1], &seed) < 0))
        return CMD_ERROR;
    if (!(ratio > 0 && ratio < 1)) {
        cmd_error(s, "ratio must be between 0 and 1 (the share of rows for training), not %s",
                  val[0]);
        return CMD_ERROR;
    }
    if ((d = session_need_dataset(s, argv[0])) == NULL)
        return CMD_ERROR;
    if (val[2] != NULL) {
        long c = frame_find(d->frame, val[2]);

        if (c < 0) {
            cmd_error(s, "cannot stratify by '%s': '%s' has no such column", val[2], d->name);
            return CMD_ERROR;
        }
        if ((strata = cmd_strata(s, d->frame, (size_t)c, &nstrata)) == NULL)
            return CMD_ERROR;
        if (frame_col_type(d->frame, (size_t)c) == AIWB_NUMERIC) {
            char *note = xasprintf("stratified by the %zu distinct values of the numeric column "
                                   "'%s'", nstrata, val[2]);

            output_notes(&s->out, note);
            free(note);
        }
    }
    if (split_indices(frame_rows(d->frame), ratio, seed, strata, nstrata, &tr, &ntr, &te,
                      &nte) < 0) {
        cmd_error(s, "cannot split '%s' (%zu rows) with ratio %s: a part would be empty",
                  d->name, frame_rows(d->frame), numfmt_exact(rbuf, ratio));
        free(strata);
        return CMD_ERROR;
    }
    strbuf_addf(&how, "split %s ratio=%s seed=%zu", d->name, numfmt_exact(rbuf, ratio), seed);
    if (val[2] != NULL)
        strbuf_addf(&how, " stratify=%s", val[2]);
    lineage = strbuf_detach(&how, NULL);
    name_tr = xasprintf("%s.train", d->name);
    name_te = xasprintf("%s.test", d->name);
    {
        char *parent = xstrdup(d->name); /* D may move when the parts are added */
        struct aiwb_frame *ftr = frame_take(d->frame, tr, ntr);
        struct aiwb_frame *fte = frame_take(d->frame, te, nte);

        session_put_dataset(s, name_tr, ftr, parent, "", lineage);
        session_put_dataset(s, name_te, fte, parent, "", lineage);
        output_say(&s->out, "split '%s': '%s' %zu rows, '%s' %zu rows (seed %zu%s%s)", parent,
                   name_tr, ntr, name_te, nte, seed, val[2] ? ", stratified by " : "",
                   val[2] ? val[2] : "");
        free(parent);
    }
    free(name_tr);
    free(name_te);
    free(lineage);
    free(strata);
    free(tr);
    free(te);
    return CMD_OK;
}

const struct cmd_entry cmd_split_entry = {
    .name = "split",
    .usage = "split NAME [ratio=0.8] [seed=N] [stratify=COLUMN]",
    .summary = "split a dataset into NAME.train and NAME.test (seed 1 unless given)",
    .help = "Rows are shuffled with the seed, so the same seed gives the same split on\n"
            "every machine. With stratify=COLUMN each class keeps its share in both parts.",
    .min_args = 1,
    .max_args = 4,
    .complete = {COMPLETE_DATASET},
    .exec = cmd_split_exec,
};
