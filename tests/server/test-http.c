/*
 * test-http.c - the server core over real sockets: keep-alive, pipelining,
 * every bad request the server must refuse (status, JSON error, closing, and
 * other connections still served), the bearer token, deadlines, caps, the
 * handler API, counters, and a SIGTERM that drains a request under way.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../server/http.h"

/* ------------------------------------------------------------------------- */
/* A server in a thread. */

struct fixture {
    struct http_server *srv;
    pthread_t thread;
    int rc;
    char *cause;
};

static atomic_int slow_started;
static atomic_int api_failures;
static struct fixture *current; /* for the SIGTERM handler */

static void *
run_thread(void *arg)
{
    struct fixture *f = arg;

    f->rc = http_server_run(f->srv, &f->cause);
    return NULL;
}

static void
h_echo(const struct http_request *req, struct http_response *res, void *arg)
{
    const char *foo = http_request_header(req, "x-FOO", NULL);
    char id[HTTP_REQUEST_ID_SIZE];

    (void)arg;
    http_request_id_format(req, id);
    http_response_content_type(res, "text/plain");
    http_response_header(res, "X-Method", req->method);
    http_response_header(res, "X-Path", req->path);
    http_response_header(res, "X-Query", req->query);
    http_response_header(res, "X-Foo", foo ? foo : "(none)");
    http_response_header(res, "X-Body-Nul", req->body[req->body_len] == '\0' ? "yes" : "no");
    http_response_header(res, "X-Version", req->version == 10 ? "1.0" : "1.1");
    http_response_header(res, "X-Id", id);
    http_response_write(res, req->body, req->body_len);
}

static void
h_health(const struct http_request *req, struct http_response *res, void *arg)
{
    (void)req;
    (void)arg;
    http_response_write(res, "{\"status\": \"ok\"}", 16);
}

static void
h_slow(const struct http_request *req, struct http_response *res, void *arg)
{
    struct timespec ts = {0, 300 * 1000 * 1000};

    (void)req;
    (void)arg;
    atomic_store(&slow_started, 1);
    nanosleep(&ts, NULL);
    http_response_write(res, "slow done", 9);
}

static void
h_big(const struct http_request *req, struct http_response *res, void *arg)
{
    char *p = http_response_reserve(res, 1 << 20);
    size_t i;

    (void)req;
    (void)arg;
    if (!p)
        return;
    for (i = 0; i < 1 << 20; i++)
        p[i] = (char)('a' + i % 26);
    http_response_commit(res, 1 << 20);
}

static void
h_headers(const struct http_request *req, struct http_response *res, void *arg)
{
    size_t i, n = http_request_header_count(req);

    (void)arg;
    http_response_content_type(res, "text/plain");
    for (i = 0; i < n; i++) {
        const char *name, *value;
        size_t nl, vl;

        http_request_header_at(req, i, &name, &nl, &value, &vl);
        if (strlen(name) != nl || strlen(value) != vl)
            atomic_fetch_add(&api_failures, 1);
        http_response_printf(res, "%s=%s|", name, value);
    }
}

/* /status?N sets status N with a body; /status?error builds a JSON error
 * with bytes to escape; /status?api tries the refused builder calls. */
static void
h_status(const struct http_request *req, struct http_response *res, void *arg)
{
    (void)arg;
    if (strcmp(req->query, "error") == 0) {
        http_response_write(res, "dropped", 7);
        http_response_error(res, 422, "field \"x\"\tis \\bad\x01 \xff caf\xc3\xa9");
        return;
    }
    if (strcmp(req->query, "api") == 0) {
        if (http_response_header(res, "Bad Name", "v") != -1 ||
            http_response_header(res, "Content-Length", "3") != -1 ||
            http_response_header(res, "connection", "close") != -1 ||
            http_response_header(res, "X-Ok", "a\r\nInjected: 1") != -1 ||
            http_response_content_type(res, "text/plain\r\nX: y") != -1 ||
            http_response_content_type(res, "") != -1 ||
            http_response_header(res, "X-Ok", "fine") != 0)
            atomic_fetch_add(&api_failures, 1);
        http_response_printf(res, "%0300d|%s", 7, "end");
        return;
    }
    http_response_status(res, atoi(req->query));
    http_response_write(res, "body", 4);
}

static void
h_close(const struct http_request *req, struct http_response *res, void *arg)
{
    (void)req;
    (void)arg;
    http_response_close(res);
    http_response_write(res, "bye", 3);
}

static void
h_metrics(const struct http_request *req, struct http_response *res, void *arg)
{
    struct http_stats st;

    (void)req;
    http_server_stats(arg, &st);
    http_response_content_type(res, "text/plain; version=0.0.4");
    http_stats_prometheus(&st, "t", res);
}

static void
test_config(struct http_config *cfg)
{
    http_config_init(cfg);
    cfg->port = 0;
    cfg->threads = 2;
}

static struct fixture *
start(const struct http_config *cfg)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char *cause = NULL;

    assert_non_null(f);
    f->srv = http_server_new(cfg, &cause);
    if (!f->srv)
        fail_msg("http_server_new: %s", cause);
    assert_int_equal(http_server_route(f->srv, "POST", "/echo", 0, h_echo, NULL, &cause), 0);
    assert_int_equal(http_server_route(f->srv, "GET", "/echo", 0, h_echo, NULL, &cause), 0);
    assert_int_equal(http_server_route(f->srv, "POST", "/predict", 0, h_echo, NULL, &cause), 0);
    assert_int_equal(
        http_server_route(f->srv, "GET", "/health", HTTP_ROUTE_PUBLIC, h_health, NULL, &cause), 0);
    assert_int_equal(http_server_route(f->srv, "GET", "/slow", 0, h_slow, NULL, &cause), 0);
    assert_int_equal(http_server_route(f->srv, "GET", "/big", 0, h_big, NULL, &cause), 0);
    assert_int_equal(http_server_route(f->srv, "GET", "/headers", 0, h_headers, NULL, &cause), 0);
    assert_int_equal(http_server_route(f->srv, "GET", "/status", 0, h_status, NULL, &cause), 0);
    assert_int_equal(http_server_route(f->srv, "GET", "/close", 0, h_close, NULL, &cause), 0);
    assert_int_equal(http_server_route(f->srv, "GET", "/metrics", 0, h_metrics, f->srv, &cause), 0);
    assert_int_equal(pthread_create(&f->thread, NULL, run_thread, f), 0);
    return f;
}

static void
stop(struct fixture *f)
{
    http_server_stop(f->srv);
    assert_int_equal(pthread_join(f->thread, NULL), 0);
    if (f->rc != 0)
        fail_msg("http_server_run: %s", f->cause);
    http_server_free(f->srv);
    free(f);
}

static int
setup_default(void **state)
{
    struct http_config cfg;

    test_config(&cfg);
    *state = start(&cfg);
    return 0;
}

static int
teardown(void **state)
{
    stop(*state);
    return 0;
}

/* ------------------------------------------------------------------------- */
/* A raw client. */

struct client {
    int fd;
    size_t len;
    char buf[1 << 21];
};

struct reply {
    int status;
    char head[8192];
    char *body;
    size_t body_len;
};

static struct client *
cl_open(unsigned port)
{
    struct client *cl = malloc(sizeof(*cl));
    struct sockaddr_in sa;
    struct timeval tv = {20, 0};
    int one = 1;

    assert_non_null(cl);
    cl->len = 0;
    cl->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(cl->fd >= 0);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(cl->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
        fail_msg("connect to port %u: %s", port, strerror(errno));
    setsockopt(cl->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(cl->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return cl;
}

static struct client *
cl_connect(void **state)
{
    struct fixture *f = *state;

    return cl_open(http_server_port(f->srv));
}

static void
cl_close(struct client *cl)
{
    close(cl->fd);
    free(cl);
}

static void
cl_sendn(struct client *cl, const char *data, size_t n)
{
    while (n) {
        ssize_t k = send(cl->fd, data, n, MSG_NOSIGNAL);

        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            fail_msg("send: %s", strerror(errno));
        data += k;
        n -= (size_t)k;
    }
}

static void
cl_send(struct client *cl, const char *text)
{
    cl_sendn(cl, text, strlen(text));
}

/* Read more into the buffer; 0 at EOF, -1 on error or timeout. */
static int
cl_fill(struct client *cl)
{
    ssize_t n;

    if (cl->len == sizeof(cl->buf))
        fail_msg("client buffer full");
    do
        n = recv(cl->fd, cl->buf + cl->len, sizeof(cl->buf) - cl->len, 0);
    while (n < 0 && errno == EINTR);
    if (n > 0) {
        cl->len += (size_t)n;
        return 1;
    }
    return n == 0 ? 0 : -1;
}

/* Read one answer (no body if NO_BODY: HEAD); the body is copied to a new
 * string the caller frees with reply_free. Fails the test if the bytes are
 * not a well-formed answer. */
static void
cl_reply(struct client *cl, struct reply *r, int no_body)
{
    char *end, *cl_hdr;
    size_t head_len, blen = 0;

    for (;;) {
        end = memmem(cl->buf, cl->len, "\r\n\r\n", 4);
        if (end)
            break;
        if (cl_fill(cl) <= 0)
            fail_msg("connection closed or timed out before an answer (%zu bytes: %.*s)", cl->len,
                     (int)cl->len, cl->buf);
    }
    head_len = (size_t)(end - cl->buf) + 4;
    assert_true(head_len < sizeof(r->head));
    memcpy(r->head, cl->buf, head_len);
    r->head[head_len] = '\0';
    if (strncmp(r->head, "HTTP/1.1 ", 9) != 0 || sscanf(r->head + 9, "%3d", &r->status) != 1)
        fail_msg("malformed status line: %s", r->head);
    cl_hdr = strcasestr(r->head, "\r\nContent-Length: ");
    if (cl_hdr)
        blen = strtoul(cl_hdr + 18, NULL, 10);
    else if (r->status >= 200 && r->status != 204 && r->status != 304)
        fail_msg("answer without Content-Length: %s", r->head);
    if (no_body || r->status < 200)
        blen = 0;
    while (cl->len < head_len + blen)
        if (cl_fill(cl) <= 0)
            fail_msg("connection closed before the body's %zu bytes", blen);
    r->body = malloc(blen + 1);
    assert_non_null(r->body);
    memcpy(r->body, cl->buf + head_len, blen);
    r->body[blen] = '\0';
    r->body_len = blen;
    memmove(cl->buf, cl->buf + head_len + blen, cl->len - head_len - blen);
    cl->len -= head_len + blen;
}

static void
reply_free(struct reply *r)
{
    free(r->body);
    r->body = NULL;
}

/* The value of header NAME in R (a static copy), or NULL. */
static const char *
reply_header(const struct reply *r, const char *name)
{
    static char value[1024];
    char pat[128];
    const char *p, *e;

    snprintf(pat, sizeof(pat), "\r\n%s: ", name);
    p = strcasestr(r->head, pat);
    if (!p)
        return NULL;
    p += strlen(pat);
    e = strstr(p, "\r\n");
    snprintf(value, sizeof(value), "%.*s", (int)(e - p), p);
    return value;
}

/* The server closed the connection (after what was already read). */
static void
cl_expect_eof(struct client *cl)
{
    int r;

    assert_int_equal(cl->len, 0);
    r = cl_fill(cl);
    if (r != 0)
        fail_msg("connection not closed (read %d, %zu bytes: %.*s)", r, cl->len, (int)cl->len,
                 cl->buf);
}

/* R is the JSON error of STATUS whose message holds WHAT. */
static void
assert_json_error(const struct reply *r, int status, const char *what)
{
    char tail[64];
    size_t n;

    if (r->status != status)
        fail_msg("status %d, expected %d: %s%s", r->status, status, r->head, r->body);
    assert_string_equal(reply_header(r, "Content-Type"), "application/json");
    snprintf(tail, sizeof(tail), "\", \"status\": %d}", status);
    n = strlen(tail);
    if (strncmp(r->body, "{\"error\": \"", 11) != 0 || r->body_len < 11 + n ||
        strcmp(r->body + r->body_len - n, tail) != 0)
        fail_msg("not a JSON error of %d: %s", status, r->body);
    if (!strstr(r->body, what))
        fail_msg("error '%s' does not say '%s'", r->body, what);
}

/* One request on a new connection; returns the reply (free it). */
static void
roundtrip(unsigned port, const char *request, struct reply *r)
{
    struct client *cl = cl_open(port);

    cl_send(cl, request);
    cl_reply(cl, r, 0);
    cl_close(cl);
}

/* A normal request on a new connection answers 200: the server serves on. */
static void
assert_serving(unsigned port)
{
    struct reply r;

    roundtrip(port, "GET /health HTTP/1.1\r\nHost: t\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"status\": \"ok\"}");
    reply_free(&r);
}

/* REQUEST on a new connection gets the JSON error STATUS saying WHAT, the
 * connection is closed after it, and the server serves others. */
static void
assert_refused(unsigned port, const char *request, size_t len, int status, const char *what)
{
    struct client *cl = cl_open(port);
    struct reply r;

    cl_sendn(cl, request, len);
    cl_reply(cl, &r, 0);
    assert_json_error(&r, status, what);
    assert_string_equal(reply_header(&r, "Connection"), "close");
    reply_free(&r);
    cl_expect_eof(cl);
    cl_close(cl);
    assert_serving(port);
}

#define REFUSED(port, lit, status, what)                                                           \
    assert_refused((port), (lit), sizeof(lit) - 1, status, what)

/* Wait until the server counts N open connections (closing is seen a little
 * after the client closes). */
static void
wait_open(struct fixture *f, uint64_t n)
{
    struct http_stats st;
    int i;

    for (i = 0; i < 2000; i++) {
        http_server_stats(f->srv, &st);
        if (st.connections_open == n)
            return;
        usleep(5000);
    }
    fail_msg("%llu connections open, expected %llu", (unsigned long long)st.connections_open,
             (unsigned long long)n);
}

static unsigned
port_of(void **state)
{
    struct fixture *f = *state;

    return http_server_port(f->srv);
}

/* ------------------------------------------------------------------------- */
/* Keep-alive, pipelining, closing. */

static void
test_keep_alive(void **state)
{
    struct client *cl = cl_connect(state);
    struct reply r;
    char req[256], body[32];
    int i;

    for (i = 0; i < 5; i++) {
        snprintf(body, sizeof(body), "{\"n\": %d}", i);
        snprintf(req, sizeof(req),
                 "POST /echo?i=%d HTTP/1.1\r\nHost: t\r\nX-Foo: bar %d\r\n"
                 "Content-Length: %zu\r\n\r\n%s",
                 i, i, strlen(body), body);
        cl_send(cl, req);
        cl_reply(cl, &r, 0);
        assert_int_equal(r.status, 200);
        assert_string_equal(r.body, body);
        assert_null(reply_header(&r, "Connection"));
        snprintf(body, sizeof(body), "i=%d", i);
        assert_string_equal(reply_header(&r, "X-Query"), body);
        snprintf(body, sizeof(body), "bar %d", i);
        assert_string_equal(reply_header(&r, "X-Foo"), body);
        assert_string_equal(reply_header(&r, "X-Body-Nul"), "yes");
        assert_non_null(reply_header(&r, "Date"));
        reply_free(&r);
    }
    cl_close(cl);
}

static void
test_http10(void **state)
{
    struct client *cl = cl_connect(state);
    struct reply r;

    /* HTTP/1.0 keeps the connection only when asked, and needs no Host. */
    cl_send(cl, "GET /echo HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    cl_reply(cl, &r, 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(reply_header(&r, "Connection"), "keep-alive");
    assert_string_equal(reply_header(&r, "X-Version"), "1.0");
    reply_free(&r);
    cl_send(cl, "GET /echo HTTP/1.0\r\n\r\n");
    cl_reply(cl, &r, 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(reply_header(&r, "Connection"), "close");
    reply_free(&r);
    cl_expect_eof(cl);
    cl_close(cl);
}

static void
test_connection_close(void **state)
{
    struct client *cl = cl_connect(state);
    struct reply r;

    cl_send(cl, "GET /echo HTTP/1.1\r\nHost: t\r\nConnection: Keep-Alive, CLOSE\r\n\r\n");
    cl_reply(cl, &r, 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(reply_header(&r, "Connection"), "close");
    reply_free(&r);
    cl_expect_eof(cl);
    cl_close(cl);
    /* A handler can close too. */
    cl = cl_connect(state);
    cl_send(cl, "GET /close HTTP/1.1\r\nHost: t\r\n\r\nGET /health HTTP/1.1\r\nHost: t\r\n\r\n");
    cl_reply(cl, &r, 0);
    assert_string_equal(r.body, "bye");
    assert_string_equal(reply_header(&r, "Connection"), "close");
    reply_free(&r);
    cl_expect_eof(cl);
    cl_close(cl);
}

static void
test_pipelining(void **state)
{
    static const char reqs[] = "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nfirst"
                               "GET /nowhere HTTP/1.1\r\nHost: t\r\n\r\n"
                               "\r\n" /* an empty line between requests is ignored */
                               "GET /health HTTP/1.1\r\nHost: t\r\n\r\n"
                               "HEAD /health HTTP/1.1\r\nHost: t\r\n\r\n"
                               "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 6\r\n\r\nsecond";
    struct client *cl = cl_connect(state);
    struct reply r;
    size_t i;
    int round;

    for (round = 0; round < 2; round++) {
        if (round == 0) {
            cl_send(cl, reqs);
        } else {
            /* Byte by byte: every partial state of the parser. */
            for (i = 0; i < sizeof(reqs) - 1; i++)
                cl_sendn(cl, reqs + i, 1);
        }
        cl_reply(cl, &r, 0);
        assert_int_equal(r.status, 200);
        assert_string_equal(r.body, "first");
        reply_free(&r);
        cl_reply(cl, &r, 0);
        assert_json_error(&r, 404, "no such path");
        reply_free(&r);
        cl_reply(cl, &r, 0);
        assert_int_equal(r.status, 200);
        reply_free(&r);
        cl_reply(cl, &r, 1);
        assert_int_equal(r.status, 200);
        assert_string_equal(reply_header(&r, "Content-Length"), "16");
        reply_free(&r);
        cl_reply(cl, &r, 0);
        assert_string_equal(r.body, "second");
        reply_free(&r);
    }
    cl_close(cl);
}

static void
test_pipelined_flood(void **state)
{
    static const char one[] = "GET /echo?k HTTP/1.1\r\nHost: t\r\n\r\n";
    size_t n = 2000, i, len = (sizeof(one) - 1) * n;
    char *all = malloc(len);
    struct client *cl = cl_connect(state);
    struct reply r;

    assert_non_null(all);
    for (i = 0; i < n; i++)
        memcpy(all + i * (sizeof(one) - 1), one, sizeof(one) - 1);
    cl_sendn(cl, all, len);
    for (i = 0; i < n; i++) {
        cl_reply(cl, &r, 0);
        assert_int_equal(r.status, 200);
        reply_free(&r);
    }
    free(all);
    cl_close(cl);
}

static void
test_large_bodies(void **state)
{
    size_t n = 300000, i;
    char *body = malloc(n + 1), head[128];
    struct client *cl = cl_connect(state);
    struct reply r;

    assert_non_null(body);
    for (i = 0; i < n; i++)
        body[i] = (char)('A' + i % 23);
    body[n] = '\0';
    snprintf(head, sizeof(head), "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: %zu\r\n\r\n",
             n);
    cl_send(cl, head);
    for (i = 0; i < n; i += 7001)
        cl_sendn(cl, body + i, n - i < 7001 ? n - i : 7001);
    cl_reply(cl, &r, 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, n);
    assert_memory_equal(r.body, body, n);
    reply_free(&r);
    /* A 1 MiB answer, read slowly enough that the server waits to write. */
    cl_send(cl, "GET /big HTTP/1.1\r\nHost: t\r\n\r\n");
    usleep(100000);
    cl_reply(cl, &r, 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, 1 << 20);
    for (i = 0; i < r.body_len; i++)
        if (r.body[i] != (char)('a' + i % 26))
            fail_msg("byte %zu of the big answer is wrong", i);
    reply_free(&r);
    /* Eight 1 MiB answers asked at once and read late: the server waits for
     * the socket to drain and stops answering ahead (OUT_HIGH_WATER). */
    for (i = 0; i < 8; i++)
        cl_send(cl, "GET /big HTTP/1.1\r\nHost: t\r\n\r\n");
    cl_send(cl, "GET /health HTTP/1.1\r\nHost: t\r\n\r\n");
    usleep(200000);
    for (i = 0; i < 8; i++) {
        cl_reply(cl, &r, 0);
        assert_int_equal(r.status, 200);
        assert_int_equal(r.body_len, 1 << 20);
        assert_int_equal(r.body[(1 << 20) - 1], (char)('a' + ((1 << 20) - 1) % 26));
        reply_free(&r);
    }
    cl_reply(cl, &r, 0);
    assert_string_equal(r.body, "{\"status\": \"ok\"}");
    reply_free(&r);
    free(body);
    cl_close(cl);
}

static void
test_expect_continue(void **state)
{
    struct client *cl = cl_connect(state);
    struct reply r;

    cl_send(cl, "POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
                "Content-Length: 4\r\n\r\n");
    cl_reply(cl, &r, 0);
    assert_int_equal(r.status, 100);
    reply_free(&r);
    cl_send(cl, "data");
    cl_reply(cl, &r, 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "data");
    reply_free(&r);
    cl_close(cl);
    REFUSED(port_of(state),
            "POST /echo HTTP/1.1\r\nHost: t\r\nExpect: teapot\r\nContent-Length: 1\r\n\r\nx", 417,
            "expectation 'teapot' is not supported");
}

/* ------------------------------------------------------------------------- */
/* Bad requests. */

static void
test_bad_request_line(void **state)
{
    unsigned port = port_of(state);

    REFUSED(port, "GET /\r\n\r\n", 400, "request line: malformed request target");
    REFUSED(port, "GET  / HTTP/1.1\r\nHost: t\r\n\r\n", 400, "malformed request target");
    REFUSED(port, "GET / HTTP/1.1 \r\nHost: t\r\n\r\n", 400, "malformed HTTP version");
    REFUSED(port, "GET / HTTX/1.1\r\nHost: t\r\n\r\n", 400, "malformed HTTP version");
    REFUSED(port, "GET / HTTP/1\r\nHost: t\r\n\r\n", 400, "malformed HTTP version");
    REFUSED(port, "GET noslash HTTP/1.1\r\nHost: t\r\n\r\n", 400, "not starting with '/'");
    REFUSED(port, "GET /a#frag HTTP/1.1\r\nHost: t\r\n\r\n", 400, "'#'");
    REFUSED(port, "GET /\x80 HTTP/1.1\r\nHost: t\r\n\r\n", 400, "malformed request target");
    REFUSED(port, "G(T / HTTP/1.1\r\nHost: t\r\n\r\n", 400, "byte 0x28 in the method");
    REFUSED(port, "GET / HTTP/1.1\nHost: t\n\n", 400, "bare LF");
    REFUSED(port, "GET / HTTP/1.1\rHost: t\r\n\r\n", 400, "CR not followed by LF");
    /* Binary garbage is refused from its first bytes, not after a timeout. */
    REFUSED(port, "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 400, "control byte 0x16");
    REFUSED(port, "\x00\x01\x02", 400, "control byte 0x00");
}

static void
test_bad_version(void **state)
{
    unsigned port = port_of(state);
    struct reply r;

    REFUSED(port, "GET / HTTP/2.0\r\nHost: t\r\n\r\n", 505, "HTTP version 'HTTP/2.0' is not");
    REFUSED(port, "GET /health HTTP/9.9\r\nHost: t\r\n\r\n", 505, "'HTTP/9.9'");
    REFUSED(port, "GET /health HTTP/0.9\r\nHost: t\r\n\r\n", 505, "'HTTP/0.9'");
    /* A later 1.x is answered as 1.1. */
    roundtrip(port, "GET /echo HTTP/1.7\r\nHost: t\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(reply_header(&r, "X-Version"), "1.1");
    reply_free(&r);
}

static void
test_host(void **state)
{
    unsigned port = port_of(state);

    REFUSED(port, "GET /health HTTP/1.1\r\n\r\n", 400, "missing Host header");
    REFUSED(port, "GET /health HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400,
            "header line 3: repeated Host");
    REFUSED(port, "GET /health HTTP/1.1\r\nHost: a b\r\n\r\n", 400, "invalid Host 'a b'");
    REFUSED(port, "GET /health HTTP/1.1\r\nHost: a/b\r\n\r\n", 400, "invalid Host");
}

static void
test_content_length(void **state)
{
    unsigned port = port_of(state);

    REFUSED(port,
            "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
            400, "header line 4: duplicate Content-Length");
    REFUSED(port,
            "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\ncontent-length: 4\r\n\r\nabcd",
            400, "duplicate Content-Length");
    REFUSED(port, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3, 3\r\n\r\nabc", 400,
            "Content-Length '3, 3' is not a number");
    REFUSED(port, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1x\r\n\r\nabc", 400,
            "is not a number");
    REFUSED(port, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: -1\r\n\r\n", 400,
            "is not a number");
    REFUSED(port, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length:\r\n\r\n", 400,
            "empty Content-Length");
    REFUSED(port,
            "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n"
            "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
            400, "both Transfer-Encoding and Content-Length");
    REFUSED(port,
            "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
            "3\r\nabc\r\n0\r\n\r\n",
            411, "chunked request bodies are not supported: send Content-Length");
    REFUSED(port, "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n", 501,
            "transfer coding 'gzip' is not supported");
    REFUSED(port, "POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400,
            "Transfer-Encoding in an HTTP/1.0 request");
}

static void
test_header_syntax(void **state)
{
    unsigned port = port_of(state);

    REFUSED(port, "GET /health HTTP/1.1\r\nHost : t\r\n\r\n", 400,
            "header line 2: whitespace before ':'");
    REFUSED(port, "GET /health HTTP/1.1\r\nHost: t\r\nX-A: 1\r\n  continued\r\n\r\n", 400,
            "header line 4: obsolete line folding");
    REFUSED(port, "GET /health HTTP/1.1\r\nHost: t\r\nX@A: 1\r\n\r\n", 400,
            "byte 0x40 in the field name");
    REFUSED(port, "GET /health HTTP/1.1\r\nHost: t\r\n: 1\r\n\r\n", 400, "empty field name");
    REFUSED(port, "GET /health HTTP/1.1\r\nHost: t\r\nNoColon\r\n\r\n", 400,
            "header line 3: byte 0x0d in the field name");
    REFUSED(port, "GET /health HTTP/1.1\r\nHost: t\r\nX-A: a\x01z\r\n\r\n", 400,
            "control byte 0x01");
    REFUSED(port, "GET /health HTTP/1.1\r\nHost: t\r\nX-A: a\x7fz\r\n\r\n", 400,
            "control byte 0x7f");
}

static void
test_body_too_large(void **state)
{
    unsigned port = port_of(state);
    struct client *cl;
    struct reply r;
    char chunk[8192];
    int i;

    REFUSED(port, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1048577\r\n\r\n", 413,
            "request body of 1048577 bytes over the limit of 1048576 bytes");
    REFUSED(port,
            "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 99999999999999999999999\r\n\r\n",
            413, "request body over the limit of 1048576 bytes");
    /* A client that sends its body anyway still reads the 413. */
    cl = cl_open(port);
    cl_send(cl, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2000000\r\n\r\n");
    memset(chunk, 'x', sizeof(chunk));
    for (i = 0; i < 16; i++)
        cl_sendn(cl, chunk, sizeof(chunk));
    cl_reply(cl, &r, 0);
    assert_json_error(&r, 413, "over the limit");
    reply_free(&r);
    cl_close(cl);
    assert_serving(port);
}

static void
test_header_too_large(void **state)
{
    unsigned port = port_of(state);
    size_t n = 10000, i;
    char *req = malloc(n + 200), *p;

    assert_non_null(req);
    /* One 10 KB field. */
    p = req + sprintf(req, "GET /health HTTP/1.1\r\nHost: t\r\nX-Big: ");
    memset(p, 'v', n);
    strcpy(p + n, "\r\n\r\n");
    assert_refused(port, req, strlen(req), 431, "request head longer than 8192 bytes");
    /* A 10 KB request line. */
    p = req + sprintf(req, "GET /");
    memset(p, 'p', n);
    strcpy(p + n, " HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_refused(port, req, strlen(req), 414, "request line longer than 8192 bytes");
    free(req);
    /* 101 small fields. */
    req = malloc(101 * 16 + 100);
    assert_non_null(req);
    p = req + sprintf(req, "GET /health HTTP/1.1\r\nHost: t\r\n");
    for (i = 0; i < 100; i++)
        p += sprintf(p, "X-%03zu: v\r\n", i);
    strcpy(p, "\r\n");
    assert_refused(port, req, strlen(req), 431, "more than 100 header fields");
    free(req);
}

static void
test_not_found(void **state)
{
    struct client *cl = cl_connect(state);
    struct reply r;

    /* 404 keeps the connection; a body sent with it is skipped. */
    cl_send(cl, "POST /predict/ HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc"
                "GET /Health HTTP/1.1\r\nHost: t\r\n\r\n"
                "OPTIONS * HTTP/1.1\r\nHost: t\r\n\r\n"
                "GET http://t/health HTTP/1.1\r\nHost: t\r\n\r\n");
    cl_reply(cl, &r, 0);
    assert_json_error(&r, 404, "no such path");
    assert_null(reply_header(&r, "Connection"));
    reply_free(&r);
    cl_reply(cl, &r, 0);
    assert_json_error(&r, 404, "no such path");
    reply_free(&r);
    cl_reply(cl, &r, 0);
    assert_json_error(&r, 404, "no such path");
    reply_free(&r);
    cl_reply(cl, &r, 0); /* absolute-form: the path is taken */
    assert_int_equal(r.status, 200);
    reply_free(&r);
    /* Refused before its body came: the body is skipped as it arrives. */
    cl_send(cl, "POST /nowhere HTTP/1.1\r\nHost: t\r\nContent-Length: 20\r\n\r\n0123");
    cl_reply(cl, &r, 0);
    assert_json_error(&r, 404, "no such path");
    reply_free(&r);
    cl_send(cl, "456789");
    usleep(20000);
    cl_send(cl, "abcdefghijGET /health HTTP/1.1\r\nHost: t\r\n\r\n");
    cl_reply(cl, &r, 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"status\": \"ok\"}");
    reply_free(&r);
    cl_close(cl);
}

static void
test_method_not_allowed(void **state)
{
    struct client *cl = cl_connect(state);
    struct reply r;

    cl_send(cl, "PUT /predict HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\n{}");
    cl_reply(cl, &r, 0);
    assert_json_error(&r, 405, "method not allowed");
    assert_string_equal(reply_header(&r, "Allow"), "POST");
    reply_free(&r);
    cl_send(cl, "POST /health HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n");
    cl_reply(cl, &r, 0);
    assert_json_error(&r, 405, "method not allowed");
    assert_string_equal(reply_header(&r, "Allow"), "GET, HEAD");
    reply_free(&r);
    cl_send(cl, "get /echo HTTP/1.1\r\nHost: t\r\n\r\n"); /* methods are case-sensitive */
    cl_reply(cl, &r, 0);
    assert_json_error(&r, 405, "method not allowed");
    assert_string_equal(reply_header(&r, "Allow"), "POST, GET, HEAD");
    reply_free(&r);
    cl_send(cl, "HEAD /health HTTP/1.1\r\nHost: t\r\n\r\n");
    cl_reply(cl, &r, 1);
    assert_int_equal(r.status, 200);
    assert_string_equal(reply_header(&r, "Content-Length"), "16");
    reply_free(&r);
    /* Errors to HEAD go without their body too, or the framing is lost. */
    cl_send(cl, "HEAD /nowhere HTTP/1.1\r\nHost: t\r\n\r\n");
    cl_reply(cl, &r, 1);
    assert_int_equal(r.status, 404);
    assert_string_equal(reply_header(&r, "Content-Length"), "40");
    reply_free(&r);
    /* Still alive after all of that. */
    cl_send(cl, "GET /health HTTP/1.1\r\nHost: t\r\n\r\n");
    cl_reply(cl, &r, 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"status\": \"ok\"}");
    reply_free(&r);
    cl_close(cl);
}

static int
setup_token(void **state)
{
    struct http_config cfg;

    test_config(&cfg);
    cfg.token = "s3cret-Token_1=";
    *state = start(&cfg);
    return 0;
}

static void
test_token(void **state)
{
    unsigned port = port_of(state);
    struct client *cl = cl_connect(state);
    struct reply r;

    cl_send(cl, "GET /echo HTTP/1.1\r\nHost: t\r\n\r\n");
    cl_reply(cl, &r, 0);
    assert_json_error(&r, 401, "missing bearer token");
    assert_string_equal(reply_header(&r, "WWW-Authenticate"), "Bearer");
    reply_free(&r);
    cl_send(cl, "GET /echo HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer s3cret-Token_2=\r\n\r\n");
    cl_reply(cl, &r, 0);
    assert_json_error(&r, 401, "wrong bearer token");
    assert_string_equal(reply_header(&r, "WWW-Authenticate"), "Bearer error=\"invalid_token\"");
    reply_free(&r);
    cl_send(cl, "GET /echo HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer s3cret-Token_1\r\n\r\n");
    cl_reply(cl, &r, 0);
    assert_json_error(&r, 401, "wrong bearer token");
    reply_free(&r);
    cl_send(cl, "GET /echo HTTP/1.1\r\nHost: t\r\nAuthorization: Basic czNjcmV0\r\n\r\n");
    cl_reply(cl, &r, 0);
    assert_json_error(&r, 401, "wrong bearer token");
    reply_free(&r);
    /* Unknown paths are not revealed without the token. */
    cl_send(cl, "GET /secret HTTP/1.1\r\nHost: t\r\n\r\n");
    cl_reply(cl, &r, 0);
    assert_json_error(&r, 401, "missing bearer token");
    reply_free(&r);
    cl_send(cl, "GET /echo HTTP/1.1\r\nHost: t\r\nauthorization: bearer  s3cret-Token_1=\r\n\r\n");
    cl_reply(cl, &r, 0);
    assert_int_equal(r.status, 200);
    reply_free(&r);
    cl_send(cl, "GET /secret HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer s3cret-Token_1=\r\n\r\n");
    cl_reply(cl, &r, 0);
    assert_json_error(&r, 404, "no such path");
    reply_free(&r);
    /* /health is open. */
    cl_send(cl, "GET /health HTTP/1.1\r\nHost: t\r\n\r\n");
    cl_reply(cl, &r, 0);
    assert_int_equal(r.status, 200);
    reply_free(&r);
    cl_close(cl);
    assert_serving(port);
}

static int
setup_short(void **state)
{
    struct http_config cfg;

    test_config(&cfg);
    cfg.request_timeout_ms = 300;
    cfg.idle_timeout_ms = 400;
    cfg.write_timeout_ms = 300;
    *state = start(&cfg);
    return 0;
}

static void
test_slow_client(void **state)
{
    unsigned port = port_of(state);
    struct client *head = cl_open(port), *body = cl_open(port), *idle = cl_open(port), *fine;
    struct reply r;
    int i;

    cl_send(head, "POST /echo HTTP/1.1\r\nHost: t\r\n");
    cl_send(body, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n123");
    /* Others are served meanwhile, on a connection that stays busy. */
    fine = cl_open(port);
    for (i = 0; i < 5; i++) {
        cl_send(fine, "GET /health HTTP/1.1\r\nHost: t\r\n\r\n");
        cl_reply(fine, &r, 0);
        assert_int_equal(r.status, 200);
        reply_free(&r);
        usleep(50000);
    }
    cl_reply(head, &r, 0);
    assert_json_error(&r, 408, "request not received within 300 ms");
    assert_string_equal(reply_header(&r, "Connection"), "close");
    reply_free(&r);
    cl_expect_eof(head);
    cl_reply(body, &r, 0);
    assert_json_error(&r, 408, "request not received within 300 ms");
    reply_free(&r);
    cl_expect_eof(body);
    /* An idle connection is closed without a word. */
    cl_expect_eof(idle);
    cl_close(head);
    cl_close(body);
    cl_close(idle);
    cl_close(fine);
    assert_serving(port);
}

static void
test_slowloris(void **state)
{
    unsigned port = port_of(state);
    struct client *cl = cl_open(port);
    struct reply r;
    int i;

    /* A field every 100 ms keeps bytes coming, but the deadline is for the
     * whole head. */
    cl_send(cl, "GET /health HTTP/1.1\r\nHost: t\r\n");
    for (i = 0; i < 6; i++) {
        usleep(100000);
        if (send(cl->fd, "X-A: b\r\n", 8, MSG_NOSIGNAL) < 0)
            break;
    }
    cl_reply(cl, &r, 0);
    assert_json_error(&r, 408, "request not received");
    reply_free(&r);
    cl_close(cl);
    assert_serving(port);
}

static void
test_slow_reader(void **state)
{
    unsigned port = port_of(state);
    struct client *cl = cl_open(port);
    int i, rcvbuf = 4096;

    /* A client that asks for megabytes and reads none is dropped once the
     * server has waited write_timeout_ms without progress. */
    setsockopt(cl->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    for (i = 0; i < 16; i++)
        cl_send(cl, "GET /big HTTP/1.1\r\nHost: t\r\n\r\n");
    wait_open(*state, 1);
    wait_open(*state, 0);
    cl_close(cl);
    assert_serving(port);
}

static int
setup_caps(void **state)
{
    struct http_config cfg;

    test_config(&cfg);
    cfg.max_connections = 2;
    cfg.max_requests_per_connection = 3;
    *state = start(&cfg);
    return 0;
}

static void
test_caps(void **state)
{
    unsigned port = port_of(state);
    struct client *a = cl_open(port), *b = cl_open(port), *c;
    struct reply r;
    int i;

    for (i = 0; i < 3; i++) {
        cl_send(a, "GET /health HTTP/1.1\r\nHost: t\r\n\r\n");
        cl_reply(a, &r, 0);
        assert_int_equal(r.status, 200);
        if (i < 2)
            assert_null(reply_header(&r, "Connection"));
        else
            assert_string_equal(reply_header(&r, "Connection"), "close");
        reply_free(&r);
    }
    cl_expect_eof(a);
    cl_close(a);
    wait_open(*state, 1);
    cl_send(b, "GET /health HTTP/1.1\r\nHost: t\r\n\r\n");
    cl_reply(b, &r, 0);
    assert_int_equal(r.status, 200);
    reply_free(&r);
    /* b and a new one are open: a third is refused. */
    c = cl_open(port);
    wait_open(*state, 2);
    a = cl_open(port);
    cl_reply(a, &r, 0);
    assert_json_error(&r, 503, "too many connections");
    assert_string_equal(reply_header(&r, "Retry-After"), "1");
    reply_free(&r);
    cl_expect_eof(a);
    cl_close(a);
    cl_close(c);
    cl_close(b);
    wait_open(*state, 0);
    assert_serving(port);
}

/* ------------------------------------------------------------------------- */
/* The handler API. */

static int
setup_one(void **state)
{
    struct http_config cfg;

    test_config(&cfg);
    cfg.threads = 1;
    *state = start(&cfg);
    return 0;
}

static void
test_interleaved(void **state)
{
    unsigned port = port_of(state);
    struct client *a = cl_open(port), *b = cl_open(port);
    struct reply r;

    /* One worker: b's head is parsed while a waits for its body, so a's
     * head is parsed again when its body is complete. */
    cl_send(a, "POST /echo?from=a HTTP/1.1\r\nHost: t\r\nX-Foo: from a\r\n"
               "Content-Length: 6\r\n\r\nfir");
    usleep(20000);
    cl_send(b, "POST /echo?from=b HTTP/1.1\r\nHost: t\r\nX-Foo: from b\r\n"
               "Content-Length: 1\r\n\r\nb");
    cl_reply(b, &r, 0);
    assert_string_equal(r.body, "b");
    assert_string_equal(reply_header(&r, "X-Foo"), "from b");
    reply_free(&r);
    cl_send(a, "st!");
    cl_reply(a, &r, 0);
    assert_string_equal(r.body, "first!");
    assert_string_equal(reply_header(&r, "X-Foo"), "from a");
    assert_string_equal(reply_header(&r, "X-Query"), "from=a");
    reply_free(&r);
    cl_close(a);
    cl_close(b);
}

static void
test_request_api(void **state)
{
    struct client *cl = cl_connect(state);
    struct reply r;
    char first[64];

    cl_send(cl, "POST /echo?a=1&b=%20 HTTP/1.1\r\nhost:t\r\nX-FOO: \t padded value \t\r\n"
                "Content-Length: 3\r\n\r\nxyz");
    cl_reply(cl, &r, 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(reply_header(&r, "X-Method"), "POST");
    assert_string_equal(reply_header(&r, "X-Path"), "/echo");
    assert_string_equal(reply_header(&r, "X-Query"), "a=1&b=%20");
    assert_string_equal(reply_header(&r, "X-Foo"), "padded value");
    assert_string_equal(reply_header(&r, "Content-Type"), "text/plain");
    assert_string_equal(r.body, "xyz");
    snprintf(first, sizeof(first), "%s", reply_header(&r, "X-Id"));
    assert_int_equal(strlen(first), 12 + 1 + strspn(first + 13, "0123456789"));
    reply_free(&r);
    cl_send(cl, "GET /echo HTTP/1.1\r\nHost: t\r\n\r\n");
    cl_reply(cl, &r, 0);
    assert_string_equal(reply_header(&r, "X-Query"), "");
    assert_string_equal(reply_header(&r, "X-Foo"), "(none)");
    assert_string_equal(reply_header(&r, "X-Body-Nul"), "yes");
    /* Same per-process prefix, another id. */
    assert_memory_equal(reply_header(&r, "X-Id"), first, 13);
    assert_string_not_equal(reply_header(&r, "X-Id"), first);
    reply_free(&r);
    cl_send(cl, "GET /headers HTTP/1.1\r\nHost: t\r\nA: 1\r\nEmpty:\r\nB:  two words \r\n\r\n");
    cl_reply(cl, &r, 0);
    assert_string_equal(r.body, "Host=t|A=1|Empty=|B=two words|");
    reply_free(&r);
    cl_close(cl);
    assert_int_equal(atomic_load(&api_failures), 0);
}

static void
test_response_api(void **state)
{
    struct client *cl = cl_connect(state);
    struct reply r;

    cl_send(cl, "GET /status?error HTTP/1.1\r\nHost: t\r\n\r\n");
    cl_reply(cl, &r, 0);
    assert_string_equal(r.body, "{\"error\": \"field \\\"x\\\"\\tis \\\\bad\\u0001 \\ufffd "
                                "caf\xc3\xa9\", \"status\": 422}");
    assert_int_equal(r.status, 422);
    reply_free(&r);
    cl_send(cl, "GET /status?api HTTP/1.1\r\nHost: t\r\n\r\n");
    cl_reply(cl, &r, 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(reply_header(&r, "X-Ok"), "fine");
    assert_null(reply_header(&r, "Injected"));
    assert_int_equal(r.body_len, 304);
    assert_string_equal(r.body + 299, "7|end");
    reply_free(&r);
    cl_send(cl, "GET /status?204 HTTP/1.1\r\nHost: t\r\n\r\n");
    cl_reply(cl, &r, 0);
    assert_int_equal(r.status, 204);
    assert_null(reply_header(&r, "Content-Length"));
    reply_free(&r);
    cl_send(cl, "GET /status?199 HTTP/1.1\r\nHost: t\r\n\r\n");
    cl_reply(cl, &r, 0);
    assert_json_error(&r, 500, "invalid status set by the handler");
    reply_free(&r);
    cl_send(cl, "GET /status?418 HTTP/1.1\r\nHost: t\r\n\r\n");
    cl_reply(cl, &r, 0);
    assert_int_equal(r.status, 418);
    assert_memory_equal(r.head, "HTTP/1.1 418 Client Error\r\n", 27);
    reply_free(&r);
    cl_close(cl);
    assert_int_equal(atomic_load(&api_failures), 0);
}

static void
test_stats(void **state)
{
    struct fixture *f = *state;
    unsigned port = port_of(state);
    struct http_stats st;
    struct client *cl;
    struct reply r;
    int i;

    for (i = 0; i < 3; i++)
        assert_serving(port);
    roundtrip(port, "GET /none HTTP/1.1\r\nHost: t\r\n\r\n", &r);
    reply_free(&r);
    REFUSED(port, "GET / HTTP/3.0\r\nHost: t\r\n\r\n", 505, "not supported");
    cl = cl_open(port);
    cl_send(cl, "GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n");
    cl_reply(cl, &r, 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(reply_header(&r, "Content-Type"), "text/plain; version=0.0.4");
    assert_non_null(strstr(r.body, "\nt_requests_total{code=\"404\"} 1\n"));
    assert_non_null(strstr(r.body, "\nt_requests_total{code=\"505\"} 1\n"));
    assert_non_null(strstr(r.body, "# TYPE t_request_duration_seconds histogram\n"));
    assert_non_null(strstr(r.body, "t_request_duration_seconds_bucket{le=\"0.0001\"} "));
    assert_non_null(strstr(r.body, "\nt_requests_in_progress 1\n"));
    assert_non_null(strstr(r.body, "\nt_connections_open "));
    reply_free(&r);
    http_server_stats(f->srv, &st);
    assert_true(st.connections_open >= 1);
    assert_int_equal(st.requests_in_progress, 0);
    assert_true(st.responses[200 - 100] >= 5);
    assert_int_equal(st.responses[404 - 100], 1);
    assert_int_equal(st.responses[505 - 100], 1);
    assert_int_equal(st.latency_count, st.responses[200 - 100] + 2);
    assert_int_equal(st.latency_le[HTTP_LATENCY_BUCKETS], st.latency_count);
    for (i = 1; i <= HTTP_LATENCY_BUCKETS; i++)
        assert_true(st.latency_le[i] >= st.latency_le[i - 1]);
    assert_true(st.latency_sum > 0 && st.latency_sum < 10);
    assert_true(st.connections_accepted >= 7);
    cl_close(cl);
}

static void
test_setup_errors(void **state)
{
    struct http_config cfg;
    struct http_server *srv;
    char *cause = NULL;

    (void)state;
    test_config(&cfg);
    cfg.bind = "example.org";
    assert_null(http_server_new(&cfg, &cause));
    assert_string_equal(cause, "bind address 'example.org' is not a numeric IPv4 or IPv6 address");
    free(cause);
    test_config(&cfg);
    cfg.token = "two words";
    assert_null(http_server_new(&cfg, &cause));
    assert_non_null(strstr(cause, "token must be non-empty"));
    free(cause);
    test_config(&cfg);
    cfg.max_header_bytes = 10;
    assert_null(http_server_new(&cfg, &cause));
    assert_string_equal(cause, "max_header_bytes 10 out of range (64-1048576)");
    free(cause);
    test_config(&cfg);
    cfg.port = 70000;
    assert_null(http_server_new(&cfg, &cause));
    assert_string_equal(cause, "port 70000 out of range (0-65535)");
    free(cause);
    test_config(&cfg);
    cfg.max_header_fields = 0;
    assert_null(http_server_new(&cfg, &cause));
    assert_string_equal(cause, "max_header_fields 0 out of range (1-10000)");
    free(cause);
    test_config(&cfg);
    cfg.max_body_bytes = ((size_t)1 << 30) + 1;
    assert_null(http_server_new(&cfg, &cause));
    assert_string_equal(cause, "max_body_bytes 1073741825 over the limit of 1 GiB");
    free(cause);
    test_config(&cfg);
    cfg.idle_timeout_ms = 0;
    assert_null(http_server_new(&cfg, &cause));
    assert_string_equal(cause, "timeouts must be positive");
    free(cause);
    test_config(&cfg);
    cfg.max_connections = 0;
    assert_null(http_server_new(&cfg, &cause));
    assert_string_equal(cause, "max_connections must be positive");
    free(cause);
    test_config(&cfg);
    cfg.threads = 300;
    assert_null(http_server_new(&cfg, &cause));
    assert_string_equal(cause, "300 threads: at most 256");
    free(cause);
    test_config(&cfg);
    cfg.token = "abc=d";
    assert_null(http_server_new(&cfg, &cause));
    free(cause);
    test_config(&cfg);
    cfg.bind = "[::1";
    assert_null(http_server_new(&cfg, &cause));
    assert_string_equal(cause, "bind address '[::1' is not a numeric IPv4 or IPv6 address");
    free(cause);
    /* A port taken (without SO_REUSEPORT on either side). */
    test_config(&cfg);
    cfg.threads = 1;
    cfg.bind = "[::1]";
    srv = http_server_new(&cfg, &cause);
    if (!srv) { /* no IPv6 loopback here */
        free(cause);
        cfg.bind = "localhost";
        srv = http_server_new(&cfg, &cause);
    }
    assert_non_null(srv);
    cfg.port = http_server_port(srv);
    {
        struct http_server *again = http_server_new(&cfg, &cause);
        char want[96];

        assert_null(again);
        snprintf(want, sizeof(want), "cannot bind %s port %u: Address already in use", cfg.bind,
                 cfg.port);
        assert_string_equal(cause, want);
        free(cause);
    }
    assert_int_equal(http_server_route(srv, "GE T", "/x", 0, h_health, NULL, &cause), -1);
    assert_string_equal(cause, "method 'GE T' is not a token");
    free(cause);
    assert_int_equal(http_server_route(srv, "GET", "x", 0, h_health, NULL, &cause), -1);
    assert_string_equal(cause, "path 'x' must start with '/' and hold no space, '?' or '#'");
    free(cause);
    assert_int_equal(http_server_route(srv, "GET", "/a?b", 0, h_health, NULL, &cause), -1);
    free(cause);
    assert_int_equal(http_server_route(srv, "GET", "/x", 0, h_health, NULL, &cause), 0);
    assert_int_equal(http_server_route(srv, "GET", "/x", 0, h_health, NULL, &cause), -1);
    assert_string_equal(cause, "route GET /x given twice");
    free(cause);
    /* Stopped before it runs: run returns at once. */
    http_server_stop(srv);
    assert_int_equal(http_server_run(srv, &cause), 0);
    http_server_free(srv);
    http_server_free(NULL);
}

/* ------------------------------------------------------------------------- */
/* Draining. */

static void
on_sigterm(int sig)
{
    (void)sig;
    http_server_stop(current->srv);
}

static void
test_sigterm_drains(void **state)
{
    struct fixture *f = *state;
    unsigned port = port_of(state);
    struct client *slow = cl_open(port), *idle = cl_open(port);
    struct sigaction sa, old;
    struct sockaddr_in sa_in;
    struct reply r;
    int fd;

    /* An idle keep-alive connection, and a request in its handler. */
    cl_send(idle, "GET /health HTTP/1.1\r\nHost: t\r\n\r\n");
    cl_reply(idle, &r, 0);
    reply_free(&r);
    atomic_store(&slow_started, 0);
    cl_send(slow, "GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
    while (!atomic_load(&slow_started))
        usleep(1000);
    current = f;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_sigterm;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, &old);
    kill(getpid(), SIGTERM);
    /* The request under way is answered, with Connection: close. */
    cl_reply(slow, &r, 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "slow done");
    assert_string_equal(reply_header(&r, "Connection"), "close");
    reply_free(&r);
    cl_expect_eof(slow);
    cl_expect_eof(idle);
    cl_close(slow);
    cl_close(idle);
    /* run() returned 0: the teardown checks it; new connections are refused. */
    assert_int_equal(pthread_join(f->thread, NULL), 0);
    assert_int_equal(f->rc, 0);
    sigaction(SIGTERM, &old, NULL);
    fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&sa_in, 0, sizeof(sa_in));
    sa_in.sin_family = AF_INET;
    sa_in.sin_port = htons((uint16_t)port);
    sa_in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa_in, sizeof(sa_in)), -1);
    assert_int_equal(errno, ECONNREFUSED);
    close(fd);
    http_server_free(f->srv);
    free(f);
    *state = NULL;
}

static int
teardown_maybe(void **state)
{
    if (*state)
        stop(*state);
    return 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_keep_alive, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_http10, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_connection_close, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_pipelining, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_pipelined_flood, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_large_bodies, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_expect_continue, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_bad_request_line, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_bad_version, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_host, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_content_length, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_header_syntax, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_body_too_large, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_header_too_large, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_not_found, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_method_not_allowed, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_token, setup_token, teardown),
        cmocka_unit_test_setup_teardown(test_slow_client, setup_short, teardown),
        cmocka_unit_test_setup_teardown(test_slowloris, setup_short, teardown),
        cmocka_unit_test_setup_teardown(test_slow_reader, setup_short, teardown),
        cmocka_unit_test_setup_teardown(test_caps, setup_caps, teardown),
        cmocka_unit_test_setup_teardown(test_interleaved, setup_one, teardown),
        cmocka_unit_test_setup_teardown(test_request_api, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_response_api, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_stats, setup_default, teardown),
        cmocka_unit_test(test_setup_errors),
        cmocka_unit_test_setup_teardown(test_sigterm_drains, setup_default, teardown_maybe),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
