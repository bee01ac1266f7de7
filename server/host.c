/*
 * host.c - the prediction server's host table: memory, format, log, and the
 * members the server does not support, which log the misuse and fail.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 *
 * The frames are host-frame.c, the options host-options.c, the codec's
 * reading side host-codec.c; this file puts them all in one table.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include "host.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Defined in host-options.c (host.h has no prototypes for them). */
int64_t host_opt_int(const struct aiwb_options *o, const char *name);
double host_opt_real(const struct aiwb_options *o, const char *name);
int host_opt_bool(const struct aiwb_options *o, const char *name);
const char *host_opt_str(const struct aiwb_options *o, const char *name);
int host_opt_given(const struct aiwb_options *o, const char *name);

static atomic_int log_fd = 2;
static atomic_int log_min = AIWB_LOG_WARN;

/* Write all of BUF (LEN bytes) to FD in as few writes as the kernel allows. */
static void
write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t k = write(fd, buf, len);

        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return;
        buf += k;
        len -= (size_t)k;
    }
}

static _Noreturn void
out_of_memory(size_t n)
{
    char msg[96];
    int len =
        snprintf(msg, sizeof msg, "aiwb-server: fatal: out of memory (allocating %zu bytes)\n", n);

    write_all(2, msg, (size_t)len);
    abort();
}

/*
 * Allocate N bytes (at least one). Returns memory the caller frees with
 * free(); never NULL: the program aborts with a message when memory runs out.
 */
void *
host_alloc(size_t n)
{
    void *p = malloc(n ? n : 1);

    if (p == NULL)
        out_of_memory(n);
    return p;
}

/*
 * Allocate N zeroed elements of SIZE bytes. Never NULL: aborts with a
 * message on exhaustion or when N * SIZE overflows. The caller frees it.
 */
void *
host_calloc(size_t n, size_t size)
{
    void *p;

    if (n == 0 || size == 0)
        n = size = 1;
    p = calloc(n, size);
    if (p == NULL)
        out_of_memory(size != 0 && n > SIZE_MAX / size ? SIZE_MAX : n * size);
    return p;
}

/*
 * Resize P (NULL: allocate) to N bytes, at least one. Never NULL: aborts
 * with a message when memory runs out. The caller frees the result.
 */
void *
host_realloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);

    if (q == NULL)
        out_of_memory(n);
    return q;
}

/* A new copy of S, which the caller frees; never NULL (aborts on exhaustion). */
char *
host_strdup(const char *s)
{
    size_t n = strlen(s) + 1;

    return memcpy(host_alloc(n), s, n);
}

static char *
vformat(const char *fmt, va_list ap)
{
    va_list aq;
    char *s;
    int n;

    va_copy(aq, ap);
    n = vsnprintf(NULL, 0, fmt, aq);
    va_end(aq);
    if (n < 0)
        return host_strdup("");
    s = host_alloc((size_t)n + 1);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

/* A new string made as printf would (the caller frees it); never NULL. */
char *
host_format(const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    s = vformat(fmt, ap);
    va_end(ap);
    return s;
}

/*
 * Send api->log's messages at MIN_LEVEL and above to FD (the default is
 * stderr and AIWB_LOG_WARN). The caller keeps FD open while the table is used.
 */
void
host_log_to(int fd, int min_level)
{
    atomic_store(&log_fd, fd);
    atomic_store(&log_min, min_level);
}

static void
vlog_msg(enum aiwb_log_level level, const char *fmt, va_list ap)
{
    static const char *const names[] = {"debug", "info", "warning", "error"};
    char small[512], *buf = small;
    const char *name = (unsigned)level < 4 ? names[level] : "error";
    int head, n;
    va_list aq;

    if ((int)level < atomic_load(&log_min))
        return;
    head = snprintf(small, sizeof small, "aiwb-server: %s: ", name);
    va_copy(aq, ap);
    n = vsnprintf(small + head, sizeof small - (size_t)head, fmt, aq);
    va_end(aq);
    if (n < 0)
        return;
    if ((size_t)head + (size_t)n + 1 >= sizeof small) {
        buf = host_alloc((size_t)head + (size_t)n + 2);
        memcpy(buf, small, (size_t)head);
        vsnprintf(buf + head, (size_t)n + 1, fmt, ap);
    }
    buf[head + n] = '\n';
    write_all(atomic_load(&log_fd), buf, (size_t)head + (size_t)n + 1); /* one message, one write */
    if (buf != small)
        free(buf);
}

static void log_msg(enum aiwb_log_level level, const char *fmt, ...) AIWB_PRINTF(2, 3);

static void
log_msg(enum aiwb_log_level level, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vlog_msg(level, fmt, ap);
    va_end(ap);
}

/* ------------------------------------------------------------------------ */
/* What the server does not support: log the misuse, fail. */

static int
unsupported(const char *member)
{
    log_msg(AIWB_LOG_ERROR, "the prediction server does not support api->%s", member);
    return AIWB_ENOTSUP;
}

static int
no_plugin_begin(struct aiwb_plugin *p, unsigned abi_version, unsigned abi_minor, const char *name,
                const char *version)
{
    (void)p, (void)abi_version, (void)abi_minor, (void)name, (void)version;
    return unsupported("plugin_begin");
}

static int
no_register_source(struct aiwb_plugin *p, const struct aiwb_source_type *t)
{
    (void)p, (void)t;
    return unsupported("register_source");
}

static int
no_register_transform(struct aiwb_plugin *p, const struct aiwb_transform_type *t)
{
    (void)p, (void)t;
    return unsupported("register_transform");
}

static int
no_register_algorithm(struct aiwb_plugin *p, const struct aiwb_algorithm_type *t)
{
    (void)p, (void)t;
    return unsupported("register_algorithm");
}

static int
no_register_drift(struct aiwb_plugin *p, const struct aiwb_drift_type *t)
{
    (void)p, (void)t;
    return unsupported("register_drift");
}

static int
no_put_int(struct aiwb_writer *w, const char *key, int64_t v)
{
    (void)w, (void)key, (void)v;
    return unsupported("put_int");
}

static int
no_put_real(struct aiwb_writer *w, const char *key, double v)
{
    (void)w, (void)key, (void)v;
    return unsupported("put_real");
}

static int
no_put_str(struct aiwb_writer *w, const char *key, const char *s)
{
    (void)w, (void)key, (void)s;
    return unsupported("put_str");
}

static int
no_put_reals(struct aiwb_writer *w, const char *key, size_t n, const double *v)
{
    (void)w, (void)key, (void)n, (void)v;
    return unsupported("put_reals");
}

static int
no_put_ints(struct aiwb_writer *w, const char *key, size_t n, const int64_t *v)
{
    (void)w, (void)key, (void)n, (void)v;
    return unsupported("put_ints");
}

static int
no_put_strs(struct aiwb_writer *w, const char *key, size_t n, const char *const *v)
{
    (void)w, (void)key, (void)n, (void)v;
    return unsupported("put_strs");
}

static void
no_table_title(struct aiwb_table *t, const char *title)
{
    (void)t, (void)title;
    unsupported("table_title");
}

static int
no_table_column(struct aiwb_table *t, const char *name, enum aiwb_table_kind kind)
{
    (void)t, (void)name, (void)kind;
    return unsupported("table_column");
}

static int
no_table_text(struct aiwb_table *t, const char *s)
{
    (void)t, (void)s;
    return unsupported("table_text");
}

static int
no_table_real(struct aiwb_table *t, double v)
{
    (void)t, (void)v;
    return unsupported("table_real");
}

static int
no_table_int(struct aiwb_table *t, int64_t v)
{
    (void)t, (void)v;
    return unsupported("table_int");
}

static void
no_table_note(struct aiwb_table *t, const char *text)
{
    (void)t, (void)text;
    unsupported("table_note");
}

static int
no_step_value(struct aiwb_step *s, const char *name, double v)
{
    (void)s, (void)name, (void)v;
    return unsupported("step_value");
}

static int
no_source_read(const char *source, const char *uri, size_t n, char *const *opts,
               struct aiwb_frame **out, char **cause)
{
    (void)source, (void)uri, (void)n, (void)opts;
    if (out != NULL)
        *out = NULL;
    if (cause != NULL)
        *cause = host_strdup("the prediction server does not support api->source_read");
    return unsupported("source_read");
}

static int
no_interrupted(void)
{
    unsupported("interrupted");
    return 0;
}

/* No source runs in the server: nothing is mapped to guard. */
static int
no_map_guard(const void *addr, size_t len, int fd)
{
    (void)addr;
    (void)len;
    (void)fd;
    return -1;
}

static int
no_map_unguard(int handle)
{
    (void)handle;
    return 0;
}

static const struct aiwb_host_api table = {
    .abi_version = AIWB_ABI_VERSION,
    .abi_minor = AIWB_ABI_MINOR,
    .size = sizeof(struct aiwb_host_api),
    .plugin_begin = no_plugin_begin,
    .register_source = no_register_source,
    .register_transform = no_register_transform,
    .register_algorithm = no_register_algorithm,
    .alloc = host_alloc,
    .calloc = host_calloc,
    .realloc = host_realloc,
    .free = free,
    .strdup = host_strdup,
    .format = host_format,
    .log = log_msg,
    .frame_new = host_frame_new,
    .frame_free = host_frame_free,
    .frame_rows = host_frame_rows,
    .frame_cols = host_frame_cols,
    .frame_col_name = host_frame_col_name,
    .frame_col_type = host_frame_col_type,
    .frame_find = host_frame_find,
    .frame_add_numeric = host_frame_add_numeric,
    .frame_add_categorical = host_frame_add_categorical,
    .frame_level_intern = host_frame_level_intern,
    .frame_nlevels = host_frame_nlevels,
    .frame_level = host_frame_level,
    .frame_numeric = host_frame_numeric,
    .frame_codes = host_frame_codes,
    .frame_numeric_mut = host_frame_numeric_mut,
    .frame_codes_mut = host_frame_codes_mut,
    .frame_copy_col = host_frame_copy_col,
    .opt_int = host_opt_int,
    .opt_real = host_opt_real,
    .opt_bool = host_opt_bool,
    .opt_str = host_opt_str,
    .opt_given = host_opt_given,
    .put_int = no_put_int,
    .put_real = no_put_real,
    .put_str = no_put_str,
    .put_reals = no_put_reals,
    .put_ints = no_put_ints,
    .put_strs = no_put_strs,
    .get_int = host_get_int,
    .get_real = host_get_real,
    .get_str = host_get_str,
    .get_reals = host_get_reals,
    .get_ints = host_get_ints,
    .get_strs = host_get_strs,
    .table_title = no_table_title,
    .table_column = no_table_column,
    .table_text = no_table_text,
    .table_real = no_table_real,
    .table_int = no_table_int,
    .table_note = no_table_note,
    .step_value = no_step_value,
    .frame_level_find = host_frame_level_find,
    .frame_take = host_frame_take,
    .source_read = no_source_read,
    .interrupted = no_interrupted,
    .register_drift = no_register_drift,
    .map_guard = no_map_guard,
    .map_unguard = no_map_unguard,
};

/*
 * The server's host table, static and valid for the life of the program:
 * every member is set (the unsupported ones log and fail).
 */
const struct aiwb_host_api *
host_api(void)
{
    return &table;
}
