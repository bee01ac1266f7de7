/*
 * testutil.c - what the unit tests share.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/registry.h"
#include "core/source.h"
#include "core/xalloc.h"
#include "testutil.h"

static const char *
env_dir(const char *name)
{
    const char *v = getenv(name);

    if (v == NULL || *v == '\0') {
        fprintf(stderr, "%s is not set: run the tests with `make check`\n", name);
        exit(99);
    }
    return v;
}

char *
tu_srcpath(const char *rel)
{
    return xasprintf("%s/%s", env_dir("top_srcdir"), rel);
}

char *
tu_buildpath(const char *rel)
{
    return xasprintf("%s/%s", env_dir("top_builddir"), rel);
}

static void
report(void *arg, const char *msg)
{
    (void)arg;
    fprintf(stderr, "# warning: %s\n", msg);
}

void
tu_load_plugins(void)
{
    static int loaded;
    char *dir;

    if (loaded)
        return;
    loaded = 1;
    dir = tu_buildpath("plugins/.libs");
    registry_load_path(dir, report, NULL);
    free(dir);
}

const struct aiwb_host_api *
tu_api(void)
{
    return registry_api();
}

static void
mkdirs(const char *path)
{
    char *copy = xstrdup(path);

    for (char *p = copy + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(copy, 0777);
            *p = '/';
        }
    }
    if (mkdir(copy, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "cannot create '%s': %s\n", copy, strerror(errno));
        exit(99);
    }
    free(copy);
}

char *
tu_tmpdir(const char *name)
{
    char *rel = xasprintf("tests/tmp/%s-%ld", name, (long)getpid());
    char *dir = tu_buildpath(rel);
    char *cmd = xasprintf("rm -rf '%s'", dir);

    if (system(cmd) != 0)
        fprintf(stderr, "# cannot clean '%s'\n", dir);
    mkdirs(dir);
    free(cmd);
    free(rel);
    return dir;
}

char *
tu_write_file(const char *dir, const char *name, const char *text, size_t len)
{
    char *path = xasprintf("%s/%s", dir, name);
    FILE *f = fopen(path, "wb");

    if (f == NULL || fwrite(text, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "cannot write '%s': %s\n", path, strerror(errno));
        exit(99);
    }
    return path;
}

struct aiwb_frame *
tu_read(const char *uri, const char *const *opts, char **cause)
{
    const struct component *src;
    size_t n = 0;

    tu_load_plugins();
    src = registry_source_for(uri);
    if (src == NULL) {
        *cause = xasprintf("no source reads '%s'", uri);
        return NULL;
    }
    while (opts != NULL && opts[n] != NULL)
        n++;
    return source_read(src, uri, n, (char *const *)opts, cause);
}

void
tu_assert_rel_(double got, double want, double tol, const char *expr, const char *file,
               int line)
{
    double scale = fabs(want) > 1 ? fabs(want) : 1;

    if (fabs(got - want) <= tol * scale || (isnan(got) && isnan(want)) || got == want)
        return;
    print_error("%s = %.17g, want %.17g (tolerance %g relative)\n", expr, got, want, tol);
    _fail(file, line);
}
