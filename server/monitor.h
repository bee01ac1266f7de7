/*
 * monitor.h - what the exported server watches in its live traffic: the
 * predictions by class or value, each input's drift (PSI) against the
 * training reference the bundle embeds, live accuracy from feedback, and
 * Page-Hinkley change detectors on each numeric input and on the live error;
 * all of it as Prometheus text for GET /metrics.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 *
 * Predictions are counted per worker thread without locks and summed when
 * /metrics is read; the inputs' detectors run per worker, each on the
 * requests its worker serves. A prediction is remembered for feedback under
 * the lock of one bucket of the recall table (MONITOR_RECALL / 8 buckets, so
 * workers seldom meet there); feedback (rare beside predictions) takes that
 * bucket's lock, then the monitor's one lock for the live accuracy, the
 * errors and their detector.
 */
#ifndef AIWB_SERVER_MONITOR_H
#define AIWB_SERVER_MONITOR_H

#include <stddef.h>
#include <stdint.h>

#include "http.h"
#include "json.h"
#include "model.h"

/* Predictions remembered for feedback to be matched against (the latest:
 * an id hashes to a bucket of 8 slots, where the oldest gives way). */
#define MONITOR_RECALL 65536

/* Page-Hinkley's settings (as river's defaults): ignore the first MIN_N
 * values, tolerate DELTA, alarm past LAMBDA; ALPHA fades the running mean. */
#define PH_MIN_N 30
#define PH_DELTA 0.005
#define PH_LAMBDA 50.0
#define PH_ALPHA 0.9999
/* An input's values are standardised by the training mean and sd, so a
 * random walk of N(0, 1) steps would cross LAMBDA within a few thousand
 * values at river's DELTA: the inputs' detectors tolerate a quarter of an sd
 * per value instead (a shift of 0.5 sd is found after about 200 values, one
 * of 2.5 sd after about 20). */
#define PH_FEATURE_DELTA 0.25

/* A two-sided Page-Hinkley test on a stream of values. */
struct page_hinkley {
    uint64_t n;
    double mean;
    double up, up_min;     /* cumulative deviations for an increase, and their minimum */
    double down, down_max; /* and for a decrease */
    int alarm;             /* latched once raised */
    uint64_t alarms;       /* times raised (then restarted) */
    uint64_t last_alarm_n; /* values seen when it last fired */
};

void ph_init(struct page_hinkley *ph);
/* Add X; returns 1 when this value raised the alarm (the test then restarts
 * and keeps the alarm latched). */
int ph_add(struct page_hinkley *ph, double x, double delta, double lambda);

struct monitor;

struct monitor *monitor_new(const struct model *m, unsigned workers);
void monitor_free(struct monitor *mon);

/* The observer model_predict calls (ARG: the struct monitor_call below). */
struct monitor_call {
    struct monitor *mon;
    unsigned worker;
};
void monitor_observe(void *arg, const struct aiwb_frame *inputs, size_t n);

/* One prediction V (m->k outputs) made for the row with id ID. */
void monitor_prediction(struct monitor *mon, unsigned worker, const double *v, const char *id);
void monitor_recommendation(struct monitor *mon, unsigned worker);
void monitor_request_error(struct monitor *mon, unsigned worker);
/* A write to the request log failed. */
void monitor_log_error(struct monitor *mon);

/*
 * The truth LABEL for the prediction ID. Returns 1 when the prediction is
 * still remembered (live accuracy and the error's detector then count it),
 * 0 when it is not (too old, or made by another run of the server), or -1
 * with REASON filled for a label that cannot be the model's (a class it
 * does not know, a string for a regressor).
 */
int monitor_feedback(struct monitor *mon, const char *id, const struct json_value *label,
                     char *reason, size_t reason_size);

/* Append the monitor's metrics to RES as Prometheus text. */
void monitor_prometheus(struct monitor *mon, struct http_response *res);

/* The PSI of live counts LIVE against reference proportions REF, N bins:
 * sum (p - q) ln(p / q) over proportions smoothed so that an empty bin
 * counts as half a row. */
double monitor_psi(const uint64_t *live, const double *ref, size_t n);

#endif
