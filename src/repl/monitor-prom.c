/*
 * monitor-prom.c - the Prometheus text format as `monitor URL` reads an
 * aiwb-server's /metrics: samples with their labels, and histograms with
 * Prometheus' histogram_quantile().
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/numfmt.h"
#include "core/strbuf.h"
#include "core/xalloc.h"
#include "repl/monitor.h"

static int
isdigit_c(int c)
{
    return c >= '0' && c <= '9';
}

/* ---- Prometheus text ------------------------------------------------------ */

void
prom_scrape_free(struct prom_scrape *sc)
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
parse_labels(const char *p, const char *end, struct prom_sample *s, const char **at,
             const char **msg)
{
    struct strbuf val = STRBUF_INIT;

    for (;;) {
        const char *q;
        struct prom_label *l;

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
parse_sample(const char *p, const char *end, struct prom_sample *s, const char **at,
             const char **msg)
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
 * new scrape (free it with prom_scrape_free), or NULL with *cause naming the line
 * and column of the first malformed one. Comments (# HELP, # TYPE) and blank
 * lines are skipped.
 */
struct prom_scrape *
prom_parse(const char *text, size_t len, const char *where, char **cause)
{
    struct prom_scrape *sc = xcalloc(1, sizeof *sc);
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
            struct prom_sample smp;

            memset(&smp, 0, sizeof smp);
            if (parse_sample(s, le, &smp, &at, &msg) < 0) {
                *cause = xasprintf("'%s' line %zu column %zu: %s", where, line,
                                   (size_t)(at - p) + 1, msg);
                sc->v = xreallocarray(sc->v, sc->n + 1, sizeof *sc->v);
                sc->v[sc->n++] = smp; /* freed with the rest */
                prom_scrape_free(sc);
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

const char *
prom_label_of(const struct prom_sample *s, const char *name)
{
    for (size_t l = 0; l < s->nlabels; l++)
        if (strcmp(s->labels[l].name, name) == 0)
            return s->labels[l].value;
    return NULL;
}

/* The first sample NAME (whose label LNAME is LVALUE, if LNAME), or NULL. */
const struct prom_sample *
prom_find(const struct prom_scrape *sc, const char *name, const char *lname, const char *lvalue)
{
    for (size_t i = 0; sc != NULL && i < sc->n; i++) {
        const char *v;

        if (strcmp(sc->v[i].name, name) != 0)
            continue;
        if (lname == NULL ||
            ((v = prom_label_of(&sc->v[i], lname)) != NULL && strcmp(v, lvalue) == 0))
            return &sc->v[i];
    }
    return NULL;
}

/* The value of sample NAME (labelled LNAME=LVALUE), NaN if absent. */
double
prom_value_of(const struct prom_scrape *sc, const char *name, const char *lname, const char *lvalue)
{
    const struct prom_sample *s = prom_find(sc, name, lname, lvalue);

    return s != NULL ? s->value : NAN;
}

void
prom_hist_release(struct prom_hist *h)
{
    free(h->le);
    free(h->count);
    memset(h, 0, sizeof *h);
}

/* The histogram BASE of SC (BASE_bucket{le=}, BASE_sum, BASE_count) into H;
 * buckets of the same bound are merged, counts made monotonic (as Prometheus
 * does). H is empty (n 0) if SC has none. */
void
prom_hist_get(const struct prom_scrape *sc, const char *base, struct prom_hist *h)
{
    char *bucket = xasprintf("%s_bucket", base), *sum = xasprintf("%s_sum", base),
         *count = xasprintf("%s_count", base);

    memset(h, 0, sizeof *h);
    for (size_t i = 0; sc != NULL && i < sc->n; i++) {
        const char *le = strcmp(sc->v[i].name, bucket) == 0 ? prom_label_of(&sc->v[i], "le") : NULL;
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
    h->sum = prom_value_of(sc, sum, NULL, NULL);
    h->total = prom_value_of(sc, count, NULL, NULL);
    if (isnan(h->total) && h->n > 0)
        h->total = h->count[h->n - 1];
    free(bucket);
    free(sum);
    free(count);
}

/* H minus the earlier histogram OLD, bucket by bucket (bounds missing from
 * OLD count whole). */
void
prom_hist_minus(struct prom_hist *h, const struct prom_hist *old)
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
double
prom_hist_quantile(const struct prom_hist *h, double q)
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
