/*
 * http-response.c - what handlers see of the server core: the response builder
 * (JSON errors and strings included), the request accessors, and the
 * counters as Prometheus text.
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

#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char default_ctype[] = "application/json";

const double http_latency_bounds[HTTP_LATENCY_BUCKETS] = {
    0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
};

/* Grow *BUF (capacity *CAP) to hold NEED bytes, doubling from INITIAL.
 * Returns 0, or -1 when out of memory (*BUF is then untouched). */
int
http_grow(char **buf, size_t *cap, size_t need, size_t initial)
{
    size_t n = *cap ? *cap : initial;
    char *b;

    if (need > SIZE_MAX / 2)
        return -1;
    while (n < need)
        n *= 2;
    b = realloc(*buf, n);
    if (!b)
        return -1;
    *buf = b;
    *cap = n;
    return 0;
}

/* Whether S[0 .. N) is a non-empty token (RFC 9110 5.6.2). */
int
http_is_token(const char *s, size_t n)
{
    static const char extra[] = "!#$%&'*+-.^_`|~";
    size_t i;

    if (n == 0)
        return 0;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              (c && strchr(extra, c))))
            return 0;
    }
    return 1;
}

/* Reset RES for a new answer: 200, application/json, no body, no headers.
 * A body buffer grown past BUF_KEEP for an earlier answer is given back. */
void
http_res_reset(struct http_response *res)
{
    if (res->cap > BUF_KEEP) {
        free(res->body);
        res->body = NULL;
        res->cap = 0;
    }
    res->status = 200;
    res->failed = 0;
    res->close = 0;
    res->ctype = default_ctype;
    res->ctype_len = sizeof(default_ctype) - 1;
    res->len = 0;
    res->hlen = 0;
}

void
http_response_status(struct http_response *res, int status)
{
    res->status = status;
}

int
http_response_content_type(struct http_response *res, const char *type)
{
    size_t i, n = strlen(type);

    if (n == 0 || n >= sizeof(res->ctype_buf))
        return -1;
    for (i = 0; i < n; i++)
        if ((unsigned char)type[i] < 0x20 || type[i] == 0x7f)
            return -1;
    memcpy(res->ctype_buf, type, n + 1);
    res->ctype = res->ctype_buf;
    res->ctype_len = n;
    return 0;
}

int
http_response_header(struct http_response *res, const char *name, const char *value)
{
    static const char *const reserved[] = {
        "content-length", "content-type", "connection", "date", "transfer-encoding",
    };
    size_t i, nlen = strlen(name), vlen = strlen(value);

    if (!http_is_token(name, nlen))
        return -1;
    for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
        if (strcasecmp(name, reserved[i]) == 0)
            return -1;
    for (i = 0; i < vlen; i++)
        if (((unsigned char)value[i] < 0x20 && value[i] != '\t') || value[i] == 0x7f)
            return -1;
    if (res->hlen + nlen + vlen + 4 > res->hcap &&
        http_grow(&res->hdrs, &res->hcap, res->hlen + nlen + vlen + 4, 256) < 0) {
        res->failed = 1;
        return -1;
    }
    memcpy(res->hdrs + res->hlen, name, nlen);
    res->hlen += nlen;
    memcpy(res->hdrs + res->hlen, ": ", 2);
    res->hlen += 2;
    memcpy(res->hdrs + res->hlen, value, vlen);
    res->hlen += vlen;
    memcpy(res->hdrs + res->hlen, "\r\n", 2);
    res->hlen += 2;
    return 0;
}

char *
http_response_reserve(struct http_response *res, size_t len)
{
    if (res->failed)
        return NULL;
    if (len > res->cap - res->len && http_grow(&res->body, &res->cap, res->len + len, 4096) < 0) {
        res->failed = 1;
        return NULL;
    }
    return res->body + res->len;
}

void
http_response_commit(struct http_response *res, size_t len)
{
    if (!res->failed && len <= res->cap - res->len)
        res->len += len;
}

void
http_response_write(struct http_response *res, const void *data, size_t len)
{
    char *p = http_response_reserve(res, len);

    if (p) {
        memcpy(p, data, len);
        res->len += len;
    }
}

void
http_response_printf(struct http_response *res, const char *fmt, ...)
{
    va_list ap;
    char *p = http_response_reserve(res, 256);
    size_t room;
    int n;

    if (!p)
        return;
    room = res->cap - res->len;
    va_start(ap, fmt);
    n = vsnprintf(p, room, fmt, ap);
    va_end(ap);
    if (n < 0) {
        res->failed = 1;
        return;
    }
    if ((size_t)n >= room) {
        p = http_response_reserve(res, (size_t)n + 1);
        if (!p)
            return;
        va_start(ap, fmt);
        vsnprintf(p, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    res->len += (size_t)n;
}

/* The length of the valid UTF-8 sequence at S (N bytes left), 0 if none. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];

    if (c >= 0xc2 && c <= 0xdf)
        return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
    if (c >= 0xe0 && c <= 0xef) {
        if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
            return 0;
        if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f))
            return 0;
        return 3;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        if (n < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
            return 0;
        if ((c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] > 0x8f))
            return 0;
        return 4;
    }
    return 0;
}

void
http_response_json_string(struct http_response *res, const char *text, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)text;
    char *start, *p;
    size_t i = 0;

    if (len > (SIZE_MAX - 2) / 6) {
        res->failed = 1;
        return;
    }
    start = p = http_response_reserve(res, len * 6 + 2);
    if (!p)
        return;
    *p++ = '"';
    while (i < len) {
        unsigned char c = s[i];
        size_t n;

        if (c >= 0x80) {
            n = utf8_len(s + i, len - i);
            if (n) {
                p = put(p, text + i, n);
                i += n;
            } else {
                p = PUT_LIT(p, "\\ufffd");
                i++;
            }
            continue;
        }
        if (c == '"' || c == '\\') {
            *p++ = '\\';
            *p++ = (char)c;
        } else if (c == '\n') {
            p = PUT_LIT(p, "\\n");
        } else if (c == '\r') {
            p = PUT_LIT(p, "\\r");
        } else if (c == '\t') {
            p = PUT_LIT(p, "\\t");
        } else if (c < 0x20 || c == 0x7f) {
            p = PUT_LIT(p, "\\u00");
            *p++ = hex[c >> 4];
            *p++ = hex[c & 15];
        } else {
            *p++ = (char)c;
        }
        i++;
    }
    *p++ = '"';
    res->len += (size_t)(p - start);
}

/* Make RES the JSON error {"error": MSG, "status": STATUS}. */
void
http_res_error(struct http_response *res, int status, const char *msg)
{
    res->failed = 0;
    res->status = status;
    res->ctype = default_ctype;
    res->ctype_len = sizeof(default_ctype) - 1;
    res->len = 0;
    http_response_write(res, "{\"error\": ", 10);
    http_response_json_string(res, msg, strlen(msg));
    http_response_printf(res, ", \"status\": %d}", status);
}

void
http_response_error(struct http_response *res, int status, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    http_res_error(res, status, msg);
}

void
http_response_close(struct http_response *res)
{
    res->close = 1;
}

const char *
http_request_header(const struct http_request *req, const char *name, size_t *len)
{
    const struct request_internal *ri = req->internal_;
    size_t i, n = strlen(name);

    for (i = 0; i < ri->head->nfields; i++) {
        const struct http_field *f = &ri->head->fields[i];

        if (f->name_len == n && strncasecmp(ri->base + f->name, name, n) == 0) {
            if (len)
                *len = f->value_len;
            return ri->base + f->value;
        }
    }
    return NULL;
}

size_t
http_request_header_count(const struct http_request *req)
{
    const struct request_internal *ri = req->internal_;

    return ri->head->nfields;
}

void
http_request_header_at(const struct http_request *req, size_t i, const char **name,
                       size_t *name_len, const char **value, size_t *value_len)
{
    const struct request_internal *ri = req->internal_;
    const struct http_field *f = &ri->head->fields[i];

    if (name)
        *name = ri->base + f->name;
    if (name_len)
        *name_len = f->name_len;
    if (value)
        *value = ri->base + f->value;
    if (value_len)
        *value_len = f->value_len;
}

size_t
http_request_id_format(const struct http_request *req, char buf[HTTP_REQUEST_ID_SIZE])
{
    const struct request_internal *ri = req->internal_;
    int n =
        snprintf(buf, HTTP_REQUEST_ID_SIZE, "%s-%llu", ri->id_prefix, (unsigned long long)req->id);

    return n > 0 ? (size_t)n : 0;
}

void
http_stats_prometheus(const struct http_stats *st, const char *prefix, struct http_response *res)
{
    unsigned k;

    http_response_printf(res,
                         "# HELP %s_requests_total Answers sent, by status code.\n"
                         "# TYPE %s_requests_total counter\n",
                         prefix, prefix);
    for (k = 0; k < 500; k++)
        if (st->responses[k])
            http_response_printf(res, "%s_requests_total{code=\"%u\"} %llu\n", prefix, k + 100,
                                 (unsigned long long)st->responses[k]);
    http_response_printf(res,
                         "# HELP %s_request_duration_seconds From a complete request to its "
                         "queued answer.\n"
                         "# TYPE %s_request_duration_seconds histogram\n",
                         prefix, prefix);
    for (k = 0; k < HTTP_LATENCY_BUCKETS; k++)
        http_response_printf(res, "%s_request_duration_seconds_bucket{le=\"%g\"} %llu\n", prefix,
                             http_latency_bounds[k], (unsigned long long)st->latency_le[k]);
    http_response_printf(res,
                         "%s_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n"
                         "%s_request_duration_seconds_sum %.9g\n"
                         "%s_request_duration_seconds_count %llu\n",
                         prefix, (unsigned long long)st->latency_le[HTTP_LATENCY_BUCKETS], prefix,
                         st->latency_sum, prefix, (unsigned long long)st->latency_count);
    http_response_printf(res,
                         "# HELP %s_requests_in_progress Requests in a handler now.\n"
                         "# TYPE %s_requests_in_progress gauge\n"
                         "%s_requests_in_progress %llu\n"
                         "# HELP %s_connections_open Connections open now.\n"
                         "# TYPE %s_connections_open gauge\n"
                         "%s_connections_open %llu\n"
                         "# HELP %s_connections_total Connections accepted.\n"
                         "# TYPE %s_connections_total counter\n"
                         "%s_connections_total %llu\n"
                         "# HELP %s_connections_rejected_total Connections refused over the "
                         "cap (503).\n"
                         "# TYPE %s_connections_rejected_total counter\n"
                         "%s_connections_rejected_total %llu\n",
                         prefix, prefix, prefix, (unsigned long long)st->requests_in_progress,
                         prefix, prefix, prefix, (unsigned long long)st->connections_open, prefix,
                         prefix, prefix, (unsigned long long)st->connections_accepted, prefix,
                         prefix, prefix, (unsigned long long)st->connections_rejected);
}
