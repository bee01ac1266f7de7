/*
 * cmd-monitor.c - "monitor URL": a running aiwb-server watched live through
 * its GET /metrics (Prometheus text) and /metadata: traffic, latency
 * percentiles, the predictions' distribution, each input's drift and change
 * alarm, live accuracy from feedback.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
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

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/numfmt.h"
#include "core/pipeline.h"
#include "core/strbuf.h"
#include "core/table.h"
#include "core/xalloc.h"
#include "repl/cmd.h"
#include "repl/jobs.h"
#include "repl/session.h"

#define TIMEOUT_MS 10000       /* for one request, connecting included */
#define SLICE_MS 100           /* how often waits look at `stop` and Ctrl-C */
#define MAX_ANSWER (64u << 20) /* bytes of one answer */
#define EVERY_MIN 0.1
#define EVERY_MAX 86400.0
#define PSI_MODERATE 0.1
#define PSI_DRIFT 0.25

static int
isdigit_c(int c)
{
    return c >= '0' && c <= '9';
}

/* ---- the server's address ---------------------------------------------- */

struct target {
    char *url;  /* the base as shown, ending in '/': "http://127.0.0.1:8080/" */
    char *host; /* for getaddrinfo, without brackets */
    char *port;
    char *authority; /* for Host: as written, "[::1]:8080" */
    char *prefix;    /* the path of the base, ending in '/' */
};

static void
target_release(struct target *t)
{
    free(t->url);
    free(t->host);
    free(t->port);
    free(t->authority);
    free(t->prefix);
}

/* Read URL ("http://host[:port][/prefix/]", "host:port") into T; 0, or -1
 * with *cause set. A trailing "metrics" (the page itself) is dropped. */
static int
target_parse(const char *text, struct target *t, char **cause)
{
    const char *p = text, *end, *colon = NULL, *hend;
    size_t plen;

    memset(t, 0, sizeof *t);
    if (strncasecmp(p, "https://", 8) == 0) {
        *cause = xasprintf("'%s': https is not supported: aiwb-server speaks plain HTTP (run "
                           "monitor where the server runs, or tunnel to it: ssh -L "
                           "8080:127.0.0.1:8080 HOST, then monitor http://127.0.0.1:8080)",
                           text);
        return -1;
    }
    if (strncasecmp(p, "http://", 7) == 0)
        p += 7;
    else if (strstr(p, "://") != NULL) {
        *cause = xasprintf("'%s' is not an http:// URL", text);
        return -1;
    }
    end = p + strcspn(p, "/?#");
    if (memchr(p, '@', (size_t)(end - p)) != NULL) {
        *cause = xasprintf("'%s': a user name in the URL is not supported (token=TOKEN sends a "
                           "bearer token)",
                           text);
        return -1;
    }
    if (*p == '[') {
        hend = memchr(p, ']', (size_t)(end - p));
        if (hend == NULL || (hend + 1 < end && hend[1] != ':')) {
            *cause = xasprintf("'%s': malformed IPv6 address (write [ADDRESS]:PORT)", text);
            return -1;
        }
        t->host = xstrndup(p + 1, (size_t)(hend - p - 1));
        colon = hend + 1 < end ? hend + 1 : NULL;
    } else {
        for (const char *q = p; q < end; q++)
            if (*q == ':')
                colon = q;
        hend = colon != NULL ? colon : end;
        t->host = xstrndup(p, (size_t)(hend - p));
    }
    if (*t->host == '\0') {
        *cause = xasprintf("'%s' names no host", text);
        return -1;
    }
    if (colon != NULL) {
        size_t n = (size_t)(end - colon - 1);
        long port = 0;

        for (size_t i = 0; i < n && port <= 65535; i++)
            port = isdigit_c(colon[1 + i]) ? port * 10 + (colon[1 + i] - '0') : 99999;
        if (n == 0 || n > 5 || port < 1 || port > 65535) {
            *cause = xasprintf("'%s': the port must be a number from 1 to 65535, not '%.*s'", text,
                               (int)n, colon + 1);
            return -1;
        }
        t->port = xstrndup(colon + 1, n);
    } else {
        t->port = xstrdup("80");
    }
    t->authority = xstrndup(p, (size_t)(end - p));
    for (const char *q = p; *q; q++)
        if ((unsigned char)*q <= ' ' || *q == 0x7f) {
            *cause = xasprintf("'%s': a URL holds no spaces or control characters", text);
            return -1;
        }
    if (strpbrk(end, "?#") != NULL) {
        *cause = xasprintf("'%s': give the server's address without a query or fragment", text);
        return -1;
    }
    plen = strlen(end);
    if (plen >= 7 && strcmp(end + plen - 7, "metrics") == 0 && (plen == 7 || end[plen - 8] == '/'))
        plen -= 7;
    if (plen == 0)
        t->prefix = xstrdup("/");
    else if (end[plen - 1] == '/')
        t->prefix = xstrndup(end, plen);
    else
        t->prefix = xasprintf("%.*s/", (int)plen, end);
    t->url = xasprintf("http://%s%s", t->authority, t->prefix);
    return 0;
}

/* ---- one GET ------------------------------------------------------------ */

struct answer {
    int status;
    char reason[64];
    struct strbuf body;
};

enum { GET_FAILED = -1, GET_OK = 0, GET_STOPPED = 1 };

static int64_t
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait until FD is ready for EVENTS: GET_OK, GET_STOPPED (`stop` or Ctrl-C),
 * or GET_FAILED with errno ETIMEDOUT past DEADLINE (or poll's errno). */
static int
wait_fd(int fd, short events, int64_t deadline)
{
    for (;;) {
        struct pollfd pfd = {.fd = fd, .events = events};
        int64_t left = deadline - now_ms();
        int n;

        if (jobs_stopping())
            return GET_STOPPED;
        if (left <= 0) {
            errno = ETIMEDOUT;
            return GET_FAILED;
        }
        n = poll(&pfd, 1, left < SLICE_MS ? (int)left : SLICE_MS);
        if (n > 0)
            return GET_OK;
        if (n < 0 && errno != EINTR)
            return GET_FAILED;
    }
}

/* A socket connected to T's host; -1 with *cause set, or -2 when stopped. */
static int
dial(const struct target *t, int64_t deadline, char **cause)
{
    struct addrinfo hints, *res = NULL;
    int fd = -1, err, saved = ECONNREFUSED;

    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if ((err = getaddrinfo(t->host, t->port, &hints, &res)) != 0) {
        *cause = xasprintf("cannot reach '%s': %s", t->url,
                           err == EAI_SYSTEM ? strerror(errno) : gai_strerror(err));
        return -1;
    }
    for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
        int w;
        socklen_t len = sizeof err;

        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
        if (fd < 0) {
            saved = errno;
            continue;
        }
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        if (errno == EINPROGRESS) {
            w = wait_fd(fd, POLLOUT, deadline);
            if (w == GET_STOPPED) {
                close(fd);
                freeaddrinfo(res);
                return -2;
            }
            if (w == GET_OK && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0)
                break;
            saved = w == GET_OK ? err : errno;
        } else {
            saved = errno;
        }
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0)
        *cause = saved == ETIMEDOUT ? xasprintf("'%s' does not answer (no connection within %d s)",
                                                t->url, TIMEOUT_MS / 1000)
                                    : xasprintf("cannot reach '%s': %s", t->url, strerror(saved));
    return fd;
}

/* The value of header NAME in the head [P, END) (after the status line), or NULL. */
static const char *
header_value(const char *p, const char *end, const char *name, size_t *len)
{
    size_t n = strlen(name);

    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));

        if (eol == NULL)
            eol = end;
        if ((size_t)(eol - p) > n && strncasecmp(p, name, n) == 0 && p[n] == ':') {
            const char *v = p + n + 1, *ve = eol;

            while (v < ve && (*v == ' ' || *v == '\t'))
                v++;
            while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t'))
                ve--;
            *len = (size_t)(ve - v);
            return v;
        }
        p = eol + 1;
    }
    return NULL;
}

/* Undo chunked transfer coding of BODY in place; 0, or -1 if malformed. */
static int
dechunk(struct strbuf *body)
{
    char *in = body->buf, *end = body->buf + body->len, *out = body->buf;

    while (in < end) {
        char *eol = memchr(in, '\n', (size_t)(end - in)), *q = in;
        unsigned long size = isxdigit((unsigned char)*in) ? strtoul(in, &q, 16) : 0;

        if (eol == NULL || !isxdigit((unsigned char)*in) || q > eol ||
            (size_t)(end - eol - 1) < size)
            return -1;
        in = eol + 1;
        if (size == 0) {
            body->len = (size_t)(out - body->buf);
            body->buf[body->len] = '\0';
            return 0;
        }
        memmove(out, in, size);
        out += size;
        in += size;
        if (in < end && *in == '\r')
            in++;
        if (in >= end || *in != '\n')
            return -1;
        in++;
    }
    return -1; /* no last chunk */
}

/* Parse the head ending at HEAD_END in RAW into A; the body's length if the
 * head says (Content-Length), else -1 (until the connection closes); -2 if
 * the head is malformed. *CHUNKED set for chunked transfer coding. */
static long long
parse_head(const char *raw, const char *head_end, struct answer *a, int *chunked)
{
    const char *eol = memchr(raw, '\n', (size_t)(head_end - raw)), *v;
    size_t len;
    int n = 0;

    if (eol == NULL || strncmp(raw, "HTTP/1.", 7) != 0 || !isdigit_c(raw[7]) || raw[8] != ' ' ||
        !isdigit_c(raw[9]) || !isdigit_c(raw[10]) || !isdigit_c(raw[11]))
        return -2;
    a->status = (raw[9] - '0') * 100 + (raw[10] - '0') * 10 + (raw[11] - '0');
    for (const char *r = raw + 12 + (raw[12] == ' ');
         r < eol && *r != '\r' && n < (int)sizeof a->reason - 1; r++)
        a->reason[n++] = *r;
    a->reason[n] = '\0';
    v = header_value(eol + 1, head_end, "Transfer-Encoding", &len);
    *chunked = v != NULL && len >= 7 && strncasecmp(v + len - 7, "chunked", 7) == 0;
    v = header_value(eol + 1, head_end, "Content-Length", &len);
    if (v != NULL && !*chunked) {
        long long cl = 0;

        for (size_t i = 0; i < len; i++) {
            if (!isdigit_c(v[i]) || cl > (long long)MAX_ANSWER)
                return -2;
            cl = cl * 10 + (v[i] - '0');
        }
        return len > 0 ? cl : -2;
    }
    return -1;
}

/* Read the whole answer from FD into A. GET_OK, GET_STOPPED, or GET_FAILED
 * with *cause set (WHERE: the page's URL). */
static int
read_answer(int fd, const char *where, int64_t deadline, struct answer *a, char **cause)
{
    struct strbuf raw = STRBUF_INIT;
    long long want = -1;
    size_t head = 0;
    int chunked = 0, rc = GET_FAILED;

    for (;;) {
        ssize_t got;
        int w = wait_fd(fd, POLLIN, deadline);

        if (w == GET_STOPPED) {
            rc = GET_STOPPED;
            goto out;
        }
        if (w != GET_OK) {
            *cause = errno == ETIMEDOUT
                         ? xasprintf("no answer from '%s' within %d s", where, TIMEOUT_MS / 1000)
                         : xasprintf("cannot read from '%s': %s", where, strerror(errno));
            goto out;
        }
        strbuf_grow(&raw, 65536);
        got = recv(fd, raw.buf + raw.len, 65536, 0);
        if (got < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            *cause = xasprintf("cannot read from '%s': %s", where, strerror(errno));
            goto out;
        }
        raw.len += (size_t)got;
        raw.buf[raw.len] = '\0';
        if (raw.len > MAX_ANSWER) {
            *cause = xasprintf("'%s' sent more than %u MB", where, MAX_ANSWER >> 20);
            goto out;
        }
        if (head == 0) {
            char *e = strstr(raw.buf, "\r\n\r\n");
            size_t skip = 4;

            if (e == NULL && (e = strstr(raw.buf, "\n\n")) != NULL)
                skip = 2;
            if (e != NULL) {
                head = (size_t)(e - raw.buf) + skip;
                want = parse_head(raw.buf, e + 1, a, &chunked);
            }
            if (want == -2 || (e == NULL && raw.len > 65536)) {
                *cause = xasprintf("'%s' did not answer in HTTP/1.x", where);
                goto out;
            }
        }
        if (got == 0 || (head > 0 && want >= 0 && raw.len - head >= (size_t)want))
            break;
    }
    if (head == 0) {
        *cause = raw.len == 0 ? xasprintf("'%s' closed the connection without answering", where)
                              : xasprintf("'%s' did not answer in HTTP/1.x", where);
        goto out;
    }
    if (want >= 0 && raw.len - head < (size_t)want) {
        *cause = xasprintf("'%s' closed the connection in the middle of its answer", where);
        goto out;
    }
    strbuf_add(&a->body, raw.buf + head, want >= 0 ? (size_t)want : raw.len - head);
    if (chunked && dechunk(&a->body) < 0) {
        *cause = xasprintf("'%s' sent a malformed chunked answer", where);
        goto out;
    }
    rc = GET_OK;
out:
    strbuf_release(&raw);
    return rc;
}

/* GET T's page PAGE ("metrics") into A, with TOKEN as bearer token if not
 * NULL. GET_OK (any status), GET_STOPPED, or GET_FAILED with *cause set.
 * Touches nothing shared: runs with the session lock let go. */
static int
http_get(const struct target *t, const char *page, const char *token, struct answer *a,
         char **cause)
{
    int64_t deadline = now_ms() + TIMEOUT_MS;
    struct strbuf req = STRBUF_INIT;
    char *where = xasprintf("%s%s", t->url, page);
    size_t sent = 0;
    int fd, rc = GET_FAILED;

    a->status = 0;
    a->reason[0] = '\0';
    strbuf_reset(&a->body);
    fd = dial(t, deadline, cause);
    if (fd < 0) {
        free(where);
        return fd == -2 ? GET_STOPPED : GET_FAILED;
    }
    strbuf_addf(&req,
                "GET %s%s HTTP/1.1\r\nHost: %s\r\nUser-Agent: aiwb/%s\r\n"
                "Accept: text/plain, application/json\r\nConnection: close\r\n",
                t->prefix, page, t->authority, PACKAGE_VERSION);
    if (token != NULL)
        strbuf_addf(&req, "Authorization: Bearer %s\r\n", token);
    strbuf_adds(&req, "\r\n");
    while (sent < req.len) {
        ssize_t n = send(fd, req.buf + sent, req.len - sent, MSG_NOSIGNAL);

        if (n >= 0) {
            sent += (size_t)n;
            continue;
        }
        if (errno == EAGAIN || errno == EINTR) {
            int w = wait_fd(fd, POLLOUT, deadline);

            if (w == GET_OK)
                continue;
            if (w == GET_STOPPED) {
                rc = GET_STOPPED;
                goto out;
            }
        }
        *cause = xasprintf("cannot send to '%s': %s", where, strerror(errno));
        goto out;
    }
    rc = read_answer(fd, where, deadline, a, cause);
out:
    close(fd);
    strbuf_release(&req);
    free(where);
    return rc;
}

/* ---- Prometheus text ------------------------------------------------------ */

struct label {
    char *name, *value;
};

struct sample {
    char *name;
    size_t nlabels;
    struct label *labels;
    double value;
};

/* One scrape of /metrics. */
struct scrape {
    size_t n, alloc;
    struct sample *v;
    int64_t at_ms; /* monotonic, when it was asked for */
    int64_t own;   /* monitor's requests the server had answered before it */
    char when[32]; /* the wall clock then, ISO 8601 UTC */
};

static void
scrape_free(struct scrape *sc)
{
    if (sc == NULL)
        return;
    for (size_t i = 0; i < sc->n; i++) {
        for (size_t l = 0; l < sc->v[i].nlabels; l++) {
            free(sc->v[i].labels[l].name);
            free(sc->v[i].labels[l].value);
        }
        free(sc->v[i].labels);
        free(sc->v[i].name);
    }
    free(sc->v);
    free(sc);
}

static int
name_char(int c, int first, int colon)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':') ||
           (!first && isdigit_c(c));
}

/* A sample value: a decimal number, NaN, +Inf, -Inf or Inf (any case). */
static int
parse_value(const char *p, size_t len, double *out)
{
    size_t sign = len > 0 && (*p == '+' || *p == '-');

    if (len == 3 && strncasecmp(p, "nan", 3) == 0) {
        *out = NAN;
        return 0;
    }
    if (len == sign + 3 && strncasecmp(p + sign, "inf", 3) == 0) {
        *out = *p == '-' ? -INFINITY : INFINITY;
        return 0;
    }
    return numfmt_parse(p, len, out);
}

static const char *
skip_blanks(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    return p;
}

/* Parse the label set at P (after its '{') into S's labels, escapes \\ \" \n
 * undone: the position after its '}', or NULL with *AT and *MSG set. */
static const char *
parse_labels(const char *p, const char *end, struct sample *s, const char **at, const char **msg)
{
    struct strbuf val = STRBUF_INIT;

    for (;;) {
        const char *q;
        struct label *l;

        p = skip_blanks(p, end);
        if (p < end && *p == '}') {
            strbuf_release(&val);
            return p + 1;
        }
        for (q = p; q < end && name_char(*q, q == p, 0); q++)
            ;
        if (q == p) {
            *msg = p < end ? "expected a label name or '}'" : "unterminated label set";
            break;
        }
        s->labels = xreallocarray(s->labels, s->nlabels + 1, sizeof *s->labels);
        l = &s->labels[s->nlabels++];
        l->name = xstrndup(p, (size_t)(q - p));
        l->value = NULL;
        p = skip_blanks(q, end);
        if (p >= end || *p != '=') {
            *msg = "expected '=' after the label name";
            break;
        }
        p = skip_blanks(p + 1, end);
        if (p >= end || *p != '"') {
            *msg = "expected '\"' to open the label value";
            break;
        }
        strbuf_reset(&val);
        for (p++; p < end && *p != '"'; p++) {
            if (*p == '\\' && p + 1 < end) {
                p++;
                strbuf_addch(&val, *p == 'n' ? '\n' : *p);
            } else {
                strbuf_addch(&val, *p);
            }
        }
        if (p >= end) {
            *msg = "unterminated label value";
            break;
        }
        l->value = strbuf_detach(&val, NULL);
        p = skip_blanks(p + 1, end);
        if (p < end && *p == ',')
            p++;
        else if (p >= end || *p != '}') {
            *msg = "expected ',' or '}' after a label";
            break;
        }
    }
    *at = p;
    strbuf_release(&val);
    return NULL;
}

/* Parse the sample on the line [P, END) into S (zeroed): NAME[{LABELS}] VALUE
 * [TIMESTAMP]. 0, or -1 with *AT and *MSG saying where and what is wrong. */
static int
parse_sample(const char *p, const char *end, struct sample *s, const char **at, const char **msg)
{
    const char *q = p;

    while (q < end && name_char(*q, q == p, 1))
        q++;
    if (q == p) {
        *at = p;
        *msg = "expected a metric name";
        return -1;
    }
    s->name = xstrndup(p, (size_t)(q - p));
    p = skip_blanks(q, end);
    if (p < end && *p == '{') {
        if ((p = parse_labels(p + 1, end, s, at, msg)) == NULL)
            return -1;
        p = skip_blanks(p, end);
    }
    for (q = p; q < end && *q != ' ' && *q != '\t'; q++)
        ;
    if (q == p || parse_value(p, (size_t)(q - p), &s->value) < 0) {
        *at = p;
        *msg = q == p ? "expected a value" : "the value is not a number";
        return -1;
    }
    p = skip_blanks(q, end);
    if (p < end) { /* a timestamp, in milliseconds */
        for (q = p + (*p == '-'); q < end && isdigit_c(*q); q++)
            ;
        if (skip_blanks(q, end) < end || q == p + (*p == '-')) {
            *at = p;
            *msg = "unexpected text after the value";
            return -1;
        }
    }
    return 0;
}

/*
 * The samples of the Prometheus text TEXT (LEN bytes) fetched from WHERE: a
 * new scrape (free it with scrape_free), or NULL with *cause naming the line
 * and column of the first malformed one. Comments (# HELP, # TYPE) and blank
 * lines are skipped.
 */
static struct scrape *
prom_parse(const char *text, size_t len, const char *where, char **cause)
{
    struct scrape *sc = xcalloc(1, sizeof *sc);
    const char *p = text, *end = text + len;
    size_t line = 0;

    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p)), *le, *s, *at = NULL, *msg = NULL;

        if (eol == NULL)
            eol = end;
        le = eol > p && eol[-1] == '\r' ? eol - 1 : eol;
        line++;
        for (s = p; s < le && (*s == ' ' || *s == '\t'); s++)
            ;
        if (s < le && *s != '#') {
            struct sample smp;

            memset(&smp, 0, sizeof smp);
            if (parse_sample(s, le, &smp, &at, &msg) < 0) {
                *cause = xasprintf("'%s' line %zu column %zu: %s", where, line,
                                   (size_t)(at - p) + 1, msg);
                sc->v = xreallocarray(sc->v, sc->n + 1, sizeof *sc->v);
                sc->v[sc->n++] = smp; /* freed with the rest */
                scrape_free(sc);
                return NULL;
            }
            if (sc->n == sc->alloc) {
                sc->alloc = sc->alloc ? 2 * sc->alloc : 64;
                sc->v = xreallocarray(sc->v, sc->alloc, sizeof *sc->v);
            }
            sc->v[sc->n++] = smp;
        }
        p = eol + 1;
    }
    return sc;
}

static const char *
label_of(const struct sample *s, const char *name)
{
    for (size_t l = 0; l < s->nlabels; l++)
        if (strcmp(s->labels[l].name, name) == 0)
            return s->labels[l].value;
    return NULL;
}

/* The first sample NAME (whose label LNAME is LVALUE, if LNAME), or NULL. */
static const struct sample *
find(const struct scrape *sc, const char *name, const char *lname, const char *lvalue)
{
    for (size_t i = 0; sc != NULL && i < sc->n; i++) {
        const char *v;

        if (strcmp(sc->v[i].name, name) != 0)
            continue;
        if (lname == NULL || ((v = label_of(&sc->v[i], lname)) != NULL && strcmp(v, lvalue) == 0))
            return &sc->v[i];
    }
    return NULL;
}

/* The value of sample NAME (labelled LNAME=LVALUE), NaN if absent. */
static double
value_of(const struct scrape *sc, const char *name, const char *lname, const char *lvalue)
{
    const struct sample *s = find(sc, name, lname, lvalue);

    return s != NULL ? s->value : NAN;
}

/* A histogram: cumulative counts by upper bound, ascending, +Inf last. */
struct hist {
    size_t n;
    double *le, *count;
    double sum, total;
};

static void
hist_release(struct hist *h)
{
    free(h->le);
    free(h->count);
    memset(h, 0, sizeof *h);
}

/* The histogram BASE of SC (BASE_bucket{le=}, BASE_sum, BASE_count) into H;
 * buckets of the same bound are merged, counts made monotonic (as Prometheus
 * does). H is empty (n 0) if SC has none. */
static void
hist_get(const struct scrape *sc, const char *base, struct hist *h)
{
    char *bucket = xasprintf("%s_bucket", base), *sum = xasprintf("%s_sum", base),
         *count = xasprintf("%s_count", base);

    memset(h, 0, sizeof *h);
    for (size_t i = 0; sc != NULL && i < sc->n; i++) {
        const char *le = strcmp(sc->v[i].name, bucket) == 0 ? label_of(&sc->v[i], "le") : NULL;
        double bound;
        size_t at;

        if (le == NULL || parse_value(le, strlen(le), &bound) < 0 || isnan(bound))
            continue;
        for (at = 0; at < h->n && h->le[at] < bound; at++)
            ;
        if (at < h->n && h->le[at] == bound) {
            h->count[at] += sc->v[i].value;
            continue;
        }
        h->le = xreallocarray(h->le, h->n + 1, sizeof *h->le);
        h->count = xreallocarray(h->count, h->n + 1, sizeof *h->count);
        memmove(h->le + at + 1, h->le + at, (h->n - at) * sizeof *h->le);
        memmove(h->count + at + 1, h->count + at, (h->n - at) * sizeof *h->count);
        h->le[at] = bound;
        h->count[at] = sc->v[i].value;
        h->n++;
    }
    for (size_t b = 1; b < h->n; b++)
        if (h->count[b] < h->count[b - 1])
            h->count[b] = h->count[b - 1];
    h->sum = value_of(sc, sum, NULL, NULL);
    h->total = value_of(sc, count, NULL, NULL);
    if (isnan(h->total) && h->n > 0)
        h->total = h->count[h->n - 1];
    free(bucket);
    free(sum);
    free(count);
}

/* H minus the earlier histogram OLD, bucket by bucket (bounds missing from
 * OLD count whole). */
static void
hist_minus(struct hist *h, const struct hist *old)
{
    for (size_t b = 0; b < h->n; b++)
        for (size_t o = 0; o < old->n; o++)
            if (old->le[o] == h->le[b])
                h->count[b] -= old->count[o];
    h->sum -= old->sum;
    h->total -= old->total;
}

/* The Q-quantile of H by linear interpolation inside its bucket, as
 * Prometheus' histogram_quantile(): NaN without observations or without a
 * +Inf bucket; the highest finite bound if it falls in the +Inf bucket; the
 * first bucket starts at 0 (unless its bound is not positive). */
static double
hist_quantile(const struct hist *h, double q)
{
    double rank, start = 0, count;
    size_t b;

    if (h->n < 2 || !isinf(h->le[h->n - 1]) || !(h->count[h->n - 1] > 0))
        return NAN;
    rank = q * h->count[h->n - 1];
    for (b = 0; b < h->n - 1 && h->count[b] < rank; b++)
        ;
    if (b == h->n - 1)
        return h->le[h->n - 2];
    if (b == 0 && h->le[0] <= 0)
        return h->le[0];
    count = h->count[b];
    if (b > 0) {
        start = h->le[b - 1];
        count -= h->count[b - 1];
        rank -= h->count[b - 1];
    }
    return start + (h->le[b] - start) * (rank / count);
}

/* ---- /metadata: a few fields of a JSON object ----------------------------- */

static const char *
js_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

static void
utf8_put(struct strbuf *out, unsigned long c)
{
    if (c < 0x80) {
        strbuf_addch(out, (int)c);
    } else if (c < 0x800) {
        strbuf_addch(out, (int)(0xc0 | (c >> 6)));
        strbuf_addch(out, (int)(0x80 | (c & 0x3f)));
    } else if (c < 0x10000) {
        strbuf_addch(out, (int)(0xe0 | (c >> 12)));
        strbuf_addch(out, (int)(0x80 | ((c >> 6) & 0x3f)));
        strbuf_addch(out, (int)(0x80 | (c & 0x3f)));
    } else {
        strbuf_addch(out, (int)(0xf0 | (c >> 18)));
        strbuf_addch(out, (int)(0x80 | ((c >> 12) & 0x3f)));
        strbuf_addch(out, (int)(0x80 | ((c >> 6) & 0x3f)));
        strbuf_addch(out, (int)(0x80 | (c & 0x3f)));
    }
}

static long
hex4(const char *p, const char *end)
{
    long v = 0;

    if (end - p < 4)
        return -1;
    for (int i = 0; i < 4; i++) {
        int c = p[i], d = isdigit_c(c)                             ? c - '0'
                          : (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (c | 0x20) - 'a' + 10
                                                                   : -1;

        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

/* The JSON string at P (its opening quote) decoded into OUT (if not NULL):
 * the position after its closing quote, or NULL if malformed. */
static const char *
js_string(const char *p, const char *end, struct strbuf *out)
{
    static const char esc[] = "\"\"\\\\//b\bf\fn\nr\rt\t";

    if (p >= end || *p != '"')
        return NULL;
    for (p++; p < end && *p != '"'; p++) {
        const char *e;
        long c, lo;

        if (*p != '\\') {
            if (out != NULL)
                strbuf_addch(out, *p);
            continue;
        }
        if (++p >= end)
            return NULL;
        if (*p != 'u') {
            for (e = esc; *e && *e != *p; e += 2)
                ;
            if (!*e)
                return NULL;
            if (out != NULL)
                strbuf_addch(out, e[1]);
            continue;
        }
        if ((c = hex4(p + 1, end)) < 0)
            return NULL;
        p += 4;
        if (c >= 0xd800 && c < 0xdc00 && end - p > 6 && p[1] == '\\' && p[2] == 'u' &&
            (lo = hex4(p + 3, end)) >= 0xdc00 && lo < 0xe000) {
            c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
            p += 6;
        }
        if (out != NULL)
            utf8_put(out, (unsigned long)c);
    }
    return p < end ? p + 1 : NULL;
}

/* Past the JSON value at P (white space before it skipped), or NULL. */
static const char *
js_skip(const char *p, const char *end, int depth)
{
    p = js_ws(p, end);
    if (p >= end || depth > 64)
        return NULL;
    if (*p == '"')
        return js_string(p, end, NULL);
    if (*p == '{' || *p == '[') {
        char close = *p == '{' ? '}' : ']';

        p = js_ws(p + 1, end);
        if (p < end && *p == close)
            return p + 1;
        for (;;) {
            if (close == '}') {
                if ((p = js_string(js_ws(p, end), end, NULL)) == NULL)
                    return NULL;
                p = js_ws(p, end);
                if (p >= end || *p++ != ':')
                    return NULL;
            }
            if ((p = js_skip(p, end, depth + 1)) == NULL)
                return NULL;
            p = js_ws(p, end);
            if (p < end && *p == close)
                return p + 1;
            if (p >= end || *p != ',')
                return NULL;
            p++;
        }
    }
    while (p < end && strchr("+-0123456789.eEtruefalsn", *p) != NULL)
        p++;
    return p;
}

/*
 * Call FN(KEY, value's start, ARG) for each member of the JSON object at P
 * (white space first allowed). 0, or -1 if it is not a well-formed object.
 */
static int
js_members(const char *p, const char *end,
           void (*fn)(const char *key, const char *v, const char *end, void *arg), void *arg)
{
    struct strbuf key = STRBUF_INIT;
    int rc = -1;

    p = js_ws(p, end);
    if (p >= end || *p != '{')
        return -1;
    p = js_ws(p + 1, end);
    if (p < end && *p == '}')
        return 0;
    for (;;) {
        const char *v;

        strbuf_reset(&key);
        if ((p = js_string(js_ws(p, end), end, &key)) == NULL)
            break;
        p = js_ws(p, end);
        if (p >= end || *p++ != ':')
            break;
        v = js_ws(p, end);
        if ((p = js_skip(v, end, 1)) == NULL)
            break;
        fn(strbuf_str(&key), v, end, arg);
        p = js_ws(p, end);
        if (p < end && *p == '}') {
            rc = 0;
            break;
        }
        if (p >= end || *p++ != ',')
            break;
    }
    strbuf_release(&key);
    return rc;
}

/* What monitor uses of /metadata. */
struct meta {
    char *target;
    int drift_reference; /* 1, 0, or -1 if not said */
    size_t nmetrics;
    char **metric_names; /* "accuracy@test" */
    double *metric_values;
};

static void
meta_release(struct meta *m)
{
    free(m->target);
    for (size_t i = 0; i < m->nmetrics; i++)
        free(m->metric_names[i]);
    free(m->metric_names);
    free(m->metric_values);
    memset(m, 0, sizeof *m);
    m->drift_reference = -1;
}

/* The JSON number at V (null: NaN): 0 and *X, or -1. */
static int
js_number(const char *v, const char *end, double *x)
{
    const char *q = v;

    if (end - v >= 4 && strncmp(v, "null", 4) == 0) {
        *x = NAN;
        return 0;
    }
    while (q < end && *q != '\0' && strchr("+-0123456789.eE", *q) != NULL)
        q++;
    return q > v ? numfmt_parse(v, (size_t)(q - v), x) : -1;
}

static void
on_metric(const char *key, const char *v, const char *end, void *arg)
{
    struct meta *m = arg;
    double x;

    if (js_number(v, end, &x) < 0)
        return;
    m->metric_names = xreallocarray(m->metric_names, m->nmetrics + 1, sizeof *m->metric_names);
    m->metric_values = xreallocarray(m->metric_values, m->nmetrics + 1, sizeof *m->metric_values);
    m->metric_names[m->nmetrics] = xstrdup(key);
    m->metric_values[m->nmetrics++] = x;
}

static void
on_meta(const char *key, const char *v, const char *end, void *arg)
{
    struct meta *m = arg;

    if (strcmp(key, "target") == 0 && *v == '"') {
        struct strbuf sb = STRBUF_INIT;

        if (js_string(v, end, &sb) != NULL) {
            free(m->target);
            m->target = strbuf_detach(&sb, NULL);
        }
        strbuf_release(&sb);
    } else if (strcmp(key, "drift_reference") == 0) {
        m->drift_reference = end - v >= 4 && strncmp(v, "true", 4) == 0;
    } else if (strcmp(key, "metrics") == 0) {
        js_members(v, end, on_metric, m);
    }
}

static void
on_health(const char *key, const char *v, const char *end, void *arg)
{
    double *uptime = arg, x;

    if (strcmp(key, "uptime_seconds") == 0 && js_number(v, end, &x) == 0)
        *uptime = x;
}

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
    struct target t;
    const char *token;
    int show;
    double every;
    struct meta meta;
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
requests_of(const struct scrape *sc, double *errors)
{
    double all = 0;

    *errors = 0;
    for (size_t i = 0; i < sc->n; i++) {
        const char *code;

        if (strcmp(sc->v[i].name, "aiwb_requests_total") != 0)
            continue;
        all += sc->v[i].value;
        code = label_of(&sc->v[i], "code");
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
traffic_table(struct mon *m, const struct scrape *cur, const struct scrape *prev)
{
    struct aiwb_table *t = table_new("traffic");
    double err, perr = 0, req = requests_of(cur, &err) - (double)cur->own, secs, rows, conns;
    char window[64];

    rows = value_of(cur, "aiwb_predictions_total", NULL, NULL);
    conns = value_of(cur, "aiwb_connections_open", NULL, NULL) - 1; /* not monitor's */
    if (prev != NULL) {
        req -= requests_of(prev, &perr) - (double)prev->own;
        err -= perr;
        rows -= value_of(prev, "aiwb_predictions_total", NULL, NULL);
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
latency_table(struct mon *m, const struct scrape *cur, const struct scrape *prev)
{
    struct aiwb_table *t = table_new("latency (ms)");
    struct hist h, old;

    hist_get(cur, "aiwb_request_duration_seconds", &h);
    if (prev != NULL) {
        hist_get(prev, "aiwb_request_duration_seconds", &old);
        hist_minus(&h, &old);
        hist_release(&old);
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
    table_real(t, hist_quantile(&h, 0.50) * 1000);
    table_real(t, hist_quantile(&h, 0.90) * 1000);
    table_real(t, hist_quantile(&h, 0.99) * 1000);
    if (m->explain)
        table_note(t, "percentiles interpolated in the latency buckets, as Prometheus' "
                      "histogram_quantile; monitor's own requests included");
    output_table(&m->s->out, t);
    table_free(t);
    hist_release(&h);
}

/* The predictions by class or cluster: rows, share, share in the window. */
static void
class_table(struct mon *m, const struct scrape *cur, const struct scrape *prev)
{
    struct aiwb_table *t = table_new("predictions");
    double total = 0, recent = 0;

    for (size_t i = 0; i < cur->n; i++)
        if (strcmp(cur->v[i].name, "aiwb_predicted_class_total") == 0) {
            const char *c = label_of(&cur->v[i], "class");

            total += cur->v[i].value;
            recent += cur->v[i].value -
                      (prev != NULL && c != NULL ? value_of(prev, cur->v[i].name, "class", c) : 0);
        }
    table_column(t, task_is(m, "clustering") ? "cluster" : "class", AIWB_TABLE_TEXT);
    table_column(t, "rows", AIWB_TABLE_INT);
    table_column(t, "share", AIWB_TABLE_REAL);
    table_column(t, "recent share", AIWB_TABLE_REAL);
    table_digits(t, 2, 3);
    table_digits(t, 3, 3);
    for (size_t i = 0; i < cur->n; i++) {
        const char *c = label_of(&cur->v[i], "class");
        double before;

        if (strcmp(cur->v[i].name, "aiwb_predicted_class_total") != 0 || c == NULL)
            continue;
        before = prev != NULL ? value_of(prev, cur->v[i].name, "class", c) : NAN;
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
value_table(struct mon *m, const struct scrape *cur, const struct scrape *prev)
{
    struct aiwb_table *t = table_new("predictions");
    struct hist h, old, win;
    char lo[NUMFMT_BUFSZ], hi[NUMFMT_BUFSZ];

    hist_get(cur, "aiwb_prediction_value", &h);
    hist_get(cur, "aiwb_prediction_value", &win);
    if (prev != NULL) {
        hist_get(prev, "aiwb_prediction_value", &old);
        hist_minus(&win, &old);
        hist_release(&old);
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
    hist_release(&h);
    hist_release(&win);
}

/* A regressor's predictions without buckets (no training target to take
 * deciles of): their number and mean. */
static void
mean_table(struct mon *m, const struct scrape *cur, const struct scrape *prev)
{
    struct aiwb_table *t = table_new("predictions");
    double n = value_of(cur, "aiwb_prediction_value_count", NULL, NULL),
           sum = value_of(cur, "aiwb_prediction_value_sum", NULL, NULL), pn = 0, psum = 0;

    if (prev != NULL) {
        pn = value_of(prev, "aiwb_prediction_value_count", NULL, NULL);
        psum = value_of(prev, "aiwb_prediction_value_sum", NULL, NULL);
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
predictions_table(struct mon *m, const struct scrape *cur, const struct scrape *prev)
{
    if (find(cur, "aiwb_predicted_class_total", NULL, NULL) != NULL) {
        class_table(m, cur, prev);
    } else if (find(cur, "aiwb_prediction_value_count", NULL, NULL) != NULL) {
        struct hist h;
        size_t buckets;

        hist_get(cur, "aiwb_prediction_value", &h);
        buckets = h.n;
        hist_release(&h);
        if (buckets >= 2)
            value_table(m, cur, prev);
        else
            mean_table(m, cur, prev);
    } else {
        struct aiwb_table *t = table_new("predictions");
        double rows = value_of(cur, "aiwb_predictions_total", NULL, NULL),
               lists = value_of(cur, "aiwb_recommendations_total", NULL, NULL);

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
drift_table(struct mon *m, const struct scrape *cur)
{
    struct aiwb_table *t;
    struct strbuf alarms = STRBUF_INIT;
    size_t nalarms = 0;

    if (find(cur, "aiwb_feature_psi", NULL, NULL) == NULL) {
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
        const char *f = label_of(&cur->v[i], "feature");
        double alarm;

        if (strcmp(cur->v[i].name, "aiwb_feature_psi") != 0 || f == NULL)
            continue;
        alarm = value_of(cur, "aiwb_feature_change_alarm", "feature", f);
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
feedback_table(struct mon *m, const struct scrape *cur)
{
    struct aiwb_table *t;
    double acc = value_of(cur, "aiwb_live_accuracy", NULL, NULL),
           mae = value_of(cur, "aiwb_live_mae", NULL, NULL),
           rmse = value_of(cur, "aiwb_live_rmse", NULL, NULL),
           alarm = value_of(cur, "aiwb_error_change_alarm", NULL, NULL),
           fired = value_of(cur, "aiwb_error_change_alarms_total", NULL, NULL);
    int classify = find(cur, "aiwb_live_accuracy", NULL, NULL) != NULL,
        regress = find(cur, "aiwb_live_mae", NULL, NULL) != NULL;

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
    table_int(t, (int64_t)value_of(cur, "aiwb_feedback_total", NULL, NULL));
    table_int(t, (int64_t)value_of(cur, "aiwb_feedback_matched_total", NULL, NULL));
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
refusal(const struct mon *m, const char *page, const struct answer *a)
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
static struct scrape *
scrape(struct mon *m, int *stopped, char **cause)
{
    struct answer a = {0, "", STRBUF_INIT};
    struct scrape *sc = NULL;
    int64_t at = now_ms();
    char when[32];
    int rc;

    iso_now(when);
    jobs_release();
    rc = http_get(&m->t, "metrics", m->token, &a, cause);
    jobs_reacquire();
    *stopped = rc == GET_STOPPED;
    if (rc != GET_OK)
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
    if (sc == NULL || find(sc, "aiwb_model_info", NULL, NULL) == NULL) {
        if (*cause == NULL)
            *cause = xasprintf("'%smetrics' has no aiwb_model_info: not an aiwb server", m->t.url);
        scrape_free(sc);
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
take_model(struct mon *m, const struct scrape *sc)
{
    const struct sample *info = find(sc, "aiwb_model_info", NULL, NULL);
    const char *names[] = {"model", "version", "algorithm", "task"};
    char **fields[] = {&m->model, &m->version, &m->algorithm, &m->task};
    int changed = 0;

    for (size_t i = 0; i < 4; i++) {
        const char *v = label_of(info, names[i]);

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
    struct answer a = {0, "", STRBUF_INIT};
    char *cause = NULL;
    int rc;

    meta_release(&m->meta);
    m->uptime = NAN;
    jobs_release();
    rc = http_get(&m->t, "metadata", m->token, &a, &cause);
    jobs_reacquire();
    m->own += rc == GET_OK;
    if (rc == GET_OK && a.status == 200 && a.body.len > 0)
        js_members(a.body.buf, a.body.buf + a.body.len, on_meta, &m->meta);
    free(cause);
    cause = NULL;
    if (rc != GET_STOPPED) {
        jobs_release();
        rc = http_get(&m->t, "health", NULL, &a, &cause); /* needs no token */
        jobs_reacquire();
        m->own += rc == GET_OK;
        if (rc == GET_OK && a.status == 200 && a.body.len > 0)
            js_members(a.body.buf, a.body.buf + a.body.len, on_health, &m->uptime);
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
restarted(const struct scrape *cur, const struct scrape *prev)
{
    double e, pe;

    static const char *const counters[] = {"aiwb_predictions_total", "aiwb_connections_total",
                                           "aiwb_feedback_total"};

    if (requests_of(cur, &e) < requests_of(prev, &pe))
        return 1;
    for (size_t i = 0; i < sizeof counters / sizeof counters[0]; i++)
        if (value_of(cur, counters[i], NULL, NULL) < value_of(prev, counters[i], NULL, NULL))
            return 1;
    return 0;
}

/* CUR is the first scrape of a server (or of its new start): no window
 * before it, *PREV dropped, /metadata and /health read again. */
static void
new_start(struct mon *m, struct scrape *cur, struct scrape **prev)
{
    scrape_free(*prev);
    *prev = NULL;
    cur->own = 0;
    m->own = 1;
    fetch_extras(m);
}

/* Print snapshot K of CUR (PREV: the scrape before, or NULL for totals). */
static void
print_snapshot(struct mon *m, int k, const struct scrape *cur, const struct scrape *prev)
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
curve_step(int k, const struct scrape *cur, const struct scrape *prev)
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
        int64_t left = at_ms - now_ms();
        struct timespec ts;

        if ((stopped = jobs_stopping()) != 0 || left <= 0)
            break;
        if (left > SLICE_MS)
            left = SLICE_MS;
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
    struct scrape *prev = NULL, *cur = NULL;
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
    if (target_parse(argv[0], &m.t, &cause) < 0) {
        cmd_error(s, "monitor: %s", cause);
        goto out;
    }
    next = now_ms();
    for (k = 1; times == 0 || (size_t)k <= times; k++) {
        if (k > 1 && (stopped = pause_until(next)) != 0)
            break;
        /* a slow answer delays the next snapshots instead of bunching them */
        next = (next > now_ms() ? next : now_ms()) + (int64_t)(m.every * 1000);
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
        scrape_free(prev);
        prev = cur;
        cur = NULL;
    }
    if (stopped && !jobs_in_job())
        output_say(&s->out, "monitor: stopped after %d snapshot%s", k - 1, k == 2 ? "" : "s");
    rc = CMD_OK;
out:
    free(cause);
    scrape_free(prev);
    scrape_free(cur);
    target_release(&m.t);
    meta_release(&m.meta);
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
