/*
 * cmd-predict.c - "predict": a model's predictions for a dataset, as a
 * new dataset (the input columns, the prediction, class probabilities).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "core/frame.h"
#include "core/pipeline.h"
#include "core/xalloc.h"
#include "repl/cmd.h"
#include "repl/session.h"

/* A name for column NAME that F does not have yet ("prediction", "prediction_2"). */
static char *
free_name(const struct aiwb_frame *f, const char *name)
{
    char *s = xstrdup(name);

    for (int k = 2; frame_find(f, s) >= 0; k++) {
        free(s);
        s = xasprintf("%s_%d", name, k);
    }
    return s;
}

static struct aiwb_frame *
prediction_frame(const struct pipeline *p, const struct aiwb_frame *in,
                 const struct prediction *pr)
{
    struct aiwb_frame *f = frame_clone(in);
    char *col = free_name(f, pr->task == AIWB_TASK_CLUSTERING ? "cluster"
                             : pr->task == AIWB_TASK_RANKING  ? "score"
                                                              : "prediction");

    if (pr->task == AIWB_TASK_CLASSIFICATION) {
        int32_t *codes = frame_add_categorical(f, col);
        size_t c = frame_cols(f) - 1;

        for (size_t k = 0; k < pr->k; k++) {
            const char *cls = pipeline_class_name(p, k);

            frame_level_intern(f, c, cls, strlen(cls));
        }
        memcpy(codes, pr->classes, pr->n * sizeof *codes);
        for (size_t k = 0; k < pr->k; k++) {
            char *pname = xasprintf("p_%s", pipeline_class_name(p, k));
            char *pcol = free_name(f, pname);
            double *v = frame_add_numeric(f, pcol);

            for (size_t i = 0; i < pr->n; i++)
                v[i] = pr->values[i * pr->k + k];
            free(pcol);
            free(pname);
        }
    } else if (pr->task == AIWB_TASK_CLUSTERING) {
        /* The cluster, numbered from 1; the memberships of a soft clustering. */
        double *v = frame_add_numeric(f, col);
        int soft = 0;

        for (size_t i = 0; i < pr->n; i++) {
            v[i] = (double)pr->classes[i] + 1;
            for (size_t k = 0; k < pr->k && !soft; k++)
                soft = pr->values[i * pr->k + k] != 0 && pr->values[i * pr->k + k] != 1;
        }
        for (size_t k = 0; soft && k < pr->k; k++) {
            char *pname = xasprintf("p_%zu", k + 1);
            char *pcol = free_name(f, pname);
            double *w = frame_add_numeric(f, pcol);

            for (size_t i = 0; i < pr->n; i++)
                w[i] = pr->values[i * pr->k + k];
            free(pcol);
            free(pname);
        }
    } else if (pr->task == AIWB_TASK_DECOMPOSITION) {
        for (size_t k = 0; k < pr->k; k++) {
            char *pname = xasprintf("pc%zu", k + 1);
            char *pcol = free_name(f, pname);
            double *w = frame_add_numeric(f, pcol);

            for (size_t i = 0; i < pr->n; i++)
                w[i] = pr->values[i * pr->k + k];
            free(pcol);
            free(pname);
        }
    } else {
        double *v = frame_add_numeric(f, col);

        for (size_t i = 0; i < pr->n; i++)
            v[i] = pr->values[i * pr->k];
    }
    free(col);
    return f;
}

static enum cmd_retval
cmd_predict_exec(struct session *s, int argc, char **argv)
{
    struct pipeline *p;
    struct dataset *d;
    struct prediction pr;
    char *cause = NULL, *notes = NULL, *name, *lineage, *model;
    int version;

    if ((argc != 3 && argc != 5) || strcmp(argv[1], "on") != 0 ||
        (argc == 5 && strcmp(argv[3], "as") != 0)) {
        cmd_error(s, "predict: usage: predict MODEL on DATASET [as NAME]");
        return CMD_ERROR;
    }
    if (argc == 5 && !session_valid_name(argv[4])) {
        cmd_error(s, "'%s' is not a valid dataset name (letters, digits, _ . -)", argv[4]);
        return CMD_ERROR;
    }
    if ((p = session_model(s, argv[0], &version)) == NULL ||
        (d = session_need_dataset(s, argv[2])) == NULL)
        return CMD_ERROR;
    if (pipeline_predict(p, d->frame, &pr, &notes, &cause) < 0) {
        cmd_error(s, "cannot predict '%s' with '%s': %s", d->name, argv[0], cause);
        free(cause);
        free(notes);
        return CMD_ERROR;
    }
    if (notes != NULL)
        output_notes(&s->out, notes);
    model = strchr(argv[0], ':') ? xstrndup(argv[0], (size_t)(strchr(argv[0], ':') - argv[0]))
                                 : xstrdup(argv[0]);
    name = argc == 5 ? xstrdup(argv[4]) : xasprintf("%s.%s", d->name, model);
    /* The version is pinned, so the lineage makes the same predictions again. */
    lineage = xasprintf("predict %s:%d on %s as %s", model, version, d->name, name);
    {
        char *parent = xstrdup(d->name);

        session_put_dataset(s, name, prediction_frame(p, d->frame, &pr), parent, "", lineage);
        output_say(&s->out, "predicted %zu rows of '%s' with %s:%d into '%s'", pr.n, parent,
                   model, version, name);
        free(parent);
    }
    prediction_release(&pr);
    free(notes);
    free(model);
    free(name);
    free(lineage);
    return CMD_OK;
}

const struct cmd_entry cmd_predict_entry = {
    .name = "predict",
    .usage = "predict MODEL on DATASET [as NAME]",
    .summary = "predict every row of a dataset into a new dataset (DATASET.MODEL by default)",
    .help = "The new dataset holds the input columns, `prediction`, and for classifiers\n"
            "one p_CLASS probability column per class. A clustering adds `cluster`\n"
            "(numbered from 1) and, when soft (gmm), each cluster's membership p_1 ...;\n"
            "a decomposition (pca) the component scores pc1, pc2 ...; a recommender the\n"
            "`score` of each (user, item) row. `write NAME FILE` saves it.",
    .min_args = 3,
    .max_args = 5,
    .complete = {COMPLETE_MODEL},
    .exec = cmd_predict_exec,
};
