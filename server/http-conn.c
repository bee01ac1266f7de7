/*
 * http-conn.c - the workers of the server core: each runs its own
 * edge-triggered epoll loop over its own SO_REUSEPORT listener, so that a
 * connection lives and dies on one thread with no lock and no hand-off.
 * Deadlines sit on intrusive lists, one per timeout kind (equal durations
 * keep each list sorted). Answers are built in the connection's output
 * buffer and sent with one send() per batch of requests read.
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

#include "http-int.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

static const uint64_t latency_bounds_ns[HTTP_LATENCY_BUCKETS] = {
    10000,    25000,     50000,
    100000,   250000,    500000,    1000000,   2500000,    5000000,     10000000,    25000000,
    50000000, 100000000, 250000000, 500000000, 1000000000, 2500000000u, 5000000000u, 10000000000u,
};

static void conn_serve(struct worker *w, struct conn *c);

static char *
put_u64(char *p, uint64_t v)
{
    char tmp[20];
    int n = 0;

    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *p++ = tmp[--n];
    return p;
}

/* Constant-time comparison of the secret S with the offered A (time depends
 * on the lengths only). */
static int
equal_secret(const char *a, size_t alen, const char *s, size_t slen)
{
    volatile unsigned char diff = alen != slen;
    size_t i;

    for (i = 0; i < slen; i++)
        diff |= (unsigned char)(s[i] ^ (i < alen ? a[i] : 0));
    return diff == 0;
}

static void
timer_unlink(struct worker *w, struct conn *c)
{
    struct timer_list *l;

    if (c->timer == T_NONE)
        return;
    l = &w->timers[c->timer];
    if (c->tprev)
        c->tprev->tnext = c->tnext;
    else
        l->head = c->tnext;
    if (c->tnext)
        c->tnext->tprev = c->tprev;
    else
        l->tail = c->tprev;
    c->tprev = c->tnext = NULL;
    c->timer = T_NONE;
}

/* Put C on the KIND list; its deadline restarts if RESTART or if it moves. */
static void
timer_set(struct worker *w, struct conn *c, int kind, int restart)
{
    struct timer_list *l = &w->timers[kind];

    if (c->timer == kind && !restart)
        return;
    timer_unlink(w, c);
    c->deadline = w->now + l->ms;
    c->tprev = l->tail;
    c->tnext = NULL;
    if (l->tail)
        l->tail->tnext = c;
    else
        l->head = c;
    l->tail = c;
    c->timer = (uint8_t)kind;
}

/* Take C off the ready list (short, and closing one on it is rare). */
static void
ready_remove(struct worker *w, struct conn *c)
{
    struct conn **p = &w->ready;

    while (*p && *p != c)
        p = &(*p)->rnext;
    if (*p)
        *p = c->rnext;
    c->rnext = NULL;
    c->ready = 0;
}

static void
conn_close(struct worker *w, struct conn *c)
{
    if (c->closed)
        return;
    if (c->ready)
        ready_remove(w, c);
    close(c->fd);
    c->fd = -1;
    c->closed = 1;
    timer_unlink(w, c);
    w->nconns--;
    atomic_fetch_sub(&w->srv->nconns, 1);
    c->link = w->closed_conns;
    w->closed_conns = c;
}

/* Back to the free list the connections closed during this loop turn (not
 * before: later events of the same batch may still name them). */
static void
conn_recycle(struct worker *w)
{
    while (w->closed_conns) {
        struct conn *c = w->closed_conns;

        w->closed_conns = c->link;
        if (c->in_cap > BUF_KEEP) {
            free(c->in);
            c->in = NULL;
            c->in_cap = 0;
        }
        if (c->out_cap > BUF_KEEP) {
            free(c->out);
            c->out = NULL;
            c->out_cap = 0;
        }
        c->link = w->free_conns;
        w->free_conns = c;
    }
}

static int
conn_open(struct worker *w, int fd)
{
    struct epoll_event ev;
    struct conn *c = w->free_conns;
    int one = 1;

    if (c)
        w->free_conns = c->link;
    else if (!(c = calloc(1, sizeof(*c))))
        return -1;
    c->fd = fd;
    c->timer = T_NONE;
    c->readable = c->rdhup = c->eof = c->closing = c->lingering = c->closed = c->ready = 0;
    c->head_only = 0;
    c->requests = 0;
    c->tprev = c->tnext = c->link = c->rnext = NULL;
    c->in_start = c->in_end = 0;
    memset(&c->scan, 0, sizeof(c->scan));
    c->head_len = 0;
    c->body_len = c->discard = 0;
    c->route = NULL;
    c->out_off = c->out_end = 0;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.ptr = c;
    if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
        c->link = w->free_conns;
        w->free_conns = c;
        return -1;
    }
    w->nconns++;
    bump(&w->stats.accepted, 1);
    timer_set(w, c, T_IDLE, 1);
    return 0;
}

static void
record(struct worker *w, int status, uint64_t ns)
{
    unsigned b = 0;

    if (status >= 100 && status <= 599)
        bump(&w->stats.responses[status - 100], 1);
    while (b < HTTP_LATENCY_BUCKETS && ns > latency_bounds_ns[b])
        b++;
    bump(&w->stats.buckets[b], 1);
    bump(&w->stats.latency_ns, ns);
}

static void
update_date(struct worker *w)
{
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t t = time(NULL);
    struct tm tm;
    int n;

    if (t == w->date_sec && w->date_len)
        return;
    w->date_sec = t;
    gmtime_r(&t, &tm);
    n = snprintf(w->date, sizeof(w->date), "Date: %s, %02d %s %04d %02d:%02d:%02d GMT\r\n",
                 days[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12], tm.tm_year + 1900,
                 tm.tm_hour, tm.tm_min, tm.tm_sec);
    w->date_len = n > 0 && (size_t)n < sizeof(w->date) ? (size_t)n : 0;
}

/* Room for NEED more bytes of output. */
static int
out_reserve(struct conn *c, size_t need)
{
    if (c->out_off == c->out_end)
        c->out_off = c->out_end = 0;
    if (c->out_cap - c->out_end >= need)
        return 0;
    if (c->out_off) {
        memmove(c->out, c->out + c->out_off, c->out_end - c->out_off);
        c->out_end -= c->out_off;
        c->out_off = 0;
        if (c->out_cap - c->out_end >= need)
            return 0;
    }
    return http_grow(&c->out, &c->out_cap, c->out_end + need, 4096);
}

/*
 * Append the answer RES to C's output: status line, Date, Content-Type and
 * Content-Length (not for 204/304), Connection, the extra headers, the body
 * (not for HEAD). Records the status and LATENCY_NS. Returns 0, -1 when out
 * of memory.
 */
static int
conn_queue(struct worker *w, struct conn *c, struct http_response *res, int version, int head_only,
           int keep_alive, uint64_t t0)
{
    const char *reason;
    size_t rlen, need;
    int has_body, status;
    char *p;

    if (res->failed)
        http_res_error(res, 500, "out of memory building the answer");
    else if (res->status < 200 || res->status > 599)
        http_res_error(res, 500, "invalid status set by the handler");
    if (res->failed)
        return -1;
    status = res->status;
    has_body = status != 204 && status != 304;
    reason = http_reason(status);
    rlen = strlen(reason);
    need = 9 + 4 + rlen + 2 + w->date_len + 16 + res->ctype_len + 2 + 18 + 20 + 2 + 24 + res->hlen +
           2 + (has_body && !head_only ? res->len : 0);
    if (out_reserve(c, need) < 0)
        return -1;
    p = c->out + c->out_end;
    p = PUT_LIT(p, "HTTP/1.1 ");
    *p++ = (char)('0' + status / 100);
    *p++ = (char)('0' + status / 10 % 10);
    *p++ = (char)('0' + status % 10);
    *p++ = ' ';
    p = put(p, reason, rlen);
    p = PUT_LIT(p, "\r\n");
    p = put(p, w->date, w->date_len);
    if (has_body) {
        p = PUT_LIT(p, "Content-Type: ");
        p = put(p, res->ctype, res->ctype_len);
        p = PUT_LIT(p, "\r\nContent-Length: ");
        p = put_u64(p, res->len);
        p = PUT_LIT(p, "\r\n");
    }
    if (!keep_alive)
        p = PUT_LIT(p, "Connection: close\r\n");
    else if (version == 10)
        p = PUT_LIT(p, "Connection: keep-alive\r\n");
    p = put(p, res->hdrs, res->hlen);
    p = PUT_LIT(p, "\r\n");
    if (has_body && !head_only)
        p = put(p, res->body, res->len);
    c->out_end = (size_t)(p - c->out);
    record(w, status, now_ns() - t0);
    if (!keep_alive)
        c->closing = 1;
    return 0;
}

/* Forget the request under way (its bytes stay for the caller to skip). */
static void
conn_next_request(struct conn *c)
{
    memset(&c->scan, 0, sizeof(c->scan));
    c->head_len = 0;
    c->body_len = 0;
    c->route = NULL;
    c->head_only = 0;
}

/* Answer the JSON error STATUS MSG and close after it: framing is lost. */
static int
conn_fail(struct worker *w, struct conn *c, int status, const char *msg)
{
    uint64_t t0 = now_ns();

    http_res_reset(&w->res);
    http_res_error(&w->res, status, msg);
    conn_next_request(c);
    c->in_start = c->in_end;
    return conn_queue(w, c, &w->res, 11, 0, 0, t0);
}

static int
wants_keep_alive(const struct worker *w, const struct conn *c, const struct http_head *h)
{
    unsigned max = w->srv->cfg.max_requests_per_connection;

    if (w->draining || (h->flags & HTTP_HEAD_CLOSE) ||
        atomic_load_explicit(&w->srv->stopping, memory_order_relaxed))
        return 0;
    if (h->version == 10 && !(h->flags & HTTP_HEAD_KEEP_ALIVE))
        return 0;
    return !max || c->requests + 1 < max;
}

/* 1 if the request carries the server's token, 0 if none, -1 if another. */
static int
check_token(const struct http_server *srv, const char *base, const struct http_head *h)
{
    unsigned i;

    for (i = 0; i < h->nfields; i++) {
        const struct http_field *f = &h->fields[i];
        const char *v = base + f->value;
        size_t n = f->value_len, k = 6;

        if (f->name_len != 13 || strncasecmp(base + f->name, "authorization", 13) != 0)
            continue;
        if (n < 7 || strncasecmp(v, "bearer", 6) != 0 || v[6] != ' ')
            return -1;
        while (k < n && v[k] == ' ')
            k++;
        return equal_secret(v + k, n - k, srv->token, srv->token_len) ? 1 : -1;
    }
    return 0;
}

/*
 * Decide on the request whose head H was just parsed: the route, or an
 * answer of 401, 404 or 405 sent at once (the body, if any, skipped).
 * Returns 1 if the request goes on to its handler, 0 if answered, -1 when
 * out of memory.
 */
static int
conn_admit(struct worker *w, struct conn *c, const struct http_head *h)
{
    struct http_server *srv = w->srv;
    const char *base = c->in + c->in_start;
    const char *method = base + h->method, *path = base + h->path;
    const struct route *match = NULL, *get = NULL;
    struct http_response *res = &w->res;
    int known = 0, public = 0, head_route = 0, head_only, keep, r;
    char allow[256];
    size_t i, alen = 0, avail;
    uint64_t t0;

    for (i = 0; i < srv->nroutes; i++) {
        const struct route *rt = &srv->routes[i];

        if (rt->path_len != h->path_len || memcmp(rt->path, path, h->path_len) != 0)
            continue;
        known = 1;
        public |= (rt->flags & HTTP_ROUTE_PUBLIC) != 0;
        if (rt->method_len == h->method_len && memcmp(rt->method, method, h->method_len) == 0)
            match = rt;
        if (rt->method_len == 3 && memcmp(rt->method, "GET", 3) == 0)
            get = rt;
        if (rt->method_len == 4 && memcmp(rt->method, "HEAD", 4) == 0)
            head_route = 1;
    }
    /* Every answer to HEAD goes without its body, errors included. */
    c->head_only = h->method_len == 4 && memcmp(method, "HEAD", 4) == 0;
    if (!match && get && c->head_only)
        match = get;
    if (match && (!srv->token || public || (r = check_token(srv, base, h)) == 1)) {
        c->route = match;
        return 1;
    }
    t0 = now_ns();
    http_res_reset(res);
    if (srv->token && !public && (r = check_token(srv, base, h)) != 1) {
        http_res_error(res, 401, r == 0 ? "missing bearer token" : "wrong bearer token");
        http_response_header(res, "WWW-Authenticate",
                             r == 0 ? "Bearer" : "Bearer error=\"invalid_token\"");
    } else if (!known) {
        http_res_error(res, 404, "no such path");
    } else if (!match) {
        http_res_error(res, 405, "method not allowed on this path");
        for (i = 0; i < srv->nroutes; i++) {
            const struct route *rt = &srv->routes[i];

            if (rt->path_len != h->path_len || memcmp(rt->path, path, h->path_len) != 0 ||
                alen + rt->method_len + 2 >= sizeof(allow) - 8)
                continue;
            if (alen)
                alen += (size_t)snprintf(allow + alen, sizeof(allow) - alen, ", ");
            memcpy(allow + alen, rt->method, rt->method_len);
            alen += rt->method_len;
        }
        allow[alen] = '\0';
        if (get && !head_route)
            memcpy(allow + alen, ", HEAD", 7);
        http_response_header(res, "Allow", allow);
    }
    keep = wants_keep_alive(w, c, h);
    avail = c->in_end - c->in_start;
    if (c->body_len && avail < c->head_len + c->body_len && (h->flags & HTTP_HEAD_CONTINUE))
        keep = 0; /* the client may or may not send the body now */
    if (avail >= c->head_len + c->body_len) {
        c->in_start += c->head_len + c->body_len;
    } else {
        c->discard = c->head_len + c->body_len - avail;
        c->in_start = c->in_end;
    }
    c->requests++;
    head_only = c->head_only;
    conn_next_request(c);
    return conn_queue(w, c, res, h->version, head_only, keep, t0);
}

/* Room in C's input for the whole request under way (TOTAL bytes from
 * in_start, plus the NUL after the body). */
static int
conn_reserve_in(struct conn *c, size_t total)
{
    if (c->in_cap - c->in_start >= total)
        return 0;
    if (c->in_start) {
        memmove(c->in, c->in + c->in_start, c->in_end - c->in_start);
        c->in_end -= c->in_start;
        c->in_start = 0;
        if (c->in_cap >= total)
            return 0;
    }
    return http_grow(&c->in, &c->in_cap, total, IN_INITIAL);
}

/* Call the handler of the complete request at in_start, whose head is H. */
static int
conn_dispatch(struct worker *w, struct conn *c, const struct http_head *h)
{
    struct http_server *srv = w->srv;
    char *base = c->in + c->in_start;
    char *body = base + c->head_len;
    struct http_response *res = &w->res;
    struct request_internal ri;
    struct http_request req;
    uint64_t t0 = now_ns();
    unsigned i;
    char saved;
    int keep;

    base[h->method + h->method_len] = '\0';
    base[h->path + h->path_len] = '\0';
    base[h->query + h->query_len] = '\0';
    for (i = 0; i < h->nfields; i++) {
        base[h->fields[i].name + h->fields[i].name_len] = '\0';
        base[h->fields[i].value + h->fields[i].value_len] = '\0';
    }
    saved = body[c->body_len];
    body[c->body_len] = '\0';
    ri.head = h;
    ri.base = base;
    ri.id_prefix = srv->id_prefix;
    req.method = base + h->method;
    req.method_len = h->method_len;
    req.path = base + h->path;
    req.path_len = h->path_len;
    req.query = base + h->query;
    req.query_len = h->query_len;
    req.body = body;
    req.body_len = (size_t)c->body_len;
    req.version = h->version;
    req.worker = w->index;
    req.id = w->next_id++ * srv->nworkers + w->index + 1;
    req.internal_ = &ri;
    http_res_reset(res);
    bump(&w->stats.in_progress, 1);
    c->route->fn(&req, res, c->route->arg);
    drop(&w->stats.in_progress);
    body[c->body_len] = saved;
    keep = wants_keep_alive(w, c, h) && !res->close;
    c->requests++;
    return conn_queue(w, c, res, h->version, c->head_only, keep, t0);
}

/*
 * Answer every complete request in C's input, in order, until the output
 * grows past OUT_HIGH_WATER or the connection is to close. Returns 0, or -1
 * when out of memory (close it).
 */
static int
conn_process(struct worker *w, struct conn *c)
{
    struct http_server *srv = w->srv;
    struct http_head *h = &w->head;

    while (!c->closing && c->out_end - c->out_off < OUT_HIGH_WATER) {
        size_t avail = c->in_end - c->in_start;
        int r;

        if (c->discard) {
            size_t n = avail < c->discard ? avail : (size_t)c->discard;

            c->in_start += n;
            c->discard -= n;
            if (c->discard)
                return 0;
            continue;
        }
        if (!c->head_len) {
            if (avail == 0)
                return 0;
            r = http_scan_head(&c->scan, c->in + c->in_start, avail, &srv->lim, h);
            if (r == 0)
                return 0;
            if (r < 0 || http_parse_head(c->in + c->in_start, (size_t)r, &srv->lim, h) < 0)
                return conn_fail(w, c, h->status, h->message);
            w->head_owner = c;
            c->head_len = (uint32_t)r;
            c->body_len = h->content_length;
            r = conn_admit(w, c, h);
            if (r <= 0)
                return r;
            /* The buffer grows as the body arrives, not on its announced
             * length: announcing costs a client nothing. */
            if (c->body_len && avail < c->head_len + c->body_len) {
                if (h->flags & HTTP_HEAD_CONTINUE) {
                    if (out_reserve(c, 25) < 0)
                        return -1;
                    memcpy(c->out + c->out_end, "HTTP/1.1 100 Continue\r\n\r\n", 25);
                    c->out_end += 25;
                }
            }
        }
        if (avail < c->head_len + c->body_len)
            return 0;
        if (conn_reserve_in(c, c->head_len + c->body_len + 1) < 0)
            return -1;
        if (w->head_owner != c) {
            /* Another connection's head was parsed since: parse ours again
             * (same bytes, so it succeeds as it did). */
            if (http_parse_head(c->in + c->in_start, c->head_len, &srv->lim, h) < 0)
                return conn_fail(w, c, h->status, h->message);
            w->head_owner = c;
        }
        if (conn_dispatch(w, c, h) < 0)
            return -1;
        w->head_owner = NULL;
        c->in_start += c->head_len + c->body_len;
        conn_next_request(c);
    }
    return 0;
}

/* Send what is in C's output. Returns 0 (some may remain: EAGAIN), -1 on a
 * socket error. */
static int
conn_flush(struct worker *w, struct conn *c)
{
    int progress = 0;

    while (c->out_off < c->out_end) {
        ssize_t n = send(c->fd, c->out + c->out_off, c->out_end - c->out_off, MSG_NOSIGNAL);

        if (n > 0) {
            c->out_off += (size_t)n;
            progress = 1;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            timer_set(w, c, T_WRITE, progress);
            return 0;
        }
        return -1;
    }
    c->out_off = c->out_end = 0;
    return 0;
}

/* Make room to read into C's input. Returns 0 or -1 (out of memory). */
static int
conn_make_room(struct worker *w, struct conn *c)
{
    if (c->in_start == c->in_end)
        c->in_start = c->in_end = 0;
    if (c->in_cap - c->in_end >= IN_MIN_ROOM)
        return 0;
    if (c->in_start) {
        memmove(c->in, c->in + c->in_start, c->in_end - c->in_start);
        c->in_end -= c->in_start;
        c->in_start = 0;
        if (c->in_cap - c->in_end >= IN_MIN_ROOM)
            return 0;
    }
    if (c->in_cap >= w->srv->in_max)
        return c->in_cap > c->in_end ? 0 : -1;
    return http_grow(&c->in, &c->in_cap, c->in_end + IN_MIN_ROOM, IN_INITIAL);
}

/* One read. Returns 1 if bytes came, 0 if none (EAGAIN or EOF), -1 on an
 * error that closes the connection. */
static int
conn_read(struct worker *w, struct conn *c)
{
    size_t room;
    ssize_t n;

    if (conn_make_room(w, c) < 0)
        return -1;
    room = c->in_cap - c->in_end;
    n = recv(c->fd, c->in + c->in_end, room, 0);
    if (n > 0) {
        c->in_end += (size_t)n;
        /* Edge-triggered: a short read emptied the socket, and new bytes
         * will raise a new event; but a FIN reported with this event raises
         * none, so then read on until recv says EOF. */
        if ((size_t)n < room && !c->rdhup)
            c->readable = 0;
        return 1;
    }
    if (n == 0) {
        c->eof = 1;
        c->readable = 0;
        return 0;
    }
    if (errno == EINTR)
        return 1;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
        c->readable = 0;
        return 0;
    }
    return -1;
}

/* Discard input after the last answer until EOF, LINGER_BYTES or the
 * linger deadline, so that closing does not reset the connection (and lose
 * the answer) while the client is still sending. */
static void
conn_linger(struct worker *w, struct conn *c)
{
    for (;;) {
        ssize_t n = recv(c->fd, w->sink, sizeof(w->sink), 0);

        if (n > 0) {
            c->discard += (size_t)n;
            if (c->discard > LINGER_BYTES)
                break;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        break;
    }
    conn_close(w, c);
}

/* All output is written and the connection is to close. */
static void
conn_finish(struct worker *w, struct conn *c)
{
    if (c->eof) {
        conn_close(w, c);
        return;
    }
    shutdown(c->fd, SHUT_WR);
    c->lingering = 1;
    c->discard = 0;
    c->in_start = c->in_end = 0;
    timer_set(w, c, T_LINGER, 1);
    conn_linger(w, c);
}

static int
conn_busy(const struct conn *c)
{
    return c->in_end > c->in_start || c->head_len || c->discard;
}

static void
ready_push(struct worker *w, struct conn *c)
{
    if (c->ready)
        return;
    c->ready = 1;
    c->rnext = w->ready;
    w->ready = c;
}

/*
 * Do all C can do now: write pending output, answer complete requests, read
 * more, until the socket is empty or full; then choose its deadline.
 */
static void
conn_serve(struct worker *w, struct conn *c)
{
    uint32_t answered = c->requests;
    int reads = 0;

    for (;;) {
        if (c->out_end > c->out_off) {
            if (conn_flush(w, c) < 0) {
                conn_close(w, c);
                return;
            }
            if (c->out_end > c->out_off) {
                timer_set(w, c, T_WRITE, 0);
                return;
            }
        }
        if (c->closing) {
            conn_finish(w, c);
            return;
        }
        if (conn_process(w, c) < 0) {
            conn_close(w, c);
            return;
        }
        if (c->out_end > c->out_off || c->closing)
            continue;
        if (!c->readable)
            break;
        if (++reads > READS_PER_EVENT) {
            ready_push(w, c);
            break;
        }
        if (conn_read(w, c) < 0) {
            conn_close(w, c);
            return;
        }
    }
    if (c->eof || (w->draining && !conn_busy(c))) {
        conn_close(w, c);
        return;
    }
    if (conn_busy(c))
        timer_set(w, c, T_REQUEST, c->timer != T_REQUEST || c->requests != answered);
    else
        timer_set(w, c, T_IDLE, c->timer != T_IDLE || c->requests != answered);
    /* Buffers grown for one big request or answer are not kept idle. */
    if (!conn_busy(c) && c->in_cap > BUF_KEEP) {
        free(c->in);
        c->in = NULL;
        c->in_cap = c->in_start = c->in_end = 0;
    }
    if (c->out_cap > BUF_KEEP) {
        free(c->out);
        c->out = NULL;
        c->out_cap = c->out_off = c->out_end = 0;
    }
}

static void
conn_event(struct worker *w, struct conn *c, uint32_t events)
{
    if (c->closed)
        return;
    if (events & EPOLLERR) {
        conn_close(w, c);
        return;
    }
    if (c->lingering) {
        conn_linger(w, c);
        return;
    }
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP))
        c->readable = 1;
    if (events & (EPOLLRDHUP | EPOLLHUP))
        c->rdhup = 1;
    conn_serve(w, c);
}

/* A deadline passed. */
static void
conn_expire(struct worker *w, struct conn *c)
{
    int kind = c->timer;
    char msg[64];

    timer_unlink(w, c);
    if (kind != T_REQUEST) {
        conn_close(w, c);
        return;
    }
    snprintf(msg, sizeof(msg), "request not received within %u ms", w->srv->cfg.request_timeout_ms);
    if (conn_fail(w, c, 408, msg) < 0) {
        conn_close(w, c);
        return;
    }
    c->readable = 0;
    conn_serve(w, c);
}

static void
reject_connection(struct worker *w, int fd)
{
    static const char body[] = "{\"error\": \"too many connections\", \"status\": 503}";
    char buf[256];
    int n;

    n = snprintf(buf, sizeof(buf),
                 "HTTP/1.1 503 Service Unavailable\r\n%.*sContent-Type: application/json\r\n"
                 "Content-Length: %zu\r\nRetry-After: 1\r\nConnection: close\r\n\r\n%s",
                 (int)w->date_len, w->date, sizeof(body) - 1, body);
    if (n > 0 && (size_t)n < sizeof(buf) && send(fd, buf, (size_t)n, MSG_NOSIGNAL) > 0)
        bump(&w->stats.responses[503 - 100], 1);
    close(fd);
    bump(&w->stats.rejected, 1);
}

static void
accept_all(struct worker *w)
{
    struct http_server *srv = w->srv;
    int i;

    for (i = 0; i < ACCEPTS_PER_EVENT; i++) {
        int fd = accept4(w->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno == EMFILE || errno == ENFILE) {
                /* Accept and drop one, so that the listener does not stay
                 * readable; with no spare left, stop listening a while. */
                if (w->spare_fd >= 0) {
                    close(w->spare_fd);
                    fd = accept4(w->lfd, NULL, NULL, SOCK_CLOEXEC);
                    if (fd >= 0)
                        close(fd);
                    w->spare_fd = eventfd(0, EFD_CLOEXEC);
                    continue;
                }
                epoll_ctl(w->epfd, EPOLL_CTL_DEL, w->lfd, NULL);
                w->listen_paused = 1;
                w->listen_resume = w->now + ACCEPT_PAUSE_MS;
            }
            return;
        }
        if (atomic_fetch_add(&srv->nconns, 1) >= srv->cfg.max_connections) {
            atomic_fetch_sub(&srv->nconns, 1);
            reject_connection(w, fd);
            continue;
        }
        if (conn_open(w, fd) < 0) {
            close(fd);
            atomic_fetch_sub(&srv->nconns, 1);
        }
    }
}

static void
close_list(struct worker *w, int kind)
{
    while (w->timers[kind].head)
        conn_close(w, w->timers[kind].head);
}

static void
drain_begin(struct worker *w)
{
    if (w->draining)
        return;
    w->draining = 1;
    w->drain_deadline = w->now + w->srv->cfg.drain_timeout_ms;
    epoll_ctl(w->epfd, EPOLL_CTL_DEL, w->srv->stopfd, NULL);
    if (w->lfd >= 0) {
        epoll_ctl(w->epfd, EPOLL_CTL_DEL, w->lfd, NULL);
        close(w->lfd);
        w->lfd = -1;
    }
    close_list(w, T_IDLE);
}

static int
next_timeout(const struct worker *w)
{
    uint64_t next = UINT64_MAX;
    int k;

    if (w->ready)
        return 0;
    for (k = 0; k < T_KINDS; k++)
        if (w->timers[k].head && w->timers[k].head->deadline < next)
            next = w->timers[k].head->deadline;
    if (w->draining && w->drain_deadline < next)
        next = w->drain_deadline;
    if (w->listen_paused && w->listen_resume < next)
        next = w->listen_resume;
    if (next == UINT64_MAX)
        return -1;
    if (next <= w->now)
        return 0;
    return next - w->now > 60000 ? 60000 : (int)(next - w->now);
}

static void
serve_ready(struct worker *w)
{
    struct conn *list = w->ready;

    w->ready = NULL;
    /* New pushes go to a fresh list, served next turn: no connection can
     * starve the others. conn_serve closes no connection but its own. */
    while (list) {
        struct conn *c = list;

        list = c->rnext;
        c->rnext = NULL;
        c->ready = 0;
        if (!c->closed && !c->lingering)
            conn_serve(w, c);
    }
}

static void
expire_all(struct worker *w)
{
    int k;

    for (k = 0; k < T_KINDS; k++)
        while (w->timers[k].head && w->timers[k].head->deadline <= w->now)
            conn_expire(w, w->timers[k].head);
    if (w->listen_paused && w->now >= w->listen_resume && !w->draining) {
        struct epoll_event ev;

        ev.events = EPOLLIN;
        ev.data.ptr = &w->tag_listen;
        if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->lfd, &ev) == 0)
            w->listen_paused = 0;
        else
            w->listen_resume = w->now + ACCEPT_PAUSE_MS;
    }
    if (w->draining && w->now >= w->drain_deadline)
        for (k = 0; k < T_KINDS; k++)
            close_list(w, k);
}

void *
http_worker_main(void *arg)
{
    struct worker *w = arg;
    struct epoll_event ev[MAX_EVENTS];

    w->now = now_ns() / 1000000;
    update_date(w);
    while (!w->draining || w->nconns) {
        int i, n = epoll_wait(w->epfd, ev, MAX_EVENTS, next_timeout(w));

        if (n < 0 && errno != EINTR)
            break;
        w->now = now_ns() / 1000000;
        update_date(w);
        for (i = 0; i < n; i++) {
            void *p = ev[i].data.ptr;

            if (p == &w->tag_stop)
                drain_begin(w);
            else if (p == &w->tag_listen)
                accept_all(w);
            else
                conn_event(w, p, ev[i].events);
        }
        serve_ready(w);
        expire_all(w);
        conn_recycle(w);
        if (atomic_load(&w->srv->stopping))
            drain_begin(w);
    }
    http_worker_close_all(w);
    return NULL;
}

void
http_worker_close_all(struct worker *w)
{
    int k;

    for (k = 0; k < T_KINDS; k++)
        close_list(w, k);
    conn_recycle(w);
}
