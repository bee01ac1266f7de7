/*
 * test-sqlite.c - the sqlite source: types from the result, parameters bound
 * (an injection attempt stays a literal), the read-only defences, the
 * time-out, hostile and broken files, and every error message.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each test makes its databases in a scratch folder with the sqlite library
 * itself, so the expected contents are the SQL written here.
 */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/frame.h"
#include "core/log.h"
#include "core/options.h"
#include "core/registry.h"
#include "core/xalloc.h"
#include "testutil.h"

static char *tmp; /* this run's scratch folder */

/* What the source logged since clear_log(). */
static char logged[1 << 16];
static size_t logged_len;

static void
capture(void *arg, enum aiwb_log_level level, const char *msg)
{
    size_t n = strlen(msg);

    (void)arg;
    (void)level;
    if (logged_len + n + 2 < sizeof(logged)) {
        memcpy(logged + logged_len, msg, n);
        logged_len += n;
        logged[logged_len++] = '\n';
        logged[logged_len] = '\0';
    }
}

static void
clear_log(void)
{
    logged_len = 0;
    logged[0] = '\0';
}

/* The path of NAME in the scratch folder (free it). */
static char *
path_of(const char *name)
{
    return xasprintf("%s/%s", tmp, name);
}

/* Make database NAME afresh with the statements SQL; returns its path. */
static char *
make_db(const char *name, const char *sql)
{
    char *path = path_of(name), *err = NULL;
    sqlite3 *db = NULL;

    unlink(path);
    if (sqlite3_open(path, &db) != SQLITE_OK || sqlite3_exec(db, sql, NULL, NULL, &err) != 0) {
        print_error("cannot make '%s': %s\n", path, err ? err : sqlite3_errmsg(db));
        fail();
    }
    sqlite3_close(db);
    return path;
}

/* The bytes of the file at PATH in a new buffer, its size in *LEN. */
static char *
slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;

    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    rewind(f);
    buf = xmalloc((size_t)n + 1);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* A value of one row, counted with the sqlite library: "SELECT ..." on PATH. */
static long long
count_of(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    long long v = -1;

    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

/* Read URI with the options OPTS (NULL-terminated); fail the test if it fails. */
static struct aiwb_frame *
read_ok(const char *uri, const char *const *opts)
{
    char *cause = NULL;
    struct aiwb_frame *f = tu_read(uri, opts, &cause);

    if (f == NULL) {
        print_error("reading '%s' failed: %s\n", uri, cause);
        free(cause);
        fail();
    }
    return f;
}

/* WANT with every "@" replaced by PATH: a new string. */
static char *
subst(const char *want, const char *path)
{
    char *out = xstrdup(""), *more;
    const char *p = want, *at;

    while ((at = strchr(p, '@')) != NULL) {
        more = xasprintf("%s%.*s%s", out, (int)(at - p), p, path);
        free(out);
        out = more;
        p = at + 1;
    }
    more = xasprintf("%s%s", out, p);
    free(out);
    return more;
}

/* Read URI with OPTS; expect the message WANT, where "@" stands for PATH. */
static void
expect_error(const char *uri, const char *path, const char *const *opts, const char *want)
{
    char *cause = NULL, *full = subst(want, path);
    struct aiwb_frame *f = tu_read(uri, opts, &cause);

    assert_null(f);
    if (cause == NULL) {
        print_error("reading '%s' did not fail\n", uri);
        fail();
    }
    assert_string_equal(cause, full);
    free(cause);
    free(full);
}

/* Expect the log since clear_log() to be WANT, "@" standing for PATH. */
static void
expect_logged(const char *path, const char *want)
{
    char *full = subst(want, path);

    assert_string_equal(logged, full);
    free(full);
}

/* The index of column NAME, which must exist with type TYPE. */
static size_t
col(const struct aiwb_frame *f, const char *name, enum aiwb_coltype type)
{
    long c = frame_find(f, name);

    if (c < 0) {
        print_error("no column '%s'\n", name);
        fail();
    }
    assert_int_equal(frame_col_type(f, (size_t)c), type);
    return (size_t)c;
}

/* Assert column NAME has type TYPE and cells WANT, joined by '|' ("NA" for
 * missing, numbers in their shortest exact form). */
static void
expect_column(const struct aiwb_frame *f, const char *name, enum aiwb_coltype type,
              const char *want)
{
    size_t c = col(f, name, type), len = 0;
    char *got = xstrdup("");

    for (size_t r = 0; r < frame_rows(f); r++) {
        char buf[32];
        const char *t = frame_cell_text(f, c, r, buf);
        size_t n = strlen(t);

        got = xrealloc(got, len + n + 2);
        if (r > 0)
            got[len++] = '|';
        memcpy(got + len, t, n + 1);
        len += n;
    }
    assert_string_equal(got, want);
    free(got);
}

/* The column names of F joined by '|'. */
static void
expect_names(const struct aiwb_frame *f, const char *want)
{
    char got[512] = "";

    for (size_t c = 0; c < frame_cols(f); c++) {
        strcat(got, c ? "|" : "");
        strcat(got, frame_col_name(f, c));
    }
    assert_string_equal(got, want);
}

/* splitmix64: the tests' fixed-seed random numbers. */
static uint64_t
next_random(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static double
seconds_since(const struct timespec *t0)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* The database most tests read: every storage class and a mixed column. */
static const char people_sql[] =
    "CREATE TABLE people(id INTEGER PRIMARY KEY, age INTEGER, height REAL, name TEXT,"
    " code TEXT, mixed, note TEXT, empty_text TEXT, empty_real REAL);"
    "INSERT INTO people VALUES (1, 34, 1.75, 'ann', '007', 3, 'x', NULL, NULL);"
    "INSERT INTO people VALUES (2, NULL, 1.6, 'bob', '010', 'abc', '', NULL, NULL);"
    "INSERT INTO people VALUES (3, 51, NULL, NULL, '007', 4.5, 'y', NULL, NULL);"
    "INSERT INTO people VALUES (4, 28, 1.82, 'dee', NULL, 7, 'x', NULL, NULL);"
    "CREATE TABLE pets(owner INTEGER, kind TEXT);"
    "INSERT INTO pets VALUES (1, 'cat'), (1, 'dog'), (3, 'cat');"
    "CREATE VIEW adults AS SELECT * FROM people WHERE age >= 30;";

/* ------------------------------------------------------------------------- */

static void
test_registered(void **state)
{
    const struct component *c = registry_find(COMPONENT_SOURCE, "sqlite");
    const struct aiwb_source_type *t;

    (void)state;
    assert_non_null(c);
    t = c->type.source;
    assert_string_equal(t->schemes, "sqlite");
    assert_string_equal(t->extensions, "db,sqlite,sqlite3");
    assert_true(strlen(t->summary) <= 80);
    assert_non_null(t->help);
    for (const struct aiwb_option_spec *o = t->options; o->name != NULL; o++)
        assert_non_null(o->help);
    assert_ptr_equal(registry_source_for("sqlite:x.db"), c);
    assert_ptr_equal(registry_source_for("data/x.sqlite3"), c);
    assert_ptr_equal(registry_source_for("x.SQLITE"), c);
}

/* The source's functions called as the host calls them, and a failed open
 * followed by close (which must free what open left). */
static void
test_open_next_close(void **state)
{
    const struct aiwb_source_type *t = registry_find(COMPONENT_SOURCE, "sqlite")->type.source;
    char *path = make_db("onc.db", people_sql), *cause = NULL;
    char *words[] = {"table=pets"};
    struct aiwb_options *o = options_parse("sqlite", t->options, 1, words, &cause);
    void *st = xcalloc(1, t->state_size);
    struct aiwb_frame *f = NULL, *g = NULL;

    (void)state;
    assert_non_null(o);
    assert_int_equal(t->open(st, path, o, &cause), AIWB_OK);
    assert_int_equal(t->next(st, &f, &cause), 3);
    assert_non_null(f);
    assert_int_equal(t->next(st, &g, &cause), 0);
    assert_null(g);
    t->close(st);
    frame_free(f);

    memset(st, 0, t->state_size);
    assert_int_equal(t->open(st, path, o, &cause), AIWB_OK);
    t->close(st); /* the frame was never claimed */

    memset(st, 0, t->state_size);
    assert_true(t->open(st, "no/such.db", o, &cause) < 0);
    assert_string_equal(cause, "cannot open 'no/such.db': No such file or directory");
    free(cause);
    t->close(st);
    options_free(o);

    /* a failure after the database was opened and the statement prepared */
    words[0] = "query=SELECT * FROM pets WHERE kind = ?1";
    o = options_parse("sqlite", t->options, 1, words, &cause);
    memset(st, 0, t->state_size);
    assert_true(t->open(st, path, o, &cause) < 0);
    assert_non_null(strstr(cause, "it has 1 parameter but params gives 0 values"));
    free(cause);
    t->close(st);
    options_free(o);
    free(st);
    free(path);
}

static void
test_types(void **state)
{
    char *path = make_db("types.db", people_sql);
    const char *opts[] = {"table=people", NULL};
    struct aiwb_frame *f;

    (void)state;
    clear_log();
    f = read_ok(path, opts);
    assert_int_equal(frame_rows(f), 4);
    expect_names(f, "id|age|height|name|code|mixed|note|empty_text|empty_real");
    expect_column(f, "id", AIWB_NUMERIC, "1|2|3|4");
    expect_column(f, "age", AIWB_NUMERIC, "34|NA|51|28");
    expect_column(f, "height", AIWB_NUMERIC, "1.75|1.6|NA|1.82");
    expect_column(f, "name", AIWB_CATEGORICAL, "ann|bob|NA|dee");
    /* numbers stored as text stay text, leading zeros and all */
    expect_column(f, "code", AIWB_CATEGORICAL, "007|010|007|NA");
    /* numbers and text: categorical, the numbers as their shortest text */
    expect_column(f, "mixed", AIWB_CATEGORICAL, "3|abc|4.5|7");
    /* the empty text is missing */
    expect_column(f, "note", AIWB_CATEGORICAL, "x|NA|y|x");
    /* no values at all: the declared type decides */
    expect_column(f, "empty_text", AIWB_CATEGORICAL, "NA|NA|NA|NA");
    expect_column(f, "empty_real", AIWB_NUMERIC, "NA|NA|NA|NA");
    expect_logged(path, "'@': column 'mixed' read as categorical: row 2 has 'abc' (1 of 4 values "
                        "is not a number)\n");
    frame_free(f);
    free(path);
}

/* A column that starts with text and then meets numbers, and the reverse:
 * the numbers become their shortest text. */
static void
test_mixed(void **state)
{
    char *path = make_db("mixed.db", "CREATE TABLE t(a INTEGER);");
    /* the reals are made by exact divisions: valgrind's long doubles would
     * read a literal such as 1e300 differently */
    const char *text_first[] = {"query=SELECT column1 AS v FROM (VALUES ('a'), (2), (2.5), "
                                "(3.0), (NULL), (1.0 / 3), (-1.0 / 1073741824), "
                                "(CAST(5404319552844596 AS REAL) / 18014398509481984), "
                                "(9223372036854775807))",
                                NULL};
    const char *numbers_first[] = {"query=SELECT column1 AS v FROM (VALUES (1), (0.1), "
                                   "(NULL), ('one'), (-7), ('two'))",
                                   NULL};
    const char *long_text[] = {
        "query=SELECT column1 AS v FROM (VALUES (1), ('éééééééééééééééééééééééééééééé'))", NULL};
    struct aiwb_frame *f;

    (void)state;
    clear_log();
    f = read_ok(path, text_first);
    expect_column(f, "v", AIWB_CATEGORICAL,
                  "a|2|2.5|3|NA|0.3333333333333333|-9.313225746154785e-10|"
                  "0.30000000000000004|9223372036854775807");
    expect_logged(path, "'@': column 'v' read as categorical: row 1 has 'a' (1 of 8 values is "
                        "not a number)\n");
    frame_free(f);

    clear_log();
    f = read_ok(path, numbers_first);
    expect_column(f, "v", AIWB_CATEGORICAL, "1|0.1|NA|one|-7|two");
    expect_logged(path, "'@': column 'v' read as categorical: row 4 has 'one' (2 of 5 values are "
                        "not numbers)\n");
    frame_free(f);

    /* a long text is cut in the warning, at a character */
    clear_log();
    f = read_ok(path, long_text);
    expect_logged(path, "'@': column 'v' read as categorical: row 2 has 'éééééééééééééééééééé...' "
                        "(1 of 2 values is not a number)\n");
    frame_free(f);
    free(path);
}

/* Parameters: numbers bound as numbers, anything else as text, the escapes,
 * an empty last value, named parameters, and the count checked. */
static void
test_params(void **state)
{
    char *path = make_db("params.db", people_sql);
    const char *two[] = {"query=SELECT name, age FROM people WHERE name = ?1 OR age > ?2",
                         "params=bob,50", NULL};
    const char *kinds[] = {"query=SELECT typeof(?1) AS t1, typeof(?2) AS t2, typeof(?3) AS t3, "
                           "typeof(?4) AS t4, typeof(?5) AS t5, typeof(?6) AS t6, "
                           "typeof(?7) AS t7, ?1 AS v1, ?3 AS v3, ?4 AS v4, ?5 AS v5",
                           "params=007,5,-2.5e3,a\\,b,c\\\\d,+1,99999999999999999999", NULL};
    const char *trailing[] = {"query=SELECT ?1 AS a, ?2 AS b", "params=x,", NULL};
    const char *named[] = {"query=SELECT name FROM people WHERE age > :min AND age < $max "
                           "AND :min > 0",
                           "params=30,40", NULL};
    const char *few[] = {"query=SELECT ?1 AS a, ?2 AS b", "params=1", NULL};
    const char *none[] = {"query=SELECT ?1 AS a", NULL};
    const char *many[] = {"query=SELECT 1 AS a", "params=1,2", NULL};
    struct aiwb_frame *f;

    (void)state;
    f = read_ok(path, two);
    expect_column(f, "name", AIWB_CATEGORICAL, "bob|NA");
    expect_column(f, "age", AIWB_NUMERIC, "NA|51");
    frame_free(f);

    f = read_ok(path, kinds);
    expect_column(f, "t1", AIWB_CATEGORICAL, "text");
    expect_column(f, "t2", AIWB_CATEGORICAL, "integer");
    expect_column(f, "t3", AIWB_CATEGORICAL, "real");
    expect_column(f, "t4", AIWB_CATEGORICAL, "text");
    expect_column(f, "t5", AIWB_CATEGORICAL, "text");
    expect_column(f, "t6", AIWB_CATEGORICAL, "text");
    expect_column(f, "t7", AIWB_CATEGORICAL, "real"); /* past 64 bits */
    expect_column(f, "v1", AIWB_CATEGORICAL, "007");
    expect_column(f, "v3", AIWB_NUMERIC, "-2500");
    expect_column(f, "v4", AIWB_CATEGORICAL, "a,b");
    expect_column(f, "v5", AIWB_CATEGORICAL, "c\\d");
    frame_free(f);

    f = read_ok(path, trailing);
    expect_column(f, "a", AIWB_CATEGORICAL, "x");
    expect_column(f, "b", AIWB_NUMERIC, "NA"); /* the empty text: missing */
    frame_free(f);

    f = read_ok(path, named);
    expect_column(f, "name", AIWB_CATEGORICAL, "ann");
    frame_free(f);

    expect_error(path, path, few, "'@' query: it has 2 parameters but params gives 1 value");
    expect_error(path, path, none, "'@' query: it has 1 parameter but params gives 0 values");
    expect_error(path, path, many, "'@' query: it has 0 parameters but params gives 2 values");
    free(path);
}

/* G-1: a parameter is a literal, and table= is quoted as a name. */
static void
test_injection(void **state)
{
    char *path, *before, *after;
    const char *param[] = {"query=SELECT * FROM people WHERE name = ?1",
                           "params=x'); DROP TABLE people; --", NULL};
    const char *param2[] = {"query=SELECT * FROM people WHERE name = ?1", "params=ann' OR '1'='1",
                            NULL};
    const char *table[] = {"table=people\"; DROP TABLE people; --", NULL};
    const char *weird[] = {"table=we\"ird; x", NULL};
    struct aiwb_frame *f;
    size_t n0, n1;

    (void)state;
    path = make_db("inject.db", "CREATE TABLE people(id INTEGER, name TEXT);"
                                "INSERT INTO people VALUES (1, 'ann'), (2, 'bob');"
                                "CREATE TABLE \"we\"\"ird; x\"(v TEXT);"
                                "INSERT INTO \"we\"\"ird; x\" VALUES ('ok');");
    before = slurp(path, &n0);

    f = read_ok(path, param);
    assert_int_equal(frame_rows(f), 0);
    assert_int_equal(frame_cols(f), 2);
    frame_free(f);
    f = read_ok(path, param2);
    assert_int_equal(frame_rows(f), 0);
    frame_free(f);
    expect_error(path, path, table,
                 "'@' has no table 'people\"; DROP TABLE people; --' (its tables: people, "
                 "we\"ird; x)");
    f = read_ok(path, weird);
    expect_column(f, "v", AIWB_CATEGORICAL, "ok");
    frame_free(f);

    assert_int_equal(count_of(path, "SELECT count(*) FROM people"), 2);
    after = slurp(path, &n1);
    assert_int_equal(n0, n1);
    assert_memory_equal(before, after, n0);
    free(before);
    free(after);
    free(path);
}

/* G-2: every kind of write is refused, with what was refused named, and the
 * file stays the same to the byte; the pragmas that report are allowed. */
static void
test_read_only(void **state)
{
    static const char *const refused[][2] = {
        {"UPDATE people SET age = 0", "'@' query: UPDATE 'people' is refused"},
        {"INSERT INTO people(id) VALUES (9)", "'@' query: INSERT INTO 'people' is refused"},
        {"DELETE FROM people", "'@' query: DELETE FROM 'people' is refused"},
        {"DROP TABLE pets", "'@' query: DROP TABLE 'pets' is refused"},
        {"DROP VIEW adults", "'@' query: DROP VIEW 'adults' is refused"},
        {"CREATE TABLE z(a)", "'@' query: CREATE TABLE 'z' is refused"},
        {"CREATE TEMP TABLE z(a)", "'@' query: CREATE TEMP TABLE 'z' is refused"},
        {"CREATE INDEX i ON pets(kind)", "'@' query: CREATE INDEX 'i' is refused"},
        {"ALTER TABLE pets RENAME TO beasts", "'@' query: ALTER TABLE 'pets' is refused"},
        {"ATTACH 'other.db' AS o", "'@' query: ATTACH 'other.db' is refused"},
        {"DETACH main", "'@' query: DETACH 'main' is refused"},
        {"PRAGMA writable_schema = 1", "'@' query: PRAGMA writable_schema = 1 is refused"},
        {"PRAGMA writable_schema", "'@' query: PRAGMA writable_schema is refused"},
        {"PRAGMA query_only = 0", "'@' query: PRAGMA query_only = 0 is refused"},
        {"PRAGMA journal_mode = delete", "'@' query: PRAGMA journal_mode = delete is refused"},
        {"PRAGMA user_version = 7", "'@' query: PRAGMA user_version = 7 is refused"},
        {"PRAGMA optimize", "'@' query: PRAGMA optimize is refused"},
        {"SELECT load_extension('libx')",
         "'@' query character 8: function load_extension() is refused"},
        {"SELECT fts3_tokenizer('simple', x'0000000000000000')",
         "'@' query character 8: function fts3_tokenizer() is refused"},
        {"BEGIN", "'@' query: BEGIN is refused"},
        {"SAVEPOINT s", "'@' query: SAVEPOINT 's' is refused"},
        {"ANALYZE", "'@' query: CREATE TABLE 'sqlite_stat1' is refused"},
        {"VACUUM INTO 'copy.db'",
         "'@' query: it would write to the database, which the sqlite source never does"},
        {"VACUUM", "'@' query: it would write to the database, which the sqlite source never does"},
        {"UPDATE sqlite_master SET sql = 'x'",
         "'@' query: table sqlite_master may not be modified"},
        {"SELECT 1; DROP TABLE pets",
         "'@' query character 11: a second statement; the query must be one SELECT"},
    };
    char *path = make_db("readonly.db", people_sql), *before, *after;
    const char *allowed[][2] = {
        {"PRAGMA table_info(people)", "9"},
        {"SELECT * FROM pragma_table_info('pets')", "2"},
        {"SELECT name FROM pragma_table_info('people') JOIN pets", "27"},
        {"PRAGMA user_version", "1"},
        {"PRAGMA query_only", "1"},
        {"PRAGMA trusted_schema", "1"},
        {"PRAGMA cell_size_check", "1"},
        {"PRAGMA main.page_count", "1"},
        {"SELECT 1 AS a; -- a comment; and /* more */", "1"},
    };
    const char *settings[][2] = {
        {"query_only", "1"}, {"trusted_schema", "0"}, {"cell_size_check", "1"}};
    size_t n0, n1;

    (void)state;
    before = slurp(path, &n0);
    for (size_t i = 0; i < sizeof(refused) / sizeof(*refused); i++) {
        char *q = xasprintf("query=%s", refused[i][0]);
        const char *opts[] = {q, NULL};
        char *want = strstr(refused[i][1], " is refused") != NULL
                         ? xasprintf("%s: the sqlite source only reads", refused[i][1])
                         : xstrdup(refused[i][1]);

        expect_error(path, path, opts, want);
        free(want);
        free(q);
    }
    for (size_t i = 0; i < sizeof(allowed) / sizeof(*allowed); i++) {
        char *q = xasprintf("query=%s", allowed[i][0]);
        const char *opts[] = {q, NULL};
        struct aiwb_frame *f = read_ok(path, opts);

        assert_int_equal(frame_rows(f), atoi(allowed[i][1]));
        frame_free(f);
        free(q);
    }
    /* the settings under the authorizer: read-only, no trusted schema, and
     * damaged pages detected (else a damaged file may read as garbage) */
    for (size_t i = 0; i < sizeof(settings) / sizeof(*settings); i++) {
        char *q = xasprintf("query=PRAGMA %s", settings[i][0]);
        const char *opts[] = {q, NULL};
        struct aiwb_frame *f = read_ok(path, opts);

        expect_column(f, settings[i][0], AIWB_NUMERIC, settings[i][1]);
        frame_free(f);
        free(q);
    }
    assert_int_equal(count_of(path, "SELECT count(*) FROM people"), 4);
    after = slurp(path, &n1);
    assert_int_equal(n0, n1);
    assert_memory_equal(before, after, n0);
    /* VACUUM INTO and ATTACH made no file (the tests run in the scratch folder) */
    assert_int_equal(access("copy.db", F_OK), -1);
    assert_int_equal(access("other.db", F_OK), -1);
    free(before);
    free(after);
    free(path);
}

/* G-3: a runaway query is stopped by the time-out. */
static void
test_timeout(void **state)
{
    char *path = make_db("runaway.db", "CREATE TABLE t(a);");
    const char *count[] = {"query=WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
                           "SELECT count(*) AS n FROM c",
                           "timeout=1", NULL};
    const char *rows[] = {"query=WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
                          "SELECT x FROM c",
                          "timeout=0.5", NULL};
    const char *limited[] = {"query=WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM "
                             "c) SELECT x FROM c",
                             "limit=5", NULL};
    struct timespec t0;
    struct aiwb_frame *f;
    char *cause = NULL;

    (void)state;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    expect_error(path, path, count,
                 "'@' query, reading row 1: still running after 1 s, stopped (timeout=1; raise "
                 "it to wait longer)");
    print_message("# the runaway count stopped after %.2f s (timeout=1)\n", seconds_since(&t0));

    /* rows keep coming: stopped too, with the row it was at */
    f = tu_read(path, rows, &cause);
    assert_null(f);
    assert_non_null(strstr(cause, "still running after 0.5 s, stopped (timeout=0.5; raise it"));
    assert_int_equal(strncmp(cause, "'", 1), 0);
    assert_non_null(strstr(cause, "' query, reading row "));
    free(cause);

    f = read_ok(path, limited);
    expect_column(f, "x", AIWB_NUMERIC, "1|2|3|4|5");
    frame_free(f);
    free(path);
}

/* Write LEN bytes of TEXT to NAME in the scratch folder; returns its path. */
static char *
put(const char *name, const void *text, size_t len)
{
    return tu_write_file(tmp, name, text, len);
}

/* G-4: files that are not whole databases. */
static void
test_bad_files(void **state)
{
    const char *opts[] = {"table=t", NULL};
    const char *nocheck[] = {"table=t", "check=false", NULL};
    const char *check[] = {"table=t", "check=true", NULL};
    char *path, *bytes, *cause = NULL, *want, *dir;
    long long pages;
    size_t n;

    (void)state;
    path = put("text.db", "id,name\n1,ann\n", 14);
    expect_error(path, path, opts,
                 "'@' is not a sqlite database (it does not start with \"SQLite format 3\")");
    free(path);
    path = put("short.db", "SQLite for", 10);
    expect_error(path, path, opts,
                 "'@' is not a sqlite database (it does not start with \"SQLite format 3\")");
    free(path);
    path = put("empty.db", "", 0);
    expect_error(path, path, opts, "'@' is empty");
    free(path);
    path = path_of("missing.db");
    expect_error(path, path, opts, "cannot open '@': No such file or directory");
    free(path);
    dir = path_of("folder.db");
    mkdir(dir, 0777);
    expect_error(dir, dir, opts, "cannot read '@': Is a directory");
    free(dir);

    /* truncated: the header says more pages than the file has */
    path = make_db("whole.db", "CREATE TABLE t(a INTEGER, b TEXT);"
                               "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
                               "LIMIT 20000) INSERT INTO t SELECT x, printf('row %d', x) FROM c;");
    pages = count_of(path, "PRAGMA page_count");
    bytes = slurp(path, &n);
    assert_int_equal((long long)n, pages * 4096);
    free(path);
    path = put("truncated.db", bytes, n / 2);
    want = xasprintf("'@' is truncated: its header says %lld pages of 4096 bytes (%zu bytes), the "
                     "file has %zu",
                     pages, n, n / 2);
    expect_error(path, path, opts, want);
    free(want);
    free(path);

    /* a page size that is not a power of two */
    bytes[16] = 3;
    bytes[17] = 0;
    path = put("pagesize.db", bytes, n);
    expect_error(path, path, opts, "'@' is corrupt: its header gives a page size of 768");
    free(path);
    bytes[16] = 16;

    /* a damaged page in the middle: quick_check finds it, and without the
     * check the read fails (cell_size_check) and the check then names it */
    memset(bytes + 4096 * (n / 4096 / 2) + 100, 0xFF, 2000);
    path = put("damaged.db", bytes, n);
    cause = NULL;
    assert_null(tu_read(path, check, &cause));
    want = subst("'@' is corrupt (PRAGMA quick_check: ", path);
    assert_int_equal(strncmp(cause, want, strlen(want)), 0);
    free(cause);
    cause = NULL;
    assert_null(tu_read(path, opts, &cause)); /* a small file: checked by default */
    assert_int_equal(strncmp(cause, want, strlen(want)), 0);
    free(cause);
    cause = NULL;
    assert_null(tu_read(path, nocheck, &cause));
    assert_int_equal(strncmp(cause, want, strlen(want)), 0);
    assert_non_null(strstr(cause, "); reading row "));
    print_message("# %s\n", cause);
    free(cause);
    free(want);
    free(path);
    free(bytes);

    /* a name starting "file:" is a file name, not a URI that could create x.db */
    expect_error("sqlite:file:x.db?mode=rwc", "file:x.db?mode=rwc", opts,
                 "cannot open '@': No such file or directory");
    assert_int_equal(access("x.db", F_OK), -1);
}

/* Which table: neither, both, one that is not there, a view, any case. */
static void
test_tables(void **state)
{
    char *path = make_db("tables.db", people_sql), *empty;
    const char *neither[] = {NULL};
    const char *both[] = {"table=pets", "query=SELECT 1", NULL};
    const char *nope[] = {"table=nope", NULL};
    const char *view[] = {"table=adults", NULL};
    const char *upper[] = {"table=PETS", NULL};
    const char *query[] = {"query=SELECT * FROM nope", NULL};
    const char *dqs[] = {"table=v", NULL};
    struct aiwb_frame *f;

    (void)state;
    expect_error(path, path, neither,
                 "'@': say which table to read (table=NAME) or give a query (query='SELECT "
                 "...'); its tables: adults, people, pets");
    expect_error(path, path, both, "'@': give query= or table=, not both");
    expect_error(path, path, nope, "'@' has no table 'nope' (its tables: adults, people, pets)");
    expect_error(path, path, query,
                 "'@' query: no such table: nope (its tables: adults, people, pets)");
    f = read_ok(path, view);
    expect_column(f, "age", AIWB_NUMERIC, "34|51");
    frame_free(f);
    f = read_ok(path, upper);
    expect_column(f, "kind", AIWB_CATEGORICAL, "cat|dog|cat");
    frame_free(f);

    /* a schema written with double-quoted strings, which sqlite has always
     * accepted, still reads */
    free(path);
    path = make_db("dqs.db", "CREATE TABLE t(a TEXT CHECK (a <> \"zzz\"), b INTEGER);"
                             "INSERT INTO t VALUES ('abc', 1), ('x', 2);"
                             "CREATE VIEW v AS SELECT * FROM t WHERE a = \"abc\";"
                             "CREATE INDEX i ON t(a) WHERE a <> \"q\";");
    f = read_ok(path, dqs);
    expect_column(f, "b", AIWB_NUMERIC, "1");
    frame_free(f);

    empty = make_db("notables.db", "PRAGMA user_version = 1;");
    expect_error(empty, empty, neither, "'@' has no tables");
    expect_error(empty, empty, nope, "'@' has no table 'nope' (it has no tables)");
    free(empty);
    free(path);
}

/* SQL errors name the place in the query, counted in characters. */
static void
test_sql_errors(void **state)
{
    static const char *const cases[][2] = {
        {"SELEC * FROM people", "'@' query character 1: near \"SELEC\": syntax error"},
        {"SELECT nme FROM people", "'@' query character 8: no such column: nme"},
        {"SELECT 'é' AS a, nme FROM people", "'@' query character 18: no such column: nme"},
        {"SELECT * FROM people WHERE", "'@' query: incomplete input"},
        {"", "'@': the query is empty"},
        {"  -- only a comment", "'@': the query is empty"},
        {"SELECT abs(-9223372036854775807 - 1) AS a", "'@' query, reading row 1: integer overflow"},
    };
    char *path = make_db("sqlerr.db", people_sql);

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        char *q = xasprintf("query=%s", cases[i][0]);
        const char *opts[] = {q, NULL};

        expect_error(path, path, opts, cases[i][1]);
        free(q);
    }
    free(path);
}

/* No rows: a frame with the result's columns, typed by their declarations. */
static void
test_empty_result(void **state)
{
    char *path = make_db("emptyres.db", people_sql);
    const char *opts[] = {"query=SELECT * FROM people WHERE id > 100", NULL};
    struct aiwb_frame *f;

    (void)state;
    f = read_ok(path, opts);
    assert_int_equal(frame_rows(f), 0);
    expect_names(f, "id|age|height|name|code|mixed|note|empty_text|empty_real");
    col(f, "id", AIWB_NUMERIC);
    col(f, "height", AIWB_NUMERIC);
    col(f, "name", AIWB_CATEGORICAL);
    col(f, "code", AIWB_CATEGORICAL);
    col(f, "mixed", AIWB_NUMERIC); /* no declared type */
    frame_free(f);
    free(path);
}

/* Column names from the result: repeated and empty names made unique. */
static void
test_names(void **state)
{
    char *path = make_db("names.db", people_sql);
    const char *dup[] = {"query=SELECT 1 AS a, 2 AS a, 3 AS \"a.1\", 4 AS \"\", 5 AS V4", NULL};
    const char *join[] = {"query=SELECT p.id, q.id FROM people p JOIN people q ON p.id = q.id",
                          NULL};
    struct aiwb_frame *f;

    (void)state;
    clear_log();
    f = read_ok(path, dup);
    expect_names(f, "a|a.2|a.1|V4|V4.1");
    expect_logged(path, "'@': column 2 is also named 'a' (as column 1), called it 'a.2'\n"
                        "'@': column 4 has no name, called it 'V4'\n"
                        "'@': column 5 is also named 'V4' (as column 4), called it 'V4.1'\n");
    frame_free(f);
    f = read_ok(path, join);
    expect_names(f, "id|id.1");
    frame_free(f);
    free(path);
}

/* What a frame cannot hold: a BLOB, text with a NUL, text that is not UTF-8. */
static void
test_unreadable_values(void **state)
{
    char *path = make_db("blob.db", "CREATE TABLE t(id INTEGER, b BLOB);"
                                    "INSERT INTO t VALUES (1, NULL), (2, x'00ff');");
    const char *blob[] = {"table=t", NULL};
    const char *nul[] = {"query=SELECT 'a' || char(0) || 'b' AS s", NULL};
    const char *latin1[] = {"query=SELECT 'ok' AS s UNION ALL SELECT CAST(x'41ff42' AS TEXT)",
                            NULL};
    const char *cast[] = {"query=SELECT id, CAST(b AS TEXT) IS NULL AS gone FROM t WHERE id = 1",
                          NULL};
    struct aiwb_frame *f;

    (void)state;
    expect_error(path, path, blob,
                 "'@' row 2: column 'b' holds a BLOB, which aiwb cannot read (leave the column "
                 "out of the query, or CAST it)");
    expect_error(path, path, nul, "'@' row 1: column 's' holds text with a NUL byte");
    expect_error(path, path, latin1,
                 "'@' row 2: column 's' holds text that is not valid UTF-8 (byte 2)");
    f = read_ok(path, cast);
    expect_column(f, "gone", AIWB_NUMERIC, "1");
    frame_free(f);
    free(path);
}

/* Integers past 2^53 are read as the nearest double, with a warning; as
 * levels they keep every digit. */
static void
test_big_integers(void **state)
{
    char *path = make_db("bigint.db", "CREATE TABLE t(a);");
    const char *nums[] = {"query=SELECT 9007199254740993 AS big UNION ALL SELECT "
                          "9007199254740995 UNION ALL SELECT 3",
                          NULL};
    struct aiwb_frame *f;
    size_t c;

    (void)state;
    clear_log();
    f = read_ok(path, nums);
    c = col(f, "big", AIWB_NUMERIC);
    assert_true(frame_numeric(f, c)[0] == 9007199254740992.0);
    assert_true(frame_numeric(f, c)[1] == 9007199254740996.0);
    expect_logged(path, "'@' row 1: column 'big' holds 9007199254740993, which a number cannot "
                        "hold exactly (read as 9007199254740992)\n");
    frame_free(f);
    free(path);
}

/* The ways to name a database. */
static void
test_uri_forms(void **state)
{
    char *path = make_db("forms.db", people_sql), *bytes, *other, *uri;
    const char *opts[] = {"table=pets", NULL};
    const char *forms[] = {"sqlite:%s", "sqlite://%s", "%s"};
    struct aiwb_frame *f;
    size_t n;

    (void)state;
    for (size_t i = 0; i < sizeof(forms) / sizeof(*forms); i++) {
        uri = xasprintf(forms[i], path);
        f = read_ok(uri, opts);
        assert_int_equal(frame_rows(f), 3);
        frame_free(f);
        free(uri);
    }
    bytes = slurp(path, &n);
    other = put("forms.sqlite3", bytes, n);
    f = read_ok(other, opts);
    assert_int_equal(frame_rows(f), 3);
    frame_free(f);
    free(other);
    /* a relative name starting "file:" (the tests run in the scratch folder) */
    other = put("file:forms.db", bytes, n);
    f = read_ok("sqlite:file:forms.db", opts);
    assert_int_equal(frame_rows(f), 3);
    frame_free(f);
    free(other);
    free(bytes);
    free(path);
}

/* A database in WAL mode whose latest rows are still in the -wal file, with
 * a writer holding it open; and one a writer has locked. */
static void
test_live_database(void **state)
{
    char *path = path_of("live.db");
    const char *opts[] = {"table=t", NULL};
    const char *wait[] = {"table=t", "timeout=0.2", "check=false", NULL};
    const char *query[] = {"query=SELECT * FROM t", "timeout=0.2", "check=false", NULL};
    sqlite3 *w = NULL;
    struct aiwb_frame *f;

    (void)state;
    unlink(path);
    assert_int_equal(sqlite3_open(path, &w), SQLITE_OK);
    assert_int_equal(sqlite3_exec(w,
                                  "PRAGMA journal_mode = WAL; CREATE TABLE t(a INTEGER);"
                                  "INSERT INTO t VALUES (1), (2), (3);",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    f = read_ok(path, opts);
    expect_column(f, "a", AIWB_NUMERIC, "1|2|3");
    frame_free(f);
    sqlite3_close(w);
    free(path);

    path = make_db("locked.db", "CREATE TABLE t(a INTEGER); INSERT INTO t VALUES (1);");
    assert_int_equal(sqlite3_open(path, &w), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(w, "BEGIN EXCLUSIVE; INSERT INTO t VALUES (2);", NULL, NULL, NULL), SQLITE_OK);
    expect_error(path, path, wait, "'@': database is locked");
    expect_error(path, path, query, "'@' query: database is locked");
    sqlite3_exec(w, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(w);
    free(path);
}

/* 100,000 rows of every kind read back exactly; the time is reported. */
static void
test_large(void **state)
{
    enum { N = 100000 };
    static const char *const kinds[] = {"alpha", "beta", "gamma", "delta", "epsilon"};
    char *path = make_db("large.db", "CREATE TABLE t(id INTEGER, x REAL, k TEXT, n INTEGER);");
    const char *opts[] = {"table=t", NULL};
    const char *quick[] = {"table=t", "check=true", "timeout=0.000001", NULL};
    double *x = xmalloc(N * sizeof(*x));
    int64_t *n = xmalloc(N * sizeof(*n));
    int *k = xmalloc(N * sizeof(*k));
    uint64_t seed = 42;
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    struct timespec t0;
    struct aiwb_frame *f;
    const double *gx, *gid, *gn;
    const int32_t *gk;

    (void)state;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    sqlite3_prepare_v2(db, "INSERT INTO t VALUES (?1, ?2, ?3, ?4)", -1, &st, NULL);
    for (int i = 0; i < N; i++) {
        x[i] = (double)(next_random(&seed) >> 11) * 0x1p-53 * 200 - 100;
        n[i] = (int64_t)(next_random(&seed) % 2000001) - 1000000;
        k[i] = (int)(next_random(&seed) % 6); /* 5: NULL */
        sqlite3_bind_int(st, 1, i);
        if (i % 11 == 0)
            sqlite3_bind_null(st, 2);
        else
            sqlite3_bind_double(st, 2, x[i]);
        if (k[i] < 5)
            sqlite3_bind_text(st, 3, kinds[k[i]], -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 3);
        sqlite3_bind_int64(st, 4, n[i]);
        assert_int_equal(sqlite3_step(st), SQLITE_DONE);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(db);

    clock_gettime(CLOCK_MONOTONIC, &t0);
    f = read_ok(path, opts);
    print_message("# read %d rows x 4 columns in %.3f s\n", N, seconds_since(&t0));
    assert_int_equal(frame_rows(f), N);
    gid = frame_numeric(f, col(f, "id", AIWB_NUMERIC));
    gx = frame_numeric(f, col(f, "x", AIWB_NUMERIC));
    gn = frame_numeric(f, col(f, "n", AIWB_NUMERIC));
    gk = frame_codes(f, col(f, "k", AIWB_CATEGORICAL));
    assert_int_equal(frame_nlevels(f, 2), 5);
    for (int i = 0; i < N; i++) {
        if (gid[i] != i || gn[i] != (double)n[i] || (i % 11 == 0 ? !isnan(gx[i]) : gx[i] != x[i]))
            fail_msg("row %d differs", i);
        if (k[i] == 5 ? gk[i] != AIWB_NA_CODE : strcmp(frame_level(f, 2, gk[i]), kinds[k[i]]) != 0)
            fail_msg("row %d: level differs", i);
    }
    frame_free(f);

    /* the time-out counts the check too (sqlite calls the progress handler
     * after 1000 steps, which a check of 100,000 rows takes many times) */
    expect_error(path, path, quick,
                 "'@': PRAGMA quick_check still running after 1e-06 s, stopped (check=false "
                 "skips it; timeout=1e-06)");
    free(x);
    free(n);
    free(k);
    free(path);
}

/* Options the host checks against the spec. */
static void
test_options(void **state)
{
    char *path = make_db("opts.db", people_sql);
    const char *neg[] = {"table=pets", "limit=-1", NULL};
    const char *slow[] = {"table=pets", "timeout=-2", NULL};
    const char *limit[] = {"table=people", "limit=2", NULL};
    const char *zero[] = {"table=people", "timeout=0", "limit=0", NULL};
    struct aiwb_frame *f;
    char *cause = NULL;

    (void)state;
    assert_null(tu_read(path, neg, &cause));
    assert_non_null(strstr(cause, "limit must be"));
    free(cause);
    cause = NULL;
    assert_null(tu_read(path, slow, &cause));
    assert_non_null(strstr(cause, "timeout must be"));
    free(cause);
    f = read_ok(path, limit);
    expect_column(f, "id", AIWB_NUMERIC, "1|2");
    frame_free(f);
    f = read_ok(path, zero);
    assert_int_equal(frame_rows(f), 4);
    frame_free(f);
    free(path);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registered),    cmocka_unit_test(test_open_next_close),
        cmocka_unit_test(test_types),         cmocka_unit_test(test_mixed),
        cmocka_unit_test(test_params),        cmocka_unit_test(test_injection),
        cmocka_unit_test(test_read_only),     cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_bad_files),     cmocka_unit_test(test_tables),
        cmocka_unit_test(test_sql_errors),    cmocka_unit_test(test_empty_result),
        cmocka_unit_test(test_names),         cmocka_unit_test(test_unreadable_values),
        cmocka_unit_test(test_big_integers),  cmocka_unit_test(test_uri_forms),
        cmocka_unit_test(test_live_database), cmocka_unit_test(test_large),
        cmocka_unit_test(test_options),
    };
    char *cwd;
    int rc;

    tmp = tu_tmpdir("sqlite");
    /* relative names ("file:x.db", ATTACH 'other.db') land in the scratch folder */
    cwd = getcwd(NULL, 0);
    if (chdir(tmp) != 0)
        return 99;
    tu_load_plugins();
    log_set_sink(capture, NULL, AIWB_LOG_WARN);
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    if (cwd != NULL && chdir(cwd) != 0)
        rc = 99;
    free(cwd);
    registry_shutdown();
    free(tmp);
    return rc;
}
