/*
 * cmd-monitor.c - "monitor URL": a running aiwb-server watched live through
 * its GET /metrics (Prometheus text) and /metadata: traffic, latency
 * percentiles, the predictions' distribution, each input's drift and change
 * alarm, live accuracy from feedback.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The network (URL, HTTP GET, /metadata and /health) is monitor-http.c, the
 * Prometheus text and its histograms monitor-prom.c; monitor.h joins them.
 *
 * HTTP goes through a plain socket, not libcurl. aiwb-server speaks plain
 * HTTP/1.1 (on 127.0.0.1 by default), so a GET with Connection: close is all
 * this needs; linking libcurl into aiwb would load it and its 30-odd
 * libraries at every start of aiwb and of every unit test (20 ms more per
 * start, measured on the build machine) for one command, which is why the
 * http source keeps libcurl inside its plugin. https:// is refused with a
 * message saying how to reach the server instead.
 *
 * Rates need two scrapes: the first snapshot shows totals since the server
 * started (its /health says when), each later one the window since the last.
 * In the full-screen interface the command runs as a background job (the
 * `background` flag): it lets go of the session lock while it waits and
 * fetches, prints a snapshot every `every` seconds to the output pane, and
 * feeds requests/s and errors/s to the job's live curve in the view pane.
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/numfmt.h"
#include "core/pipeline.h"
#include "core/strbuf.h"
#include "core/table.h"
#include "core/xalloc.h"
#include "repl/cmd.h"
#include "repl/jobs.h"
#include "repl/monitor.h"
#include "repl/session.h"

#define EVERY_MIN 0.1
#define EVERY_MAX 86400.0
#define PSI_MODERATE 0.1
#define PSI_DRIFT 0.25

/* ---- what is shown ---------------------------------------------------------- */

enum {
    SHOW_TRAFFIC = 1,
    SHOW_LATENCY = 2,
    SHOW_PREDICTIONS = 4,
    SHOW_DRIFT = 8,
    SHOW_FEEDBACK = 16,
    SHOW_ALL = 31
};

static const char *const show_names[] = {"traffic", "latency", "predictions", "drift", "feedback"};

/* The monitoring state across snapshots. */
struct mon {
    struct session *s;
    struct monitor_target t;
    const char *token;
    int show;
    double every;
    struct monitor_meta meta;
    char *model, *version, *algorithm, *task; /* aiwb_model_info's labels */
    double uptime; /* seconds the server had run at the first scrape; NaN unknown */
    int explain;   /* notes under the tables: the first snapshot only */
    int64_t own;   /* monitor's requests the server has answered (since its start) */
};

static int
task_is(const struct mon *m, const char *task)
{
    return m->task != NULL && strcmp(m->task, task) == 0;
}

/* Answers sent by SC's server, and those with status >= 400 (*errors). */
static double
requests_of(const struct prom_scrape *sc, double *errors)
{
    double all = 0;

    *errors = 0;
    for (size_t i = 0; i < sc->n; i++) {
        const char *code;

        if (strcmp(sc->v[i].name, "aiwb_requests_total") != 0)
            continue;
        all += sc->v[i].value;
        code = prom_label_of(&sc->v[i], "code");
        if (code != NULL && atoi(code) >= 400)
            *errors += sc->v[i].value;
    }
    return all;
}

static double
ratio(double a, double b)
{
    return b > 0 ? a / b : NAN;
}

static void
traffic_table(struct mon *m, const struct prom_scrape *cur, const struct prom_scrape *prev)
{
    struct aiwb_table *t = table_new("traffic");
    double err, perr = 0, req = requests_of(cur, &err) - (double)cur->own, secs, rows, conns;
    char window[64];

    rows = prom_value_of(cur, "aiwb_predictions_total", NULL, NULL);
    conns = prom_value_of(cur, "aiwb_connections_open", NULL, NULL) - 1; /* not monitor's */
    if (prev != NULL) {
        req -= requests_of(prev, &perr) - (double)prev->own;
        err -= perr;
        rows -= prom_value_of(prev, "aiwb_predictions_total", NULL, NULL);
        secs = (double)(cur->at_ms - prev->at_ms) / 1000;
        snprintf(window, sizeof window, "last %.3g s", secs);
    } else {
        secs = m->uptime >= 1 ? m->uptime : NAN;
        if (isnan(m->uptime))
            snprintf(window, sizeof window, "since start");
        else
            snprintf(window, sizeof window, "since start, %.0f s", m->uptime);
    }
    table_column(t, "window", AIWB_TABLE_TEXT);
    table_column(t, "requests", AIWB_TABLE_INT);
    table_column(t, "req/s", AIWB_TABLE_REAL);
    table_column(t, "errors", AIWB_TABLE_INT);
    table_column(t, "error share", AIWB_TABLE_REAL);
    table_column(t, "rows", AIWB_TABLE_INT);
    table_column(t, "rows/s", AIWB_TABLE_REAL);
    table_column(t, "connections", AIWB_TABLE_INT);
    table_digits(t, 2, 4);
    table_digits(t, 4, 3);
    table_digits(t, 6, 4);
    table_text(t, window);
    table_int(t, (int64_t)(req > 0 ? req : 0));
    table_real(t, ratio(req > 0 ? req : 0, secs));
    table_int(t, (int64_t)err);
    table_real(t, ratio(err, req));
    if (isnan(rows))
        table_null(t), table_null(t);
    else
        table_int(t, (int64_t)rows), table_real(t, ratio(rows, secs));
    if (isnan(conns))
        table_null(t);
    else
        table_int(t, (int64_t)(conns > 0 ? conns : 0));
    if (m->explain)
        table_note(t, "requests: answers of any status, monitor's own left out; errors: status "
                      "400 and over; rows: rows predicted");
    output_table(&m->s->out, t);
    table_free(t);
}

static void
latency_table(struct mon *m, const struct prom_scrape *cur, const struct prom_scrape *prev)
{
    struct aiwb_table *t = table_new("latency (ms)");
    struct prom_hist h, old;

    prom_hist_get(cur, "aiwb_request_duration_seconds", &h);
    if (prev != NULL) {
        prom_hist_get(prev, "aiwb_request_duration_seconds", &old);
        prom_hist_minus(&h, &old);
        prom_hist_release(&old);
    }
    table_column(t, "requests", AIWB_TABLE_INT);
    table_column(t, "mean", AIWB_TABLE_REAL);
    table_column(t, "p50", AIWB_TABLE_REAL);
    table_column(t, "p90", AIWB_TABLE_REAL);
    table_column(t, "p99", AIWB_TABLE_REAL);
    for (size_t c = 1; c <= 4; c++)
        table_digits(t, c, 3);
    table_int(t, (int64_t)(h.total > 0 ? h.total : 0));
    table_real(t, ratio(h.sum, h.total) * 1000);
    table_real(t, prom_hist_quantile(&h, 0.50) * 1000);
    table_real(t, prom_hist_quantile(&h, 0.90) * 1000);
    table_real(t, prom_hist_quantile(&h, 0.99) * 1000);
    if (m->explain)
        table_note(t, "percentiles interpolated in the latency buckets, as Prometheus' "
                      "histogram_quantile; monitor's own requests included");
    output_table(&m->s->out, t);
    table_free(t);
    prom_hist_release(&h);
}

/* The predictions by class or cluster: rows, share, share in the window. */
static void
class_table(struct mon *m, const struct prom_scrape *cur, const struct prom_scrape *prev)
{
    struct aiwb_table *t = table_new("predictions");
    double total = 0, recent = 0;

    for (size_t i = 0; i < cur->n; i++)
        if (strcmp(cur->v[i].name, "aiwb_predicted_class_total") == 0) {
            const char *c = prom_label_of(&cur->v[i], "class");

            total += cur->v[i].value;
            recent +=
                cur->v[i].value -
                (prev != NULL && c != NULL ? prom_value_of(prev, cur->v[i].name, "class", c) : 0);
        }
    table_column(t, task_is(m, "clustering") ? "cluster" : "class", AIWB_TABLE_TEXT);
    table_column(t, "rows", AIWB_TABLE_INT);
    table_column(t, "share", AIWB_TABLE_REAL);
    table_column(t, "recent share", AIWB_TABLE_REAL);
    table_digits(t, 2, 3);
    table_digits(t, 3, 3);
    for (size_t i = 0; i < cur->n; i++) {
        const char *c = prom_label_of(&cur->v[i], "class");
        double before;

        if (strcmp(cur->v[i].name, "aiwb_predicted_class_total") != 0 || c == NULL)
            continue;
        before = prev != NULL ? prom_value_of(prev, cur->v[i].name, "class", c) : NAN;
        table_text(t, c);
        table_int(t, (int64_t)cur->v[i].value);
        table_real(t, ratio(cur->v[i].value, total));
        table_real(t, prev != NULL ? ratio(cur->v[i].value - (isnan(before) ? 0 : before), recent)
                                   : NAN);
    }
    if (m->explain)
        table_note(t, "share: since the server started; recent share: since the snapshot "
                      "before");
    output_table(&m->s->out, t);
    table_free(t);
}

/* The predicted values in the buckets of aiwb_prediction_value. */
static void
value_table(struct mon *m, const struct prom_scrape *cur, const struct prom_scrape *prev)
{
    struct aiwb_table *t = table_new("predictions");
    struct prom_hist h, old, win;
    char lo[NUMFMT_BUFSZ], hi[NUMFMT_BUFSZ];

    prom_hist_get(cur, "aiwb_prediction_value", &h);
    prom_hist_get(cur, "aiwb_prediction_value", &win);
    if (prev != NULL) {
        prom_hist_get(prev, "aiwb_prediction_value", &old);
        prom_hist_minus(&win, &old);
        prom_hist_release(&old);
    }
    table_column(t, "value", AIWB_TABLE_TEXT);
    table_column(t, "rows", AIWB_TABLE_INT);
    table_column(t, "share", AIWB_TABLE_REAL);
    table_column(t, "recent share", AIWB_TABLE_REAL);
    table_digits(t, 2, 3);
    table_digits(t, 3, 3);
    for (size_t b = 0; b < h.n; b++) {
        double n = h.count[b] - (b > 0 ? h.count[b - 1] : 0);
        double w = win.count[b] - (b > 0 ? win.count[b - 1] : 0);
        char *range;

        if (b == 0)
            range = xasprintf("<= %s", numfmt_sig(hi, h.le[b], 4));
        else if (isinf(h.le[b]))
            range = xasprintf("> %s", numfmt_sig(lo, h.le[b - 1], 4));
        else
            range =
                xasprintf("(%s, %s]", numfmt_sig(lo, h.le[b - 1], 4), numfmt_sig(hi, h.le[b], 4));
        table_text(t, range);
        free(range);
        table_int(t, (int64_t)n);
        table_real(t, ratio(n, h.count[h.n - 1]));
        table_real(t, prev != NULL ? ratio(w, win.count[win.n - 1]) : NAN);
    }
    if (m->explain)
        table_note(t, "value: buckets at the deciles of the training target, about a tenth of "
                      "the rows each while predictions look like training's");
    table_notef(
        t, "mean prediction %s over %.0f rows%s%s%s", numfmt_sig(lo, ratio(h.sum, h.total), 6),
        h.total > 0 ? h.total : 0, prev != NULL ? " (since the last snapshot: " : "",
        prev != NULL ? numfmt_sig(hi, ratio(win.sum, win.total), 6) : "", prev != NULL ? ")" : "");
    output_table(&m->s->out, t);
    table_free(t);
    prom_hist_release(&h);
    prom_hist_release(&win);
}

/* A regressor's predictions without buckets (no training target to take
 * deciles of): their number and mean. */
static void
mean_table(struct mon *m, const struct prom_scrape *cur, const struct prom_scrape *prev)
{
    struct aiwb_table *t = table_new("predictions");
    double n = prom_value_of(cur, "aiwb_prediction_value_count", NULL, NULL),
           sum = prom_value_of(cur, "aiwb_prediction_value_sum", NULL, NULL), pn = 0, psum = 0;

    if (prev != NULL) {
        pn = prom_value_of(prev, "aiwb_prediction_value_count", NULL, NULL);
        psum = prom_value_of(prev, "aiwb_prediction_value_sum", NULL, NULL);
    }
    table_column(t, "rows", AIWB_TABLE_INT);
    table_column(t, "mean", AIWB_TABLE_REAL);
    table_column(t, "recent mean", AIWB_TABLE_REAL);
    table_int(t, isnan(n) ? 0 : (int64_t)n);
    table_real(t, ratio(sum, n));
    table_real(t, prev != NULL ? ratio(sum - psum, n - pn) : NAN);
    if (m->explain)
        table_note(t, "mean: since the server started; recent mean: since the snapshot before");
    output_table(&m->s->out, t);
    table_free(t);
}

static void
predictions_table(struct mon *m, const struct prom_scrape *cur, const struct prom_scrape *prev)
{
    if (prom_find(cur, "aiwb_predicted_class_total", NULL, NULL) != NULL) {
        class_table(m, cur, prev);
    } else if (prom_find(cur, "aiwb_prediction_value_count", NULL, NULL) != NULL) {
        struct prom_hist h;
        size_t buckets;

        prom_hist_get(cur, "aiwb_prediction_value", &h);
        buckets = h.n;
        prom_hist_release(&h);
        if (buckets >= 2)
            value_table(m, cur, prev);
        else
            mean_table(m, cur, prev);
    } else {
        struct aiwb_table *t = table_new("predictions");
        double rows = prom_value_of(cur, "aiwb_predictions_total", NULL, NULL),
               lists = prom_value_of(cur, "aiwb_recommendations_total", NULL, NULL);

        table_column(t, "rows", AIWB_TABLE_INT);
        if (!isnan(lists))
            table_column(t, "recommendation lists", AIWB_TABLE_INT);
        table_int(t, isnan(rows) ? 0 : (int64_t)rows);
        if (!isnan(lists))
            table_int(t, (int64_t)lists);
        if (m->explain)
            table_note(t, "since the server started");
        output_table(&m->s->out, t);
        table_free(t);
    }
}

static const char *
psi_verdict(double psi)
{
    if (isnan(psi))
        return "no traffic";
    return psi < PSI_MODERATE ? "stable" : psi < PSI_DRIFT ? "moderate" : "DRIFT";
}

static void
drift_table(struct mon *m, const struct prom_scrape *cur)
{
    struct aiwb_table *t;
    struct strbuf alarms = STRBUF_INIT;
    size_t nalarms = 0;

    if (prom_find(cur, "aiwb_feature_psi", NULL, NULL) == NULL) {
        output_say(&m->s->out, "drift: %s",
                   m->meta.drift_reference == 0
                       ? "the model was exported without a drift reference (load its training "
                         "dataset, then export it again)"
                       : "the server reports no feature drift");
        return;
    }
    t = table_new("drift");
    table_column(t, "feature", AIWB_TABLE_TEXT);
    table_column(t, "psi", AIWB_TABLE_REAL);
    table_column(t, "verdict", AIWB_TABLE_TEXT);
    table_column(t, "change alarm", AIWB_TABLE_TEXT);
    table_digits(t, 1, 3);
    for (size_t i = 0; i < cur->n; i++) {
        const char *f = prom_label_of(&cur->v[i], "feature");
        double alarm;

        if (strcmp(cur->v[i].name, "aiwb_feature_psi") != 0 || f == NULL)
            continue;
        alarm = prom_value_of(cur, "aiwb_feature_change_alarm", "feature", f);
        table_text(t, f);
        table_real(t, cur->v[i].value);
        table_text(t, psi_verdict(cur->v[i].value));
        if (isnan(alarm))
            table_null(t);
        else
            table_text(t, alarm > 0 ? "ALARM" : "no");
        if (alarm > 0)
            strbuf_addf(&alarms, "%s'%s'", nalarms++ ? ", " : "", f);
    }
    if (m->explain)
        table_note(t, "psi: the live inputs since the server started against the training "
                      "data, under 0.1 stable, under 0.25 moderate, else DRIFT; change alarm: "
                      "Page-Hinkley on a numeric input's mean");
    if (nalarms > 0)
        table_notef(t, "the mean of %s changed", strbuf_str(&alarms));
    output_table(&m->s->out, t);
    table_free(t);
    strbuf_release(&alarms);
}

static void
feedback_table(struct mon *m, const struct prom_scrape *cur)
{
    struct aiwb_table *t;
    double acc = prom_value_of(cur, "aiwb_live_accuracy", NULL, NULL),
           mae = prom_value_of(cur, "aiwb_live_mae", NULL, NULL),
           rmse = prom_value_of(cur, "aiwb_live_rmse", NULL, NULL),
           alarm = prom_value_of(cur, "aiwb_error_change_alarm", NULL, NULL),
           fired = prom_value_of(cur, "aiwb_error_change_alarms_total", NULL, NULL);
    int classify = prom_find(cur, "aiwb_live_accuracy", NULL, NULL) != NULL,
        regress = prom_find(cur, "aiwb_live_mae", NULL, NULL) != NULL;

    if (!classify && !regress) {
        output_say(&m->s->out, "feedback: a %s model takes no labels, so no live accuracy",
                   m->task != NULL ? m->task : "model of this kind");
        return;
    }
    t = table_new("feedback");
    table_column(t, "labels", AIWB_TABLE_INT);
    table_column(t, "matched", AIWB_TABLE_INT);
    if (classify) {
        table_column(t, "accuracy", AIWB_TABLE_REAL);
    } else {
        table_column(t, "mae", AIWB_TABLE_REAL);
        table_column(t, "rmse", AIWB_TABLE_REAL);
    }
    table_column(t, "error alarm", AIWB_TABLE_TEXT);
    table_column(t, "alarms", AIWB_TABLE_INT);
    table_int(t, (int64_t)prom_value_of(cur, "aiwb_feedback_total", NULL, NULL));
    table_int(t, (int64_t)prom_value_of(cur, "aiwb_feedback_matched_total", NULL, NULL));
    if (classify) {
        table_digits(t, 2, 4);
        table_real(t, acc);
    } else {
        table_real(t, mae);
        table_real(t, rmse);
    }
    if (isnan(alarm))
        table_null(t);
    else
        table_text(t, alarm > 0 ? "ALARM" : "no");
    table_int(t, isnan(fired) ? 0 : (int64_t)fired);
    if (m->explain)
        table_note(t, "matched: labels of predictions the server still remembered, which the "
                      "live metrics count; error alarm: Page-Hinkley on the live error; alarms: "
                      "times it fired");
    if (alarm > 0)
        table_note(t, "the live error rose");
    for (size_t i = 0; i < m->meta.nmetrics; i++) {
        const char *n = m->meta.metric_names[i];
        size_t len = strcspn(n, "@");

        char buf[NUMFMT_BUFSZ];

        if (isnan(m->meta.metric_values[i]))
            continue;
        if ((classify && len == 8 && strncmp(n, "accuracy", 8) == 0) ||
            (regress &&
             ((len == 3 && strncmp(n, "mae", 3) == 0) || (len == 4 && strncmp(n, "rmse", 4) == 0))))
            table_notef(t, "offline %s: %s", n, numfmt_sig(buf, m->meta.metric_values[i], 4));
    }
    output_table(&m->s->out, t);
    table_free(t);
}

/* ---- the loop ---------------------------------------------------------------- */

/* The wall clock as ISO 8601 UTC with milliseconds. */
static void
iso_now(char buf[32])
{
    struct timespec ts;
    struct tm tm;
    size_t n;

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    n = strftime(buf, 24, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, 32 - n, ".%03dZ", (int)(ts.tv_nsec / 1000000) % 1000);
}

/* The message for answer A to a GET of PAGE: NULL when it is a 200. */
static char *
refusal(const struct mon *m, const char *page, const struct monitor_answer *a)
{
    if (a->status == 200)
        return NULL;
    if (a->status == 401)
        return xasprintf("'%s%s' answered 401 Unauthorized: the bearer token is %s", m->t.url, page,
                         m->token == NULL ? "missing (give token=TOKEN or set AIWB_SERVER_TOKEN)"
                                          : "wrong (token= or AIWB_SERVER_TOKEN)");
    if (a->status == 404 && strcmp(page, "metrics") == 0)
        return xasprintf("'%smetrics' answered 404%s%s: not an aiwb server", m->t.url,
                         *a->reason ? " " : "", a->reason);
    return xasprintf("'%s%s' answered %d%s%s", m->t.url, page, a->status, *a->reason ? " " : "",
                     a->reason);
}

/* Scrape /metrics: a new scrape, or NULL with *cause set (or *stopped). Lets
 * go of the session lock (in a job) while it waits for the network. */
static struct prom_scrape *
scrape(struct mon *m, int *stopped, char **cause)
{
    struct monitor_answer a = {0, "", STRBUF_INIT};
    struct prom_scrape *sc = NULL;
    int64_t at = monitor_now_ms();
    char when[32];
    int rc;

    iso_now(when);
    jobs_release();
    rc = monitor_http_get(&m->t, "metrics", m->token, &a, cause);
    jobs_reacquire();
    *stopped = rc == MONITOR_GET_STOPPED;
    if (rc != MONITOR_GET_OK)
        goto out;
    if ((*cause = refusal(m, "metrics", &a)) != NULL)
        goto out;
    {
        char *where = xasprintf("%smetrics", m->t.url);

        sc = prom_parse(a.body.buf != NULL ? a.body.buf : "", a.body.len, where, cause);
        free(where);
    }
    /* Not Prometheus text, or another program's: say what matters. */
    if (sc == NULL && strstr(strbuf_str(&a.body), "aiwb_model_info") == NULL) {
        free(*cause);
        *cause = NULL;
    }
    if (sc == NULL || prom_find(sc, "aiwb_model_info", NULL, NULL) == NULL) {
        if (*cause == NULL)
            *cause = xasprintf("'%smetrics' has no aiwb_model_info: not an aiwb server", m->t.url);
        prom_scrape_free(sc);
        sc = NULL;
        goto out;
    }
    sc->at_ms = at;
    sc->own = m->own;
    memcpy(sc->when, when, sizeof when);
out:
    strbuf_release(&a.body);
    return sc;
}

/* Set m's model from SC's aiwb_model_info; whether it changed. */
static int
take_model(struct mon *m, const struct prom_scrape *sc)
{
    const struct prom_sample *info = prom_find(sc, "aiwb_model_info", NULL, NULL);
    const char *names[] = {"model", "version", "algorithm", "task"};
    char **fields[] = {&m->model, &m->version, &m->algorithm, &m->task};
    int changed = 0;

    for (size_t i = 0; i < 4; i++) {
        const char *v = prom_label_of(info, names[i]);

        if (v == NULL)
            v = "?";
        if (*fields[i] == NULL || strcmp(*fields[i], v) != 0) {
            changed = 1;
            free(*fields[i]);
            *fields[i] = xstrdup(v);
        }
    }
    return changed;
}

/* Fetch /metadata and /health once (what they say does not change while the
 * server runs); neither is required: an older server may lack them. */
static void
fetch_extras(struct mon *m)
{
    struct monitor_answer a = {0, "", STRBUF_INIT};
    char *cause = NULL;
    int rc;

    monitor_meta_release(&m->meta);
    m->uptime = NAN;
    jobs_release();
    rc = monitor_http_get(&m->t, "metadata", m->token, &a, &cause);
    jobs_reacquire();
    m->own += rc == MONITOR_GET_OK;
    if (rc == MONITOR_GET_OK && a.status == 200 && a.body.len > 0)
        monitor_meta_read(a.body.buf, a.body.len, &m->meta);
    free(cause);
    cause = NULL;
    if (rc != MONITOR_GET_STOPPED) {
        jobs_release();
        rc = monitor_http_get(&m->t, "health", NULL, &a, &cause); /* needs no token */
        jobs_reacquire();
        m->own += rc == MONITOR_GET_OK;
        if (rc == MONITOR_GET_OK && a.status == 200 && a.body.len > 0)
            monitor_health_read(a.body.buf, a.body.len, &m->uptime);
    }
    free(cause);
    strbuf_release(&a.body);
}

static void
say_model(struct mon *m)
{
    output_say(&m->s->out, "model %s version %s: %s %s%s%s%s at %s", m->model, m->version,
               m->algorithm, m->task, m->meta.target != NULL ? " of '" : "",
               m->meta.target != NULL ? m->meta.target : "", m->meta.target != NULL ? "'" : "",
               m->t.url);
}

/* Whether counters went down from PREV to CUR: the server restarted (its
 * process: counters start again from 0). */
static int
restarted(const struct prom_scrape *cur, const struct prom_scrape *prev)
{
    double e, pe;

    static const char *const counters[] = {"aiwb_predictions_total", "aiwb_connections_total",
                                           "aiwb_feedback_total"};

    if (requests_of(cur, &e) < requests_of(prev, &pe))
        return 1;
    for (size_t i = 0; i < sizeof counters / sizeof counters[0]; i++)
        if (prom_value_of(cur, counters[i], NULL, NULL) <
            prom_value_of(prev, counters[i], NULL, NULL))
            return 1;
    return 0;
}

/* CUR is the first scrape of a server (or of its new start): no window
 * before it, *PREV dropped, /metadata and /health read again. */
static void
new_start(struct mon *m, struct prom_scrape *cur, struct prom_scrape **prev)
{
    prom_scrape_free(*prev);
    *prev = NULL;
    cur->own = 0;
    m->own = 1;
    fetch_extras(m);
}

/* Print snapshot K of CUR (PREV: the scrape before, or NULL for totals). */
static void
print_snapshot(struct mon *m, int k, const struct prom_scrape *cur, const struct prom_scrape *prev)
{
    if (prev != NULL)
        output_say(&m->s->out, "snapshot %d at %s: the last %.3g s", k, cur->when,
                   (double)(cur->at_ms - prev->at_ms) / 1000);
    else
        output_say(&m->s->out, "snapshot %d at %s: totals since the server started", k, cur->when);
    if (m->show & SHOW_TRAFFIC)
        traffic_table(m, cur, prev);
    if (m->show & SHOW_LATENCY)
        latency_table(m, cur, prev);
    if (m->show & SHOW_PREDICTIONS)
        predictions_table(m, cur, prev);
    if (m->show & SHOW_DRIFT)
        drift_table(m, cur);
    if (m->show & SHOW_FEEDBACK)
        feedback_table(m, cur);
    fflush(m->s->out.data);
    fflush(m->s->out.msg);
}

/* Feed the job's live curve (no-op outside a job). */
static void
curve_step(int k, const struct prom_scrape *cur, const struct prom_scrape *prev)
{
    struct aiwb_step st;
    double err, perr, req, secs = (double)(cur->at_ms - prev->at_ms) / 1000;

    req =
        requests_of(cur, &err) - (double)cur->own - (requests_of(prev, &perr) - (double)prev->own);
    memset(&st, 0, sizeof st);
    st.iteration = k;
    st.n = 2;
    snprintf(st.names[0], sizeof st.names[0], "req/s");
    snprintf(st.names[1], sizeof st.names[1], "errors/s");
    st.values[0] = ratio(req > 0 ? req : 0, secs);
    st.values[1] = ratio(err - perr, secs);
    jobs_curve_step(&st);
}

/* Wait until AT_MS (monotonic), letting go of the session lock; 1 if stopped. */
static int
pause_until(int64_t at_ms)
{
    int stopped = 0;

    jobs_release();
    for (;;) {
        int64_t left = at_ms - monitor_now_ms();
        struct timespec ts;

        if ((stopped = jobs_stopping()) != 0 || left <= 0)
            break;
        if (left > MONITOR_SLICE_MS)
            left = MONITOR_SLICE_MS;
        ts.tv_sec = 0;
        ts.tv_nsec = (long)left * 1000000;
        nanosleep(&ts, NULL);
    }
    jobs_reacquire();
    return stopped;
}

/* Words of show= into a set of SHOW_ bits; -1 after cmd_error(). */
static int
parse_show(struct session *s, const char *text)
{
    int bits = 0;
    const char *p = text;

    for (;;) {
        size_t len = strcspn(p, ","), i;

        for (i = 0; i < sizeof show_names / sizeof show_names[0]; i++)
            if (len > 0 && strlen(show_names[i]) == len && strncmp(p, show_names[i], len) == 0)
                break;
        if (len == 3 && strncmp(p, "all", 3) == 0) {
            bits |= SHOW_ALL;
        } else if (i == sizeof show_names / sizeof show_names[0]) {
            cmd_error(s,
                      "monitor: show=%s: unknown part '%.*s' (expected traffic, latency, "
                      "predictions, drift, feedback or all)",
                      text, (int)len, p);
            return -1;
        } else {
            bits |= 1 << i;
        }
        if (p[len] == '\0')
            break;
        p += len + 1;
    }
    return bits;
}

/* The options of the words ARGV[0..ARGC-1] into M and *TIMES; 0, or -1
 * after cmd_error(). */
static int
parse_options(struct session *s, int argc, char **argv, struct mon *m, size_t *times)
{
    static const char *const keys[] = {"every", "times", "token", "show"};
    const char *val[4];

    if (cmd_keywords(s, argc, argv, 4, keys, val) < 0 ||
        (val[0] != NULL && cmd_parse_real(s, "monitor: every", val[0], &m->every) < 0) ||
        (val[1] != NULL && cmd_parse_size(s, "monitor: times", val[1], times) < 0) ||
        (val[3] != NULL && (m->show = parse_show(s, val[3])) < 0))
        return -1;
    if (m->every < EVERY_MIN || m->every > EVERY_MAX) {
        cmd_error(s, "monitor: every must be from %g to %g seconds, not %s", EVERY_MIN, EVERY_MAX,
                  val[0]);
        return -1;
    }
    m->token = val[2] != NULL ? val[2] : getenv("AIWB_SERVER_TOKEN");
    if (m->token != NULL && *m->token == '\0')
        m->token = NULL;
    if (m->token != NULL && strpbrk(m->token, "\r\n") != NULL) {
        cmd_error(s, "monitor: the token holds a line break");
        return -1;
    }
    return 0;
}

static enum cmd_retval
cmd_monitor_exec(struct session *s, int argc, char **argv)
{
    struct mon m;
    struct prom_scrape *prev = NULL, *cur = NULL;
    char *cause = NULL;
    size_t times = s->interactive ? 0 : 1;
    int stopped = 0, k;
    int64_t next;
    enum cmd_retval rc = CMD_ERROR;

    memset(&m, 0, sizeof m);
    m.s = s;
    m.every = 2;
    m.show = SHOW_ALL;
    m.meta.drift_reference = -1;
    m.uptime = NAN;
    if (parse_options(s, argc - 1, argv + 1, &m, &times) < 0)
        return CMD_ERROR;
    if (monitor_target_parse(argv[0], &m.t, &cause) < 0) {
        cmd_error(s, "monitor: %s", cause);
        goto out;
    }
    next = monitor_now_ms();
    for (k = 1; times == 0 || (size_t)k <= times; k++) {
        if (k > 1 && (stopped = pause_until(next)) != 0)
            break;
        /* a slow answer delays the next snapshots instead of bunching them */
        next = (next > monitor_now_ms() ? next : monitor_now_ms()) + (int64_t)(m.every * 1000);
        if ((cur = scrape(&m, &stopped, &cause)) == NULL) {
            if (stopped)
                break;
            /* The first or the last failing is the command's error; between
             * them the server may be restarting: go on. */
            if (k == 1 || (size_t)k == times) {
                cmd_error(s, "monitor: %s", cause);
                goto out;
            }
            output_say(&s->out, "snapshot %d: %s (trying again in %g s)", k, cause, m.every);
            fflush(s->out.msg);
            free(cause);
            cause = NULL;
            continue;
        }
        m.own++; /* this scrape: in the counts of the next ones */
        if (take_model(&m, cur) || prev == NULL) {
            if (prev != NULL)
                output_say(&s->out, "the server now serves another model");
            new_start(&m, cur, &prev);
            say_model(&m);
            if (k == 1) {
                char *title = xasprintf("%s version %s", m.model, m.version);

                jobs_curve_begin(title);
                jobs_curve_x("snapshot");
                free(title);
            }
        } else if (restarted(cur, prev)) {
            output_say(&s->out, "the server restarted: totals since its start");
            new_start(&m, cur, &prev);
        }
        m.explain = k == 1;
        print_snapshot(&m, k, cur, prev);
        if (prev != NULL)
            curve_step(k, cur, prev);
        prom_scrape_free(prev);
        prev = cur;
        cur = NULL;
    }
    if (stopped && !jobs_in_job())
        output_say(&s->out, "monitor: stopped after %d snapshot%s", k - 1, k == 2 ? "" : "s");
    rc = CMD_OK;
out:
    free(cause);
    prom_scrape_free(prev);
    prom_scrape_free(cur);
    monitor_target_release(&m.t);
    monitor_meta_release(&m.meta);
    free(m.model);
    free(m.version);
    free(m.algorithm);
    free(m.task);
    return rc;
}

const struct cmd_entry cmd_monitor_entry = {
    .name = "monitor",
    .usage = "monitor URL [every=SECONDS] [times=N] [token=TOKEN] [show=PARTS]",
    .summary = "watch a running aiwb-server live: traffic, latency, predictions, drift, "
               "live accuracy",
    .help = "Reads the server's GET /metrics (and /metadata and /health once) and shows,\n"
            "per snapshot, tables of:\n"
            "  traffic      requests answered (monitor's own left out), requests/s, errors\n"
            "               (status 400 and over) and their share, rows predicted and\n"
            "               rows/s, open connections\n"
            "  latency      the mean and the 50th, 90th and 99th percentiles in ms,\n"
            "               interpolated in the server's latency buckets as Prometheus'\n"
            "               histogram_quantile does\n"
            "  predictions  rows by class or cluster with their shares, or a regressor's\n"
            "               values in the buckets of the training target's deciles, and\n"
            "               the mean prediction\n"
            "  drift        each input's PSI against the training data (under 0.1 stable,\n"
            "               under 0.25 moderate, else DRIFT) and its Page-Hinkley change\n"
            "               alarm\n"
            "  feedback     labels received and matched to predictions, live accuracy\n"
            "               (or MAE and RMSE), the Page-Hinkley alarm on the live error,\n"
            "               beside the model's offline metrics\n"
            "The first snapshot shows totals since the server started; each later one the\n"
            "window since the one before (PSI, labels and alarms are always since the\n"
            "start). A server that stops answering is asked again at the next snapshot\n"
            "(it may be restarting); the first and the last snapshot must succeed.\n"
            "Options:\n"
            "  every=SECONDS  between snapshots (default 2; 0.1 to 86400)\n"
            "  times=N        snapshots to show (default 1 in a script, else until Ctrl-C\n"
            "                 or `stop`; 0: until stopped)\n"
            "  token=TOKEN    the server's bearer token (default $AIWB_SERVER_TOKEN, which\n"
            "                 keeps it out of the history and of `record`)\n"
            "  show=PARTS     which tables: traffic, latency, predictions, drift, feedback\n"
            "                 or all (default all)\n"
            "URL is http://HOST[:PORT][/PREFIX/] (https is not spoken: tunnel with ssh -L).\n"
            "In the full-screen interface monitor runs as a background job: snapshots go\n"
            "to the output pane, requests/s and errors/s to the view pane's live curve;\n"
            "`stop` ends it. With --format csv or json the tables are data, the other\n"
            "lines go to stderr.\n"
            "Example:\n"
            "  monitor http://127.0.0.1:8080 every=5 times=12 show=traffic,drift",
    .min_args = 1,
    .max_args = 5,
    .complete = {COMPLETE_NONE, COMPLETE_NONE},
    .exec = cmd_monitor_exec,
    .background = 1,
};
