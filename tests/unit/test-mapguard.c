/*
 * test-mapguard.c - a mapped file that shrinks while it is read
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The guard itself (zeros and a flag instead of SIGBUS, and SIGBUS as before
 * outside it), then the csv and arff sources on a file that another program
 * truncates just after they map it: this program's own mmap() truncates the
 * file named by shrink_path once the sources have mapped it, so the moment
 * is fixed, not raced.
 */
#include <config.h>

#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/frame.h"
#include "core/mapguard.h"
#include "core/registry.h"
#include "core/xalloc.h"
#include "testutil.h"

static char *tmp;
static const char *shrink_path; /* truncate this file once it is mapped */
static off_t shrink_to;
static int shrunk;

/* Every mmap of the process (the plugins' too) comes here first. */
void *
mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    static void *(*real)(void *, size_t, int, int, int, off_t);
    struct stat fs, ps;
    void *p;

    if (real == NULL)
        *(void **)&real = dlsym(RTLD_NEXT, "mmap");
    p = real(addr, len, prot, flags, fd, off);
    if (p != MAP_FAILED && fd >= 0 && shrink_path != NULL && fstat(fd, &fs) == 0 &&
        stat(shrink_path, &ps) == 0 && fs.st_ino == ps.st_ino && fs.st_dev == ps.st_dev &&
        truncate(shrink_path, shrink_to) == 0)
        shrunk++;
    return p;
}

/* A file of SIZE bytes of 'x' in tmp; its path. */
static char *
file_of(const char *name, size_t size)
{
    char *text = xmalloc(size);
    char *path;

    memset(text, 'x', size);
    path = tu_write_file(tmp, name, text, size);
    free(text);
    return path;
}

/* Map PATH (SIZE bytes) read-only and shared; its descriptor in *FD (or
 * closed when FD is NULL). */
static unsigned char *
map(const char *path, size_t size, int *fd)
{
    int d = open(path, O_RDONLY);
    void *p;

    assert_true(d >= 0);
    p = mmap(NULL, size, PROT_READ, MAP_SHARED, d, 0);
    if (fd != NULL)
        *fd = d;
    else
        close(d);
    assert_true(p != MAP_FAILED);
    return p;
}

/* Under the guard, the pages past the new end read as zeros, the ones
 * before it as the file, and the end of the guard says the file shrank. */
static void
guard_reads_zeros(void **state)
{
    size_t pg = (size_t)sysconf(_SC_PAGESIZE);
    char *path = file_of("three-pages", 3 * pg);
    unsigned char *p = map(path, 3 * pg, NULL);
    int g = mapguard_begin(p, 3 * pg, -1);

    (void)state;
    assert_true(g >= 0);
    assert_int_equal(truncate(path, (off_t)pg), 0);
    assert_int_equal(p[0], 'x');
    assert_int_equal(p[pg - 1], 'x');
    assert_int_equal(p[pg], 0);
    assert_int_equal(p[3 * pg - 1], 0);
    assert_int_equal(mapguard_end(g), 1);
    munmap(p, 3 * pg);
    free(path);
}

/* A shrink within the last page faults nowhere (the rest of the page reads
 * as zeros); the guard sees it by the file's size. */
static void
guard_sees_small_shrink(void **state)
{
    size_t pg = (size_t)sysconf(_SC_PAGESIZE);
    char *path = file_of("almost", 2 * pg);
    int fd;
    unsigned char *p = map(path, 2 * pg, &fd);
    int g = mapguard_begin(p, 2 * pg, fd);

    (void)state;
    close(fd); /* the guard keeps its own */
    assert_true(g >= 0);
    assert_int_equal(truncate(path, (off_t)(2 * pg - 10)), 0);
    assert_int_equal(p[2 * pg - 11], 'x');
    assert_int_equal(p[2 * pg - 10], 0);
    assert_int_equal(mapguard_end(g), 1);
    munmap(p, 2 * pg);
    free(path);
}

/* A guard under which nothing shrank says so; -1 is no guard. */
static void
guard_quiet(void **state)
{
    size_t pg = (size_t)sysconf(_SC_PAGESIZE);
    char *path = file_of("two-pages", 2 * pg);
    int fd;
    unsigned char *p = map(path, 2 * pg, &fd);
    int g = mapguard_begin(p, 2 * pg, fd);

    (void)state;
    assert_true(g >= 0);
    assert_int_equal(p[2 * pg - 1], 'x');
    assert_int_equal(mapguard_end(g), 0);
    assert_int_equal(mapguard_end(-1), 0);
    assert_int_equal(mapguard_begin(p, 0, fd), -1);
    close(fd);
    munmap(p, 2 * pg);
    free(path);
}

/* 64 guards at once; the 65th is refused, and one ended frees its place. */
static void
guard_slots(void **state)
{
    static char area[64];
    int g[65];

    (void)state;
    for (int i = 0; i < 64; i++) {
        g[i] = mapguard_begin(area + i, 1, -1);
        assert_true(g[i] >= 0);
    }
    assert_int_equal(mapguard_begin(area, 1, -1), -1);
    assert_int_equal(mapguard_end(g[10]), 0);
    g[64] = mapguard_begin(area, 1, -1);
    assert_true(g[64] >= 0);
    assert_int_equal(mapguard_end(g[64]), 0);
    for (int i = 0; i < 64; i++)
        if (i != 10)
            assert_int_equal(mapguard_end(g[i]), 0);
}

/* Outside every guard a read past the end still raises SIGBUS (it is not
 * swallowed), while a guard elsewhere is active. */
static void
unguarded_still_sigbus(void **state)
{
    size_t pg = (size_t)sysconf(_SC_PAGESIZE);
    char *path = file_of("unguarded", 2 * pg);
    unsigned char *p = map(path, 2 * pg, NULL);
    static char area[16];
    int g, status = 0;
    pid_t pid;

    (void)state;
    /* what handled SIGBUS before the guard: the default, not cmocka's */
    signal(SIGBUS, SIG_DFL);
    g = mapguard_begin(area, sizeof area, -1);
    assert_true(g >= 0);
    assert_int_equal(truncate(path, 0), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        volatile unsigned char c = p[pg];

        (void)c;
        _exit(0);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGBUS);
    assert_int_equal(mapguard_end(g), 0);
    munmap(p, 2 * pg);
    free(path);
}

/* Load PATH, truncated to TO bytes as soon as a source maps it: the load
 * fails, saying the file shrank, and nothing is loaded. */
static void
expect_shrank(const char *path, off_t to)
{
    char *cause = NULL, *want = xasprintf("'%s' shrank while it was read", path);
    struct aiwb_frame *f;

    shrink_path = path;
    shrink_to = to;
    shrunk = 0;
    f = tu_read(path, NULL, &cause);
    shrink_path = NULL;
    assert_int_equal(shrunk, 1);
    if (f != NULL)
        fail_msg("'%s' loaded %zu rows although it shrank", path, frame_rows(f));
    assert_non_null(cause);
    if (strstr(cause, want) == NULL)
        fail_msg("the error is '%s', not '%s ...'", cause, want);
    free(cause);
    free(want);
}

/* Rows of CSV over several pages; PATH. */
static char *
csv_rows(const char *name, size_t rows)
{
    size_t cap = 32 + rows * 32, len = 0;
    char *text = xmalloc(cap), *path;

    len += (size_t)snprintf(text + len, cap - len, "a,b,label\n");
    for (size_t i = 0; i < rows; i++)
        len += (size_t)snprintf(text + len, cap - len, "%zu,%zu.5,l%zu\n", i, i * 3, i % 7);
    path = tu_write_file(tmp, name, text, len);
    free(text);
    return path;
}

static void
csv_shrinks(void **state)
{
    char *path = csv_rows("shrinks.csv", 200000);

    (void)state;
    tu_load_plugins();
    /* to nothing, and to the middle of a record */
    expect_shrank(path, 0);
    free(path);
    path = csv_rows("half.csv", 200000);
    expect_shrank(path, 1000003);
    free(path);
    /* untouched, the same file loads */
    path = csv_rows("whole.csv", 200000);
    {
        char *cause = NULL;
        struct aiwb_frame *f = tu_read(path, NULL, &cause);

        assert_non_null(f);
        assert_int_equal(frame_rows(f), 200000);
        frame_free(f);
    }
    free(path);
}

static void
arff_shrinks(void **state)
{
    size_t rows = 100000, cap = 256 + rows * 24, len = 0;
    char *text = xmalloc(cap), *path;

    (void)state;
    tu_load_plugins();
    len += (size_t)snprintf(text + len, cap - len,
                            "@relation r\n@attribute a numeric\n@attribute b {x,y}\n@data\n");
    for (size_t i = 0; i < rows; i++)
        len += (size_t)snprintf(text + len, cap - len, "%zu,%c\n", i, i % 2 ? 'x' : 'y');
    path = tu_write_file(tmp, "shrinks.arff", text, len);
    free(text);
    expect_shrank(path, 4096 * 3 + 17);
    free(path);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(guard_reads_zeros),
        cmocka_unit_test(guard_sees_small_shrink),
        cmocka_unit_test(guard_quiet),
        cmocka_unit_test(guard_slots),
        cmocka_unit_test(unguarded_still_sigbus),
        cmocka_unit_test(csv_shrinks),
        cmocka_unit_test(arff_shrinks),
    };
    int rc;

    tmp = tu_tmpdir("mapguard");
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    registry_shutdown();
    free(tmp);
    return rc;
}
