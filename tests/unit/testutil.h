/*
 * testutil.h - what the unit tests share: paths into the source and build
 * trees, the build tree's plugins, scratch folders, loading data.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Tests run under `make check`, which exports top_srcdir and top_builddir
 * (absolute). Each test program includes <cmocka.h> after the headers it
 * needs (<stdarg.h>, <stddef.h>, <stdint.h>, <setjmp.h>).
 */
#ifndef AIWB_TESTUTIL_H
#define AIWB_TESTUTIL_H

#include <stddef.h>

#include <aiwb/plugin.h>

/* $top_srcdir/REL or $top_builddir/REL in a new string (the caller frees it). */
char *tu_srcpath(const char *rel);
char *tu_buildpath(const char *rel);

/* Load every plugin of the build tree (plugins/.libs) once; the test fails
 * if any is refused. Safe to call from every test. */
void tu_load_plugins(void);

/* The host table plugins receive. */
const struct aiwb_host_api *tu_api(void);

/* A new empty folder under $top_builddir/tests/tmp, unique to this process
 * and NAME; the caller frees the path. */
char *tu_tmpdir(const char *name);

/* Write TEXT to a new file NAME in folder DIR; returns its path (free it). */
char *tu_write_file(const char *dir, const char *name, const char *text, size_t len);

/*
 * Read URI with the source that answers it (by scheme or extension), with
 * the option words given as a NULL-terminated list ("delimiter=;", NULL).
 * Returns the frame, or NULL with *cause set.
 */
struct aiwb_frame *tu_read(const char *uri, const char *const *opts, char **cause);

/* Assert |got - want| <= tol * max(1, |want|), printing both on failure. */
#define tu_assert_rel(got, want, tol) tu_assert_rel_((got), (want), (tol), #got, __FILE__, __LINE__)
void tu_assert_rel_(double got, double want, double tol, const char *expr, const char *file,
                    int line);

#endif
