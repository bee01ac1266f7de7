/*
 * strbuf.h - a growable string (git's strbuf): callers hold the struct, so
 * the buffer may move as it grows. buf is always NUL-terminated.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef AIWB_STRBUF_H
#define AIWB_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
    char *buf;
    size_t len;
    size_t alloc;
};

#define STRBUF_INIT {NULL, 0, 0}

void strbuf_init(struct strbuf *sb);
/* Free the buffer; the struct may be initialised again. */
void strbuf_release(struct strbuf *sb);
/* Empty the string, keeping the allocation. */
void strbuf_reset(struct strbuf *sb);
void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_adds(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, int c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* Hand the buffer to the caller (who frees it) and reset SB. Never NULL. */
char *strbuf_detach(struct strbuf *sb, size_t *len);
/* The contents, "" when nothing was added yet. */
const char *strbuf_str(const struct strbuf *sb);

#endif
