/*
 * http-parse.h - the request head parser of the server core (private to
 * server/http.c, and fuzzed on its own): a resumable scan that finds the end
 * of a head as bytes arrive, then a strict parse of the complete head.
 * Neither allocates nor writes into the buffer.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 */
#ifndef AIWB_SERVER_HTTP_PARSE_H
#define AIWB_SERVER_HTTP_PARSE_H

#include <stddef.h>
#include <stdint.h>

/* What the parser enforces. */
struct http_limits {
    size_t max_header_bytes; /* whole head, empty line included */
    unsigned max_header_fields;
    uint64_t max_body_bytes;
};

/* Progress of http_scan_head over one head (zero it for a new request). */
struct http_scan {
    uint32_t pos;        /* bytes examined */
    uint32_t line_start; /* where the current line starts */
    uint32_t lines;      /* complete lines, leading empty ones excluded */
    uint8_t past_method; /* the request line's first SP was seen */
};

/* A header field: offsets from the start of the head. */
struct http_field {
    uint32_t name;
    uint32_t name_len;
    uint32_t value; /* OWS trimmed on both sides */
    uint32_t value_len;
};

/* Head flags. */
#define HTTP_HEAD_CLOSE 1u      /* Connection: close */
#define HTTP_HEAD_KEEP_ALIVE 2u /* Connection: keep-alive */
#define HTTP_HEAD_CONTINUE 4u   /* Expect: 100-continue (HTTP/1.1) */

/* A parsed head, or why it was refused. Offsets from the start of the head. */
struct http_head {
    uint32_t method, method_len;
    uint32_t path, path_len;   /* the target up to '?' ("*" for asterisk-form) */
    uint32_t query, query_len; /* after '?'; query_len 0 if none */
    int version;               /* 10 or 11 */
    unsigned flags;
    uint64_t content_length; /* 0 when absent */
    unsigned nfields;
    struct http_field *fields; /* the caller's array of max_header_fields */
    int status;                /* on error: the status to answer */
    char message[160];         /* on error: what was wrong, and where */
};

/*
 * Look at BUF[S->pos .. LEN) for the end of the head that starts at BUF[0],
 * refusing early what can be refused from a prefix: control bytes, a bare CR
 * or LF, a method that is not a token, a request line over the limit (414),
 * a head over the byte or field limits (431). Returns the head's length
 * (through its empty line) once complete, 0 if more bytes are needed, -1
 * with H->status and H->message set.
 */
int http_scan_head(struct http_scan *s, const char *buf, size_t len, const struct http_limits *lim,
                   struct http_head *h);

/*
 * Parse the complete head BUF[0 .. LEN) (as found by http_scan_head) into H,
 * whose fields array must hold LIM->max_header_fields entries. Checks the
 * request line, the version (505 for other than 1.x), every field's syntax,
 * Host, Content-Length, Transfer-Encoding, Connection and Expect. Returns 0,
 * or -1 with H->status and H->message set.
 */
int http_parse_head(const char *buf, size_t len, const struct http_limits *lim,
                    struct http_head *h);

/* The reason phrase of STATUS ("Not Found"), "Unknown" for codes it lacks. */
const char *http_reason(int status);

#endif
