/*
 * cmd-drift.c - "drift": compare two datasets column by column with the
 * drift statistics (plugins of their own kind), keep the report in the
 * workspace, and redraw it for `show drift REPORT`.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One report structure (struct report) is built either from the statistics'
 * results or from the workspace, and one function turns it into the view,
 * so that `show drift N` shows what `drift` showed.
 */
#include <config.h>

#include "repl/drift.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/chart.h"
#include "core/codec.h"
#include "core/frame.h"
#include "core/options.h"
#include "core/registry.h"
#include "core/strbuf.h"
#include "core/table.h"
#include "core/xalloc.h"
#include "repl/cmd.h"
#include "repl/session.h"
#include "repl/view.h"
#include "store/store.h"

/* One statistic's result on one column. */
struct stat_result {
    char *stat; /* the statistic's name */
    size_t seq; /* its place among the statistics chosen */
    double value, p, effect, severity;
    char *measure; /* what effect is */
    enum aiwb_drift_verdict verdict;
    char *binning, *note;      /* or NULL */
    enum aiwb_drift_dist dist; /* what the chart draws */
    size_t nbins;
    double *edges;     /* BINS: nbins + 1 */
    char **labels;     /* LEVELS: nbins */
    double *ref, *cur; /* nbins shares each */
};

/* One column compared. */
struct column_report {
    char *name;
    enum aiwb_coltype type;
    size_t n_ref, n_cur; /* non-missing values */
    enum aiwb_drift_verdict flag;
    double severity; /* the largest of its statistics' */
    size_t order;    /* its place in the reference, for ties */
    size_t nstats;
    struct stat_result *stats;
};

struct report {
    int64_t id; /* 0 when it could not be kept */
    char *ref, *cur;
    size_t ref_rows, cur_rows;
    char *options; /* the settings, as words */
    char *notes;   /* lines, "" if none */
    size_t ncols;
    struct column_report *cols;
};

/* How much a verdict weighs when flagging and sorting columns. */
static int
rank_of(enum aiwb_drift_verdict v)
{
    switch (v) {
    case AIWB_DRIFT_DRIFT:
        return 3;
    case AIWB_DRIFT_MODERATE:
        return 2;
    case AIWB_DRIFT_TOO_FEW:
        return 1;
    case AIWB_DRIFT_STABLE:
        break;
    }
    return 0;
}

/* A statistic's verdict as the details table says it. */
static const char *const verdict_names[] = {"stable", "moderate", "drift", "too few rows"};
/* A column's flag as the summary says it: drift stands out. */
static const char *const flag_names[] = {"stable", "moderate", "DRIFT", "too few rows"};

/* The verdict named TEXT in NAMES; -1 if none (a damaged report). */
static int
verdict_parse(const char *const *names, const char *text)
{
    for (int v = 0; v < 4; v++)
        if (text != NULL && strcmp(names[v], text) == 0)
            return v;
    return -1;
}

static const char *
type_name(enum aiwb_coltype t)
{
    return t == AIWB_NUMERIC ? "numeric" : "categorical";
}

static void
stat_release(struct stat_result *r)
{
    free(r->stat);
    free(r->measure);
    free(r->binning);
    free(r->note);
    free(r->edges);
    for (size_t i = 0; r->labels != NULL && i < r->nbins; i++)
        free(r->labels[i]);
    free(r->labels);
    free(r->ref);
    free(r->cur);
}

static void
report_release(struct report *r)
{
    for (size_t c = 0; c < r->ncols; c++) {
        for (size_t k = 0; k < r->cols[c].nstats; k++)
            stat_release(&r->cols[c].stats[k]);
        free(r->cols[c].stats);
        free(r->cols[c].name);
    }
    free(r->cols);
    free(r->ref);
    free(r->cur);
    free(r->options);
    free(r->notes);
    memset(r, 0, sizeof *r);
}

/* Flag column C by its statistics: the weightiest verdict; severity the
 * largest. */
static void
column_flag(struct column_report *c)
{
    c->flag = AIWB_DRIFT_STABLE;
    c->severity = 0;
    for (size_t k = 0; k < c->nstats; k++) {
        const struct stat_result *r = &c->stats[k];

        if (rank_of(r->verdict) > rank_of(c->flag))
            c->flag = r->verdict;
        if (r->severity > c->severity)
            c->severity = r->severity;
    }
}

/* Most severe first: by flag, then severity, then the reference's order. */
static int
cmp_columns(const void *a, const void *b)
{
    const struct column_report *x = a, *y = b;

    if (rank_of(x->flag) != rank_of(y->flag))
        return rank_of(y->flag) - rank_of(x->flag);
    if (x->severity != y->severity)
        return x->severity < y->severity ? 1 : -1;
    return (x->order > y->order) - (x->order < y->order);
}

/* ---- the distributions, as a codec blob in the workspace ------------------- */

static unsigned char *
dist_encode(const struct stat_result *r, size_t *len)
{
    struct aiwb_writer *w;
    unsigned char *blob;

    if (r->dist == AIWB_DRIFT_DIST_NONE)
        return NULL;
    w = writer_new();
    codec_put_int(w, "kind", r->dist);
    if (r->dist == AIWB_DRIFT_DIST_BINS)
        codec_put_reals(w, "edges", r->nbins + 1, r->edges);
    else
        codec_put_strs(w, "labels", r->nbins, (const char *const *)r->labels);
    codec_put_reals(w, "ref", r->nbins, r->ref);
    codec_put_reals(w, "cur", r->nbins, r->cur);
    blob = codec_seal(w, len);
    writer_free(w);
    return blob;
}

/* Read the distributions of DATA (LEN bytes) into R; -1 if damaged. */
static int
dist_decode(struct stat_result *r, const unsigned char *data, size_t len)
{
    struct aiwb_reader *rd;
    char *cause = NULL;
    int64_t kind = 0;
    size_t n = 0, ne = 0, nr = 0, nc = 0;
    int rc = -1;

    if ((rd = reader_open(data, len, &cause)) == NULL) {
        free(cause);
        return -1;
    }
    if (codec_get_int(rd, "kind", &kind) < 0)
        goto out;
    if (kind == AIWB_DRIFT_DIST_BINS) {
        if (codec_get_reals(rd, "edges", &ne, &r->edges) < 0 || ne < 2)
            goto out;
        n = ne - 1;
    } else if (kind == AIWB_DRIFT_DIST_LEVELS) {
        if (codec_get_strs(rd, "labels", &n, &r->labels) < 0)
            goto out;
    } else {
        goto out;
    }
    r->nbins = n;
    if (codec_get_reals(rd, "ref", &nr, &r->ref) < 0 ||
        codec_get_reals(rd, "cur", &nc, &r->cur) < 0 || nr != n || nc != n)
        goto out;
    r->dist = (enum aiwb_drift_dist)kind;
    rc = 0;
out:
    reader_free(rd);
    return rc;
}

/* ---- the view ---------------------------------------------------------------- */

/* The statistics the report used, in the order chosen: NAMES[seq], a new
 * array of borrowed names (NULL where no column used that place). */
static const char **
report_stats(const struct report *r, size_t *n)
{
    const char **names = NULL;

    *n = 0;
    for (size_t c = 0; c < r->ncols; c++) {
        for (size_t k = 0; k < r->cols[c].nstats; k++) {
            const struct stat_result *st = &r->cols[c].stats[k];

            if (st->seq >= *n) {
                names = xreallocarray(names, st->seq + 1, sizeof *names);
                memset(names + *n, 0, (st->seq + 1 - *n) * sizeof *names);
                *n = st->seq + 1;
            }
            if (names[st->seq] == NULL)
                names[st->seq] = st->stat;
        }
    }
    return names;
}

/* Column C's result of statistic number SEQ, or NULL. */
static const struct stat_result *
result_of(const struct column_report *c, size_t seq)
{
    for (size_t k = 0; k < c->nstats; k++)
        if (c->stats[k].seq == seq)
            return &c->stats[k];
    return NULL;
}

static void
real_cell(struct aiwb_table *t, double v)
{
    if (isnan(v))
        table_null(t);
    else
        table_real(t, v);
}

/* One row per column: its type, values, each statistic's value, its flag. */
static struct aiwb_table *
summary_table(const struct report *r, const char *const *stats, size_t nstats)
{
    struct aiwb_table *t = table_new(NULL);

    table_column(t, "column", AIWB_TABLE_TEXT);
    table_column(t, "type", AIWB_TABLE_TEXT);
    table_column(t, "n_ref", AIWB_TABLE_INT);
    table_column(t, "n_cur", AIWB_TABLE_INT);
    for (size_t k = 0; k < nstats; k++)
        if (stats[k] != NULL)
            table_column(t, stats[k], AIWB_TABLE_REAL);
    table_column(t, "flag", AIWB_TABLE_TEXT);
    for (size_t k = 4; k + 1 < t->ncols; k++)
        table_digits(t, k, 4);
    for (size_t c = 0; c < r->ncols; c++) {
        const struct column_report *col = &r->cols[c];

        table_text(t, col->name);
        table_text(t, type_name(col->type));
        table_int(t, (int64_t)col->n_ref);
        table_int(t, (int64_t)col->n_cur);
        for (size_t k = 0; k < nstats; k++) {
            const struct stat_result *st = result_of(col, k);

            if (stats[k] == NULL)
                continue;
            if (st == NULL)
                table_null(t);
            else
                real_cell(t, st->value);
        }
        table_text(t, flag_names[col->flag]);
    }
    table_note(t, "most severe first; n: non-missing values; each statistic's column holds its "
                  "value; flag: the gravest verdict of the column's statistics");
    return t;
}

/* One row per column and statistic: value, p, effect size, verdict. */
static struct aiwb_table *
details_table(const struct report *r)
{
    struct aiwb_table *t = table_new(NULL);

    table_column(t, "column", AIWB_TABLE_TEXT);
    table_column(t, "stat", AIWB_TABLE_TEXT);
    table_column(t, "value", AIWB_TABLE_REAL);
    table_column(t, "p", AIWB_TABLE_REAL);
    table_column(t, "effect", AIWB_TABLE_REAL);
    table_column(t, "measure", AIWB_TABLE_TEXT);
    table_column(t, "verdict", AIWB_TABLE_TEXT);
    table_column(t, "note", AIWB_TABLE_TEXT);
    table_digits(t, 2, 4);
    table_digits(t, 3, 3);
    table_digits(t, 4, 4);
    for (size_t c = 0; c < r->ncols; c++) {
        for (size_t k = 0; k < r->cols[c].nstats; k++) {
            const struct stat_result *st = &r->cols[c].stats[k];

            table_text(t, r->cols[c].name);
            table_text(t, st->stat);
            real_cell(t, st->value);
            real_cell(t, st->p);
            real_cell(t, st->effect);
            table_text(t, st->measure != NULL ? st->measure : "");
            table_text(t, verdict_names[st->verdict]);
            table_text(t, st->note != NULL ? st->note : "");
        }
    }
    table_note(t, "a verdict of drift needs p < alpha and the effect size past its threshold; "
                  "`help STAT` gives each rule");
    return t;
}

/* The binnings statistic number K used on columns of type TYPE, distinct,
 * "; "-separated, appended to SB; whether there was any column. */
static int
binnings_of(const struct report *r, size_t k, enum aiwb_coltype type, struct strbuf *sb)
{
    size_t start = sb->len;
    int any = 0;

    for (size_t c = 0; c < r->ncols; c++) {
        const struct stat_result *st = result_of(&r->cols[c], k);
        const char *b;

        if (st == NULL || r->cols[c].type != type)
            continue;
        any = 1;
        b = st->binning != NULL ? st->binning : "none";
        if (strstr(strbuf_str(sb) + start, b) == NULL)
            strbuf_addf(sb, "%s%s", sb->len > start ? "; " : "", b);
    }
    return any;
}

/* How each statistic binned, a line each: "psi  numeric: ...; categorical: ...". */
static char *
binning_text(const struct report *r, const char *const *stats, size_t nstats)
{
    struct strbuf sb = STRBUF_INIT;
    size_t width = 0;

    for (size_t k = 0; k < nstats; k++)
        if (stats[k] != NULL && strlen(stats[k]) > width)
            width = strlen(stats[k]);
    strbuf_adds(&sb, "binning:");
    for (size_t k = 0; k < nstats; k++) {
        struct strbuf num = STRBUF_INIT, cat = STRBUF_INIT;
        int n, c;

        if (stats[k] == NULL)
            continue;
        n = binnings_of(r, k, AIWB_NUMERIC, &num);
        c = binnings_of(r, k, AIWB_CATEGORICAL, &cat);
        strbuf_addf(&sb, "\n  %-*s  ", (int)width, stats[k]);
        if (n && c && strcmp(strbuf_str(&num), strbuf_str(&cat)) != 0)
            strbuf_addf(&sb, "numeric: %s; categorical: %s", strbuf_str(&num), strbuf_str(&cat));
        else
            strbuf_adds(&sb, n ? strbuf_str(&num) : strbuf_str(&cat));
        strbuf_release(&num);
        strbuf_release(&cat);
    }
    return strbuf_detach(&sb, NULL);
}

/* The chart of flagged column C: the distributions of the first statistic
 * (in the order chosen) whose verdict is the column's flag, else of the
 * first that has some; NULL if none has. */
static struct chart *
column_chart(const struct column_report *c)
{
    const struct stat_result *best = NULL;
    const double *shares[2];
    struct chart *ch;
    char *title;

    for (size_t k = 0; k < c->nstats; k++) {
        const struct stat_result *st = &c->stats[k];

        if (st->dist == AIWB_DRIFT_DIST_NONE)
            continue;
        if (best == NULL || (st->verdict == c->flag && best->verdict != c->flag))
            best = st;
    }
    if (best == NULL)
        return NULL;
    title =
        xasprintf("%s (%s): shares of ref and cur (%s)", c->name, flag_names[c->flag], best->stat);
    ch = chart_new(best->dist == AIWB_DRIFT_DIST_BINS ? CHART_HIST : CHART_BARS, title);
    free(title);
    chart_axes(ch, best->dist == AIWB_DRIFT_DIST_BINS ? c->name : "", "share");
    chart_add_series(ch, "ref");
    chart_add_series(ch, "cur");
    if (best->dist == AIWB_DRIFT_DIST_BINS) {
        shares[0] = best->ref;
        shares[1] = best->cur;
        chart_bins(ch, best->nbins, best->edges, shares);
    } else {
        for (size_t b = 0; b < best->nbins; b++)
            chart_category(ch, best->labels[b], (const double[]){best->ref[b], best->cur[b]});
    }
    return ch;
}

/* Report R as a view (a new one). */
static struct view *
report_view(const struct report *r)
{
    size_t nstats, count[4] = {0};
    const char **stats = report_stats(r, &nstats);
    struct strbuf sb = STRBUF_INIT;
    struct view *v;
    char *title;

    if (r->id > 0)
        title = xasprintf("drift report %" PRId64 ": '%s' against '%s'", r->id, r->cur, r->ref);
    else
        title = xasprintf("drift: '%s' against '%s' (not kept)", r->cur, r->ref);
    v = view_new(title);
    free(title);
    for (size_t c = 0; c < r->ncols; c++)
        count[r->cols[c].flag]++;
    strbuf_addf(&sb,
                "'%s' (%zu rows) against '%s' (%zu rows): %zu column%s, %zu DRIFT, "
                "%zu moderate, %zu stable, %zu with too few rows\nsettings: %s\n%s",
                r->cur, r->cur_rows, r->ref, r->ref_rows, r->ncols, r->ncols == 1 ? "" : "s",
                count[AIWB_DRIFT_DRIFT], count[AIWB_DRIFT_MODERATE], count[AIWB_DRIFT_STABLE],
                count[AIWB_DRIFT_TOO_FEW], r->options, r->notes);
    view_text(v, strbuf_str(&sb));
    strbuf_release(&sb);
    view_table(v, summary_table(r, stats, nstats));
    view_table(v, details_table(r));
    title = binning_text(r, stats, nstats);
    view_text(v, title);
    free(title);
    for (size_t c = 0; c < r->ncols; c++) {
        struct chart *ch;

        if (r->cols[c].flag != AIWB_DRIFT_DRIFT && r->cols[c].flag != AIWB_DRIFT_MODERATE)
            continue;
        if ((ch = column_chart(&r->cols[c])) != NULL)
            view_chart(v, ch);
    }
    free(stats);
    return v;
}

/* ---- comparing ------------------------------------------------------------------ */

/* A chosen statistic and its options. */
struct chosen {
    const struct component *comp;
    struct aiwb_options *opts;
};

/* Split the comma-separated TEXT into a new array of *N new words; -1 after
 * cmd_error() for an empty word or one given twice (WHAT names the list). */
static int
split_list(struct session *s, const char *what, const char *text, char ***out, size_t *n)
{
    char **v = NULL;
    size_t k = 0;
    const char *p = text;

    for (;;) {
        size_t len = strcspn(p, ",");
        char *w = xstrndup(p, len);
        int empty = *w == '\0', twice = 0;

        for (size_t i = 0; !empty && !twice && i < k; i++)
            twice = strcmp(v[i], w) == 0;
        v = xreallocarray(v, k + 1, sizeof *v);
        v[k++] = w;
        if (empty || twice) {
            if (empty)
                cmd_error(s, "drift: %s= has an empty name in '%s'", what, text);
            else
                cmd_error(s, "drift: %s= names '%s' twice", what, w);
            while (k > 0)
                free(v[--k]);
            free(v);
            return -1;
        }
        if (p[len] == '\0')
            break;
        p += len + 1;
    }
    *out = v;
    *n = k;
    return 0;
}

static void
free_words(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static void
free_chosen(struct chosen *c, size_t n)
{
    for (size_t i = 0; c != NULL && i < n; i++)
        options_free(c[i].opts);
    free(c);
}

/* Every option name the loaded drift statistics declare, ", "-separated. */
static char *
all_option_names(void)
{
    struct strbuf sb = STRBUF_INIT;

    strbuf_adds(&sb, "columns, stats");
    for (size_t i = 0; i < registry_count(); i++) {
        const struct component *c = registry_at(i);

        for (size_t j = 0; c->kind == COMPONENT_DRIFT && c->options && c->options[j].name; j++) {
            char *pat = xasprintf(", %s,", c->options[j].name);
            char *have = xasprintf("%s,", strbuf_str(&sb));

            if (strstr(have, pat) == NULL)
                strbuf_addf(&sb, ", %s", c->options[j].name);
            free(pat);
            free(have);
        }
    }
    return strbuf_detach(&sb, NULL);
}

/* The statistics named in STATS (NULL: every loaded one), without options
 * yet: a new array of *N, or NULL after cmd_error(). */
static struct chosen *
find_stats(struct session *s, const char *stats, size_t *n)
{
    struct chosen *ch = NULL;
    char **names = NULL;
    size_t k = 0, nnames = 0;

    if (stats == NULL) {
        for (size_t i = 0; i < registry_count(); i++) {
            if (registry_at(i)->kind != COMPONENT_DRIFT)
                continue;
            ch = xreallocarray(ch, k + 1, sizeof *ch);
            ch[k].comp = registry_at(i);
            ch[k++].opts = NULL;
        }
        if (k == 0)
            cmd_error(s, "drift: no drift statistics are loaded (see `plugins`)");
        *n = k;
        return ch;
    }
    if (split_list(s, "stats", stats, &names, &nnames) < 0)
        return NULL;
    ch = xcalloc(nnames, sizeof *ch);
    for (; k < nnames; k++) {
        if ((ch[k].comp = registry_find(COMPONENT_DRIFT, names[k])) == NULL) {
            char *all = cmd_component_names(COMPONENT_DRIFT);

            cmd_error(s, "drift: no drift statistic '%s' (drift statistics: %s)", names[k],
                      *all ? all : "none loaded");
            free(all);
            free(ch);
            ch = NULL;
            k = 0;
            break;
        }
    }
    free_words(names, nnames);
    *n = k;
    return ch;
}

/* Whether component C declares the option of WORD ("name=value"). */
static int
takes_option(const struct component *c, const char *word)
{
    char *key = xstrndup(word, strcspn(word, "="));
    int yes = options_spec_find(c->options, key) != NULL;

    free(key);
    return yes;
}

/* Refuse WORD when none of the N chosen statistics CH declares its option;
 * 0, or -1 after cmd_error() naming the statistic that would take it. */
static int
check_option(struct session *s, const struct chosen *ch, size_t n, const char *word)
{
    const struct component *other = NULL;
    int len = (int)strcspn(word, "=");

    for (size_t i = 0; i < n; i++)
        if (takes_option(ch[i].comp, word))
            return 0;
    for (size_t i = 0; other == NULL && i < registry_count(); i++)
        if (registry_at(i)->kind == COMPONENT_DRIFT && takes_option(registry_at(i), word))
            other = registry_at(i);
    if (other != NULL) {
        cmd_error(s, "drift: option '%.*s' is %s's, which stats= leaves out", len, word,
                  other->name);
    } else {
        char *all = all_option_names();

        cmd_error(s, "drift: no statistic takes option '%.*s' (options: %s)", len, word, all);
        free(all);
    }
    return -1;
}

/*
 * The statistics of STATS (NULL: every loaded one) with their options from
 * the N words WORDS ("name=value", each routed to every chosen statistic
 * that declares it): a new array of *N_OUT, or NULL after cmd_error().
 */
static struct chosen *
choose_stats(struct session *s, const char *stats, size_t n, char **words, size_t *n_out)
{
    char **mine = xcalloc(n + 1, sizeof *mine);
    struct chosen *ch;
    size_t k = 0;

    if ((ch = find_stats(s, stats, &k)) == NULL)
        goto fail;
    for (size_t w = 0; w < n; w++)
        if (check_option(s, ch, k, words[w]) < 0)
            goto fail;
    for (size_t i = 0; i < k; i++) {
        size_t m = 0;
        char *cause = NULL;

        for (size_t w = 0; w < n; w++)
            if (takes_option(ch[i].comp, words[w]))
                mine[m++] = words[w];
        ch[i].opts = options_parse(ch[i].comp->name, ch[i].comp->options, m, mine, &cause);
        if (ch[i].opts == NULL) {
            cmd_error(s, "drift: %s", cause);
            free(cause);
            goto fail;
        }
    }
    free(mine);
    *n_out = k;
    return ch;
fail:
    free(mine);
    free_chosen(ch, k);
    return NULL;
}

/* The settings of the report: stats=, columns= as given, then every option
 * of the chosen statistics once, with its value. A new string. */
static char *
settings_text(const struct chosen *ch, size_t n, const char *columns)
{
    struct strbuf sb = STRBUF_INIT, seen = STRBUF_INIT;

    strbuf_adds(&sb, "stats=");
    for (size_t i = 0; i < n; i++)
        strbuf_addf(&sb, "%s%s", i ? "," : "", ch[i].comp->name);
    if (columns != NULL)
        strbuf_addf(&sb, " columns=%s", columns);
    strbuf_adds(&seen, " ");
    for (size_t i = 0; i < n; i++) {
        size_t nw;
        char **words = options_words(ch[i].opts, 1, &nw);

        for (size_t w = 0; w < nw; w++) {
            char *key = xasprintf(" %.*s ", (int)strcspn(words[w], "="), words[w]);

            if (strstr(strbuf_str(&seen), key) == NULL) {
                strbuf_addf(&sb, " %s", words[w]);
                strbuf_adds(&seen, key + 1);
            }
            free(key);
        }
        options_words_free(words);
    }
    strbuf_release(&seen);
    return strbuf_detach(&sb, NULL);
}

/* One column of both frames, as the statistics see it. Categorical codes
 * of the current frame are mapped onto one list of levels (the
 * reference's, then those only the current frame has), in new arrays the
 * caller frees with column_release(). */
struct both {
    struct aiwb_drift_column col;
    int32_t *cur_codes;
    const char **levels;
};

static void
column_prepare(struct both *b, const struct aiwb_frame *ref, size_t cr,
               const struct aiwb_frame *cur, size_t cc)
{
    memset(b, 0, sizeof *b);
    b->col.size = sizeof b->col;
    b->col.name = frame_col_name(ref, cr);
    b->col.type = frame_col_type(ref, cr);
    b->col.n_ref = frame_rows(ref);
    b->col.n_cur = frame_rows(cur);
    if (b->col.type == AIWB_NUMERIC) {
        b->col.ref = frame_numeric(ref, cr);
        b->col.cur = frame_numeric(cur, cc);
        return;
    }
    {
        size_t nr = frame_nlevels(ref, cr), nc = frame_nlevels(cur, cc), nl = nr;
        int32_t *map = xmalloc((nc ? nc : 1) * sizeof *map);
        const int32_t *codes = frame_codes(cur, cc);

        b->levels = xmalloc((nr + nc + 1) * sizeof *b->levels);
        for (size_t l = 0; l < nr; l++)
            b->levels[l] = frame_level(ref, cr, (int32_t)l);
        for (size_t l = 0; l < nc; l++) {
            const char *text = frame_level(cur, cc, (int32_t)l);
            int32_t code = frame_level_find(ref, cr, text);

            if (code < 0) {
                code = (int32_t)nl;
                b->levels[nl++] = text;
            }
            map[l] = code;
        }
        b->cur_codes = xmalloc((b->col.n_cur ? b->col.n_cur : 1) * sizeof *b->cur_codes);
        for (size_t i = 0; i < b->col.n_cur; i++)
            b->cur_codes[i] = codes[i] < 0 ? AIWB_NA_CODE : map[codes[i]];
        free(map);
        b->col.ref_codes = frame_codes(ref, cr);
        b->col.cur_codes = b->cur_codes;
        b->col.nlevels = nl;
        b->col.levels = b->levels;
    }
}

static void
column_release(struct both *b)
{
    free(b->cur_codes);
    free(b->levels);
}

/* Free what a statistic put in RES (with the host's free, as allocated). */
static void
result_release(struct aiwb_drift_result *res)
{
    const struct aiwb_host_api *api = registry_api();

    api->free(res->binning);
    api->free(res->text);
    api->free(res->edges);
    for (size_t i = 0; res->labels != NULL && i < res->nbins; i++)
        api->free(res->labels[i]);
    api->free(res->labels);
    api->free(res->ref_share);
    api->free(res->cur_share);
}

/* Why RES, from a statistic, cannot be used; NULL if it can. */
static const char *
result_check(const struct aiwb_drift_result *res)
{
    if ((unsigned)res->verdict > AIWB_DRIFT_TOO_FEW)
        return "an unknown verdict";
    if (res->dist == AIWB_DRIFT_DIST_NONE)
        return NULL;
    if (res->dist != AIWB_DRIFT_DIST_BINS && res->dist != AIWB_DRIFT_DIST_LEVELS)
        return "an unknown kind of distribution";
    if (res->nbins == 0 || res->ref_share == NULL || res->cur_share == NULL)
        return "distributions without shares";
    if (res->dist == AIWB_DRIFT_DIST_BINS) {
        if (res->edges == NULL)
            return "bins without edges";
        for (size_t b = 0; b <= res->nbins; b++)
            if (!isfinite(res->edges[b]) || (b > 0 && !(res->edges[b] > res->edges[b - 1])))
                return "bin edges that are not finite and increasing";
    } else {
        if (res->labels == NULL)
            return "levels without labels";
        for (size_t b = 0; b < res->nbins; b++)
            if (res->labels[b] == NULL)
                return "levels without labels";
    }
    return NULL;
}

/* Keep RES (of statistic NAME, place SEQ) as OUT, copying what it holds. */
static void
result_keep(struct stat_result *out, const char *name, size_t seq,
            const struct aiwb_drift_result *res)
{
    memset(out, 0, sizeof *out);
    out->stat = xstrdup(name);
    out->seq = seq;
    out->value = res->statistic;
    out->p = res->p;
    out->effect = res->effect;
    out->severity = isnan(res->severity) ? 0 : res->severity;
    out->measure = xstrdup(res->effect_name != NULL ? res->effect_name : "");
    out->verdict = res->verdict;
    out->binning = res->binning != NULL ? xstrdup(res->binning) : NULL;
    out->note = res->text != NULL ? xstrdup(res->text) : NULL;
    out->dist = res->dist;
    if (res->dist == AIWB_DRIFT_DIST_NONE)
        return;
    out->nbins = res->nbins;
    out->ref = xmalloc(res->nbins * sizeof *out->ref);
    out->cur = xmalloc(res->nbins * sizeof *out->cur);
    memcpy(out->ref, res->ref_share, res->nbins * sizeof *out->ref);
    memcpy(out->cur, res->cur_share, res->nbins * sizeof *out->cur);
    if (res->dist == AIWB_DRIFT_DIST_BINS) {
        out->edges = xmalloc((res->nbins + 1) * sizeof *out->edges);
        memcpy(out->edges, res->edges, (res->nbins + 1) * sizeof *out->edges);
    } else {
        out->labels = xmalloc(res->nbins * sizeof *out->labels);
        for (size_t b = 0; b < res->nbins; b++)
            out->labels[b] = xstrdup(res->labels[b]);
    }
}

/* Run the chosen statistics that take its type on column B into C.
 * Returns 0, or -1 after cmd_error(). */
static int
compare_column(struct session *s, const struct chosen *ch, size_t nch, const struct both *b,
               struct column_report *c)
{
    unsigned want = b->col.type == AIWB_NUMERIC ? AIWB_DRIFT_NUMERIC : AIWB_DRIFT_CATEGORICAL;

    for (size_t i = 0; i < nch; i++) {
        const struct aiwb_drift_type *t = ch[i].comp->type.drift;
        struct aiwb_drift_result res;
        char *cause = NULL;
        const char *bad;
        int rc;

        if (!(t->flags & want))
            continue;
        memset(&res, 0, sizeof res);
        res.size = sizeof res;
        rc = t->compare(ch[i].opts, &b->col, &res, &cause);
        bad = rc == AIWB_OK ? result_check(&res) : NULL;
        if (rc != AIWB_OK || bad != NULL) {
            if (bad != NULL)
                cmd_error(s, "drift: statistic '%s' returned %s for column '%s'", t->name, bad,
                          b->col.name);
            else if (cause != NULL)
                cmd_error(s, "drift: %s", cause);
            else
                cmd_error(s, "drift: statistic '%s' failed on column '%s' (status %d)", t->name,
                          b->col.name, rc);
            free(cause);
            result_release(&res);
            return -1;
        }
        c->stats = xreallocarray(c->stats, c->nstats + 1, sizeof *c->stats);
        result_keep(&c->stats[c->nstats++], t->name, i, &res);
        result_release(&res);
    }
    return 0;
}

/* Non-missing values of column COL of F. */
static size_t
values_of(const struct aiwb_frame *f, size_t col)
{
    return frame_rows(f) - frame_count_missing(f, col);
}

/*
 * The columns to compare, as pairs of indices into REF and CUR (a new array
 * of *N pairs): those of COLUMNS (a comma-separated list) or else every
 * column of REF that CUR has, with a note in NOTES for the others. NULL
 * after cmd_error().
 */
static size_t *
pick_columns(struct session *s, const struct dataset *ref, const struct dataset *cur,
             const char *columns, struct strbuf *notes, size_t *n)
{
    size_t *pairs = NULL, k = 0, nnames = 0;
    char **names = NULL;
    struct strbuf only = STRBUF_INIT;

    if (columns != NULL) {
        if (split_list(s, "columns", columns, &names, &nnames) < 0)
            return NULL;
    } else {
        for (size_t c = 0; c < frame_cols(ref->frame); c++) {
            names = xreallocarray(names, nnames + 1, sizeof *names);
            names[nnames++] = xstrdup(frame_col_name(ref->frame, c));
        }
    }
    pairs = xmalloc(2 * (nnames + 1) * sizeof *pairs);
    for (size_t i = 0; i < nnames; i++) {
        long cr = frame_find(ref->frame, names[i]), cc = frame_find(cur->frame, names[i]);

        if (columns != NULL && (cr < 0 || cc < 0)) {
            cmd_error(s, "drift: '%s' has no column '%s'", cr < 0 ? ref->name : cur->name,
                      names[i]);
            goto fail;
        }
        if (cc < 0) {
            strbuf_addf(&only, "%s%s", only.len ? ", " : "", names[i]);
            continue;
        }
        if (frame_col_type(ref->frame, (size_t)cr) != frame_col_type(cur->frame, (size_t)cc)) {
            cmd_error(s, "drift: column '%s' is %s in '%s' but %s in '%s'", names[i],
                      type_name(frame_col_type(ref->frame, (size_t)cr)), ref->name,
                      type_name(frame_col_type(cur->frame, (size_t)cc)), cur->name);
            goto fail;
        }
        pairs[2 * k] = (size_t)cr;
        pairs[2 * k + 1] = (size_t)cc;
        k++;
    }
    if (k == 0) {
        cmd_error(s, "drift: '%s' and '%s' have no column in common", ref->name, cur->name);
        goto fail;
    }
    if (only.len)
        strbuf_addf(notes, "not compared, only in '%s': %s\n", ref->name, strbuf_str(&only));
    strbuf_reset(&only);
    for (size_t c = 0; columns == NULL && c < frame_cols(cur->frame); c++)
        if (frame_find(ref->frame, frame_col_name(cur->frame, c)) < 0)
            strbuf_addf(&only, "%s%s", only.len ? ", " : "", frame_col_name(cur->frame, c));
    if (only.len)
        strbuf_addf(notes, "not compared, only in '%s': %s\n", cur->name, strbuf_str(&only));
    strbuf_release(&only);
    free_words(names, nnames);
    *n = k;
    return pairs;
fail:
    strbuf_release(&only);
    free_words(names, nnames);
    free(pairs);
    return NULL;
}

/* Row W of the workspace for statistic K of column C of report R, its
 * strings borrowed from R; without the distributions. */
static void
row_of(const struct report *r, size_t c, size_t k, struct store_drift_row *w)
{
    const struct column_report *col = &r->cols[c];
    const struct stat_result *st = &col->stats[k];

    memset(w, 0, sizeof *w);
    w->seq = (int64_t)c;
    w->column = col->name;
    w->type = type_name(col->type);
    w->n_ref = (int64_t)col->n_ref;
    w->n_cur = (int64_t)col->n_cur;
    w->flag = flag_names[col->flag];
    w->stat_seq = (int64_t)st->seq;
    w->stat = st->stat;
    w->value = st->value;
    w->p = st->p;
    w->effect = st->effect;
    w->severity = st->severity;
    w->measure = st->measure;
    w->verdict = verdict_names[st->verdict];
    w->binning = st->binning;
    w->note = st->note;
}

/* Keep report R in the workspace: its number in r->id, or a warning. */
static void
report_store(struct session *s, struct report *r)
{
    struct store_drift_report head = {.ref = r->ref,
                                      .cur = r->cur,
                                      .ref_rows = (int64_t)r->ref_rows,
                                      .cur_rows = (int64_t)r->cur_rows,
                                      .options = r->options,
                                      .notes = r->notes};
    struct store_drift_row *rows = NULL;
    unsigned char **blobs = NULL;
    size_t n = 0;
    char *cause = NULL;

    for (size_t c = 0; c < r->ncols; c++) {
        for (size_t k = 0; k < r->cols[c].nstats; k++) {
            rows = xreallocarray(rows, n + 1, sizeof *rows);
            blobs = xreallocarray(blobs, n + 1, sizeof *blobs);
            row_of(r, c, k, &rows[n]);
            blobs[n] = dist_encode(&r->cols[c].stats[k], &rows[n].dist_len);
            rows[n].dist = blobs[n];
            n++;
        }
    }
    if (store_drift_put(s->store, &head, n, rows, &r->id, &cause) < 0) {
        fprintf(s->out.err, "warning: the drift report is not kept: %s\n", cause);
        free(cause);
        r->id = 0;
    }
    for (size_t i = 0; i < n; i++)
        free(blobs[i]);
    free(blobs);
    free(rows);
}

/*
 * Read the N words WORDS after REF and CUR: *COLUMNS and *STATS get the
 * values of columns= and stats= (or NULL), OPTS[0 .. *NOPTS) the other
 * "name=value" words. 0, or -1 after cmd_error().
 */
static int
read_words(struct session *s, int n, char **words, const char **columns, const char **stats,
           char **opts, size_t *nopts)
{
    *columns = *stats = NULL;
    *nopts = 0;
    for (int i = 0; i < n; i++) {
        const char *eq = strchr(words[i], '=');
        int len = eq != NULL ? (int)(eq - words[i]) : 0;

        if (len == 0) {
            cmd_error(s,
                      "drift: unexpected '%s' (expected OPTION=VALUE: columns=, stats=, or a "
                      "statistic's option)",
                      words[i]);
            return -1;
        }
        for (int j = 0; j < i; j++) {
            if (strncmp(words[j], words[i], (size_t)len + 1) == 0) {
                cmd_error(s, "drift: %.*s= is given twice", len, words[i]);
                return -1;
            }
        }
        if (strncmp(words[i], "columns=", 8) == 0)
            *columns = eq + 1;
        else if (strncmp(words[i], "stats=", 6) == 0)
            *stats = eq + 1;
        else
            opts[(*nopts)++] = words[i];
    }
    return 0;
}

/*
 * Compare the NPAIRS column pairs PAIRS of REF and CUR with the NCH chosen
 * statistics CH into R (columns no statistic takes go to SKIPPED). 0, or -1
 * after cmd_error().
 */
static int
compare_columns(struct session *s, const struct chosen *ch, size_t nch,
                const struct aiwb_frame *ref, const struct aiwb_frame *cur, const size_t *pairs,
                size_t npairs, struct report *r, struct strbuf *skipped)
{
    r->cols = xcalloc(npairs, sizeof *r->cols);
    for (size_t i = 0; i < npairs; i++) {
        struct column_report *c = &r->cols[r->ncols];
        size_t cr = pairs[2 * i], cc = pairs[2 * i + 1];
        struct both b;
        int failed;

        if (session_interrupted) {
            cmd_error(s, "drift: stopped by the user");
            return -1;
        }
        column_prepare(&b, ref, cr, cur, cc);
        failed = compare_column(s, ch, nch, &b, c);
        column_release(&b);
        if (failed < 0 || c->nstats == 0) {
            for (size_t k = 0; k < c->nstats; k++)
                stat_release(&c->stats[k]);
            free(c->stats);
            memset(c, 0, sizeof *c);
            if (failed < 0)
                return -1;
            strbuf_addf(skipped, "%s%s", skipped->len ? ", " : "", frame_col_name(ref, cr));
            continue;
        }
        c->name = xstrdup(frame_col_name(ref, cr));
        c->type = frame_col_type(ref, cr);
        c->n_ref = values_of(ref, cr);
        c->n_cur = values_of(cur, cc);
        c->order = i;
        column_flag(c);
        r->ncols++;
    }
    return 0;
}

/*
 * Compare the datasets of `drift ARGV...` (REF, CUR, option words) into R,
 * its columns most severe first. 0, or -1 after cmd_error().
 */
static int
report_build(struct session *s, int argc, char **argv, struct report *r)
{
    const char *columns, *stats;
    char **opts = xcalloc((size_t)argc + 1, sizeof *opts);
    struct strbuf notes = STRBUF_INIT, skipped = STRBUF_INIT;
    struct dataset *ref, *cur;
    struct chosen *ch = NULL;
    size_t nopts, nch = 0, *pairs = NULL, npairs = 0;
    int rc = -1;

    if (read_words(s, argc - 2, argv + 2, &columns, &stats, opts, &nopts) < 0 ||
        (ch = choose_stats(s, stats, nopts, opts, &nch)) == NULL ||
        (ref = session_need_dataset(s, argv[0])) == NULL ||
        (cur = session_need_dataset(s, argv[1])) == NULL ||
        (pairs = pick_columns(s, ref, cur, columns, &notes, &npairs)) == NULL)
        goto out;
    r->ref = xstrdup(ref->name);
    r->cur = xstrdup(cur->name);
    r->ref_rows = frame_rows(ref->frame);
    r->cur_rows = frame_rows(cur->frame);
    if (compare_columns(s, ch, nch, ref->frame, cur->frame, pairs, npairs, r, &skipped) < 0)
        goto out;
    if (skipped.len)
        strbuf_addf(&notes, "not compared, no chosen statistic takes their type: %s\n",
                    strbuf_str(&skipped));
    if (r->ncols == 0) {
        cmd_error(s,
                  "drift: none of the statistics chosen takes the type of any column "
                  "compared (%s)",
                  strbuf_str(&skipped));
        goto out;
    }
    qsort(r->cols, r->ncols, sizeof *r->cols, cmp_columns);
    r->options = settings_text(ch, nch, columns);
    r->notes = strbuf_detach(&notes, NULL);
    rc = 0;
out:
    strbuf_release(&notes);
    strbuf_release(&skipped);
    free(pairs);
    free_chosen(ch, nch);
    free(opts);
    return rc;
}

static enum cmd_retval
cmd_drift_exec(struct session *s, int argc, char **argv)
{
    struct report r = {0};

    if (report_build(s, argc, argv, &r) < 0) {
        report_release(&r);
        return CMD_ERROR;
    }
    report_store(s, &r);
    view_show(s, report_view(&r));
    report_release(&r);
    return CMD_OK;
}

int
drift_compare(struct session *s, int argc, char **argv,
              int (*fn)(void *arg, const struct store_drift_report *r,
                        const struct store_drift_row *row),
              void *arg)
{
    struct report r = {0};
    struct store_drift_report head;
    int rc;

    if (report_build(s, argc, argv, &r) < 0) {
        report_release(&r);
        return -1;
    }
    memset(&head, 0, sizeof head);
    head.ref = r.ref;
    head.cur = r.cur;
    head.ref_rows = (int64_t)r.ref_rows;
    head.cur_rows = (int64_t)r.cur_rows;
    head.options = r.options;
    head.notes = r.notes;
    rc = fn(arg, &head, NULL);
    for (size_t c = 0; rc == 0 && c < r.ncols; c++) {
        for (size_t k = 0; rc == 0 && k < r.cols[c].nstats; k++) {
            struct store_drift_row w;

            row_of(&r, c, k, &w);
            rc = fn(arg, &head, &w);
        }
    }
    report_release(&r);
    return rc;
}

/* ---- show drift REPORT --------------------------------------------------- */

/* Collect the rows store_drift_get() reads into the report at ARG. */
static int
collect_row(void *arg, const struct store_drift_report *h, const struct store_drift_row *w)
{
    struct report *r = arg;
    struct column_report *c;
    struct stat_result *st;
    int v, f;

    if (w == NULL) {
        r->id = h->id;
        r->ref = xstrdup(h->ref);
        r->cur = xstrdup(h->cur);
        r->ref_rows = (size_t)h->ref_rows;
        r->cur_rows = (size_t)h->cur_rows;
        r->options = xstrdup(h->options != NULL ? h->options : "");
        r->notes = xstrdup(h->notes != NULL ? h->notes : "");
        return 0;
    }
    v = verdict_parse(verdict_names, w->verdict);
    f = verdict_parse(flag_names, w->flag);
    if (v < 0 || f < 0 || w->stat_seq < 0)
        return -1;
    if (r->ncols == 0 || strcmp(r->cols[r->ncols - 1].name, w->column) != 0) {
        r->cols = xreallocarray(r->cols, r->ncols + 1, sizeof *r->cols);
        c = &r->cols[r->ncols++];
        memset(c, 0, sizeof *c);
        c->name = xstrdup(w->column);
        c->type = strcmp(w->type, "numeric") == 0 ? AIWB_NUMERIC : AIWB_CATEGORICAL;
        c->n_ref = (size_t)w->n_ref;
        c->n_cur = (size_t)w->n_cur;
        c->flag = (enum aiwb_drift_verdict)f;
        c->order = (size_t)w->seq;
    }
    c = &r->cols[r->ncols - 1];
    c->stats = xreallocarray(c->stats, c->nstats + 1, sizeof *c->stats);
    st = &c->stats[c->nstats++];
    memset(st, 0, sizeof *st);
    st->stat = xstrdup(w->stat);
    st->seq = (size_t)w->stat_seq;
    st->value = w->value;
    st->p = w->p;
    st->effect = w->effect;
    st->severity = isnan(w->severity) ? 0 : w->severity;
    st->measure = xstrdup(w->measure != NULL ? w->measure : "");
    st->verdict = (enum aiwb_drift_verdict)v;
    st->binning = w->binning != NULL ? xstrdup(w->binning) : NULL;
    st->note = w->note != NULL ? xstrdup(w->note) : NULL;
    if (w->dist != NULL && dist_decode(st, w->dist, w->dist_len) < 0)
        return -1;
    return 0;
}

struct view *
drift_report_view(struct session *s, const char *report)
{
    struct report r = {0};
    struct view *v;
    char *cause = NULL, *end;
    long long id;
    int rc;

    errno = 0;
    id = strtoll(report, &end, 10);
    if (*report < '0' || *report > '9' || *end != '\0' || errno != 0 || id < 1) {
        cmd_error(s, "drift report must be a report number (as `drift` printed it), not '%s'",
                  report);
        return NULL;
    }
    rc = store_drift_get(s->store, (int64_t)id, collect_row, &r, &cause);
    if (rc != 0) {
        if (cause != NULL)
            cmd_error(s, "%s", cause);
        else
            cmd_error(s, "drift report %lld in workspace '%s' is damaged", id,
                      store_path(s->store));
        free(cause);
        report_release(&r);
        return NULL;
    }
    v = report_view(&r);
    report_release(&r);
    return v;
}

const struct cmd_entry cmd_drift_entry = {
    .name = "drift",
    .usage = "drift REF CUR [columns=A,B] [stats=psi,ks,...] [min_n=100] [alpha=0.01] "
             "[OPTION=VALUE ...]",
    .summary = "compare two datasets column by column for drift; the report goes to the "
               "workspace",
    .help = "Each column the two datasets share (or those of columns=; their types must\n"
            "match) is compared by every drift statistic chosen with stats= (all loaded\n"
            "ones by default: psi, ks, chi2, wasserstein, missing, and any a plugin adds;\n"
            "each takes the column types it can). Options go to every chosen statistic\n"
            "that declares them: min_n (100: fewer values on a side gives \"too few\n"
            "rows\", no verdict), alpha (0.01), and each statistic's thresholds and\n"
            "binning (`help psi`, `help ks` ...). A statistic says drift only when its\n"
            "p-value is below alpha AND its effect size reaches its threshold, so a\n"
            "large sample's tiny p-values alone flag nothing.\n"
            "The report: a table of the columns, most severe first, with each statistic's\n"
            "value and the column's flag (DRIFT, moderate, stable, too few rows); a table\n"
            "of each statistic's value, p-value, effect size and verdict; the binning of\n"
            "each statistic; and for each flagged column a chart of the two samples'\n"
            "shares over the bins or levels of the first statistic (in stats= order) that\n"
            "flagged it (stats=ks,psi draws numeric columns in equal-width bins, psi first\n"
            "in its deciles). It is kept in the workspace as drift report N; `show drift N`\n"
            "draws it again.",
    .min_args = 2,
    .max_args = -1,
    .complete = {COMPLETE_DATASET, COMPLETE_DATASET},
    .exec = cmd_drift_exec,
};
