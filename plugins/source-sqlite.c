/*
 * source-sqlite.c - the sqlite source: one query's result, or one table, of a
 * sqlite database read into a frame, the file opened read-only and defended.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A database is data a user was handed, so it is treated as untrusted input
 * (SQLite's "defense against the dark arts"):
 * - The file is checked before sqlite sees it: a sqlite header, a sane page
 *   size, and as many bytes as the header says the database has, so a
 *   truncated copy is refused at once. Files up to CHECK_AUTO_BYTES also go
 *   through PRAGMA quick_check (the `check` option decides for any size).
 * - It is opened with SQLITE_OPEN_READONLY, never as a URI ("file:" names
 *   are passed as "./file:..."), with PRAGMA query_only, the defensive flag,
 *   untrusted schema (trusted_schema=OFF), no extensions, no fts3_tokenizer
 *   pointers and no attached databases.
 * - An authorizer allows reading and nothing else: SELECT, reads of tables,
 *   recursive queries, functions but load_extension and fts3_tokenizer, and
 *   the pragmas that only report. What it refuses is named in the error.
 * - A progress handler stops a query that runs past `timeout` seconds.
 * - Values in `params` are bound to the query's parameters, never pasted
 *   into its text; `table` is quoted as an identifier.
 *
 * Types come from the result. Each cell's storage class is read: a column of
 * INTEGER and REAL values is numeric, a column of TEXT is categorical, NULL
 * (and the empty text) is missing. A column mixing numbers and text becomes
 * categorical with a warning that names its first text; a BLOB is refused.
 * A column with no values at all (every cell NULL, or no rows) takes its
 * declared type: categorical when its affinity is TEXT, numeric otherwise.
 *
 * Rows are read into growing column arrays: doubles while a column holds
 * numbers, codes into a hash of levels once it holds text (numbers read
 * before are then turned into their text). The frame is made at the end,
 * column by column, each array freed once copied, so the peak is the frame
 * plus one column rather than two copies of everything.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include <aiwb/plugin.h>

static const struct aiwb_host_api *api;

#define CHECK_AUTO_BYTES (256u << 20) /* quick_check files up to this size by default */
#define PROGRESS_OPS 1000             /* virtual machine steps between clock checks */
#define FIRST_ROWS 1024               /* the column arrays start this long */
#define SHOW_MAX 40                   /* bytes of a value quoted in a message */
#define HEADER_BYTES 100              /* a sqlite file's header */
#define TWO_53 9007199254740992.0

/* What the values of a column were so far. */
enum col_kind {
    K_NONE = 0, /* only NULLs */
    K_NUM,      /* numbers: `num` holds the column */
    K_TEXT      /* text met: `codes` holds the column */
};

/* A column's distinct texts, with an open-addressing hash from text to code. */
struct levels {
    char **text;
    size_t *len;
    uint32_t *hash;
    size_t n, cap;
    int32_t *slot; /* nslot codes, -1 for an empty slot */
    size_t nslot;  /* a power of two, at least twice n */
};

/* One column of the result, as it is read. */
struct col {
    char *name;        /* as it will be in the frame */
    int declared_text; /* its declared type has TEXT affinity */
    enum col_kind kind;
    double *num;
    int32_t *codes;
    struct levels lv;
    size_t numbers, texts;
    size_t first_text_row; /* 1-based, for the warning about a mixed column */
    char *first_text;
    int warned_inexact; /* an integer past 2^53 was reported */
};

/* One read: the database, the statement and the columns being filled. */
struct sq {
    const char *name; /* the file as the user named it */
    sqlite3 *db;
    sqlite3_stmt *stmt;
    const char *sql;       /* the query as the user wrote it; NULL for table= */
    char denied[200];      /* what the authorizer refused, for the message */
    char schema_write[80]; /* a write to a sqlite_ table it let through */
    double timeout;        /* seconds; 0 for none */
    struct timespec t0;    /* when the read began */
    int timed_out;
    int cancelled; /* the user pressed Ctrl-C */
    int checked; /* quick_check has run */
    size_t ncols, nrows, cap;
    struct col *cols;
    char fmt[32]; /* scratch for the text of a number */
};

/* The state the host allocates per open source. */
struct sqlite_state {
    struct aiwb_frame *frame; /* read by open, handed over by the first next */
};

/* ---------------------------------------------------------------------------
 * Small helpers
 */

/* S (LEN bytes) for a message: at most SHOW_MAX bytes, cut at a character. */
static const char *
show(const char *s, size_t len, char *buf, size_t size)
{
    size_t n = len < SHOW_MAX ? len : SHOW_MAX;

    if (n + 4 > size)
        n = size - 4;
    while (n < len && n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    memcpy(buf, s, n);
    strcpy(buf + n, n < len ? "..." : "");
    return buf;
}

/* The length of the valid UTF-8 sequence at P, or 0. Reads no further than
 * a byte that is not a continuation, so a terminating NUL stops it. */
static size_t
utf8_len(const unsigned char *p)
{
    unsigned c = p[0];

    if (c < 0x80)
        return 1;
    if (c < 0xC2 || c > 0xF4 || (p[1] & 0xC0) != 0x80)
        return 0;
    if (c < 0xE0)
        return 2;
    if ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] >= 0xA0) || (c == 0xF0 && p[1] < 0x90) ||
        (c == 0xF4 && p[1] >= 0x90) || (p[2] & 0xC0) != 0x80)
        return 0;
    if (c < 0xF0)
        return 3;
    return (p[3] & 0xC0) == 0x80 ? 4 : 0;
}

/* The offset of the first byte of S (LEN bytes, NUL after) that is not
 * valid UTF-8, or LEN. */
static size_t
utf8_check(const char *s, size_t len)
{
    size_t i = 0, n;

    while (i < len) {
        if ((unsigned char)s[i] < 0x80) {
            i++;
            continue;
        }
        if ((n = utf8_len((const unsigned char *)s + i)) == 0 || i + n > len)
            return i;
        i += n;
    }
    return len;
}

/* The shortest text of V that reads back as V: what a number becomes as a
 * level ("3" for 3 and 3.0, "0.1", "1e+300"). Returns a pointer to BUF. */
static const char *
number_text(double v, char *buf, size_t size)
{
    if (v == floor(v) && fabs(v) < TWO_53) {
        snprintf(buf, size, "%.0f", v);
        return buf;
    }
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, size, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    return buf;
}

static double
seconds_since(const struct timespec *t0)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* ---------------------------------------------------------------------------
 * Levels: distinct texts of a column
 */

static uint32_t
hash_text(const char *s, size_t n)
{
    uint32_t h = 2166136261u;

    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

static void
levels_rehash(struct levels *lv)
{
    size_t nslot = lv->nslot ? 2 * lv->nslot : 64;

    api->free(lv->slot);
    lv->slot = api->alloc(nslot * sizeof(*lv->slot));
    memset(lv->slot, 0xFF, nslot * sizeof(*lv->slot));
    lv->nslot = nslot;
    for (size_t i = 0; i < lv->n; i++) {
        size_t j = lv->hash[i] & (nslot - 1);

        while (lv->slot[j] >= 0)
            j = (j + 1) & (nslot - 1);
        lv->slot[j] = (int32_t)i;
    }
}

/* The code of S (N bytes), added when new; -1 when there are too many. */
static int32_t
levels_intern(struct levels *lv, const char *s, size_t n)
{
    uint32_t h = hash_text(s, n);
    size_t j;

    if (2 * (lv->n + 1) > lv->nslot)
        levels_rehash(lv);
    for (j = h & (lv->nslot - 1); lv->slot[j] >= 0; j = (j + 1) & (lv->nslot - 1)) {
        int32_t k = lv->slot[j];

        if (lv->hash[k] == h && lv->len[k] == n && memcmp(lv->text[k], s, n) == 0)
            return k;
    }
    if (lv->n >= INT32_MAX - 1)
        return -1;
    if (lv->n == lv->cap) {
        lv->cap = lv->cap ? 2 * lv->cap : 16;
        lv->text = api->realloc(lv->text, lv->cap * sizeof(*lv->text));
        lv->len = api->realloc(lv->len, lv->cap * sizeof(*lv->len));
        lv->hash = api->realloc(lv->hash, lv->cap * sizeof(*lv->hash));
    }
    lv->text[lv->n] = api->alloc(n + 1);
    memcpy(lv->text[lv->n], s, n);
    lv->text[lv->n][n] = '\0';
    lv->len[lv->n] = n;
    lv->hash[lv->n] = h;
    lv->slot[j] = (int32_t)lv->n;
    return (int32_t)lv->n++;
}

static void
levels_release(struct levels *lv)
{
    for (size_t i = 0; i < lv->n; i++)
        api->free(lv->text[i]);
    api->free(lv->text);
    api->free(lv->len);
    api->free(lv->hash);
    api->free(lv->slot);
    memset(lv, 0, sizeof(*lv));
}

/* ---------------------------------------------------------------------------
 * The file, before sqlite reads it
 */

static uint32_t
be16(const unsigned char *p)
{
    return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t
be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * Check that PATH is a whole sqlite database: readable, the header's magic
 * string and page size, and at least as many bytes as the header says the
 * database holds (that count is valid when the change counter matches the
 * "version valid for" field, as every sqlite since 3.7.0 writes it). Sets
 * *SIZE to the file's size. Returns AIWB_OK, or an error with *cause set.
 */
static int
check_file(const char *path, off_t *size, char **cause)
{
    unsigned char h[HEADER_BYTES];
    struct stat sb = {0};
    ssize_t got = 0, r;
    uint32_t page, pages;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0) {
        *cause = api->format("cannot open '%s': %s", path, strerror(errno));
        return AIWB_EIO;
    }
    if (fstat(fd, &sb) != 0 || S_ISDIR(sb.st_mode)) {
        int e = S_ISDIR(sb.st_mode) ? EISDIR : errno;

        *cause = api->format("cannot read '%s': %s", path, strerror(e));
        close(fd);
        return AIWB_EIO;
    }
    while (got < HEADER_BYTES && (r = read(fd, h + got, HEADER_BYTES - (size_t)got)) != 0) {
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            *cause = api->format("cannot read '%s': %s", path, strerror(errno));
            close(fd);
            return AIWB_EIO;
        }
        got += r;
    }
    close(fd);
    *size = sb.st_size;
    if (got == 0) {
        *cause = api->format("'%s' is empty", path);
        return AIWB_EDATA;
    }
    if (got < HEADER_BYTES || memcmp(h, "SQLite format 3", 16) != 0) {
        *cause = api->format("'%s' is not a sqlite database (it does not start with "
                             "\"SQLite format 3\")",
                             path);
        return AIWB_EDATA;
    }
    page = be16(h + 16) == 1 ? 65536 : be16(h + 16);
    if (page < 512 || (page & (page - 1)) != 0) {
        *cause =
            api->format("'%s' is corrupt: its header gives a page size of %" PRIu32, path, page);
        return AIWB_EDATA;
    }
    pages = be32(h + 28);
    if (pages > 0 && be32(h + 24) == be32(h + 92) &&
        (uint64_t)sb.st_size < (uint64_t)pages * page) {
        *cause = api->format("'%s' is truncated: its header says %" PRIu32 " pages of %" PRIu32
                             " bytes (%" PRIu64 " bytes), the file has %jd",
                             path, pages, page, (uint64_t)pages * page, (intmax_t)sb.st_size);
        return AIWB_EDATA;
    }
    return AIWB_OK;
}

/* ---------------------------------------------------------------------------
 * The connection: read-only, defensive, watched
 */

/* What each action the authorizer refuses is called in a message. */
static const char *const action_names[] = {
    [SQLITE_CREATE_INDEX] = "CREATE INDEX",
    [SQLITE_CREATE_TABLE] = "CREATE TABLE",
    [SQLITE_CREATE_TEMP_INDEX] = "CREATE TEMP INDEX",
    [SQLITE_CREATE_TEMP_TABLE] = "CREATE TEMP TABLE",
    [SQLITE_CREATE_TEMP_TRIGGER] = "CREATE TEMP TRIGGER",
    [SQLITE_CREATE_TEMP_VIEW] = "CREATE TEMP VIEW",
    [SQLITE_CREATE_TRIGGER] = "CREATE TRIGGER",
    [SQLITE_CREATE_VIEW] = "CREATE VIEW",
    [SQLITE_DELETE] = "DELETE FROM",
    [SQLITE_DROP_INDEX] = "DROP INDEX",
    [SQLITE_DROP_TABLE] = "DROP TABLE",
    [SQLITE_DROP_TEMP_INDEX] = "DROP INDEX",
    [SQLITE_DROP_TEMP_TABLE] = "DROP TABLE",
    [SQLITE_DROP_TEMP_TRIGGER] = "DROP TRIGGER",
    [SQLITE_DROP_TEMP_VIEW] = "DROP VIEW",
    [SQLITE_DROP_TRIGGER] = "DROP TRIGGER",
    [SQLITE_DROP_VIEW] = "DROP VIEW",
    [SQLITE_INSERT] = "INSERT INTO",
    [SQLITE_UPDATE] = "UPDATE",
    [SQLITE_ATTACH] = "ATTACH",
    [SQLITE_DETACH] = "DETACH",
    [SQLITE_ALTER_TABLE] = "ALTER TABLE",
    [SQLITE_REINDEX] = "REINDEX",
    [SQLITE_ANALYZE] = "ANALYZE",
    [SQLITE_CREATE_VTABLE] = "CREATE VIRTUAL TABLE",
    [SQLITE_DROP_VTABLE] = "DROP VIRTUAL TABLE",
    [SQLITE_SAVEPOINT] = "SAVEPOINT",
};

/* Pragmas that only report, with or without an argument (a table's name). */
static const char *const pragmas_reading[] = {
    "foreign_key_check", "foreign_key_list", "index_info", "index_list", "index_xinfo",
    "integrity_check",   "quick_check",      "table_info", "table_list", "table_xinfo",
};

/* Pragmas that report when they are given no value (and set it when given one). */
static const char *const pragmas_asking[] = {
    "application_id", "auto_vacuum",    "cell_size_check", "collation_list", "compile_options",
    "data_version",   "database_list",  "encoding",        "freelist_count", "function_list",
    "module_list",    "page_count",     "page_size",       "pragma_list",    "query_only",
    "schema_version", "trusted_schema", "user_version",
};

static int
in_list(const char *const *list, size_t n, const char *word)
{
    for (size_t i = 0; word != NULL && i < n; i++)
        if (sqlite3_stricmp(list[i], word) == 0)
            return 1;
    return 0;
}

/* Whether a PRAGMA NAME with argument ARG (or NULL) only reads. */
static int
pragma_reads(const char *name, const char *arg)
{
    if (in_list(pragmas_reading, sizeof(pragmas_reading) / sizeof(*pragmas_reading), name))
        return 1;
    return arg == NULL &&
           in_list(pragmas_asking, sizeof(pragmas_asking) / sizeof(*pragmas_asking), name);
}

/* Record the first refusal of a statement (the one to report) and refuse. */
static int deny(struct sq *sq, const char *fmt, ...) AIWB_PRINTF(2, 3);

static int
deny(struct sq *sq, const char *fmt, ...)
{
    va_list ap;

    if (sq->denied[0] == '\0') {
        va_start(ap, fmt);
        vsnprintf(sq->denied, sizeof(sq->denied), fmt, ap);
        va_end(ap);
    }
    return SQLITE_DENY;
}

/* The authorizer: reading is allowed, everything else refused and recorded. */
static int
authorize(void *arg, int action, const char *a1, const char *a2, const char *db, const char *via)
{
    struct sq *sq = arg;
    const char *what = "this statement", *subject = a1;

    (void)db;
    (void)via;
    switch (action) {
    case SQLITE_SELECT:
    case SQLITE_READ:
    case SQLITE_RECURSIVE:
        return SQLITE_OK;
    case SQLITE_FUNCTION:
        if (sqlite3_stricmp(a2, "load_extension") == 0 ||
            sqlite3_stricmp(a2, "fts3_tokenizer") == 0) {
            return deny(sq, "function %s()", a2);
        }
        return SQLITE_OK;
    case SQLITE_PRAGMA:
        if (pragma_reads(a1, a2))
            return SQLITE_OK;
        return deny(sq, "PRAGMA %s%s%s", a1, a2 ? " = " : "", a2 ? a2 : "");
    case SQLITE_TRANSACTION:
        return deny(sq, "%s", a1 ? a1 : "a transaction");
    case SQLITE_ALTER_TABLE:
        subject = a2; /* a1 is the schema */
        break;
    case SQLITE_SAVEPOINT:
        subject = a2;
        break;
    default:
        break;
    }
    if (action >= 0 && (size_t)action < sizeof(action_names) / sizeof(*action_names) &&
        action_names[action] != NULL)
        what = action_names[action];
    if ((action == SQLITE_INSERT || action == SQLITE_UPDATE || action == SQLITE_DELETE) &&
        subject != NULL && strncmp(subject, "sqlite_", 7) == 0) {
        /* the schema table: written under CREATE and the like, whose own
         * action is then refused, but also named when sqlite connects a
         * table-valued pragma. The statement is refused after prepare if
         * sqlite says it writes (sqlite3_stmt_readonly). */
        snprintf(sq->schema_write, sizeof(sq->schema_write), "writing to '%s'", subject);
        return SQLITE_OK;
    }
    return deny(sq, "%s%s%s%s", what, subject ? " '" : "", subject ? subject : "",
                subject ? "'" : "");
}

/* The progress handler: stop the query once it has run past the timeout. */
static int
watch(void *arg)
{
    struct sq *sq = arg;

    if (sq->timeout > 0 && seconds_since(&sq->t0) > sq->timeout)
        sq->timed_out = 1;
    if (api->interrupted())
        sq->cancelled = 1;
    return sq->timed_out || sq->cancelled;
}

/* Open the database read-only and defended. Returns AIWB_OK or an error. */
static int
open_db(struct sq *sq, const char *path, char **cause)
{
    /* a name starting "file:" would be read as a URI (Debian builds sqlite
     * with SQLITE_USE_URI), with its ?mode= and ?vfs= */
    char *name = strncmp(path, "file:", 5) == 0 ? api->format("./%s", path) : NULL;
    int rc, ms;

    rc = sqlite3_open_v2(name ? name : path, &sq->db, SQLITE_OPEN_READONLY, NULL);
    api->free(name);
    if (rc != SQLITE_OK) {
        *cause = api->format("cannot open '%s': %s", sq->name,
                             sq->db ? sqlite3_errmsg(sq->db) : sqlite3_errstr(rc));
        return AIWB_EIO;
    }
    sqlite3_extended_result_codes(sq->db, 1);
    sqlite3_db_config(sq->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
    sqlite3_db_config(sq->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
    sqlite3_db_config(sq->db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
    sqlite3_db_config(sq->db, SQLITE_DBCONFIG_ENABLE_FTS3_TOKENIZER, 0, NULL);
    /* double-quoted strings stay allowed (SQLITE_DBCONFIG_DQS_DML): views
     * written with them would fail otherwise */
    sqlite3_limit(sq->db, SQLITE_LIMIT_ATTACHED, 0);
    ms = sq->timeout > 0 && sq->timeout < INT_MAX / 1000 ? (int)(sq->timeout * 1000) : INT_MAX;
    sqlite3_busy_timeout(sq->db, ms);
    sqlite3_progress_handler(sq->db, PROGRESS_OPS, watch, sq);
    /* cell_size_check: a damaged page is an error rather than garbage read */
    if (sqlite3_exec(sq->db, "PRAGMA query_only = 1; PRAGMA cell_size_check = 1", NULL, NULL,
                     NULL) != SQLITE_OK) {
        *cause = api->format("'%s': %s", sq->name, sqlite3_errmsg(sq->db));
        return AIWB_EDATA;
    }
    return AIWB_OK;
}

/* The message for a statement that failed with RC: the timeout, what the
 * authorizer refused, or sqlite's own message, placed at PLACE (or NULL). */
static char *
db_error(struct sq *sq, int rc, const char *place)
{
    const char *sp = place ? " " : "", *at = place ? place : "";

    if (sq->cancelled)
        return api->format("'%s'%s%s: stopped by the user (Ctrl-C)", sq->name, sp, at);
    if (sq->timed_out)
        return api->format("'%s'%s%s: still running after %g s, stopped (timeout=%g; raise it "
                           "to wait longer)",
                           sq->name, sp, at, sq->timeout, sq->timeout);
    if (sq->denied[0] != '\0')
        return api->format("'%s'%s%s: %s is refused: the sqlite source only reads", sq->name, sp,
                           at, sq->denied);
    if ((rc & 0xFF) == SQLITE_NOTADB)
        return api->format("'%s' is not a sqlite database (%s)", sq->name, sqlite3_errmsg(sq->db));
    return api->format("'%s'%s%s: %s", sq->name, sp, at, sqlite3_errmsg(sq->db));
}

/*
 * Run PRAGMA quick_check. Returns AIWB_OK when it says "ok"; AIWB_EDATA
 * with *cause "'x.db' is corrupt (PRAGMA quick_check: ...)" naming the
 * first problem; or the error that stopped it.
 */
static int
quick_check(struct sq *sq, char **cause)
{
    sqlite3_stmt *st = NULL;
    size_t problems = 0;
    char *first = NULL;
    int rc;

    sq->checked = 1;
    rc = sqlite3_prepare_v2(sq->db, "PRAGMA quick_check(2)", -1, &st, NULL);
    while (rc == SQLITE_OK || rc == SQLITE_ROW) {
        const char *text, *nl;

        if ((rc = sqlite3_step(st)) != SQLITE_ROW)
            break;
        text = (const char *)sqlite3_column_text(st, 0);
        if (text == NULL || strcmp(text, "ok") == 0 || problems++ > 0)
            continue;
        /* "*** in database main ***\nOn tree page 5 cell 3: ..." */
        if (strncmp(text, "***", 3) == 0 && (nl = strchr(text, '\n')) != NULL)
            text = nl + 1;
        first = api->strdup(text);
        if (first[strcspn(first, "\n")] != '\0') {
            first[strcspn(first, "\n")] = '\0';
            problems++; /* the rest of the rows come as more lines */
        }
    }
    if (rc != SQLITE_DONE && sq->timed_out) {
        *cause = api->format("'%s': PRAGMA quick_check still running after %g s, stopped "
                             "(check=false skips it; timeout=%g)",
                             sq->name, sq->timeout, sq->timeout);
        rc = AIWB_EDATA;
    } else if (rc != SQLITE_DONE) {
        *cause = db_error(sq, rc, "check");
        rc = AIWB_EDATA;
    } else if (problems > 0) {
        *cause = api->format("'%s' is corrupt (PRAGMA quick_check: %s%s)", sq->name, first,
                             problems > 1 ? "; and more" : "");
        rc = AIWB_EDATA;
    } else {
        rc = AIWB_OK;
    }
    api->free(first);
    sqlite3_finalize(st);
    return rc;
}

/* The database's tables and views in *LIST, "a, b, c", or NULL if it has
 * none (a new string the caller frees with api->free). Returns sqlite's
 * status: SQLITE_OK, or why the schema could not be read. */
static int
table_list(struct sq *sq, char **list)
{
    static const char sql[] = "SELECT name FROM sqlite_schema WHERE type IN ('table', 'view') "
                              "AND name NOT LIKE 'sqlite!_%' ESCAPE '!' ORDER BY name";
    sqlite3_stmt *st = NULL;
    int rc;

    *list = NULL;
    rc = sqlite3_prepare_v2(sq->db, sql, -1, &st, NULL);
    while (rc == SQLITE_OK || rc == SQLITE_ROW) {
        char *more;

        if ((rc = sqlite3_step(st)) != SQLITE_ROW)
            break;
        more = api->format("%s%s%s", *list ? *list : "", *list ? ", " : "",
                           (const char *)sqlite3_column_text(st, 0));
        api->free(*list);
        *list = more;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Whether TABLE is a table or view of the database, in *FOUND (names as
 * sqlite matches them: ASCII case ignored). Returns sqlite's status. */
static int
has_table(struct sq *sq, const char *table, int *found)
{
    static const char sql[] = "SELECT 1 FROM sqlite_schema WHERE type IN ('table', 'view') "
                              "AND name = ?1 COLLATE NOCASE";
    sqlite3_stmt *st = NULL;
    int rc;

    *found = 0;
    rc = sqlite3_prepare_v2(sq->db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
        *found = 1;
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* ---------------------------------------------------------------------------
 * The query
 */

/* The SQL to run, from the `query` or `table` option: a new string (free it
 * with sqlite3_free). Returns NULL with *cause set when neither or both are
 * given, or when the table does not exist. */
static char *
make_sql(struct sq *sq, const struct aiwb_options *opts, char **cause)
{
    const char *query = api->opt_str(opts, "query"), *table = api->opt_str(opts, "table");
    char *list = NULL;
    int rc = SQLITE_OK, found = 0;

    if (query != NULL && table != NULL) {
        *cause = api->format("'%s': give query= or table=, not both", sq->name);
        return NULL;
    }
    if (query != NULL) {
        sq->sql = query;
        return sqlite3_mprintf("%s", query);
    }
    if (table != NULL && (rc = has_table(sq, table, &found)) == SQLITE_OK && found)
        return sqlite3_mprintf("SELECT * FROM \"%w\"", table);
    if (rc != SQLITE_OK || (rc = table_list(sq, &list)) != SQLITE_OK)
        *cause = db_error(sq, rc, NULL);
    else if (table != NULL)
        *cause = api->format("'%s' has no table '%s' (%s%s)", sq->name, table,
                             list ? "its tables: " : "it has no tables", list ? list : "");
    else if (list != NULL)
        *cause = api->format("'%s': say which table to read (table=NAME) or give a query "
                             "(query='SELECT ...'); its tables: %s",
                             sq->name, list);
    else
        *cause = api->format("'%s' has no tables", sq->name);
    api->free(list);
    return NULL;
}

/* The character (1-based) at byte offset OFF of S. */
static size_t
char_at(const char *s, size_t off)
{
    size_t n = 1;

    for (size_t i = 0; i < off && s[i] != '\0'; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}

/* The first character of S that is not a space, a semicolon or in a comment. */
static const char *
skip_comments(const char *s)
{
    while (*s != '\0') {
        if (strchr(" \t\r\n\f\v;", *s) != NULL) {
            s++;
        } else if (s[0] == '-' && s[1] == '-') {
            s += strcspn(s, "\n");
        } else if (s[0] == '/' && s[1] == '*') {
            const char *end = strstr(s + 2, "*/");

            s = end ? end + 2 : s + strlen(s);
        } else {
            break;
        }
    }
    return s;
}

/* A failed prepare: the place in the user's query when sqlite knows it, and
 * the tables when one was not found. */
static char *
prepare_error(struct sq *sq, int rc)
{
    const char *msg = sqlite3_errmsg(sq->db);
    int off = sqlite3_error_offset(sq->db);
    char place[64], *cause, *list = NULL;

    if (sq->sql != NULL && off >= 0)
        snprintf(place, sizeof(place), "query character %zu", char_at(sq->sql, (size_t)off));
    else
        snprintf(place, sizeof(place), "query");
    cause = db_error(sq, rc, place);
    if ((rc & 0xFF) == SQLITE_ERROR && strncmp(msg, "no such table", 13) == 0) {
        char *more;

        if (table_list(sq, &list) == SQLITE_OK) {
            more = api->format("%s (%s%s)", cause, list ? "its tables: " : "it has no tables",
                               list ? list : "");
            api->free(cause);
            cause = more;
        }
        api->free(list);
    }
    return cause;
}

/* Prepare SQL as the one read-only statement that returns columns. */
static int
prepare(struct sq *sq, const char *sql, char **cause)
{
    const char *tail = NULL;
    int rc;

    sqlite3_set_authorizer(sq->db, authorize, sq);
    rc = sqlite3_prepare_v2(sq->db, sql, -1, &sq->stmt, &tail);
    if (rc != SQLITE_OK) {
        *cause = prepare_error(sq, rc);
        return AIWB_EDATA;
    }
    if (sq->stmt == NULL) {
        *cause = api->format("'%s': the query is empty", sq->name);
        return AIWB_EINVAL;
    }
    if (tail != NULL && *(tail = skip_comments(tail)) != '\0') {
        *cause = api->format("'%s' query character %zu: a second statement; the query must be "
                             "one SELECT",
                             sq->name, char_at(sql, (size_t)(tail - sql)));
        return AIWB_EINVAL;
    }
    if (!sqlite3_stmt_readonly(sq->stmt) && sq->schema_write[0] != '\0') {
        *cause = api->format("'%s' query: %s is refused: the sqlite source only reads", sq->name,
                             sq->schema_write);
        return AIWB_EINVAL;
    }
    if (!sqlite3_stmt_readonly(sq->stmt)) {
        *cause = api->format("'%s' query: it would write to the database, which the sqlite "
                             "source never does",
                             sq->name);
        return AIWB_EINVAL;
    }
    if (sqlite3_column_count(sq->stmt) == 0) {
        *cause = api->format("'%s' query: it returns no columns; give a SELECT", sq->name);
        return AIWB_EINVAL;
    }
    return AIWB_OK;
}

/* Whether S has the form of an SQL number without a leading zero or plus
 * sign (so "007" and "+1" stay text); *IS_INT when it has no point or
 * exponent. */
static int
number_form(const char *s, int *is_int)
{
    const char *p = s + (*s == '-');

    if (*p == '0' && p[1] >= '0' && p[1] <= '9')
        return 0;
    if (*p < '0' || *p > '9')
        return 0;
    while (*p >= '0' && *p <= '9')
        p++;
    *is_int = *p != '.' && *p != 'e' && *p != 'E';
    if (*p == '.') {
        if (*++p < '0' || *p > '9')
            return 0;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p == 'e' || *p == 'E') {
        p += p[1] == '+' || p[1] == '-';
        if (*++p < '0' || *p > '9')
            return 0;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    return *p == '\0';
}

/* Bind V to parameter I: as an integer or a real when it is written as one,
 * as text otherwise. */
static int
bind_value(sqlite3_stmt *st, int i, const char *v)
{
    int is_int = 0;

    if (number_form(v, &is_int)) {
        double x;
        char *end;

        errno = 0;
        if (is_int) {
            long long k = strtoll(v, &end, 10);

            if (errno == 0)
                return sqlite3_bind_int64(st, i, k);
        }
        x = strtod(v, &end); /* a real, or an integer past 64 bits */
        if (isfinite(x))
            return sqlite3_bind_double(st, i, x);
    }
    return sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
}

/*
 * Bind the `params` option: values separated by commas, "\," for a comma
 * inside a value and "\\" for a backslash, to ?1, ?2, ... in order. The
 * query must have as many parameters as there are values.
 */
static int
bind_params(struct sq *sq, const struct aiwb_options *opts, char **cause)
{
    const char *params = api->opt_str(opts, "params");
    int want = sqlite3_bind_parameter_count(sq->stmt), n = 0, rc = AIWB_OK;
    char *buf = api->alloc(params ? strlen(params) + 1 : 1);
    const char *p = params;

    while (p != NULL && *p != '\0' && rc == AIWB_OK) {
        size_t len = 0;

        for (; *p != '\0' && *p != ','; p++) {
            if (*p == '\\' && (p[1] == ',' || p[1] == '\\'))
                p++;
            buf[len++] = *p;
        }
        buf[len] = '\0';
        if (++n <= want && bind_value(sq->stmt, n, buf) != SQLITE_OK) {
            *cause = api->format("'%s' query: cannot bind parameter %d: %s", sq->name, n,
                                 sqlite3_errmsg(sq->db));
            rc = AIWB_EDATA;
        }
        if (*p == ',' && *++p == '\0' && ++n <= want) /* "a," ends with an empty value */
            sqlite3_bind_text(sq->stmt, n, "", 0, SQLITE_STATIC);
    }
    api->free(buf);
    if (rc == AIWB_OK && n != want) {
        *cause = api->format("'%s' query: it has %d parameter%s but params gives %d value%s",
                             sq->name, want, want == 1 ? "" : "s", n, n == 1 ? "" : "s");
        rc = AIWB_EINVAL;
    }
    return rc;
}

/* ---------------------------------------------------------------------------
 * The columns
 */

/* Whether the declared type DECL has TEXT affinity (sqlite's rules: INT
 * first, then CHAR, CLOB or TEXT). */
static int
text_affinity(const char *decl)
{
    static const char *const text[] = {"CHAR", "CLOB", "TEXT"};

    if (decl == NULL || strcasestr(decl, "INT") != NULL)
        return 0;
    for (size_t i = 0; i < sizeof(text) / sizeof(*text); i++)
        if (strcasestr(decl, text[i]) != NULL)
            return 1;
    return 0;
}

/* Whether an earlier column than C, or any original name, is called NAME. */
static int
name_taken(const struct sq *sq, size_t c, const char *name)
{
    for (size_t i = 0; i < sq->ncols; i++) {
        const char *other = i < c ? sq->cols[i].name : sqlite3_column_name(sq->stmt, (int)i);

        if (i != c && other != NULL && strcmp(other, name) == 0)
            return 1;
    }
    return 0;
}

/* Name the columns from the result: a column without a name is called V<n>,
 * a repeated name gets a suffix ".1", ".2" ... (as R's make.unique). */
static void
setup_columns(struct sq *sq)
{
    sq->ncols = (size_t)sqlite3_column_count(sq->stmt);
    sq->cols = api->calloc(sq->ncols, sizeof(*sq->cols));
    for (size_t c = 0; c < sq->ncols; c++) {
        const char *name = sqlite3_column_name(sq->stmt, (int)c);
        struct col *col = &sq->cols[c];

        col->declared_text = text_affinity(sqlite3_column_decltype(sq->stmt, (int)c));
        if (name == NULL || *name == '\0') {
            col->name = api->format("V%zu", c + 1);
            api->log(AIWB_LOG_WARN, "'%s': column %zu has no name, called it '%s'", sq->name, c + 1,
                     col->name);
        } else {
            col->name = api->strdup(name);
        }
        for (size_t i = 0; i < c; i++) {
            char *base;

            if (strcmp(sq->cols[i].name, col->name) != 0)
                continue;
            base = col->name;
            col->name = NULL;
            for (size_t k = 1; col->name == NULL || name_taken(sq, c, col->name); k++) {
                api->free(col->name);
                col->name = api->format("%s.%zu", base, k);
            }
            api->log(AIWB_LOG_WARN,
                     "'%s': column %zu is also named '%s' (as column %zu), called it '%s'",
                     sq->name, c + 1, base, i + 1, col->name);
            api->free(base);
            break;
        }
    }
}

/* Make every column's array hold CAP rows. */
static void
grow(struct sq *sq, size_t cap)
{
    for (size_t c = 0; c < sq->ncols; c++) {
        struct col *col = &sq->cols[c];

        if (col->kind == K_NUM)
            col->num = api->realloc(col->num, cap * sizeof(*col->num));
        else if (col->kind == K_TEXT)
            col->codes = api->realloc(col->codes, cap * sizeof(*col->codes));
    }
    sq->cap = cap;
}

/* The first number of a column so far: its array, with the rows before it
 * missing. */
static void
start_numbers(struct sq *sq, struct col *col)
{
    col->num = api->alloc(sq->cap * sizeof(*col->num));
    for (size_t r = 0; r < sq->nrows; r++)
        col->num[r] = NAN;
    col->kind = K_NUM;
}

/* The first text of a column so far: its codes, with the numbers read
 * before turned into their text. Returns -1 when there are too many levels. */
static int
start_text(struct sq *sq, struct col *col)
{
    col->codes = api->alloc(sq->cap * sizeof(*col->codes));
    for (size_t r = 0; r < sq->nrows; r++) {
        const char *t;

        if (col->kind != K_NUM || isnan(col->num[r])) {
            col->codes[r] = AIWB_NA_CODE;
            continue;
        }
        t = number_text(col->num[r], sq->fmt, sizeof(sq->fmt));
        if ((col->codes[r] = levels_intern(&col->lv, t, strlen(t))) < 0)
            return -1;
    }
    api->free(col->num);
    col->num = NULL;
    col->kind = K_TEXT;
    return 0;
}

/* Whether integer I is exactly a double. */
static int
int_exact(sqlite3_int64 i)
{
    double v = (double)i;

    return v < 9223372036854775808.0 && (sqlite3_int64)v == i;
}

/* Store number V (from integer I when IS_INT) in row R of column C. */
static int
put_number(struct sq *sq, size_t c, size_t r, double v, int is_int, sqlite3_int64 i)
{
    struct col *col = &sq->cols[c];
    const char *t;

    col->numbers++;
    if (col->kind == K_NONE)
        start_numbers(sq, col);
    if (col->kind == K_NUM) {
        col->num[r] = v;
        if (is_int && !int_exact(i) && !col->warned_inexact) {
            col->warned_inexact = 1;
            api->log(AIWB_LOG_WARN,
                     "'%s' row %zu: column '%s' holds %lld, which a number cannot hold exactly "
                     "(read as %.17g)",
                     sq->name, r + 1, col->name, (long long)i, v);
        }
        return 0;
    }
    if (is_int) {
        snprintf(sq->fmt, sizeof(sq->fmt), "%lld", (long long)i);
        t = sq->fmt;
    } else {
        t = number_text(v, sq->fmt, sizeof(sq->fmt));
    }
    col->codes[r] = levels_intern(&col->lv, t, strlen(t));
    return col->codes[r] < 0 ? -1 : 0;
}

/* Store text S (LEN bytes) in row R of column C. */
static int
put_text(struct sq *sq, size_t c, size_t r, const char *s, size_t len)
{
    struct col *col = &sq->cols[c];

    if (col->texts++ == 0) {
        /* enough of it for the warning, which shows SHOW_MAX bytes and "..." */
        size_t keep = len < SHOW_MAX + 1 ? len : SHOW_MAX + 1;

        col->first_text_row = r + 1;
        col->first_text = api->alloc(keep + 1);
        memcpy(col->first_text, s, keep);
        col->first_text[keep] = '\0';
    }
    if (col->kind != K_TEXT && start_text(sq, col) != 0)
        return -1;
    col->codes[r] = levels_intern(&col->lv, s, len);
    return col->codes[r] < 0 ? -1 : 0;
}

/* Row R of column COL is missing. */
static void
put_missing(struct col *col, size_t r)
{
    if (col->kind == K_NUM)
        col->num[r] = NAN;
    else if (col->kind == K_TEXT)
        col->codes[r] = AIWB_NA_CODE;
}

static int
too_many_levels(const struct sq *sq, const struct col *col, char **cause)
{
    *cause = api->format("'%s': column '%s' has too many distinct values", sq->name, col->name);
    return AIWB_EDATA;
}

/* Read the text in cell C of the current row (row R): the empty text is
 * missing; a NUL byte or bytes that are not UTF-8 are an error. */
static int
read_text(struct sq *sq, size_t c, size_t r, char **cause)
{
    struct col *col = &sq->cols[c];
    const char *s = (const char *)sqlite3_column_text(sq->stmt, (int)c);
    size_t len = (size_t)sqlite3_column_bytes(sq->stmt, (int)c), bad;

    if (s == NULL) {
        *cause = api->format("'%s' row %zu: out of memory", sq->name, r + 1);
        return AIWB_ENOMEM;
    }
    if (len == 0) {
        put_missing(col, r);
        return AIWB_OK;
    }
    if (memchr(s, '\0', len) != NULL) {
        *cause = api->format("'%s' row %zu: column '%s' holds text with a NUL byte", sq->name,
                             r + 1, col->name);
        return AIWB_EDATA;
    }
    if ((bad = utf8_check(s, len)) < len) {
        *cause = api->format("'%s' row %zu: column '%s' holds text that is not valid UTF-8 "
                             "(byte %zu)",
                             sq->name, r + 1, col->name, bad + 1);
        return AIWB_EDATA;
    }
    return put_text(sq, c, r, s, len) == 0 ? AIWB_OK : too_many_levels(sq, col, cause);
}

/* Read cell C of the current row (row R) into its column. */
static int
read_cell(struct sq *sq, size_t c, size_t r, char **cause)
{
    struct col *col = &sq->cols[c];
    sqlite3_int64 i;
    double v;

    switch (sqlite3_column_type(sq->stmt, (int)c)) {
    case SQLITE_INTEGER:
        i = sqlite3_column_int64(sq->stmt, (int)c);
        if (put_number(sq, c, r, (double)i, 1, i) != 0)
            return too_many_levels(sq, col, cause);
        return AIWB_OK;
    case SQLITE_FLOAT:
        v = sqlite3_column_double(sq->stmt, (int)c);
        if (put_number(sq, c, r, v, 0, 0) != 0)
            return too_many_levels(sq, col, cause);
        return AIWB_OK;
    case SQLITE_TEXT:
        return read_text(sq, c, r, cause);
    case SQLITE_BLOB:
        *cause = api->format("'%s' row %zu: column '%s' holds a BLOB, which aiwb cannot read "
                             "(leave the column out of the query, or CAST it)",
                             sq->name, r + 1, col->name);
        return AIWB_EDATA;
    default:
        put_missing(col, r);
        return AIWB_OK;
    }
}

/* The message for a row that could not be read: sqlite's reason and, when
 * the file is damaged (sqlite may then say "out of memory", as a record
 * claims a huge size), quick_check's finding. */
static char *
step_error(struct sq *sq, int rc)
{
    char place[64], *cause, *corrupt = NULL, *both;

    snprintf(place, sizeof(place), "query, reading row %zu", sq->nrows + 1);
    cause = db_error(sq, rc, place);
    if (sq->timed_out || sq->cancelled || sq->checked || (rc & 0xFF) == SQLITE_INTERRUPT)
        return cause;
    if (quick_check(sq, &corrupt) == AIWB_OK || strstr(corrupt, "' is corrupt (") == NULL) {
        api->free(corrupt);
        return cause;
    }
    both =
        api->format("%s; reading row %zu failed: %s", corrupt, sq->nrows + 1, sqlite3_errstr(rc));
    api->free(corrupt);
    api->free(cause);
    return both;
}

/* Step through the result, at most LIMIT rows (0: all). */
static int
read_rows(struct sq *sq, size_t limit, char **cause)
{
    int rc;

    while (limit == 0 || sq->nrows < limit) {
        rc = sqlite3_step(sq->stmt);
        if (rc == SQLITE_DONE)
            break;
        if (rc != SQLITE_ROW) {
            *cause = step_error(sq, rc);
            return AIWB_EDATA;
        }
        if (sq->nrows == sq->cap)
            grow(sq, sq->cap ? 2 * sq->cap : FIRST_ROWS);
        for (size_t c = 0; c < sq->ncols; c++)
            if ((rc = read_cell(sq, c, sq->nrows, cause)) != AIWB_OK)
                return rc;
        sq->nrows++;
    }
    return AIWB_OK;
}

/* Say so when a column held both numbers and text. */
static void
warn_mixed(const struct sq *sq, const struct col *col)
{
    char shown[SHOW_MAX * 2 + 8];

    if (col->numbers == 0 || col->texts == 0)
        return;
    api->log(AIWB_LOG_WARN,
             "'%s': column '%s' read as categorical: row %zu has '%s' (%zu of %zu values %s)",
             sq->name, col->name, col->first_text_row,
             show(col->first_text, strlen(col->first_text), shown, sizeof(shown)), col->texts,
             col->numbers + col->texts, col->texts == 1 ? "is not a number" : "are not numbers");
}

/* Move column COL into frame F, freeing its arrays as they are copied. */
static int
move_column(struct sq *sq, struct col *col, struct aiwb_frame *f, char **cause)
{
    size_t n = sq->nrows, j = api->frame_cols(f);
    int32_t *codes, *map;
    double *num;

    if (col->kind == K_NUM || (col->kind == K_NONE && !col->declared_text)) {
        if ((num = api->frame_add_numeric(f, col->name)) == NULL)
            goto clash;
        for (size_t r = 0; r < n; r++)
            num[r] = col->kind == K_NUM ? col->num[r] : NAN;
        api->free(col->num);
        col->num = NULL;
        return AIWB_OK;
    }
    if ((codes = api->frame_add_categorical(f, col->name)) == NULL)
        goto clash;
    map = api->alloc((col->lv.n ? col->lv.n : 1) * sizeof(*map));
    for (size_t l = 0; l < col->lv.n; l++) {
        map[l] = api->frame_level_intern(f, j, col->lv.text[l], col->lv.len[l]);
        api->free(col->lv.text[l]);
        col->lv.text[l] = NULL;
    }
    for (size_t r = 0; r < n; r++)
        codes[r] = col->kind == K_TEXT && col->codes[r] >= 0 ? map[col->codes[r]] : AIWB_NA_CODE;
    api->free(map);
    api->free(col->codes);
    col->codes = NULL;
    levels_release(&col->lv);
    return AIWB_OK;
clash:
    *cause = api->format("'%s': cannot add column '%s'", sq->name, col->name);
    return AIWB_EDATA;
}

/* Make the frame from the columns read. */
static int
build_frame(struct sq *sq, struct aiwb_frame **out, char **cause)
{
    struct aiwb_frame *f = api->frame_new(sq->nrows);

    for (size_t c = 0; c < sq->ncols; c++) {
        if (move_column(sq, &sq->cols[c], f, cause) != AIWB_OK) {
            api->frame_free(f);
            return AIWB_EDATA;
        }
        warn_mixed(sq, &sq->cols[c]);
    }
    *out = f;
    return AIWB_OK;
}

static void
sq_release(struct sq *sq)
{
    for (size_t c = 0; c < sq->ncols; c++) {
        api->free(sq->cols[c].name);
        api->free(sq->cols[c].num);
        api->free(sq->cols[c].codes);
        api->free(sq->cols[c].first_text);
        levels_release(&sq->cols[c].lv);
    }
    api->free(sq->cols);
    sqlite3_finalize(sq->stmt);
    sqlite3_close_v2(sq->db);
}

/* ---------------------------------------------------------------------------
 * The source
 */

/* The file name in URI: "sqlite:x.db", "sqlite://x.db" or a plain path. */
static const char *
uri_path(const char *uri)
{
    if (strncmp(uri, "sqlite://", 9) == 0)
        return uri + 9;
    if (strncmp(uri, "sqlite:", 7) == 0)
        return uri + 7;
    return uri;
}

/* Whether to run quick_check on a file of SIZE bytes. */
static int
want_check(const struct aiwb_options *opts, off_t size)
{
    if (api->opt_given(opts, "check"))
        return api->opt_bool(opts, "check");
    return (uint64_t)size <= CHECK_AUTO_BYTES;
}

/* Everything open does, with numbers read in the C locale. */
static int
read_db(struct sq *sq, const char *path, const struct aiwb_options *opts, struct aiwb_frame **out,
        char **cause)
{
    int64_t limit = api->opt_int(opts, "limit");
    char *sql = NULL;
    off_t size = 0;
    int rc;

    sq->timeout = api->opt_real(opts, "timeout");
    clock_gettime(CLOCK_MONOTONIC, &sq->t0);
    rc = check_file(path, &size, cause);
    if (rc == AIWB_OK)
        rc = open_db(sq, path, cause);
    if (rc == AIWB_OK && want_check(opts, size))
        rc = quick_check(sq, cause);
    if (rc == AIWB_OK && (sql = make_sql(sq, opts, cause)) == NULL)
        rc = AIWB_EINVAL;
    if (rc == AIWB_OK)
        rc = prepare(sq, sql, cause);
    if (rc == AIWB_OK)
        rc = bind_params(sq, opts, cause);
    if (rc == AIWB_OK) {
        setup_columns(sq);
        rc = read_rows(sq, limit > 0 ? (size_t)limit : 0, cause);
    }
    if (rc == AIWB_OK)
        rc = build_frame(sq, out, cause);
    sqlite3_free(sql);
    return rc;
}

static int
sqlite_open(void *state, const char *uri, const struct aiwb_options *opts, char **cause)
{
    struct sqlite_state *st = state;
    const char *path = uri_path(uri);
    struct sq sq = {.name = path};
    locale_t c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0), old = (locale_t)0;
    int rc;

    if (c_locale != (locale_t)0)
        old = uselocale(c_locale);
    rc = read_db(&sq, path, opts, &st->frame, cause);
    if (c_locale != (locale_t)0) {
        uselocale(old);
        freelocale(c_locale);
    }
    sq_release(&sq);
    return rc;
}

static int
sqlite_next(void *state, struct aiwb_frame **batch, char **cause)
{
    struct sqlite_state *st = state;
    size_t rows;

    (void)cause;
    if (st->frame == NULL)
        return 0;
    rows = api->frame_rows(st->frame);
    *batch = st->frame;
    st->frame = NULL;
    return rows < INT_MAX ? (int)rows : INT_MAX;
}

static void
sqlite_close(void *state)
{
    struct sqlite_state *st = state;

    api->frame_free(st->frame);
    st->frame = NULL;
}

static const struct aiwb_option_spec sqlite_options[] = {
    {.name = "query",
     .type = AIWB_OPT_STRING,
     .help = "the SELECT to run; ?1, ?2 ... take the values of params"},
    {.name = "table",
     .type = AIWB_OPT_STRING,
     .help = "read this whole table or view (instead of a query)"},
    {.name = "params",
     .type = AIWB_OPT_STRING,
     .help = "values for the query's parameters, comma-separated; \\, is a comma in a value"},
    {.name = "timeout",
     .type = AIWB_OPT_REAL,
     .def = "30",
     .min = 0,
     .max = INFINITY,
     .help = "seconds the query may run before it is stopped; 0 for no limit"},
    {.name = "limit",
     .type = AIWB_OPT_INT,
     .def = "0",
     .min = 0,
     .max = INFINITY,
     .help = "read at most this many rows; 0 reads them all"},
    {.name = "check",
     .type = AIWB_OPT_BOOL,
     .help = "run PRAGMA quick_check first; by default for files up to 256 MiB"},
    {.name = NULL},
};

static const struct aiwb_source_type sqlite_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_source_type),
    .name = "sqlite",
    .summary = "a query's result or a table of a sqlite database, opened read-only",
    .help = "load NAME sqlite:FILE query='SELECT ...' [params=V1,V2,...]\n"
            "load NAME FILE.db table=NAME\n"
            "\n"
            "The database is opened read-only and the query may only read: writes,\n"
            "ATTACH, pragmas that change settings and load_extension() are refused.\n"
            "Give query= or table=; with neither, the error lists the tables.\n"
            "\n"
            "Parameters are bound, never pasted into the SQL: params=setosa,5 gives\n"
            "?1 the text 'setosa' and ?2 the integer 5 (a value written as a number,\n"
            "without a leading zero, is bound as a number; any other as text). Write\n"
            "\\, for a comma inside a value and \\\\ for a backslash. Named parameters\n"
            "(:name) take the values in the order they first appear.\n"
            "\n"
            "Column types come from the values: INTEGER and REAL make a numeric\n"
            "column, TEXT a categorical one; NULL and the empty text are missing. A\n"
            "column holding both numbers and text is categorical, with a warning;\n"
            "numbers stored as text stay text (CAST(x AS REAL) in the query reads\n"
            "them as numbers). A BLOB is refused. A column with no values takes its\n"
            "declared type. A query that returns no rows gives a dataset with its\n"
            "columns and no rows.",
    .options = sqlite_options,
    .flags = 0,
    .schemes = "sqlite",
    .extensions = "db,sqlite,sqlite3",
    .state_size = sizeof(struct sqlite_state),
    .open = sqlite_open,
    .next = sqlite_next,
    .close = sqlite_close,
};

/*
 * The module's entry point: declares the module "sqlite" and registers its
 * one source. Returns AIWB_OK, or the host's refusal (AIWB_EABI, AIWB_EINVAL).
 */
int
aiwb_plugin_init(struct aiwb_plugin *p, const struct aiwb_host_api *host)
{
    AIWB_PLUGIN_BEGIN(p, host, api, "sqlite", "1.0.0");
    return api->register_source(p, &sqlite_type);
}
