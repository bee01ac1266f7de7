/*
 * test-store.c - the workspace: creation, refusal of foreign files, runs and
 * their curves, interrupted runs, crash safety under kill -9, model versions
 * with their headline metrics, promotions and exports, cross-validation
 * metrics, the leaderboard, what a run was, and the upgrade of older
 * workspaces.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the store wrote is checked through a second, plain sqlite3
 * connection, as a user with the sqlite3 shell would see it. Child
 * processes are forked only while this process holds no connection (sqlite
 * connections must not cross a fork) and report through their exit status.
 */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/codec.h"
#include "core/table.h"
#include "core/xalloc.h"
#include "store/store.h"
#include "testutil.h"

/* The application id store.c gives every workspace: "AIWB". */
#define AIWB_APPLICATION_ID 0x41495742

/* ---- helpers ------------------------------------------------------------ */

/* A new workspace path in a fresh folder for test NAME; the caller frees it. */
static char *
ws_path(const char *name)
{
    char *dir = tu_tmpdir(name);
    char *path = xasprintf("%s/ws.db", dir);

    free(dir);
    return path;
}

static struct store *
open_ok(const char *path)
{
    char *cause = NULL;
    struct store *s = store_open(path, &cause);

    if (s == NULL)
        fail_msg("store_open('%s'): %s", path, cause);
    return s;
}

/* Assert that RC is the error WANT and that *CAUSE contains SUB; free it. */
static void
expect_error(int rc, int want, char **cause, const char *sub)
{
    if (rc != want || *cause == NULL || strstr(*cause, sub) == NULL)
        fail_msg("got status %d with cause \"%s\", wanted status %d with a cause containing "
                 "\"%s\"", rc, *cause != NULL ? *cause : "(none)", want, sub);
    free(*cause);
    *cause = NULL;
}

static void
ok(int rc, char **cause)
{
    if (rc != 0)
        fail_msg("status %d: %s", rc, *cause != NULL ? *cause : "(no cause)");
}

/* A plain connection to PATH, as another program would have. */
static sqlite3 *
raw_open(const char *path)
{
    sqlite3 *db = NULL;

    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
        fail_msg("sqlite3_open_v2('%s'): %s", path, sqlite3_errmsg(db));
    sqlite3_busy_timeout(db, 5000);
    return db;
}

static void
raw_exec_db(sqlite3 *db, const char *sql)
{
    char *err = NULL;

    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
        fail_msg("%s: %s", sql, err);
}

static void
raw_exec(const char *path, const char *sql)
{
    sqlite3 *db = raw_open(path);

    raw_exec_db(db, sql);
    sqlite3_close(db);
}

/* The first column of the first row SQL returns from PATH, as text in a new
 * string, or NULL for no row or a NULL. */
static char *
raw_text(const char *path, const char *sql)
{
    sqlite3 *db = raw_open(path);
    sqlite3_stmt *st = NULL;
    char *v = NULL;
    int rc;

    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        v = xstrdup((const char *)sqlite3_column_text(st, 0));
    else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

static int64_t
raw_int(const char *path, const char *sql)
{
    char *v = raw_text(path, sql);
    int64_t n;

    if (v == NULL)
        fail_msg("%s: no value", sql);
    n = strtoll(v, NULL, 10);
    free(v);
    return n;
}

/* The real SQL answers, read as a double (no text in between). */
static double
raw_real(const char *path, const char *sql)
{
    sqlite3 *db = raw_open(path);
    sqlite3_stmt *st = NULL;
    double v;

    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    if (sqlite3_step(st) != SQLITE_ROW || sqlite3_column_type(st, 0) != SQLITE_FLOAT)
        fail_msg("%s: no real", sql);
    v = sqlite3_column_double(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

static void
assert_raw_text(const char *path, const char *sql, const char *want)
{
    char *v = raw_text(path, sql);

    if (want == NULL)
        assert_null(v);
    else
        assert_string_equal(v != NULL ? v : "(null)", want);
    free(v);
}

static char *
read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    buf = xmalloc((size_t)n + 1);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static int
exists(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0;
}

/* Column NAME of T, which must exist with kind KIND. */
static size_t
col(const struct aiwb_table *t, const char *name, enum aiwb_table_kind kind)
{
    for (size_t c = 0; c < t->ncols; c++)
        if (strcmp(t->cols[c].name, name) == 0) {
            assert_int_equal(t->cols[c].kind, kind);
            return c;
        }
    fail_msg("no column '%s'", name);
    return 0;
}

static const char *
text_at(const struct aiwb_table *t, size_t row, const char *name)
{
    const struct table_cell *c = table_cell(t, row, col(t, name, AIWB_TABLE_TEXT));

    if (c->null)
        fail_msg("row %zu column '%s' is null", row, name);
    return c->v.s;
}

static int64_t
int_at(const struct aiwb_table *t, size_t row, const char *name)
{
    const struct table_cell *c = table_cell(t, row, col(t, name, AIWB_TABLE_INT));

    if (c->null)
        fail_msg("row %zu column '%s' is null", row, name);
    return c->v.i;
}

static double
real_at(const struct aiwb_table *t, size_t row, const char *name)
{
    const struct table_cell *c = table_cell(t, row, col(t, name, AIWB_TABLE_REAL));

    if (c->null)
        fail_msg("row %zu column '%s' is null", row, name);
    return c->v.r;
}

static int
null_at(const struct aiwb_table *t, size_t row, const char *name, enum aiwb_table_kind kind)
{
    return table_cell(t, row, col(t, name, kind))->null;
}

/* Whether S reads as "2026-11-27T06:12:03.123Z". */
static int
is_iso_time(const char *s)
{
    int y, mo, d, h, mi, sec, ms, n = 0;

    return strlen(s) == 24 &&
           sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ%n", &y, &mo, &d, &h, &mi, &sec, &ms, &n) == 7 &&
           n == 24 && y >= 2020 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h < 24 &&
           mi < 60 && sec <= 60;
}

static const struct store_run iris_run = {
    .kind = "train",
    .algorithm = "logistic",
    .transforms = "impute(strategy=median),standardize",
    .options = "C=1 max_iter=100",
    .dataset = "iris",
    .target = "species",
    .seed = 42,
    .command = "train logistic iris species",
};

static int64_t
begin_ok(struct store *s)
{
    char *cause = NULL;
    int64_t id = 0;

    ok(store_run_begin(s, &iris_run, &id, &cause), &cause);
    return id;
}

static int
put_model(struct store *s, const char *name, int64_t run, const char *bytes)
{
    struct store_model m = {
        .name = name, .run = run, .algorithm = "logistic", .dataset = "iris",
        .target = "species", .blob = (const unsigned char *)bytes, .len = strlen(bytes),
    };
    char *cause = NULL;
    int version = 0;

    ok(store_model_put(s, &m, &version, &cause), &cause);
    return version;
}

static void
expect_blob(struct store *s, const char *name, int version, int want_version, const char *want)
{
    unsigned char *blob = NULL;
    size_t len = 0;
    char *cause = NULL;
    int got = 0;

    ok(store_model_get(s, name, version, &blob, &len, &got, &cause), &cause);
    assert_int_equal(got, want_version);
    assert_int_equal(len, strlen(want));
    assert_memory_equal(blob, want, len);
    free(blob);
}

static void
free_names(char **v)
{
    for (size_t i = 0; v[i] != NULL; i++)
        free(v[i]);
    free(v);
}

/* Wait for child PID; its exit status (-1 if it was killed). */
static int
wait_child(pid_t pid)
{
    int status;

    while (waitpid(pid, &status, 0) < 0)
        assert_int_equal(errno, EINTR);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}


static void
sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

/* End a forked child with CODE, freeing first its copy of PATH, which
 * valgrind would otherwise count as lost. */
static void __attribute__((noreturn))
child_exit(char *path, int code)
{
    free(path);
    _exit(code);
}

/* ---- creation, reopening, refusal ---------------------------------------- */

static void
test_create_and_reopen(void **state)
{
    char *path = ws_path("store-reopen"), *cause = NULL;
    const char *names[] = {"accuracy", "macro_f1"};
    const double values[] = {0.96, 0.95};
    struct store_dataset d = {
        .name = "iris", .source = "datasets/iris.csv", .options = "", .lineage =
        "load iris datasets/iris.csv", .schema = "sepal_length numeric, species categorical(3)",
        .n_rows = 150, .n_cols = 5,
    };
    struct aiwb_table *t;
    struct store *s;
    int64_t id;

    (void)state;
    assert_false(exists(path));
    s = open_ok(path);
    assert_string_equal(store_path(s), path);
    assert_true(exists(path));
    ok(store_dataset_put(s, &d, &cause), &cause);
    id = begin_ok(s);
    assert_int_equal(id, 1);
    for (int i = 0; i < 10; i++)
        ok(store_run_curve(s, id, i, "loss", 1.0 / (i + 1), &cause), &cause);
    ok(store_run_end(s, id, "finished", 10, NULL, &cause), &cause);
    assert_int_equal(put_model(s, "iris-lr", id, "model bytes"), 1);
    ok(store_eval_put(s, "iris-lr", 1, "iris", 2, names, values, &cause), &cause);
    store_close(s);

    s = open_ok(path);
    t = table_new(NULL);
    ok(store_dataset_list(s, t, &cause), &cause);
    assert_int_equal(table_rows(t), 1);
    assert_string_equal(text_at(t, 0, "name"), "iris");
    assert_int_equal(int_at(t, 0, "rows"), 150);
    assert_int_equal(int_at(t, 0, "cols"), 5);
    assert_string_equal(text_at(t, 0, "source"), "datasets/iris.csv");
    assert_string_equal(text_at(t, 0, "lineage"), "load iris datasets/iris.csv");
    assert_true(is_iso_time(text_at(t, 0, "updated")));
    table_free(t);

    t = table_new(NULL);
    ok(store_run_list(s, t, &cause), &cause);
    assert_int_equal(table_rows(t), 1);
    assert_string_equal(text_at(t, 0, "status"), "finished");
    assert_string_equal(text_at(t, 0, "model"), "iris-lr v1");
    tu_assert_rel(real_at(t, 0, "loss"), 0.1, 1e-15);
    table_free(t);

    t = table_new(NULL);
    ok(store_curve_list(s, id, t, &cause), &cause);
    assert_int_equal(table_rows(t), 10);
    table_free(t);

    expect_blob(s, "iris-lr", 0, 1, "model bytes");
    assert_int_equal(raw_int(path, "SELECT count(*) FROM evaluations"), 2);
    ok(store_check(s, &cause), &cause);
    store_close(s);
    store_close(NULL);
    free(path);
}

static void
test_header(void **state)
{
    char *path = ws_path("store-header");

    (void)state;
    store_close(open_ok(path));
    assert_int_equal(raw_int(path, "PRAGMA application_id"), AIWB_APPLICATION_ID);
    assert_int_equal(raw_int(path, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
    assert_raw_text(path, "PRAGMA journal_mode", "wal");
    assert_raw_text(path,
                    "SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_master "
                    "WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name)",
                    "curves datasets drift_columns drift_reports evaluations exports "
                    "models promotions run_metrics runs");
    /* Version 3: the folds of a cross-validated run. */
    assert_int_equal(raw_int(path, "SELECT count(*) FROM pragma_table_info('runs') "
                                   "WHERE name = 'folds'"),
                     1);
    /* The status column refuses what the code would never write. */
    {
        sqlite3 *db = raw_open(path);

        assert_int_equal(sqlite3_exec(db, "INSERT INTO runs (kind, algorithm, seed, status, "
                                          "started) VALUES ('train', 'x', 1, 'bogus', 'now')",
                                      NULL, NULL, NULL),
                         SQLITE_CONSTRAINT);
        /* Version 6: a promotion or an export of a version there is not. */
        raw_exec_db(db, "PRAGMA foreign_keys = ON");
        assert_int_equal(sqlite3_exec(db, "INSERT INTO promotions (model, version, promoted) "
                                          "VALUES ('m', 1, 'now')", NULL, NULL, NULL),
                         SQLITE_CONSTRAINT);
        assert_int_equal(sqlite3_exec(db, "INSERT INTO exports (model, version, folder, "
                                          "exported) VALUES ('m', 1, '/x', 'now')",
                                      NULL, NULL, NULL),
                         SQLITE_CONSTRAINT);
        sqlite3_close(db);
    }
    /* Reopening a current workspace changes nothing in its header. */
    store_close(open_ok(path));
    assert_int_equal(raw_int(path, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
    assert_int_equal(raw_int(path, "PRAGMA application_id"), AIWB_APPLICATION_ID);
    free(path);
}

static void
test_refuse_not_sqlite(void **state)
{
    char *dir = tu_tmpdir("store-notsqlite"), *cause = NULL, *path, *wal, *after, *want;
    char text[300];
    size_t len;

    (void)state;
    memset(text, 0, sizeof text);
    for (size_t i = 0; i + 1 < sizeof text; i++)
        text[i] = "sepal_length,species\n5.1,setosa\n"[i % 33];
    path = tu_write_file(dir, "iris.csv", text, strlen(text));
    assert_null(store_open(path, &cause));
    want = xasprintf("'%s' is not an aiwb workspace (not a sqlite database)", path);
    assert_string_equal(cause, want);
    free(cause);
    free(want);
    /* The file was not touched. */
    after = read_all(path, &len);
    assert_int_equal(len, strlen(text));
    assert_memory_equal(after, text, len);
    free(after);
    wal = xasprintf("%s-wal", path);
    assert_false(exists(wal));
    free(wal);
    free(path);
    free(dir);
}

static void
test_refuse_foreign(void **state)
{
    char *path = ws_path("store-foreign"), *cause = NULL, *want;

    (void)state;
    raw_exec(path, "CREATE TABLE people (name TEXT); INSERT INTO people VALUES ('ada')");
    assert_null(store_open(path, &cause));
    want = xasprintf("'%s' is not an aiwb workspace (a sqlite database of another program)", path);
    assert_string_equal(cause, want);
    free(cause);
    /* Left as it was: no aiwb table, the same journal mode, the same rows. */
    assert_raw_text(path, "PRAGMA journal_mode", "delete");
    assert_int_equal(raw_int(path, "SELECT count(*) FROM sqlite_master"), 1);
    assert_raw_text(path, "SELECT name FROM people", "ada");
    assert_int_equal(raw_int(path, "PRAGMA application_id"), 0);

    /* Another program's empty file, known by its application id. */
    raw_exec(path, "DROP TABLE people; PRAGMA application_id = 1234");
    cause = NULL;
    assert_null(store_open(path, &cause));
    assert_string_equal(cause, want);
    free(cause);
    free(want);
    free(path);
}

static void
test_refuse_newer(void **state)
{
    char *path = ws_path("store-newer"), *cause = NULL, *want;

    (void)state;
    store_close(open_ok(path));
    raw_exec(path, "PRAGMA user_version = 7");
    assert_null(store_open(path, &cause));
    want = xasprintf("workspace '%s' has schema version 7; this aiwb reads versions up to %d",
                     path, STORE_SCHEMA_VERSION);
    assert_string_equal(cause, want);
    free(cause);
    free(want);
    assert_int_equal(raw_int(path, "PRAGMA user_version"), 7);
    free(path);
}

static void
test_open_errors(void **state)
{
    char *dir = tu_tmpdir("store-openerr"), *cause = NULL, *path, *want;
    struct store *s;

    (void)state;
    /* A folder. */
    assert_null(store_open(dir, &cause));
    want = xasprintf("cannot open workspace '%s': Is a directory", dir);
    assert_string_equal(cause, want);
    free(cause);
    free(want);
    /* A folder that does not exist. */
    path = xasprintf("%s/no/such/ws.db", dir);
    cause = NULL;
    assert_null(store_open(path, &cause));
    want = xasprintf("cannot open workspace '%s': ", path);
    assert_non_null(strstr(cause, want));
    assert_non_null(strstr(cause, "No such file or directory"));
    free(cause);
    free(want);
    free(path);
    /* An empty file (touch ws.db) becomes a workspace. */
    path = tu_write_file(dir, "empty.db", "", 0);
    s = open_ok(path);
    store_close(s);
    assert_int_equal(raw_int(path, "PRAGMA application_id"), AIWB_APPLICATION_ID);
    free(path);
    free(dir);
}

/* ---- runs and curves ------------------------------------------------------ */

static void
test_runs_lifecycle(void **state)
{
    char *path = ws_path("store-runs"), *cause = NULL, *status, sql[128];
    struct aiwb_table *t;
    struct store *s;
    int64_t a, b, c;

    (void)state;
    s = open_ok(path);
    a = begin_ok(s);
    assert_int_equal(a, 1);
    status = store_run_status(s, a);
    assert_string_equal(status, "running");
    free(status);
    /* Owned by this process, with its start time so a recycled pid is told apart. */
    assert_int_equal(raw_int(path, "SELECT owner_pid FROM runs WHERE id = 1"), (int64_t)getpid());
    assert_true(raw_int(path, "SELECT owner_start FROM runs WHERE id = 1") > 0);
    assert_int_equal(raw_int(path, "SELECT seed FROM runs WHERE id = 1"), 42);
    assert_raw_text(path, "SELECT options FROM runs WHERE id = 1", "C=1 max_iter=100");
    assert_raw_text(path, "SELECT command FROM runs WHERE id = 1", "train logistic iris species");
    for (int i = 0; i < 20; i++) {
        ok(store_run_curve(s, a, i, "loss", 2.0 / (i + 1), &cause), &cause);
        ok(store_run_curve(s, a, i, "val_loss", 3.0 / (i + 1), &cause), &cause);
    }
    ok(store_run_end(s, a, "finished", 20, NULL, &cause), &cause);
    status = store_run_status(s, a);
    assert_string_equal(status, "finished");
    free(status);
    assert_int_equal(put_model(s, "iris-lr", a, "v1"), 1);

    b = begin_ok(s);
    assert_int_equal(b, 2);
    ok(store_run_end(s, b, "failed", 3, "singular matrix", &cause), &cause);
    c = begin_ok(s);
    assert_int_equal(c, 3);

    t = table_new(NULL);
    ok(store_run_list(s, t, &cause), &cause);
    assert_int_equal(table_rows(t), 3);
    assert_int_equal(t->ncols, 13);
    assert_int_equal(int_at(t, 0, "id"), 1);
    assert_int_equal(int_at(t, 1, "id"), 2);
    assert_int_equal(int_at(t, 2, "id"), 3);
    assert_string_equal(text_at(t, 0, "status"), "finished");
    assert_string_equal(text_at(t, 1, "status"), "failed");
    assert_string_equal(text_at(t, 2, "status"), "running");
    assert_string_equal(text_at(t, 0, "algorithm"), "logistic");
    assert_string_equal(text_at(t, 0, "kind"), "train");
    assert_string_equal(text_at(t, 0, "transforms"), "impute(strategy=median),standardize");
    assert_string_equal(text_at(t, 0, "dataset"), "iris");
    assert_string_equal(text_at(t, 0, "target"), "species");
    assert_string_equal(text_at(t, 0, "model"), "iris-lr v1");
    assert_true(null_at(t, 1, "model", AIWB_TABLE_TEXT));
    assert_true(is_iso_time(text_at(t, 0, "started")));
    assert_true(real_at(t, 0, "seconds") >= 0.0);
    assert_true(real_at(t, 2, "seconds") >= 0.0); /* running: so far */
    assert_int_equal(int_at(t, 0, "iterations"), 20);
    assert_int_equal(int_at(t, 1, "iterations"), 3);
    assert_true(null_at(t, 2, "iterations", AIWB_TABLE_INT));
    tu_assert_rel(real_at(t, 0, "loss"), 2.0 / 20, 1e-15); /* the last step's */
    assert_true(null_at(t, 1, "loss", AIWB_TABLE_REAL));
    assert_true(null_at(t, 0, "message", AIWB_TABLE_TEXT));
    assert_string_equal(text_at(t, 1, "message"), "singular matrix");
    table_free(t);
    snprintf(sql, sizeof sql, "SELECT finished >= started FROM runs WHERE id = %" PRId64, a);
    assert_int_equal(raw_int(path, sql), 1);
    {
        char *finished = raw_text(path, "SELECT finished FROM runs WHERE id = 1");

        assert_true(is_iso_time(finished));
        free(finished);
    }

    /* Errors, each with what failed and where. */
    expect_error(store_run_end(s, c, "running", 0, NULL, &cause), AIWB_EINVAL, &cause,
                 "invalid status 'running' (finished, failed or interrupted)");
    expect_error(store_run_end(s, a, "finished", 20, NULL, &cause), AIWB_EINVAL, &cause,
                 "run 1 in workspace '");
    expect_error(store_run_end(s, a, "failed", 20, NULL, &cause), AIWB_EINVAL, &cause,
                 "' has already ended (finished)");
    expect_error(store_run_end(s, 77, "finished", 1, NULL, &cause), AIWB_EINVAL, &cause,
                 "no run 77 in workspace '");
    expect_error(store_run_curve(s, 77, 0, "loss", 1.0, &cause), AIWB_EINVAL, &cause,
                 "no run 77 in workspace '");
    expect_error(store_run_curve(s, c, 0, "", 1.0, &cause), AIWB_EINVAL, &cause,
                 "without a name");
    assert_null(store_run_status(s, 77));
    {
        struct store_run r = iris_run;
        int64_t id = 0;

        r.algorithm = NULL;
        expect_error(store_run_begin(s, &r, &id, &cause), AIWB_EINVAL, &cause,
                     "cannot record a run without a kind and an algorithm in '");
    }
    t = table_new(NULL);
    table_column(t, "x", AIWB_TABLE_TEXT);
    expect_error(store_run_list(s, t, &cause), AIWB_EINVAL, &cause, "the table is not empty");
    table_free(t);
    store_close(s);
    free(path);
}

static void
test_curves_buffered(void **state)
{
    char *path = ws_path("store-curves"), *cause = NULL, sql[128];
    struct aiwb_table *t;
    struct store *s;
    int64_t id, committed;

    (void)state;
    s = open_ok(path);
    id = begin_ok(s);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM curves WHERE run = %" PRId64, id);
    for (int i = 0; i < 250; i++)
        ok(store_run_curve(s, id, i, "loss", 0.5 * i, &cause), &cause);
    /* At most one batch is waiting; the rest is in the file already. */
    committed = raw_int(path, sql);
    assert_true(committed >= 250 - 99 && committed <= 250);
    ok(store_flush(s, &cause), &cause);
    assert_int_equal(raw_int(path, sql), 250);
    ok(store_flush(s, &cause), &cause); /* nothing to do */

    /* A last point with nothing after it still reaches the file on its own
     * (after 200 ms; waited for here up to 30 s, for slow machines). */
    ok(store_run_curve(s, id, 250, "loss", 125.0, &cause), &cause);
    for (int wait = 0; raw_int(path, sql) < 251; wait++) {
        if (wait > 3000)
            fail_msg("a buffered point was not committed in 30 s");
        sleep_ms(10);
    }
    raw_exec(path, "DELETE FROM curves WHERE step = 250");

    /* A NaN (diverged) and an infinity come back as such; a step recorded
     * again replaces the earlier value. */
    ok(store_run_curve(s, id, 250, "loss", NAN, &cause), &cause);
    ok(store_run_curve(s, id, 251, "loss", INFINITY, &cause), &cause);
    ok(store_run_curve(s, id, 3, "loss", 99.0, &cause), &cause);
    ok(store_run_curve(s, id, 3, "acc", 0.25, &cause), &cause);
    /* store_close commits what is buffered. */
    store_close(s);
    assert_int_equal(raw_int(path, sql), 253);

    s = open_ok(path);
    t = table_new(NULL);
    ok(store_curve_list(s, id, t, &cause), &cause);
    assert_int_equal(table_rows(t), 253);
    assert_int_equal(t->ncols, 3);
    assert_int_equal(int_at(t, 0, "step"), 0);
    assert_string_equal(text_at(t, 0, "name"), "loss");
    assert_true(real_at(t, 0, "value") == 0.0);
    /* Step 3: acc then loss, by name. */
    assert_int_equal(int_at(t, 3, "step"), 3);
    assert_string_equal(text_at(t, 3, "name"), "acc");
    tu_assert_rel(real_at(t, 3, "value"), 0.25, 1e-15);
    assert_string_equal(text_at(t, 4, "name"), "loss");
    tu_assert_rel(real_at(t, 4, "value"), 99.0, 1e-15);
    tu_assert_rel(real_at(t, 100, "value"), 0.5 * 99, 1e-15);
    assert_int_equal(int_at(t, 251, "step"), 250);
    assert_true(isnan(real_at(t, 251, "value")));
    assert_true(isinf(real_at(t, 252, "value")));
    table_free(t);

    /* The run's loss is its last step's: an infinity here. */
    ok(store_run_end(s, id, "finished", 252, NULL, &cause), &cause);
    t = table_new(NULL);
    ok(store_run_list(s, t, &cause), &cause);
    assert_true(isinf(real_at(t, 0, "loss")));
    table_free(t);

    /* A diverged run's loss is a NaN, not an absent value. */
    id = begin_ok(s);
    ok(store_run_curve(s, id, 0, "loss", 1.0, &cause), &cause);
    ok(store_run_curve(s, id, 1, "loss", NAN, &cause), &cause);
    t = table_new(NULL);
    ok(store_run_list(s, t, &cause), &cause); /* commits the buffered points first */
    assert_true(isnan(real_at(t, 1, "loss")));
    table_free(t);

    t = table_new(NULL);
    expect_error(store_curve_list(s, 99, t, &cause), AIWB_EINVAL, &cause,
                 "no run 99 in workspace '");
    table_free(t);
    store_close(s);
    free(path);
}

static void
test_locked(void **state)
{
    char *path = ws_path("store-locked"), *cause = NULL, *want, *status, sql[128];
    struct aiwb_table *t;
    struct store *s, *s2;
    sqlite3 *other;
    int64_t id, rid = 0;
    int rc;

    (void)state;
    s = open_ok(path);
    id = begin_ok(s);
    /* Another process holds the write lock beyond the busy timeout. */
    other = raw_open(path);
    raw_exec_db(other, "BEGIN IMMEDIATE");
    want = xasprintf("cannot record curve points in '%s': database is locked", path);
    for (int i = 0; i < 3; i++) {
        /* The point is kept even when its commit, if one is due, fails. */
        rc = store_run_curve(s, id, i, "loss", 1.0 + i, &cause);
        if (rc != 0)
            expect_error(rc, AIWB_EIO, &cause, want);
    }
    expect_error(store_flush(s, &cause), AIWB_EIO, &cause, want);
    free(want);
    want = xasprintf("cannot record run in '%s': database is locked", path);
    expect_error(store_run_begin(s, &iris_run, &rid, &cause), AIWB_EIO, &cause, want);
    free(want);
    /* Another aiwb can still open the file and read it. */
    s2 = open_ok(path);
    t = table_new(NULL);
    ok(store_run_list(s2, t, &cause), &cause);
    assert_int_equal(table_rows(t), 1);
    table_free(t);
    store_close(s2);
    raw_exec_db(other, "ROLLBACK");
    /* Once the lock is gone nothing is missing. */
    ok(store_flush(s, &cause), &cause);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM curves WHERE run = %" PRId64, id);
    assert_int_equal(raw_int(path, sql), 3);

    /* With a run to mark interrupted, opening needs the write lock. */
    raw_exec_db(other, "INSERT INTO runs (kind, algorithm, seed, status, owner_pid, started) "
                       "VALUES ('train', 'ols', 1, 'running', 0, '2026-01-01T00:00:00.000Z')");
    raw_exec_db(other, "BEGIN IMMEDIATE");
    want = xasprintf("cannot open workspace '%s': database is locked", path);
    assert_null(store_open(path, &cause));
    assert_string_equal(cause, want);
    free(cause);
    cause = NULL;
    free(want);
    raw_exec_db(other, "ROLLBACK");
    sqlite3_close(other);
    s2 = open_ok(path);
    status = store_run_status(s2, id + 1);
    assert_string_equal(status, "interrupted");
    free(status);
    store_close(s2);
    store_close(s);
    free(path);
}

struct writer {
    struct store *s;
    int64_t run;
    int failures;
};

static void *
write_points(void *arg)
{
    struct writer *w = arg;

    for (int i = 0; i < 3000; i++)
        if (store_run_curve(w->s, w->run, i, "loss", 1.0 / (i + 1), NULL) != 0)
            w->failures++;
    return NULL;
}

/* The job's worker thread records curves while the prompt lists runs and
 * saves models on the same store. */
static void
test_two_threads(void **state)
{
    char *path = ws_path("store-threads"), *cause = NULL, sql[128];
    struct writer w = {0};
    struct aiwb_table *t;
    pthread_t thread;

    (void)state;
    w.s = open_ok(path);
    w.run = begin_ok(w.s);
    assert_int_equal(pthread_create(&thread, NULL, write_points, &w), 0);
    for (int i = 0; i < 30; i++) {
        t = table_new(NULL);
        ok(store_run_list(w.s, t, &cause), &cause);
        assert_int_equal(table_rows(t), 1);
        table_free(t);
        assert_int_equal(put_model(w.s, "m", 0, "blob"), i + 1);
    }
    assert_int_equal(pthread_join(thread, NULL), 0);
    assert_int_equal(w.failures, 0);
    ok(store_run_end(w.s, w.run, "finished", 3000, NULL, &cause), &cause);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM curves WHERE run = %" PRId64, w.run);
    assert_int_equal(raw_int(path, sql), 3000);
    store_close(w.s);
    free(path);
}

/* ---- interrupted runs --------------------------------------------------- */

static void
test_interrupted(void **state)
{
    char *path = ws_path("store-interrupted"), *cause = NULL, *status;
    struct aiwb_table *t;
    struct store *s;
    pid_t pid;

    (void)state;
    store_close(open_ok(path));
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct store *cs = store_open(path, NULL);
        int64_t id = 0;

        if (cs == NULL || store_run_begin(cs, &iris_run, &id, NULL) != 0 || id != 1)
            _exit(1);
        store_run_curve(cs, id, 0, "loss", 1.0, NULL);
        /* Ends without ending the run. It closes the store only so that a
         * run under valgrind has no leak to report; test_kill9 covers the
         * crash that leaves the file open. */
        store_close(cs);
        child_exit(path, 0);
    }
    assert_int_equal(wait_child(pid), 0);
    assert_raw_text(path, "SELECT status FROM runs WHERE id = 1", "running");

    s = open_ok(path);
    status = store_run_status(s, 1);
    assert_string_equal(status, "interrupted");
    free(status);
    t = table_new(NULL);
    ok(store_run_list(s, t, &cause), &cause);
    assert_string_equal(text_at(t, 0, "status"), "interrupted");
    assert_string_equal(text_at(t, 0, "message"),
                        "the process running it ended without finishing it");
    assert_true(null_at(t, 0, "seconds", AIWB_TABLE_REAL)); /* when it ended is unknown */
    table_free(t);
    /* An interrupted run cannot be ended again by a late writer. */
    expect_error(store_run_end(s, 1, "finished", 1, NULL, &cause), AIWB_EINVAL, &cause,
                 "has already ended (interrupted)");
    store_close(s);
    free(path);
}

static void
test_live_owner(void **state)
{
    char *path = ws_path("store-live"), *status;
    int to_parent[2], to_child[2];
    struct store *s;
    int64_t id = 0;
    char go = 'g';
    pid_t pid;

    (void)state;
    store_close(open_ok(path));
    assert_int_equal(pipe(to_parent), 0);
    assert_int_equal(pipe(to_child), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct store *cs;
        int64_t cid = 0;
        char c;

        /* Without the write end, a parent that fails lets read() see the end. */
        close(to_child[1]);
        close(to_parent[0]);
        cs = store_open(path, NULL);
        if (cs == NULL || store_run_begin(cs, &iris_run, &cid, NULL) != 0)
            _exit(1);
        if (write(to_parent[1], &cid, sizeof cid) != sizeof cid)
            _exit(2);
        if (read(to_child[0], &c, 1) != 1)
            _exit(3);
        if (store_run_end(cs, cid, "finished", 5, NULL, NULL) != 0)
            _exit(4);
        store_close(cs);
        child_exit(path, 0);
    }
    close(to_child[0]);
    close(to_parent[1]);
    assert_int_equal(read(to_parent[0], &id, sizeof id), sizeof id);
    /* The other process is alive: its run is left running. */
    s = open_ok(path);
    status = store_run_status(s, id);
    assert_string_equal(status, "running");
    free(status);
    store_close(s);
    assert_int_equal(write(to_child[1], &go, 1), 1);
    assert_int_equal(wait_child(pid), 0);
    s = open_ok(path);
    status = store_run_status(s, id);
    assert_string_equal(status, "finished");
    free(status);
    store_close(s);
    close(to_parent[0]);
    close(to_child[1]);
    free(path);
}

static void
test_recycled_pid(void **state)
{
    char *path = ws_path("store-recycled"), *status;
    struct store *s, *again;
    int64_t id;

    (void)state;
    s = open_ok(path);
    id = begin_ok(s);
    /* This very process opening the file again: its run goes on. */
    again = open_ok(path);
    status = store_run_status(again, id);
    assert_string_equal(status, "running");
    free(status);
    store_close(again);
    store_close(s);
    /* The same pid with another start time is another process: the pid was
     * recycled, the owner is gone. */
    raw_exec(path, "UPDATE runs SET owner_start = owner_start + 1");
    s = open_ok(path);
    status = store_run_status(s, id);
    assert_string_equal(status, "interrupted");
    free(status);
    store_close(s);
    free(path);
}

/* ---- crash safety --------------------------------------------------------- */

/* The writer test_kill9 is about to kill, for the teardown should the test
 * fail first. */
static pid_t writer_pid;

static int
kill_writer(void **state)
{
    (void)state;
    if (writer_pid > 0) {
        kill(writer_pid, SIGKILL);
        waitpid(writer_pid, NULL, 0);
        writer_pid = 0;
    }
    return 0;
}

/* In a child: begin a run, report its id on FD, then write curve points
 * until killed (or orphaned). */
static void __attribute__((noreturn))
write_curves_forever(const char *path, int fd)
{
    pid_t parent = getppid();
    struct store *cs = store_open(path, NULL);
    int64_t id = 0;

    if (cs == NULL || store_run_begin(cs, &iris_run, &id, NULL) != 0)
        _exit(1);
    if (write(fd, &id, sizeof id) != sizeof id)
        _exit(2);
    for (int64_t step = 0;; step++) {
        if (getppid() != parent)
            _exit(5);
        if (store_run_curve(cs, id, step, "loss", 1.0 / (double)(step + 1), NULL) != 0 ||
            store_run_curve(cs, id, step, "acc", 1.0 - 1.0 / (double)(step + 2), NULL) != 0)
            _exit(3);
        if (step % 1000 == 999) {
            /* Models saved in the middle of the curves, too. */
            struct store_model m = {
                .name = "mid", .run = id, .blob = (const unsigned char *)"mid", .len = 3,
            };
            int v;

            if (store_model_put(cs, &m, &v, NULL) != 0)
                _exit(4);
        }
    }
}

static void
test_kill9(void **state)
{
    static const int64_t targets[] = {0, 1, 150, 2000, 9000, 20000};
    const size_t rounds = sizeof targets / sizeof targets[0];
    char *path = ws_path("store-kill9"), *cause = NULL, *status, sql[256];
    int64_t base, ids[sizeof targets / sizeof targets[0]];
    struct aiwb_table *t;
    struct store *s;
    int fds[2];

    (void)state;
    /* What was there before must survive every crash. */
    s = open_ok(path);
    base = begin_ok(s);
    for (int i = 0; i < 300; i++)
        ok(store_run_curve(s, base, i, "loss", 1.0 / (i + 1), &cause), &cause);
    ok(store_run_end(s, base, "finished", 300, NULL, &cause), &cause);
    assert_int_equal(put_model(s, "base", base, "the base model"), 1);
    store_close(s);
    assert_int_equal(pipe(fds), 0);

    for (size_t r = 0; r < rounds; r++) {
        pid_t pid = fork();

        assert_true(pid >= 0);
        if (pid == 0)
            write_curves_forever(path, fds[1]);
        writer_pid = pid;
        assert_int_equal(read(fds[0], &ids[r], sizeof ids[r]), sizeof ids[r]);
        snprintf(sql, sizeof sql, "SELECT count(*) FROM curves WHERE run = %" PRId64, ids[r]);
        for (int wait = 0; raw_int(path, sql) < targets[r]; wait++) {
            if (wait > 6000)
                fail_msg("round %zu: the child wrote fewer than %" PRId64 " points in 60 s",
                         r, targets[r]);
            sleep_ms(10);
        }
        assert_int_equal(kill(pid, SIGKILL), 0);
        assert_int_equal(wait_child(pid), -1);
        writer_pid = 0;

        /* The file is whole, with the points committed before the kill: a
         * prefix of the steps (the last one may lack its 'acc'), none torn. */
        assert_raw_text(path, "PRAGMA integrity_check", "ok");
        assert_true(raw_int(path, sql) >= targets[r]);
        snprintf(sql, sizeof sql,
                 "SELECT sum(name = 'loss') = max(step) + 1 AND sum(name = 'acc') >= max(step) "
                 "AND sum(name = 'loss' AND abs(value - 1.0 / (step + 1)) > 1e-15) = 0 "
                 "FROM curves WHERE run = %" PRId64, ids[r]);
        if (targets[r] > 0)
            assert_int_equal(raw_int(path, sql), 1);

        s = open_ok(path);
        ok(store_check(s, &cause), &cause);
        status = store_run_status(s, ids[r]);
        assert_string_equal(status, "interrupted");
        free(status);
        status = store_run_status(s, base);
        assert_string_equal(status, "finished");
        free(status);
        expect_blob(s, "base", 1, 1, "the base model");
        store_close(s);
    }
    close(fds[0]);
    close(fds[1]);

    s = open_ok(path);
    t = table_new(NULL);
    ok(store_run_list(s, t, &cause), &cause);
    assert_int_equal(table_rows(t), 1 + rounds);
    assert_string_equal(text_at(t, 0, "status"), "finished");
    tu_assert_rel(real_at(t, 0, "loss"), 1.0 / 300, 1e-15);
    for (size_t r = 0; r < rounds; r++) {
        assert_string_equal(text_at(t, r + 1, "status"), "interrupted");
        assert_string_equal(text_at(t, r + 1, "message"),
                            "the process running it ended without finishing it");
    }
    table_free(t);
    t = table_new(NULL);
    ok(store_curve_list(s, base, t, &cause), &cause);
    assert_int_equal(table_rows(t), 300);
    table_free(t);
    /* Models saved mid-run by the children: versions without gaps. */
    assert_int_equal(raw_int(path, "SELECT count(*) = coalesce(max(version), 0) FROM models "
                                   "WHERE name = 'mid'"),
                     1);
    store_close(s);
    free(path);
}

/* ---- models --------------------------------------------------------------- */

static void
test_model_versions(void **state)
{
    char *path = ws_path("store-models"), *cause = NULL, *want, crc[16];
    const char *blobs[] = {"first", "second, longer", "third"};
    struct aiwb_table *t;
    struct store *s;
    int64_t run;

    (void)state;
    s = open_ok(path);
    run = begin_ok(s);
    ok(store_run_end(s, run, "finished", 1, NULL, &cause), &cause);
    for (int i = 0; i < 3; i++)
        assert_int_equal(put_model(s, "iris-lr", i == 1 ? run : 0, blobs[i]), i + 1);
    assert_int_equal(put_model(s, "abalone", 0, "a"), 1);
    expect_blob(s, "iris-lr", 0, 3, "third");
    expect_blob(s, "iris-lr", 2, 2, "second, longer");
    expect_blob(s, "iris-lr", 1, 1, "first");

    {
        unsigned char *blob = NULL;
        size_t len = 0;
        int v = 0;

        want = xasprintf("no model 'nope' in workspace '%s'", path);
        expect_error(store_model_get(s, "nope", 0, &blob, &len, &v, &cause), AIWB_EINVAL,
                     &cause, want);
        expect_error(store_model_get(s, "nope", 2, &blob, &len, &v, &cause), AIWB_EINVAL,
                     &cause, want);
        free(want);
        want = xasprintf("model 'iris-lr' in workspace '%s' has no version 9", path);
        expect_error(store_model_get(s, "iris-lr", 9, &blob, &len, &v, &cause), AIWB_EINVAL,
                     &cause, want);
        free(want);
        assert_null(blob);
    }

    t = table_new(NULL);
    ok(store_model_list(s, t, &cause), &cause);
    assert_int_equal(table_rows(t), 4);
    assert_int_equal(t->ncols, 14);
    /* bytes and crc32 stay last, where the versions before schema 6 had them. */
    assert_string_equal(t->cols[12].name, "bytes");
    assert_string_equal(t->cols[13].name, "crc32");
    assert_string_equal(text_at(t, 0, "name"), "abalone");
    /* Never evaluated nor promoted: nothing in those columns. */
    for (size_t row = 0; row < 4; row++) {
        assert_true(null_at(t, row, "metric", AIWB_TABLE_TEXT));
        assert_true(null_at(t, row, "value", AIWB_TABLE_REAL));
        assert_true(null_at(t, row, "evaluated_on", AIWB_TABLE_TEXT));
        assert_true(null_at(t, row, "live", AIWB_TABLE_TEXT));
        assert_true(null_at(t, row, "since", AIWB_TABLE_TEXT));
    }
    for (int i = 0; i < 3; i++) {
        size_t row = 1 + (size_t)i;

        assert_string_equal(text_at(t, row, "name"), "iris-lr");
        assert_int_equal(int_at(t, row, "version"), i + 1);
        assert_string_equal(text_at(t, row, "algorithm"), "logistic");
        assert_string_equal(text_at(t, row, "dataset"), "iris");
        assert_string_equal(text_at(t, row, "target"), "species");
        assert_true(is_iso_time(text_at(t, row, "created")));
        assert_int_equal(int_at(t, row, "bytes"), strlen(blobs[i]));
        snprintf(crc, sizeof crc, "%08" PRIx32, codec_crc32(0, blobs[i], strlen(blobs[i])));
        assert_string_equal(text_at(t, row, "crc32"), crc);
    }
    assert_true(null_at(t, 1, "run", AIWB_TABLE_INT));
    assert_int_equal(int_at(t, 2, "run"), run);
    table_free(t);
    /* A known checksum: zlib's crc32("123456789") is cbf43926. */
    assert_int_equal(put_model(s, "check", 0, "123456789"), 1);
    assert_raw_text(path, "SELECT crc32 FROM models WHERE name = 'check'", "cbf43926");

    /* Errors. */
    {
        struct store_model m = {.name = "bad", .run = 999, .blob = (const unsigned char *)"x",
                                .len = 1};
        int v = 0;

        want = xasprintf("cannot save model 'bad' in '%s': FOREIGN KEY constraint failed", path);
        expect_error(store_model_put(s, &m, &v, &cause), AIWB_EINVAL, &cause, want);
        free(want);
        m.name = "";
        expect_error(store_model_put(s, &m, &v, &cause), AIWB_EINVAL, &cause,
                     "cannot save a model without a name in '");
    }
    store_close(s);

    /* Versions go on after reopening. */
    s = open_ok(path);
    assert_int_equal(put_model(s, "iris-lr", 0, "fourth"), 4);
    expect_blob(s, "iris-lr", 0, 4, "fourth");
    store_close(s);
    free(path);
}

static void
test_model_versions_two_processes(void **state)
{
    enum { EACH = 25 };
    char *path = ws_path("store-race");
    pid_t pids[2];

    (void)state;
    store_close(open_ok(path));
    for (int p = 0; p < 2; p++) {
        pids[p] = fork();
        assert_true(pids[p] >= 0);
        if (pids[p] == 0) {
            struct store *cs = store_open(path, NULL);
            struct store_model m = {.name = "race", .blob = (const unsigned char *)"b",
                                    .len = 1};
            int v;

            if (cs == NULL)
                _exit(1);
            for (int i = 0; i < EACH; i++)
                if (store_model_put(cs, &m, &v, NULL) != 0)
                    _exit(2);
            store_close(cs);
            child_exit(path, 0);
        }
    }
    assert_int_equal(wait_child(pids[0]), 0);
    assert_int_equal(wait_child(pids[1]), 0);
    assert_int_equal(raw_int(path, "SELECT count(DISTINCT version) FROM models"), 2 * EACH);
    assert_int_equal(raw_int(path, "SELECT max(version) FROM models"), 2 * EACH);
    free(path);
}

static void
test_model_damaged(void **state)
{
    char *path = ws_path("store-damaged"), *cause = NULL;
    unsigned char *blob = NULL;
    struct store *s;
    size_t len = 0;
    int v = 0;

    (void)state;
    s = open_ok(path);
    assert_int_equal(put_model(s, "m", 0, "the true bytes"), 1);
    raw_exec(path, "UPDATE models SET blob = CAST('the tRue bytes' AS BLOB)");
    expect_error(store_model_get(s, "m", 0, &blob, &len, &v, &cause), AIWB_EDATA, &cause,
                 "model 'm' version 1 in workspace '");
    expect_error(store_model_get(s, "m", 1, &blob, &len, &v, &cause), AIWB_EDATA, &cause,
                 "' is damaged: its checksum is ");
    assert_null(blob);
    store_close(s);
    free(path);
}

/* ---- names, evaluations, datasets, check ---------------------------------- */

static void
test_names(void **state)
{
    char *path = ws_path("store-names"), *cause = NULL;
    const char *ds[] = {"iris", "abalone", "digits"};
    struct store *s;
    char **v;

    (void)state;
    s = open_ok(path);
    v = store_model_names(s);
    assert_null(v[0]);
    free_names(v);
    v = store_dataset_names(s);
    assert_null(v[0]);
    free_names(v);
    for (int i = 0; i < 3; i++) {
        struct store_dataset d = {.name = ds[i], .n_rows = 10, .n_cols = 2};

        ok(store_dataset_put(s, &d, &cause), &cause);
    }
    put_model(s, "m2", 0, "x");
    put_model(s, "m1", 0, "x");
    put_model(s, "m1", 0, "y");
    v = store_model_names(s);
    assert_string_equal(v[0], "m1");
    assert_string_equal(v[1], "m2");
    assert_null(v[2]);
    free_names(v);
    v = store_dataset_names(s);
    assert_string_equal(v[0], "abalone");
    assert_string_equal(v[1], "digits");
    assert_string_equal(v[2], "iris");
    assert_null(v[3]);
    free_names(v);
    store_close(s);
    free(path);
}

static void
test_evaluations(void **state)
{
    char *path = ws_path("store-eval"), *cause = NULL;
    const char *names[] = {"accuracy", "macro_f1", "log_loss"};
    const char *bad[] = {"accuracy", NULL};
    const double values[] = {0.9666666666666667, 0.9665831244778613, NAN};
    struct store *s;

    (void)state;
    s = open_ok(path);
    ok(store_eval_put(s, "iris-lr", 2, "iris.test", 3, names, values, &cause), &cause);
    ok(store_eval_put(s, "unsaved", 0, "iris", 1, names, values, &cause), &cause);
    assert_int_equal(raw_int(path, "SELECT count(*) FROM evaluations"), 4);
    /* Stored to the last bit. */
    assert_true(raw_real(path, "SELECT value FROM evaluations "
                               "WHERE model = 'iris-lr' AND metric = 'accuracy'") == values[0]);
    assert_true(raw_real(path, "SELECT value FROM evaluations "
                               "WHERE model = 'iris-lr' AND metric = 'macro_f1'") == values[1]);
    assert_raw_text(path, "SELECT value FROM evaluations WHERE metric = 'log_loss'", NULL);
    assert_raw_text(path, "SELECT group_concat(version) FROM evaluations "
                          "WHERE model = 'iris-lr'", "2,2,2");
    assert_raw_text(path, "SELECT version FROM evaluations WHERE model = 'unsaved'", NULL);
    assert_raw_text(path, "SELECT DISTINCT dataset FROM evaluations WHERE model = 'iris-lr'",
                    "iris.test");
    {
        char *created = raw_text(path, "SELECT created FROM evaluations LIMIT 1");

        assert_true(is_iso_time(created));
        free(created);
    }
    expect_error(store_eval_put(s, "m", 1, "iris", 2, bad, values, &cause), AIWB_EINVAL, &cause,
                 "cannot record evaluation of model 'm' in '");
    expect_error(store_eval_put(s, "m", 1, "iris", 2, bad, values, &cause), AIWB_EINVAL, &cause,
                 "': metric 2 has no name");
    assert_int_equal(raw_int(path, "SELECT count(*) FROM evaluations"), 4);
    store_close(s);
    free(path);
}

/* `save`: a dataset's data kept with its record, dropped when it is made again. */
static void
test_dataset_data(void **state)
{
    char *path = ws_path("store-dataset-data"), *cause = NULL;
    struct store_dataset d = {
        .name = "iris", .source = "datasets/iris.csv", .lineage = "load iris datasets/iris.csv",
        .schema = "sepal_length numeric", .n_rows = 150, .n_cols = 5,
    };
    static const unsigned char blob[] = {0, 1, 2, 0xff, 'A', 'I', 'W', 'B'};
    unsigned char *got = NULL;
    size_t len = 0;
    struct aiwb_table *t;
    struct store *s;

    (void)state;
    s = open_ok(path);
    ok(store_dataset_put(s, &d, &cause), &cause);
    /* Not saved yet: no data, no error. */
    ok(store_dataset_data(s, "iris", &got, &len, &cause), &cause);
    assert_null(got);
    ok(store_dataset_save(s, "iris", blob, sizeof blob, &cause), &cause);
    store_close(s);
    /* It survives closing, byte for byte. */
    s = open_ok(path);
    ok(store_dataset_data(s, "iris", &got, &len, &cause), &cause);
    assert_int_equal(len, sizeof blob);
    assert_memory_equal(got, blob, sizeof blob);
    free(got);
    t = table_new(NULL);
    ok(store_dataset_list(s, t, &cause), &cause);
    assert_non_null(text_at(t, 0, "saved"));
    table_free(t);
    /* Made again: the saved copy goes, it would be other data. */
    ok(store_dataset_put(s, &d, &cause), &cause);
    ok(store_dataset_data(s, "iris", &got, &len, &cause), &cause);
    assert_null(got);
    expect_error(store_dataset_save(s, "nonesuch", blob, sizeof blob, &cause), AIWB_EINVAL,
                 &cause, "no dataset 'nonesuch' is recorded in '");
    store_close(s);
    free(path);
}

static void
test_datasets(void **state)
{
    char *path = ws_path("store-datasets"), *cause = NULL, *created;
    struct store_dataset d = {
        .name = "iris", .source = "datasets/iris.csv", .options = "delimiter=,",
        .lineage = "load iris datasets/iris.csv", .schema = "sepal_length numeric",
        .n_rows = 150, .n_cols = 5,
    };
    struct aiwb_table *t;
    struct store *s;

    (void)state;
    s = open_ok(path);
    ok(store_dataset_put(s, &d, &cause), &cause);
    created = raw_text(path, "SELECT created FROM datasets WHERE name = 'iris'");
    /* Recorded again (reloaded, filtered): replaced, not duplicated. */
    d.n_rows = 120;
    d.lineage = "filter iris species != 'setosa'";
    ok(store_dataset_put(s, &d, &cause), &cause);
    assert_raw_text(path, "SELECT created FROM datasets WHERE name = 'iris'", created);
    free(created);
    assert_raw_text(path, "SELECT options FROM datasets", "delimiter=,");
    assert_raw_text(path, "SELECT schema FROM datasets", "sepal_length numeric");
    d.name = "abalone";
    d.source = NULL;
    d.options = NULL;
    ok(store_dataset_put(s, &d, &cause), &cause);
    t = table_new(NULL);
    ok(store_dataset_list(s, t, &cause), &cause);
    assert_int_equal(table_rows(t), 2);
    assert_int_equal(t->ncols, 7);
    assert_string_equal(text_at(t, 0, "name"), "abalone");
    assert_string_equal(text_at(t, 0, "source"), "");
    assert_string_equal(text_at(t, 1, "name"), "iris");
    assert_int_equal(int_at(t, 1, "rows"), 120);
    assert_string_equal(text_at(t, 1, "lineage"), "filter iris species != 'setosa'");
    table_free(t);
    d.name = "";
    expect_error(store_dataset_put(s, &d, &cause), AIWB_EINVAL, &cause,
                 "cannot record a dataset without a name in '");
    store_close(s);
    free(path);
}

static void
test_check_damaged(void **state)
{
    char *path = ws_path("store-check"), *cause = NULL;
    struct store *s;

    (void)state;
    s = open_ok(path);
    ok(store_check(s, &cause), &cause);
    store_close(s);
    /* A curve point of a run that does not exist, written behind its back. */
    raw_exec(path, "INSERT INTO curves (run, step, name, value) VALUES (5, 0, 'loss', 1)");
    s = open_ok(path);
    expect_error(store_check(s, &cause), AIWB_EDATA, &cause,
                 "fails its foreign key check: a row of table curves refers to a missing row "
                 "of runs");
    store_close(s);
    free(path);
}

/* ---- cross-validation, leaderboard, what a run was ------------------------ */

/* Begin a run of KIND with ALGORITHM on DATASET (FOLDS as given) and end it
 * finished; its id. */
static int64_t
finished_run(struct store *s, const char *kind, const char *algorithm, const char *dataset,
             const char *folds)
{
    struct store_run r = iris_run;
    char *cause = NULL;
    int64_t id = 0;

    r.kind = kind;
    r.algorithm = algorithm;
    r.dataset = dataset;
    r.folds = folds;
    ok(store_run_begin(s, &r, &id, &cause), &cause);
    ok(store_run_end(s, id, "finished", 5, NULL, &cause), &cause);
    return id;
}

static void
put_metrics(struct store *s, int64_t id, size_t n, const char *const *names, const double *mean,
            const double *sd, size_t nfolds)
{
    char *cause = NULL;

    ok(store_run_metrics_put(s, id, n, names, mean, sd, nfolds, &cause), &cause);
}

static void
put_eval(struct store *s, const char *model, int version, const char *dataset, const char *name,
         double v)
{
    char *cause = NULL;

    ok(store_eval_put(s, model, version, dataset, 1, &name, &v, &cause), &cause);
}

/* Whether A and B are the same double, NaNs included. */
static int
same_real(double a, double b)
{
    return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

static void
test_run_metrics(void **state)
{
    char *path = ws_path("store-run-metrics"), *cause = NULL, *want;
    /* Not in alphabetical order: the order they were reported in is kept. */
    const char *names[] = {"recall", "accuracy", "log_loss"};
    const double mean[] = {0.9666666666666667, 0.1 + 0.2, NAN};
    const double sd[] = {0.023570226039551587, NAN, 0.0289613};
    const char *again[] = {"accuracy", "recall"};
    const double mean2[] = {0.5, 0.25}, sd2[] = {0.125, 0.0625};
    const char *unnamed[] = {"accuracy", ""}, *null_name[] = {NULL};
    struct aiwb_table *t;
    struct store *s;
    int64_t cv, train;

    (void)state;
    s = open_ok(path);
    cv = finished_run(s, "cv", "logistic", "iris", "5 folds, stratified by species, seed 1");
    train = finished_run(s, "train", "logistic", "iris", NULL);
    put_metrics(s, cv, 3, names, mean, sd, 5);
    store_close(s);

    /* Read back after reopening: in order, to the last bit, NaN as NaN. */
    s = open_ok(path);
    t = table_new(NULL);
    ok(store_run_metrics(s, cv, t, &cause), &cause);
    assert_int_equal(t->ncols, 4);
    assert_int_equal(table_rows(t), 3);
    for (size_t i = 0; i < 3; i++) {
        const struct table_cell *m = table_cell(t, i, col(t, "mean", AIWB_TABLE_REAL));
        const struct table_cell *d = table_cell(t, i, col(t, "sd", AIWB_TABLE_REAL));

        assert_string_equal(text_at(t, i, "name"), names[i]);
        assert_false(m->null);
        assert_false(d->null);
        assert_true(same_real(m->v.r, mean[i]));
        assert_true(same_real(d->v.r, sd[i]));
        assert_int_equal(int_at(t, i, "folds"), 5);
    }
    table_free(t);
    /* The NaN is a NULL in the file (sqlite has no NaN). */
    assert_raw_text(path, "SELECT mean FROM run_metrics WHERE name = 'log_loss'", NULL);

    /* Recorded again: replaced, in the new order, with nothing left of before. */
    put_metrics(s, cv, 2, again, mean2, sd2, 10);
    t = table_new(NULL);
    ok(store_run_metrics(s, cv, t, &cause), &cause);
    assert_int_equal(table_rows(t), 2);
    for (size_t i = 0; i < 2; i++) {
        assert_string_equal(text_at(t, i, "name"), again[i]);
        assert_true(real_at(t, i, "mean") == mean2[i]);
        assert_true(real_at(t, i, "sd") == sd2[i]);
        assert_int_equal(int_at(t, i, "folds"), 10);
    }
    table_free(t);
    assert_int_equal(raw_int(path, "SELECT count(*) FROM run_metrics"), 2);

    /* A run that was not cross-validated has none: the columns, no rows. */
    t = table_new(NULL);
    ok(store_run_metrics(s, train, t, &cause), &cause);
    assert_int_equal(t->ncols, 4);
    assert_int_equal(table_rows(t), 0);
    table_free(t);

    /* Refused, and nothing written: no such run, a metric without a name. */
    want = xasprintf("no run 77 in workspace '%s'", path);
    expect_error(store_run_metrics_put(s, 77, 3, names, mean, sd, 5, &cause), AIWB_EINVAL,
                 &cause, want);
    free(want);
    want = xasprintf("cannot record the metrics of run %" PRId64 " in '%s': metric 2 has no "
                     "name", cv, path);
    expect_error(store_run_metrics_put(s, cv, 2, unnamed, mean, sd, 5, &cause), AIWB_EINVAL,
                 &cause, want);
    free(want);
    expect_error(store_run_metrics_put(s, cv, 1, null_name, mean, sd, 5, &cause), AIWB_EINVAL,
                 &cause, "metric 1 has no name");
    assert_int_equal(raw_int(path, "SELECT count(*) FROM run_metrics"), 2);
    assert_int_equal(raw_int(path, "SELECT count(*) FROM run_metrics WHERE name = 'recall' "
                                   "AND mean = 0.25"),
                     1);
    /* A table that is not empty. */
    t = table_new(NULL);
    table_column(t, "x", AIWB_TABLE_TEXT);
    expect_error(store_run_metrics(s, cv, t, &cause), AIWB_EINVAL, &cause,
                 "the table is not empty");
    table_free(t);
    store_close(s);
    free(path);
}

/* One expected row of a leaderboard. */
struct board_row {
    int64_t id;
    const char *kind, *algorithm;
    double value, sd; /* sd: NaN for an evaluation (no sd) */
    const char *measured, *model;
};

static void
assert_board(struct store *s, const char *metric, int higher, const struct board_row *want,
             size_t n)
{
    static const char *const names[] = {"id", "kind", "algorithm", "transforms", "options",
                                        "dataset", "target", NULL, "sd", "measured", "model"};
    struct aiwb_table *t = table_new(NULL);
    char *cause = NULL;

    ok(store_leaderboard(s, metric, higher, t, &cause), &cause);
    assert_int_equal(t->ncols, 11);
    for (size_t c = 0; c < 11; c++)
        assert_string_equal(t->cols[c].name, names[c] != NULL ? names[c] : metric);
    if (table_rows(t) != n)
        fail_msg("leaderboard of %s: %zu rows, wanted %zu", metric, table_rows(t), n);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(int_at(t, i, "id"), want[i].id);
        assert_string_equal(text_at(t, i, "kind"), want[i].kind);
        assert_string_equal(text_at(t, i, "algorithm"), want[i].algorithm);
        assert_string_equal(text_at(t, i, "transforms"), iris_run.transforms);
        assert_string_equal(text_at(t, i, "options"), iris_run.options);
        assert_string_equal(text_at(t, i, "dataset"), "iris");
        assert_string_equal(text_at(t, i, "target"), "species");
        assert_true(real_at(t, i, metric) == want[i].value);
        if (isnan(want[i].sd))
            assert_true(null_at(t, i, "sd", AIWB_TABLE_REAL));
        else
            assert_true(real_at(t, i, "sd") == want[i].sd);
        assert_string_equal(text_at(t, i, "measured"), want[i].measured);
        if (want[i].model == NULL)
            assert_true(null_at(t, i, "model", AIWB_TABLE_TEXT));
        else
            assert_string_equal(text_at(t, i, "model"), want[i].model);
    }
    table_free(t);
}

static void
test_leaderboard(void **state)
{
    char *path = ws_path("store-leaderboard"), *cause = NULL;
    const char *acc_ll[] = {"accuracy", "log_loss"};
    struct aiwb_table *t;
    struct store *s;
    int64_t r1, r2, r3, r4, r5, r6, r7, r8;

    (void)state;
    s = open_ok(path);
    /* Cross-validated runs: their means. */
    r1 = finished_run(s, "cv", "logistic", "iris", "5 folds");
    put_metrics(s, r1, 2, acc_ll, (const double[]){0.95, 0.2}, (const double[]){0.02, 0.01},
                5);
    r2 = finished_run(s, "cv", "tree", "iris", "10 folds");
    put_metrics(s, r2, 2, acc_ll, (const double[]){0.97, 0.3}, (const double[]){0.01, NAN},
                10);
    /* A mean that is NaN (a fold could not be scored): left out. */
    r3 = finished_run(s, "cv", "knn", "iris", "5 folds");
    put_metrics(s, r3, 2, acc_ll, (const double[]){NAN, 0.1}, (const double[]){NAN, 0.05}, 5);
    /* A trained run whose model was evaluated on two datasets, one twice:
     * the latest evaluation on each counts. */
    r4 = finished_run(s, "train", "logistic", "iris", NULL);
    assert_int_equal(put_model(s, "m", r4, "v1"), 1);
    put_eval(s, "m", 1, "iris.test", "accuracy", 0.90);
    put_eval(s, "m", 1, "iris.valid", "accuracy", 0.99);
    put_eval(s, "m", 1, "iris.test", "accuracy", 0.93);
    put_eval(s, "m", 1, "iris.test", "log_loss", 0.25);
    /* A model whose evaluation is NaN: left out. */
    r5 = finished_run(s, "train", "mlp", "iris", NULL);
    assert_int_equal(put_model(s, "n", r5, "v1"), 1);
    put_eval(s, "n", 1, "iris.test", "accuracy", NAN);
    /* A run that measured nothing, and one that measured another metric. */
    r6 = finished_run(s, "train", "nbayes", "iris", NULL);
    assert_int_equal(put_model(s, "o", r6, "v1"), 1);
    r7 = finished_run(s, "cv", "ols", "iris", "5 folds");
    put_metrics(s, r7, 1, (const char *const[]){"rmse"}, (const double[]){0.5},
                (const double[]){0.1}, 5);
    /* A later version of m, from another run; an evaluation of a model
     * never saved (no version) has no run to rank. */
    r8 = finished_run(s, "train", "logistic", "iris", NULL);
    assert_int_equal(put_model(s, "m", r8, "v2"), 2);
    put_eval(s, "m", 2, "iris.test", "accuracy", 0.5);
    put_eval(s, "unsaved", 0, "iris.test", "accuracy", 1.0);
    /* A tie with r1, which comes first as the older run either way. */
    {
        int64_t r9 = finished_run(s, "cv", "logistic", "iris", "5 folds");
        const struct board_row high[] = {
            {r4, "train", "logistic", 0.99, NAN, "eval on iris.valid", "m v1"},
            {r2, "cv", "tree", 0.97, 0.01, "10-fold cv", NULL},
            {r1, "cv", "logistic", 0.95, 0.02, "5-fold cv", NULL},
            {r9, "cv", "logistic", 0.95, 0.03, "5-fold cv", NULL},
            {r4, "train", "logistic", 0.93, NAN, "eval on iris.test", "m v1"},
            {r8, "train", "logistic", 0.5, NAN, "eval on iris.test", "m v2"},
        };
        const struct board_row low[] = {
            high[5], high[4], high[2], high[3], high[1], high[0],
        };
        /* log_loss: lower is better; r2's sd is NaN, which is only an empty cell. */
        const struct board_row ll[] = {
            {r3, "cv", "knn", 0.1, 0.05, "5-fold cv", NULL},
            {r1, "cv", "logistic", 0.2, 0.01, "5-fold cv", NULL},
            {r4, "train", "logistic", 0.25, NAN, "eval on iris.test", "m v1"},
            {r2, "cv", "tree", 0.3, NAN, "5-fold cv", NULL},
        };
        struct board_row ll2[4];

        put_metrics(s, r9, 1, acc_ll, (const double[]){0.95}, (const double[]){0.03}, 5);
        assert_board(s, "accuracy", 1, high, 6);
        assert_board(s, "accuracy", 0, low, 6);
        memcpy(ll2, ll, sizeof ll);
        ll2[3].measured = "10-fold cv";
        assert_board(s, "log_loss", 0, ll2, 4);
        assert_board(s, "rmse", 1, (const struct board_row[]){
                         {r7, "cv", "ols", 0.5, 0.1, "5-fold cv", NULL}}, 1);
    }
    /* A cross-validated run that also saved a model names it. */
    assert_int_equal(put_model(s, "cvm", r7, "x"), 1);
    assert_board(s, "rmse", 0, (const struct board_row[]){
                     {r7, "cv", "ols", 0.5, 0.1, "5-fold cv", "cvm v1"}}, 1);
    /* A metric nobody measured: the columns, no rows. */
    assert_board(s, "auc", 1, NULL, 0);
    /* Which metric? */
    t = table_new(NULL);
    expect_error(store_leaderboard(s, "", 1, t, &cause), AIWB_EINVAL, &cause,
                 "which metric to rank the runs by?");
    expect_error(store_leaderboard(s, NULL, 1, t, &cause), AIWB_EINVAL, &cause,
                 "which metric to rank the runs by?");
    table_free(t);
    store_close(s);
    free(path);
}

/* The value of FIELD in a run_info table, or NULL for a null cell. */
static const char *
info_value(const struct aiwb_table *t, const char *field)
{
    for (size_t i = 0; i < table_rows(t); i++)
        if (strcmp(table_cell(t, i, 0)->v.s, field) == 0) {
            const struct table_cell *c = table_cell(t, i, 1);

            return c->null ? NULL : c->v.s;
        }
    fail_msg("run info has no field '%s'", field);
    return NULL;
}

static void
test_run_info(void **state)
{
    static const char *const fields[] = {
        "kind", "algorithm", "transforms", "options", "dataset", "target", "seed",
        "folds", "command", "status", "started", "seconds", "iterations", "message",
    };
    char *path = ws_path("store-run-info"), *cause = NULL, *want, *end;
    struct store_run r = iris_run;
    struct aiwb_table *t;
    struct store *s;
    int64_t a = 0, b = 0, c = 0;

    (void)state;
    s = open_ok(path);
    /* A cross-validated run with a seed past 2^63: its bits are a negative
     * integer in the file, but the seed as typed when shown. */
    r.kind = "cv";
    r.seed = UINT64_C(9223372036854775813); /* 2^63 + 5 */
    r.folds = "10 folds, stratified by species, seed 9223372036854775813";
    r.command = "cv logistic on iris target=species seed=9223372036854775813";
    ok(store_run_begin(s, &r, &a, &cause), &cause);
    assert_true(raw_int(path, "SELECT seed FROM runs WHERE id = 1") < 0);
    t = table_new(NULL);
    ok(store_run_info(s, a, t, &cause), &cause);
    assert_int_equal(t->ncols, 2);
    assert_string_equal(t->cols[0].name, "field");
    assert_string_equal(t->cols[1].name, "value");
    assert_int_equal(t->cols[0].kind, AIWB_TABLE_TEXT);
    assert_int_equal(t->cols[1].kind, AIWB_TABLE_TEXT);
    assert_int_equal(table_rows(t), 14);
    for (size_t i = 0; i < 14; i++)
        assert_string_equal(table_cell(t, i, 0)->v.s, fields[i]);
    assert_string_equal(info_value(t, "kind"), "cv");
    assert_string_equal(info_value(t, "algorithm"), "logistic");
    assert_string_equal(info_value(t, "transforms"), "impute(strategy=median),standardize");
    assert_string_equal(info_value(t, "options"), "C=1 max_iter=100");
    assert_string_equal(info_value(t, "dataset"), "iris");
    assert_string_equal(info_value(t, "target"), "species");
    assert_string_equal(info_value(t, "seed"), "9223372036854775813");
    assert_string_equal(info_value(t, "folds"), r.folds);
    assert_string_equal(info_value(t, "command"), r.command);
    assert_string_equal(info_value(t, "status"), "running");
    assert_true(is_iso_time(info_value(t, "started")));
    assert_true(strtod(info_value(t, "seconds"), &end) >= 0.0 && *end == '\0');
    assert_null(info_value(t, "iterations"));
    assert_null(info_value(t, "message"));
    table_free(t);

    /* Ended, failed, with the largest seed; a train run has no folds. */
    r = iris_run;
    r.seed = UINT64_MAX;
    r.dataset = NULL;
    r.target = NULL;
    ok(store_run_begin(s, &r, &b, &cause), &cause);
    ok(store_run_end(s, b, "failed", 7, "singular matrix", &cause), &cause);
    t = table_new(NULL);
    ok(store_run_info(s, b, t, &cause), &cause);
    assert_string_equal(info_value(t, "kind"), "train");
    assert_string_equal(info_value(t, "seed"), "18446744073709551615");
    assert_null(info_value(t, "folds"));
    assert_null(info_value(t, "dataset"));
    assert_null(info_value(t, "target"));
    assert_string_equal(info_value(t, "status"), "failed");
    assert_string_equal(info_value(t, "iterations"), "7");
    assert_string_equal(info_value(t, "message"), "singular matrix");
    assert_true(strtod(info_value(t, "seconds"), &end) >= 0.0 && *end == '\0');
    table_free(t);

    /* A seed below 2^63 as it is. */
    r.seed = 42;
    ok(store_run_begin(s, &r, &c, &cause), &cause);
    t = table_new(NULL);
    ok(store_run_info(s, c, t, &cause), &cause);
    assert_string_equal(info_value(t, "seed"), "42");
    table_free(t);

    /* No such run; a table that is not empty. */
    t = table_new(NULL);
    want = xasprintf("no run 77 in workspace '%s'", path);
    expect_error(store_run_info(s, 77, t, &cause), AIWB_EINVAL, &cause, want);
    free(want);
    table_free(t);
    t = table_new(NULL);
    table_column(t, "x", AIWB_TABLE_TEXT);
    expect_error(store_run_info(s, a, t, &cause), AIWB_EINVAL, &cause,
                 "cannot describe run 1: the table is not empty");
    table_free(t);
    store_close(s);
    free(path);
}

static void
test_run_folds(void **state)
{
    char *path = ws_path("store-run-folds");
    struct store *s;
    int64_t a, b;

    (void)state;
    s = open_ok(path);
    a = finished_run(s, "train", "logistic", "iris", NULL);
    b = finished_run(s, "cv", "logistic", "iris", "5 folds, stratified by species, seed 1");
    store_close(s);
    assert_int_equal(a, 1);
    assert_int_equal(b, 2);
    /* NULL when not cross-validated, the text as given otherwise. */
    assert_raw_text(path, "SELECT folds FROM runs WHERE id = 1", NULL);
    assert_raw_text(path, "SELECT typeof(folds) FROM runs WHERE id = 1", "null");
    assert_raw_text(path, "SELECT folds FROM runs WHERE id = 2",
                    "5 folds, stratified by species, seed 1");
    assert_raw_text(path, "SELECT kind FROM runs WHERE id = 2", "cv");
    free(path);
}

static void
test_run_evals(void **state)
{
    char *path = ws_path("store-run-evals"), *cause = NULL;
    const char *names[] = {"accuracy", "log_loss"};
    struct aiwb_table *t;
    struct store *s;
    int64_t a, b;

    (void)state;
    s = open_ok(path);
    a = finished_run(s, "train", "logistic", "iris", NULL);
    b = finished_run(s, "train", "tree", "iris", NULL);
    assert_int_equal(put_model(s, "m", a, "x"), 1);
    assert_int_equal(put_model(s, "other", b, "y"), 1);
    assert_int_equal(put_model(s, "m", b, "z"), 2);
    assert_int_equal(put_model(s, "k", a, "w"), 1);
    ok(store_eval_put(s, "m", 1, "iris.test", 2, names, (const double[]){0.9, 0.3}, &cause),
       &cause);
    ok(store_eval_put(s, "m", 1, "iris.test", 1, names, (const double[]){0.92}, &cause), &cause);
    ok(store_eval_put(s, "m", 1, "iris", 1, names, (const double[]){0.98}, &cause), &cause);
    ok(store_eval_put(s, "k", 1, "iris.test", 1, &names[1], (const double[]){NAN}, &cause),
       &cause);
    /* Other models and other versions of m belong to other runs. */
    ok(store_eval_put(s, "m", 2, "iris.test", 1, names, (const double[]){0.5}, &cause), &cause);
    ok(store_eval_put(s, "other", 1, "iris.test", 1, names, (const double[]){0.6}, &cause),
       &cause);
    ok(store_eval_put(s, "m", 0, "iris.test", 1, names, (const double[]){0.7}, &cause), &cause);

    t = table_new(NULL);
    ok(store_run_evals(s, a, t, &cause), &cause);
    assert_int_equal(t->ncols, 5);
    /* By model as saved, then dataset; the latest value of each metric. */
    assert_int_equal(table_rows(t), 4);
    {
        static const struct {
            const char *model, *dataset, *metric;
            double value;
        } want[] = {
            {"m", "iris", "accuracy", 0.98},
            {"m", "iris.test", "log_loss", 0.3},
            {"m", "iris.test", "accuracy", 0.92},
            {"k", "iris.test", "log_loss", NAN},
        };

        for (size_t i = 0; i < 4; i++) {
            assert_string_equal(text_at(t, i, "model"), want[i].model);
            assert_int_equal(int_at(t, i, "version"), 1);
            assert_string_equal(text_at(t, i, "dataset"), want[i].dataset);
            assert_string_equal(text_at(t, i, "metric"), want[i].metric);
            assert_true(same_real(real_at(t, i, "value"), want[i].value));
        }
    }
    table_free(t);
    t = table_new(NULL);
    ok(store_run_evals(s, b, t, &cause), &cause);
    assert_int_equal(table_rows(t), 2);
    assert_string_equal(text_at(t, 0, "model"), "other");
    assert_string_equal(text_at(t, 1, "model"), "m");
    assert_int_equal(int_at(t, 1, "version"), 2);
    assert_true(real_at(t, 1, "value") == 0.5);
    table_free(t);
    /* A run that saved nothing, or no run at all: no rows. */
    t = table_new(NULL);
    ok(store_run_evals(s, 77, t, &cause), &cause);
    assert_int_equal(t->ncols, 5);
    assert_int_equal(table_rows(t), 0);
    table_free(t);
    store_close(s);
    free(path);
}

static void
test_model_evals(void **state)
{
    char *path = ws_path("store-model-evals"), *cause = NULL;
    const char *names[] = {"accuracy", "log_loss"};
    struct aiwb_table *t;
    struct store *s;
    int64_t a;

    (void)state;
    s = open_ok(path);
    a = finished_run(s, "train", "logistic", "iris", NULL);
    assert_int_equal(put_model(s, "m", a, "x"), 1);
    assert_int_equal(put_model(s, "m", a, "y"), 2);
    assert_int_equal(put_model(s, "other", a, "z"), 1);
    /* The latest evaluation is on 'iris', although 'iris.test' sorts after it. */
    ok(store_eval_put(s, "m", 1, "iris.test", 2, names, (const double[]){0.9, 0.3}, &cause),
       &cause);
    ok(store_eval_put(s, "m", 2, "iris.test", 1, names, (const double[]){0.5}, &cause), &cause);
    ok(store_eval_put(s, "other", 1, "iris", 1, names, (const double[]){0.6}, &cause), &cause);
    ok(store_eval_put(s, "m", 0, "iris", 1, names, (const double[]){0.7}, &cause), &cause);
    ok(store_eval_put(s, "m", 1, "iris.test", 1, &names[1], (const double[]){NAN}, &cause),
       &cause);
    ok(store_eval_put(s, "m", 1, NULL, 1, names, (const double[]){0.95}, &cause), &cause);
    ok(store_eval_put(s, "m", 1, "iris", 1, names, (const double[]){0.98}, &cause), &cause);

    /* Every evaluation of m:1, each metric a row, in the order they were made. */
    t = table_new(NULL);
    ok(store_model_evals(s, "m", 1, t, &cause), &cause);
    assert_int_equal(t->ncols, 5);
    assert_int_equal(table_rows(t), 5);
    {
        static const struct {
            const char *dataset, *metric;
            double value;
        } want[] = {
            {"iris.test", "accuracy", 0.9}, {"iris.test", "log_loss", 0.3},
            {"iris.test", "log_loss", NAN}, {NULL, "accuracy", 0.95},
            {"iris", "accuracy", 0.98},
        };

        for (size_t i = 0; i < 5; i++) {
            if (want[i].dataset == NULL)
                assert_true(null_at(t, i, "dataset", AIWB_TABLE_TEXT));
            else
                assert_string_equal(text_at(t, i, "dataset"), want[i].dataset);
            assert_string_equal(text_at(t, i, "metric"), want[i].metric);
            assert_true(same_real(real_at(t, i, "value"), want[i].value));
            assert_true(is_iso_time(text_at(t, i, "created")));
            if (i > 0)
                assert_true(int_at(t, i, "id") > int_at(t, i - 1, "id"));
        }
    }
    table_free(t);
    /* Version 0 is the latest saved version; an unsaved model's evaluations
     * (no version) belong to none. */
    t = table_new(NULL);
    ok(store_model_evals(s, "m", 0, t, &cause), &cause);
    assert_int_equal(table_rows(t), 1);
    assert_string_equal(text_at(t, 0, "dataset"), "iris.test");
    assert_true(real_at(t, 0, "value") == 0.5);
    table_free(t);
    /* No such model or version: no rows. */
    t = table_new(NULL);
    ok(store_model_evals(s, "nope", 0, t, &cause), &cause);
    assert_int_equal(t->ncols, 5);
    assert_int_equal(table_rows(t), 0);
    table_free(t);
    t = table_new(NULL);
    ok(store_model_evals(s, "m", 3, t, &cause), &cause);
    assert_int_equal(table_rows(t), 0);
    table_free(t);

    t = table_new(NULL);
    expect_error(store_model_evals(s, "", 1, t, &cause), AIWB_EINVAL, &cause,
                 "cannot list the evaluations of a model without a name");
    expect_error(store_model_evals(s, "m", -1, t, &cause), AIWB_EINVAL, &cause,
                 "model 'm' in workspace '");
    table_column(t, "x", AIWB_TABLE_INT);
    expect_error(store_model_evals(s, "m", 1, t, &cause), AIWB_EINVAL, &cause,
                 "cannot list evaluations: the table is not empty");
    table_free(t);
    store_close(s);
    free(path);
}

static void
test_model_run(void **state)
{
    char *path = ws_path("store-model-run"), *cause = NULL, *want;
    struct store *s;
    int64_t a, b, run = -1;
    int version = -1;

    (void)state;
    s = open_ok(path);
    a = finished_run(s, "train", "logistic", "iris", NULL);
    b = finished_run(s, "train", "logistic", "iris", NULL);
    assert_int_equal(put_model(s, "m", a, "1"), 1);
    assert_int_equal(put_model(s, "m", 0, "2"), 2);
    assert_int_equal(put_model(s, "m", b, "3"), 3);
    assert_int_equal(put_model(s, "solo", 0, "x"), 1);

    /* The latest version. */
    ok(store_model_run(s, "m", 0, &run, &version, &cause), &cause);
    assert_int_equal(run, b);
    assert_int_equal(version, 3);
    /* A given version; one saved without a run gives 0. */
    ok(store_model_run(s, "m", 1, &run, &version, &cause), &cause);
    assert_int_equal(run, a);
    assert_int_equal(version, 1);
    ok(store_model_run(s, "m", 2, &run, &version, &cause), &cause);
    assert_int_equal(run, 0);
    assert_int_equal(version, 2);
    run = -1;
    ok(store_model_run(s, "solo", 0, &run, NULL, &cause), &cause);
    assert_int_equal(run, 0);

    want = xasprintf("no model 'nope' in workspace '%s'", path);
    expect_error(store_model_run(s, "nope", 0, &run, &version, &cause), AIWB_EINVAL, &cause,
                 want);
    free(want);
    want = xasprintf("model 'm' in workspace '%s' has no version 9", path);
    expect_error(store_model_run(s, "m", 9, &run, &version, &cause), AIWB_EINVAL, &cause, want);
    free(want);
    store_close(s);
    free(path);
}

/* ---- the model lifecycle: headline metrics, promotions, exports ------------ */

/* Record one evaluation (the N metrics NAMES = VALUES) of MODEL:VERSION on DATASET. */
static void
put_evals(struct store *s, const char *model, int version, const char *dataset, size_t n,
          const char *const *names, const double *values)
{
    char *cause = NULL;

    ok(store_eval_put(s, model, version, dataset, n, names, values, &cause), &cause);
}

/* The row of T whose name and version are NAME and VERSION. */
static size_t
version_row(const struct aiwb_table *t, const char *name, int64_t version)
{
    for (size_t r = 0; r < table_rows(t); r++)
        if (strcmp(text_at(t, r, "name"), name) == 0 && int_at(t, r, "version") == version)
            return r;
    fail_msg("no row for %s version %" PRId64, name, version);
    return 0;
}

/* Assert that NAME:VERSION in T shows METRIC = VALUE evaluated on DATASET. */
static void
assert_headline(const struct aiwb_table *t, const char *name, int version, const char *metric,
                double value, const char *dataset)
{
    size_t r = version_row(t, name, version);

    assert_string_equal(text_at(t, r, "metric"), metric);
    if (!same_real(real_at(t, r, "value"), value))
        fail_msg("%s:%d: %s is %.17g, wanted %.17g", name, version, metric,
                 real_at(t, r, "value"), value);
    assert_string_equal(text_at(t, r, "evaluated_on"), dataset);
}

/* `models` shows each version's headline metric: of its latest evaluation,
 * the one that says most for its task. */
static void
test_model_headline(void **state)
{
    char *path = ws_path("store-headline"), *cause = NULL;
    static const char *const clf[] = {"rows", "accuracy", "precision", "log_loss"};
    static const char *const reg[] = {"rows", "rmse", "mae", "r2"};
    static const char *const rec[] = {"rows", "users", "precision@10", "recall@10", "ndcg@10"};
    static const char *const rec5[] = {"rows", "users", "precision@5", "recall@5"};
    static const char *const clu[] = {"rows", "inertia", "silhouette"};
    static const char *const dec[] = {"rows", "explained_variance", "reconstruction_error"};
    struct aiwb_table *t;
    struct store *s;
    int64_t run;

    (void)state;
    s = open_ok(path);
    run = finished_run(s, "train", "logistic", "iris", NULL);
    for (int i = 0; i < 3; i++)
        put_model(s, "clf", run, "c");
    put_model(s, "reg", run, "r");
    put_model(s, "rec", run, "x");
    put_model(s, "rec", run, "y");
    put_model(s, "clu", run, "k");
    put_model(s, "dec", run, "p");

    /* clf:1 evaluated twice: the latest counts, on whichever dataset. */
    put_evals(s, "clf", 1, "test", 4, clf, (const double[]){45, 0.9, 0.8, 0.3});
    put_evals(s, "clf", 1, "live", 4, clf, (const double[]){200, 0.85, 0.8, 0.4});
    /* clf:2's accuracy undefined: NaN, not nothing. */
    put_evals(s, "clf", 2, "test", 4, clf, (const double[]){0, NAN, NAN, NAN});
    /* clf:3 only in an evaluation of the unsaved model (no version). */
    put_evals(s, "clf", 0, "test", 4, clf, (const double[]){45, 0.7, 0.7, 0.7});
    put_evals(s, "reg", 1, "test", 4, reg, (const double[]){30, 0.25, 0.2, 0.8});
    put_evals(s, "rec", 1, "held", 5, rec, (const double[]){100, 20, 0.1, 0.2, 0.15});
    put_evals(s, "rec", 2, "held", 4, rec5, (const double[]){100, 20, 0.12, 0.3});
    put_evals(s, "clu", 1, "iris", 3, clu, (const double[]){150, 78.8, 0.55});
    put_evals(s, "dec", 1, "iris", 3, dec, (const double[]){150, 0.92, 0.08});

    t = table_new(NULL);
    ok(store_model_list(s, t, &cause), &cause);
    assert_int_equal(table_rows(t), 8);
    assert_headline(t, "clf", 1, "accuracy", 0.85, "live");
    assert_headline(t, "clf", 2, "accuracy", NAN, "test");
    assert_true(null_at(t, version_row(t, "clf", 3), "metric", AIWB_TABLE_TEXT));
    assert_true(null_at(t, version_row(t, "clf", 3), "value", AIWB_TABLE_REAL));
    assert_headline(t, "reg", 1, "rmse", 0.25, "test");
    assert_headline(t, "rec", 1, "ndcg@10", 0.15, "held");
    assert_headline(t, "rec", 2, "precision@5", 0.12, "held");
    assert_headline(t, "clu", 1, "silhouette", 0.55, "iris");
    assert_headline(t, "dec", 1, "explained_variance", 0.92, "iris");
    table_free(t);

    /* An evaluation of the latest batch only: a later one on the same
     * dataset that lacks accuracy shows what it has, not the old accuracy. */
    put_evals(s, "reg", 1, "test", 2, &reg[2], (const double[]){0.1, 0.9});
    raw_exec(path, "UPDATE evaluations SET created = '2026-01-01T00:00:01.000Z' "
                   "WHERE id IN (SELECT id FROM evaluations ORDER BY id DESC LIMIT 2)");
    /* Two evaluations within one millisecond read as one: the later value
     * of each metric wins. */
    put_evals(s, "clf", 1, "live", 2, clf, (const double[]){100, 0.5});
    put_evals(s, "clf", 1, "live", 2, clf, (const double[]){100, 0.6});
    raw_exec(path, "UPDATE evaluations SET created = '2026-01-01T00:00:00.000Z' "
                   "WHERE id IN (SELECT id FROM evaluations ORDER BY id DESC LIMIT 4)");
    t = table_new(NULL);
    ok(store_model_versions(s, "clf", t, &cause), &cause);
    assert_int_equal(table_rows(t), 3);
    assert_headline(t, "clf", 1, "accuracy", 0.6, "live");
    table_free(t);
    t = table_new(NULL);
    ok(store_model_versions(s, "reg", t, &cause), &cause);
    assert_int_equal(table_rows(t), 1);
    assert_headline(t, "reg", 1, "mae", 0.1, "test");
    table_free(t);
    /* No such model: no rows, but the columns. */
    t = table_new(NULL);
    ok(store_model_versions(s, "nope", t, &cause), &cause);
    assert_int_equal(table_rows(t), 0);
    assert_int_equal(t->ncols, 14);
    expect_error(store_model_versions(s, "clf", t, &cause), AIWB_EINVAL, &cause,
                 "cannot list models: the table is not empty");
    table_free(t);
    store_close(s);
    free(path);
}

/* `promote`: which version is live, since when, and the history. */
static void
test_promotions(void **state)
{
    char *path = ws_path("store-promote"), *cause = NULL, *since = NULL, *want;
    struct aiwb_table *t;
    struct store *s;
    int64_t run;
    int previous = -1, live = -1;

    (void)state;
    s = open_ok(path);
    run = finished_run(s, "train", "logistic", "iris", NULL);
    for (int i = 0; i < 3; i++)
        put_model(s, "m", run, "m");
    put_model(s, "other", run, "o");

    /* Nothing is live at first. */
    ok(store_model_live(s, "m", &live, &since, &cause), &cause);
    assert_int_equal(live, 0);
    assert_null(since);
    ok(store_model_live(s, "nope", &live, NULL, &cause), &cause);
    assert_int_equal(live, 0);

    ok(store_promote(s, "m", 1, NULL, NULL, &previous, &cause), &cause);
    assert_int_equal(previous, 0);
    ok(store_model_live(s, "m", &live, &since, &cause), &cause);
    assert_int_equal(live, 1);
    assert_true(is_iso_time(since));
    free(since);
    /* The live version again: said, and nothing written. */
    assert_int_equal(store_promote(s, "m", 1, "live", "again", &previous, &cause),
                     STORE_ALREADY_LIVE);
    assert_null(cause);
    assert_int_equal(previous, 1);
    assert_int_equal(raw_int(path, "SELECT count(*) FROM promotions"), 1);

    ok(store_promote(s, "m", 3, "live", "beats v1 on live traffic", &previous, &cause), &cause);
    assert_int_equal(previous, 1);
    sleep_ms(2); /* distinct times, so that the order below is the times' too */
    ok(store_promote(s, "m", 1, NULL, "", &previous, &cause), &cause); /* a rollback */
    assert_int_equal(previous, 3);
    ok(store_promote(s, "other", 1, "x", NULL, &previous, &cause), &cause);
    assert_int_equal(previous, 0);

    /* The errors write nothing. */
    want = xasprintf("no model 'nope' in workspace '%s'", path);
    expect_error(store_promote(s, "nope", 1, NULL, NULL, &previous, &cause), AIWB_EINVAL,
                 &cause, want);
    free(want);
    want = xasprintf("model 'm' in workspace '%s' has no version 9", path);
    expect_error(store_promote(s, "m", 9, NULL, NULL, &previous, &cause), AIWB_EINVAL, &cause,
                 want);
    free(want);
    expect_error(store_promote(s, "m", 0, NULL, NULL, &previous, &cause), AIWB_EINVAL, &cause,
                 "cannot promote model 'm' in '");
    expect_error(store_promote(s, "", 1, NULL, NULL, &previous, &cause), AIWB_EINVAL, &cause,
                 "cannot promote a model without a name");
    assert_int_equal(raw_int(path, "SELECT count(*) FROM promotions"), 4);
    /* A second connection can promote at once: no transaction was left open. */
    raw_exec(path, "BEGIN IMMEDIATE; ROLLBACK");

    /* The history of m: each promotion lasts until the next. */
    t = table_new(NULL);
    ok(store_promotion_list(s, "m", t, &cause), &cause);
    assert_int_equal(t->ncols, 7);
    assert_int_equal(table_rows(t), 3);
    {
        static const struct {
            int version, previous;
            const char *compared_on, *note;
        } hist[] = {{1, 0, NULL, NULL}, {3, 1, "live", "beats v1 on live traffic"},
                    {1, 3, NULL, NULL}};

        for (size_t r = 0; r < 3; r++) {
            assert_string_equal(text_at(t, r, "model"), "m");
            assert_int_equal(int_at(t, r, "version"), hist[r].version);
            if (hist[r].previous == 0)
                assert_true(null_at(t, r, "previous", AIWB_TABLE_INT));
            else
                assert_int_equal(int_at(t, r, "previous"), hist[r].previous);
            if (hist[r].compared_on == NULL)
                assert_true(null_at(t, r, "compared_on", AIWB_TABLE_TEXT));
            else
                assert_string_equal(text_at(t, r, "compared_on"), hist[r].compared_on);
            if (hist[r].note == NULL)
                assert_true(null_at(t, r, "note", AIWB_TABLE_TEXT));
            else
                assert_string_equal(text_at(t, r, "note"), hist[r].note);
            assert_true(is_iso_time(text_at(t, r, "from")));
            if (r < 2)
                assert_string_equal(text_at(t, r, "until"), text_at(t, r + 1, "from"));
        }
        assert_true(strcmp(text_at(t, 1, "from"), text_at(t, 2, "from")) < 0);
        assert_true(null_at(t, 2, "until", AIWB_TABLE_TEXT));
    }
    table_free(t);
    t = table_new(NULL);
    ok(store_promotion_list(s, NULL, t, &cause), &cause);
    assert_int_equal(table_rows(t), 4);
    assert_string_equal(text_at(t, 3, "model"), "other");
    assert_true(null_at(t, 3, "until", AIWB_TABLE_TEXT));
    table_free(t);

    /* `models`: the live version, since its promotion. */
    t = table_new(NULL);
    ok(store_model_list(s, t, &cause), &cause);
    ok(store_model_live(s, "m", &live, &since, &cause), &cause);
    assert_int_equal(live, 1);
    assert_string_equal(text_at(t, version_row(t, "m", 1), "live"), "yes");
    assert_string_equal(text_at(t, version_row(t, "m", 1), "since"), since);
    free(since);
    for (int v = 2; v <= 3; v++) {
        assert_true(null_at(t, version_row(t, "m", v), "live", AIWB_TABLE_TEXT));
        assert_true(null_at(t, version_row(t, "m", v), "since", AIWB_TABLE_TEXT));
    }
    assert_string_equal(text_at(t, version_row(t, "other", 1), "live"), "yes");
    table_free(t);
    ok(store_check(s, &cause), &cause);
    store_close(s);

    /* Kept: the live version is the same after reopening. */
    s = open_ok(path);
    ok(store_model_live(s, "m", &live, NULL, &cause), &cause);
    assert_int_equal(live, 1);
    store_close(s);
    free(path);
}

/* `export` records each export of a version, the folder as an absolute path. */
static void
test_exports(void **state)
{
    char *dir = tu_tmpdir("store-exports"), *path = xasprintf("%s/ws.db", dir);
    char *cause = NULL, *want, *sub = xasprintf("%s/srv", dir), *odd, *abs;
    struct aiwb_table *t;
    struct store *s;
    int64_t run;

    (void)state;
    assert_int_equal(mkdir(sub, 0755), 0);
    odd = xasprintf("%s/srv/../srv/.", dir);
    abs = realpath(sub, NULL);
    assert_non_null(abs);
    s = open_ok(path);
    run = finished_run(s, "train", "logistic", "iris", NULL);
    put_model(s, "m", run, "1");
    put_model(s, "m", run, "2");
    put_model(s, "a", run, "a");

    ok(store_export_put(s, "m", 1, odd, &cause), &cause);
    ok(store_export_put(s, "m", 2, "no/such/folder", &cause), &cause); /* kept as given */
    ok(store_export_put(s, "a", 1, sub, &cause), &cause);
    want = xasprintf("model 'm' in workspace '%s' has no version 3", path);
    expect_error(store_export_put(s, "m", 3, sub, &cause), AIWB_EINVAL, &cause, want);
    free(want);
    want = xasprintf("no model 'nope' in workspace '%s'", path);
    expect_error(store_export_put(s, "nope", 1, sub, &cause), AIWB_EINVAL, &cause, want);
    free(want);
    expect_error(store_export_put(s, "m", 0, sub, &cause), AIWB_EINVAL, &cause,
                 "0 is not a version");
    expect_error(store_export_put(s, "m", 1, "", &cause), AIWB_EINVAL, &cause,
                 "cannot record an export without a model and a folder");
    assert_int_equal(raw_int(path, "SELECT count(*) FROM exports"), 3);

    t = table_new(NULL);
    ok(store_export_list(s, "m", t, &cause), &cause);
    assert_int_equal(t->ncols, 4);
    assert_int_equal(table_rows(t), 2);
    assert_int_equal(int_at(t, 0, "version"), 1);
    assert_string_equal(text_at(t, 0, "folder"), abs);
    assert_true(is_iso_time(text_at(t, 0, "exported")));
    assert_int_equal(int_at(t, 1, "version"), 2);
    assert_string_equal(text_at(t, 1, "folder"), "no/such/folder");
    table_free(t);
    t = table_new(NULL);
    ok(store_export_list(s, NULL, t, &cause), &cause);
    assert_int_equal(table_rows(t), 3);
    assert_string_equal(text_at(t, 0, "model"), "a"); /* by model, then in order */
    table_free(t);
    t = table_new(NULL);
    ok(store_export_list(s, "nope", t, &cause), &cause);
    assert_int_equal(table_rows(t), 0);
    table_free(t);
    ok(store_check(s, &cause), &cause);
    store_close(s);
    free(abs);
    free(odd);
    free(sub);
    free(path);
    free(dir);
}

/* ---- drift reports ---------------------------------------------------------- */

/* A report of two columns, x (two statistics) and c (one), as `drift` keeps it. */
static const unsigned char dist_blob[] = {1, 2, 3, 0, 255};
static const struct store_drift_report drift_report = {
    .ref = "ref", .cur = "cur", .ref_rows = 500, .cur_rows = 400,
    .options = "stats=ks,chi2 min_n=100", .notes = "only in 'ref': z"};
static const struct store_drift_row drift_rows[] = {
    {.seq = 0, .column = "x", .type = "numeric", .n_ref = 500, .n_cur = 390, .flag = "DRIFT",
     .stat_seq = 0, .stat = "ks", .value = 0.25, .p = 1e-300, .effect = 0.25, .severity = 2.5,
     .measure = "D", .verdict = "drift", .note = "exact p", .dist = dist_blob,
     .dist_len = sizeof dist_blob},
    {.seq = 0, .column = "x", .type = "numeric", .n_ref = 500, .n_cur = 390, .flag = "DRIFT",
     .stat_seq = 1, .stat = "wasserstein", .value = 0.5, .p = 1e-300, .effect = INFINITY,
     .severity = INFINITY, .measure = "W1/sd", .verdict = "drift"},
    {.seq = 1, .column = "c", .type = "categorical", .n_ref = 12, .n_cur = 9,
     .flag = "too few rows", .stat_seq = 0, .stat = "chi2", .value = NAN, .p = NAN,
     .effect = NAN, .severity = 0, .measure = "Cramér's V", .verdict = "too few rows",
     .binning = "one cell per level"},
};

static void
put_drift(struct store *s, int64_t *id)
{
    char *cause = NULL;

    ok(store_drift_put(s, &drift_report, 3, drift_rows, id, &cause), &cause);
}

struct drift_seen {
    size_t headers, rows, stop_at;
    struct store_drift_report r;
    char created[64];
};

/* Check each row read back against drift_rows, in order. */
static int
see_drift(void *arg, const struct store_drift_report *r, const struct store_drift_row *w)
{
    struct drift_seen *seen = arg;
    const struct store_drift_row *want;

    if (w == NULL) {
        assert_int_equal(seen->rows, 0);
        seen->headers++;
        assert_string_equal(r->ref, "ref");
        assert_string_equal(r->cur, "cur");
        assert_int_equal(r->ref_rows, 500);
        assert_int_equal(r->cur_rows, 400);
        assert_string_equal(r->options, "stats=ks,chi2 min_n=100");
        assert_string_equal(r->notes, "only in 'ref': z");
        assert_non_null(r->created);
        snprintf(seen->created, sizeof seen->created, "%s", r->created);
        seen->r.id = r->id;
        return 0;
    }
    assert_true(seen->rows < 3);
    want = &drift_rows[seen->rows++];
    assert_int_equal(w->seq, want->seq);
    assert_string_equal(w->column, want->column);
    assert_string_equal(w->type, want->type);
    assert_int_equal(w->n_ref, want->n_ref);
    assert_int_equal(w->n_cur, want->n_cur);
    assert_string_equal(w->flag, want->flag);
    assert_int_equal(w->stat_seq, want->stat_seq);
    assert_string_equal(w->stat, want->stat);
    /* Exactly, NaN (a NULL in the file) and infinity included. */
    assert_memory_equal(&w->value, &want->value, sizeof w->value);
    assert_true(isnan(want->p) ? isnan(w->p) : w->p == want->p);
    assert_true(isnan(want->effect) ? isnan(w->effect) : w->effect == want->effect);
    assert_true(w->severity == want->severity);
    assert_string_equal(w->measure, want->measure);
    assert_string_equal(w->verdict, want->verdict);
    if (want->binning == NULL)
        assert_null(w->binning);
    else
        assert_string_equal(w->binning, want->binning);
    if (want->note == NULL)
        assert_null(w->note);
    else
        assert_string_equal(w->note, want->note);
    assert_int_equal(w->dist_len, want->dist_len);
    if (want->dist != NULL)
        assert_memory_equal(w->dist, want->dist, want->dist_len);
    else
        assert_null(w->dist);
    return seen->stop_at != 0 && seen->rows == seen->stop_at ? 42 : 0;
}

static void
test_drift_reports(void **state)
{
    char *path = ws_path("store-drift"), *cause = NULL, *want;
    struct drift_seen seen = {0};
    struct aiwb_table *t;
    struct store *s;
    int64_t id = 0;

    (void)state;
    s = open_ok(path);
    put_drift(s, &id);
    assert_int_equal(id, 1);
    put_drift(s, &id);
    assert_int_equal(id, 2);
    /* Read back in the report's order, the same in another connection. */
    store_close(s);
    s = open_ok(path);
    ok(store_drift_get(s, 2, see_drift, &seen, &cause), &cause);
    assert_int_equal(seen.headers, 1);
    assert_int_equal(seen.rows, 3);
    assert_int_equal(seen.r.id, 2);
    /* The function's non-zero answer stops the reading and comes back. */
    memset(&seen, 0, sizeof seen);
    seen.stop_at = 2;
    assert_int_equal(store_drift_get(s, 1, see_drift, &seen, &cause), 42);
    assert_null(cause);
    assert_int_equal(seen.rows, 2);
    /* The list. */
    t = table_new(NULL);
    ok(store_drift_list(s, t, &cause), &cause);
    assert_int_equal(table_rows(t), 2);
    assert_int_equal(table_cell(t, 1, 0)->v.i, 2);
    assert_string_equal(table_cell(t, 1, 1)->v.s, "ref");
    assert_string_equal(table_cell(t, 1, 2)->v.s, "cur");
    assert_int_equal(table_cell(t, 1, 4)->v.i, 2); /* columns */
    assert_int_equal(table_cell(t, 1, 5)->v.i, 1); /* drifted: x */
    assert_string_equal(table_cell(t, 1, 6)->v.s, "stats=ks,chi2 min_n=100");
    table_free(t);
    /* Errors. */
    want = xasprintf("no drift report 3 in workspace '%s'", path);
    memset(&seen, 0, sizeof seen);
    expect_error(store_drift_get(s, 3, see_drift, &seen, &cause), AIWB_EINVAL, &cause, want);
    assert_int_equal(seen.headers, 0);
    free(want);
    {
        struct store_drift_row bad = drift_rows[0];
        struct store_drift_report nodata = {.ref = "ref"};

        bad.verdict = NULL;
        expect_error(store_drift_put(s, &drift_report, 1, &bad, &id, &cause), AIWB_EINVAL,
                     &cause, "drift report row 1");
        expect_error(store_drift_put(s, &nodata, 0, NULL, &id, &cause), AIWB_EINVAL, &cause,
                     "without its datasets");
    }
    /* Two rows for one statistic of one column: refused, and nothing is kept. */
    {
        const struct store_drift_row twice[] = {drift_rows[0], drift_rows[0]};

        expect_error(store_drift_put(s, &drift_report, 2, twice, &id, &cause), AIWB_EINVAL,
                     &cause, "cannot record the drift report in");
        assert_int_equal(raw_int(path, "SELECT count(*) FROM drift_reports"), 2);
        assert_int_equal(raw_int(path, "SELECT count(*) FROM drift_columns"), 6);
    }
    ok(store_check(s, &cause), &cause);
    store_close(s);
    free(path);
}

/* ---- migrations ----------------------------------------------------------- */

/*
 * The schema of versions 1 and 2 as store.c created it (migrations[0] and
 * migrations[1] of src/store/store.c when STORE_SCHEMA_VERSION was 2),
 * copied here so that the test makes an old workspace as an old aiwb did.
 */
static const char schema_v1[] =
    "CREATE TABLE datasets ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  source TEXT NOT NULL DEFAULT '',"
    "  options TEXT NOT NULL DEFAULT '',"
    "  lineage TEXT NOT NULL DEFAULT '',"
    "  schema TEXT NOT NULL DEFAULT '',"
    "  rows INTEGER NOT NULL,"
    "  cols INTEGER NOT NULL,"
    "  created TEXT NOT NULL,"
    "  updated TEXT NOT NULL);"
    "CREATE TABLE runs ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  kind TEXT NOT NULL,"
    "  algorithm TEXT NOT NULL,"
    "  transforms TEXT NOT NULL DEFAULT '',"
    "  options TEXT NOT NULL DEFAULT '',"
    "  dataset TEXT,"
    "  target TEXT,"
    "  seed INTEGER NOT NULL,"
    "  command TEXT,"
    "  status TEXT NOT NULL"
    "    CHECK (status IN ('running', 'finished', 'failed', 'interrupted')),"
    "  owner_pid INTEGER,"
    "  owner_start INTEGER,"
    "  started TEXT NOT NULL,"
    "  finished TEXT,"
    "  iterations INTEGER,"
    "  message TEXT);"
    "CREATE INDEX runs_status ON runs (status);"
    "CREATE TABLE curves ("
    "  run INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
    "  step INTEGER NOT NULL,"
    "  name TEXT NOT NULL,"
    "  value REAL,"
    "  PRIMARY KEY (run, step, name)) WITHOUT ROWID;"
    "CREATE TABLE evaluations ("
    "  id INTEGER PRIMARY KEY,"
    "  model TEXT NOT NULL,"
    "  version INTEGER,"
    "  dataset TEXT,"
    "  metric TEXT NOT NULL,"
    "  value REAL,"
    "  created TEXT NOT NULL);"
    "CREATE INDEX evaluations_model ON evaluations (model, version);"
    "CREATE TABLE models ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  name TEXT NOT NULL,"
    "  version INTEGER NOT NULL CHECK (version > 0),"
    "  run INTEGER REFERENCES runs (id),"
    "  algorithm TEXT,"
    "  dataset TEXT,"
    "  target TEXT,"
    "  blob BLOB NOT NULL,"
    "  bytes INTEGER NOT NULL,"
    "  crc32 TEXT NOT NULL,"
    "  created TEXT NOT NULL,"
    "  UNIQUE (name, version));"
    "CREATE INDEX models_run ON models (run);";
static const char schema_v1_to_v2[] =
    "ALTER TABLE datasets ADD COLUMN data BLOB;"
    "ALTER TABLE datasets ADD COLUMN saved TEXT;";
/* migrations[2] of store.c when STORE_SCHEMA_VERSION was 3. */
static const char schema_v2_to_v3[] =
    "ALTER TABLE runs ADD COLUMN folds TEXT;"
    "CREATE TABLE run_metrics ("
    "  run INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
    "  name TEXT NOT NULL,"
    "  seq INTEGER NOT NULL,"
    "  mean REAL,"
    "  sd REAL,"
    "  folds INTEGER NOT NULL,"
    "  PRIMARY KEY (run, name)) WITHOUT ROWID;";

/* migrations[3] of store.c when STORE_SCHEMA_VERSION was 4. */
static const char schema_v3_to_v4[] =
    "CREATE TABLE drift_reports ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  ref TEXT NOT NULL,"
    "  cur TEXT NOT NULL,"
    "  ref_rows INTEGER NOT NULL,"
    "  cur_rows INTEGER NOT NULL,"
    "  options TEXT NOT NULL DEFAULT '',"
    "  notes TEXT NOT NULL DEFAULT '',"
    "  created TEXT NOT NULL);"
    "CREATE TABLE drift_columns ("
    "  report INTEGER NOT NULL REFERENCES drift_reports (id) ON DELETE CASCADE,"
    "  seq INTEGER NOT NULL,"
    "  column TEXT NOT NULL,"
    "  type TEXT NOT NULL,"
    "  n_ref INTEGER NOT NULL,"
    "  n_cur INTEGER NOT NULL,"
    "  flag TEXT NOT NULL,"
    "  stat_seq INTEGER NOT NULL,"
    "  stat TEXT NOT NULL,"
    "  value REAL,"
    "  p REAL,"
    "  effect REAL,"
    "  measure TEXT,"
    "  severity REAL,"
    "  verdict TEXT NOT NULL,"
    "  binning TEXT,"
    "  note TEXT,"
    "  dist BLOB,"
    "  PRIMARY KEY (report, column, stat)) WITHOUT ROWID;";
/* migrations[4] of store.c when STORE_SCHEMA_VERSION was 5 (migrate() then
 * bumps schema_version, as make_old_workspace() does). */
static const char schema_v4_to_v5[] =
    "PRAGMA writable_schema = ON;"
    "UPDATE sqlite_schema SET sql = replace(sql, '''failed'', ''interrupted'')',"
    "  '''failed'', ''interrupted'', ''cancelled'')')"
    "  WHERE type = 'table' AND name = 'runs';"
    "PRAGMA writable_schema = OFF;";

/* Rows an old aiwb wrote: a dataset, a finished run with its curve, a
 * model it saved (crc32 of "blob"), an evaluation of it. */
static const char old_rows[] =
    "INSERT INTO datasets (name, source, lineage, schema, rows, cols, created, updated) "
    "  VALUES ('iris', 'datasets/iris.csv', 'load iris datasets/iris.csv', "
    "  'sepal_length numeric', 150, 5, '2026-01-02T03:04:05.678Z', "
    "  '2026-01-02T03:04:05.678Z');"
    "INSERT INTO runs (kind, algorithm, transforms, options, dataset, target, seed, command, "
    "  status, started, finished, iterations) VALUES ('train', 'logistic', "
    "  'impute(strategy=median),standardize', 'C=1 max_iter=100', 'iris', 'species', "
    "  -1, 'train logistic on iris target=species as m', 'finished', "
    "  '2026-01-02T03:04:06.000Z', '2026-01-02T03:04:07.500Z', 12);"
    "INSERT INTO curves VALUES (1, 0, 'loss', 1.5), (1, 11, 'loss', 0.25);"
    "INSERT INTO models (name, version, run, algorithm, dataset, target, blob, bytes, crc32, "
    "  created) VALUES ('m', 1, 1, 'logistic', 'iris', 'species', CAST('blob' AS BLOB), 4, "
    "  '%08x', '2026-01-02T03:04:08.000Z');"
    "INSERT INTO evaluations (model, version, dataset, metric, value, created) "
    "  VALUES ('m', 1, 'iris', 'accuracy', 0.98, '2026-01-02T03:04:09.000Z');";

/* A workspace at schema VERSION (1 to 5) made by hand at PATH, with old_rows. */
static void
make_old_workspace(const char *path, int version)
{
    sqlite3 *db = raw_open(path);
    char *sql;

    raw_exec_db(db, "BEGIN");
    raw_exec_db(db, schema_v1);
    if (version >= 2)
        raw_exec_db(db, schema_v1_to_v2);
    if (version >= 3)
        raw_exec_db(db, schema_v2_to_v3);
    if (version >= 4)
        raw_exec_db(db, schema_v3_to_v4);
    if (version >= 5) {
        sqlite3_stmt *st = NULL;

        raw_exec_db(db, schema_v4_to_v5);
        assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA schema_version", -1, &st, NULL),
                         SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        sql = xasprintf("PRAGMA schema_version = %lld",
                        (long long)sqlite3_column_int64(st, 0) + 1);
        sqlite3_finalize(st);
        raw_exec_db(db, sql);
        free(sql);
    }
    sql = xasprintf(old_rows, (unsigned)codec_crc32(0, "blob", 4));
    raw_exec_db(db, sql);
    free(sql);
    sql = xasprintf("PRAGMA application_id = %d; PRAGMA user_version = %d",
                    AIWB_APPLICATION_ID, version);
    raw_exec_db(db, sql);
    free(sql);
    raw_exec_db(db, "COMMIT");
    sqlite3_close(db);
}

static void
test_migrate_old(void **state)
{
    (void)state;
    for (int version = 1; version <= 5; version++) {
        char *name = xasprintf("store-migrate-v%d", version);
        char *path = ws_path(name), *cause = NULL;
        const char *names[] = {"accuracy"};
        struct aiwb_table *t;
        struct store *s;
        int64_t id = 0;

        make_old_workspace(path, version);
        s = open_ok(path);
        /* Upgraded: the new table and column exist... */
        assert_int_equal(raw_int(path, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
        assert_raw_text(path,
                        "SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_master "
                        "WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name)",
                        "curves datasets drift_columns drift_reports evaluations exports "
                        "models promotions run_metrics runs");
        assert_int_equal(raw_int(path, "SELECT count(*) FROM pragma_table_info('runs') "
                                       "WHERE name = 'folds'"),
                         1);
        assert_int_equal(raw_int(path, "SELECT count(*) FROM pragma_table_info('datasets') "
                                       "WHERE name IN ('data', 'saved')"),
                         2);
        /* ...and the old rows are all there, read through the store. */
        t = table_new(NULL);
        ok(store_run_list(s, t, &cause), &cause);
        assert_int_equal(table_rows(t), 1);
        assert_string_equal(text_at(t, 0, "status"), "finished");
        assert_string_equal(text_at(t, 0, "kind"), "train");
        assert_string_equal(text_at(t, 0, "model"), "m v1");
        tu_assert_rel(real_at(t, 0, "seconds"), 1.5, 1e-9);
        tu_assert_rel(real_at(t, 0, "loss"), 0.25, 1e-15);
        table_free(t);
        t = table_new(NULL);
        ok(store_run_info(s, 1, t, &cause), &cause);
        assert_null(info_value(t, "folds"));
        assert_string_equal(info_value(t, "seed"), "18446744073709551615");
        table_free(t);
        expect_blob(s, "m", 0, 1, "blob");
        t = table_new(NULL);
        ok(store_dataset_list(s, t, &cause), &cause);
        assert_int_equal(table_rows(t), 1);
        assert_string_equal(text_at(t, 0, "lineage"), "load iris datasets/iris.csv");
        table_free(t);
        t = table_new(NULL);
        ok(store_run_evals(s, 1, t, &cause), &cause);
        assert_int_equal(table_rows(t), 1);
        assert_true(real_at(t, 0, "value") == 0.98);
        table_free(t);
        /* The new parts work on the old rows, and new runs go on from them. */
        if (version < 3)
            put_metrics(s, 1, 1, names, (const double[]){0.97}, (const double[]){0.01}, 5);
        else /* version 3 had run_metrics: the row an old aiwb wrote */
            raw_exec(path, "INSERT INTO run_metrics VALUES (1, 'accuracy', 0, 0.97, 0.01, 5)");
        assert_board(s, "accuracy", 1, (const struct board_row[]){
                         {1, "train", "logistic", 0.98, NAN, "eval on iris", "m v1"},
                         {1, "train", "logistic", 0.97, 0.01, "5-fold cv", "m v1"}}, 2);
        ok(store_run_begin(s, &iris_run, &id, &cause), &cause);
        assert_int_equal(id, 2);
        /* Version 5: a run the user stopped ends 'cancelled', and the
         * widened CHECK still refuses what it should. */
        ok(store_run_end(s, 2, "cancelled", 3, "stopped by the user", &cause), &cause);
        assert_raw_text(path, "SELECT status FROM runs WHERE id = 2", "cancelled");
        expect_error(store_run_end(s, 2, "paused", 3, NULL, &cause), AIWB_EINVAL, &cause,
                     "paused");
        assert_int_equal(raw_int(path, "SELECT count(*) FROM sqlite_master WHERE name = 'runs' "
                                       "AND sql LIKE '%''cancelled''%'"),
                         1);
        /* Version 4: drift reports can be kept. */
        put_drift(s, &id);
        assert_int_equal(id, 1);
        /* Version 6: the old model's old evaluation is its headline, and
         * it can be promoted and its export recorded. */
        {
            int previous = -1;

            ok(store_promote(s, "m", 1, "iris", NULL, &previous, &cause), &cause);
            assert_int_equal(previous, 0);
            ok(store_export_put(s, "m", 1, "/srv/m", &cause), &cause);
            t = table_new(NULL);
            ok(store_model_list(s, t, &cause), &cause);
            assert_int_equal(table_rows(t), 1);
            assert_headline(t, "m", 1, "accuracy", 0.98, "iris");
            assert_string_equal(text_at(t, 0, "live"), "yes");
            assert_int_equal(int_at(t, 0, "bytes"), 4);
            table_free(t);
        }
        ok(store_check(s, &cause), &cause);
        store_close(s);
        free(path);
        free(name);
    }
}

/* The TUI's `runs` reads a page at a time: the same rows as the whole list. */
static void
test_run_page(void **state)
{
    char *path = ws_path("store-run-page"), *cause = NULL;
    struct store *s = open_ok(path);
    struct aiwb_table *t;
    int64_t n = -1;

    (void)state;
    ok(store_run_count(s, &n, &cause), &cause);
    assert_int_equal(n, 0);
    for (int i = 0; i < 7; i++)
        ok(store_run_end(s, begin_ok(s), "finished", i, NULL, &cause), &cause);
    ok(store_run_count(s, &n, &cause), &cause);
    assert_int_equal(n, 7);
    t = table_new(NULL);
    ok(store_run_page(s, 2, 3, t, &cause), &cause);
    assert_int_equal(table_rows(t), 3);
    assert_int_equal(int_at(t, 0, "id"), 3);
    assert_int_equal(int_at(t, 2, "id"), 5);
    assert_int_equal(int_at(t, 2, "iterations"), 4);
    table_free(t);
    t = table_new(NULL);
    ok(store_run_page(s, 6, 10, t, &cause), &cause); /* the last page is short */
    assert_int_equal(table_rows(t), 1);
    assert_int_equal(int_at(t, 0, "id"), 7);
    table_free(t);
    t = table_new(NULL);
    ok(store_run_page(s, 7, 10, t, &cause), &cause); /* past the end: no rows, no error */
    assert_int_equal(table_rows(t), 0);
    assert_int_equal(t->ncols, 13); /* but the columns, for the header */
    table_free(t);
    store_close(s);
    free(path);
}

/* An upgrade that fails leaves the file as it was, at its old version. */
static void
test_migrate_fails(void **state)
{
    char *path = ws_path("store-migrate-fails"), *cause = NULL, *want;

    (void)state;
    make_old_workspace(path, 2);
    /* Something the upgrade cannot do: the column it adds is there already. */
    raw_exec(path, "ALTER TABLE runs ADD COLUMN folds TEXT");
    assert_null(store_open(path, &cause));
    want = xasprintf("cannot upgrade workspace '%s' from schema version 2 to %d: ", path,
                     STORE_SCHEMA_VERSION);
    assert_non_null(cause);
    if (strstr(cause, want) == NULL || strstr(cause, "folds") == NULL)
        fail_msg("cause \"%s\" lacks \"%s\" or the column's name", cause, want);
    free(want);
    free(cause);
    assert_int_equal(raw_int(path, "PRAGMA user_version"), 2);
    assert_int_equal(raw_int(path, "SELECT count(*) FROM sqlite_master WHERE name = "
                                   "'run_metrics'"),
                     0);
    assert_int_equal(raw_int(path, "SELECT count(*) FROM runs"), 1);
    free(path);
}

/* The same from version 3: a table of the upgrade's name is there already. */
static void
test_migrate_fails_v3(void **state)
{
    char *path = ws_path("store-migrate-fails-v3"), *cause = NULL, *want;

    (void)state;
    make_old_workspace(path, 3);
    raw_exec(path, "CREATE TABLE drift_reports (x)");
    assert_null(store_open(path, &cause));
    want = xasprintf("cannot upgrade workspace '%s' from schema version 3 to %d: ", path,
                     STORE_SCHEMA_VERSION);
    assert_non_null(cause);
    if (strstr(cause, want) == NULL || strstr(cause, "drift_reports") == NULL)
        fail_msg("cause \"%s\" lacks \"%s\" or the table's name", cause, want);
    free(want);
    free(cause);
    assert_int_equal(raw_int(path, "PRAGMA user_version"), 3);
    assert_int_equal(raw_int(path, "SELECT count(*) FROM sqlite_master WHERE name = "
                                   "'drift_columns'"),
                     0);
    free(path);
}

/* The same from version 5: the upgrade to 6 meets a table of its name. */
static void
test_migrate_fails_v5(void **state)
{
    char *path = ws_path("store-migrate-fails-v5"), *cause = NULL, *want;

    (void)state;
    make_old_workspace(path, 5);
    raw_exec(path, "CREATE TABLE exports (x)");
    assert_null(store_open(path, &cause));
    want = xasprintf("cannot upgrade workspace '%s' from schema version 5 to %d: ", path,
                     STORE_SCHEMA_VERSION);
    assert_non_null(cause);
    if (strstr(cause, want) == NULL || strstr(cause, "exports") == NULL)
        fail_msg("cause \"%s\" lacks \"%s\" or the table's name", cause, want);
    free(want);
    free(cause);
    /* All or nothing: promotions, made before exports, is not there either. */
    assert_int_equal(raw_int(path, "PRAGMA user_version"), 5);
    assert_int_equal(raw_int(path, "SELECT count(*) FROM sqlite_master WHERE name = "
                                   "'promotions'"),
                     0);
    assert_int_equal(raw_int(path, "SELECT count(*) FROM models"), 1);
    free(path);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_and_reopen),
        cmocka_unit_test(test_header),
        cmocka_unit_test(test_refuse_not_sqlite),
        cmocka_unit_test(test_refuse_foreign),
        cmocka_unit_test(test_refuse_newer),
        cmocka_unit_test(test_open_errors),
        cmocka_unit_test(test_runs_lifecycle),
        cmocka_unit_test(test_curves_buffered),
        cmocka_unit_test(test_locked),
        cmocka_unit_test(test_two_threads),
        cmocka_unit_test(test_interrupted),
        cmocka_unit_test(test_live_owner),
        cmocka_unit_test(test_recycled_pid),
        cmocka_unit_test_teardown(test_kill9, kill_writer),
        cmocka_unit_test(test_model_versions),
        cmocka_unit_test(test_model_versions_two_processes),
        cmocka_unit_test(test_model_damaged),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_evaluations),
        cmocka_unit_test(test_datasets),
        cmocka_unit_test(test_dataset_data),
        cmocka_unit_test(test_check_damaged),
        cmocka_unit_test(test_run_metrics),
        cmocka_unit_test(test_leaderboard),
        cmocka_unit_test(test_run_info),
        cmocka_unit_test(test_run_folds),
        cmocka_unit_test(test_run_evals),
        cmocka_unit_test(test_model_evals),
        cmocka_unit_test(test_model_run),
        cmocka_unit_test(test_model_headline),
        cmocka_unit_test(test_promotions),
        cmocka_unit_test(test_exports),
        cmocka_unit_test(test_drift_reports),
        cmocka_unit_test(test_run_page),
        cmocka_unit_test(test_migrate_old),
        cmocka_unit_test(test_migrate_fails),
        cmocka_unit_test(test_migrate_fails_v3),
        cmocka_unit_test(test_migrate_fails_v5),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
