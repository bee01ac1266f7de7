/*
 * http-parse.c - the request head parser: finds the end of a head as bytes
 * arrive, then checks and splits it, refusing what RFC 9112 lets a server
 * refuse rather than guessing (no obs-fold, no bare CR or LF, no whitespace
 * before ':', one Content-Length, no Transfer-Encoding).
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

#include "http-parse.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Byte classes: tchar (RFC 9110 5.6.2) and what a Host value may hold. */
#define C_TCHAR 1
#define C_HOST 2
/* clang-format off */
static const unsigned char ctab[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 3, 0, 1, 3, 3, 3, 3, 2, 2, 3, 3, 2, 3, 3, 0,
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 2, 2, 0, 2, 0, 0,
    0, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 2, 0, 2, 1, 3,
    1, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 0, 1, 0, 3, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};
/* clang-format on */

static inline int
is_tchar(char c)
{
    return ctab[(unsigned char)c] & C_TCHAR;
}

static inline int
is_ows(char c)
{
    return c == ' ' || c == '\t';
}

static int
fail(struct http_head *h, int status, const char *fmt, ...)
{
    va_list ap;

    h->status = status;
    va_start(ap, fmt);
    vsnprintf(h->message, sizeof(h->message), fmt, ap);
    va_end(ap);
    return -1;
}

/* A printable copy of the first bytes of S[0 .. LEN) for a message. */
static const char *
excerpt(char out[32], const char *s, size_t len)
{
    size_t i, n = len < 24 ? len : 24;

    for (i = 0; i < n; i++)
        out[i] = s[i] >= 0x20 && s[i] < 0x7f && s[i] != '\'' ? s[i] : '?';
    if (len > n) {
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n] = '\0';
    return out;
}

/* Bytes the scan must look at: CR, LF, and what no head may hold (controls
 * but HTAB, and DEL). Everything else is passed over with one lookup. */
static inline int
is_special(unsigned char c)
{
    return (c < 0x20 && c != '\t') || c == 0x7f;
}

/* The request line's method so far, from BUF[*I]: a prefix that is no token
 * is refused at once (binary garbage, TLS). Stops at SP (past_method set),
 * CR, LF or the end of the bytes. */
static int
scan_method(struct http_scan *s, const char *buf, size_t len, size_t *ip, struct http_head *h)
{
    size_t i = *ip;

    for (; i < len; i++) {
        unsigned char c = (unsigned char)buf[i];

        if (c == ' ') {
            s->past_method = 1;
            i++;
            break;
        }
        if (c == '\r' || c == '\n')
            break;
        if (!is_tchar((char)c))
            return is_special(c) ? fail(h, 400, "request line: control byte 0x%02x", c)
                                 : fail(h, 400, "request line: byte 0x%02x in the method", c);
    }
    *ip = i;
    return 0;
}

int
http_scan_head(struct http_scan *s, const char *buf, size_t len, const struct http_limits *lim,
               struct http_head *h)
{
    /* Nothing past the limit is looked at, so that the verdict does not
     * depend on how the bytes were split across reads. */
    size_t i = s->pos, end = len < lim->max_header_bytes ? len : lim->max_header_bytes;

    if (s->lines == 0 && !s->past_method && scan_method(s, buf, end, &i, h) < 0)
        return -1;
    for (; i < end; i++) {
        unsigned char c = (unsigned char)buf[i];
        const char *where = s->lines ? "header" : "request line";

        if (!is_special(c))
            continue;
        if (c == '\r') {
            if (i + 1 == end)
                break; /* is LF next? ask again with more */
            if (buf[i + 1] != '\n')
                return fail(h, 400, "%s: CR not followed by LF", where);
            continue;
        }
        if (c != '\n')
            return fail(h, 400, "%s: control byte 0x%02x", where, c);
        if (i == 0 || buf[i - 1] != '\r')
            return fail(h, 400, "%s: line ended by a bare LF, not CRLF", where);
        if (i - 1 == s->line_start) {
            if (s->lines == 0) {
                /* An empty line before the request line: skipped. */
                s->line_start = (uint32_t)(i + 1);
                i++;
                if (scan_method(s, buf, end, &i, h) < 0)
                    return -1;
                i--;
                continue;
            }
            s->pos = (uint32_t)(i + 1);
            return (int)(i + 1);
        }
        if (s->lines > lim->max_header_fields)
            return fail(h, 431, "more than %u header fields", lim->max_header_fields);
        s->lines++;
        s->line_start = (uint32_t)(i + 1);
    }
    if (len >= lim->max_header_bytes) {
        if (s->lines == 0)
            return fail(h, 414, "request line longer than %zu bytes", lim->max_header_bytes);
        return fail(h, 431, "request head longer than %zu bytes", lim->max_header_bytes);
    }
    s->pos = (uint32_t)(i < end ? i : end);
    return 0;
}

/* Split the request target BUF[START .. END) into path and query: origin-form
 * ("/p?q"), absolute-form ("http://host/p?q": the path is taken) or
 * asterisk-form ("*"). */
static int
parse_target(const char *buf, size_t start, size_t end, struct http_head *h)
{
    size_t p = start, q;

    if (memchr(buf + start, '#', end - start))
        return fail(h, 400, "request line: '#' in the request target");
    if (buf[p] == '*' && end - start == 1) {
        h->path = (uint32_t)p;
        h->path_len = 1;
        h->query = (uint32_t)end;
        h->query_len = 0;
        return 0;
    }
    if (buf[p] != '/') {
        size_t scheme = 0;

        if (end - p > 7 && strncasecmp(buf + p, "http://", 7) == 0)
            scheme = 7;
        else if (end - p > 8 && strncasecmp(buf + p, "https://", 8) == 0)
            scheme = 8;
        if (!scheme)
            return fail(h, 400, "request line: request target not starting with '/'");
        p += scheme;
        while (p < end && buf[p] != '/')
            p++;
        if (p == end)
            return fail(h, 400, "request line: absolute request target without a path");
    }
    q = p;
    while (q < end && buf[q] != '?')
        q++;
    h->path = (uint32_t)p;
    h->path_len = (uint32_t)(q - p);
    if (q < end) {
        h->query = (uint32_t)(q + 1);
        h->query_len = (uint32_t)(end - q - 1);
    } else {
        h->query = (uint32_t)end;
        h->query_len = 0;
    }
    return 0;
}

static int
name_is(const char *buf, const struct http_field *f, const char *lower, size_t len)
{
    return f->name_len == len && strncasecmp(buf + f->name, lower, len) == 0;
}

/* What the server needs from the fields it interprets. */
struct special {
    int hosts;
    int content_length;          /* seen */
    int transfer_encoding;       /* seen */
    uint32_t coding, coding_len; /* the last transfer coding */
    size_t bad_expect;           /* line of an unsupported Expect, 0 if none */
    uint32_t expect, expect_len;
};

static int
parse_content_length(const char *v, size_t n, size_t line, struct http_head *h)
{
    uint64_t x = 0;
    size_t i;
    char ex[32];

    if (n == 0)
        return fail(h, 400, "header line %zu: empty Content-Length", line);
    for (i = 0; i < n; i++) {
        unsigned d = (unsigned char)v[i] - '0';

        if (d > 9)
            return fail(h, 400, "header line %zu: Content-Length '%s' is not a number", line,
                        excerpt(ex, v, n));
        x = x > (UINT64_MAX - d) / 10 ? UINT64_MAX : x * 10 + d;
    }
    h->content_length = x;
    return 0;
}

/* Note the Connection options of V[0 .. N): close, keep-alive. */
static void
parse_connection(const char *v, size_t n, struct http_head *h)
{
    size_t i = 0;

    while (i < n) {
        size_t start, end;

        while (i < n && (is_ows(v[i]) || v[i] == ','))
            i++;
        start = i;
        while (i < n && v[i] != ',')
            i++;
        end = i;
        while (end > start && is_ows(v[end - 1]))
            end--;
        if (end - start == 5 && strncasecmp(v + start, "close", 5) == 0)
            h->flags |= HTTP_HEAD_CLOSE;
        else if (end - start == 10 && strncasecmp(v + start, "keep-alive", 10) == 0)
            h->flags |= HTTP_HEAD_KEEP_ALIVE;
    }
}

static int
interpret(const char *buf, const struct http_field *f, size_t line, struct special *sp,
          struct http_head *h)
{
    const char *v = buf + f->value;
    size_t i;
    char ex[32];

    switch (f->name_len) {
    case 4:
        if (!name_is(buf, f, "host", 4))
            break;
        if (++sp->hosts > 1)
            return fail(h, 400, "header line %zu: repeated Host", line);
        for (i = 0; i < f->value_len; i++)
            if (!(ctab[(unsigned char)v[i]] & C_HOST))
                return fail(h, 400, "header line %zu: invalid Host '%s'", line,
                            excerpt(ex, v, f->value_len));
        break;
    case 6:
        if (!name_is(buf, f, "expect", 6) || h->version == 10)
            break;
        if (f->value_len == 12 && strncasecmp(v, "100-continue", 12) == 0)
            h->flags |= HTTP_HEAD_CONTINUE;
        else if (!sp->bad_expect) {
            sp->bad_expect = line;
            sp->expect = f->value;
            sp->expect_len = f->value_len;
        }
        break;
    case 10:
        if (name_is(buf, f, "connection", 10))
            parse_connection(v, f->value_len, h);
        break;
    case 14:
        if (!name_is(buf, f, "content-length", 14))
            break;
        if (sp->content_length++)
            return fail(h, 400, "header line %zu: duplicate Content-Length", line);
        return parse_content_length(v, f->value_len, line, h);
    case 17:
        if (!name_is(buf, f, "transfer-encoding", 17))
            break;
        sp->transfer_encoding = 1;
        i = f->value_len;
        while (i > 0 && v[i - 1] != ',')
            i--;
        while (i < f->value_len && is_ows(v[i]))
            i++;
        sp->coding = (uint32_t)(f->value + i);
        sp->coding_len = (uint32_t)(f->value_len - i);
        break;
    }
    return 0;
}

/* The framing and presence rules, once every field is known. */
static int
check_framing(const char *buf, const struct special *sp, const struct http_limits *lim,
              struct http_head *h)
{
    char ex[32];

    if (sp->transfer_encoding) {
        if (sp->content_length)
            return fail(h, 400, "both Transfer-Encoding and Content-Length");
        if (h->version == 10)
            return fail(h, 400, "Transfer-Encoding in an HTTP/1.0 request");
        if (sp->coding_len == 7 && strncasecmp(buf + sp->coding, "chunked", 7) == 0)
            return fail(h, 411, "chunked request bodies are not supported: send Content-Length");
        return fail(h, 501, "transfer coding '%s' is not supported",
                    excerpt(ex, buf + sp->coding, sp->coding_len));
    }
    if (h->version == 11 && sp->hosts == 0)
        return fail(h, 400, "missing Host header");
    if (sp->bad_expect)
        return fail(h, 417, "header line %zu: expectation '%s' is not supported", sp->bad_expect,
                    excerpt(ex, buf + sp->expect, sp->expect_len));
    if (h->content_length > lim->max_body_bytes) {
        if (h->content_length == UINT64_MAX)
            return fail(h, 413, "request body over the limit of %llu bytes",
                        (unsigned long long)lim->max_body_bytes);
        return fail(h, 413, "request body of %llu bytes over the limit of %llu bytes",
                    (unsigned long long)h->content_length, (unsigned long long)lim->max_body_bytes);
    }
    return 0;
}

/* The request line at BUF[*P ..): method SP target SP HTTP/d.d CRLF. */
static int
parse_request_line(const char *buf, size_t len, size_t *pp, struct http_head *h)
{
    size_t p = *pp, start = p;
    char ex[32];

    while (p < len && is_tchar(buf[p]))
        p++;
    if (p == start || p >= len || buf[p] != ' ')
        return fail(h, 400, "request line: malformed method");
    h->method = (uint32_t)start;
    h->method_len = (uint32_t)(p - start);
    start = ++p;
    while (p < len && (unsigned char)buf[p] > 0x20 && (unsigned char)buf[p] < 0x7f)
        p++;
    if (p == start || p >= len || buf[p] != ' ')
        return fail(h, 400, "request line: malformed request target");
    if (parse_target(buf, start, p, h) < 0)
        return -1;
    p++;
    if (len - p < 10 || memcmp(buf + p, "HTTP/", 5) != 0 || buf[p + 5] < '0' || buf[p + 5] > '9' ||
        buf[p + 6] != '.' || buf[p + 7] < '0' || buf[p + 7] > '9' || buf[p + 8] != '\r' ||
        buf[p + 9] != '\n')
        return fail(h, 400, "request line: malformed HTTP version '%s'",
                    excerpt(ex, buf + p, len - p < 8 ? len - p : 8));
    if (buf[p + 5] != '1')
        return fail(h, 505, "HTTP version '%.8s' is not supported", buf + p);
    h->version = buf[p + 7] == '0' ? 10 : 11;
    *pp = p + 10;
    return 0;
}

int
http_parse_head(const char *buf, size_t len, const struct http_limits *lim, struct http_head *h)
{
    struct special sp;
    size_t p = 0, line = 1;
    char ex[32];

    memset(&sp, 0, sizeof(sp));
    h->flags = 0;
    h->content_length = 0;
    h->nfields = 0;
    h->status = 0;
    h->message[0] = '\0';
    while (p + 1 < len && buf[p] == '\r' && buf[p + 1] == '\n')
        p += 2;
    if (parse_request_line(buf, len, &p, h) < 0)
        return -1;
    while (p + 1 < len && !(buf[p] == '\r' && buf[p + 1] == '\n')) {
        struct http_field f;
        size_t start = p, vend;

        line++;
        if (is_ows(buf[p]))
            return fail(h, 400, "header line %zu: obsolete line folding", line);
        while (p < len && is_tchar(buf[p]))
            p++;
        if (p >= len)
            return fail(h, 400, "header line %zu: truncated", line);
        if (buf[p] != ':') {
            if (is_ows(buf[p]))
                return fail(h, 400, "header line %zu: whitespace before ':'", line);
            return fail(h, 400, "header line %zu: byte 0x%02x in the field name", line,
                        (unsigned char)buf[p]);
        }
        if (p == start)
            return fail(h, 400, "header line %zu: empty field name", line);
        f.name = (uint32_t)start;
        f.name_len = (uint32_t)(p - start);
        p++;
        while (p < len && is_ows(buf[p]))
            p++;
        f.value = (uint32_t)p;
        while (p < len && buf[p] != '\r') {
            unsigned char c = (unsigned char)buf[p];

            if ((c < 0x20 && c != '\t') || c == 0x7f)
                return fail(h, 400, "header line %zu: byte 0x%02x in the value of '%s'", line, c,
                            excerpt(ex, buf + f.name, f.name_len));
            p++;
        }
        if (p + 1 >= len || buf[p + 1] != '\n')
            return fail(h, 400, "header line %zu: not ended by CRLF", line);
        vend = p;
        while (vend > f.value && is_ows(buf[vend - 1]))
            vend--;
        f.value_len = (uint32_t)(vend - f.value);
        p += 2;
        if (h->nfields >= lim->max_header_fields)
            return fail(h, 431, "more than %u header fields", lim->max_header_fields);
        h->fields[h->nfields++] = f;
        if (interpret(buf, &f, line, &sp, h) < 0)
            return -1;
    }
    if (p + 2 != len)
        return fail(h, 400, "request head not ended by an empty line");
    return check_framing(buf, &sp, lim, h);
}

const char *
http_reason(int status)
{
    /* clang-format off */
    switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 417: return "Expectation Failed";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    }
    /* clang-format on */
    if (status >= 200 && status < 300)
        return "Success";
    if (status >= 400 && status < 500)
        return "Client Error";
    return "Server Error";
}
