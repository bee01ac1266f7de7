/*
 * main.c - aiwb-server, the exported prediction server: serves the model
 * bundle appended to its own executable (or given with --bundle) over
 * HTTP/1.1: POST /predict, POST /feedback, GET /health, /metadata, /metrics.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 */
#define _DEFAULT_SOURCE /* O_CLOEXEC, SA_RESTART, clock_gettime under -std=c11 */

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "components.h"
#include "host.h"
#include "http.h"
#include "json.h"
#include "model.h"
#include "monitor.h"

#define TRAILER_MAGIC "AIWBSRV1"
#define TRAILER_SIZE 16
#define DEFAULT_TOP_K 10
#define MAX_TOP_K 1000

static const char usage[] =
    "usage: %s [OPTION]...\n"
    "Serve the model exported with this server (aiwb's `export`) over HTTP/1.1.\n"
    "\n"
    "  --bind ADDRESS    listen on ADDRESS (default 127.0.0.1; 0.0.0.0 for every interface)\n"
    "  --port N          listen on port N (default 8080; 0 picks a free one, printed)\n"
    "  --threads N       worker threads (default: one per CPU)\n"
    "  --token TOKEN     require 'Authorization: Bearer TOKEN' on every endpoint but /health\n"
    "                    (or set AIWB_SERVER_TOKEN, which keeps it out of `ps`)\n"
    "  --log FILE        append every prediction and feedback to FILE as JSON lines\n"
    "                    (SIGUSR1 reopens it, for log rotation)\n"
    "  --max-body BYTES  refuse request bodies over BYTES with 413 (default 1048576)\n"
    "  --timeout MS      answer 408 to a client slower than MS milliseconds to send its\n"
    "                    request (default 10000)\n"
    "  --bundle FILE     serve the model bundle FILE instead of the embedded one\n"
    "  --components      list the transforms and algorithms this server can run, and exit\n"
    "  --check           load the model, print its summary, and exit\n"
    "  --help            show this help and exit\n"
    "\n"
    "Endpoints:\n"
    "  POST /predict   a JSON object of the model's input columns (or {\"features\":\n"
    "                  [the inputs' values in order]), or an array of them; a\n"
    "                  recommender takes {\"user\": ID, \"k\": N}\n"
    "  POST /feedback  {\"id\": PREDICTION_ID, \"label\": TRUTH}\n"
    "  GET  /health    liveness, without the token\n"
    "  GET  /metadata  the input schema, the model, its training metrics\n"
    "  GET  /metrics   Prometheus text: requests, latency, predictions, drift, alarms\n"
    "SIGTERM or SIGINT drains the requests under way and exits 0.\n";

/* The server's state, shared by the handlers. */
struct app {
    struct model *model;
    struct monitor *mon;
    struct http_server *srv;
    const char *log_path;
    int log_fd;
    time_t started;
};

static struct app app = {.log_fd = -1};

static void
die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void
die(const char *fmt, ...)
{
    va_list ap;

    fputs("aiwb-server: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(2);
}

/* The whole of file PATH, malloc'd, its size in *LEN; NULL with errno set. */
static unsigned char *
read_file(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    unsigned char *buf = NULL;
    size_t got = 0;

    if (fd < 0)
        return NULL;
    if (fstat(fd, &st) < 0)
        goto fail;
    buf = host_alloc((size_t)st.st_size + 1);
    while (got < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);

        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            goto fail;
        got += (size_t)r;
    }
    close(fd);
    *len = got;
    return buf;
fail:
    free(buf);
    close(fd);
    return NULL;
}

/* LEN bytes of FD at OFFSET into BUF; 0, or -1 with errno set (EIO: short). */
static int
read_at(int fd, void *buf, size_t len, off_t offset)
{
    size_t got = 0;

    while (got < len) {
        ssize_t r = pread(fd, (char *)buf + got, len - got, offset + (off_t)got);

        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            if (r == 0)
                errno = EIO;
            return -1;
        }
        got += (size_t)r;
    }
    return 0;
}

/* The bundle appended to this executable: ... bundle | "AIWBSRV1" | u64 length
 * (LE). Only the trailer and the bundle are read, not the program before them. */
static unsigned char *
embedded_bundle(size_t *len)
{
    int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    unsigned char trailer[TRAILER_SIZE], *bundle;
    struct stat st;
    uint64_t blen = 0;

    if (fd < 0 || fstat(fd, &st) < 0)
        die("cannot read its own executable (/proc/self/exe): %s", strerror(errno));
    if ((uint64_t)st.st_size < TRAILER_SIZE ||
        read_at(fd, trailer, TRAILER_SIZE, st.st_size - TRAILER_SIZE) < 0 ||
        memcmp(trailer, TRAILER_MAGIC, 8) != 0)
        die("no model is embedded in this server: export one with aiwb's `export MODEL to DIR`, "
            "or give one with --bundle FILE");
    for (int i = 7; i >= 0; i--)
        blen = (blen << 8) | trailer[8 + i];
    if (blen > (uint64_t)st.st_size - TRAILER_SIZE)
        die("the embedded model is truncated");
    bundle = host_alloc(blen ? blen : 1);
    if (read_at(fd, bundle, blen, st.st_size - TRAILER_SIZE - (off_t)blen) < 0)
        die("cannot read the embedded model: %s", strerror(errno));
    close(fd);
    *len = blen;
    return bundle;
}

/* --- logging ----------------------------------------------------------- */

static void
reopen_log(int sig)
{
    int saved = errno, fd;

    (void)sig;
    fd = open(app.log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0) {
        dup2(fd, app.log_fd);
        close(fd);
    }
    errno = saved;
}

/* Append the records in W to the log in one write. */
static void
log_write(const struct json_writer *w)
{
    const char *p = w->buf;
    size_t left = w->len;

    if (app.log_fd < 0 || w->error)
        return;
    while (left > 0) {
        ssize_t n = write(app.log_fd, p, left);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            monitor_log_error(app.mon);
            return;
        }
        p += n;
        left -= (size_t)n;
    }
}

/*
 * "2026-11-27T16:40:01.123Z" of the current time into BUF. Not gmtime_r:
 * glibc's takes its time-zone lock, one mutex every logging worker would
 * share; the civil date of a day count is arithmetic (H. Hinnant's
 * civil_from_days, proleptic Gregorian).
 */
static void
now_text(char buf[32])
{
    struct timespec ts;
    long long days, secs, z, era, doe, yoe, doy, mp, day, month, year;

    clock_gettime(CLOCK_REALTIME, &ts);
    days = (long long)ts.tv_sec / 86400;
    secs = (long long)ts.tv_sec % 86400;
    if (secs < 0) {
        secs += 86400;
        days--;
    }
    z = days + 719468; /* days since 0000-03-01 */
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;                                      /* [0, 146096] */
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365], from March */
    mp = (5 * doy + 2) / 153;
    day = doy - (153 * mp + 2) / 5 + 1;
    month = mp < 10 ? mp + 3 : mp - 9;
    year = yoe + era * 400 + (month <= 2);
    snprintf(buf, 32, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", (int)year, (int)month, (int)day,
             (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60),
             (int)(ts.tv_nsec / 1000000) % 1000);
}

/* --- per-worker scratch -------------------------------------------------- */

struct scratch {
    struct json_arena arena;
    struct json_writer out;     /* the response body */
    struct json_writer log;     /* the log records */
    struct json_writer one;     /* one prediction, written to both */
    struct model_scratch model; /* the row's frame, design and outputs */
};

static struct scratch *scratches;

static struct scratch *
scratch_of(const struct http_request *req)
{
    struct scratch *s = &scratches[req->worker];

    json_writer_reset(&s->out);
    json_writer_reset(&s->log);
    return s;
}

static void
send_json(struct http_response *res, struct json_writer *w)
{
    if (w->error) {
        http_response_error(res, 500, "cannot build the answer: %s", json_writer_error(w));
        return;
    }
    http_response_write(res, w->buf, w->len);
}

/* --- /predict ------------------------------------------------------------ */

/* The prediction of one row (K outputs at V) as JSON members into W. */
static void
write_prediction(struct json_writer *w, const struct model *m, const double *v)
{
    size_t best = 0;

    for (size_t j = 1; j < m->k; j++)
        if (v[j] > v[best])
            best = j;
    switch (m->task) {
    case AIWB_TASK_CLASSIFICATION:
        json_write_key(w, "prediction");
        json_write_string(w, best < m->n_classes ? m->classes[best] : "?");
        json_write_key(w, "probabilities");
        json_write_object_begin(w);
        for (size_t j = 0; j < m->k && j < m->n_classes; j++) {
            json_write_key(w, m->classes[j]);
            json_write_double(w, v[j]);
        }
        json_write_object_end(w);
        break;
    case AIWB_TASK_CLUSTERING:
        json_write_key(w, "cluster");
        json_write_uint(w, best);
        json_write_key(w, "membership");
        json_write_array_begin(w);
        for (size_t j = 0; j < m->k; j++)
            json_write_double(w, v[j]);
        json_write_array_end(w);
        break;
    case AIWB_TASK_DECOMPOSITION:
        json_write_key(w, "components");
        json_write_array_begin(w);
        for (size_t j = 0; j < m->k; j++)
            json_write_double(w, v[j]);
        json_write_array_end(w);
        break;
    case AIWB_TASK_RANKING:
        json_write_key(w, "score");
        json_write_double(w, v[0]);
        break;
    default:
        json_write_key(w, "prediction");
        json_write_double(w, v[0]);
    }
}

/* A row as the log keeps it: as sent, but a row given by position
 * ({"features": [...]}) keyed by the model's input names, so that `load
 * live` reads the columns the model was trained on. */
static void
write_input(struct json_writer *w, const struct json_value *row)
{
    const struct model *m = app.model;
    const struct json_value *pos = json_member(row, "features");
    struct json_iter it;
    const struct json_value *key, *val;
    size_t i = 0;

    if (pos == NULL || pos->type != JSON_TYPE_ARRAY || json_size(pos) != m->n_in ||
        model_input_find(m, "features", 8) >= 0) {
        json_write_value(w, row);
        return;
    }
    json_write_object_begin(w);
    json_iter_init(&it, pos);
    while (json_iter_next(&it, NULL, &val)) {
        json_write_key(w, m->in[i++].name);
        json_write_value(w, val);
    }
    /* the other fields, as sent */
    json_iter_init(&it, row);
    while (json_iter_next(&it, &key, &val))
        if (val != pos) {
            json_write_keyn(w, json_str(key), json_str_len(key));
            json_write_value(w, val);
        }
    json_write_object_end(w);
}

/* One log record: {"id", "time", "model", "version", "input", "output"}. */
static void
log_record(struct scratch *s, const char *id, const char *when, const struct json_value *input,
           const char *output, size_t output_len)
{
    struct json_writer *w = &s->log;

    json_write_object_begin(w);
    json_write_key(w, "id");
    json_write_string(w, id);
    json_write_key(w, "time");
    json_write_string(w, when);
    json_write_key(w, "model");
    json_write_string(w, app.model->name);
    json_write_key(w, "version");
    json_write_int(w, app.model->version);
    json_write_key(w, "input");
    write_input(w, input);
    json_write_key(w, "output");
    json_write_raw(w, output, output_len);
    json_write_object_end(w);
    json_write_newline(w);
}

/* A recommender asked for a user's best items: {"user": ID, "k": N}. */
static void
recommend(const struct http_request *req, struct http_response *res, struct scratch *s,
          const struct json_value *body)
{
    const struct model *m = app.model;
    const struct json_value *user = json_member(body, m->in[0].name), *kv = json_member(body, "k");
    char id[HTTP_REQUEST_ID_SIZE], when[32], buf[32];
    const char *text;
    struct model_error err;
    int32_t *items;
    double *scores;
    long got;
    size_t k = DEFAULT_TOP_K;

    if (user == NULL || user->type == JSON_TYPE_NULL) {
        http_response_error(res, 422, "field '%s' is missing: a recommender takes {\"%s\": ID, "
                            "\"k\": N}", m->in[0].name, m->in[0].name);
        return;
    }
    if (kv != NULL) {
        if (!json_is_int(kv) || json_int(kv) < 1 || json_int(kv) > MAX_TOP_K) {
            http_response_error(res, 422, "field 'k': expected a whole number from 1 to %d",
                                MAX_TOP_K);
            return;
        }
        k = (size_t)json_int(kv);
    }
    if (user->type == JSON_TYPE_NUMBER) {
        model_number_text(json_double(user), buf);
        text = buf;
    } else if (user->type == JSON_TYPE_STRING) {
        text = json_str(user);
    } else {
        http_response_error(res, 422, "field '%s': expected a string or a number, found %s",
                            m->in[0].name, json_type_name((enum json_type)user->type));
        return;
    }
    got = model_recommend(m, text, k, &items, &scores, &err);
    if (got < 0) {
        monitor_request_error(app.mon, req->worker);
        http_response_error(res, err.status, "%s", err.text);
        return;
    }
    http_request_id_format(req, id);
    /* The items once, as an array: the answer's "items" and the log's output. */
    json_writer_reset(&s->one);
    json_write_array_begin(&s->one);
    for (long i = 0; i < got; i++) {
        json_write_object_begin(&s->one);
        json_write_key(&s->one, m->in[1].name);
        json_write_string(&s->one, items[i] >= 0 && (size_t)items[i] < m->in[1].nlevels
                                       ? m->in[1].levels[items[i]]
                                       : "?");
        json_write_key(&s->one, "score");
        json_write_double(&s->one, scores[i]);
        json_write_object_end(&s->one);
    }
    json_write_array_end(&s->one);
    free(items);
    free(scores);
    json_write_object_begin(&s->out);
    json_write_key(&s->out, "id");
    json_write_string(&s->out, id);
    json_write_key(&s->out, m->in[0].name);
    json_write_value(&s->out, user);
    json_write_key(&s->out, "items");
    if (!s->one.error)
        json_write_raw(&s->out, s->one.buf, s->one.len);
    json_write_object_end(&s->out);
    if (s->one.error || s->out.error) {
        http_response_error(res, 500, "cannot build the answer");
        return;
    }
    monitor_recommendation(app.mon, req->worker);
    if (app.log_fd >= 0) {
        now_text(when);
        log_record(s, id, when, body, s->one.buf, s->one.len);
        log_write(&s->log);
    }
    send_json(res, &s->out);
}

static void
handle_predict(const struct http_request *req, struct http_response *res, void *arg)
{
    const struct model *m = app.model;
    struct scratch *s = scratch_of(req);
    struct json_error jerr;
    const struct json_value *body;
    struct model_error err;
    char id[HTTP_REQUEST_ID_SIZE], when[32];
    struct monitor_call call;
    const double *out;
    size_t n, unseen;
    int batch;

    (void)arg;
    body = json_parse(&s->arena, req->body, req->body_len, NULL, &jerr);
    if (body == NULL) {
        monitor_request_error(app.mon, req->worker);
        http_response_error(res, 400, "the body is not JSON: %s", jerr.text);
        return;
    }
    if (m->task == AIWB_TASK_RANKING && body->type == JSON_TYPE_OBJECT &&
        json_member(body, m->in[1].name) == NULL) {
        recommend(req, res, s, body);
        return;
    }
    call.mon = app.mon;
    call.worker = req->worker;
    if (model_predict(m, &s->model, body, &n, &out, &unseen, monitor_observe, &call, &err) < 0) {
        monitor_request_error(app.mon, req->worker);
        http_response_error(res, err.status, "%s", err.text);
        return;
    }
    batch = body->type == JSON_TYPE_ARRAY;
    http_request_id_format(req, id);
    if (app.log_fd >= 0)
        now_text(when);
    json_write_object_begin(&s->out);
    json_write_key(&s->out, "id");
    json_write_string(&s->out, id);
    if (batch) {
        json_write_key(&s->out, "predictions");
        json_write_array_begin(&s->out);
    }
    {
        struct json_iter it;
        const struct json_value *row = body;
        char rid[HTTP_REQUEST_ID_SIZE + 24];

        if (batch)
            json_iter_init(&it, body);
        for (size_t i = 0; i < n; i++) {
            const double *v = out + i * m->k;

            if (batch)
                json_iter_next(&it, NULL, &row);
            if (batch)
                snprintf(rid, sizeof rid, "%s.%zu", id, i);
            monitor_prediction(app.mon, req->worker, v, batch ? rid : id);
            json_writer_reset(&s->one);
            json_write_object_begin(&s->one);
            write_prediction(&s->one, m, v);
            json_write_object_end(&s->one);
            if (s->one.error)
                break;
            if (batch) {
                json_write_object_begin(&s->out);
                json_write_key(&s->out, "id");
                json_write_string(&s->out, rid);
                write_prediction(&s->out, m, v);
                json_write_object_end(&s->out);
            } else {
                write_prediction(&s->out, m, v);
            }
            if (app.log_fd >= 0)
                log_record(s, batch ? rid : id, when, row, s->one.buf, s->one.len);
        }
    }
    if (batch)
        json_write_array_end(&s->out);
    if (unseen > 0) {
        json_write_key(&s->out, "unseen_levels");
        json_write_uint(&s->out, unseen);
    }
    json_write_object_end(&s->out);
    if (s->one.error) {
        http_response_error(res, 500, "cannot build the answer: %s", json_writer_error(&s->one));
        return;
    }
    log_write(&s->log);
    send_json(res, &s->out);
}

/* --- /feedback ----------------------------------------------------------- */

static void
handle_feedback(const struct http_request *req, struct http_response *res, void *arg)
{
    struct scratch *s = scratch_of(req);
    struct json_error jerr;
    const struct json_value *body, *id, *label;
    char when[32], reason[160];
    int matched;

    (void)arg;
    body = json_parse(&s->arena, req->body, req->body_len, NULL, &jerr);
    if (body == NULL) {
        http_response_error(res, 400, "the body is not JSON: %s", jerr.text);
        return;
    }
    if (body->type != JSON_TYPE_OBJECT) {
        http_response_error(res, 422, "expected an object {\"id\": ..., \"label\": ...}, found %s",
                            json_type_name((enum json_type)body->type));
        return;
    }
    id = json_member(body, "id");
    label = json_member(body, "label");
    if (id == NULL || id->type != JSON_TYPE_STRING) {
        http_response_error(res, 422, "field 'id': expected the id of a prediction (a string)%s",
                            id == NULL ? ", found nothing" : "");
        return;
    }
    if (label == NULL || (label->type != JSON_TYPE_STRING && label->type != JSON_TYPE_NUMBER)) {
        http_response_error(res, 422, "field 'label': expected the true %s (a %s)",
                            app.model->target, app.model->task == AIWB_TASK_REGRESSION
                                                   ? "value" : "class");
        return;
    }
    matched = monitor_feedback(app.mon, json_str(id), label, reason, sizeof reason);
    if (matched < 0) {
        http_response_error(res, 422, "%s", reason);
        return;
    }
    if (app.log_fd >= 0) {
        now_text(when);
        json_write_object_begin(&s->log);
        json_write_key(&s->log, "feedback");
        json_write_string(&s->log, json_str(id));
        json_write_key(&s->log, "time");
        json_write_string(&s->log, when);
        json_write_key(&s->log, "target");
        json_write_string(&s->log, app.model->target);
        json_write_key(&s->log, "label");
        json_write_value(&s->log, label);
        json_write_object_end(&s->log);
        json_write_newline(&s->log);
        log_write(&s->log);
    }
    json_write_object_begin(&s->out);
    json_write_key(&s->out, "id");
    json_write_string(&s->out, json_str(id));
    json_write_key(&s->out, "recorded");
    json_write_bool(&s->out, app.log_fd >= 0);
    json_write_key(&s->out, "matched");
    json_write_bool(&s->out, matched);
    json_write_object_end(&s->out);
    send_json(res, &s->out);
}

/* --- /health, /metadata, /metrics ---------------------------------------- */

static void
handle_health(const struct http_request *req, struct http_response *res, void *arg)
{
    struct scratch *s = scratch_of(req);

    (void)arg;
    json_write_object_begin(&s->out);
    json_write_key(&s->out, "status");
    json_write_string(&s->out, "ok");
    json_write_key(&s->out, "model");
    json_write_string(&s->out, app.model->name);
    json_write_key(&s->out, "version");
    json_write_int(&s->out, app.model->version);
    json_write_key(&s->out, "uptime_seconds");
    json_write_int(&s->out, (int64_t)(time(NULL) - app.started));
    json_write_object_end(&s->out);
    send_json(res, &s->out);
}

static void
handle_metadata(const struct http_request *req, struct http_response *res, void *arg)
{
    const struct model *m = app.model;
    struct scratch *s = scratch_of(req);
    struct json_writer *w = &s->out;

    (void)arg;
    json_write_object_begin(w);
    json_write_key(w, "model");
    json_write_string(w, m->name);
    json_write_key(w, "version");
    json_write_int(w, m->version);
    json_write_key(w, "algorithm");
    json_write_string(w, m->algo_name);
    json_write_key(w, "task");
    json_write_string(w, model_task_name(m->task));
    json_write_key(w, "target");
    json_write_string(w, m->target);
    if (m->n_classes > 0) {
        json_write_key(w, "classes");
        json_write_array_begin(w);
        for (size_t k = 0; k < m->n_classes; k++)
            json_write_string(w, m->classes[k]);
        json_write_array_end(w);
    }
    json_write_key(w, "inputs");
    json_write_array_begin(w);
    for (size_t c = 0; c < m->n_in; c++) {
        const struct model_input *in = &m->in[c];

        json_write_object_begin(w);
        json_write_key(w, "name");
        json_write_string(w, in->name);
        json_write_key(w, "type");
        json_write_string(w, in->type == AIWB_NUMERIC ? "number" : "string");
        json_write_key(w, "required");
        json_write_bool(w, in->strict);
        if (in->type == AIWB_CATEGORICAL) {
            json_write_key(w, "levels");
            json_write_uint(w, in->nlevels);
            if (in->nlevels <= 100) {
                json_write_key(w, "values");
                json_write_array_begin(w);
                for (size_t l = 0; l < in->nlevels; l++)
                    json_write_string(w, in->levels[l]);
                json_write_array_end(w);
            }
        }
        json_write_object_end(w);
    }
    json_write_array_end(w);
    json_write_key(w, "transforms");
    json_write_array_begin(w);
    for (size_t i = 0; i < m->n_tf; i++)
        json_write_string(w, m->tf[i].name);
    json_write_array_end(w);
    json_write_key(w, "metrics");
    json_write_object_begin(w);
    for (size_t i = 0; i < m->n_metrics; i++) {
        json_write_key(w, m->metric_names[i]);
        json_write_double(w, m->metric_values[i]);
    }
    json_write_object_end(w);
    json_write_key(w, "dataset");
    json_write_string(w, m->dataset);
    json_write_key(w, "trained");
    json_write_string(w, m->trained);
    json_write_key(w, "exported");
    json_write_string(w, m->exported);
    json_write_key(w, "aiwb_version");
    json_write_string(w, m->aiwb_version);
    json_write_key(w, "drift_reference");
    json_write_bool(w, m->n_in > 0 && m->in[0].ref.nbins > 0);
    json_write_object_end(w);
    send_json(res, w);
}

static void
handle_metrics(const struct http_request *req, struct http_response *res, void *arg)
{
    struct http_stats st;

    (void)req;
    (void)arg;
    http_response_content_type(res, "text/plain; version=0.0.4; charset=utf-8");
    http_server_stats(app.srv, &st);
    http_stats_prometheus(&st, "aiwb", res);
    monitor_prometheus(app.mon, res);
}

/* --- main ---------------------------------------------------------------- */

static void
on_stop(int sig)
{
    (void)sig;
    http_server_stop(app.srv);
}

static unsigned
parse_count(const char *opt, const char *text, unsigned long max)
{
    char *end;
    unsigned long v;

    errno = 0;
    v = strtoul(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || text[0] == '-' || v > max)
        die("%s: '%s' is not a whole number from 0 to %lu", opt, text, max);
    return (unsigned)v;
}

int
main(int argc, char **argv)
{
    struct http_config cfg;
    const char *bundle_path = NULL;
    unsigned char *bundle;
    size_t len;
    char *cause = NULL;
    int check = 0;
    unsigned workers;
    struct sigaction sa;

    http_config_init(&cfg);
    cfg.token = getenv("AIWB_SERVER_TOKEN");
    if (cfg.token != NULL && *cfg.token == '\0')
        cfg.token = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;

        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            printf(usage, argv[0]);
            return 0;
        } else if (strcmp(a, "--components") == 0) {
            components_list(stdout);
            return 0;
        } else if (strcmp(a, "--check") == 0) {
            check = 1;
            continue;
        }
        if (strncmp(a, "--", 2) != 0 || v == NULL) {
            fprintf(stderr, usage, argv[0]);
            die("%s '%s'", strncmp(a, "--", 2) != 0 ? "unexpected argument" : "missing value for",
                a);
        }
        i++;
        if (strcmp(a, "--bind") == 0)
            cfg.bind = v;
        else if (strcmp(a, "--port") == 0)
            cfg.port = parse_count(a, v, 65535);
        else if (strcmp(a, "--threads") == 0)
            cfg.threads = parse_count(a, v, 1024);
        else if (strcmp(a, "--token") == 0)
            cfg.token = *v ? v : NULL;
        else if (strcmp(a, "--log") == 0)
            app.log_path = v;
        else if (strcmp(a, "--max-body") == 0)
            cfg.max_body_bytes = parse_count(a, v, 1ul << 30);
        else if (strcmp(a, "--timeout") == 0)
            cfg.request_timeout_ms = parse_count(a, v, 3600000);
        else if (strcmp(a, "--bundle") == 0)
            bundle_path = v;
        else
            die("unknown option '%s' (try --help)", a);
    }

    /* The plugins' warnings are about one request (a missing value encoded as
     * zeros): the answer says what matters (unseen_levels), and stderr must
     * not grow with the traffic. Errors still show. */
    host_log_to(2, AIWB_LOG_ERROR);
    components_bind();
    if (bundle_path != NULL) {
        if ((bundle = read_file(bundle_path, &len)) == NULL)
            die("cannot read '%s': %s", bundle_path, strerror(errno));
    } else {
        bundle = embedded_bundle(&len);
    }
    app.model = model_load(bundle, len, &cause);
    free(bundle);
    if (app.model == NULL)
        die("cannot load the model: %s", cause);
    if (check) {
        printf("model %s version %lld: %s %s of '%s', %zu inputs, %zu transforms\n",
               app.model->name, (long long)app.model->version, app.model->algo_name,
               model_task_name(app.model->task), app.model->target, app.model->n_in,
               app.model->n_tf);
        model_free(app.model);
        return 0;
    }
    if (app.log_path != NULL) {
        app.log_fd = open(app.log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
        if (app.log_fd < 0)
            die("cannot open the log '%s': %s", app.log_path, strerror(errno));
    }
    if ((app.srv = http_server_new(&cfg, &cause)) == NULL)
        die("%s", cause);
    app.mon = monitor_new(app.model, http_server_threads(app.srv));
    scratches = host_calloc(http_server_threads(app.srv), sizeof *scratches);
    for (unsigned w = 0; w < http_server_threads(app.srv); w++) {
        json_arena_init(&scratches[w].arena, NULL, 0);
        json_writer_init(&scratches[w].out, NULL, 4096);
        json_writer_init(&scratches[w].log, NULL, 4096);
        json_writer_init(&scratches[w].one, NULL, 1024);
        model_scratch_init(&scratches[w].model);
    }
    if (http_server_route(app.srv, "POST", "/predict", 0, handle_predict, NULL, &cause) < 0 ||
        http_server_route(app.srv, "POST", "/feedback", 0, handle_feedback, NULL, &cause) < 0 ||
        http_server_route(app.srv, "GET", "/health", HTTP_ROUTE_PUBLIC, handle_health, NULL,
                          &cause) < 0 ||
        http_server_route(app.srv, "GET", "/metadata", 0, handle_metadata, NULL, &cause) < 0 ||
        http_server_route(app.srv, "GET", "/metrics", 0, handle_metrics, NULL, &cause) < 0)
        die("%s", cause);

    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_stop;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = reopen_log;
    sa.sa_flags = SA_RESTART;
    if (app.log_fd >= 0)
        sigaction(SIGUSR1, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    app.started = time(NULL);
    fprintf(stderr, "aiwb-server: serving model %s version %lld on http://%s:%u/ with %u "
            "thread%s%s\n", app.model->name, (long long)app.model->version,
            strchr(cfg.bind, ':') != NULL ? "[::]" : cfg.bind, http_server_port(app.srv),
            http_server_threads(app.srv), http_server_threads(app.srv) == 1 ? "" : "s",
            cfg.token != NULL ? ", token required" : "");
    if (http_server_run(app.srv, &cause) < 0)
        die("%s", cause);
    fprintf(stderr, "aiwb-server: drained, exiting\n");
    workers = http_server_threads(app.srv);
    http_server_free(app.srv);
    for (unsigned w = 0; w < workers; w++) {
        json_arena_release(&scratches[w].arena);
        json_writer_release(&scratches[w].out);
        json_writer_release(&scratches[w].log);
        json_writer_release(&scratches[w].one);
        model_scratch_release(&scratches[w].model);
    }
    free(scratches);
    monitor_free(app.mon);
    model_free(app.model);
    if (app.log_fd >= 0)
        close(app.log_fd);
    return 0;
}
