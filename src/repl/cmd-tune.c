/*
 * cmd-tune.c - "tune": grid search by cross-validation. Every point of the
 * grid is cross-validated on the same folds (a cv run each); the best one is
 * fitted on every row and saved.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/numfmt.h"
#include "core/options.h"
#include "core/registry.h"
#include "core/strbuf.h"
#include "core/table.h"
#include "core/xalloc.h"
#include "repl/cmd.h"
#include "repl/crossval.h"
#include "repl/fit.h"
#include "repl/session.h"

#define DEFAULT_FOLDS 5
/* More points than this is a mistake more often than a plan. */
#define MAX_POINTS 10000

/* One option of the grid and the values it takes. */
struct axis {
    char *name;
    size_t n;
    char **values;
};

struct grid {
    size_t naxes;
    struct axis *axes;
    size_t npoints;
};

static void
grid_release(struct grid *g)
{
    for (size_t i = 0; i < g->naxes; i++) {
        for (size_t j = 0; j < g->axes[i].n; j++)
            free(g->axes[i].values[j]);
        free(g->axes[i].values);
        free(g->axes[i].name);
    }
    free(g->axes);
    memset(g, 0, sizeof *g);
}

/* TEXT from FROM to TO without the blanks around it, as a new string. */
static char *
trimmed(const char *from, const char *to)
{
    while (from < to && (*from == ' ' || *from == '\t'))
        from++;
    while (to > from && (to[-1] == ' ' || to[-1] == '\t'))
        to--;
    return xstrndup(from, (size_t)(to - from));
}

/*
 * Read "lambda=0.01,0.1,1; alpha=0.5,1" into G, each name an option of the
 * algorithm that the fixed options do not already set. 0, or -1 after
 * cmd_error().
 */
static int
parse_grid(struct session *s, const struct fit_args *a, const struct component *comp,
           const char *text, struct grid *g)
{
    const char *p = text;

    memset(g, 0, sizeof *g);
    g->npoints = 1;
    while (*p) {
        const char *end = strchr(p, ';'), *eq, *v;
        struct axis ax = {0};

        if (end == NULL)
            end = p + strlen(p);
        eq = memchr(p, '=', (size_t)(end - p));
        if (eq == NULL) {
            char *part = trimmed(p, end);

            if (*part == '\0') { /* "a=1;" or "a=1; ;b=2": nothing between */
                free(part);
                p = *end ? end + 1 : end;
                continue;
            }
            cmd_error(s, "tune: grid: '%s' has no values (write OPTION=V1,V2,...)", part);
            free(part);
            return -1;
        }
        ax.name = trimmed(p, eq);
        if (options_spec_find(comp->options, ax.name) == NULL) {
            cmd_error(s, "tune: grid: %s has no option '%s' (help %s lists them)", a->algorithm,
                      ax.name, a->algorithm);
            free(ax.name);
            return -1;
        }
        for (size_t i = 0; i < a->nopts; i++) {
            size_t len = strlen(ax.name);

            if (strncmp(a->opts[i], ax.name, len) == 0 && a->opts[i][len] == '=') {
                cmd_error(s, "tune: %s is both fixed (%s) and in the grid", ax.name,
                          a->opts[i]);
                free(ax.name);
                return -1;
            }
        }
        for (size_t i = 0; i < g->naxes; i++) {
            if (strcmp(g->axes[i].name, ax.name) == 0) {
                cmd_error(s, "tune: grid: %s is given twice", ax.name);
                free(ax.name);
                return -1;
            }
        }
        for (v = eq + 1; v <= end;) {
            const char *comma = memchr(v, ',', (size_t)(end - v));
            const char *stop = comma != NULL ? comma : end;
            char *value = trimmed(v, stop);

            if (*value == '\0') {
                cmd_error(s, "tune: grid: %s has an empty value", ax.name);
                free(value);
                for (size_t j = 0; j < ax.n; j++)
                    free(ax.values[j]);
                free(ax.values);
                free(ax.name);
                return -1;
            }
            ax.values = xreallocarray(ax.values, ax.n + 1, sizeof *ax.values);
            ax.values[ax.n++] = value;
            v = stop + 1;
        }
        g->axes = xreallocarray(g->axes, g->naxes + 1, sizeof *g->axes);
        g->axes[g->naxes++] = ax;
        if (g->npoints > MAX_POINTS / ax.n) {
            cmd_error(s, "tune: the grid has more than %d points", MAX_POINTS);
            return -1;
        }
        g->npoints *= ax.n;
        p = *end ? end + 1 : end;
    }
    if (g->naxes == 0) {
        cmd_error(s, "tune: the grid is empty (write grid='OPTION=V1,V2; OPTION=...')");
        return -1;
    }
    return 0;
}

/* The option words of point I ("lambda=0.1", "alpha=1"), the first axis
 * varying slowest; new strings in WORDS (naxes of them). */
static void
point_words(const struct grid *g, size_t i, char **words)
{
    for (size_t k = g->naxes; k-- > 0;) {
        const struct axis *ax = &g->axes[k];

        words[k] = xasprintf("%s=%s", ax->name, ax->values[i % ax->n]);
        i /= ax->n;
    }
}

static void
words_free(char **words, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(words[i]);
}

/* The index of metric NAME in R, or -1. */
static long
metric_index(const struct cv_result *r, const char *name)
{
    for (size_t j = 0; j < r->n; j++)
        if (strcmp(r->names[j], name) == 0)
            return (long)j;
    return -1;
}

static enum cmd_retval
cmd_tune_exec(struct session *s, int argc, char **argv)
{
    struct fit_args a;
    struct grid g = {0};
    struct cv_plan plan = {0};
    struct cv_result *res = NULL;
    const struct component *comp;
    struct dataset *d;
    struct aiwb_table *t = NULL;
    char **words = NULL, *by = NULL, *model = NULL;
    size_t done = 0;
    long best = -1, col = -1;
    int higher = 1, stopped = 0;
    enum cmd_retval rc = CMD_ERROR;

    if (fit_parse(s, "tune", FIT_FOLDS | FIT_GRID, argc, argv, &a) < 0)
        goto out;
    if (a.grid == NULL) {
        cmd_error(s, "tune: which values to try? add grid='OPTION=V1,V2; OPTION=V1,V2'");
        goto out;
    }
    if (fit_check(s, &a, 0, NULL) < 0)
        goto out;
    comp = registry_find(COMPONENT_ALGORITHM, a.algorithm);
    if (parse_grid(s, &a, comp, a.grid, &g) < 0)
        goto out;
    words = xcalloc(g.naxes, sizeof *words);
    /* Every value of the grid must be one the option takes. */
    for (size_t k = 0; k < g.naxes; k++) {
        for (size_t v = 0; v < g.axes[k].n; v++) {
            char *w = xasprintf("%s=%s", g.axes[k].name, g.axes[k].values[v]);
            int bad = fit_check(s, &a, 1, &w) < 0;

            free(w);
            if (bad)
                goto out;
        }
    }
    if ((d = session_need_dataset(s, a.dataset)) == NULL ||
        cv_plan_make(s, &a, d, DEFAULT_FOLDS, &plan) < 0)
        goto out;
    res = xcalloc(g.npoints, sizeof *res);
    output_say(&s->out, "tuning %s on '%s' (%zu rows)%s%s%s: %zu point%s, %s", a.algorithm,
               d->name, plan.n, a.target != NULL ? ", target '" : "",
               a.target != NULL ? a.target : "", a.target != NULL ? "'" : "", g.npoints,
               g.npoints == 1 ? "" : "s", plan.how);
    for (size_t i = 0; i < g.npoints; i++) {
        char label[64], m[NUMFMT_BUFSZ], sd[NUMFMT_BUFSZ];
        struct strbuf sb = STRBUF_INIT;

        point_words(&g, i, words);
        snprintf(label, sizeof label, "point %zu/%zu", i + 1, g.npoints);
        if (cv_run(s, &a, g.naxes, words, d, &plan, label, 0, &res[i]) < 0) {
            words_free(words, g.naxes);
            goto out;
        }
        words_free(words, g.naxes);
        if (res[i].stopped || res[i].done < plan.k) {
            stopped = 1;
            break;
        }
        done++;
        if (by == NULL) {
            /* The first metric eval reports, unless by= names another. */
            by = xstrdup(a.by != NULL ? a.by : res[i].n > 0 ? res[i].names[0] : "");
            higher = fit_higher_is_better(by);
        }
        if ((col = metric_index(&res[i], by)) < 0) {
            struct strbuf all = STRBUF_INIT;

            for (size_t j = 0; j < res[i].n; j++)
                strbuf_addf(&all, "%s%s", j ? ", " : "", res[i].names[j]);
            cmd_error(s, "tune: by=%s: the folds were not scored by %s (they were by: %s)", by,
                      by, strbuf_str(&all));
            strbuf_release(&all);
            goto out;
        }
        if (best < 0 || (higher ? res[i].mean[col] > res[best].mean[col]
                                : res[i].mean[col] < res[best].mean[col]))
            best = (long)i;
        point_words(&g, i, words);
        for (size_t k = 0; k < g.naxes; k++)
            strbuf_addf(&sb, "%s%s", k ? " " : "", words[k]);
        words_free(words, g.naxes);
        output_say(&s->out, "  point %zu/%zu: %s: %s %s ± %s (run %lld)", i + 1, g.npoints,
                   strbuf_str(&sb), by, numfmt_sig(m, res[i].mean[col], 4),
                   numfmt_sig(sd, res[i].sd[col], 2), (long long)res[i].run);
        strbuf_release(&sb);
    }
    if (done == 0) {
        output_say(&s->out, "stopped by the user before a point was done");
        rc = CMD_OK;
        goto out;
    }

    t = table_new(NULL);
    table_column(t, "point", AIWB_TABLE_INT);
    for (size_t k = 0; k < g.naxes; k++)
        table_column(t, g.axes[k].name, AIWB_TABLE_TEXT);
    table_column(t, by, AIWB_TABLE_REAL);
    table_column(t, "sd", AIWB_TABLE_REAL);
    for (size_t j = 0; j < res[0].n; j++)
        if ((long)j != col)
            table_column(t, res[0].names[j], AIWB_TABLE_REAL);
    table_column(t, "run", AIWB_TABLE_INT);
    for (size_t i = 0; i < done; i++) {
        table_int(t, (int64_t)i + 1);
        point_words(&g, i, words);
        for (size_t k = 0; k < g.naxes; k++)
            table_text(t, strchr(words[k], '=') + 1);
        words_free(words, g.naxes);
        table_real(t, res[i].mean[col]);
        table_real(t, res[i].sd[col]);
        for (size_t j = 0; j < res[0].n; j++)
            if ((long)j != col)
                table_real(t, j < res[i].n ? res[i].mean[j] : NAN);
        table_int(t, res[i].run);
    }
    table_notef(t, "(each metric's mean over the %zu folds, and the standard deviation of %s; "
                   "the best point is %ld)", plan.k, by, best + 1);
    output_table(&s->out, t);
    if (stopped) {
        output_say(&s->out, "stopped by the user after %zu of %zu points; no model was fitted",
                   done, g.npoints);
        rc = CMD_OK;
        goto out;
    }
    point_words(&g, (size_t)best, words);
    {
        struct strbuf sb = STRBUF_INIT;

        for (size_t k = 0; k < g.naxes; k++)
            strbuf_addf(&sb, "%s%s", k ? " " : "", words[k]);
        output_say(&s->out, "best: %s (run %lld)", strbuf_str(&sb), (long long)res[best].run);
        strbuf_release(&sb);
    }
    model = a.model != NULL ? xstrdup(a.model) : xasprintf("m%lld", (long long)res[best].run);
    if (cv_refit(s, &a, g.naxes, words, d, res[best].run, model) < 0) {
        words_free(words, g.naxes);
        goto out;
    }
    words_free(words, g.naxes);
    rc = CMD_OK;
out:
    for (size_t i = 0; res != NULL && i < g.npoints; i++)
        cv_result_release(&res[i]);
    free(res);
    free(words);
    free(by);
    free(model);
    table_free(t);
    grid_release(&g);
    cv_plan_release(&plan);
    fit_args_release(&a);
    return rc;
}

const struct cmd_entry cmd_tune_entry = {
    .name = "tune",
    .usage = "tune ALGORITHM on DATASET [target=COLUMN] grid='OPTION=V1,V2; OPTION=V1,V2' "
             "[by=METRIC] [folds=5] [stratify[=COLUMN|no]] [seed=N] [with TRANSFORM,...] "
             "[OPTION=VALUE ...] [as MODEL]",
    .summary = "grid search by cross-validation; the best point is fitted on all rows and saved",
    .help = "Every combination of the grid's values is cross-validated on the same folds,\n"
            "each a cv run of its own. The table shows each point's mean metrics; the\n"
            "best by METRIC (default: the first metric eval reports, accuracy or rmse)\n"
            "is fitted on every row and saved as MODEL (default m<its run>). Options\n"
            "outside the grid stay fixed. Ctrl-C stops; the points done are kept.",
    .min_args = 3,
    .max_args = -1,
    .complete = {COMPLETE_NONE},
    .exec = cmd_tune_exec,
    .background = 1,
};
