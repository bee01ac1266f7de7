/*
 * http-int.h - what the files of the server core share (private to server/):
 * the server, its workers and connections, the response builder, and the
 * helpers more than one file uses.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 */
#ifndef AIWB_SERVER_HTTP_INT_H
#define AIWB_SERVER_HTTP_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "http-parse.h"
#include "http.h"

#define IN_INITIAL 4096             /* first input buffer of a connection */
#define IN_MIN_ROOM 1024            /* read no less than this at once */
#define BUF_KEEP (64 * 1024)        /* bigger buffers are freed when idle */
#define OUT_HIGH_WATER (256 * 1024) /* stop answering pipelined requests */
#define READS_PER_EVENT 8           /* then let other connections run */
#define LINGER_MS 2000              /* reading after the last answer */
#define LINGER_BYTES (1024 * 1024)
#define MAX_EVENTS 256
#define ACCEPTS_PER_EVENT 64
#define ACCEPT_PAUSE_MS 100 /* out of descriptors: retry after */

struct route {
    char *method;
    size_t method_len;
    char *path;
    size_t path_len;
    unsigned flags;
    http_handler_fn *fn;
    void *arg;
};

/* The timeout a connection waits under; each kind has its own list. */
enum { T_IDLE, T_REQUEST, T_WRITE, T_LINGER, T_KINDS, T_NONE = T_KINDS };

struct conn {
    int fd;
    uint8_t timer;     /* T_* list it is on */
    uint8_t readable;  /* the socket may hold unread bytes */
    uint8_t rdhup;     /* the client's FIN is queued: read to EOF */
    uint8_t eof;       /* the client sent FIN */
    uint8_t closing;   /* close once the output is written */
    uint8_t lingering; /* output done, discarding input */
    uint8_t closed;
    uint8_t ready;              /* on the worker's ready list */
    uint8_t head_only;          /* a HEAD request: answers go without body */
    uint32_t requests;          /* answered on this connection */
    uint64_t deadline;          /* ms */
    struct conn *tprev, *tnext; /* timer list */
    struct conn *link;          /* free or closed list */
    struct conn *rnext;         /* ready list */
    char *in;                   /* input: in[in_start .. in_end) unread */
    size_t in_cap, in_start, in_end;
    struct http_scan scan; /* the current head so far */
    uint32_t head_len;     /* non-zero: head parsed, body awaited */
    uint64_t body_len;
    uint64_t discard;          /* bytes of a refused body still to skip */
    const struct route *route; /* for the awaited body */
    char *out;                 /* output: out[out_off .. out_end) unsent */
    size_t out_cap, out_off, out_end;
};

struct http_response {
    int status;
    int failed; /* out of memory: answer 500 */
    int close;
    const char *ctype;
    size_t ctype_len;
    char ctype_buf[128];
    char *body;
    size_t len, cap;
    char *hdrs; /* extra "Name: value\r\n" lines */
    size_t hlen, hcap;
};

/* A worker's counters: written by it alone (relaxed load + store), read by
 * any thread. */
struct worker_stats {
    _Atomic uint64_t responses[500];
    _Atomic uint64_t buckets[HTTP_LATENCY_BUCKETS + 1];
    _Atomic uint64_t latency_ns;
    _Atomic uint64_t accepted;
    _Atomic uint64_t rejected;
    _Atomic uint64_t in_progress;
};

struct timer_list {
    struct conn *head, *tail;
    unsigned ms;
};

struct worker {
    struct worker_stats stats; /* first: the allocation is cache-line aligned */
    struct http_server *srv;
    unsigned index;
    int epfd;
    int lfd;
    int spare_fd; /* given up to accept and drop when out of fds */
    int listen_paused;
    uint64_t listen_resume;
    pthread_t thread;
    int draining;
    uint64_t drain_deadline;
    uint64_t now; /* ms, CLOCK_MONOTONIC */
    struct timer_list timers[T_KINDS];
    struct conn *free_conns, *closed_conns, *ready;
    unsigned nconns;
    uint64_t next_id;
    time_t date_sec;
    char date[48]; /* "Date: ...\r\n" */
    size_t date_len;
    const struct conn *head_owner; /* whose head is in head */
    struct http_head head;
    struct http_response res;
    char sink[16384];          /* lingering reads */
    char tag_listen, tag_stop; /* epoll data of the listener and stop fd */
};

struct http_server {
    struct http_config cfg;
    struct http_limits lim;
    char *token;
    size_t token_len;
    struct route *routes;
    size_t nroutes;
    unsigned nworkers;
    struct worker **workers;
    int stopfd;
    atomic_int stopping;
    atomic_uint nconns;
    unsigned port;
    size_t in_max; /* largest input buffer */
    char id_prefix[16];
};

/* The view of a request the header accessors need. */
struct request_internal {
    const struct http_head *head;
    const char *base;
    const char *id_prefix;
};

static inline uint64_t
now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Counters have one writer (their worker): a relaxed load and store, no
 * locked instruction, and readers on other threads see whole values. */
static inline void
bump(_Atomic uint64_t *x, uint64_t d)
{
    atomic_store_explicit(x, atomic_load_explicit(x, memory_order_relaxed) + d,
                          memory_order_relaxed);
}

static inline void
drop(_Atomic uint64_t *x)
{
    atomic_store_explicit(x, atomic_load_explicit(x, memory_order_relaxed) - 1,
                          memory_order_relaxed);
}

static inline char *
put(char *p, const char *s, size_t n)
{
    if (n)
        memcpy(p, s, n);
    return p + n;
}

#define PUT_LIT(p, s) put((p), (s), sizeof(s) - 1)

/* http-response.c */
int http_grow(char **buf, size_t *cap, size_t need, size_t initial);
int http_is_token(const char *s, size_t n);
void http_res_reset(struct http_response *res);
/* Make RES the JSON error {"error": MSG, "status": STATUS}. */
void http_res_error(struct http_response *res, int status, const char *msg);

/* http-conn.c */
/* A worker's loop (pthread start routine; ARG is its struct worker): serves
 * until the stop fd is readable, then drains and returns NULL. */
void *http_worker_main(void *arg);
/* Close every connection of W and return them to its free list. */
void http_worker_close_all(struct worker *w);

#endif
