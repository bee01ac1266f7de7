/*
 * strbuf.c - a growable string.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include "core/strbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

void
strbuf_init(struct strbuf *sb)
{
    sb->buf = NULL;
    sb->len = 0;
    sb->alloc = 0;
}

void
strbuf_release(struct strbuf *sb)
{
    free(sb->buf);
    strbuf_init(sb);
}

void
strbuf_reset(struct strbuf *sb)
{
    sb->len = 0;
    if (sb->buf != NULL)
        sb->buf[0] = '\0';
}

void
strbuf_grow(struct strbuf *sb, size_t extra)
{
    size_t need = sb->len + extra + 1;

    if (need <= sb->alloc)
        return;
    if (need < 2 * sb->alloc)
        need = 2 * sb->alloc;
    if (need < 64)
        need = 64;
    sb->buf = xrealloc(sb->buf, need);
    sb->alloc = need;
    sb->buf[sb->len] = '\0';
}

void
strbuf_add(struct strbuf *sb, const void *data, size_t len)
{
    if (len == 0) {
        strbuf_grow(sb, 0);
        return;
    }
    strbuf_grow(sb, len);
    memcpy(sb->buf + sb->len, data, len);
    sb->len += len;
    sb->buf[sb->len] = '\0';
}

void
strbuf_adds(struct strbuf *sb, const char *s)
{
    strbuf_add(sb, s, strlen(s));
}

void
strbuf_addch(struct strbuf *sb, int c)
{
    strbuf_grow(sb, 1);
    sb->buf[sb->len++] = (char)c;
    sb->buf[sb->len] = '\0';
}

void
strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
{
    va_list cp;
    int n;

    strbuf_grow(sb, 64);
    va_copy(cp, ap);
    n = vsnprintf(sb->buf + sb->len, sb->alloc - sb->len, fmt, cp);
    va_end(cp);
    if (n < 0)
        return;
    if ((size_t)n >= sb->alloc - sb->len) {
        strbuf_grow(sb, (size_t)n);
        va_copy(cp, ap);
        n = vsnprintf(sb->buf + sb->len, sb->alloc - sb->len, fmt, cp);
        va_end(cp);
    }
    sb->len += (size_t)n;
}

void
strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    strbuf_vaddf(sb, fmt, ap);
    va_end(ap);
}

char *
strbuf_detach(struct strbuf *sb, size_t *len)
{
    char *p;

    if (sb->buf == NULL)
        strbuf_grow(sb, 0);
    p = sb->buf;
    if (len != NULL)
        *len = sb->len;
    strbuf_init(sb);
    return p;
}

const char *
strbuf_str(const struct strbuf *sb)
{
    return sb->buf != NULL ? sb->buf : "";
}
