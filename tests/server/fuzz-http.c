/*
 * fuzz-http.c - mutational fuzzing of the server core, seeded and bounded:
 * requests from a corpus of valid and invalid ones, mutated (bit flips,
 * dictionary tokens, deletions, duplications, splices, truncations), then
 *   1. fed to the head parser in memory, whole and in random pieces: the
 *      same verdict either way, offsets inside the head, statuses from the
 *      documented set;
 *   2. sent to a running server over a socket, split across random writes:
 *      it answers well-formed HTTP/1.1 (framing, JSON errors whose status
 *      matches) or closes, never hangs, and keeps serving others.
 *
 * Environment: FUZZ_SEED (default 1), FUZZ_PARSER_ITERATIONS (200000),
 * FUZZ_SERVER_ITERATIONS (3000), FUZZ_SECONDS (if set, run each phase that
 * long instead of a count). Built with -DFUZZ_LIBFUZZER (clang
 * -fsanitize=fuzzer) it is a libFuzzer target over the same checks instead.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef FUZZ_LIBFUZZER
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#endif

#include "../../server/http-parse.h"
#include "../../server/http.h"

#define MAX_INPUT 20000
#define TOKEN "fuzz-token"

/* ------------------------------------------------------------------------- */
/* Inputs. */

static const char *const corpus[] = {
    "GET /health HTTP/1.1\r\nHost: x\r\n\r\n",
    "HEAD /health HTTP/1.1\r\nHost: x\r\n\r\n",
    "POST /predict HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " TOKEN "\r\n"
    "Content-Type: application/json\r\nContent-Length: 13\r\n\r\n{\"f\": [1, 2]}",
    "POST /echo HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " TOKEN "\r\nContent-Length: 3\r\n"
    "\r\nabcPOST /echo HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " TOKEN "\r\n"
    "Content-Length: 1\r\nConnection: close\r\n\r\nz",
    "GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /health HTTP/1.0\r\n\r\n",
    "\r\nGET http://x/health?q=1 HTTP/1.1\r\nHost: x:80\r\nAccept: */*\r\n\r\n",
    "POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nAuthorization: Bearer " TOKEN
    "\r\nContent-Length: 4\r\n\r\nbody",
    "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
    "PUT /predict HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " TOKEN "\r\n"
    "Content-Length: 2\r\n\r\n{}",
    "GET /nowhere HTTP/1.1\r\nHost: x\r\nAuthorization: bearer wrong\r\n\r\n",
    "GET / HTTP/2.0\r\nHost: x\r\n\r\n",
    "GET /health HTTP/1.1\r\n\r\n",
    "GET /health HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
    "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
    "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
    "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: gzip\r\n\r\nab",
    "GET /health HTTP/1.1\r\nHost : x\r\n\r\n",
    "GET /health HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n\r\n",
    "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n",
    "GET /health HTTP/1.1\nHost: x\n\n",
    "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03",
    "GET /health HTTP/1.1\r\nHost: x\r\nExpect: nope\r\n\r\n",
    "GET /he%20alth#x HTTP/1.1\r\nHost: x\r\n\r\n",
};

static const char *const dict[] = {
    "\r\n",
    "\r\n\r\n",
    "\n",
    "\r",
    " ",
    ":",
    ": ",
    "\t",
    "HTTP/1.1",
    "HTTP/1.0",
    "HTTP/9.9",
    "GET",
    "POST",
    "HEAD",
    "PUT",
    "/predict",
    "/health",
    "/echo",
    "?",
    "#",
    "*",
    "http://",
    "Host: x\r\n",
    "Content-Length: ",
    "Content-Length: 0\r\n",
    "Content-Length: 5\r\n",
    "Transfer-Encoding: chunked\r\n",
    "Connection: close\r\n",
    "Connection: keep-alive\r\n",
    "Expect: 100-continue\r\n",
    "Authorization: Bearer " TOKEN "\r\n",
    "0",
    "1",
    "-1",
    "18446744073709551616",
    ",",
    "\x7f",
    "\x80",
    "\xff",
    "%",
};

static uint64_t rng = 1;

static uint64_t
rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static size_t
below(size_t n)
{
    return n ? (size_t)(rnd() % n) : 0;
}

static void
insert(char *buf, size_t *len, size_t at, const char *s, size_t n)
{
    if (*len + n > MAX_INPUT)
        return;
    memmove(buf + at + n, buf + at, *len - at);
    memcpy(buf + at, s, n);
    *len += n;
}

/* Apply one to four random mutations to BUF[0 .. *LEN). */
static void
mutate(char *buf, size_t *len)
{
    int k, n = 1 + (int)below(4);

    for (k = 0; k < n; k++) {
        size_t at = below(*len + 1), m;
        const char *tok;
        char bytes[4];

        switch (below(9)) {
        case 0:
            if (*len)
                buf[below(*len)] ^= (char)(1u << below(8));
            break;
        case 1:
            if (*len)
                buf[below(*len)] = (char)rnd();
            break;
        case 2:
        case 3:
            tok = dict[below(sizeof(dict) / sizeof(dict[0]))];
            insert(buf, len, at, tok, strlen(tok));
            break;
        case 4:
            m = 1 + below(8);
            if (at + m <= *len) {
                memmove(buf + at, buf + at + m, *len - at - m);
                *len -= m;
            }
            break;
        case 5:
            if (*len) {
                size_t from = below(*len);

                m = 1 + below(*len - from < 64 ? *len - from : 64);
                {
                    char tmp[64];

                    memcpy(tmp, buf + from, m);
                    insert(buf, len, at, tmp, m);
                }
            }
            break;
        case 6:
            *len = at;
            break;
        case 7:
            m = 1 + below(4);
            for (size_t i = 0; i < m; i++)
                bytes[i] = (char)rnd();
            insert(buf, len, at, bytes, m);
            break;
        case 8:
            tok = corpus[below(sizeof(corpus) / sizeof(corpus[0]))];
            insert(buf, len, at, tok, strlen(tok));
            break;
        }
    }
}

/* A new input: one to three corpus entries, mutated (or not, one in ten). */
static size_t
make_input(char *buf)
{
    size_t len = 0, parts = 1 + below(3), i;

    for (i = 0; i < parts; i++) {
        const char *s = corpus[below(sizeof(corpus) / sizeof(corpus[0]))];

        insert(buf, &len, len, s, strlen(s));
    }
    if (below(10))
        mutate(buf, &len);
    return len;
}

/* ------------------------------------------------------------------------- */
/* The parser in memory. */

static const struct http_limits limits = {512, 8, 1000};

static int
is_tchar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* What must hold of a parse of BUF[0 .. LEN) that returned R into H; NULL if
 * it holds, else what does not. */
static const char *
check_head(const char *buf, size_t len, int r, const struct http_head *h)
{
    unsigned i;

    if (r < 0) {
        switch (h->status) {
        case 400:
        case 411:
        case 413:
        case 414:
        case 417:
        case 431:
        case 501:
        case 505:
            break;
        default:
            return "parse error with an unexpected status";
        }
        return h->message[0] ? NULL : "parse error without a message";
    }
    if (!h->method_len || h->method + h->method_len > len || !h->path_len ||
        h->path + h->path_len > len || h->query + h->query_len > len)
        return "request line offsets outside the head";
    for (i = 0; i < h->method_len; i++)
        if (!is_tchar(buf[h->method + i]))
            return "method is not a token";
    if (buf[h->path] != '/' && buf[h->path] != '*')
        return "path not starting with '/'";
    if (h->version != 10 && h->version != 11)
        return "version other than 1.0 and 1.1";
    if (h->nfields > limits.max_header_fields)
        return "more fields than the limit";
    if (h->content_length > limits.max_body_bytes)
        return "Content-Length over the limit accepted";
    for (i = 0; i < h->nfields; i++) {
        const struct http_field *f = &h->fields[i];
        uint32_t k;

        if (!f->name_len || f->name + f->name_len > len || f->value + f->value_len > len)
            return "field offsets outside the head";
        for (k = 0; k < f->name_len; k++)
            if (!is_tchar(buf[f->name + k]))
                return "field name is not a token";
        for (k = 0; k < f->value_len; k++) {
            unsigned char c = (unsigned char)buf[f->value + k];

            if ((c < 0x20 && c != '\t') || c == 0x7f)
                return "control byte in a field value";
        }
    }
    return NULL;
}

/* Scan and parse DATA whole and in random pieces. */
static const char *
check_parser(const char *data, size_t len)
{
    struct http_field f1[8], f2[8];
    struct http_head h1, h2;
    struct http_scan s1, s2;
    char *buf = malloc(len ? len : 1), *head;
    const char *why = NULL;
    size_t fed = 0;
    int r1, r2 = 0;

    memcpy(buf, data, len);
    memset(&s1, 0, sizeof(s1));
    memset(&s2, 0, sizeof(s2));
    h1.fields = f1;
    h2.fields = f2;
    r1 = http_scan_head(&s1, buf, len, &limits, &h1);
    while (fed < len && r2 == 0) {
        fed += 1 + below(len - fed < 40 ? len - fed : 40);
        r2 = http_scan_head(&s2, buf, fed, &limits, &h2);
    }
    if (r1 != r2 || (r1 < 0 && (h1.status != h2.status || strcmp(h1.message, h2.message))))
        why = "scanning in pieces disagrees with scanning whole";
    else if (r1 < 0 && h1.status != 400 && h1.status != 414 && h1.status != 431)
        why = "scan error with an unexpected status";
    else if (r1 > 0 && ((size_t)r1 > len || r1 < 4 || memcmp(buf + r1 - 4, "\r\n\r\n", 4) != 0))
        why = "scanned head not ending with an empty line";
    if (!why && r1 > 0) {
        /* The head alone, in a buffer of its size: reading past it shows. */
        head = malloc((size_t)r1);
        memcpy(head, buf, (size_t)r1);
        r2 = http_parse_head(head, (size_t)r1, &limits, &h1);
        why = check_head(head, (size_t)r1, r2, &h1);
        free(head);
    }
    if (!why) {
        /* Raw bytes straight into the parser. */
        r2 = http_parse_head(buf, len, &limits, &h2);
        why = check_head(buf, len, r2, &h2);
    }
    free(buf);
    return why;
}

/* ------------------------------------------------------------------------- */
/* The server over sockets. */

static struct http_server *server;
static pthread_t server_thread;
static int server_rc;
static unsigned long statuses[600]; /* answers seen, by status */

static void
h_echo(const struct http_request *req, struct http_response *res, void *arg)
{
    (void)arg;
    if (req->body[req->body_len] != '\0')
        http_response_error(res, 500, "body not NUL-terminated");
    else
        http_response_write(res, req->body, req->body_len);
}

static void
h_health(const struct http_request *req, struct http_response *res, void *arg)
{
    (void)req;
    (void)arg;
    http_response_write(res, "{\"status\": \"ok\"}", 16);
}

static void *
run_server(void *arg)
{
    (void)arg;
    server_rc = http_server_run(server, NULL);
    return NULL;
}

static const char *
start_server(void)
{
    struct http_config cfg;
    char *cause = NULL;

    http_config_init(&cfg);
    cfg.port = 0;
    cfg.threads = 2;
    cfg.token = TOKEN;
    cfg.max_header_bytes = 1024;
    cfg.max_header_fields = 16;
    cfg.max_body_bytes = 4096;
    cfg.request_timeout_ms = 2000;
    server = http_server_new(&cfg, &cause);
    if (!server)
        return "cannot start the server";
    if (http_server_route(server, "POST", "/predict", 0, h_echo, NULL, &cause) < 0 ||
        http_server_route(server, "POST", "/echo", 0, h_echo, NULL, &cause) < 0 ||
        http_server_route(server, "GET", "/health", HTTP_ROUTE_PUBLIC, h_health, NULL, &cause) < 0)
        return "cannot route";
    if (pthread_create(&server_thread, NULL, run_server, NULL) != 0)
        return "cannot start the server thread";
    return NULL;
}

static int
dial(void)
{
    struct sockaddr_in sa;
    struct timeval tv = {5, 0};
    int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);

    if (fd < 0)
        return -1;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)http_server_port(server));
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        /* Interrupted (libFuzzer's timer): the connection goes on; wait. */
        struct pollfd pfd = {fd, POLLOUT, 0};
        int err = errno;
        socklen_t elen = sizeof(err);

        while (err == EINTR && poll(&pfd, 1, 5000) < 0 && errno == EINTR)
            ;
        if (err == EINTR && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) == 0 && err == 0)
            err = 0;
        if (err) {
            close(fd);
            return -1;
        }
    }
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

/* Check the JSON error body B[0 .. N) of STATUS. */
static const char *
check_error_body(const char *b, size_t n, int status)
{
    char tail[40];
    size_t i = 11, t;

    if (n < 11 || memcmp(b, "{\"error\": \"", 11) != 0)
        return "error body not starting with {\"error\": \"";
    while (i < n && b[i] != '"') {
        if ((unsigned char)b[i] < 0x20)
            return "raw control byte in the error message";
        i += b[i] == '\\' ? 2 : 1;
    }
    t = (size_t)snprintf(tail, sizeof(tail), "\", \"status\": %d}", status);
    if (n - i != t || memcmp(b + i, tail, t) != 0)
        return "error body not ending with its status";
    return NULL;
}

/* Check that BUF[0 .. LEN) is a sequence of well-formed answers. */
static const char *
check_answers(const char *buf, size_t len, unsigned *count)
{
    size_t p = 0;
    int closed = 0;

    while (p < len) {
        const char *end = memmem(buf + p, len - p, "\r\n\r\n", 4), *line, *why;
        size_t head_end, clen = 0;
        int status, has_cl = 0;

        if (closed)
            return "bytes after an answer with Connection: close";
        if (!end)
            return "answer head cut short";
        head_end = (size_t)(end - buf) + 4;
        if (head_end - p < 15 || memcmp(buf + p, "HTTP/1.1 ", 9) != 0 || buf[p + 12] != ' ' ||
            sscanf(buf + p + 9, "%3d", &status) != 1 || status < 100 || status > 599)
            return "malformed status line";
        line = memchr(buf + p, '\n', head_end - p) + 1;
        while (line < buf + head_end - 2) {
            const char *eol = memchr(line, '\r', (size_t)(buf + head_end - line));
            const char *colon = memchr(line, ':', (size_t)(eol - line));
            const char *c;

            if (!colon || colon == line || colon[1] != ' ')
                return "malformed answer header";
            for (c = line; c < colon; c++)
                if (!is_tchar(*c))
                    return "answer header name is not a token";
            if (colon - line == 14 && strncasecmp(line, "Content-Length", 14) == 0) {
                has_cl = 1;
                clen = strtoul(colon + 2, NULL, 10);
            }
            if (colon - line == 10 && strncasecmp(line, "Connection", 10) == 0 &&
                strncmp(colon + 2, "close", 5) == 0)
                closed = 1;
            line = eol + 2;
        }
        p = head_end;
        (*count)++;
        statuses[status]++;
        if (status < 200) {
            if (has_cl)
                return "1xx answer with Content-Length";
            continue;
        }
        if (!has_cl && status != 204 && status != 304)
            return "answer without Content-Length";
        /* An answer to HEAD has no body: the next answer or the end follows. */
        if (clen && (p == len || (len - p >= 9 && memcmp(buf + p, "HTTP/1.1 ", 9) == 0)))
            continue;
        if (len - p < clen)
            return "answer body cut short";
        if (status >= 400 && (why = check_error_body(buf + p, clen, status)))
            return why;
        p += clen;
    }
    return NULL;
}

/* Send DATA in random pieces, then end the sending side; read all until the
 * server closes; check what came. */
static const char *
check_server(const char *data, size_t len, unsigned *answers)
{
    static char in[1 << 20];
    size_t got = 0, sent = 0;
    int fd = dial();

    if (fd < 0)
        return "cannot connect: the server is down";
    while (sent < len) {
        size_t n = 1 + below(len - sent);
        ssize_t k;

        if (below(3) == 0)
            n = 1 + below(n < 16 ? n : 16);
        k = send(fd, data + sent, n, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break; /* the server closed (after an error answer): fine */
        sent += (size_t)k;
        if (below(4) == 0) {
            struct timespec ts = {0, (long)below(200) * 1000};

            nanosleep(&ts, NULL);
        }
    }
    shutdown(fd, SHUT_WR);
    for (;;) {
        ssize_t k = recv(fd, in + got, sizeof(in) - got, 0);

        if (k > 0) {
            got += (size_t)k;
            if (got == sizeof(in)) {
                close(fd);
                return "answer larger than 1 MiB";
            }
            continue;
        }
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0 && errno == ECONNRESET)
            break; /* the server closed with our bytes unread */
        close(fd);
        if (k < 0)
            return "the server neither answered nor closed within 5 s";
        break;
    }
    close(fd);
    return check_answers(in, got, answers);
}

/* The server still answers a plain request. */
static const char *
check_alive(void)
{
    static const char req[] = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
    char in[512];
    size_t got = 0;
    int fd = dial();

    if (fd < 0)
        return "cannot connect: the server is down";
    if (send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL) != (ssize_t)sizeof(req) - 1) {
        close(fd);
        return "cannot send a plain request";
    }
    while (got < sizeof(in) - 1) {
        ssize_t k = recv(fd, in + got, sizeof(in) - 1 - got, 0);

        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        got += (size_t)k;
        in[got] = '\0';
        if (strstr(in, "{\"status\": \"ok\"}"))
            break;
    }
    close(fd);
    in[got] = '\0';
    if (strncmp(in, "HTTP/1.1 200 OK\r\n", 17) != 0 || !strstr(in, "{\"status\": \"ok\"}")) {
        static char why[128];

        snprintf(why, sizeof(why), "a plain request is no longer answered (%s: %.60s)",
                 got ? "got" : strerror(errno), in);
        return why;
    }
    return NULL;
}

/* Stop the server: it must drain and return 0, with no connection left. */
static const char *
stop_server(void)
{
    struct http_stats st;

    http_server_stop(server);
    pthread_join(server_thread, NULL);
    http_server_stats(server, &st);
    http_server_free(server);
    server = NULL;
    if (server_rc != 0)
        return "http_server_run failed";
    if (st.connections_open != 0)
        return "connections left open after the drain";
    return NULL;
}

/* ------------------------------------------------------------------------- */

#ifdef FUZZ_LIBFUZZER

/* libFuzzer: the first byte picks the target (even: parser; odd: server,
 * seeding the random splits). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *why;
    unsigned answers = 0;

    if (size < 1 || size > MAX_INPUT)
        return 0;
    rng = 0x9e3779b97f4a7c15u ^ data[0];
    if (data[0] % 2 == 0) {
        why = check_parser((const char *)data + 1, size - 1);
    } else {
        if (!server && (why = start_server()))
            goto bad;
        why = check_server((const char *)data + 1, size - 1, &answers);
        if (!why && data[0] % 64 == 1)
            why = check_alive();
    }
    if (!why)
        return 0;
bad:
    fprintf(stderr, "fuzz-http: %s\n", why);
    abort();
}

#else

static unsigned long
env_ulong(const char *name, unsigned long def)
{
    const char *v = getenv(name);

    return v && *v ? strtoul(v, NULL, 10) : def;
}

static double
seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Whether another iteration is due: I done, of N, or until the deadline. */
static int
more(unsigned long i, unsigned long n, double deadline)
{
    return deadline > 0 ? seconds() < deadline : i < n;
}

static void
report_failure(const char *phase, const char *why, unsigned long i, const char *input, size_t len)
{
    size_t k;

    printf("# %s iteration %lu (seed %lu): %s\n# input (%zu bytes): ", phase, i,
           env_ulong("FUZZ_SEED", 1), why, len);
    for (k = 0; k < len; k++)
        printf(input[k] >= 0x20 && input[k] < 0x7f && input[k] != '\\' ? "%c" : "\\x%02x",
               (unsigned char)input[k]);
    printf("\n");
    fail_msg("%s: %s", phase, why);
}

static void
test_fuzz_parser(void **state)
{
    static char input[MAX_INPUT];
    unsigned long n = env_ulong("FUZZ_PARSER_ITERATIONS", 200000), i;
    unsigned long secs = env_ulong("FUZZ_SECONDS", 0);
    double deadline = secs ? seconds() + (double)secs : 0;

    (void)state;
    rng = env_ulong("FUZZ_SEED", 1) * 0x9e3779b97f4a7c15u | 1;
    for (i = 0; more(i, n, deadline); i++) {
        size_t len = make_input(input);
        const char *why = check_parser(input, len);

        if (why)
            report_failure("parser", why, i, input, len);
    }
    printf("# parser: %lu inputs\n", i);
}

static void
test_fuzz_server(void **state)
{
    static char input[MAX_INPUT];
    unsigned long n = env_ulong("FUZZ_SERVER_ITERATIONS", 3000), i, answers = 0;
    unsigned k;
    unsigned long secs = env_ulong("FUZZ_SECONDS", 0);
    double deadline = secs ? seconds() + (double)secs : 0;
    const char *why;

    (void)state;
    rng = env_ulong("FUZZ_SEED", 1) * 0xbf58476d1ce4e5b9u | 1;
    if ((why = start_server()))
        fail_msg("%s", why);
    for (i = 0; more(i, n, deadline); i++) {
        size_t len = make_input(input);
        unsigned got = 0;

        why = check_server(input, len, &got);
        answers += got;
        if (!why && i % 64 == 63)
            why = check_alive();
        if (why)
            report_failure("server", why, i, input, len);
    }
    if ((why = check_alive()) || (why = stop_server()))
        fail_msg("%s", why);
    printf("# server: %lu connections, %lu answers; by status:", i, answers);
    for (k = 0; k < 600; k++)
        if (statuses[k])
            printf(" %u:%lu", k, statuses[k]);
    printf("\n");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fuzz_parser),
        cmocka_unit_test(test_fuzz_server),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

#endif
