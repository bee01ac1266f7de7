/*
 * test-host.c - the prediction server's host table (server/host*.c): every
 * member set, the unsupported ones logging and failing, the log's lines,
 * memory, frames as the workbench's (sharing, copy on write, take, wide
 * frames, many levels, fixed level lists), options as the workbench parses
 * them, and the codec reader against blobs and messages of the workbench's
 * own codec (tests/data/server/gen-codec-fixtures.c).
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

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../server/host.h"

static const struct aiwb_host_api *api;

/* ------------------------------------------------------------------------- */
/* Catching the log */

static int log_pipe[2] = {-1, -1};

static int
log_setup(void **state)
{
    (void)state;
    if (pipe(log_pipe) != 0)
        return -1;
    fcntl(log_pipe[0], F_SETFL, O_NONBLOCK);
    host_log_to(log_pipe[1], AIWB_LOG_DEBUG);
    return 0;
}

static int
log_teardown(void **state)
{
    (void)state;
    host_log_to(2, AIWB_LOG_WARN);
    close(log_pipe[0]);
    close(log_pipe[1]);
    return 0;
}

/* What was logged since the last call (a static buffer). */
static const char *
logged(void)
{
    static char buf[65536];
    size_t n = 0;
    ssize_t k;

    while (n + 1 < sizeof buf && (k = read(log_pipe[0], buf + n, sizeof buf - 1 - n)) > 0)
        n += (size_t)k;
    buf[n] = '\0';
    return buf;
}

/* ------------------------------------------------------------------------- */
/* The table */

static void
test_table_complete(void **state)
{
    size_t first = offsetof(struct aiwb_host_api, plugin_begin);
    size_t n = (sizeof(struct aiwb_host_api) - first) / sizeof(void (*)(void));
    const unsigned char *base = (const unsigned char *)api;

    (void)state;
    assert_int_equal(api->abi_version, AIWB_ABI_VERSION);
    assert_int_equal(api->abi_minor, AIWB_ABI_MINOR);
    assert_int_equal(api->size, sizeof(struct aiwb_host_api));
    assert_ptr_equal(host_api(), api);
    assert_true(AIWB_HOST_HAS(api, register_drift));
    for (size_t i = 0; i < n; i++) {
        void (*fn)(void);

        memcpy(&fn, base + first + i * sizeof fn, sizeof fn);
        if (fn == NULL)
            fail_msg("member %zu of the host table is NULL", i);
    }
}

static void
expect_unsupported(const char *member)
{
    char want[128];

    snprintf(want, sizeof want,
             "aiwb-server: error: the prediction server does not support "
             "api->%s\n",
             member);
    assert_string_equal(logged(), want);
}

static void
test_table_unsupported(void **state)
{
    struct aiwb_frame *out = (struct aiwb_frame *)&out;
    char *cause = NULL;

    (void)state;
    logged();
    assert_int_equal(api->plugin_begin(NULL, 1, 0, "x", "1"), AIWB_ENOTSUP);
    expect_unsupported("plugin_begin");
    assert_int_equal(api->register_source(NULL, NULL), AIWB_ENOTSUP);
    expect_unsupported("register_source");
    assert_int_equal(api->register_transform(NULL, NULL), AIWB_ENOTSUP);
    expect_unsupported("register_transform");
    assert_int_equal(api->register_algorithm(NULL, NULL), AIWB_ENOTSUP);
    expect_unsupported("register_algorithm");
    assert_int_equal(api->register_drift(NULL, NULL), AIWB_ENOTSUP);
    expect_unsupported("register_drift");
    assert_int_equal(api->put_int(NULL, "k", 1), AIWB_ENOTSUP);
    expect_unsupported("put_int");
    assert_int_equal(api->put_real(NULL, "k", 1.0), AIWB_ENOTSUP);
    expect_unsupported("put_real");
    assert_int_equal(api->put_str(NULL, "k", "v"), AIWB_ENOTSUP);
    expect_unsupported("put_str");
    assert_int_equal(api->put_reals(NULL, "k", 0, NULL), AIWB_ENOTSUP);
    expect_unsupported("put_reals");
    assert_int_equal(api->put_ints(NULL, "k", 0, NULL), AIWB_ENOTSUP);
    expect_unsupported("put_ints");
    assert_int_equal(api->put_strs(NULL, "k", 0, NULL), AIWB_ENOTSUP);
    expect_unsupported("put_strs");
    api->table_title(NULL, "t");
    expect_unsupported("table_title");
    assert_int_equal(api->table_column(NULL, "c", AIWB_TABLE_REAL), AIWB_ENOTSUP);
    expect_unsupported("table_column");
    assert_int_equal(api->table_text(NULL, "x"), AIWB_ENOTSUP);
    expect_unsupported("table_text");
    assert_int_equal(api->table_real(NULL, 1.0), AIWB_ENOTSUP);
    expect_unsupported("table_real");
    assert_int_equal(api->table_int(NULL, 1), AIWB_ENOTSUP);
    expect_unsupported("table_int");
    api->table_note(NULL, "n");
    expect_unsupported("table_note");
    assert_int_equal(api->step_value(NULL, "loss", 1.0), AIWB_ENOTSUP);
    expect_unsupported("step_value");
    assert_int_equal(api->interrupted(), 0);
    expect_unsupported("interrupted");
    assert_int_equal(api->source_read(NULL, "x.csv", 0, NULL, &out, &cause), AIWB_ENOTSUP);
    expect_unsupported("source_read");
    assert_null(out);
    assert_string_equal(cause, "the prediction server does not support api->source_read");
    api->free(cause);
}

/* ------------------------------------------------------------------------- */
/* Log and memory */

static void
test_log(void **state)
{
    char *big;

    (void)state;
    logged();
    api->log(AIWB_LOG_WARN, "column '%s' has %d missing values", "age", 3);
    assert_string_equal(logged(), "aiwb-server: warning: column 'age' has 3 missing values\n");
    api->log(AIWB_LOG_ERROR, "e");
    api->log(AIWB_LOG_INFO, "i");
    api->log(AIWB_LOG_DEBUG, "d");
    assert_string_equal(logged(), "aiwb-server: error: e\naiwb-server: info: i\n"
                                  "aiwb-server: debug: d\n");
    /* below the level: nothing */
    host_log_to(log_pipe[1], AIWB_LOG_WARN);
    api->log(AIWB_LOG_INFO, "quiet");
    api->log(AIWB_LOG_DEBUG, "quiet");
    assert_string_equal(logged(), "");
    api->log(AIWB_LOG_WARN, "loud");
    assert_string_equal(logged(), "aiwb-server: warning: loud\n");
    host_log_to(log_pipe[1], AIWB_LOG_ERROR);
    api->log(AIWB_LOG_WARN, "quiet");
    assert_string_equal(logged(), "");
    host_log_to(log_pipe[1], AIWB_LOG_DEBUG);
    /* longer than the stack buffer: still one whole line */
    big = api->alloc(5001);
    memset(big, 'x', 5000);
    big[5000] = '\0';
    api->log(AIWB_LOG_WARN, "%s|", big);
    {
        const char *got = logged();

        assert_int_equal(strlen(got), strlen("aiwb-server: warning: ") + 5000 + 2);
        assert_memory_equal(got, "aiwb-server: warning: xxx", 25);
        assert_string_equal(got + strlen(got) - 3, "x|\n");
    }
    api->free(big);
}

static void
test_memory(void **state)
{
    unsigned char *p;
    char *s;

    (void)state;
    p = api->alloc(0);
    assert_non_null(p);
    api->free(p);
    p = api->calloc(100, 3);
    for (int i = 0; i < 300; i++)
        assert_int_equal(p[i], 0);
    p = api->realloc(p, 10000);
    p[9999] = 7;
    api->free(p);
    p = api->realloc(NULL, 16);
    api->free(p);
    s = api->strdup("caf\xc3\xa9");
    assert_string_equal(s, "caf\xc3\xa9");
    api->free(s);
    s = api->format("%s=%.17g (%zu)", "pi", 3.141592653589793, (size_t)3);
    assert_string_equal(s, "pi=3.1415926535897931 (3)");
    api->free(s);
    s = api->format("%s", "");
    assert_string_equal(s, "");
    api->free(s);
    api->free(NULL);
}

/* Out of memory: a message and abort (the sanitizers abort first, their way). */
static void
test_memory_exhausted(void **state)
{
#if defined(__SANITIZE_ADDRESS__)
    (void)state;
    fprintf(stderr, "# sanitizer build: out of memory not checked\n");
#else
    int fds[2], status;
    char buf[256] = "";
    ssize_t n;
    pid_t pid;

    (void)state;
    assert_int_equal(pipe(fds), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fds[1], 2);
        host_alloc((size_t)1 << 62);
        _exit(0);
    }
    close(fds[1]);
    n = read(fds[0], buf, sizeof buf - 1);
    close(fds[0]);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGABRT);
    assert_true(n > 0);
    buf[n] = '\0';
    assert_non_null(strstr(buf, "aiwb-server: fatal: out of memory (allocating "));
#endif
}

/* ------------------------------------------------------------------------- */
/* Frames */

static void
test_frame_basics(void **state)
{
    struct aiwb_frame *f = api->frame_new(3);
    double *x;
    int32_t *c;

    (void)state;
    assert_int_equal(api->frame_rows(f), 3);
    assert_int_equal(api->frame_cols(f), 0);
    assert_int_equal(api->frame_find(f, "x"), -1);
    x = api->frame_add_numeric(f, "x");
    assert_non_null(x);
    for (int i = 0; i < 3; i++)
        assert_true(x[i] == 0.0);
    x[0] = 1.5, x[1] = NAN, x[2] = -2;
    c = api->frame_add_categorical(f, "colour");
    assert_non_null(c);
    for (int i = 0; i < 3; i++)
        assert_int_equal(c[i], 0); /* zeroed, as the workbench's */
    assert_null(api->frame_add_numeric(f, "x"));
    assert_null(api->frame_add_categorical(f, "x"));
    assert_null(api->frame_add_numeric(f, "colour"));
    assert_int_equal(api->frame_cols(f), 2);
    assert_string_equal(api->frame_col_name(f, 0), "x");
    assert_string_equal(api->frame_col_name(f, 1), "colour");
    assert_null(api->frame_col_name(f, 2));
    assert_int_equal(api->frame_col_type(f, 0), AIWB_NUMERIC);
    assert_int_equal(api->frame_col_type(f, 1), AIWB_CATEGORICAL);
    assert_int_equal(api->frame_col_type(f, 2), 0);
    assert_int_equal(api->frame_find(f, "colour"), 1);
    assert_int_equal(api->frame_find(f, "Colour"), -1);
    assert_ptr_equal(api->frame_numeric(f, 0), x);
    assert_null(api->frame_numeric(f, 1));
    assert_null(api->frame_numeric(f, 2));
    assert_ptr_equal(api->frame_codes(f, 1), c);
    assert_null(api->frame_codes(f, 0));
    assert_null(api->frame_codes(f, 9));
    /* levels: none yet, then in the order interned */
    assert_int_equal(api->frame_nlevels(f, 1), 0);
    assert_int_equal(api->frame_level_find(f, 1, "red"), -1);
    assert_string_equal(api->frame_level(f, 1, 0), "");
    assert_int_equal(api->frame_level_intern(f, 1, "red", 3), 0);
    assert_int_equal(api->frame_level_intern(f, 1, "green!", 5), 1); /* LEN bytes only */
    assert_int_equal(api->frame_level_intern(f, 1, "red", 3), 0);
    assert_int_equal(api->frame_level_intern(f, 1, "", 0), 2);
    assert_int_equal(api->frame_level_intern(f, 1, "a\0b", 3), -1);
    assert_int_equal(api->frame_level_intern(f, 0, "red", 3), -1);
    assert_int_equal(api->frame_level_intern(f, 7, "red", 3), -1);
    assert_int_equal(api->frame_nlevels(f, 1), 3);
    assert_int_equal(api->frame_nlevels(f, 0), 0);
    assert_string_equal(api->frame_level(f, 1, 0), "red");
    assert_string_equal(api->frame_level(f, 1, 1), "green");
    assert_string_equal(api->frame_level(f, 1, 2), "");
    assert_string_equal(api->frame_level(f, 1, AIWB_NA_CODE), "");
    assert_string_equal(api->frame_level(f, 1, 3), "");
    assert_null(api->frame_level(f, 0, 0));
    assert_int_equal(api->frame_level_find(f, 1, "green"), 1);
    assert_int_equal(api->frame_level_find(f, 1, "gree"), -1);
    assert_int_equal(api->frame_level_find(f, 0, "green"), -1);
    /* mut on a column nobody shares: the same values */
    assert_ptr_equal(api->frame_numeric_mut(f, 0), x);
    assert_ptr_equal(api->frame_codes_mut(f, 1), c);
    assert_null(api->frame_numeric_mut(f, 1));
    assert_null(api->frame_codes_mut(f, 0));
    assert_null(api->frame_numeric_mut(f, 2));
    api->frame_free(f);
    api->frame_free(NULL);

    /* no rows */
    f = api->frame_new(0);
    assert_non_null(api->frame_add_numeric(f, "x"));
    assert_non_null(api->frame_add_categorical(f, "c"));
    assert_int_equal(api->frame_level_intern(f, 1, "a", 1), 0);
    api->frame_free(f);
}

/* Sharing: copy_col shares, a write copies, either frame may go first. */
static void
test_frame_sharing(void **state)
{
    size_t rows[] = {2, 5, 200}; /* in the arena, and in allocations of their own */

    (void)state;
    for (size_t k = 0; k < 3; k++) {
        size_t n = rows[k];
        struct aiwb_frame *a = api->frame_new(n), *b = api->frame_new(n), *c;
        double *x = api->frame_add_numeric(a, "x"), *bx;
        int32_t *g = api->frame_add_categorical(a, "g");

        for (size_t i = 0; i < n; i++) {
            x[i] = (double)i + 0.5;
            g[i] = api->frame_level_intern(a, 1, i % 2 ? "odd" : "even", i % 2 ? 3 : 4);
        }
        assert_int_equal(api->frame_copy_col(b, a, 0, NULL), AIWB_OK);
        assert_int_equal(api->frame_copy_col(b, a, 0, "x2"), AIWB_OK);
        assert_int_equal(api->frame_copy_col(b, a, 1, NULL), AIWB_OK);
        assert_int_equal(api->frame_copy_col(b, a, 0, NULL), AIWB_EINVAL); /* clash */
        assert_int_equal(api->frame_copy_col(b, a, 1, "x2"), AIWB_EINVAL);
        assert_int_equal(api->frame_copy_col(b, a, 2, "y"), AIWB_EINVAL); /* no such column */
        c = api->frame_new(n + 1);
        assert_int_equal(api->frame_copy_col(c, a, 0, NULL), AIWB_EINVAL); /* rows differ */
        assert_int_equal(api->frame_cols(c), 0);
        api->frame_free(c);
        assert_int_equal(api->frame_cols(b), 3);
        assert_string_equal(api->frame_col_name(b, 1), "x2");
        assert_ptr_equal(api->frame_numeric(b, 0), x); /* shared, not copied */
        assert_ptr_equal(api->frame_numeric(b, 1), x);
        assert_ptr_equal(api->frame_codes(b, 2), g);
        assert_ptr_equal(api->frame_level(b, 2, 0), api->frame_level(a, 1, 0));
        /* a write to b copies; a keeps its values */
        bx = api->frame_numeric_mut(b, 0);
        assert_ptr_not_equal(bx, x);
        for (size_t i = 0; i < n; i++)
            assert_true(bx[i] == (double)i + 0.5);
        bx[0] = -1;
        assert_true(x[0] == 0.5);
        assert_ptr_equal(api->frame_numeric(b, 1), x);
        assert_ptr_equal(api->frame_numeric_mut(b, 0), bx); /* now b's own */
        /* an existing level: no copy; a new one: b's levels only */
        assert_int_equal(api->frame_level_intern(b, 2, "odd", 3), 1);
        assert_ptr_equal(api->frame_codes(b, 2), g);
        assert_int_equal(api->frame_level_intern(b, 2, "zero", 4), 2);
        assert_ptr_not_equal(api->frame_codes(b, 2), g);
        assert_int_equal(api->frame_nlevels(b, 2), 3);
        assert_int_equal(api->frame_nlevels(a, 1), 2);
        assert_int_equal(api->frame_level_find(a, 1, "zero"), -1);
        assert_int_equal(api->frame_codes(b, 2)[0], 0);
        /* codes_mut on a shared column copies */
        {
            struct aiwb_frame *d = api->frame_new(n);
            int32_t *dc;

            assert_int_equal(api->frame_copy_col(d, a, 1, NULL), AIWB_OK);
            dc = api->frame_codes_mut(d, 0);
            assert_ptr_not_equal(dc, g);
            dc[0] = AIWB_NA_CODE;
            assert_int_equal(g[0], 0);
            assert_string_equal(api->frame_level(d, 0, dc[0]), "");
            api->frame_free(d);
        }
        /* the source goes first: the shared data lives on */
        api->frame_free(a);
        for (size_t i = 0; i < n; i++)
            assert_true(api->frame_numeric(b, 1)[i] == (double)i + 0.5);
        assert_string_equal(api->frame_level(b, 2, 1), "odd");
        api->frame_free(b);
    }
}

/* A column shared by many frames, freed in every order. */
static void
test_frame_share_chain(void **state)
{
    struct aiwb_frame *f[6];
    double *x;

    (void)state;
    f[0] = api->frame_new(2);
    x = api->frame_add_numeric(f[0], "x");
    x[0] = 1, x[1] = 2;
    for (int i = 1; i < 6; i++) {
        f[i] = api->frame_new(2);
        assert_int_equal(api->frame_copy_col(f[i], f[i - 1], 0, NULL), AIWB_OK);
        /* a frame of its own too, so blocks hold several columns */
        api->frame_add_numeric(f[i], "own")[1] = i;
    }
    api->frame_free(f[0]);
    api->frame_free(f[3]);
    assert_true(api->frame_numeric(f[5], 0)[1] == 2);
    api->frame_numeric_mut(f[5], 0)[1] = 9;
    assert_true(api->frame_numeric(f[4], 0)[1] == 2);
    api->frame_free(f[4]);
    api->frame_free(f[1]);
    assert_true(api->frame_numeric(f[2], 0)[0] == 1);
    api->frame_free(f[2]);
    assert_true(api->frame_numeric(f[5], 1)[1] == 5);
    api->frame_free(f[5]);
}

static void
test_frame_take(void **state)
{
    struct aiwb_frame *f = api->frame_new(4), *g, *e;
    const size_t idx[] = {3, 0, 3, 1, 2};
    double *x = api->frame_add_numeric(f, "x");
    int32_t *c = api->frame_add_categorical(f, "c");
    const char *const words[] = {"w", "x", "y", "z"};

    (void)state;
    for (int i = 0; i < 4; i++) {
        x[i] = 10 * i;
        c[i] = api->frame_level_intern(f, 1, words[3 - i], 1);
    }
    g = api->frame_take(f, idx, 5);
    assert_int_equal(api->frame_rows(g), 5);
    assert_int_equal(api->frame_cols(g), 2);
    assert_string_equal(api->frame_col_name(g, 1), "c");
    assert_int_equal(api->frame_col_type(g, 1), AIWB_CATEGORICAL);
    for (int i = 0; i < 5; i++) {
        assert_true(api->frame_numeric(g, 0)[i] == 10.0 * (double)idx[i]);
        assert_int_equal(api->frame_codes(g, 1)[i], c[idx[i]]);
    }
    /* levels shared, in their order */
    assert_int_equal(api->frame_nlevels(g, 1), 4);
    assert_ptr_equal(api->frame_level(g, 1, 2), api->frame_level(f, 1, 2));
    assert_string_equal(api->frame_level(g, 1, 0), "z");
    /* values copied: writing g leaves f alone, and the other way round */
    api->frame_numeric_mut(g, 0)[0] = -5;
    assert_true(x[3] == 30);
    x[0] = 99;
    assert_true(api->frame_numeric(g, 0)[1] == 0);
    /* a new level in g leaves f's list alone */
    assert_int_equal(api->frame_level_intern(g, 1, "new", 3), 4);
    assert_int_equal(api->frame_nlevels(f, 1), 4);
    e = api->frame_take(f, NULL, 0);
    assert_int_equal(api->frame_rows(e), 0);
    assert_int_equal(api->frame_cols(e), 2);
    api->frame_free(f);
    assert_string_equal(api->frame_level(g, 1, 3), "w");
    api->frame_free(g);
    api->frame_free(e);
}

/* A thousand columns: every one found, in its place, duplicates refused. */
static void
test_frame_wide(void **state)
{
    struct aiwb_frame *f = api->frame_new(3), *g;
    char name[32];

    (void)state;
    for (int c = 0; c < 1000; c++) {
        snprintf(name, sizeof name, "onehot_%d", c);
        if (c % 3 == 0) {
            int32_t *v = api->frame_add_categorical(f, name);

            assert_non_null(v);
            v[1] = api->frame_level_intern(f, (size_t)c, name, strlen(name));
        } else {
            double *v = api->frame_add_numeric(f, name);

            assert_non_null(v);
            v[2] = c;
        }
    }
    assert_int_equal(api->frame_cols(f), 1000);
    for (int c = 0; c < 1000; c++) {
        snprintf(name, sizeof name, "onehot_%d", c);
        assert_int_equal(api->frame_find(f, name), c);
        assert_string_equal(api->frame_col_name(f, (size_t)c), name);
        assert_null(api->frame_add_numeric(f, name));
        if (c % 3 == 0)
            assert_string_equal(api->frame_level(f, (size_t)c, api->frame_codes(f, (size_t)c)[1]),
                                name);
        else
            assert_true(api->frame_numeric(f, (size_t)c)[2] == c);
    }
    assert_int_equal(api->frame_find(f, "onehot_1000"), -1);
    assert_int_equal(api->frame_find(f, ""), -1);
    /* shared into another wide frame under new names, in reverse */
    g = api->frame_new(3);
    for (int c = 999; c >= 0; c--) {
        snprintf(name, sizeof name, "r%d", c);
        assert_int_equal(api->frame_copy_col(g, f, (size_t)c, name), AIWB_OK);
    }
    api->frame_free(f);
    for (int c = 0; c < 1000; c++) {
        snprintf(name, sizeof name, "r%d", c);
        assert_int_equal(api->frame_find(g, name), 999 - c);
    }
    assert_true(api->frame_numeric(g, 999 - 998)[2] == 998);
    api->frame_free(g);
}

/* Ten thousand levels: codes in insertion order, every one found. */
static void
test_frame_many_levels(void **state)
{
    struct aiwb_frame *f = api->frame_new(10000), *g;
    int32_t *c = api->frame_add_categorical(f, "item");
    char text[32];

    (void)state;
    for (int i = 0; i < 10000; i++) {
        int len = snprintf(text, sizeof text, "item-%d", (i * 7919) % 10000);

        c[i] = api->frame_level_intern(f, 0, text, (size_t)len);
        assert_int_equal(c[i], i);
    }
    for (int i = 0; i < 10000; i++) {
        int len = snprintf(text, sizeof text, "item-%d", (i * 7919) % 10000);

        assert_int_equal(api->frame_level_intern(f, 0, text, (size_t)len), i);
        assert_int_equal(api->frame_level_find(f, 0, text), i);
        assert_string_equal(api->frame_level(f, 0, i), text);
    }
    assert_int_equal(api->frame_nlevels(f, 0), 10000);
    assert_int_equal(api->frame_level_find(f, 0, "item-10000"), -1);
    /* shared, then grown in the copy only */
    g = api->frame_new(10000);
    assert_int_equal(api->frame_copy_col(g, f, 0, NULL), AIWB_OK);
    assert_int_equal(api->frame_level_intern(g, 0, "item-10000", 10), 10000);
    assert_int_equal(api->frame_level_find(g, 0, "item-42"),
                     api->frame_level_find(f, 0, "item-42"));
    assert_int_equal(api->frame_nlevels(f, 0), 10000);
    assert_int_equal(api->frame_nlevels(g, 0), 10001);
    api->frame_free(f);
    api->frame_free(g);
}

/* Fixed level lists, shared by every frame, never changed by them. */
static void
test_levels_fixed(void **state)
{
    const char *const words[] = {"setosa", "versicolor", "virginica", "setosa"};
    struct host_levels *l = host_levels_new(4, words), *big;
    struct aiwb_frame *f = api->frame_new(2), *g = api->frame_new(2), *t;
    int32_t *c;
    const size_t idx[] = {1};
    char **many;

    (void)state;
    assert_int_equal(host_levels_find(l, "virginica", 9), 2);
    assert_int_equal(host_levels_find(l, "setosa!", 6),
                     0); /* LEN bytes; a repeat keeps its first */
    assert_int_equal(host_levels_find(l, "rose", 4), -1);
    c = host_frame_add_categorical_over(f, "species", l);
    assert_non_null(c);
    assert_int_equal(c[0], AIWB_NA_CODE);
    assert_int_equal(c[1], AIWB_NA_CODE);
    assert_null(host_frame_add_categorical_over(f, "species", l));
    assert_int_equal(api->frame_nlevels(f, 0), 4);
    assert_string_equal(api->frame_level(f, 0, 1), "versicolor");
    assert_int_equal(api->frame_level_find(f, 0, "virginica"), 2);
    c[0] = api->frame_level_intern(f, 0, "versicolor", 10); /* known: no copy */
    assert_int_equal(c[0], 1);
    assert_int_equal(api->frame_nlevels(f, 0), 4);
    c = host_frame_add_categorical_over(g, "species", l);
    assert_ptr_equal(api->frame_level(g, 0, 2), api->frame_level(f, 0, 2)); /* one list */
    t = api->frame_take(f, idx, 1);
    assert_int_equal(api->frame_codes(t, 0)[0], AIWB_NA_CODE);
    assert_ptr_equal(api->frame_level(t, 0, 2), api->frame_level(g, 0, 2));
    /* a new level: this frame's own copy; the list and the other frames unchanged */
    assert_int_equal(api->frame_level_intern(f, 0, "rose", 4), 4);
    assert_int_equal(api->frame_nlevels(f, 0), 5);
    assert_int_equal(api->frame_level_find(f, 0, "virginica"), 2);
    assert_int_equal(api->frame_nlevels(g, 0), 4);
    assert_int_equal(api->frame_nlevels(t, 0), 4);
    assert_int_equal(host_levels_find(l, "rose", 4), -1);
    assert_int_equal(api->frame_level_intern(t, 0, "tulip", 5), 4);
    assert_string_equal(api->frame_level(t, 0, 4), "tulip");
    api->frame_free(f);
    api->frame_free(g);
    api->frame_free(t);
    host_levels_free(l);
    host_levels_free(NULL);

    /* many fixed levels, and none */
    many = api->alloc(10000 * sizeof *many);
    for (int i = 0; i < 10000; i++)
        many[i] = api->format("L%05d", 9999 - i);
    big = host_levels_new(10000, (const char *const *)many);
    for (int i = 0; i < 10000; i++)
        assert_int_equal(host_levels_find(big, many[i], 6), i);
    for (int i = 0; i < 10000; i++)
        api->free(many[i]);
    api->free(many);
    f = api->frame_new(1);
    host_frame_add_categorical_over(f, "x", big);
    assert_int_equal(api->frame_nlevels(f, 0), 10000);
    assert_string_equal(api->frame_level(f, 0, 0), "L09999");
    api->frame_free(f);
    host_levels_free(big);
    l = host_levels_new(0, NULL);
    assert_int_equal(host_levels_find(l, "", 0), -1);
    f = api->frame_new(1);
    host_frame_add_categorical_over(f, "x", l)[0] = api->frame_level_intern(f, 0, "a", 1);
    assert_int_equal(api->frame_codes(f, 0)[0], 0);
    api->frame_free(f);
    host_levels_free(l);
}

/* The server's request path: one row, twenty columns, over and over. */
static void
test_frame_one_row_many_times(void **state)
{
    const char *const lv[] = {"a", "b", "c"};
    struct host_levels *l = host_levels_new(3, lv);
    char names[20][16];

    (void)state;
    for (int c = 0; c < 20; c++)
        snprintf(names[c], sizeof names[c], "feature_%02d", c);
    for (int it = 0; it < 2000; it++) {
        struct aiwb_frame *f = api->frame_new(1), *g = api->frame_new(1);

        for (int c = 0; c < 20; c++) {
            if (c == 8)
                host_frame_add_categorical_over(f, names[c], l)[0] = it % 3;
            else
                api->frame_add_numeric(f, names[c])[0] = it + c;
        }
        for (int c = 19; c >= 0; c--)
            assert_int_equal(api->frame_find(f, names[c]), c);
        for (int c = 0; c < 20; c += 2)
            api->frame_copy_col(g, f, (size_t)c, NULL);
        if (it % 2)
            api->frame_free(f);
        assert_true(api->frame_numeric(g, 9)[0] == it + 18);
        assert_string_equal(api->frame_level(g, 4, api->frame_codes(g, 4)[0]), lv[it % 3]);
        api->frame_free(g);
        if (!(it % 2))
            api->frame_free(f);
    }
    host_levels_free(l);
}

/* ------------------------------------------------------------------------- */
/* Options */

static void
test_options(void **state)
{
    const char *const words[] = {
        "k=5",           "rate=0.125",
        "neg=-3",        "exp=1e-3",
        "on=TRUE",       "off=no",
        "y=Yes",         "one=1",
        "zero=0",        "On=on",
        "Off=OFF",       "name=a=b c",
        "empty=",        "big=9007199254740993",
        "tiny=4.9e-324",
    };
    const int64_t given[] = {1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0};
    char *cause = NULL;
    struct aiwb_options *o = host_options_new(15, words, given, &cause);

    (void)state;
    assert_non_null(o);
    assert_null(cause);
    logged();
    assert_int_equal(api->opt_int(o, "k"), 5);
    assert_int_equal(api->opt_int(o, "neg"), -3);
    assert_true(api->opt_real(o, "rate") == 0.125);
    assert_true(api->opt_real(o, "k") == 5.0); /* an integer option read as a number */
    assert_true(api->opt_real(o, "exp") == 1e-3);
    assert_true(api->opt_real(o, "tiny") == 4.9e-324);
    assert_int_equal(api->opt_int(o, "big"), 9007199254740993LL);
    assert_true(api->opt_real(o, "big") == 9007199254740992.0);
    assert_int_equal(api->opt_bool(o, "on"), 1);
    assert_int_equal(api->opt_bool(o, "off"), 0);
    assert_int_equal(api->opt_bool(o, "y"), 1);
    assert_int_equal(api->opt_bool(o, "one"), 1);
    assert_int_equal(api->opt_bool(o, "zero"), 0);
    assert_int_equal(api->opt_bool(o, "On"), 1);
    assert_int_equal(api->opt_bool(o, "Off"), 0);
    assert_string_equal(api->opt_str(o, "name"), "a=b c");
    assert_string_equal(api->opt_str(o, "empty"), "");
    assert_string_equal(api->opt_str(o, "k"), "5");
    assert_int_equal(api->opt_given(o, "k"), 1);
    assert_int_equal(api->opt_given(o, "rate"), 0);
    assert_int_equal(api->opt_given(o, "name"), 1);
    assert_string_equal(logged(), "");
    /* not in the list: 0, false, NULL, silently */
    assert_int_equal(api->opt_int(o, "missing"), 0);
    assert_true(api->opt_real(o, "missing") == 0.0);
    assert_int_equal(api->opt_bool(o, "missing"), 0);
    assert_null(api->opt_str(o, "missing"));
    assert_int_equal(api->opt_given(o, "missing"), 0);
    assert_int_equal(api->opt_given(o, "K"), 0);
    assert_string_equal(logged(), "");
    /* values that are not of the type asked: 0, and a logged line */
    assert_int_equal(api->opt_int(o, "rate"), 0);
    assert_string_equal(logged(), "aiwb-server: error: option 'rate' is not an integer: '0.125'\n");
    assert_int_equal(api->opt_int(o, "empty"), 0);
    assert_string_equal(logged(), "aiwb-server: error: option 'empty' is not an integer: ''\n");
    assert_true(api->opt_real(o, "name") == 0.0);
    assert_string_equal(logged(), "aiwb-server: error: option 'name' is not a number: 'a=b c'\n");
    assert_int_equal(api->opt_bool(o, "k"), 0);
    assert_string_equal(logged(), "aiwb-server: error: option 'k' is not true or false: '5'\n");
    host_options_free(o);

    /* NULL options, no given list, no words */
    assert_int_equal(api->opt_int(NULL, "k"), 0);
    assert_null(api->opt_str(NULL, "k"));
    o = host_options_new(2, words, NULL, &cause);
    assert_int_equal(api->opt_given(o, "k"), 0);
    assert_int_equal(api->opt_int(o, "k"), 5);
    host_options_free(o);
    o = host_options_new(0, NULL, NULL, &cause);
    assert_non_null(o);
    assert_null(api->opt_str(o, "k"));
    host_options_free(o);
    host_options_free(NULL);
}

static void
test_options_numbers_as_workbench(void **state)
{
    /* what the workbench's parsers accept and refuse (numfmt_parse, strtoll) */
    const char *const words[] = {"hex=0x10",     "lead= 5", "trail=5 ", "inf=1e999",
                                 "under=1e-400", "plus=+7", "dot=.5"};
    struct aiwb_options *o;
    char *cause = NULL;

    (void)state;
    o = host_options_new(7, words, NULL, &cause);
    logged();
    assert_true(api->opt_real(o, "hex") == 0.0);
    assert_non_null(strstr(logged(), "option 'hex' is not a number: '0x10'"));
    assert_int_equal(api->opt_int(o, "lead"), 0);
    assert_non_null(strstr(logged(), "option 'lead' is not an integer"));
    assert_true(api->opt_real(o, "trail") == 0.0);
    assert_non_null(strstr(logged(), "option 'trail' is not a number"));
    assert_true(api->opt_real(o, "inf") == 0.0);
    assert_non_null(strstr(logged(), "option 'inf' is not a number"));
    assert_true(api->opt_real(o, "under") == 0.0); /* underflow is accepted, as there */
    assert_string_equal(logged(), "");
    assert_int_equal(api->opt_int(o, "plus"), 7);
    assert_true(api->opt_real(o, "dot") == 0.5);
    assert_string_equal(logged(), "");
    host_options_free(o);
}

/* In a locale whose decimal point is ',', numbers still read with '.'. */
static void
test_options_locale(void **state)
{
    static const char *const names[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "fr_FR.utf8"};
    const char *const words[] = {"rate=0.25"};
    char *cause = NULL;
    struct aiwb_options *o = host_options_new(1, words, NULL, &cause);
    const char *got = NULL;
    double v;

    (void)state;
    for (size_t i = 0; i < 4 && got == NULL; i++)
        got = setlocale(LC_NUMERIC, names[i]);
    v = api->opt_real(o, "rate");
    setlocale(LC_NUMERIC, "C");
    host_options_free(o);
    if (got == NULL) {
        fprintf(stderr, "# no locale with a decimal comma: not checked\n");
        return;
    }
    assert_true(v == 0.25);
}

static void
test_options_bad_word(void **state)
{
    const char *const words[] = {"k=5", "flag"};
    const char *const nameless[] = {"=5"};
    char *cause = NULL;

    (void)state;
    assert_null(host_options_new(2, words, NULL, &cause));
    assert_string_equal(cause, "option word 'flag' is not NAME=VALUE");
    free(cause);
    cause = NULL;
    assert_null(host_options_new(1, nameless, NULL, &cause));
    assert_string_equal(cause, "option word '=5' is not NAME=VALUE");
    free(cause);
}

/* ------------------------------------------------------------------------- */
/* The codec reader, against the workbench's writer */

static unsigned char *
read_fixture(const char *name, size_t *len)
{
    const char *srcdir = getenv("top_srcdir");
    char path[4096];
    unsigned char *data;
    FILE *fp;
    long n;

    snprintf(path, sizeof path, "%s/tests/data/server/%s", srcdir != NULL ? srcdir : ".", name);
    fp = fopen(path, "rb");
    if (fp == NULL)
        fail_msg("cannot open '%s': %s", path, strerror(errno));
    fseek(fp, 0, SEEK_END);
    n = ftell(fp);
    rewind(fp);
    data = malloc(n > 0 ? (size_t)n : 1);
    assert_int_equal(fread(data, 1, (size_t)n, fp), (size_t)n);
    fclose(fp);
    *len = (size_t)n;
    return data;
}

static uint64_t
bits(double v)
{
    uint64_t u;

    memcpy(&u, &v, sizeof u);
    return u;
}

/* Every value of codec-full.bin, bit for bit (see gen-codec-fixtures.c). */
static void
test_codec_values(void **state)
{
    size_t len, n, blen;
    unsigned char *data = read_fixture("codec-full.bin", &len);
    char *cause = NULL, *s, **sv;
    struct aiwb_reader *r = host_reader_open(data, len, &cause), *sub;
    int64_t i, *iv;
    double d, *dv;
    const unsigned char *blob;

    (void)state;
    assert_non_null(r);
    assert_null(cause);
    assert_int_equal(api->get_int(r, "n", &i), AIWB_OK);
    assert_int_equal(i, 42);
    assert_int_equal(api->get_int(r, "neg", &i), AIWB_OK);
    assert_true(i == INT64_MIN);
    assert_int_equal(api->get_real(r, "pi", &d), AIWB_OK);
    assert_true(bits(d) == bits(3.141592653589793));
    assert_int_equal(api->get_real(r, "tiny", &d), AIWB_OK);
    assert_true(bits(d) == 1);
    assert_int_equal(api->get_real(r, "negzero", &d), AIWB_OK);
    assert_true(bits(d) == bits(-0.0));
    assert_int_equal(api->get_real(r, "inf", &d), AIWB_OK);
    assert_true(isinf(d) && d < 0);
    assert_int_equal(api->get_str(r, "name", &s), AIWB_OK);
    assert_string_equal(s, "caf\xc3\xa9 \"quoted\"\ttab");
    api->free(s);
    assert_int_equal(api->get_str(r, "empty", &s), AIWB_OK);
    assert_string_equal(s, "");
    api->free(s);
    assert_int_equal(api->get_reals(r, "coef", &n, &dv), AIWB_OK);
    assert_int_equal(n, 4);
    assert_true(dv[0] == 1.5 && dv[1] == -2.25 && dv[2] == 1e300 && bits(dv[3]) == bits(-0.0));
    api->free(dv);
    assert_int_equal(api->get_reals(r, "none", &n, &dv), AIWB_OK);
    assert_int_equal(n, 0);
    api->free(dv);
    assert_int_equal(api->get_ints(r, "codes", &n, &iv), AIWB_OK);
    assert_int_equal(n, 4);
    assert_true(iv[0] == 0 && iv[1] == -1 && iv[2] == INT64_MAX && iv[3] == INT64_MIN);
    api->free(iv);
    assert_int_equal(api->get_strs(r, "levels", &n, &sv), AIWB_OK);
    assert_int_equal(n, 4);
    assert_string_equal(sv[0], "a");
    assert_string_equal(sv[1], "");
    assert_string_equal(sv[2], "long level, with spaces");
    assert_string_equal(sv[3], "caf\xc3\xa9");
    for (size_t k = 0; k < n; k++)
        api->free(sv[k]);
    api->free(sv);
    assert_int_equal(host_get_blob(r, "model", &blob, &blen), AIWB_OK);
    assert_true(blob > data && blob + blen <= data + len); /* borrowed, not copied */
    sub = host_reader_open_raw(blob, blen);
    assert_int_equal(host_get_int(sub, "version", &i), AIWB_OK);
    assert_int_equal(i, 3);
    assert_int_equal(host_get_reals(sub, "w", &n, &dv), AIWB_OK);
    assert_true(n == 2 && dv[0] == 0.5 && dv[1] == 0.25);
    api->free(dv);
    host_reader_set_context(sub, "model 'm', algorithm 'ols'");
    assert_int_equal(host_get_int(sub, "more", &i), AIWB_EDATA);
    assert_string_equal(host_reader_error(sub),
                        "model 'm', algorithm 'ols': state ends before 'more'");
    host_reader_free(sub);
    assert_int_equal(api->get_int(r, "last", &i), AIWB_OK);
    assert_int_equal(i, 7);
    assert_null(host_reader_error(r));
    host_reader_free(r);
    host_reader_free(NULL);
    free(data);
}

/* After an error: every get fails, the first message stays. */
static void
test_codec_sticky_error(void **state)
{
    size_t len, n;
    unsigned char *data = read_fixture("codec-full.bin", &len);
    char *cause = NULL, *s = NULL, **sv = NULL;
    struct aiwb_reader *r = host_reader_open(data, len, &cause);
    const unsigned char *blob;
    int64_t i, *iv = NULL;
    double d, *dv = NULL;

    (void)state;
    host_reader_set_context(r, "first");
    host_reader_set_context(r, NULL); /* no context after all */
    assert_int_equal(host_get_real(r, "n", &d), AIWB_EDATA);
    assert_string_equal(host_reader_error(r), "expected 'n' (a number), found 'n' (an integer)");
    host_reader_set_context(r, "late");
    assert_int_equal(host_get_int(r, "n", &i), AIWB_EDATA);
    assert_int_equal(host_get_str(r, "n", &s), AIWB_EDATA);
    assert_int_equal(host_get_reals(r, "n", &n, &dv), AIWB_EDATA);
    assert_int_equal(host_get_ints(r, "n", &n, &iv), AIWB_EDATA);
    assert_int_equal(host_get_strs(r, "n", &n, &sv), AIWB_EDATA);
    assert_int_equal(host_get_blob(r, "n", &blob, &n), AIWB_EDATA);
    assert_null(s);
    assert_null(dv);
    assert_null(iv);
    assert_null(sv);
    assert_string_equal(host_reader_error(r), "expected 'n' (a number), found 'n' (an integer)");
    host_reader_free(r);
    free(data);
}

static size_t
unhex(const char *hex, unsigned char *out)
{
    size_t n = 0;

    if (strcmp(hex, "-") == 0)
        return 0;
    for (; hex[0] != '\0' && hex[1] != '\0'; hex += 2) {
        unsigned v;

        sscanf(hex, "%2x", &v);
        out[n++] = (unsigned char)v;
    }
    return n;
}

/* Run SCRIPT on R as gen-codec-fixtures.c does; the first error, or NULL. */
static const char *
run_script(struct aiwb_reader *r, char *script)
{
    char *save = NULL;

    for (char *tok = strtok_r(script, " ", &save); tok != NULL; tok = strtok_r(NULL, " ", &save)) {
        const char *key = tok + 2;
        int rc = AIWB_OK;
        int64_t i, *iv;
        double d, *dv;
        char *s, **sv;
        const unsigned char *blob;
        size_t n;

        if (strcmp(tok, "-") == 0)
            break;
        switch (tok[0]) {
        case 'i':
            rc = api->get_int(r, key, &i);
            break;
        case 'r':
            rc = api->get_real(r, key, &d);
            break;
        case 's':
            if ((rc = api->get_str(r, key, &s)) == AIWB_OK)
                api->free(s);
            break;
        case 'R':
            if ((rc = api->get_reals(r, key, &n, &dv)) == AIWB_OK)
                api->free(dv);
            break;
        case 'I':
            if ((rc = api->get_ints(r, key, &n, &iv)) == AIWB_OK)
                api->free(iv);
            break;
        case 'S':
            if ((rc = api->get_strs(r, key, &n, &sv)) == AIWB_OK) {
                for (size_t k = 0; k < n; k++)
                    api->free(sv[k]);
                api->free(sv);
            }
            break;
        case 'b':
            rc = host_get_blob(r, key, &blob, &n);
            break;
        default:
            fail_msg("bad script token '%s'", tok);
        }
        if (rc != AIWB_OK) {
            if (host_reader_error(r) == NULL)
                fail_msg("'%s' failed without an error", tok);
            break;
        }
    }
    return host_reader_error(r);
}

/* Every case of codec-cases.txt: the same outcome, the same words. */
static void
test_codec_cases(void **state)
{
    size_t len;
    unsigned char *text = read_fixture("codec-cases.txt", &len);
    char *line, *save = NULL;
    int count = 0;

    (void)state;
    text = realloc(text, len + 1);
    text[len] = '\0';
    for (line = strtok_r((char *)text, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        char *field[6], *fsave = NULL;
        unsigned char *blob;
        struct aiwb_reader *r;
        char *cause = NULL;
        const char *said;
        size_t n;
        int k = 0;

        if (line[0] == '#')
            continue;
        for (char *f = strtok_r(line, "\t", &fsave); f != NULL && k < 6;
             f = strtok_r(NULL, "\t", &fsave))
            field[k++] = f;
        assert_int_equal(k, 6);
        /* a copy of its own, so reading past its end is caught */
        blob = malloc(strlen(field[3]) / 2 + 1);
        n = unhex(field[3], blob);
        if (strcmp(field[1], "sealed") == 0)
            r = host_reader_open(blob, n, &cause);
        else
            r = host_reader_open_raw(blob, n);
        if (r == NULL) {
            said = cause;
        } else {
            if (strcmp(field[2], "-") != 0)
                host_reader_set_context(r, field[2]);
            said = run_script(r, field[4]);
        }
        if (strcmp(said != NULL ? said : "OK", field[5]) != 0)
            fail_msg("case '%s': the server says \"%s\", the workbench \"%s\"", field[0],
                     said != NULL ? said : "OK", field[5]);
        assert_true(r == NULL || cause == NULL);
        host_reader_free(r);
        free(cause);
        free(blob);
        count++;
    }
    assert_true(count >= 40);
    free(text);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_complete),
        cmocka_unit_test(test_table_unsupported),
        cmocka_unit_test(test_log),
        cmocka_unit_test(test_memory),
        cmocka_unit_test(test_memory_exhausted),
        cmocka_unit_test(test_frame_basics),
        cmocka_unit_test(test_frame_sharing),
        cmocka_unit_test(test_frame_share_chain),
        cmocka_unit_test(test_frame_take),
        cmocka_unit_test(test_frame_wide),
        cmocka_unit_test(test_frame_many_levels),
        cmocka_unit_test(test_levels_fixed),
        cmocka_unit_test(test_frame_one_row_many_times),
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_options_numbers_as_workbench),
        cmocka_unit_test(test_options_locale),
        cmocka_unit_test(test_options_bad_word),
        cmocka_unit_test(test_codec_values),
        cmocka_unit_test(test_codec_sticky_error),
        cmocka_unit_test(test_codec_cases),
    };

    api = host_api();
    return cmocka_run_group_tests(tests, log_setup, log_teardown);
}
