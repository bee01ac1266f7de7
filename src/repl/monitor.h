/*
 * monitor.h - what `monitor URL` (cmd-monitor.c) uses of its two helpers:
 * monitor-http.c (the server's address, one HTTP GET, /metadata and /health)
 * and monitor-prom.c (the Prometheus text of /metrics, its histograms).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Internal to the monitor command: nothing else includes it.
 */
#ifndef AIWB_MONITOR_H
#define AIWB_MONITOR_H

#include <stddef.h>
#include <stdint.h>

#include "core/strbuf.h"

/* How often waits (for the network, between snapshots) look at `stop` and Ctrl-C. */
#define MONITOR_SLICE_MS 100

/* ---- monitor-http.c: the server's address --------------------------------- */

/* A server's address, every string owned (monitor_target_release frees them). */
struct monitor_target {
    char *url;       /* the base as shown, ending in '/': "http://127.0.0.1:8080/" */
    char *host;      /* for getaddrinfo, without brackets */
    char *port;      /* "80" if the URL names none */
    char *authority; /* for Host: as written, "[::1]:8080" */
    char *prefix;    /* the path of the base, ending in '/' */
};

/*
 * Read URL TEXT ("http://host[:port][/prefix/]", "host:port") into T, which
 * it zeroes first; a trailing "metrics" (the page itself) is dropped. Returns
 * 0, or -1 with *cause set (the caller frees it): https://, another scheme, a
 * user name, a malformed IPv6 address, no host, a bad port, spaces or control
 * characters, a query or fragment. On either return T may own strings: free
 * them with monitor_target_release().
 */
int monitor_target_parse(const char *text, struct monitor_target *t, char **cause);

/* Free the strings T owns (not T itself); a zeroed T is fine. */
void monitor_target_release(struct monitor_target *t);

/* ---- monitor-http.c: one GET ---------------------------------------------- */

/* An answer: status line and body (chunked transfer coding undone). */
struct monitor_answer {
    int status;         /* 200; 0 before any answer */
    char reason[64];    /* "Unauthorized", truncated to fit */
    struct strbuf body; /* owned by the caller: strbuf_release() it */
};

/* What monitor_http_get() returns. */
enum { MONITOR_GET_FAILED = -1, MONITOR_GET_OK = 0, MONITOR_GET_STOPPED = 1 };

/* The monotonic clock in milliseconds. */
int64_t monitor_now_ms(void);

/*
 * GET T's page PAGE ("metrics": the path is T's prefix then PAGE) into A
 * (its status, reason and body reset first), sending TOKEN as bearer token if
 * not NULL, within 10 s connecting included. Returns MONITOR_GET_OK whatever
 * the status; MONITOR_GET_STOPPED when `stop` or Ctrl-C came while it waited
 * (jobs_stopping()); MONITOR_GET_FAILED with *cause set (the caller frees it)
 * when the server cannot be reached, does not answer in time, answers
 * something other than HTTP/1.x, more than 64 MB, or cuts its answer short.
 * Touches nothing shared: the caller may let go of the session lock around it.
 */
int monitor_http_get(const struct monitor_target *t, const char *page, const char *token,
                     struct monitor_answer *a, char **cause);

/* ---- monitor-http.c: /metadata and /health -------------------------------- */

/* What monitor uses of /metadata; every string and array owned. */
struct monitor_meta {
    char *target;        /* the model's target column, or NULL */
    int drift_reference; /* 1, 0, or -1 if not said */
    size_t nmetrics;
    char **metric_names;   /* "accuracy@test" */
    double *metric_values; /* NaN for JSON null */
};

/*
 * Read the members of the JSON object TEXT (LEN bytes, /metadata's body)
 * that monitor uses into M: "target", "drift_reference" and the numbers of
 * "metrics" (appended). Members absent or malformed leave M as it was; a
 * malformed object stops at the first fault. M owns what it gets.
 */
void monitor_meta_read(const char *text, size_t len, struct monitor_meta *m);

/* Free what M owns and set it empty again (drift_reference -1). */
void monitor_meta_release(struct monitor_meta *m);

/*
 * Set *UPTIME to "uptime_seconds" of the JSON object TEXT (LEN bytes,
 * /health's body); left alone if absent or not a number (NaN if null).
 */
void monitor_health_read(const char *text, size_t len, double *uptime);

/* ---- monitor-prom.c: Prometheus text -------------------------------------- */

struct prom_label {
    char *name, *value; /* value with the escapes \\ \" \n undone */
};

/* One sample: NAME{LABELS} VALUE (a timestamp is checked, then dropped). */
struct prom_sample {
    char *name;
    size_t nlabels;
    struct prom_label *labels;
    double value; /* NaN and the infinities as written */
};

/* One scrape of /metrics, owning its samples (free it with prom_scrape_free). */
struct prom_scrape {
    size_t n, alloc;
    struct prom_sample *v; /* in the order of the text */
    /* set by the caller, 0 from prom_parse(): */
    int64_t at_ms; /* monotonic, when it was asked for */
    int64_t own;   /* monitor's requests the server had answered before it */
    char when[32]; /* the wall clock then, ISO 8601 UTC */
};

/*
 * The samples of the Prometheus text TEXT (LEN bytes) fetched from WHERE (a
 * URL, for messages): a new scrape that the caller frees with
 * prom_scrape_free(), or NULL with *cause (the caller frees it) naming the
 * line and column of the first malformed sample ("'URL' line 3 column 9:
 * the value is not a number"). Comments (# HELP, # TYPE) and blank lines are
 * skipped.
 */
struct prom_scrape *prom_parse(const char *text, size_t len, const char *where, char **cause);

/* Free SC and its samples; NULL is fine. */
void prom_scrape_free(struct prom_scrape *sc);

/* The value of S's label NAME, borrowed from S, or NULL if S has none. */
const char *prom_label_of(const struct prom_sample *s, const char *name);

/*
 * The first sample of SC named NAME (and whose label LNAME is LVALUE, if
 * LNAME is not NULL), borrowed from SC, or NULL if none (or SC is NULL).
 */
const struct prom_sample *prom_find(const struct prom_scrape *sc, const char *name,
                                    const char *lname, const char *lvalue);

/* The value of the sample prom_find() finds, or NaN if there is none. */
double prom_value_of(const struct prom_scrape *sc, const char *name, const char *lname,
                     const char *lvalue);

/* ---- monitor-prom.c: histograms ------------------------------------------- */

/* A histogram: cumulative counts by upper bound, ascending, +Inf last. */
struct prom_hist {
    size_t n;
    double *le, *count; /* n each, owned: prom_hist_release() */
    double sum, total;  /* BASE_sum and BASE_count, NaN if absent */
};

/*
 * The histogram BASE of SC (BASE_bucket{le=}, BASE_sum, BASE_count) into H,
 * which it overwrites: buckets of the same bound are merged and counts made
 * monotonic, as Prometheus does; without BASE_count the total is the last
 * bucket's count. H is empty (n 0) if SC has no such buckets. Release H with
 * prom_hist_release().
 */
void prom_hist_get(const struct prom_scrape *sc, const char *base, struct prom_hist *h);

/*
 * H minus the earlier histogram OLD of the same series, bucket by bucket
 * (bounds missing from OLD count whole), sum and total too: the window
 * between two scrapes.
 */
void prom_hist_minus(struct prom_hist *h, const struct prom_hist *old);

/*
 * The Q-quantile (0 to 1) of H by linear interpolation inside its bucket, as
 * Prometheus' histogram_quantile(): NaN without observations or without a
 * +Inf bucket; the highest finite bound if it falls in the +Inf bucket; the
 * first bucket starts at 0 (unless its bound is not positive).
 */
double prom_hist_quantile(const struct prom_hist *h, double q);

/* Free H's arrays and zero it. */
void prom_hist_release(struct prom_hist *h);

#endif
