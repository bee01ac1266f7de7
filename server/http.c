/*
 * http.c - the server core's life: settings, listening sockets, routes,
 * starting the workers, stopping and draining, and the counters summed.
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

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_THREADS 256

static void
set_cause(char **cause, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (!cause)
        return;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    *cause = malloc(n > 0 ? (size_t)n + 1 : 1);
    if (!*cause)
        return;
    va_start(ap, fmt);
    vsnprintf(*cause, (size_t)n + 1, fmt, ap);
    va_end(ap);
}

/* token68 (RFC 9110 11.2): what a bearer token may be made of. */
static int
is_token68(const char *s)
{
    size_t i, n = strlen(s);

    if (n == 0)
        return 0;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/' ||
              (c == '=' && i > 0)))
            return 0;
        if (c != '=' && i > 0 && s[i - 1] == '=')
            return 0;
    }
    return 1;
}

void
http_config_init(struct http_config *cfg)
{
    cfg->bind = "127.0.0.1";
    cfg->port = 8080;
    cfg->threads = 0;
    cfg->token = NULL;
    cfg->max_header_bytes = 8192;
    cfg->max_header_fields = 100;
    cfg->max_body_bytes = 1024 * 1024;
    cfg->request_timeout_ms = 10000;
    cfg->idle_timeout_ms = 10000;
    cfg->write_timeout_ms = 10000;
    cfg->drain_timeout_ms = 30000;
    cfg->max_connections = 1024;
    cfg->max_requests_per_connection = 0;
}

static int
check_config(const struct http_config *cfg, char **cause)
{
    if (cfg->port > 65535) {
        set_cause(cause, "port %u out of range (0-65535)", cfg->port);
        return -1;
    }
    if (cfg->max_header_bytes < 64 || cfg->max_header_bytes > 1024 * 1024) {
        set_cause(cause, "max_header_bytes %zu out of range (64-1048576)", cfg->max_header_bytes);
        return -1;
    }
    if (cfg->max_header_fields < 1 || cfg->max_header_fields > 10000) {
        set_cause(cause, "max_header_fields %u out of range (1-10000)", cfg->max_header_fields);
        return -1;
    }
    if (cfg->max_body_bytes > (size_t)1 << 30) {
        set_cause(cause, "max_body_bytes %zu over the limit of 1 GiB", cfg->max_body_bytes);
        return -1;
    }
    if (!cfg->request_timeout_ms || !cfg->idle_timeout_ms || !cfg->write_timeout_ms) {
        set_cause(cause, "timeouts must be positive");
        return -1;
    }
    if (cfg->max_connections < 1) {
        set_cause(cause, "max_connections must be positive");
        return -1;
    }
    if (cfg->threads > MAX_THREADS) {
        set_cause(cause, "%u threads: at most %d", cfg->threads, MAX_THREADS);
        return -1;
    }
    if (cfg->token && !is_token68(cfg->token)) {
        set_cause(cause, "token must be non-empty and made of letters, digits and -._~+/ "
                         "(then any '=')");
        return -1;
    }
    return 0;
}

static int
parse_bind(const char *addr, struct sockaddr_storage *ss, socklen_t *len)
{
    struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
    char tmp[INET6_ADDRSTRLEN + 2];
    size_t n = strlen(addr);

    memset(ss, 0, sizeof(*ss));
    if (strcmp(addr, "localhost") == 0)
        addr = "127.0.0.1";
    if (inet_pton(AF_INET, addr, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        *len = sizeof(*in4);
        return 0;
    }
    if (n >= 2 && addr[0] == '[' && addr[n - 1] == ']' && n - 2 < sizeof(tmp)) {
        memcpy(tmp, addr + 1, n - 2);
        tmp[n - 2] = '\0';
        addr = tmp;
    }
    if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        *len = sizeof(*in6);
        return 0;
    }
    return -1;
}

static int
listen_on(struct sockaddr_storage *ss, socklen_t len, unsigned port, int reuseport, unsigned *bound,
          char **cause, const char *addr)
{
    int one = 1, fd;

    if (ss->ss_family == AF_INET)
        ((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
    else
        ((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
    fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        set_cause(cause, "cannot create a socket: %s", strerror(errno));
        return -1;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0) {
        set_cause(cause, "cannot set SO_REUSEPORT: %s", strerror(errno));
        close(fd);
        return -1;
    }
    if (bind(fd, (struct sockaddr *)ss, len) < 0 || listen(fd, SOMAXCONN) < 0) {
        set_cause(cause, "cannot bind %s port %u: %s", addr, port, strerror(errno));
        close(fd);
        return -1;
    }
    if (!port) {
        struct sockaddr_storage got;
        socklen_t glen = sizeof(got);

        getsockname(fd, (struct sockaddr *)&got, &glen);
        port = ntohs(got.ss_family == AF_INET ? ((struct sockaddr_in *)&got)->sin_port
                                              : ((struct sockaddr_in6 *)&got)->sin6_port);
    }
    *bound = port;
    return fd;
}

static void
make_id_prefix(struct http_server *srv)
{
    unsigned char r[6];
    unsigned i;

    if (getrandom(r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
        uint64_t x = now_ns() ^ ((uint64_t)getpid() << 32);

        for (i = 0; i < sizeof(r); i++)
            r[i] = (unsigned char)(x >> (8 * i));
    }
    for (i = 0; i < sizeof(r); i++)
        snprintf(srv->id_prefix + 2 * i, 3, "%02x", r[i]);
}

static struct worker *
worker_new(struct http_server *srv, unsigned index)
{
    struct worker *w;
    void *mem;

    if (posix_memalign(&mem, 64, sizeof(*w)) != 0)
        return NULL;
    w = mem;
    memset(w, 0, sizeof(*w));
    w->srv = srv;
    w->index = index;
    w->epfd = w->lfd = w->spare_fd = -1;
    w->timers[T_IDLE].ms = srv->cfg.idle_timeout_ms;
    w->timers[T_REQUEST].ms = srv->cfg.request_timeout_ms;
    w->timers[T_WRITE].ms = srv->cfg.write_timeout_ms;
    w->timers[T_LINGER].ms =
        srv->cfg.request_timeout_ms < LINGER_MS ? srv->cfg.request_timeout_ms : LINGER_MS;
    w->head.fields = calloc(srv->cfg.max_header_fields, sizeof(*w->head.fields));
    if (!w->head.fields) {
        free(w);
        return NULL;
    }
    return w;
}

static void
worker_free(struct worker *w)
{
    struct conn *c;

    if (!w)
        return;
    http_worker_close_all(w);
    while ((c = w->free_conns)) {
        w->free_conns = c->link;
        free(c->in);
        free(c->out);
        free(c);
    }
    if (w->lfd >= 0)
        close(w->lfd);
    if (w->epfd >= 0)
        close(w->epfd);
    if (w->spare_fd >= 0)
        close(w->spare_fd);
    free(w->head.fields);
    free(w->res.body);
    free(w->res.hdrs);
    free(w);
}

struct http_server *
http_server_new(const struct http_config *cfg, char **cause)
{
    struct http_server *srv;
    struct sockaddr_storage ss;
    socklen_t sslen;
    const char *addr = cfg->bind ? cfg->bind : "127.0.0.1";
    unsigned i, port;
    long ncpu;

    if (cause)
        *cause = NULL;
    if (check_config(cfg, cause) < 0)
        return NULL;
    if (parse_bind(addr, &ss, &sslen) < 0) {
        set_cause(cause, "bind address '%s' is not a numeric IPv4 or IPv6 address", addr);
        return NULL;
    }
    srv = calloc(1, sizeof(*srv));
    if (!srv) {
        set_cause(cause, "out of memory");
        return NULL;
    }
    srv->cfg = *cfg;
    srv->cfg.bind = NULL;
    srv->cfg.token = NULL;
    srv->stopfd = -1;
    srv->lim.max_header_bytes = cfg->max_header_bytes;
    srv->lim.max_header_fields = cfg->max_header_fields;
    srv->lim.max_body_bytes = cfg->max_body_bytes;
    srv->in_max = cfg->max_header_bytes + cfg->max_body_bytes + 2 * IN_MIN_ROOM;
    ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    srv->nworkers = cfg->threads ? cfg->threads : ncpu > 0 ? (unsigned)ncpu : 1;
    if (srv->nworkers > MAX_THREADS)
        srv->nworkers = MAX_THREADS;
    make_id_prefix(srv);
    if (cfg->token) {
        srv->token = strdup(cfg->token);
        srv->token_len = strlen(cfg->token);
        if (!srv->token)
            goto oom;
    }
    srv->workers = calloc(srv->nworkers, sizeof(*srv->workers));
    srv->stopfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (!srv->workers || srv->stopfd < 0)
        goto oom;
    port = cfg->port;
    for (i = 0; i < srv->nworkers; i++) {
        struct epoll_event ev;
        struct worker *w = worker_new(srv, i);

        if (!w)
            goto oom;
        srv->workers[i] = w;
        w->epfd = epoll_create1(EPOLL_CLOEXEC);
        w->spare_fd = eventfd(0, EFD_CLOEXEC);
        if (w->epfd < 0) {
            set_cause(cause, "cannot create an epoll set: %s", strerror(errno));
            goto fail;
        }
        w->lfd = listen_on(&ss, sslen, port, srv->nworkers > 1, &port, cause, addr);
        if (w->lfd < 0)
            goto fail;
        ev.events = EPOLLIN;
        ev.data.ptr = &w->tag_listen;
        if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->lfd, &ev) < 0)
            goto epoll_fail;
        ev.data.ptr = &w->tag_stop;
        if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, srv->stopfd, &ev) < 0)
            goto epoll_fail;
    }
    srv->port = port;
    return srv;
epoll_fail:
    set_cause(cause, "cannot watch a socket: %s", strerror(errno));
    goto fail;
oom:
    set_cause(cause, "out of memory");
fail:
    http_server_free(srv);
    return NULL;
}

int
http_server_route(struct http_server *srv, const char *method, const char *path, unsigned flags,
                  http_handler_fn *fn, void *arg, char **cause)
{
    size_t i, mlen = strlen(method), plen = strlen(path);
    struct route *r;

    if (!http_is_token(method, mlen)) {
        set_cause(cause, "method '%s' is not a token", method);
        return -1;
    }
    for (i = 0; i < plen; i++)
        if ((unsigned char)path[i] <= 0x20 || (unsigned char)path[i] >= 0x7f || path[i] == '?' ||
            path[i] == '#')
            break;
    if (plen == 0 || path[0] != '/' || i < plen) {
        set_cause(cause, "path '%s' must start with '/' and hold no space, '?' or '#'", path);
        return -1;
    }
    for (i = 0; i < srv->nroutes; i++)
        if (strcmp(srv->routes[i].method, method) == 0 && strcmp(srv->routes[i].path, path) == 0) {
            set_cause(cause, "route %s %s given twice", method, path);
            return -1;
        }
    r = realloc(srv->routes, (srv->nroutes + 1) * sizeof(*r));
    if (!r) {
        set_cause(cause, "out of memory");
        return -1;
    }
    srv->routes = r;
    r += srv->nroutes;
    r->method = strdup(method);
    r->path = strdup(path);
    if (!r->method || !r->path) {
        free(r->method);
        free(r->path);
        set_cause(cause, "out of memory");
        return -1;
    }
    r->method_len = mlen;
    r->path_len = plen;
    r->flags = flags;
    r->fn = fn;
    r->arg = arg;
    srv->nroutes++;
    return 0;
}

unsigned
http_server_port(const struct http_server *srv)
{
    return srv->port;
}

unsigned
http_server_threads(const struct http_server *srv)
{
    return srv->nworkers;
}

int
http_server_run(struct http_server *srv, char **cause)
{
    sigset_t block, old;
    unsigned i, started;
    int err = 0;

    if (cause)
        *cause = NULL;
    /* Workers take no asynchronous signal (faults stay deliverable). */
    sigfillset(&block);
    sigdelset(&block, SIGSEGV);
    sigdelset(&block, SIGBUS);
    sigdelset(&block, SIGFPE);
    sigdelset(&block, SIGILL);
    sigdelset(&block, SIGABRT);
    sigdelset(&block, SIGTRAP);
    pthread_sigmask(SIG_SETMASK, &block, &old);
    for (started = 0; started < srv->nworkers; started++) {
        err = pthread_create(&srv->workers[started]->thread, NULL, http_worker_main,
                             srv->workers[started]);
        if (err)
            break;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (err)
        http_server_stop(srv);
    for (i = 0; i < started; i++)
        pthread_join(srv->workers[i]->thread, NULL);
    if (err) {
        set_cause(cause, "cannot start worker thread %u: %s", started, strerror(err));
        return -1;
    }
    return 0;
}

void
http_server_stop(struct http_server *srv)
{
    int saved = errno;
    uint64_t one = 1;
    ssize_t n;

    atomic_store(&srv->stopping, 1);
    n = write(srv->stopfd, &one, sizeof(one));
    (void)n;
    errno = saved;
}

void
http_server_free(struct http_server *srv)
{
    size_t i;

    if (!srv)
        return;
    if (srv->workers)
        for (i = 0; i < srv->nworkers; i++)
            worker_free(srv->workers[i]);
    free(srv->workers);
    if (srv->stopfd >= 0)
        close(srv->stopfd);
    for (i = 0; i < srv->nroutes; i++) {
        free(srv->routes[i].method);
        free(srv->routes[i].path);
    }
    free(srv->routes);
    free(srv->token);
    free(srv);
}

void
http_server_stats(const struct http_server *srv, struct http_stats *st)
{
    uint64_t ns = 0, cum = 0;
    unsigned i, k;

    memset(st, 0, sizeof(*st));
    for (i = 0; i < srv->nworkers; i++) {
        struct worker_stats *ws = &srv->workers[i]->stats;

        for (k = 0; k < 500; k++)
            st->responses[k] += atomic_load_explicit(&ws->responses[k], memory_order_relaxed);
        for (k = 0; k <= HTTP_LATENCY_BUCKETS; k++)
            st->latency_le[k] += atomic_load_explicit(&ws->buckets[k], memory_order_relaxed);
        ns += atomic_load_explicit(&ws->latency_ns, memory_order_relaxed);
        st->connections_accepted += atomic_load_explicit(&ws->accepted, memory_order_relaxed);
        st->connections_rejected += atomic_load_explicit(&ws->rejected, memory_order_relaxed);
        st->requests_in_progress += atomic_load_explicit(&ws->in_progress, memory_order_relaxed);
    }
    for (k = 0; k <= HTTP_LATENCY_BUCKETS; k++) {
        cum += st->latency_le[k];
        st->latency_le[k] = cum;
    }
    st->latency_count = cum;
    st->latency_sum = (double)ns / 1e9;
    st->connections_open = atomic_load(&((struct http_server *)srv)->nconns);
}
