/*
 * monitor-http.c - the network side of `monitor URL`: the server's address
 * read from the URL, one plain HTTP/1.1 GET, and the few fields monitor reads
 * from /metadata and /health (JSON).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * HTTP goes through a plain socket, not libcurl: see cmd-monitor.c for why.
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
#include "core/strbuf.h"
#include "core/xalloc.h"
#include "repl/jobs.h"
#include "repl/monitor.h"

#define TIMEOUT_MS 10000       /* for one request, connecting included */
#define MAX_ANSWER (64u << 20) /* bytes of one answer */

static int
isdigit_c(int c)
{
    return c >= '0' && c <= '9';
}

/* ---- the server's address ---------------------------------------------- */

void
monitor_target_release(struct monitor_target *t)
{
    free(t->url);
    free(t->host);
    free(t->port);
    free(t->authority);
    free(t->prefix);
}

/* Read URL ("http://host[:port][/prefix/]", "host:port") into T; 0, or -1
 * with *cause set. A trailing "metrics" (the page itself) is dropped. */
int
monitor_target_parse(const char *text, struct monitor_target *t, char **cause)
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

int64_t
monitor_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait until FD is ready for EVENTS: MONITOR_GET_OK, MONITOR_GET_STOPPED (`stop` or Ctrl-C),
 * or MONITOR_GET_FAILED with errno ETIMEDOUT past DEADLINE (or poll's errno). */
static int
wait_fd(int fd, short events, int64_t deadline)
{
    for (;;) {
        struct pollfd pfd = {.fd = fd, .events = events};
        int64_t left = deadline - monitor_now_ms();
        int n;

        if (jobs_stopping())
            return MONITOR_GET_STOPPED;
        if (left <= 0) {
            errno = ETIMEDOUT;
            return MONITOR_GET_FAILED;
        }
        n = poll(&pfd, 1, left < MONITOR_SLICE_MS ? (int)left : MONITOR_SLICE_MS);
        if (n > 0)
            return MONITOR_GET_OK;
        if (n < 0 && errno != EINTR)
            return MONITOR_GET_FAILED;
    }
}

/* A socket connected to T's host; -1 with *cause set, or -2 when stopped. */
static int
dial(const struct monitor_target *t, int64_t deadline, char **cause)
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
            if (w == MONITOR_GET_STOPPED) {
                close(fd);
                freeaddrinfo(res);
                return -2;
            }
            if (w == MONITOR_GET_OK && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 &&
                err == 0)
                break;
            saved = w == MONITOR_GET_OK ? err : errno;
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
parse_head(const char *raw, const char *head_end, struct monitor_answer *a, int *chunked)
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

/* Read the whole answer from FD into A. MONITOR_GET_OK, MONITOR_GET_STOPPED, or MONITOR_GET_FAILED
 * with *cause set (WHERE: the page's URL). */
static int
read_answer(int fd, const char *where, int64_t deadline, struct monitor_answer *a, char **cause)
{
    struct strbuf raw = STRBUF_INIT;
    long long want = -1;
    size_t head = 0;
    int chunked = 0, rc = MONITOR_GET_FAILED;

    for (;;) {
        ssize_t got;
        int w = wait_fd(fd, POLLIN, deadline);

        if (w == MONITOR_GET_STOPPED) {
            rc = MONITOR_GET_STOPPED;
            goto out;
        }
        if (w != MONITOR_GET_OK) {
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
    rc = MONITOR_GET_OK;
out:
    strbuf_release(&raw);
    return rc;
}

/* GET T's page PAGE ("metrics") into A, with TOKEN as bearer token if not
 * NULL. MONITOR_GET_OK (any status), MONITOR_GET_STOPPED, or MONITOR_GET_FAILED with *cause set.
 * Touches nothing shared: runs with the session lock let go. */
int
monitor_http_get(const struct monitor_target *t, const char *page, const char *token,
                 struct monitor_answer *a, char **cause)
{
    int64_t deadline = monitor_now_ms() + TIMEOUT_MS;
    struct strbuf req = STRBUF_INIT;
    char *where = xasprintf("%s%s", t->url, page);
    size_t sent = 0;
    int fd, rc = MONITOR_GET_FAILED;

    a->status = 0;
    a->reason[0] = '\0';
    strbuf_reset(&a->body);
    fd = dial(t, deadline, cause);
    if (fd < 0) {
        free(where);
        return fd == -2 ? MONITOR_GET_STOPPED : MONITOR_GET_FAILED;
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

            if (w == MONITOR_GET_OK)
                continue;
            if (w == MONITOR_GET_STOPPED) {
                rc = MONITOR_GET_STOPPED;
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

void
monitor_meta_release(struct monitor_meta *m)
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
    struct monitor_meta *m = arg;
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
    struct monitor_meta *m = arg;

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

/* Read the members of /metadata's JSON object TEXT (LEN bytes) that monitor
 * uses into M. */
void
monitor_meta_read(const char *text, size_t len, struct monitor_meta *m)
{
    js_members(text, text + len, on_meta, m);
}

/* Read uptime_seconds of /health's JSON object TEXT (LEN bytes) into *UPTIME
 * (left alone if absent). */
void
monitor_health_read(const char *text, size_t len, double *uptime)
{
    js_members(text, text + len, on_health, uptime);
}
