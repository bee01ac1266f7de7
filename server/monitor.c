/*
 * monitor.c - live traffic of the exported server: predictions, drift,
 * feedback and change detection, as Prometheus text (monitor.h).
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 */
#include "monitor.h"

#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"

/* What one worker counts, alone. Padded so workers do not share lines. */
struct worker_stats {
    uint64_t *bins;       /* model_bin_total counts of live inputs */
    uint64_t *classes;    /* classification: per class; clustering: per cluster */
    uint64_t *buckets;    /* regression: per bucket of pred_edges, then +Inf */
    double value_sum;     /* regression: the sum of the predictions */
    uint64_t rows;        /* rows predicted */
    uint64_t recommended; /* recommendations made */
    uint64_t refused;     /* requests /predict refused (4xx) */
    struct page_hinkley *ph; /* one per input (numeric with a reference) */
    char pad[64];
};

/* A prediction remembered for feedback. */
struct recall {
    char id[64];
    uint32_t hash; /* of the whole id (slot_hash): compared before the text */
    double value;  /* the class index, or the predicted value */
    uint64_t seq;  /* when it was remembered (its bucket's clock); 0: empty */
};

/*
 * The remembered predictions: MONITOR_RECALL slots in buckets of
 * RECALL_PROBE. An id hashes to one bucket and never leaves it; a new one
 * takes an empty slot there, or the oldest. Each bucket has its own lock, so
 * workers remembering predictions at once wait for each other only when
 * their ids share a bucket (one chance in RECALL_BUCKETS), and its own
 * clock, so that no counter is shared by every worker either.
 */
#define RECALL_PROBE 8
#define RECALL_BUCKETS (MONITOR_RECALL / RECALL_PROBE)

struct recall_bucket {
    pthread_mutex_t lock; /* the fields below */
    uint64_t clock;       /* predictions remembered here so far: the next seq */
    struct recall slot[RECALL_PROBE];
};

struct monitor {
    const struct model *m;
    unsigned workers;
    struct worker_stats *ws;
    size_t *bin_at; /* input i's first bin, or SIZE_MAX without a reference */
    size_t n_bins;
    struct recall_bucket *recall; /* RECALL_BUCKETS, each under its own lock */
    pthread_mutex_t lock;         /* the fields below */
    uint64_t feedback, matched, correct;
    double abs_err, sq_err;
    double err_scale; /* regression: the mean absolute error of the first PH_MIN_N */
    struct page_hinkley error_ph;
    uint64_t log_errors;
};

/* Add one to a counter only its worker writes, which /metrics reads from
 * another thread: relaxed atomics, so no lock prefix is needed. */
static inline void
bump(uint64_t *p)
{
    __atomic_store_n(p, __atomic_load_n(p, __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED);
}

void
ph_init(struct page_hinkley *ph)
{
    memset(ph, 0, sizeof *ph);
}

int
ph_add(struct page_hinkley *ph, double x, double delta, double lambda)
{
    ph->n++;
    ph->mean = ph->n == 1 ? x : ph->mean + (x - ph->mean) / (double)ph->n;
    ph->up = PH_ALPHA * ph->up + (x - ph->mean - delta);
    ph->down = PH_ALPHA * ph->down + (x - ph->mean + delta);
    if (ph->up < ph->up_min)
        ph->up_min = ph->up;
    if (ph->down > ph->down_max)
        ph->down_max = ph->down;
    if (ph->n < PH_MIN_N)
        return 0;
    if (ph->up - ph->up_min > lambda || ph->down_max - ph->down > lambda) {
        uint64_t alarms = ph->alarms + 1;

        ph_init(ph);
        __atomic_store_n(&ph->alarm, 1, __ATOMIC_RELAXED);
        ph->alarms = alarms;
        ph->last_alarm_n = 0;
        return 1;
    }
    return 0;
}

struct monitor *
monitor_new(const struct model *m, unsigned workers)
{
    struct monitor *mon = host_calloc(1, sizeof *mon);

    mon->m = m;
    mon->workers = workers ? workers : 1;
    mon->bin_at = host_alloc((m->n_in ? m->n_in : 1) * sizeof *mon->bin_at);
    for (size_t c = 0; c < m->n_in; c++) {
        mon->bin_at[c] = m->in[c].ref.nbins ? mon->n_bins : SIZE_MAX;
        mon->n_bins += m->in[c].ref.nbins ? m->in[c].ref.nbins + 1 : 0;
    }
    mon->ws = host_calloc(mon->workers, sizeof *mon->ws);
    for (unsigned w = 0; w < mon->workers; w++) {
        struct worker_stats *s = &mon->ws[w];

        s->bins = host_calloc(mon->n_bins + 1, sizeof *s->bins);
        s->classes = host_calloc(m->k + 1, sizeof *s->classes);
        s->buckets = host_calloc(m->n_pred_edges + 1, sizeof *s->buckets);
        s->ph = host_calloc(m->n_in + 1, sizeof *s->ph);
    }
    pthread_mutex_init(&mon->lock, NULL);
    mon->recall = host_calloc(RECALL_BUCKETS, sizeof *mon->recall);
    for (size_t b = 0; b < RECALL_BUCKETS; b++)
        pthread_mutex_init(&mon->recall[b].lock, NULL);
    ph_init(&mon->error_ph);
    return mon;
}

void
monitor_free(struct monitor *mon)
{
    if (mon == NULL)
        return;
    for (unsigned w = 0; w < mon->workers; w++) {
        free(mon->ws[w].bins);
        free(mon->ws[w].classes);
        free(mon->ws[w].buckets);
        free(mon->ws[w].ph);
    }
    free(mon->ws);
    free(mon->bin_at);
    for (size_t b = 0; b < RECALL_BUCKETS; b++)
        pthread_mutex_destroy(&mon->recall[b].lock);
    free(mon->recall);
    pthread_mutex_destroy(&mon->lock);
    free(mon);
}

/* The bin of numeric value V among REF's edges; nbins for a missing one. */
static size_t
numeric_bin(const struct model_ref *ref, double v)
{
    size_t lo = 0, hi = ref->nbins - 1;

    if (isnan(v))
        return ref->nbins;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;

        if (v <= ref->edges[mid])
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

void
monitor_observe(void *arg, const struct aiwb_frame *inputs, size_t n)
{
    const struct monitor_call *call = arg;
    struct monitor *mon = call->mon;
    struct worker_stats *s = &mon->ws[call->worker];
    const struct model *m = mon->m;

    for (size_t c = 0; c < m->n_in; c++) {
        const struct model_ref *ref = &m->in[c].ref;
        uint64_t *bins;

        if (mon->bin_at[c] == SIZE_MAX)
            continue;
        bins = s->bins + mon->bin_at[c];
        if (m->in[c].type == AIWB_NUMERIC) {
            const double *v = host_frame_numeric(inputs, c);

            for (size_t i = 0; i < n; i++) {
                bump(&bins[numeric_bin(ref, v[i])]);
                if (!isnan(v[i]) && ref->sd > 0)
                    ph_add(&s->ph[c], (v[i] - ref->mean) / ref->sd, PH_FEATURE_DELTA, PH_LAMBDA);
            }
        } else {
            const int32_t *v = host_frame_codes(inputs, c);

            for (size_t i = 0; i < n; i++)
                bump(&bins[v[i] >= 0 && (size_t)v[i] < ref->nbins ? (size_t)v[i] : ref->nbins]);
        }
    }
}

static size_t
best_of(const double *v, size_t k)
{
    size_t best = 0;

    for (size_t j = 1; j < k; j++)
        if (v[j] > v[best])
            best = j;
    return best;
}

/* FNV-1a of a text: which bucket remembers an id. */
static uint32_t
slot_hash(const char *id)
{
    uint32_t h = 2166136261u;

    for (; *id; id++)
        h = (h ^ (unsigned char)*id) * 16777619u;
    return h;
}

static struct recall_bucket *
bucket_of(struct monitor *mon, uint32_t hash)
{
    return &mon->recall[hash % RECALL_BUCKETS];
}

/* The slot of bucket B that holds ID (hashed to HASH), or NULL; for a new
 * one (NEW), an empty slot of the bucket or its oldest. Under B's lock. */
static struct recall *
recall_slot(struct recall_bucket *b, const char *id, uint32_t hash, int new)
{
    struct recall *oldest = NULL;

    for (size_t k = 0; k < RECALL_PROBE; k++) {
        struct recall *r = &b->slot[k];

        if (r->seq != 0 && r->hash == hash && strcmp(r->id, id) == 0)
            return r;
        if (new && (oldest == NULL || r->seq < oldest->seq))
            oldest = r;
    }
    return oldest;
}

/* Remember VALUE as the prediction ID, for feedback to find. */
static void
remember(struct monitor *mon, const char *id, double value)
{
    uint32_t hash = slot_hash(id);
    struct recall_bucket *b = bucket_of(mon, hash);
    struct recall *r;
    size_t len = 0;

    pthread_mutex_lock(&b->lock);
    r = recall_slot(b, id, hash, 1);
    /* As snprintf would: an id too long for the slot is cut (and not found). */
    for (; len + 1 < sizeof r->id && id[len] != '\0'; len++)
        r->id[len] = id[len];
    r->id[len] = '\0';
    r->hash = hash;
    r->value = value;
    r->seq = ++b->clock;
    pthread_mutex_unlock(&b->lock);
}

/* Take the prediction ID out of the table (one truth per prediction): 1 with
 * its value in *VALUE, or 0 when it is not remembered. */
static int
recall_take(struct monitor *mon, const char *id, double *value)
{
    uint32_t hash = slot_hash(id);
    struct recall_bucket *b = bucket_of(mon, hash);
    struct recall *r;

    pthread_mutex_lock(&b->lock);
    r = recall_slot(b, id, hash, 0);
    if (r != NULL) {
        *value = r->value;
        r->id[0] = '\0';
        r->seq = 0;
    }
    pthread_mutex_unlock(&b->lock);
    return r != NULL;
}

void
monitor_prediction(struct monitor *mon, unsigned worker, const double *v, const char *id)
{
    const struct model *m = mon->m;
    struct worker_stats *s = &mon->ws[worker];
    double value = v[0];

    bump(&s->rows);
    if (m->task == AIWB_TASK_CLASSIFICATION || m->task == AIWB_TASK_CLUSTERING) {
        size_t best = best_of(v, m->k);

        bump(&s->classes[best]);
        value = (double)best;
    } else if (m->task == AIWB_TASK_REGRESSION) {
        size_t b = 0;

        while (b < m->n_pred_edges && !(v[0] <= m->pred_edges[b]))
            b++;
        bump(&s->buckets[b]);
        {
            double sum = s->value_sum + v[0];

            __atomic_store(&s->value_sum, &sum, __ATOMIC_RELAXED);
        }
    }
    if (m->task != AIWB_TASK_CLASSIFICATION && m->task != AIWB_TASK_REGRESSION &&
        m->task != AIWB_TASK_RANKING)
        return;
    remember(mon, id, value);
}

void
monitor_recommendation(struct monitor *mon, unsigned worker)
{
    bump(&mon->ws[worker].recommended);
}

void
monitor_request_error(struct monitor *mon, unsigned worker)
{
    bump(&mon->ws[worker].refused);
}

void
monitor_log_error(struct monitor *mon)
{
    __atomic_add_fetch(&mon->log_errors, 1, __ATOMIC_RELAXED);
}

/* The class index of LABEL, or -1. */
static long
class_of(const struct model *m, const struct json_value *label)
{
    char buf[MODEL_NUMBER_TEXT];
    const char *text = json_str(label);

    if (label->type == JSON_TYPE_NUMBER) {
        model_number_text(json_double(label), buf);
        text = buf;
    }
    for (size_t k = 0; k < m->n_classes; k++)
        if (strcmp(m->classes[k], text) == 0)
            return (long)k;
    return -1;
}

int
monitor_feedback(struct monitor *mon, const char *id, const struct json_value *label,
                 char *reason, size_t reason_size)
{
    const struct model *m = mon->m;
    double truth = 0, err = 0, value = 0;
    int matched;

    if (m->task == AIWB_TASK_CLASSIFICATION) {
        long k = class_of(m, label);

        if (k < 0) {
            snprintf(reason, reason_size, "field 'label': '%.60s' is not one of the model's %zu "
                     "classes", label->type == JSON_TYPE_STRING ? json_str(label) : "(number)",
                     m->n_classes);
            return -1;
        }
        truth = (double)k;
    } else if (m->task == AIWB_TASK_REGRESSION || m->task == AIWB_TASK_RANKING) {
        /* A recommender's label is the rating of the pair it scored. */
        if (label->type != JSON_TYPE_NUMBER) {
            snprintf(reason, reason_size, "field 'label': expected a number, the true '%s'",
                     m->target);
            return -1;
        }
        truth = json_double(label);
    } else {
        snprintf(reason, reason_size, "a %s model takes no feedback labels",
                 model_task_name(m->task));
        return -1;
    }
    matched = id[0] != '\0' && recall_take(mon, id, &value);
    pthread_mutex_lock(&mon->lock);
    mon->feedback++;
    if (matched) {
        mon->matched++;
        if (m->task == AIWB_TASK_CLASSIFICATION) {
            err = value != truth;
            mon->correct += value == truth;
            ph_add(&mon->error_ph, err, PH_DELTA, PH_LAMBDA);
        } else {
            err = fabs(value - truth);
            mon->abs_err += err;
            mon->sq_err += err * err;
            /* The error's scale: the mean absolute error of the first values. */
            if (mon->matched <= PH_MIN_N)
                mon->err_scale = mon->abs_err / (double)mon->matched;
            if (mon->err_scale > 0)
                ph_add(&mon->error_ph, err / mon->err_scale, PH_DELTA, PH_LAMBDA);
        }
    }
    pthread_mutex_unlock(&mon->lock);
    return matched;
}

double
monitor_psi(const uint64_t *live, const double *ref, size_t n)
{
    uint64_t total = 0;
    double psi = 0, floor_;

    for (size_t b = 0; b < n; b++)
        total += live[b];
    if (total == 0)
        return NAN;
    floor_ = 0.5 / (double)total;
    for (size_t b = 0; b < n; b++) {
        double p = (double)live[b] / (double)total, q = ref[b];

        if (p == 0 && q == 0)
            continue;
        p = p > floor_ ? p : floor_;
        q = q > floor_ ? q : floor_;
        psi += (p - q) * log(p / q);
    }
    return psi;
}

/* TEXT as a Prometheus label value (escaped) into RES. */
static void
label_value(struct http_response *res, const char *text)
{
    for (const char *p = text; *p; p++) {
        if (*p == '\\' || *p == '"')
            http_response_printf(res, "\\%c", *p);
        else if (*p == '\n')
            http_response_write(res, "\\n", 2);
        else
            http_response_write(res, p, 1);
    }
}

static void
metric_double(struct http_response *res, double v)
{
    if (isnan(v))
        http_response_write(res, "NaN", 3);
    else
        http_response_printf(res, "%.17g", v);
}

void
monitor_prometheus(struct monitor *mon, struct http_response *res)
{
    const struct model *m = mon->m;
    uint64_t rows = 0, recommended = 0, refused = 0, *bins, *per, *buckets;
    double value_sum = 0;

    bins = host_calloc(mon->n_bins + 1, sizeof *bins);
    per = host_calloc(m->k + 1, sizeof *per);
    buckets = host_calloc(m->n_pred_edges + 1, sizeof *buckets);
    for (unsigned w = 0; w < mon->workers; w++) {
        const struct worker_stats *s = &mon->ws[w];

        rows += __atomic_load_n(&s->rows, __ATOMIC_RELAXED);
        recommended += __atomic_load_n(&s->recommended, __ATOMIC_RELAXED);
        refused += __atomic_load_n(&s->refused, __ATOMIC_RELAXED);
        {
            double sum;

            __atomic_load(&s->value_sum, &sum, __ATOMIC_RELAXED);
            value_sum += sum;
        }
        for (size_t b = 0; b < mon->n_bins; b++)
            bins[b] += __atomic_load_n(&s->bins[b], __ATOMIC_RELAXED);
        for (size_t k = 0; k < m->k; k++)
            per[k] += __atomic_load_n(&s->classes[k], __ATOMIC_RELAXED);
        for (size_t b = 0; b <= m->n_pred_edges; b++)
            buckets[b] += __atomic_load_n(&s->buckets[b], __ATOMIC_RELAXED);
    }
    http_response_printf(res, "# HELP aiwb_model_info The model served.\n"
                              "# TYPE aiwb_model_info gauge\naiwb_model_info{model=\"");
    label_value(res, m->name);
    http_response_printf(res, "\",version=\"%lld\",algorithm=\"", (long long)m->version);
    label_value(res, m->algo_name);
    http_response_printf(res, "\",task=\"%s\"} 1\n", model_task_name(m->task));
    http_response_printf(res, "# HELP aiwb_predictions_total Rows predicted.\n"
                              "# TYPE aiwb_predictions_total counter\n"
                              "aiwb_predictions_total %llu\n", (unsigned long long)rows);
    http_response_printf(res, "# HELP aiwb_predict_refused_total Requests to /predict refused "
                              "(bad JSON, wrong types, missing fields).\n"
                              "# TYPE aiwb_predict_refused_total counter\n"
                              "aiwb_predict_refused_total %llu\n", (unsigned long long)refused);
    if (m->task == AIWB_TASK_CLASSIFICATION || m->task == AIWB_TASK_CLUSTERING) {
        http_response_printf(res, "# HELP aiwb_predicted_class_total Rows predicted, by the "
                                  "class (or cluster) predicted.\n"
                                  "# TYPE aiwb_predicted_class_total counter\n");
        for (size_t k = 0; k < m->k; k++) {
            http_response_printf(res, "aiwb_predicted_class_total{class=\"");
            if (m->task == AIWB_TASK_CLASSIFICATION && k < m->n_classes)
                label_value(res, m->classes[k]);
            else
                http_response_printf(res, "%zu", k);
            http_response_printf(res, "\"} %llu\n", (unsigned long long)per[k]);
        }
    } else if (m->task == AIWB_TASK_REGRESSION) {
        uint64_t cum = 0;

        http_response_printf(res, "# HELP aiwb_prediction_value Predicted values (buckets: "
                                  "deciles of the training target).\n"
                                  "# TYPE aiwb_prediction_value histogram\n");
        for (size_t b = 0; b <= m->n_pred_edges; b++) {
            cum += buckets[b];
            http_response_printf(res, "aiwb_prediction_value_bucket{le=\"");
            if (b < m->n_pred_edges)
                http_response_printf(res, "%.17g", m->pred_edges[b]);
            else
                http_response_printf(res, "+Inf");
            http_response_printf(res, "\"} %llu\n", (unsigned long long)cum);
        }
        http_response_printf(res, "aiwb_prediction_value_sum ");
        metric_double(res, value_sum);
        http_response_printf(res, "\naiwb_prediction_value_count %llu\n",
                             (unsigned long long)rows);
    } else if (m->task == AIWB_TASK_RANKING) {
        http_response_printf(res, "# HELP aiwb_recommendations_total Recommendation lists "
                                  "served.\n# TYPE aiwb_recommendations_total counter\n"
                                  "aiwb_recommendations_total %llu\n",
                             (unsigned long long)recommended);
    }
    if (mon->n_bins > 0) {
        http_response_printf(res, "# HELP aiwb_feature_psi Population stability index of each "
                                  "input in live traffic against the training data (0.1: "
                                  "moderate, 0.25: large shift).\n"
                                  "# TYPE aiwb_feature_psi gauge\n");
        for (size_t c = 0; c < m->n_in; c++) {
            if (mon->bin_at[c] == SIZE_MAX)
                continue;
            http_response_printf(res, "aiwb_feature_psi{feature=\"");
            label_value(res, m->in[c].name);
            http_response_printf(res, "\"} ");
            metric_double(res, monitor_psi(bins + mon->bin_at[c], m->in[c].ref.props,
                                           m->in[c].ref.nbins + 1));
            http_response_printf(res, "\n");
        }
        http_response_printf(res, "# HELP aiwb_feature_change_alarm Whether Page-Hinkley "
                                  "detected a change in the mean of a numeric input.\n"
                                  "# TYPE aiwb_feature_change_alarm gauge\n");
        for (size_t c = 0; c < m->n_in; c++) {
            int alarm = 0;

            if (mon->bin_at[c] == SIZE_MAX || m->in[c].type != AIWB_NUMERIC)
                continue;
            for (unsigned w = 0; w < mon->workers; w++)
                alarm |= __atomic_load_n(&mon->ws[w].ph[c].alarm, __ATOMIC_RELAXED);
            http_response_printf(res, "aiwb_feature_change_alarm{feature=\"");
            label_value(res, m->in[c].name);
            http_response_printf(res, "\"} %d\n", alarm);
        }
    }
    pthread_mutex_lock(&mon->lock);
    http_response_printf(res, "# HELP aiwb_feedback_total Labels received at /feedback.\n"
                              "# TYPE aiwb_feedback_total counter\naiwb_feedback_total %llu\n"
                              "# HELP aiwb_feedback_matched_total Labels matched to a "
                              "remembered prediction.\n# TYPE aiwb_feedback_matched_total "
                              "counter\naiwb_feedback_matched_total %llu\n",
                         (unsigned long long)mon->feedback, (unsigned long long)mon->matched);
    if (m->task == AIWB_TASK_CLASSIFICATION) {
        http_response_printf(res, "# HELP aiwb_live_accuracy Accuracy on the matched "
                                  "feedback.\n# TYPE aiwb_live_accuracy gauge\n"
                                  "aiwb_live_accuracy ");
        metric_double(res, mon->matched ? (double)mon->correct / (double)mon->matched : NAN);
        http_response_printf(res, "\n");
    } else if (m->task == AIWB_TASK_REGRESSION || m->task == AIWB_TASK_RANKING) {
        http_response_printf(res, "# HELP aiwb_live_mae Mean absolute error on the matched "
                                  "feedback.\n# TYPE aiwb_live_mae gauge\naiwb_live_mae ");
        metric_double(res, mon->matched ? mon->abs_err / (double)mon->matched : NAN);
        http_response_printf(res, "\n# HELP aiwb_live_rmse Root mean squared error on the "
                                  "matched feedback.\n# TYPE aiwb_live_rmse gauge\n"
                                  "aiwb_live_rmse ");
        metric_double(res, mon->matched ? sqrt(mon->sq_err / (double)mon->matched) : NAN);
        http_response_printf(res, "\n");
    }
    http_response_printf(res, "# HELP aiwb_error_change_alarm Whether Page-Hinkley detected a "
                              "rise in the live error.\n# TYPE aiwb_error_change_alarm gauge\n"
                              "aiwb_error_change_alarm %d\n"
                              "# HELP aiwb_error_change_alarms_total Times it fired.\n"
                              "# TYPE aiwb_error_change_alarms_total counter\n"
                              "aiwb_error_change_alarms_total %llu\n",
                         mon->error_ph.alarm, (unsigned long long)mon->error_ph.alarms);
    pthread_mutex_unlock(&mon->lock);
    http_response_printf(res, "# HELP aiwb_log_write_errors_total Log records that could not "
                              "be written.\n# TYPE aiwb_log_write_errors_total counter\n"
                              "aiwb_log_write_errors_total %llu\n",
                         (unsigned long long)__atomic_load_n(&mon->log_errors, __ATOMIC_RELAXED));
    free(bins);
    free(per);
    free(buckets);
}
