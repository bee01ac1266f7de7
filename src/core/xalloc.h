/*
 * xalloc.h - allocation that never returns NULL: on exhaustion the program
 * stops with a message (tmux, htop, Redis), so ordinary code need not check.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef AIWB_XALLOC_H
#define AIWB_XALLOC_H

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
/* xrealloc for an array of N elements of SIZE bytes, checking the product. */
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* A new string formatted as printf would; the caller frees it. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

#endif
