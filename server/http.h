/*
 * http.h - the HTTP/1.1 server core of the exported prediction server: a
 * strict subset of RFC 9112 over epoll, with limits, deadlines, a bearer
 * token, a route table and counters for /metrics. It knows nothing of models:
 * the embedding program registers handlers.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 *
 * Use:
 *
 *     struct http_config cfg;
 *     http_config_init(&cfg);                     // 127.0.0.1, defaults below
 *     cfg.port = 8080;
 *     struct http_server *srv = http_server_new(&cfg, &cause);
 *     http_server_route(srv, "GET", "/health", HTTP_ROUTE_PUBLIC, health, NULL);
 *     http_server_route(srv, "POST", "/predict", 0, predict, model);
 *     // a SIGTERM handler calls http_server_stop(srv)
 *     http_server_run(srv, &cause);               // returns once drained
 *     http_server_free(srv);
 *
 * Each worker thread owns its connections and calls handlers synchronously,
 * so a handler may use per-worker scratch (req->worker) without locking, but
 * the same handler runs on several workers at once: what it shares with them
 * it must guard itself. Everything a handler is given (request strings, the
 * body, the response builder) is valid only until it returns.
 *
 * What the server answers by itself, always as a JSON body
 * {"error": "...", "status": N} with Content-Type application/json:
 *   400  malformed request line or header field (whitespace before ':',
 *        obs-fold, control bytes, bare CR or LF), duplicate or non-numeric
 *        Content-Length, Content-Length with Transfer-Encoding, a missing or
 *        repeated Host in HTTP/1.1
 *   401  missing or wrong bearer token (with WWW-Authenticate: Bearer), on
 *        every route not registered with HTTP_ROUTE_PUBLIC
 *   404  unknown path (exact match on the raw path, no decoding)
 *   405  known path, other method (with Allow)
 *   408  request head and body not received within request_timeout_ms
 *   411  a chunked request body: only Content-Length framing is supported, so
 *        the client is told to send one (501 for other transfer codings)
 *   413  Content-Length over max_body_bytes (answered before the body is read)
 *   414  request line over max_header_bytes
 *   417  an Expect other than 100-continue
 *   431  head over max_header_bytes, or more than max_header_fields fields
 *   500  a handler whose response could not be built (out of memory)
 *   503  connection cap reached (with Retry-After, before any request)
 *   505  an HTTP version other than 1.x
 * Framing errors (all but 401, 404, 405, 500) close the connection after the
 * answer; the others keep it alive.
 */
#ifndef AIWB_SERVER_HTTP_H
#define AIWB_SERVER_HTTP_H

#include <stddef.h>
#include <stdint.h>

struct http_server;
struct http_response;

/* Settings of a server; http_config_init() gives the defaults noted here. */
struct http_config {
    const char *bind;                     /* numeric IPv4/IPv6 or "localhost"; "127.0.0.1" */
    unsigned port;                        /* 0 picks a free port (http_server_port); 8080 */
    unsigned threads;                     /* worker threads; 0: one per online CPU; 0 */
    const char *token;                    /* bearer token (copied), NULL for none; NULL */
    size_t max_header_bytes;              /* request line + fields + blank line; 8192 */
    unsigned max_header_fields;           /* 100 */
    size_t max_body_bytes;                /* 1 MiB */
    unsigned request_timeout_ms;          /* head and body, from their first byte; 10000 */
    unsigned idle_timeout_ms;             /* keep-alive wait for a next request; 10000 */
    unsigned write_timeout_ms;            /* longest wait for the client to read; 10000 */
    unsigned drain_timeout_ms;            /* longest drain after http_server_stop; 30000 */
    unsigned max_connections;             /* open at once, all workers; 1024 */
    unsigned max_requests_per_connection; /* then Connection: close; 0: no limit; 0 */
};

/* One request, read-only, valid during the handler call. The strings lie in
 * the connection's buffer and are NUL-terminated in place; body is followed
 * by a NUL too (not counted in body_len), so it can be parsed as a string. */
struct http_request {
    const char *method; /* "POST" */
    size_t method_len;
    const char *path; /* "/predict", without the query */
    size_t path_len;
    const char *query; /* after '?', "" if none */
    size_t query_len;
    const char *body; /* "" if none */
    size_t body_len;
    int version;           /* 10 or 11 */
    unsigned worker;       /* 0 .. threads-1: the worker calling */
    uint64_t id;           /* unique in the process, increasing per worker */
    const void *internal_; /* the server's; do not touch */
};

/* A request handler: reads REQ, builds the answer in RES (200 and
 * application/json unless told otherwise). ARG is the pointer given to
 * http_server_route. */
typedef void http_handler_fn(const struct http_request *req, struct http_response *res, void *arg);

/* Route flags. */
#define HTTP_ROUTE_PUBLIC 1u /* answered without the bearer token (/health) */

/* The latency histogram's upper bounds, in seconds (then +Inf). */
#define HTTP_LATENCY_BUCKETS 19
extern const double http_latency_bounds[HTTP_LATENCY_BUCKETS];

/* Counters of a server, summed over its workers (http_server_stats). */
struct http_stats {
    uint64_t responses[500];                       /* by status code - 100 (so [100] is 200) */
    uint64_t latency_le[HTTP_LATENCY_BUCKETS + 1]; /* cumulative; the last is +Inf */
    double latency_sum;                            /* seconds */
    uint64_t latency_count;
    uint64_t connections_open;
    uint64_t connections_accepted;
    uint64_t connections_rejected; /* over max_connections: 503 */
    uint64_t requests_in_progress; /* in a handler now */
};

/* Room for http_request_id_format's text, with its NUL. */
#define HTTP_REQUEST_ID_SIZE 40

/* Fill CFG with the defaults listed in struct http_config. */
void http_config_init(struct http_config *cfg);

/*
 * Create a server from CFG: checks the settings, binds and listens (so the
 * port is known and taken before http_server_run), makes the workers' epoll
 * sets. Returns the server, or NULL with *cause set (the caller frees it):
 * "cannot bind 127.0.0.1 port 80: Permission denied". Free with
 * http_server_free.
 */
struct http_server *http_server_new(const struct http_config *cfg, char **cause);

/*
 * Route METHOD PATH (both copied; exact, case-sensitive match) to FN with
 * ARG. A GET route answers HEAD too unless HEAD has its own. FLAGS is 0 or
 * HTTP_ROUTE_PUBLIC. Call before http_server_run. Returns 0, or -1 with
 * *cause set for a method that is not a token, a path not starting with '/',
 * or a route given twice.
 */
int http_server_route(struct http_server *srv, const char *method, const char *path, unsigned flags,
                      http_handler_fn *fn, void *arg, char **cause);

/* The port the server listens on (the one chosen when port was 0). */
unsigned http_server_port(const struct http_server *srv);

/* The number of worker threads (what req->worker ranges below). */
unsigned http_server_threads(const struct http_server *srv);

/*
 * Serve until http_server_stop, then drain: stop accepting, close idle
 * connections, let requests under way finish and their answers be written
 * (with Connection: close), for at most drain_timeout_ms, and return.
 * Worker threads block all signals, so signals reach the calling thread.
 * Call once. Returns 0, or -1 with *cause set if a worker could not start.
 */
int http_server_run(struct http_server *srv, char **cause);

/* Ask a running (or about to run) server to drain and return. Safe in a
 * signal handler and from any thread; errno is preserved. */
void http_server_stop(struct http_server *srv);

/* Close the sockets and free everything; NULL is a no-op. Not while running. */
void http_server_free(struct http_server *srv);

/* The current counters into *ST. Safe from any thread at any time (each
 * counter is read atomically; the set is not one snapshot). */
void http_server_stats(const struct http_server *srv, struct http_stats *st);

/*
 * Append ST as Prometheus text to RES's body, each metric named PREFIX_...:
 * requests_total{code}, request_duration_seconds (histogram, from the
 * complete request to its queued answer), requests_in_progress,
 * connections_open, connections_total, connections_rejected_total.
 */
void http_stats_prometheus(const struct http_stats *st, const char *prefix,
                           struct http_response *res);

/* The value of header NAME (case-insensitive) of REQ and its length in *LEN
 * (LEN may be NULL), or NULL if absent; the first if repeated. */
const char *http_request_header(const struct http_request *req, const char *name, size_t *len);

/* The number of header fields of REQ, and the I-th one's name and value
 * (NUL-terminated; LEN arguments may be NULL). */
size_t http_request_header_count(const struct http_request *req);
void http_request_header_at(const struct http_request *req, size_t i, const char **name,
                            size_t *name_len, const char **value, size_t *value_len);

/* Write REQ's id as text ("<12 hex digits of a per-process random
 * prefix>-<decimal id>") into BUF; returns its length. */
size_t http_request_id_format(const struct http_request *req, char buf[HTTP_REQUEST_ID_SIZE]);

/* Set the status (200-599; anything else is answered as a 500). 204 and
 * 304 are sent without a body. */
void http_response_status(struct http_response *res, int status);

/* Set the Content-Type (copied; at most 127 bytes, no CR/LF). Returns 0 or -1. */
int http_response_content_type(struct http_response *res, const char *type);

/* Add a header line. NAME must be a token and not one the server writes
 * (Content-Length, Content-Type, Connection, Date, Transfer-Encoding); VALUE
 * must hold no CR, LF or NUL. Returns 0, or -1 (nothing added). */
int http_response_header(struct http_response *res, const char *name, const char *value);

/* Append LEN bytes to the body. */
void http_response_write(struct http_response *res, const void *data, size_t len);

/* Append formatted text to the body. */
void http_response_printf(struct http_response *res, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Room for LEN more body bytes, written directly; http_response_commit then
 * says how many were used. Returns NULL when out of memory (the answer
 * becomes a 500). */
char *http_response_reserve(struct http_response *res, size_t len);
void http_response_commit(struct http_response *res, size_t len);

/* Replace the answer by the JSON error {"error": MESSAGE, "status": STATUS}
 * (MESSAGE formatted, then JSON-escaped). */
void http_response_error(struct http_response *res, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Close the connection after this answer (Connection: close). */
void http_response_close(struct http_response *res);

/* Append TEXT (LEN bytes) to the body as a JSON string literal, quotes
 * included: what handlers need to echo user input safely. */
void http_response_json_string(struct http_response *res, const char *text, size_t len);

#endif
