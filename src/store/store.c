/*
 * store.c - the workspace: one sqlite file of datasets, runs, curves,
 * evaluations, versioned models with their promotions and exports, and drift
 * reports, with its schema and its migrations.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A workspace is recognised by PRAGMA application_id (set when the file is
 * created) and versioned by PRAGMA user_version. migrations[v] takes a file
 * from version v to v + 1; a later schema appends a step and raises
 * STORE_SCHEMA_VERSION. Every write is one transaction taken with BEGIN
 * IMMEDIATE, so a second process waits for the write lock (busy timeout)
 * instead of failing half-way, and a kill -9 leaves either all of a write
 * or none of it.
 *
 * Curve points are buffered and committed in batches; a flusher thread,
 * started with the first point, commits a point that waited CURVE_INTERVAL_MS
 * even when no other call comes. Every public function holds the store's
 * lock, so the job's worker thread and the prompt's thread may share a
 * store. A store must not be used across fork().
 */
#include <config.h>

#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/codec.h"
#include "core/log.h"
#include "core/table.h"
#include "core/xalloc.h"

/* PRAGMA application_id of every workspace: "AIWB" in ASCII. */
#define APPLICATION_ID 0x41495742
#define BUSY_TIMEOUT_MS 5000
/* Curve points are committed together every CURVE_BATCH points or
 * CURVE_INTERVAL_MS milliseconds, whichever comes first. */
#define CURVE_BATCH 100
#define CURVE_INTERVAL_MS 200
#define INTERRUPTED_MESSAGE "the process running it ended without finishing it"

/*
 * The schema, one step per version: migrations[v] takes a workspace from
 * version v to v + 1 and runs inside the transaction that opens the file.
 * Times are ISO-8601 UTC text with milliseconds; a NaN metric or curve
 * value is stored as NULL (sqlite has no NaN).
 */
static const char *const migrations[STORE_SCHEMA_VERSION] = {
    /* 0 -> 1: the first schema. */
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
    "  seed INTEGER NOT NULL," /* the uint64_t seed's bits as a signed integer */
    "  command TEXT,"
    "  status TEXT NOT NULL"
    "    CHECK (status IN ('running', 'finished', 'failed', 'interrupted')),"
    "  owner_pid INTEGER," /* the process running it ... */
    "  owner_start INTEGER," /* ... and its start time (/proc/PID/stat field 22) */
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
    "  version INTEGER," /* NULL: a model not saved yet */
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
    "  crc32 TEXT NOT NULL," /* codec_crc32 of the blob, 8 hex digits */
    "  created TEXT NOT NULL,"
    "  UNIQUE (name, version));"
    "CREATE INDEX models_run ON models (run);",
    /* 1 -> 2: a dataset's data, kept by `save`, and when it was saved. */
    "ALTER TABLE datasets ADD COLUMN data BLOB;"
    "ALTER TABLE datasets ADD COLUMN saved TEXT;",
    /* 2 -> 3: cross-validation: the folds a run used, and each metric's mean
     * and standard deviation over them (the values of the folds are the
     * run's curve, a step per fold). */
    "ALTER TABLE runs ADD COLUMN folds TEXT;"
    "CREATE TABLE run_metrics ("
    "  run INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
    "  name TEXT NOT NULL,"
    "  seq INTEGER NOT NULL," /* the order the metrics were reported in */
    "  mean REAL,"
    "  sd REAL,"
    "  folds INTEGER NOT NULL,"
    "  PRIMARY KEY (run, name)) WITHOUT ROWID;",
    /* 3 -> 4: drift reports of `drift REF CUR`: the report, then one row per
     * statistic of each column, with what redraws its chart (the
     * distributions as a codec blob). A column's fields (type, counts, flag)
     * repeat on each of its statistics' rows. */
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
    "  seq INTEGER NOT NULL," /* the column's place in the report */
    "  column TEXT NOT NULL,"
    "  type TEXT NOT NULL,"
    "  n_ref INTEGER NOT NULL," /* non-missing values */
    "  n_cur INTEGER NOT NULL,"
    "  flag TEXT NOT NULL," /* the column's verdict */
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
    "  PRIMARY KEY (report, column, stat)) WITHOUT ROWID;",
    /* 4 -> 5: a run the user stopped (`stop`, Ctrl-C) is 'cancelled', no
     * longer 'interrupted' (which now means only: its process ended without
     * finishing it). Widening a CHECK constraint is the kind of change
     * sqlite's ALTER TABLE page does through writable_schema (existing rows
     * all satisfy the wider constraint); migrate() then bumps
     * schema_version so every connection parses the new text. A table
     * rebuild would cascade-delete the curves under foreign_keys. */
    "PRAGMA writable_schema = ON;"
    "UPDATE sqlite_schema SET sql = replace(sql, '''failed'', ''interrupted'')',"
    "  '''failed'', ''interrupted'', ''cancelled'')')"
    "  WHERE type = 'table' AND name = 'runs';"
    "PRAGMA writable_schema = OFF;",
    /* 5 -> 6: the model lifecycle. A promotion marks a version of a model
     * live from its time until the model's next promotion (`promote`); it
     * remembers the version it replaced and the dataset champion and
     * challenger were compared on. An export is a version written as a
     * server into a folder (`export`). Both refer to the version they name,
     * which the workspace never deletes. */
    "CREATE TABLE promotions ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  model TEXT NOT NULL,"
    "  version INTEGER NOT NULL,"
    "  previous INTEGER," /* the version live before, NULL if none was */
    "  promoted TEXT NOT NULL,"
    "  dataset TEXT," /* where champion and challenger were compared, or NULL */
    "  note TEXT,"
    "  FOREIGN KEY (model, version) REFERENCES models (name, version));"
    "CREATE INDEX promotions_model ON promotions (model, id);"
    "CREATE TABLE exports ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  model TEXT NOT NULL,"
    "  version INTEGER NOT NULL,"
    "  folder TEXT NOT NULL,"
    "  exported TEXT NOT NULL,"
    "  FOREIGN KEY (model, version) REFERENCES models (name, version));"
    "CREATE INDEX exports_model ON exports (model, version);",
};

struct curve_point {
    int64_t run, step;
    char *name;
    double value;
};

struct store {
    sqlite3 *db;
    char *path;
    long long pid;      /* this process, the owner of the runs it begins ... */
    uint64_t start;     /* ... and its start time, 0 if unknown */
    int64_t curve_run;  /* the last run known to exist, 0 if none */

    pthread_mutex_t lock; /* held by every public function and by the flusher */
    pthread_cond_t wake;  /* the flusher's: points arrived, or closing */
    pthread_t flusher;
    int flusher_state;    /* 0 not started, 1 running, -1 could not start */
    int closing;

    struct curve_point *points; /* buffered, not committed yet */
    size_t npoints, apoints;
    size_t batch;       /* commit when npoints reaches it */
    int64_t due;        /* CLOCK_MONOTONIC ms when the buffer must be committed */
    char *bg_cause;     /* why the flusher's last commit failed, NULL if it did not */
    int bg_status;
};

/* A column of a listing: its title and kind. */
struct column {
    const char *name;
    enum aiwb_table_kind kind;
};

static void
set_cause(char **cause, char *msg)
{
    if (cause != NULL)
        *cause = msg;
    else
        free(msg);
}

static int
status_of(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_NOMEM:
        return AIWB_ENOMEM;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return AIWB_EDATA;
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_RANGE:
        return AIWB_EINVAL;
    default:
        return AIWB_EIO;
    }
}

/*
 * Set *CAUSE to "cannot WHAT in 'PATH': <sqlite's message>" and return the
 * matching status. Call it before anything else touches the connection
 * (finalize, rollback), which could replace sqlite's message.
 */
static int __attribute__((format(printf, 3, 4)))
fail(struct store *s, char **cause, const char *fmt, ...)
{
    int rc = sqlite3_errcode(s->db);
    va_list ap;
    char *what;

    va_start(ap, fmt);
    what = xvasprintf(fmt, ap);
    va_end(ap);
    set_cause(cause, xasprintf("cannot %s in '%s': %s", what, s->path, sqlite3_errmsg(s->db)));
    free(what);
    return rc == SQLITE_OK ? AIWB_EIO : status_of(rc);
}

static int __attribute__((format(printf, 2, 3)))
invalid(char **cause, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    set_cause(cause, xvasprintf(fmt, ap));
    va_end(ap);
    return AIWB_EINVAL;
}

static int
prepare(struct store *s, sqlite3_stmt **st, const char *sql)
{
    return sqlite3_prepare_v2(s->db, sql, -1, st, NULL);
}

static int
exec(struct store *s, const char *sql)
{
    return sqlite3_exec(s->db, sql, NULL, NULL, NULL);
}

static int
begin(struct store *s)
{
    return exec(s, "BEGIN IMMEDIATE");
}

/* Undo the open transaction, if any; sqlite's message is lost after it. */
static void
rollback(struct store *s)
{
    if (!sqlite3_get_autocommit(s->db))
        exec(s, "ROLLBACK");
}

/* Bind S, or NULL when S is NULL; S must outlive the statement's step. */
static int
bind_text(sqlite3_stmt *st, int i, const char *s)
{
    return s == NULL ? sqlite3_bind_null(st, i) : sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

/* Bind V, or NULL for a NaN, which sqlite cannot store. */
static int
bind_real(sqlite3_stmt *st, int i, double v)
{
    return isnan(v) ? sqlite3_bind_null(st, i) : sqlite3_bind_double(st, i, v);
}

/* Now as ISO-8601 UTC with milliseconds: "2026-11-27T06:12:03.123Z". */
static void
now_iso(char buf[32])
{
    struct timespec ts;
    struct tm tm;
    size_t n;

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    n = strftime(buf, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, 32 - n, ".%03dZ", (int)(ts.tv_nsec / 1000000) % 1000);
}

static int64_t
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Look process PID up in /proc: 1 with *START set to its start time (field
 * 22 of /proc/PID/stat, clock ticks after boot) if it exists and is not a
 * zombie, 0 if it is gone, -1 if /proc cannot tell.
 */
static int
proc_start(long long pid, uint64_t *start)
{
    char path[64], buf[1024], *p, *end;
    ssize_t n;
    int fd, field;

    snprintf(path, sizeof path, "/proc/%lld/stat", pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT || errno == ESRCH ? 0 : -1;
    n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return n == 0 || errno == ESRCH ? 0 : -1;
    buf[n] = '\0';
    /* Field 2 is the command in parentheses and may hold anything, even
     * ") ", so fields are counted from the last ')'. */
    p = strrchr(buf, ')');
    if (p == NULL || p[1] != ' ')
        return -1;
    p += 2;
    if (*p == 'Z' || *p == 'X' || *p == 'x')
        return 0; /* field 3, the state: dead, not yet reaped */
    for (field = 3; field < 22; field++) {
        p = strchr(p, ' ');
        if (p == NULL)
            return -1;
        p++;
    }
    *start = strtoull(p, &end, 10);
    return end == p ? -1 : 1;
}

/* Whether the process that began a run (PID, started at START, 0 if
 * unknown) still runs: a recycled pid has another start time. */
static int
owner_alive(long long pid, uint64_t start)
{
    uint64_t now_start = 0;
    int r;

    if (pid <= 0)
        return 0;
    r = access("/proc/self/stat", R_OK) == 0 ? proc_start(pid, &now_start) : -1;
    if (r < 0)
        return kill((pid_t)pid, 0) == 0 || errno == EPERM;
    if (r == 0)
        return 0;
    return start == 0 || now_start == start;
}

/* The single integer SQL answers, 0 if it returns no row. A sqlite code. */
static int
query_int(struct store *s, const char *sql, int64_t *v)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare(s, &st, sql);

    *v = 0;
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW)
            *v = sqlite3_column_int64(st, 0);
        if (rc == SQLITE_ROW || rc == SQLITE_DONE)
            rc = SQLITE_OK;
    }
    /* On an error finalize keeps sqlite's code and message on the connection. */
    sqlite3_finalize(st);
    return rc;
}

/*
 * Decide whether the open file is a workspace this program may use: *VERSION
 * gets its schema version, 0 for an empty file that is to become one.
 */
static int
classify(struct store *s, int64_t *version, char **cause)
{
    int64_t app, tables;
    int rc;

    rc = query_int(s, "PRAGMA application_id", &app);
    if (rc == SQLITE_OK)
        rc = query_int(s, "PRAGMA user_version", version);
    if (rc == SQLITE_OK)
        rc = query_int(s, "SELECT count(*) FROM sqlite_master", &tables);
    if ((rc & 0xff) == SQLITE_NOTADB) {
        set_cause(cause, xasprintf("'%s' is not an aiwb workspace (not a sqlite database)",
                                   s->path));
        return AIWB_EDATA;
    }
    if (rc != SQLITE_OK) {
        set_cause(cause, xasprintf("cannot open workspace '%s': %s", s->path,
                                   sqlite3_errmsg(s->db)));
        return status_of(rc);
    }
    if (app == 0 && tables == 0 && *version == 0)
        return AIWB_OK;
    if (app != APPLICATION_ID) {
        set_cause(cause, xasprintf("'%s' is not an aiwb workspace (a sqlite database of "
                                   "another program)", s->path));
        return AIWB_EDATA;
    }
    if (*version > STORE_SCHEMA_VERSION) {
        set_cause(cause, xasprintf("workspace '%s' has schema version %" PRId64 "; this aiwb "
                                   "reads versions up to %d", s->path, *version,
                                   STORE_SCHEMA_VERSION));
        return AIWB_ENOTSUP;
    }
    return AIWB_OK;
}

/* Bring the schema from VERSION to STORE_SCHEMA_VERSION, inside the open
 * transaction. */
static int
migrate(struct store *s, int64_t version, char **cause)
{
    char sql[64];
    int64_t v;

    if (version == STORE_SCHEMA_VERSION)
        return AIWB_OK;
    if (version == 0) {
        snprintf(sql, sizeof sql, "PRAGMA application_id = %d", APPLICATION_ID);
        if (exec(s, sql) != SQLITE_OK)
            goto fail;
    }
    for (v = version; v < STORE_SCHEMA_VERSION; v++) {
        if (exec(s, migrations[v]) != SQLITE_OK)
            goto fail;
        if (v == 4) { /* the schema's text changed under sqlite: say so */
            int64_t sv;

            if (query_int(s, "PRAGMA schema_version", &sv) != SQLITE_OK)
                goto fail;
            snprintf(sql, sizeof sql, "PRAGMA schema_version = %" PRId64, sv + 1);
            if (exec(s, sql) != SQLITE_OK)
                goto fail;
        }
    }
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", STORE_SCHEMA_VERSION);
    if (exec(s, sql) != SQLITE_OK)
        goto fail;
    return AIWB_OK;
fail:
    if (version == 0)
        set_cause(cause, xasprintf("cannot create workspace '%s': %s", s->path,
                                   sqlite3_errmsg(s->db)));
    else
        set_cause(cause, xasprintf("cannot upgrade workspace '%s' from schema version %" PRId64
                                   " to %d: %s", s->path, version, STORE_SCHEMA_VERSION,
                                   sqlite3_errmsg(s->db)));
    return status_of(sqlite3_errcode(s->db));
}

/* The runs still marked running whose owner is gone: *IDS gets a new array
 * of *N ids (NULL if none) that the caller frees. */
static int
orphan_runs(struct store *s, int64_t **ids, size_t *n, char **cause)
{
    sqlite3_stmt *st = NULL;
    size_t alloc = 0;
    int rc, ret = AIWB_OK;

    *ids = NULL;
    *n = 0;
    rc = prepare(s, &st, "SELECT id, owner_pid, owner_start FROM runs WHERE status = 'running'");
    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        rc = SQLITE_OK;
        if (owner_alive(sqlite3_column_int64(st, 1), (uint64_t)sqlite3_column_int64(st, 2)))
            continue;
        if (*n == alloc) {
            alloc = alloc ? 2 * alloc : 8;
            *ids = xreallocarray(*ids, alloc, sizeof **ids);
        }
        (*ids)[(*n)++] = sqlite3_column_int64(st, 0);
    }
    if (rc != SQLITE_DONE)
        ret = fail(s, cause, "look for interrupted runs");
    sqlite3_finalize(st);
    return ret;
}

/* Mark 'interrupted' the running runs whose owner is gone, inside the open
 * transaction. */
static int
mark_interrupted(struct store *s, char **cause)
{
    sqlite3_stmt *st = NULL;
    int64_t *ids;
    size_t n, i;
    int rc, ret;

    ret = orphan_runs(s, &ids, &n, cause);
    if (ret < 0 || n == 0)
        goto out;
    /* When it ended is unknown, so finished stays NULL; how far it got is
     * the last step its curve recorded. */
    rc = prepare(s, &st, "UPDATE runs SET status = 'interrupted', message = ?1, "
                         "iterations = (SELECT MAX(step) FROM curves WHERE run = ?2) "
                         "WHERE id = ?2 AND status = 'running'");
    for (i = 0; rc == SQLITE_OK && i < n; i++) {
        sqlite3_bind_text(st, 1, INTERRUPTED_MESSAGE, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, ids[i]);
        rc = sqlite3_step(st);
        if (rc == SQLITE_DONE)
            rc = sqlite3_reset(st);
    }
    if (rc != SQLITE_OK)
        ret = fail(s, cause, "mark interrupted runs");
out:
    sqlite3_finalize(st);
    free(ids);
    return ret;
}

/* The message of a failed sqlite3_open_v2: the system's reason if it has one. */
static char *
open_error(struct store *s, int rc)
{
    int err = s->db != NULL ? sqlite3_system_errno(s->db) : 0;
    const char *why;

    if ((rc & 0xff) == SQLITE_CANTOPEN && err != 0)
        why = strerror(err);
    else
        why = s->db != NULL ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc);
    return xasprintf("cannot open workspace '%s': %s", s->path, why);
}

/* Set the connection up and bring the file to the current schema. */
static int
setup(struct store *s, char **cause)
{
    int64_t version;
    int ret;

    sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
    /* Look before changing anything: a foreign file is left as it was. */
    ret = classify(s, &version, cause);
    if (ret < 0)
        return ret;
    if (sqlite3_db_readonly(s->db, "main") == 1) {
        set_cause(cause, xasprintf("cannot open workspace '%s': the file is read-only", s->path));
        return AIWB_EIO;
    }
    if (exec(s, "PRAGMA journal_mode = WAL") != SQLITE_OK ||
        exec(s, "PRAGMA synchronous = NORMAL") != SQLITE_OK ||
        exec(s, "PRAGMA foreign_keys = ON") != SQLITE_OK)
        goto fail;
    if (version == STORE_SCHEMA_VERSION) {
        /* Nothing to write, most of the time: then a file another process
         * holds the write lock of opens at once, for reading at least. */
        int64_t *ids;
        size_t n;

        ret = orphan_runs(s, &ids, &n, cause);
        free(ids);
        if (ret < 0 || n == 0)
            return ret;
    }
    if (begin(s) != SQLITE_OK)
        goto fail;
    /* Again under the write lock: another process may have created it. */
    ret = classify(s, &version, cause);
    if (ret == AIWB_OK)
        ret = migrate(s, version, cause);
    if (ret == AIWB_OK)
        ret = mark_interrupted(s, cause);
    if (ret == AIWB_OK && exec(s, "COMMIT") != SQLITE_OK) {
        set_cause(cause, xasprintf("cannot open workspace '%s': %s", s->path,
                                   sqlite3_errmsg(s->db)));
        ret = status_of(sqlite3_errcode(s->db));
    }
    if (ret < 0)
        rollback(s);
    return ret;
fail:
    set_cause(cause, xasprintf("cannot open workspace '%s': %s", s->path, sqlite3_errmsg(s->db)));
    return status_of(sqlite3_errcode(s->db));
}

/*
 * Open the workspace at PATH, creating it if needed, upgrading an older
 * schema and marking interrupted the runs of processes that are gone.
 * Returns a store the caller closes with store_close(), or NULL with *cause
 * set (a file that is not a workspace, of a newer schema, locked, ...).
 */
struct store *
store_open(const char *path, char **cause)
{
    struct store *s = xcalloc(1, sizeof *s);
    pthread_condattr_t attr;
    struct stat st;
    int rc;

    s->path = xstrdup(path);
    s->pid = (long long)getpid();
    if (proc_start(s->pid, &s->start) != 1)
        s->start = 0;
    s->batch = CURVE_BATCH;
    pthread_mutex_init(&s->lock, NULL);
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&s->wake, &attr);
    pthread_condattr_destroy(&attr);
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        set_cause(cause, xasprintf("cannot open workspace '%s': %s", path, strerror(EISDIR)));
        goto fail;
    }
    rc = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc != SQLITE_OK) {
        set_cause(cause, open_error(s, rc));
        goto fail;
    }
    if (setup(s, cause) < 0)
        goto fail;
    return s;
fail:
    sqlite3_close(s->db);
    pthread_cond_destroy(&s->wake);
    pthread_mutex_destroy(&s->lock);
    free(s->path);
    free(s);
    return NULL;
}

static void
drop_points(struct store *s)
{
    size_t i;

    for (i = 0; i < s->npoints; i++)
        free(s->points[i].name);
    s->npoints = 0;
}

/* Commit the buffered curve points in one transaction; the lock is held. On
 * failure they stay buffered, and the next attempt waits for another batch
 * or interval, so that a locked file does not hold every point up for the
 * busy timeout. */
static int
flush_points(struct store *s, char **cause)
{
    sqlite3_stmt *st = NULL;
    size_t i;
    int rc, ret;

    if (s->npoints == 0)
        return AIWB_OK;
    rc = begin(s);
    if (rc == SQLITE_OK)
        rc = prepare(s, &st, "INSERT OR REPLACE INTO curves (run, step, name, value) "
                             "VALUES (?1, ?2, ?3, ?4)");
    for (i = 0; rc == SQLITE_OK && i < s->npoints; i++) {
        const struct curve_point *p = &s->points[i];

        sqlite3_bind_int64(st, 1, p->run);
        sqlite3_bind_int64(st, 2, p->step);
        bind_text(st, 3, p->name);
        bind_real(st, 4, p->value);
        rc = sqlite3_step(st);
        if (rc == SQLITE_DONE)
            rc = sqlite3_reset(st);
    }
    if (rc == SQLITE_OK)
        rc = exec(s, "COMMIT");
    if (rc != SQLITE_OK) {
        ret = fail(s, cause, "record curve points");
        sqlite3_finalize(st);
        rollback(s);
        s->batch = s->npoints + CURVE_BATCH;
        s->due = now_ms() + CURVE_INTERVAL_MS;
        return ret;
    }
    sqlite3_finalize(st);
    drop_points(s);
    s->batch = CURVE_BATCH;
    free(s->bg_cause);
    s->bg_cause = NULL;
    return AIWB_OK;
}

/* The flusher thread: commits the buffer once its oldest point has waited
 * CURVE_INTERVAL_MS. A failure is kept for the next store_run_curve() to
 * report, since this thread has no caller to tell. */
static void *
flusher(void *arg)
{
    struct store *s = arg;
    struct timespec ts;
    char *cause;
    int ret;

    pthread_mutex_lock(&s->lock);
    while (!s->closing) {
        if (s->npoints == 0) {
            pthread_cond_wait(&s->wake, &s->lock);
            continue;
        }
        if (now_ms() < s->due) {
            ts.tv_sec = (time_t)(s->due / 1000);
            ts.tv_nsec = (long)(s->due % 1000) * 1000000L;
            pthread_cond_timedwait(&s->wake, &s->lock, &ts);
            continue;
        }
        cause = NULL;
        ret = flush_points(s, &cause);
        if (ret < 0) {
            free(s->bg_cause);
            s->bg_cause = cause;
            s->bg_status = ret;
        }
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

/* Start the flusher, with every signal blocked so that it never takes one
 * meant for the program (Ctrl-C). Without it points are still committed by
 * the calls that follow them, only not on time. */
static void
start_flusher(struct store *s)
{
    sigset_t all, old;

    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    s->flusher_state = pthread_create(&s->flusher, NULL, flusher, s) == 0 ? 1 : -1;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (s->flusher_state < 0)
        log_msg(AIWB_LOG_WARN, "cannot start the thread that commits curve points to '%s'",
                s->path);
}

/* Commit the buffered points, logging a failure: listings then show the
 * latest numbers, and a listing does not fail for a busy file. */
static void
flush_quietly(struct store *s)
{
    char *cause = NULL;

    if (flush_points(s, &cause) < 0)
        log_msg(AIWB_LOG_WARN, "%s", cause);
    free(cause);
}

/* Stop the flusher, commit the buffered curve points (logging a warning if
 * that fails: the points are lost) and close S. store_close(NULL) does
 * nothing. */
void
store_close(struct store *s)
{
    char *cause = NULL;

    if (s == NULL)
        return;
    pthread_mutex_lock(&s->lock);
    s->closing = 1;
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->lock);
    if (s->flusher_state > 0)
        pthread_join(s->flusher, NULL);
    if (flush_points(s, &cause) < 0)
        log_msg(AIWB_LOG_WARN, "%s; %zu curve points are lost", cause, s->npoints);
    free(cause);
    drop_points(s);
    free(s->points);
    free(s->bg_cause);
    sqlite3_close(s->db);
    pthread_cond_destroy(&s->wake);
    pthread_mutex_destroy(&s->lock);
    free(s->path);
    free(s);
}

/* The path S was opened with, borrowed from S. */
const char *
store_path(const struct store *s)
{
    return s->path;
}

/*
 * Declare COLS in the empty table T, then append one row per row SQL
 * returns, its parameters ?1 bound to PARAM and ?2 (if SQL has it) to TEXT.
 * A NULL is a null cell; in a REAL column the text 'nan' is a NaN, which
 * sqlite cannot hold.
 */
static int
list_bound(struct store *s, struct aiwb_table *t, const char *sql, int64_t param,
           const char *text, const struct column *cols, size_t ncols, const char *what,
           char **cause)
{
    sqlite3_stmt *st = NULL;
    size_t i;
    int rc, ret = AIWB_OK;

    if (t->ncols != 0 || t->ncells != 0)
        return invalid(cause, "cannot list %s: the table is not empty", what);
    for (i = 0; i < ncols; i++)
        table_column(t, cols[i].name, cols[i].kind);
    rc = prepare(s, &st, sql);
    if (rc == SQLITE_OK && sqlite3_bind_parameter_count(st) > 0)
        rc = sqlite3_bind_int64(st, 1, param);
    if (rc == SQLITE_OK && sqlite3_bind_parameter_count(st) > 1)
        rc = sqlite3_bind_text(st, 2, text != NULL ? text : "", -1, SQLITE_TRANSIENT);
    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        for (i = 0; i < ncols; i++) {
            int type = sqlite3_column_type(st, (int)i);
            const char *v;

            if (type == SQLITE_NULL) {
                table_null(t);
                continue;
            }
            switch (cols[i].kind) {
            case AIWB_TABLE_INT:
                table_int(t, sqlite3_column_int64(st, (int)i));
                break;
            case AIWB_TABLE_REAL:
                table_real(t, type == SQLITE_TEXT ? NAN : sqlite3_column_double(st, (int)i));
                break;
            default:
                v = (const char *)sqlite3_column_text(st, (int)i);
                table_text(t, v != NULL ? v : "");
                break;
            }
        }
        rc = SQLITE_OK;
    }
    if (rc != SQLITE_DONE)
        ret = fail(s, cause, "list %s", what);
    sqlite3_finalize(st);
    return ret;
}

/* list_bound() for SQL with at most the one parameter ?1. */
static int
list(struct store *s, struct aiwb_table *t, const char *sql, int64_t param,
     const struct column *cols, size_t ncols, const char *what, char **cause)
{
    return list_bound(s, t, sql, param, NULL, cols, ncols, what, cause);
}

/* Record dataset D under its name, replacing an earlier record of that name
 * (its creation time is kept). 0, or a negative status with *cause set. */
static int
dataset_put(struct store *s, const struct store_dataset *d, char **cause)
{
    sqlite3_stmt *st = NULL;
    char now[32];
    int rc, ret = AIWB_OK;

    if (d == NULL || d->name == NULL || d->name[0] == '\0')
        return invalid(cause, "cannot record a dataset without a name in '%s'", s->path);
    now_iso(now);
    rc = prepare(s, &st,
                 "INSERT INTO datasets (name, source, options, lineage, schema, rows, cols, "
                 "created, updated) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8) "
                 "ON CONFLICT (name) DO UPDATE SET source = excluded.source, "
                 "options = excluded.options, lineage = excluded.lineage, "
                 "schema = excluded.schema, rows = excluded.rows, cols = excluded.cols, "
                 "updated = excluded.updated, "
                 /* A dataset made again is other data: its saved copy goes. */
                 "data = NULL, saved = NULL");
    if (rc == SQLITE_OK) {
        bind_text(st, 1, d->name);
        bind_text(st, 2, d->source != NULL ? d->source : "");
        bind_text(st, 3, d->options != NULL ? d->options : "");
        bind_text(st, 4, d->lineage != NULL ? d->lineage : "");
        bind_text(st, 5, d->schema != NULL ? d->schema : "");
        sqlite3_bind_int64(st, 6, (int64_t)d->n_rows);
        sqlite3_bind_int64(st, 7, (int64_t)d->n_cols);
        bind_text(st, 8, now);
        rc = sqlite3_step(st);
    }
    if (rc != SQLITE_DONE)
        ret = fail(s, cause, "record dataset '%s'", d->name);
    sqlite3_finalize(st);
    return ret;
}

/* Append one row per dataset, by name, to the empty table T: name, rows,
 * cols, source, lineage, updated. */
static int
dataset_list(struct store *s, struct aiwb_table *t, char **cause)
{
    static const struct column cols[] = {
        {"name", AIWB_TABLE_TEXT},    {"rows", AIWB_TABLE_INT},     {"cols", AIWB_TABLE_INT},
        {"source", AIWB_TABLE_TEXT},  {"lineage", AIWB_TABLE_TEXT}, {"updated", AIWB_TABLE_TEXT},
        {"saved", AIWB_TABLE_TEXT},
    };

    return list(s, t,
                "SELECT name, rows, cols, source, lineage, updated, saved FROM datasets "
                "ORDER BY name",
                0, cols, sizeof cols / sizeof cols[0], "datasets", cause);
}

static int
dataset_save(struct store *s, const char *name, const unsigned char *blob, size_t len,
             char **cause)
{
    sqlite3_stmt *st = NULL;
    char now[32];
    int rc, ret = AIWB_OK;

    now_iso(now);
    rc = prepare(s, &st, "UPDATE datasets SET data = ?1, saved = ?2 WHERE name = ?3");
    if (rc == SQLITE_OK) {
        sqlite3_bind_blob64(st, 1, blob, len, SQLITE_STATIC);
        bind_text(st, 2, now);
        bind_text(st, 3, name);
        rc = sqlite3_step(st);
    }
    if (rc != SQLITE_DONE)
        ret = fail(s, cause, "save dataset '%s'", name);
    else if (sqlite3_changes(s->db) == 0)
        ret = invalid(cause, "no dataset '%s' is recorded in '%s'", name, s->path);
    sqlite3_finalize(st);
    return ret;
}

static int
dataset_data(struct store *s, const char *name, unsigned char **blob, size_t *len,
             char **cause)
{
    sqlite3_stmt *st = NULL;
    int rc, ret = AIWB_OK;

    *blob = NULL;
    *len = 0;
    rc = prepare(s, &st, "SELECT data FROM datasets WHERE name = ?1");
    if (rc == SQLITE_OK) {
        bind_text(st, 1, name);
        rc = sqlite3_step(st);
    }
    if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_BLOB) {
        const void *data = sqlite3_column_blob(st, 0);

        *len = (size_t)sqlite3_column_bytes(st, 0);
        *blob = xmalloc(*len ? *len : 1);
        if (*len > 0)
            memcpy(*blob, data, *len);
    } else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        ret = fail(s, cause, "read dataset '%s'", name);
    }
    sqlite3_finalize(st);
    return ret;
}

/* Start run R as 'running', owned by this process; *ID gets its number.
 * 0, or a negative status with *cause set. */
static int
run_begin(struct store *s, const struct store_run *r, int64_t *id, char **cause)
{
    sqlite3_stmt *st = NULL;
    char now[32];
    int rc, ret = AIWB_OK;

    if (r == NULL || r->kind == NULL || r->kind[0] == '\0' || r->algorithm == NULL ||
        r->algorithm[0] == '\0')
        return invalid(cause, "cannot record a run without a kind and an algorithm in '%s'",
                       s->path);
    now_iso(now);
    rc = prepare(s, &st,
                 "INSERT INTO runs (kind, algorithm, transforms, options, dataset, target, seed, "
                 "command, status, owner_pid, owner_start, started, folds) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'running', ?9, ?10, ?11, ?12)");
    if (rc == SQLITE_OK) {
        bind_text(st, 1, r->kind);
        bind_text(st, 2, r->algorithm);
        bind_text(st, 3, r->transforms != NULL ? r->transforms : "");
        bind_text(st, 4, r->options != NULL ? r->options : "");
        bind_text(st, 5, r->dataset);
        bind_text(st, 6, r->target);
        sqlite3_bind_int64(st, 7, (int64_t)r->seed);
        bind_text(st, 8, r->command);
        sqlite3_bind_int64(st, 9, s->pid);
        sqlite3_bind_int64(st, 10, (int64_t)s->start);
        bind_text(st, 11, now);
        bind_text(st, 12, r->folds);
        rc = sqlite3_step(st);
    }
    if (rc != SQLITE_DONE) {
        ret = fail(s, cause, "record run");
    } else {
        *id = sqlite3_last_insert_rowid(s->db);
        s->curve_run = *id;
    }
    sqlite3_finalize(st);
    return ret;
}

/* Whether run ID exists: 1, 0, or a negative status with *cause set. */
static int
run_exists(struct store *s, int64_t id, char **cause)
{
    sqlite3_stmt *st = NULL;
    int rc, ret;

    rc = prepare(s, &st, "SELECT 1 FROM runs WHERE id = ?1");
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, id);
        rc = sqlite3_step(st);
    }
    if (rc == SQLITE_ROW || rc == SQLITE_DONE)
        ret = rc == SQLITE_ROW;
    else
        ret = fail(s, cause, "read run %" PRId64, id);
    sqlite3_finalize(st);
    return ret;
}

/*
 * Buffer value V of curve NAME at iteration STEP of run ID. The buffer is
 * committed here when it holds CURVE_BATCH points, or by the flusher once
 * its oldest point has waited CURVE_INTERVAL_MS. 0, or a negative status
 * with *cause set: a run that does not exist, or a commit that failed (the
 * points stay buffered and a later commit retries them).
 */
static int
run_curve(struct store *s, int64_t id, int64_t step, const char *name, double v, char **cause)
{
    struct curve_point *p;
    int ret;

    if (name == NULL || name[0] == '\0')
        return invalid(cause, "cannot record a curve point without a name in '%s'", s->path);
    if (id != s->curve_run) {
        /* Checked now, since one bad point would make the whole batch fail. */
        ret = run_exists(s, id, cause);
        if (ret < 0)
            return ret;
        if (ret == 0)
            return invalid(cause, "no run %" PRId64 " in workspace '%s'", id, s->path);
        s->curve_run = id;
    }
    if (s->npoints == s->apoints) {
        s->apoints = s->apoints ? 2 * s->apoints : CURVE_BATCH;
        s->points = xreallocarray(s->points, s->apoints, sizeof *s->points);
    }
    p = &s->points[s->npoints++];
    p->run = id;
    p->step = step;
    p->name = xstrdup(name);
    p->value = v;
    if (s->npoints == 1) {
        s->due = now_ms() + CURVE_INTERVAL_MS;
        if (s->flusher_state == 0)
            start_flusher(s);
        pthread_cond_signal(&s->wake);
    }
    if (s->npoints >= s->batch || (s->flusher_state < 0 && now_ms() >= s->due))
        return flush_points(s, cause);
    if (s->bg_cause != NULL) {
        /* The flusher failed to commit earlier points; they are still here. */
        set_cause(cause, s->bg_cause);
        s->bg_cause = NULL;
        return s->bg_status;
    }
    return AIWB_OK;
}

static const char *const end_statuses[] = {"finished", "failed", "interrupted", "cancelled"};

/* The status of run ID in a new string, or NULL if there is no such run (or
 * it cannot be read). */
static char *
run_status(struct store *s, int64_t id)
{
    sqlite3_stmt *st = NULL;
    char *status = NULL;

    if (prepare(s, &st, "SELECT status FROM runs WHERE id = ?1") == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, id);
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL)
            status = xstrdup((const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    return status;
}

/*
 * End run ID with STATUS ("finished", "failed", "interrupted" or "cancelled"), the
 * number of iterations done and MESSAGE (NULL: none), after committing the
 * buffered curve points. AIWB_EINVAL for another status, a run that does
 * not exist or one that has already ended.
 */
static int
run_end(struct store *s, int64_t id, const char *status, int64_t iterations, const char *message,
        char **cause)
{
    sqlite3_stmt *st = NULL;
    char now[32], *old;
    size_t i;
    int rc, ret;

    for (i = 0; i < sizeof end_statuses / sizeof end_statuses[0]; i++)
        if (status != NULL && strcmp(status, end_statuses[i]) == 0)
            break;
    if (i == sizeof end_statuses / sizeof end_statuses[0])
        return invalid(cause, "cannot end run %" PRId64 " in '%s': invalid status '%s' "
                       "(finished, failed or interrupted)", id, s->path,
                       status != NULL ? status : "");
    ret = flush_points(s, cause);
    if (ret < 0)
        return ret;
    now_iso(now);
    rc = prepare(s, &st, "UPDATE runs SET status = ?1, finished = ?2, iterations = ?3, "
                         "message = ?4 WHERE id = ?5 AND status = 'running'");
    if (rc == SQLITE_OK) {
        bind_text(st, 1, status);
        bind_text(st, 2, now);
        sqlite3_bind_int64(st, 3, iterations);
        bind_text(st, 4, message);
        sqlite3_bind_int64(st, 5, id);
        rc = sqlite3_step(st);
    }
    if (rc != SQLITE_DONE) {
        ret = fail(s, cause, "record the end of run %" PRId64, id);
        sqlite3_finalize(st);
        return ret;
    }
    sqlite3_finalize(st);
    if (sqlite3_changes(s->db) == 1)
        return AIWB_OK;
    old = run_status(s, id);
    if (old == NULL)
        ret = invalid(cause, "no run %" PRId64 " in workspace '%s'", id, s->path);
    else
        ret = invalid(cause, "run %" PRId64 " in workspace '%s' has already ended (%s)", id,
                      s->path, old);
    free(old);
    return ret;
}

/* Append one row per run, by id, to the empty table T; see store.h for the
 * columns. seconds counts to now for a running run and is empty for an
 * interrupted one, whose end is unknown. With LIMIT >= 0, only the LIMIT
 * runs after the first OFFSET. */
static int
run_list(struct store *s, int64_t offset, int64_t limit, struct aiwb_table *t, char **cause)
{
    static const struct column cols[] = {
        {"id", AIWB_TABLE_INT},          {"status", AIWB_TABLE_TEXT},
        {"algorithm", AIWB_TABLE_TEXT},  {"kind", AIWB_TABLE_TEXT},
        {"transforms", AIWB_TABLE_TEXT}, {"dataset", AIWB_TABLE_TEXT},
        {"target", AIWB_TABLE_TEXT},     {"model", AIWB_TABLE_TEXT},
        {"started", AIWB_TABLE_TEXT},
        {"seconds", AIWB_TABLE_REAL},    {"iterations", AIWB_TABLE_INT},
        {"loss", AIWB_TABLE_REAL},       {"message", AIWB_TABLE_TEXT},
    };
    static const char sql[] =
        "SELECT r.id, r.status, r.algorithm, r.kind, r.transforms, r.dataset, r.target, "
        "  (SELECT group_concat(m.name || ' v' || m.version, ', ') FROM "
        "    (SELECT name, version FROM models WHERE run = r.id ORDER BY id) AS m), "
        "  r.started, "
        "  CASE WHEN r.finished IS NOT NULL "
        "         THEN round((julianday(r.finished) - julianday(r.started)) * 86400.0, 3) "
        "       WHEN r.status = 'running' "
        "         THEN round((julianday('now') - julianday(r.started)) * 86400.0, 3) END, "
        "  r.iterations, "
        "  (SELECT coalesce(c.value, 'nan') FROM curves AS c "
        "    WHERE c.run = r.id AND c.name = 'loss' ORDER BY c.step DESC LIMIT 1), "
        "  r.message "
        "FROM runs AS r ORDER BY r.id";

    flush_quietly(s);
    if (limit < 0)
        return list(s, t, sql, 0, cols, sizeof cols / sizeof cols[0], "runs", cause);
    {
        /* One page: the rowid order walks the primary key, so a page costs its
         * rows, not the table's. */
        char *paged = xasprintf("%s LIMIT %" PRId64 " OFFSET ?1", sql, limit);
        int ret = list(s, t, paged, offset, cols, sizeof cols / sizeof cols[0], "runs", cause);

        free(paged);
        return ret;
    }
}

/* Append one row per curve point of run ID, by step then name, to the
 * empty table T: step, name, value. AIWB_EINVAL if there is no such run. */
static int
curve_list(struct store *s, int64_t id, struct aiwb_table *t, char **cause)
{
    static const struct column cols[] = {
        {"step", AIWB_TABLE_INT}, {"name", AIWB_TABLE_TEXT}, {"value", AIWB_TABLE_REAL},
    };
    int ret;

    flush_quietly(s);
    ret = run_exists(s, id, cause);
    if (ret < 0)
        return ret;
    if (ret == 0)
        return invalid(cause, "no run %" PRId64 " in workspace '%s'", id, s->path);
    return list(s, t,
                "SELECT step, name, coalesce(value, 'nan') FROM curves WHERE run = ?1 "
                "ORDER BY step, name",
                id, cols, sizeof cols / sizeof cols[0], "curve points", cause);
}

/*
 * Record the summary of a cross-validated run ID: the mean MEAN[i] and
 * standard deviation SD[i] of metric NAMES[i] over NFOLDS folds, replacing
 * what it had. 0, or a negative status with *cause set.
 */
static int
run_metrics_put(struct store *s, int64_t id, size_t n, const char *const *names,
                const double *mean, const double *sd, size_t nfolds, char **cause)
{
    sqlite3_stmt *st = NULL;
    size_t i;
    int rc, ret;

    for (i = 0; i < n; i++)
        if (names[i] == NULL || names[i][0] == '\0')
            return invalid(cause, "cannot record the metrics of run %" PRId64 " in '%s': "
                           "metric %zu has no name", id, s->path, i + 1);
    ret = run_exists(s, id, cause);
    if (ret < 0)
        return ret;
    if (ret == 0)
        return invalid(cause, "no run %" PRId64 " in workspace '%s'", id, s->path);
    rc = begin(s);
    /* What the run had goes, metrics this record lacks included. */
    if (rc == SQLITE_OK)
        rc = prepare(s, &st, "DELETE FROM run_metrics WHERE run = ?1");
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, id);
        rc = sqlite3_step(st);
        rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
    if (rc == SQLITE_OK) {
        sqlite3_finalize(st);
        st = NULL;
        rc = prepare(s, &st, "INSERT OR REPLACE INTO run_metrics (run, name, seq, mean, sd, folds) "
                             "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    }
    for (i = 0; rc == SQLITE_OK && i < n; i++) {
        sqlite3_bind_int64(st, 1, id);
        bind_text(st, 2, names[i]);
        sqlite3_bind_int64(st, 3, (int64_t)i);
        bind_real(st, 4, mean[i]);
        bind_real(st, 5, sd[i]);
        sqlite3_bind_int64(st, 6, (int64_t)nfolds);
        rc = sqlite3_step(st);
        if (rc == SQLITE_DONE)
            rc = sqlite3_reset(st);
    }
    if (rc == SQLITE_OK)
        rc = exec(s, "COMMIT");
    ret = rc == SQLITE_OK ? AIWB_OK : fail(s, cause, "record the metrics of run %" PRId64, id);
    sqlite3_finalize(st);
    if (ret < 0)
        rollback(s);
    return ret;
}

/*
 * The runs that measured METRIC, best first (highest first if HIGHER, else
 * lowest), into the empty table T: a cross-validated run's mean over its
 * folds, and each evaluation of a model a run saved (the latest on each
 * dataset). Columns: id, kind, algorithm, transforms, options, dataset,
 * target, METRIC, sd, measured (the folds, or "eval on DATASET"), model.
 */
static int
leaderboard(struct store *s, const char *metric, int higher, struct aiwb_table *t, char **cause)
{
    const struct column cols[] = {
        {"id", AIWB_TABLE_INT},          {"kind", AIWB_TABLE_TEXT},
        {"algorithm", AIWB_TABLE_TEXT},  {"transforms", AIWB_TABLE_TEXT},
        {"options", AIWB_TABLE_TEXT},    {"dataset", AIWB_TABLE_TEXT},
        {"target", AIWB_TABLE_TEXT},     {metric, AIWB_TABLE_REAL},
        {"sd", AIWB_TABLE_REAL},         {"measured", AIWB_TABLE_TEXT},
        {"model", AIWB_TABLE_TEXT},
    };
    static const char sql[] =
        "SELECT id, kind, algorithm, transforms, options, dataset, target, value, sd, measured, "
        "  model FROM ("
        "  SELECT r.id, r.kind, r.algorithm, r.transforms, r.options, r.dataset, r.target, "
        "    m.mean AS value, m.sd, "
        "    m.folds || '-fold cv' AS measured, "
        "    (SELECT group_concat(mo.name || ' v' || mo.version, ', ') FROM "
        "      (SELECT name, version FROM models WHERE run = r.id ORDER BY id) AS mo) AS model, "
        "    0 AS src, 0 AS eid "
        "  FROM runs AS r JOIN run_metrics AS m ON m.run = r.id AND m.name = ?2 "
        "  WHERE m.mean IS NOT NULL "
        "  UNION ALL "
        "  SELECT r.id, r.kind, r.algorithm, r.transforms, r.options, r.dataset, r.target, "
        "    e.value, NULL, 'eval on ' || coalesce(e.dataset, '?'), "
        "    mo.name || ' v' || mo.version, 1, e.id "
        "  FROM runs AS r JOIN models AS mo ON mo.run = r.id "
        "    JOIN evaluations AS e ON e.model = mo.name AND e.version = mo.version "
        "      AND e.metric = ?2 "
        "  WHERE e.value IS NOT NULL AND e.id = (SELECT max(e2.id) FROM evaluations AS e2 "
        "    WHERE e2.model = e.model AND e2.version = e.version AND e2.metric = e.metric "
        "      AND e2.dataset IS e.dataset)) "
        "ORDER BY CASE WHEN ?1 THEN -value ELSE value END, id, src, eid";

    if (metric == NULL || metric[0] == '\0')
        return invalid(cause, "which metric to rank the runs by?");
    flush_quietly(s);
    return list_bound(s, t, sql, higher != 0, metric, cols, sizeof cols / sizeof cols[0],
                      "runs", cause);
}

/*
 * What run ID was, as rows (field, value) of text in the empty table T:
 * kind, algorithm, transforms, options, dataset, target, seed, folds,
 * command, status, started, seconds, iterations, message. AIWB_EINVAL if
 * there is no such run.
 */
static int
run_info(struct store *s, int64_t id, struct aiwb_table *t, char **cause)
{
    static const char *const fields[] = {
        "kind", "algorithm", "transforms", "options", "dataset", "target", "seed",
        "folds", "command", "status", "started", "seconds", "iterations", "message",
    };
    sqlite3_stmt *st = NULL;
    int rc, ret = AIWB_OK;

    if (t->ncols != 0 || t->ncells != 0)
        return invalid(cause, "cannot describe run %" PRId64 ": the table is not empty", id);
    flush_quietly(s);
    table_column(t, "field", AIWB_TABLE_TEXT);
    table_column(t, "value", AIWB_TABLE_TEXT);
    rc = prepare(s, &st,
                 "SELECT kind, algorithm, transforms, options, dataset, target, seed, folds, "
                 "  command, status, started, "
                 "  round((julianday(coalesce(finished, 'now')) - julianday(started)) * 86400.0, "
                 "    3), iterations, message "
                 "FROM runs WHERE id = ?1");
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, id);
        rc = sqlite3_step(st);
    }
    if (rc == SQLITE_ROW) {
        for (int i = 0; i < (int)(sizeof fields / sizeof fields[0]); i++) {
            const char *v = (const char *)sqlite3_column_text(st, i);

            table_text(t, fields[i]);
            if (i == 6) { /* the seed's bits, kept as a signed integer */
                char buf[32];

                snprintf(buf, sizeof buf, "%" PRIu64, (uint64_t)sqlite3_column_int64(st, i));
                table_text(t, buf);
            } else if (v == NULL) {
                table_null(t);
            } else {
                table_text(t, v);
            }
        }
    } else if (rc == SQLITE_DONE) {
        ret = invalid(cause, "no run %" PRId64 " in workspace '%s'", id, s->path);
    } else {
        ret = fail(s, cause, "read run %" PRId64, id);
    }
    sqlite3_finalize(st);
    return ret;
}

/* The metrics of a cross-validated run ID into the empty table T: name,
 * mean, sd, folds (no rows for another kind of run). */
static int
run_metrics(struct store *s, int64_t id, struct aiwb_table *t, char **cause)
{
    static const struct column cols[] = {
        {"name", AIWB_TABLE_TEXT}, {"mean", AIWB_TABLE_REAL},
        {"sd", AIWB_TABLE_REAL},   {"folds", AIWB_TABLE_INT},
    };

    return list(s, t,
                "SELECT name, coalesce(mean, 'nan'), coalesce(sd, 'nan'), folds "
                "FROM run_metrics WHERE run = ?1 ORDER BY seq",
                id, cols, sizeof cols / sizeof cols[0], "run metrics", cause);
}

/* The latest evaluation of each metric on each dataset of the models run ID
 * saved, into the empty table T: model, version, dataset, metric, value. */
static int
run_evals(struct store *s, int64_t id, struct aiwb_table *t, char **cause)
{
    static const struct column cols[] = {
        {"model", AIWB_TABLE_TEXT},  {"version", AIWB_TABLE_INT}, {"dataset", AIWB_TABLE_TEXT},
        {"metric", AIWB_TABLE_TEXT}, {"value", AIWB_TABLE_REAL},
    };

    return list(s, t,
                "SELECT e.model, e.version, e.dataset, e.metric, coalesce(e.value, 'nan') "
                "FROM models AS mo JOIN evaluations AS e "
                "  ON e.model = mo.name AND e.version = mo.version "
                "WHERE mo.run = ?1 AND e.id = (SELECT max(e2.id) FROM evaluations AS e2 "
                "  WHERE e2.model = e.model AND e2.version = e.version "
                "    AND e2.metric = e.metric AND e2.dataset IS e.dataset) "
                "ORDER BY mo.id, e.dataset, e.id",
                id, cols, sizeof cols / sizeof cols[0], "evaluations", cause);
}

/* Every evaluation of model NAME at VERSION (0: the latest saved) into the
 * empty table T by id: id, dataset, metric, value, created. */
static int
model_evals(struct store *s, const char *name, int version, struct aiwb_table *t, char **cause)
{
    static const struct column cols[] = {
        {"id", AIWB_TABLE_INT},      {"dataset", AIWB_TABLE_TEXT}, {"metric", AIWB_TABLE_TEXT},
        {"value", AIWB_TABLE_REAL},  {"created", AIWB_TABLE_TEXT},
    };

    if (name == NULL || name[0] == '\0')
        return invalid(cause, "cannot list the evaluations of a model without a name in '%s'",
                       s->path);
    if (version < 0)
        return invalid(cause, "model '%s' in workspace '%s' has no version %d", name, s->path,
                       version);
    return list_bound(s, t,
                      "SELECT id, dataset, metric, coalesce(value, 'nan'), created "
                      "FROM evaluations WHERE model = ?2 AND version = CASE WHEN ?1 > 0 "
                      "  THEN ?1 ELSE (SELECT max(version) FROM models WHERE name = ?2) END "
                      "ORDER BY id",
                      version, name, cols, sizeof cols / sizeof cols[0], "evaluations", cause);
}

/* The run that saved model NAME at VERSION (0: the latest) into *RUN (0 if
 * none is recorded), its version into *VERSION_OUT. AIWB_EINVAL if absent. */
static int
model_run(struct store *s, const char *name, int version, int64_t *run, int *version_out,
          char **cause)
{
    sqlite3_stmt *st = NULL;
    int rc, ret = AIWB_OK;

    rc = prepare(s, &st, "SELECT coalesce(run, 0), version FROM models WHERE name = ?1 "
                         "AND (?2 = 0 OR version = ?2) ORDER BY version DESC LIMIT 1");
    if (rc == SQLITE_OK) {
        bind_text(st, 1, name);
        sqlite3_bind_int(st, 2, version);
        rc = sqlite3_step(st);
    }
    if (rc == SQLITE_ROW) {
        *run = sqlite3_column_int64(st, 0);
        if (version_out != NULL)
            *version_out = sqlite3_column_int(st, 1);
    } else if (rc == SQLITE_DONE) {
        ret = version > 0 ? invalid(cause, "model '%s' in workspace '%s' has no version %d",
                                    name, s->path, version)
                          : invalid(cause, "no model '%s' in workspace '%s'", name, s->path);
    } else {
        ret = fail(s, cause, "read model '%s'", name);
    }
    sqlite3_finalize(st);
    return ret;
}

/*
 * Record the N metric values VALUES (named NAMES) of MODEL at VERSION (0: a
 * model not saved yet) on DATASET, in one transaction. 0, or a negative
 * status with *cause set.
 */
static int
eval_put(struct store *s, const char *model, int version, const char *dataset, size_t n,
         const char *const *names, const double *values, char **cause)
{
    sqlite3_stmt *st = NULL;
    char now[32];
    size_t i;
    int rc, ret;

    if (model == NULL || model[0] == '\0')
        return invalid(cause, "cannot record an evaluation without a model name in '%s'",
                       s->path);
    for (i = 0; i < n; i++)
        if (names[i] == NULL || names[i][0] == '\0')
            return invalid(cause, "cannot record evaluation of model '%s' in '%s': metric %zu "
                           "has no name", model, s->path, i + 1);
    now_iso(now);
    rc = begin(s);
    if (rc == SQLITE_OK)
        rc = prepare(s, &st, "INSERT INTO evaluations (model, version, dataset, metric, value, "
                             "created) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    for (i = 0; rc == SQLITE_OK && i < n; i++) {
        bind_text(st, 1, model);
        if (version > 0)
            sqlite3_bind_int(st, 2, version);
        else
            sqlite3_bind_null(st, 2);
        bind_text(st, 3, dataset);
        bind_text(st, 4, names[i]);
        bind_real(st, 5, values[i]);
        bind_text(st, 6, now);
        rc = sqlite3_step(st);
        if (rc == SQLITE_DONE)
            rc = sqlite3_reset(st);
    }
    if (rc == SQLITE_OK)
        rc = exec(s, "COMMIT");
    ret = rc == SQLITE_OK ? AIWB_OK : fail(s, cause, "record evaluation of model '%s'", model);
    sqlite3_finalize(st);
    if (ret < 0)
        rollback(s);
    return ret;
}

/*
 * Save model M as the next version of its name (1 for a new name); *VERSION
 * gets it. The version is chosen under the write lock, so two processes
 * saving the same name get different versions. 0, or a negative status with
 * *cause set (a run M->run that does not exist, a locked file, ...).
 */
static int
model_put(struct store *s, const struct store_model *m, int *version, char **cause)
{
    sqlite3_stmt *st = NULL;
    char now[32], crc[16];
    int64_t v = 0;
    int rc, ret;

    if (m == NULL || m->name == NULL || m->name[0] == '\0')
        return invalid(cause, "cannot save a model without a name in '%s'", s->path);
    if (m->blob == NULL && m->len > 0)
        return invalid(cause, "cannot save model '%s' in '%s': no data", m->name, s->path);
    snprintf(crc, sizeof crc, "%08" PRIx32,
             m->len > 0 ? codec_crc32(0, m->blob, m->len) : (uint32_t)0);
    now_iso(now);
    rc = begin(s);
    if (rc == SQLITE_OK)
        rc = prepare(s, &st, "SELECT coalesce(max(version), 0) + 1 FROM models WHERE name = ?1");
    if (rc == SQLITE_OK) {
        bind_text(st, 1, m->name);
        rc = sqlite3_step(st);
        v = sqlite3_column_int64(st, 0);
        if (rc == SQLITE_ROW)
            rc = SQLITE_OK;
    }
    if (rc == SQLITE_OK && v > INT32_MAX) {
        ret = invalid(cause, "cannot save model '%s' in '%s': too many versions", m->name,
                      s->path);
        goto out;
    }
    if (rc == SQLITE_OK) {
        sqlite3_finalize(st);
        st = NULL;
        rc = prepare(s, &st,
                     "INSERT INTO models (name, version, run, algorithm, dataset, target, blob, "
                     "bytes, crc32, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
    }
    if (rc == SQLITE_OK) {
        bind_text(st, 1, m->name);
        sqlite3_bind_int64(st, 2, v);
        if (m->run > 0)
            sqlite3_bind_int64(st, 3, m->run);
        else
            sqlite3_bind_null(st, 3);
        bind_text(st, 4, m->algorithm);
        bind_text(st, 5, m->dataset);
        bind_text(st, 6, m->target);
        if (m->len > 0)
            sqlite3_bind_blob64(st, 7, m->blob, m->len, SQLITE_STATIC);
        else
            sqlite3_bind_zeroblob(st, 7, 0);
        sqlite3_bind_int64(st, 8, (int64_t)m->len);
        bind_text(st, 9, crc);
        bind_text(st, 10, now);
        rc = sqlite3_step(st);
        if (rc == SQLITE_DONE)
            rc = exec(s, "COMMIT");
    }
    if (rc != SQLITE_OK) {
        ret = fail(s, cause, "save model '%s'", m->name);
        goto out;
    }
    *version = (int)v;
    ret = AIWB_OK;
out:
    sqlite3_finalize(st);
    if (ret < 0)
        rollback(s);
    return ret;
}

/* The message for a model NAME at VERSION that is not in the workspace. */
static int
no_model(struct store *s, const char *name, int version, char **cause)
{
    sqlite3_stmt *st = NULL;
    int rc, ret;

    if (version == 0)
        return invalid(cause, "no model '%s' in workspace '%s'", name, s->path);
    rc = prepare(s, &st, "SELECT 1 FROM models WHERE name = ?1");
    if (rc == SQLITE_OK) {
        bind_text(st, 1, name);
        rc = sqlite3_step(st);
    }
    if (rc == SQLITE_ROW)
        ret = invalid(cause, "model '%s' in workspace '%s' has no version %d", name, s->path,
                      version);
    else if (rc == SQLITE_DONE)
        ret = invalid(cause, "no model '%s' in workspace '%s'", name, s->path);
    else
        ret = fail(s, cause, "read model '%s'", name);
    sqlite3_finalize(st);
    return ret;
}

/*
 * Read model NAME at VERSION (0: the latest): *BLOB gets a new buffer of
 * *LEN bytes that the caller frees, *VERSION_OUT the version found.
 * AIWB_EINVAL if the model or version is absent, AIWB_EDATA if the blob no
 * longer matches the checksum recorded with it.
 */
static int
model_get(struct store *s, const char *name, int version, unsigned char **blob, size_t *len,
          int *version_out, char **cause)
{
    sqlite3_stmt *st = NULL;
    const void *data;
    const char *crc;
    char got[16];
    size_t n;
    int rc, ret = AIWB_OK, v;

    if (name == NULL || version < 0)
        return invalid(cause, "no model '%s' in workspace '%s'", name != NULL ? name : "",
                       s->path);
    rc = prepare(s, &st, "SELECT version, blob, crc32 FROM models WHERE name = ?1 "
                         "AND (?2 = 0 OR version = ?2) ORDER BY version DESC LIMIT 1");
    if (rc == SQLITE_OK) {
        bind_text(st, 1, name);
        sqlite3_bind_int(st, 2, version);
        rc = sqlite3_step(st);
    }
    if (rc == SQLITE_DONE) {
        sqlite3_finalize(st);
        return no_model(s, name, version, cause);
    }
    if (rc != SQLITE_ROW) {
        ret = fail(s, cause, "read model '%s'", name);
        goto out;
    }
    v = sqlite3_column_int(st, 0);
    data = sqlite3_column_blob(st, 1);
    n = (size_t)sqlite3_column_bytes(st, 1);
    crc = (const char *)sqlite3_column_text(st, 2);
    snprintf(got, sizeof got, "%08" PRIx32, n > 0 ? codec_crc32(0, data, n) : (uint32_t)0);
    if (crc == NULL || strcmp(crc, got) != 0) {
        set_cause(cause, xasprintf("model '%s' version %d in workspace '%s' is damaged: its "
                                   "checksum is %s, %s was recorded", name, v, s->path, got,
                                   crc != NULL ? crc : "none"));
        ret = AIWB_EDATA;
        goto out;
    }
    *blob = xmalloc(n);
    if (n > 0)
        memcpy(*blob, data, n);
    *len = n;
    *version_out = v;
out:
    sqlite3_finalize(st);
    return ret;
}

/*
 * Append one row per model version (of model NAME only, unless NAME is
 * NULL), by name then version, to the empty table T: name, version,
 * algorithm, dataset, target, run, created, then the headline metric of its
 * latest evaluation (metric, value, evaluated_on), whether it is the live
 * version (live "yes", since: when it was promoted), then bytes, crc32 (last,
 * as the versions before schema 6 had them).
 *
 * An `eval` records its metrics together (one dataset, one time): of those,
 * the headline is the first of accuracy, ndcg@K, precision@K, rmse, ari,
 * silhouette, else the first metric it reported that is not a count.
 */
static int
model_versions(struct store *s, const char *name, struct aiwb_table *t, char **cause)
{
    static const struct column cols[] = {
        {"name", AIWB_TABLE_TEXT},      {"version", AIWB_TABLE_INT},
        {"algorithm", AIWB_TABLE_TEXT}, {"dataset", AIWB_TABLE_TEXT},
        {"target", AIWB_TABLE_TEXT},    {"run", AIWB_TABLE_INT},
        {"created", AIWB_TABLE_TEXT},   {"metric", AIWB_TABLE_TEXT},
        {"value", AIWB_TABLE_REAL},     {"evaluated_on", AIWB_TABLE_TEXT},
        {"live", AIWB_TABLE_TEXT},      {"since", AIWB_TABLE_TEXT},
        {"bytes", AIWB_TABLE_INT},      {"crc32", AIWB_TABLE_TEXT},
    };
    static const char sql[] =
        "WITH latest AS ("
        "  SELECT e.model, e.version, e.dataset, e.created FROM evaluations AS e "
        "  WHERE e.id IN (SELECT max(id) FROM evaluations WHERE version IS NOT NULL "
        "    AND (?1 = 0 OR model = ?2) GROUP BY model, version)), "
        /* Two evaluations in the same millisecond look like one: of a
         * metric, the later counts. */
        "batch AS ("
        "  SELECT e.id, e.model, e.version, e.metric, e.value, e.dataset, "
        "    row_number() OVER (PARTITION BY e.model, e.version, e.metric "
        "      ORDER BY e.id DESC) AS copy "
        "  FROM evaluations AS e JOIN latest AS l ON e.model = l.model "
        "    AND e.version = l.version AND e.dataset IS l.dataset AND e.created = l.created), "
        /* Of the same kind (two ndcg@K of evaluations in one millisecond),
         * the later one; of the others, the first reported. */
        "ranked AS ("
        "  SELECT id, model, version, metric, value, dataset, "
        "    CASE WHEN metric = 'accuracy' THEN 0 WHEN metric LIKE 'ndcg@%' THEN 1 "
        "      WHEN metric LIKE 'precision@%' THEN 2 WHEN metric = 'rmse' THEN 3 "
        "      WHEN metric = 'ari' THEN 4 WHEN metric = 'silhouette' THEN 5 "
        "      WHEN metric IN ('rows', 'users') THEN 7 ELSE 6 END AS kind "
        "  FROM batch WHERE copy = 1), "
        "head AS ("
        "  SELECT model, version, metric, value, dataset, "
        "    row_number() OVER (PARTITION BY model, version ORDER BY kind, "
        "      CASE WHEN kind < 6 THEN -id ELSE id END) AS rank "
        "  FROM ranked), "
        "live AS ("
        "  SELECT p.model, p.version, p.promoted FROM promotions AS p "
        "  WHERE p.id IN (SELECT max(id) FROM promotions GROUP BY model)) "
        "SELECT m.name, m.version, m.algorithm, m.dataset, m.target, m.run, m.created, "
        "  h.metric, CASE WHEN h.metric IS NOT NULL THEN coalesce(h.value, 'nan') END, "
        "  h.dataset, CASE WHEN lv.version IS NOT NULL THEN 'yes' END, lv.promoted, "
        "  m.bytes, m.crc32 "
        "FROM models AS m "
        "  LEFT JOIN head AS h ON h.model = m.name AND h.version = m.version AND h.rank = 1 "
        "  LEFT JOIN live AS lv ON lv.model = m.name AND lv.version = m.version "
        "WHERE ?1 = 0 OR m.name = ?2 "
        "ORDER BY m.name, m.version";

    return list_bound(s, t, sql, name != NULL, name, cols, sizeof cols / sizeof cols[0],
                      "models", cause);
}

/* The version of model NAME promoted last into *VERSION (0 if none is) and,
 * if SINCE is not NULL, when, in a new string (NULL if none). */
static int
model_live(struct store *s, const char *name, int *version, char **since, char **cause)
{
    sqlite3_stmt *st = NULL;
    int rc, ret = AIWB_OK;

    *version = 0;
    if (since != NULL)
        *since = NULL;
    rc = prepare(s, &st, "SELECT version, promoted FROM promotions WHERE model = ?1 "
                         "ORDER BY id DESC LIMIT 1");
    if (rc == SQLITE_OK) {
        bind_text(st, 1, name);
        rc = sqlite3_step(st);
    }
    if (rc == SQLITE_ROW) {
        *version = sqlite3_column_int(st, 0);
        if (since != NULL)
            *since = xstrdup(sqlite3_column_text(st, 1) != NULL
                                 ? (const char *)sqlite3_column_text(st, 1) : "");
    } else if (rc != SQLITE_DONE) {
        ret = fail(s, cause, "read the live version of model '%s'", name);
    }
    sqlite3_finalize(st);
    return ret;
}

/* Whether model NAME has VERSION: 0 if it has, else the error of
 * no_model() (or of reading). */
static int
model_exists(struct store *s, const char *name, int version, char **cause)
{
    sqlite3_stmt *st = NULL;
    int rc, ret = AIWB_OK;

    rc = prepare(s, &st, "SELECT 1 FROM models WHERE name = ?1 AND version = ?2");
    if (rc == SQLITE_OK) {
        bind_text(st, 1, name);
        sqlite3_bind_int(st, 2, version);
        rc = sqlite3_step(st);
    }
    if (rc == SQLITE_DONE) {
        sqlite3_finalize(st);
        return no_model(s, name, version, cause);
    }
    if (rc != SQLITE_ROW)
        ret = fail(s, cause, "read model '%s'", name);
    sqlite3_finalize(st);
    return ret;
}

/*
 * Mark VERSION of model NAME live from now, in one transaction: *PREVIOUS
 * gets the version live until now (0: none). STORE_ALREADY_LIVE, with
 * nothing written, when VERSION is live already; AIWB_EINVAL for a model or
 * version the workspace lacks.
 */
static int
promote(struct store *s, const char *name, int version, const char *dataset, const char *note,
        int *previous, char **cause)
{
    sqlite3_stmt *st = NULL;
    char now[32];
    int rc, ret;

    *previous = 0;
    if (name == NULL || name[0] == '\0')
        return invalid(cause, "cannot promote a model without a name in '%s'", s->path);
    if (version <= 0)
        return invalid(cause, "cannot promote model '%s' in '%s': %d is not a version", name,
                       s->path, version);
    if (begin(s) != SQLITE_OK)
        return fail(s, cause, "promote model '%s'", name);
    /* Under the write lock: two processes promoting see each other. */
    if ((ret = model_exists(s, name, version, cause)) < 0 ||
        (ret = model_live(s, name, previous, NULL, cause)) < 0)
        goto out;
    if (*previous == version) {
        ret = STORE_ALREADY_LIVE;
        goto out;
    }
    now_iso(now);
    rc = prepare(s, &st, "INSERT INTO promotions (model, version, previous, promoted, dataset, "
                         "note) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    if (rc == SQLITE_OK) {
        bind_text(st, 1, name);
        sqlite3_bind_int(st, 2, version);
        if (*previous > 0)
            sqlite3_bind_int(st, 3, *previous);
        else
            sqlite3_bind_null(st, 3);
        bind_text(st, 4, now);
        bind_text(st, 5, dataset);
        bind_text(st, 6, note != NULL && note[0] != '\0' ? note : NULL);
        rc = sqlite3_step(st);
    }
    if (rc == SQLITE_DONE)
        rc = exec(s, "COMMIT");
    ret = rc == SQLITE_OK ? AIWB_OK
                          : fail(s, cause, "promote model '%s' version %d", name, version);
out:
    sqlite3_finalize(st);
    rollback(s); /* nothing to undo after a COMMIT */
    return ret;
}

/* One row per promotion (of model NAME only, unless NULL), in the order they
 * were made, to the empty table T: model, version, previous, from, until
 * (the next promotion's time, empty while live), compared_on, note. */
static int
promotion_list(struct store *s, const char *name, struct aiwb_table *t, char **cause)
{
    static const struct column cols[] = {
        {"model", AIWB_TABLE_TEXT}, {"version", AIWB_TABLE_INT},
        {"previous", AIWB_TABLE_INT}, {"from", AIWB_TABLE_TEXT},
        {"until", AIWB_TABLE_TEXT}, {"compared_on", AIWB_TABLE_TEXT},
        {"note", AIWB_TABLE_TEXT},
    };

    return list_bound(s, t,
                      "SELECT model, version, previous, promoted, "
                      "  lead(promoted) OVER (PARTITION BY model ORDER BY id), dataset, note "
                      "FROM promotions WHERE ?1 = 0 OR model = ?2 ORDER BY model, id",
                      name != NULL, name, cols, sizeof cols / sizeof cols[0], "promotions",
                      cause);
}

/* Record that VERSION of model NAME was exported into FOLDER now. */
static int
export_put(struct store *s, const char *name, int version, const char *folder, char **cause)
{
    sqlite3_stmt *st = NULL;
    char now[32], *abs;
    int rc, ret;

    if (name == NULL || name[0] == '\0' || folder == NULL || folder[0] == '\0')
        return invalid(cause, "cannot record an export without a model and a folder in '%s'",
                       s->path);
    if (version <= 0)
        return invalid(cause, "cannot record an export of model '%s' in '%s': %d is not a "
                       "version", name, s->path, version);
    if ((ret = model_exists(s, name, version, cause)) < 0)
        return ret;
    /* A relative folder would mean nothing to a later session elsewhere. */
    abs = realpath(folder, NULL);
    now_iso(now);
    rc = prepare(s, &st, "INSERT INTO exports (model, version, folder, exported) "
                         "VALUES (?1, ?2, ?3, ?4)");
    if (rc == SQLITE_OK) {
        bind_text(st, 1, name);
        sqlite3_bind_int(st, 2, version);
        bind_text(st, 3, abs != NULL ? abs : folder);
        bind_text(st, 4, now);
        rc = sqlite3_step(st);
    }
    ret = rc == SQLITE_DONE ? AIWB_OK
                            : fail(s, cause, "record the export of model '%s' version %d", name,
                                   version);
    sqlite3_finalize(st);
    free(abs);
    return ret;
}

/* One row per export (of model NAME only, unless NULL), in the order they
 * were made, to the empty table T: model, version, exported, folder (last:
 * a path is as wide as it is). */
static int
export_list(struct store *s, const char *name, struct aiwb_table *t, char **cause)
{
    static const struct column cols[] = {
        {"model", AIWB_TABLE_TEXT},    {"version", AIWB_TABLE_INT},
        {"exported", AIWB_TABLE_TEXT}, {"folder", AIWB_TABLE_TEXT},
    };

    return list_bound(s, t,
                      "SELECT model, version, exported, folder FROM exports "
                      "WHERE ?1 = 0 OR model = ?2 ORDER BY model, id",
                      name != NULL, name, cols, sizeof cols / sizeof cols[0], "exports", cause);
}

/* The first column of SQL's rows as a new NULL-terminated array of new
 * strings; an empty array if the query fails (completion just offers
 * nothing). */
static char **
names(struct store *s, const char *sql)
{
    sqlite3_stmt *st = NULL;
    char **v = xmalloc(sizeof *v);
    size_t n = 0;

    if (prepare(s, &st, sql) == SQLITE_OK) {
        while (sqlite3_step(st) == SQLITE_ROW) {
            const char *name = (const char *)sqlite3_column_text(st, 0);

            if (name == NULL)
                continue;
            v = xreallocarray(v, n + 2, sizeof *v);
            v[n++] = xstrdup(name);
        }
    }
    sqlite3_finalize(st);
    v[n] = NULL;
    return v;
}

/*
 * Run sqlite's integrity check and foreign key check on the workspace. 0 if
 * both pass; AIWB_EDATA with the first problem found in *cause otherwise.
 */
static int
check(struct store *s, char **cause)
{
    sqlite3_stmt *st = NULL;
    const char *what;
    int rc, ret = AIWB_OK;

    rc = prepare(s, &st, "PRAGMA integrity_check");
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        what = (const char *)sqlite3_column_text(st, 0);
        if (what == NULL || strcmp(what, "ok") != 0) {
            set_cause(cause, xasprintf("workspace '%s' fails its integrity check: %s", s->path,
                                       what != NULL ? what : "no answer"));
            ret = AIWB_EDATA;
            goto out;
        }
        sqlite3_finalize(st);
        st = NULL;
        rc = prepare(s, &st, "PRAGMA foreign_key_check");
        if (rc == SQLITE_OK)
            rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            const char *table = (const char *)sqlite3_column_text(st, 0);
            const char *parent = (const char *)sqlite3_column_text(st, 2);

            set_cause(cause, xasprintf("workspace '%s' fails its foreign key check: a row of "
                                       "table %s refers to a missing row of %s", s->path,
                                       table != NULL ? table : "?",
                                       parent != NULL ? parent : "?"));
            ret = AIWB_EDATA;
            goto out;
        }
    }
    if (rc != SQLITE_DONE) {
        set_cause(cause, xasprintf("cannot check workspace '%s': %s", s->path,
                                   sqlite3_errmsg(s->db)));
        ret = status_of(rc);
    }
out:
    sqlite3_finalize(st);
    return ret;
}

/* Keep drift report R and its N rows; *ID gets the report's number. */
static int
drift_put(struct store *s, const struct store_drift_report *r, size_t n,
          const struct store_drift_row *rows, int64_t *id, char **cause)
{
    sqlite3_stmt *st = NULL;
    char now[32];
    int64_t rid = 0;
    size_t i;
    int rc, ret;

    if (r == NULL || r->ref == NULL || r->cur == NULL)
        return invalid(cause, "cannot record a drift report without its datasets in '%s'", s->path);
    for (i = 0; i < n; i++)
        if (rows[i].column == NULL || rows[i].type == NULL || rows[i].flag == NULL ||
            rows[i].stat == NULL || rows[i].verdict == NULL)
            return invalid(cause,
                           "cannot record drift report row %zu in '%s': it lacks a "
                           "column, type, flag, statistic or verdict",
                           i + 1, s->path);
    now_iso(now);
    rc = begin(s);
    if (rc == SQLITE_OK)
        rc = prepare(s, &st,
                     "INSERT INTO drift_reports (ref, cur, ref_rows, cur_rows, options, "
                     "notes, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (rc == SQLITE_OK) {
        bind_text(st, 1, r->ref);
        bind_text(st, 2, r->cur);
        sqlite3_bind_int64(st, 3, r->ref_rows);
        sqlite3_bind_int64(st, 4, r->cur_rows);
        bind_text(st, 5, r->options != NULL ? r->options : "");
        bind_text(st, 6, r->notes != NULL ? r->notes : "");
        bind_text(st, 7, now);
        rc = sqlite3_step(st);
        rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
        rid = sqlite3_last_insert_rowid(s->db);
    }
    if (rc == SQLITE_OK) {
        sqlite3_finalize(st);
        st = NULL;
        rc = prepare(s, &st,
                     "INSERT INTO drift_columns (report, seq, column, type, n_ref, n_cur, flag, "
                     "stat_seq, stat, value, p, effect, measure, severity, verdict, binning, "
                     "note, dist) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
                     "?13, ?14, ?15, ?16, ?17, ?18)");
    }
    for (i = 0; rc == SQLITE_OK && i < n; i++) {
        const struct store_drift_row *w = &rows[i];

        sqlite3_bind_int64(st, 1, rid);
        sqlite3_bind_int64(st, 2, w->seq);
        bind_text(st, 3, w->column);
        bind_text(st, 4, w->type);
        sqlite3_bind_int64(st, 5, w->n_ref);
        sqlite3_bind_int64(st, 6, w->n_cur);
        bind_text(st, 7, w->flag);
        sqlite3_bind_int64(st, 8, w->stat_seq);
        bind_text(st, 9, w->stat);
        bind_real(st, 10, w->value);
        bind_real(st, 11, w->p);
        bind_real(st, 12, w->effect);
        bind_text(st, 13, w->measure);
        bind_real(st, 14, w->severity);
        bind_text(st, 15, w->verdict);
        bind_text(st, 16, w->binning);
        bind_text(st, 17, w->note);
        if (w->dist != NULL)
            sqlite3_bind_blob64(st, 18, w->dist, w->dist_len, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 18);
        rc = sqlite3_step(st);
        if (rc == SQLITE_DONE)
            rc = sqlite3_reset(st);
    }
    if (rc == SQLITE_OK)
        rc = exec(s, "COMMIT");
    ret = rc == SQLITE_OK ? AIWB_OK : fail(s, cause, "record the drift report");
    sqlite3_finalize(st);
    if (ret < 0)
        rollback(s);
    else
        *id = rid;
    return ret;
}

/* Column I of ST as text, NULL for a NULL. */
static const char *
column_text(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

/* Column I of ST as a real, NaN for a NULL. */
static double
column_real(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? NAN : sqlite3_column_double(st, i);
}

/* Read drift report ID back through FN (see store_drift_get). */
static int
drift_get(struct store *s, int64_t id,
          int (*fn)(void *, const struct store_drift_report *, const struct store_drift_row *),
          void *arg, char **cause)
{
    sqlite3_stmt *head = NULL, *st = NULL;
    struct store_drift_report r = {.id = id};
    int rc, ret = AIWB_OK;

    rc = prepare(s, &head,
                 "SELECT ref, cur, ref_rows, cur_rows, options, notes, created "
                 "FROM drift_reports WHERE id = ?1");
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(head, 1, id);
        rc = sqlite3_step(head);
    }
    if (rc == SQLITE_DONE) {
        ret = invalid(cause, "no drift report %" PRId64 " in workspace '%s'", id, s->path);
        goto out;
    }
    if (rc != SQLITE_ROW)
        goto fail;
    r.ref = column_text(head, 0);
    r.cur = column_text(head, 1);
    r.ref_rows = sqlite3_column_int64(head, 2);
    r.cur_rows = sqlite3_column_int64(head, 3);
    r.options = column_text(head, 4);
    r.notes = column_text(head, 5);
    r.created = column_text(head, 6);
    if ((ret = fn(arg, &r, NULL)) != 0)
        goto out;
    rc = prepare(s, &st,
                 "SELECT seq, column, type, n_ref, n_cur, flag, stat_seq, stat, value, "
                 "p, effect, measure, severity, verdict, binning, note, dist "
                 "FROM drift_columns WHERE report = ?1 ORDER BY seq, stat_seq");
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 1, id);
    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_drift_row w = {
            .seq = sqlite3_column_int64(st, 0),
            .column = column_text(st, 1),
            .type = column_text(st, 2),
            .n_ref = sqlite3_column_int64(st, 3),
            .n_cur = sqlite3_column_int64(st, 4),
            .flag = column_text(st, 5),
            .stat_seq = sqlite3_column_int64(st, 6),
            .stat = column_text(st, 7),
            .value = column_real(st, 8),
            .p = column_real(st, 9),
            .effect = column_real(st, 10),
            .measure = column_text(st, 11),
            .severity = column_real(st, 12),
            .verdict = column_text(st, 13),
            .binning = column_text(st, 14),
            .note = column_text(st, 15),
        };

        if (sqlite3_column_type(st, 16) == SQLITE_BLOB) {
            w.dist = sqlite3_column_blob(st, 16);
            w.dist_len = (size_t)sqlite3_column_bytes(st, 16);
        }
        if ((ret = fn(arg, &r, &w)) != 0)
            goto out;
        rc = SQLITE_OK;
    }
    if (rc == SQLITE_DONE)
        goto out;
fail:
    ret = fail(s, cause, "read drift report %" PRId64, id);
out:
    sqlite3_finalize(st);
    sqlite3_finalize(head);
    return ret;
}

/* One row per drift report, by number, to the empty table T. */
static int
drift_list(struct store *s, struct aiwb_table *t, char **cause)
{
    static const struct column cols[] = {
        {"id", AIWB_TABLE_INT},       {"ref", AIWB_TABLE_TEXT},    {"cur", AIWB_TABLE_TEXT},
        {"created", AIWB_TABLE_TEXT}, {"columns", AIWB_TABLE_INT}, {"drifted", AIWB_TABLE_INT},
        {"options", AIWB_TABLE_TEXT},
    };

    return list(
        s, t,
        "SELECT r.id, r.ref, r.cur, r.created, "
        "  (SELECT count(DISTINCT c.column) FROM drift_columns AS c WHERE c.report = r.id), "
        "  (SELECT count(DISTINCT c.column) FROM drift_columns AS c "
        "   WHERE c.report = r.id AND c.flag = 'DRIFT'), r.options "
        "FROM drift_reports AS r ORDER BY r.id",
        0, cols, sizeof cols / sizeof cols[0], "drift reports", cause);
}

/* ---- The public functions: each is its counterpart above, under the lock. */

/*
 * Most read `return unlock(s, f(lock(s), ...))`: f's arguments, lock(s)
 * among them, are evaluated before f runs and unlock() runs after f
 * returns, so f runs under the lock and its status passes through.
 */
static struct store *
lock(struct store *s)
{
    pthread_mutex_lock(&s->lock);
    return s;
}

static int
unlock(struct store *s, int ret)
{
    pthread_mutex_unlock(&s->lock);
    return ret;
}

/* Commit the buffered curve points of S now: 0, or a negative status with
 * *cause set (the points stay buffered). */
int
store_flush(struct store *s, char **cause)
{
    return unlock(s, flush_points(lock(s), cause));
}

/* Record dataset D, replacing a record of the same name; see dataset_put(). */
int
store_dataset_put(struct store *s, const struct store_dataset *d, char **cause)
{
    return unlock(s, dataset_put(lock(s), d, cause));
}

/* List the datasets in the empty table T; see dataset_list(). */
int
store_dataset_list(struct store *s, struct aiwb_table *t, char **cause)
{
    return unlock(s, dataset_list(lock(s), t, cause));
}

/* Keep the data BLOB of dataset NAME; see store.h. */
int
store_dataset_save(struct store *s, const char *name, const unsigned char *blob, size_t len,
                   char **cause)
{
    return unlock(s, dataset_save(lock(s), name, blob, len, cause));
}

/* The saved data of dataset NAME, if any; see store.h. */
int
store_dataset_data(struct store *s, const char *name, unsigned char **blob, size_t *len,
                   char **cause)
{
    return unlock(s, dataset_data(lock(s), name, blob, len, cause));
}

/* Start run R, owned by this process, *ID getting its number; see run_begin(). */
int
store_run_begin(struct store *s, const struct store_run *r, int64_t *id, char **cause)
{
    return unlock(s, run_begin(lock(s), r, id, cause));
}

/* Buffer one curve point of run ID; see run_curve(). */
int
store_run_curve(struct store *s, int64_t id, int64_t step, const char *name, double v,
                char **cause)
{
    return unlock(s, run_curve(lock(s), id, step, name, v, cause));
}

/* End run ID with STATUS; see run_end(). */
int
store_run_end(struct store *s, int64_t id, const char *status, int64_t iterations,
              const char *message, char **cause)
{
    return unlock(s, run_end(lock(s), id, status, iterations, message, cause));
}

/* The status of run ID in a new string the caller frees, or NULL if there is
 * no such run. */
char *
store_run_status(struct store *s, int64_t id)
{
    char *status;

    pthread_mutex_lock(&s->lock);
    status = run_status(s, id);
    pthread_mutex_unlock(&s->lock);
    return status;
}

/* List the runs in the empty table T; see run_list(). */
int
store_run_list(struct store *s, struct aiwb_table *t, char **cause)
{
    return unlock(s, run_list(lock(s), 0, -1, t, cause));
}

/* Runs OFFSET + 1 to OFFSET + LIMIT in the order of store_run_list(). */
int
store_run_page(struct store *s, int64_t offset, int64_t limit, struct aiwb_table *t, char **cause)
{
    return unlock(s, run_list(lock(s), offset, limit < 0 ? 0 : limit, t, cause));
}

/* How many runs the workspace holds. */
int
store_run_count(struct store *s, int64_t *n, char **cause)
{
    int rc;

    /* fail() reads sqlite's message, which the flusher may replace once
     * the lock is let go: it runs under the lock too. */
    pthread_mutex_lock(&s->lock);
    rc = query_int(s, "SELECT count(*) FROM runs", n) == SQLITE_OK
             ? AIWB_OK
             : fail(s, cause, "count the runs");
    pthread_mutex_unlock(&s->lock);
    return rc;
}

/* List the curve points of run ID in the empty table T; see curve_list(). */
int
store_curve_list(struct store *s, int64_t id, struct aiwb_table *t, char **cause)
{
    return unlock(s, curve_list(lock(s), id, t, cause));
}

/* Record N metric values of a model on a dataset; see eval_put(). */
int
store_eval_put(struct store *s, const char *model, int version, const char *dataset, size_t n,
               const char *const *names, const double *values, char **cause)
{
    return unlock(s, eval_put(lock(s), model, version, dataset, n, names, values, cause));
}

/* Save model M as the next version of its name; see model_put(). */
int
store_model_put(struct store *s, const struct store_model *m, int *version, char **cause)
{
    return unlock(s, model_put(lock(s), m, version, cause));
}

/* Read a model's blob into a new buffer the caller frees; see model_get(). */
int
store_model_get(struct store *s, const char *name, int version, unsigned char **blob,
                size_t *len, int *version_out, char **cause)
{
    return unlock(s, model_get(lock(s), name, version, blob, len, version_out, cause));
}

/* List every model version in the empty table T; see model_versions(). */
int
store_model_list(struct store *s, struct aiwb_table *t, char **cause)
{
    return unlock(s, model_versions(lock(s), NULL, t, cause));
}

/* List the versions of model NAME (every model's if NULL) in the empty
 * table T; see model_versions(). */
int
store_model_versions(struct store *s, const char *name, struct aiwb_table *t, char **cause)
{
    return unlock(s, model_versions(lock(s), name, t, cause));
}

/* Mark a version of a model live; see promote(). */
int
store_promote(struct store *s, const char *name, int version, const char *dataset,
              const char *note, int *previous, char **cause)
{
    return unlock(s, promote(lock(s), name, version, dataset, note, previous, cause));
}

/* The live version of a model and since when; see model_live(). */
int
store_model_live(struct store *s, const char *name, int *version, char **since, char **cause)
{
    return unlock(s, model_live(lock(s), name, version, since, cause));
}

/* List the promotions in the empty table T; see promotion_list(). */
int
store_promotion_list(struct store *s, const char *name, struct aiwb_table *t, char **cause)
{
    return unlock(s, promotion_list(lock(s), name, t, cause));
}

/* Record an export of a model version; see export_put(). */
int
store_export_put(struct store *s, const char *name, int version, const char *folder,
                 char **cause)
{
    return unlock(s, export_put(lock(s), name, version, folder, cause));
}

/* List the exports in the empty table T; see export_list(). */
int
store_export_list(struct store *s, const char *name, struct aiwb_table *t, char **cause)
{
    return unlock(s, export_list(lock(s), name, t, cause));
}

/* Record the metrics of a cross-validated run; see run_metrics_put(). */
int
store_run_metrics_put(struct store *s, int64_t id, size_t n, const char *const *names,
                      const double *mean, const double *sd, size_t nfolds, char **cause)
{
    return unlock(s, run_metrics_put(lock(s), id, n, names, mean, sd, nfolds, cause));
}

/* The runs that measured a metric, best first; see leaderboard(). */
int
store_leaderboard(struct store *s, const char *metric, int higher, struct aiwb_table *t,
                  char **cause)
{
    return unlock(s, leaderboard(lock(s), metric, higher, t, cause));
}

/* Run ID's fields as rows; see run_info(). */
int
store_run_info(struct store *s, int64_t id, struct aiwb_table *t, char **cause)
{
    return unlock(s, run_info(lock(s), id, t, cause));
}

/* A cross-validated run's metrics; see run_metrics(). */
int
store_run_metrics(struct store *s, int64_t id, struct aiwb_table *t, char **cause)
{
    return unlock(s, run_metrics(lock(s), id, t, cause));
}

/* The evaluations of the models a run saved; see run_evals(). */
int
store_run_evals(struct store *s, int64_t id, struct aiwb_table *t, char **cause)
{
    return unlock(s, run_evals(lock(s), id, t, cause));
}

/* The evaluations of a model version in the order they were made; see
 * model_evals(). */
int
store_model_evals(struct store *s, const char *name, int version, struct aiwb_table *t,
                  char **cause)
{
    return unlock(s, model_evals(lock(s), name, version, t, cause));
}

/* The run that saved a model version; see model_run(). */
int
store_model_run(struct store *s, const char *name, int version, int64_t *run, int *version_out,
                char **cause)
{
    return unlock(s, model_run(lock(s), name, version, run, version_out, cause));
}

/* The names of the saved models, sorted, as a new NULL-terminated array of
 * new strings that the caller frees (each, then the array); never NULL. */
char **
store_model_names(struct store *s)
{
    char **v;

    pthread_mutex_lock(&s->lock);
    v = names(s, "SELECT DISTINCT name FROM models ORDER BY name");
    pthread_mutex_unlock(&s->lock);
    return v;
}

/* The names of the recorded datasets, sorted, as store_model_names() gives
 * them. */
char **
store_dataset_names(struct store *s)
{
    char **v;

    pthread_mutex_lock(&s->lock);
    v = names(s, "SELECT name FROM datasets ORDER BY name");
    pthread_mutex_unlock(&s->lock);
    return v;
}

/* Check the workspace's integrity and foreign keys; see check(). */
int
store_check(struct store *s, char **cause)
{
    return unlock(s, check(lock(s), cause));
}

/* Keep a drift report and its rows: 0, or a negative status with *cause. */
int
store_drift_put(struct store *s, const struct store_drift_report *r, size_t n,
                const struct store_drift_row *rows, int64_t *id, char **cause)
{
    return unlock(s, drift_put(lock(s), r, n, rows, id, cause));
}

/* Read drift report ID back through FN; see store.h. */
int
store_drift_get(struct store *s, int64_t id,
                int (*fn)(void *arg, const struct store_drift_report *r,
                          const struct store_drift_row *row),
                void *arg, char **cause)
{
    return unlock(s, drift_get(lock(s), id, fn, arg, cause));
}

/* List the drift reports into the empty table T. */
int
store_drift_list(struct store *s, struct aiwb_table *t, char **cause)
{
    return unlock(s, drift_list(lock(s), t, cause));
}
