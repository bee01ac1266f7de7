/*
 * source-arff.c - the arff source: Weka's Attribute-Relation File Format
 * (.arff, .arff.gz) read into one frame the way Weka reads it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The grammar is the one Weka's own reader implements (ArffLoader.ArffReader
 * over java.io.StreamTokenizer, Weka 3.6 to 3.8), which is looser than its
 * documentation:
 * - Bytes up to the space, and commas, separate tokens: "1,,2" is two values
 *   and "1 2" is two values too. `%` starts a comment anywhere outside
 *   quotes. `{` and `}` are tokens of their own. A value is a run of other
 *   bytes or a string in ' or " with Java's escapes (\n \t \r \b \f \a \v,
 *   octal \101, and a backslash before any other character stands for it).
 * - Keywords are matched ignoring case. The file starts with @relation NAME;
 *   then come `@attribute NAME TYPE` lines, where TYPE is numeric, real or
 *   integer (a numeric column; the rest of the line is ignored, as Weka
 *   does), {v1, v2, ...} (nominal: a categorical column whose levels are the
 *   values in the order declared), string (a categorical column whose levels
 *   come in the order first met), date ["format"] (a numeric column of
 *   seconds since 1970-01-01 UTC, milliseconds kept as the fraction), or
 *   relational, which is refused; then @data.
 * - Each data row is one line: either every attribute's value in order, or
 *   a sparse row {index value, ...} with increasing 0-based indices, where
 *   an absent value is 0 for numeric and date attributes and the first
 *   declared value for nominal ones, as in Weka. An unquoted ? is missing.
 *   A row may end with an instance weight {w}: the weight_column option
 *   keeps weights as a column, otherwise they are ignored with a warning.
 *
 * Where aiwb is stricter than Weka, and why:
 * - A quote left open at the end of its line is an error (Weka closes it
 *   there silently and goes on with a truncated value).
 * - Text after a date is an error (Weka's SimpleDateFormat.parse ignores it,
 *   so "2001-02-03 12:00" read with "yyyy-MM-dd" silently loses the time).
 * - An instance weight that is not a number is an error (Weka drops it and
 *   reads the rest of the line as the next row).
 * - A file with no rows is an error, as in the csv source.
 * - A string attribute absent from a sparse row is missing (Weka gives it a
 *   placeholder string, "*WEKA*DUMMY*STRING*FOR*STRING*ATTRIBUTES*").
 * - Dates are read in UTC, Weka reads them in the Java VM's time zone. Date
 *   formats are Java's SimpleDateFormat, non-lenient as in Weka, with the
 *   letters y M L d H k K h a m s S E z Z X; a format with another letter is
 *   refused when the attribute is declared. Time zones are offsets (+0100,
 *   GMT+1:00, Z), GMT or UTC; Weka also reads names such as CET, whose
 *   offset depends on the date and on Java's zone tables. A two-digit year
 *   falls within 80 years before and 20 after today, as in Java. Days before
 *   1582-10-15 are Julian, as in Java's GregorianCalendar.
 *
 * Nominal values keep their declared order (the source asks the host not
 * to sort them, AIWB_SOURCE_KEEP_LEVELS): it is the order of Weka's class
 * values and of ordinal scales, and the first is the one a one-hot encoding
 * drops.
 *
 * How a file is read: it is read whole (inflated first when it starts with
 * the gzip magic), with a NUL after it, and checked for NUL bytes and
 * invalid UTF-8. The header is parsed; then, since a row is exactly one
 * line that holds a token, the lines after @data are counted, the frame is
 * made with that many rows, and the rows are parsed straight into it.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include <aiwb/plugin.h>

static const struct aiwb_host_api *api;

#define ARFF_SHOW_MAX 40  /* bytes of a value quoted in a message */
#define ARFF_NAME_MAX 60  /* bytes of an attribute's name quoted in a message */
#define ARFF_LIST_MAX 120 /* bytes of a list of nominal values in a message */
#define ARFF_MSG_MAX 1024 /* a message's text after the place */
#define ARFF_MAX_YEAR 9999999L
#define ARFF_RELEASE_STEP (8u << 20) /* give parsed pages back in steps this big */

/* The byte classes of Weka's tokenizer. */
enum { K_WORD = 0, K_SPACE, K_EOL, K_END, K_COMMENT, K_QUOTE, K_BRACE };

enum tok_kind { T_EOF, T_EOL, T_WORD, T_QUOTED, T_LBRACE, T_RBRACE };

/* A token: where it starts in the file, and its text (for a quoted string
 * between the quotes, escapes decoded into the scratch buffer if it has
 * any: valid only until the next token). */
struct token {
    enum tok_kind kind;
    const char *at;
    const char *s;
    size_t len;
};

/* Strings with a hash index: the values of a nominal attribute, the names
 * of the attributes. */
struct strtab {
    char **text; /* owned, NUL-terminated */
    size_t *len;
    size_t *where; /* the offset in the file each was declared at */
    size_t n, cap;
    uint32_t *slot; /* index + 1, or 0 for an empty slot */
    size_t nslot;   /* a power of two, at least twice n */
};

enum attr_kind { A_NUMERIC, A_NOMINAL, A_STRING, A_DATE };

/* One field of a compiled date format. */
enum date_field {
    DF_LITERAL,
    DF_YEAR,
    DF_MONTH,
    DF_MONTH_NAME,
    DF_DAY,
    DF_HOUR_0_23,    /* H */
    DF_HOUR_1_24,    /* k */
    DF_HOUR_0_11,    /* K */
    DF_HOUR_1_12,    /* h */
    DF_AMPM,         /* a */
    DF_MINUTE,       /* m */
    DF_SECOND,       /* s */
    DF_MILLI,        /* S */
    DF_WEEKDAY,      /* E: must be the day of the date, as in Java */
    DF_ZONE_GENERAL, /* z: GMT, UTC, GMT+01:00, +0100 */
    DF_ZONE_RFC,     /* Z: +0100, or as z */
    DF_ZONE_ISO      /* X: Z, +01, +0100, +01:00 */
};

struct date_part {
    enum date_field field;
    int count;  /* how many pattern letters */
    int fixed;  /* a number followed at once by another: exactly count digits */
    size_t off; /* DF_LITERAL: its text in the format's pool */
    size_t len;
};

struct date_format {
    char *text; /* as declared */
    struct date_part *part;
    size_t n;
    char *pool; /* the literal texts */
};

struct attr {
    char *name;
    enum attr_kind kind;
    struct strtab values;    /* nominal: the declared values, in order */
    struct date_format date; /* date: the compiled format */
    double *num;             /* numeric and date: the frame's column */
    int32_t *codes;          /* nominal and string: the frame's column */
    size_t col;
};

/* What is known about the file being read. */
struct arff {
    const char *name; /* the file as the user named it */
    char *buf;        /* its bytes (inflated), then a NUL */
    size_t size;
    size_t map_len;  /* buf is a file mapping of this many bytes, or 0 */
    int guarded;     /* the mapping is guarded (api->map_guard) by handle guard */
    int guard;
    size_t page;     /* the page size */
    size_t released; /* the mapped pages before this offset were given back */
    size_t bom;      /* 3 when it starts with a UTF-8 byte order mark */
    const char *p;   /* where the tokenizer is */
    char *scratch;   /* decoded quoted strings */
    size_t scratch_cap;
    struct attr *attr;
    size_t nattr, attr_cap;
    struct strtab names;
    locale_t c_locale;
    int century_start; /* the first year a two-digit year can mean */
    struct aiwb_frame *frame;
    double *weights;     /* the weight column, or NULL */
    size_t weighted;     /* rows that gave a weight */
    size_t first_weight; /* where the first weight is */
};

/* The state the host allocates per open source. */
struct arff_state {
    struct aiwb_frame *frame; /* read by open, handed over by the first next */
};

/* The class of every byte, made by make_kinds() when the module loads. */
static unsigned char kinds[256];

static void
make_kinds(void)
{
    for (int c = 0; c < 256; c++)
        kinds[c] = c > ' ' ? K_WORD : K_SPACE;
    kinds['\n'] = kinds['\r'] = K_EOL;
    kinds['\0'] = K_END;
    kinds[','] = K_SPACE;
    kinds['%'] = K_COMMENT;
    kinds['\''] = kinds['"'] = K_QUOTE;
    kinds['{'] = kinds['}'] = K_BRACE;
}

static inline int
byte_kind(unsigned char c)
{
    return kinds[c];
}

/* ---------------------------------------------------------------------------
 * Messages
 */

/* The line and column (in characters) of offset OFF; lines end at LF, CRLF
 * or a lone CR, as for Weka. */
static void
place_of(const struct arff *a, size_t off, size_t *line, size_t *col)
{
    const char *p = a->buf + a->bom, *lim = a->buf + off, *ls = p;

    *line = 1;
    for (; p < lim; p++) {
        if (*p == '\n' || (*p == '\r' && p[1] != '\n')) {
            ++*line;
            ls = p + 1;
        }
    }
    *col = 1;
    for (const char *q = ls; q < lim; q++)
        *col += ((unsigned char)*q & 0xC0) != 0x80;
}

/* S (LEN bytes) made fit for a message in BUF: cut to MAX bytes at a
 * character boundary, control characters escaped. Returns BUF. */
static const char *
show_n(const char *s, size_t len, size_t max, char *buf, size_t size)
{
    size_t o = 0, i = 0, lim = len < max ? len : max;

    if (len > lim)
        while (lim > 0 && ((unsigned char)s[lim] & 0xC0) == 0x80)
            lim--;
    for (; i < lim && o + 5 < size; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c == '\n' || c == '\r' || c == '\t') {
            buf[o++] = '\\';
            buf[o++] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
        } else {
            buf[o++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
        }
    }
    if (i < len) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o] = '\0';
    return buf;
}

#define SHOW_SIZE (2 * ARFF_SHOW_MAX + 8)
#define NAME_SIZE (2 * ARFF_NAME_MAX + 8)

static const char *
show(const char *s, size_t len, char buf[SHOW_SIZE])
{
    return show_n(s, len, ARFF_SHOW_MAX, buf, SHOW_SIZE);
}

static const char *
show_name(const char *s, char buf[NAME_SIZE])
{
    return show_n(s, strlen(s), ARFF_NAME_MAX, buf, NAME_SIZE);
}

/* A token as a message shows it. */
static const char *
show_token(const struct token *t, char buf[SHOW_SIZE])
{
    switch (t->kind) {
    case T_EOF:
        return "the end of the file";
    case T_EOL:
        return "the end of the line";
    case T_LBRACE:
        return "'{'";
    case T_RBRACE:
        return "'}'";
    default:
        buf[0] = '\'';
        show_n(t->s, t->len, ARFF_SHOW_MAX, buf + 1, SHOW_SIZE - 2);
        strcat(buf, "'");
        return buf;
    }
}

static int fail_at(const struct arff *a, const char *at, char **cause, const char *fmt, ...)
    AIWB_PRINTF(4, 5);

/* Set *CAUSE to "'FILE' line L column C: " and the message; returns
 * AIWB_EDATA. AT is the place in the file. */
static int
fail_at(const struct arff *a, const char *at, char **cause, const char *fmt, ...)
{
    char msg[ARFF_MSG_MAX];
    size_t line, col;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    place_of(a, (size_t)(at - a->buf), &line, &col);
    *cause = api->format("'%s' line %zu column %zu: %s", a->name, line, col, msg);
    return AIWB_EDATA;
}

/* ---------------------------------------------------------------------------
 * String tables
 */

static uint32_t
hash_text(const char *s, size_t len)
{
    uint32_t h = 2166136261u;

    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

/* The index of S (LEN bytes) in T, or -1. */
static long
strtab_find(const struct strtab *t, const char *s, size_t len)
{
    size_t mask = t->nslot - 1, i;

    if (t->nslot == 0)
        return -1;
    for (i = hash_text(s, len) & mask; t->slot[i] != 0; i = (i + 1) & mask) {
        size_t k = t->slot[i] - 1;

        if (t->len[k] == len && memcmp(t->text[k], s, len) == 0)
            return (long)k;
    }
    return -1;
}

/* Add S (LEN bytes), declared at offset WHERE, which T must not hold yet. */
static void
strtab_add(struct strtab *t, const char *s, size_t len, size_t where)
{
    size_t mask, i;

    if (t->n == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 8;
        t->text = api->realloc(t->text, t->cap * sizeof(*t->text));
        t->len = api->realloc(t->len, t->cap * sizeof(*t->len));
        t->where = api->realloc(t->where, t->cap * sizeof(*t->where));
    }
    t->text[t->n] = api->alloc(len + 1);
    memcpy(t->text[t->n], s, len);
    t->text[t->n][len] = '\0';
    t->len[t->n] = len;
    t->where[t->n] = where;
    t->n++;
    if (2 * t->n > t->nslot) {
        api->free(t->slot);
        t->nslot = t->nslot ? 2 * t->nslot : 16;
        t->slot = api->calloc(t->nslot, sizeof(*t->slot));
        mask = t->nslot - 1;
        for (size_t k = 0; k < t->n; k++) {
            for (i = hash_text(t->text[k], t->len[k]) & mask; t->slot[i] != 0; i = (i + 1) & mask)
                ;
            t->slot[i] = (uint32_t)(k + 1);
        }
        return;
    }
    mask = t->nslot - 1;
    for (i = hash_text(s, len) & mask; t->slot[i] != 0; i = (i + 1) & mask)
        ;
    t->slot[i] = (uint32_t)t->n;
}

static void
strtab_release(struct strtab *t)
{
    for (size_t k = 0; k < t->n; k++)
        api->free(t->text[k]);
    api->free(t->text);
    api->free(t->len);
    api->free(t->where);
    api->free(t->slot);
    memset(t, 0, sizeof(*t));
}

/* Whether value S needs quotes to be read back as one nominal value. */
static int
needs_quotes(const char *s, size_t len)
{
    if (len == 0 || (len == 1 && s[0] == '?'))
        return 1;
    for (size_t i = 0; i < len; i++)
        if (byte_kind((unsigned char)s[i]) != K_WORD)
            return 1;
    return 0;
}

/* Value S (LEN bytes) as a message shows it in a list, quoted as Weka
 * would write it when it needs quotes ('a b', 'it\'s'). Returns BUF. */
static const char *
show_value(const char *s, size_t len, char *buf, size_t size)
{
    char shown[SHOW_SIZE];
    const char *v = show(s, len, shown);
    int q = needs_quotes(s, len);
    size_t o = 0;

    if (q)
        buf[o++] = '\'';
    for (; *v && o + 3 < size; v++) {
        if (q && (*v == '\'' || *v == '\\'))
            buf[o++] = '\\';
        buf[o++] = *v;
    }
    if (q)
        buf[o++] = '\'';
    buf[o] = '\0';
    return buf;
}

/* The declared values of nominal attribute AT as a message shows them,
 * "{sunny,overcast,rainy}", cut short when long. Returns BUF. */
static const char *
show_values(const struct attr *at, char *buf, size_t size)
{
    size_t o = 0;

    buf[o++] = '{';
    for (size_t k = 0; k < at->values.n; k++) {
        char quoted[2 * SHOW_SIZE + 4];
        const char *v = show_value(at->values.text[k], at->values.len[k], quoted, sizeof(quoted));
        size_t n = strlen(v) + 1;

        if (o + n + 32 > size || (k > 0 && o + n > ARFF_LIST_MAX)) {
            snprintf(buf + o, size - o, ",...} (%zu values)", at->values.n);
            return buf;
        }
        o += (size_t)snprintf(buf + o, size - o, "%s%s", k ? "," : "", v);
    }
    snprintf(buf + o, size - o, "}");
    return buf;
}

/* ---------------------------------------------------------------------------
 * Reading the file
 */

/* Inflate the gzip data RAW (SIZE bytes) into *OUT (*OUTSIZE bytes, then a
 * NUL); members one after another are read as one stream, as gzip does. */
static int
inflate_all(const struct arff *a, const unsigned char *raw, size_t size, char **out,
            size_t *outsize, char **cause)
{
    z_stream z;
    size_t in_off = 0, len = 0, cap = size < (SIZE_MAX / 4) - 4096 ? 4 * size + 4096 : size;
    char *buf = api->alloc(cap);
    int rc;

    memset(&z, 0, sizeof(z));
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
        api->free(buf);
        *cause = api->format("'%s': cannot start inflating: %s", a->name, z.msg ? z.msg : "zlib");
        return AIWB_ERR;
    }
    for (;;) {
        size_t room;

        if (z.avail_in == 0 && in_off < size) {
            size_t chunk = size - in_off < (1u << 30) ? size - in_off : (1u << 30);

            z.next_in = (unsigned char *)raw + in_off;
            z.avail_in = (uInt)chunk;
            in_off += chunk;
        }
        if (cap - len < 2) {
            cap *= 2;
            buf = api->realloc(buf, cap);
        }
        room = cap - len - 1;
        z.next_out = (unsigned char *)buf + len;
        z.avail_out = (uInt)(room < (1u << 30) ? room : (1u << 30));
        rc = inflate(&z, Z_NO_FLUSH);
        len = (size_t)((char *)z.next_out - buf);
        if (rc == Z_STREAM_END) {
            /* another member follows, or trailing bytes gzip would ignore */
            if (z.avail_in >= 2 && z.next_in[0] == 0x1f && z.next_in[1] == 0x8b &&
                inflateReset(&z) == Z_OK)
                continue;
            break;
        }
        if (rc == Z_OK)
            continue;
        if (rc == Z_BUF_ERROR && z.avail_in == 0 && in_off == size) {
            inflateEnd(&z);
            api->free(buf);
            *cause = api->format("'%s': the gzip data ends early (a truncated file?)", a->name);
            return AIWB_EDATA;
        }
        if (rc == Z_BUF_ERROR)
            continue;
        *cause =
            api->format("'%s': corrupt gzip data (%s)", a->name, z.msg ? z.msg : "inflate failed");
        inflateEnd(&z);
        api->free(buf);
        return AIWB_EDATA;
    }
    inflateEnd(&z);
    buf[len] = '\0';
    *out = buf;
    *outsize = len;
    return AIWB_OK;
}

/* Map the regular file FD of SIZE bytes into A->buf with a readable zero
 * after its last byte: an anonymous mapping rounded up to pages, the file
 * mapped over its start. Returns 0, or -1 (then the file is read instead). */
static int
map_file(struct arff *a, int fd, size_t size)
{
    size_t len = (size + 1 + a->page - 1) / a->page * a->page;
    char *buf = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    if (buf == MAP_FAILED)
        return -1;
    if (mmap(buf, size, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0) == MAP_FAILED) {
        munmap(buf, len);
        return -1;
    }
    a->buf = buf;
    a->size = size;
    a->map_len = len;
    if (AIWB_HOST_HAS(api, map_guard) && (a->guard = api->map_guard(buf, size, fd)) >= 0)
        a->guarded = 1;
    return 0;
}

/* After reading: if the mapped file shrank meanwhile, that is the error,
 * whatever RC was (what was parsed from the zeros read in its place is
 * void). Ends the guard. */
static int
shrank_meanwhile(struct arff *a, int rc, char **cause)
{
    int shrank = a->guarded && api->map_unguard(a->guard);

    a->guarded = 0;
    if (!shrank)
        return rc;
    if (rc != AIWB_OK)
        api->free(*cause);
    *cause = api->format("'%s' shrank while it was read (another program truncated or rewrote "
                         "it); nothing was loaded", a->name);
    return AIWB_EIO;
}

/* Give back the mapped pages before UPTO once a step has passed: they are
 * clean, and read again from the file should a message need them. */
static void
release_behind(struct arff *a, const char *upto)
{
    size_t off = (size_t)(upto - a->buf), from, to;

    if (a->map_len == 0 || off < a->released + ARFF_RELEASE_STEP)
        return;
    from = (a->released + a->page - 1) / a->page * a->page;
    to = off / a->page * a->page;
    if (to > from)
        madvise(a->buf + from, to - from, MADV_DONTNEED);
    a->released = off;
}

static void
unload_file(struct arff *a)
{
    if (a->guarded)
        api->map_unguard(a->guard);
    a->guarded = 0;
    if (a->map_len != 0)
        munmap(a->buf, a->map_len);
    else
        api->free(a->buf);
    a->buf = NULL;
    a->map_len = 0;
}

/* Read PATH into A->buf with a NUL after its last byte: mapped, or read
 * and inflated when it is gzip data (or not a regular file). */
static int
load_file(struct arff *a, const char *path, char **cause)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC), e;
    char *buf = NULL;
    size_t size = 0, cap = 0;
    unsigned char magic[2];

    if (fd < 0) {
        *cause = api->format("cannot open '%s': %s", path, strerror(errno));
        return AIWB_EIO;
    }
    e = fstat(fd, &st) != 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : 0;
    if (e != 0) {
        *cause = api->format("cannot read '%s': %s", path, strerror(e));
        close(fd);
        return AIWB_EIO;
    }
    if (S_ISREG(st.st_mode) && st.st_size > 0) {
        if (pread(fd, magic, 2, 0) != 2 || magic[0] != 0x1f || magic[1] != 0x8b) {
            if (map_file(a, fd, (size_t)st.st_size) == 0) {
                close(fd);
                return AIWB_OK;
            }
        }
        cap = (size_t)st.st_size + 2;
    }
    for (;;) {
        ssize_t got;

        if (cap - size < 2) {
            cap = cap ? 2 * cap : 1 << 16;
            buf = api->realloc(buf, cap);
        } else if (buf == NULL) {
            buf = api->alloc(cap);
        }
        got = read(fd, buf + size, cap - size - 1);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            *cause = api->format("cannot read '%s': %s", path, strerror(errno));
            api->free(buf);
            close(fd);
            return AIWB_EIO;
        }
        if (got == 0)
            break;
        size += (size_t)got;
    }
    close(fd);
    if (size >= 2 && (unsigned char)buf[0] == 0x1f && (unsigned char)buf[1] == 0x8b) {
        int rc = inflate_all(a, (unsigned char *)buf, size, &a->buf, &a->size, cause);

        api->free(buf);
        return rc;
    }
    buf[size] = '\0';
    a->buf = buf;
    a->size = size;
    return AIWB_OK;
}

/* The length of the valid UTF-8 sequence at P, or 0. Reads no further than
 * a byte that is not a continuation, so the trailing NUL stops it. */
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
    /* overlong forms, surrogates and code points past U+10FFFF */
    if ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] >= 0xA0) || (c == 0xF0 && p[1] < 0x90) ||
        (c == 0xF4 && p[1] >= 0x90) || (p[2] & 0xC0) != 0x80)
        return 0;
    if (c < 0xF0)
        return 3;
    return (p[3] & 0xC0) == 0x80 ? 4 : 0;
}

/* Refuse a file that holds a NUL byte or invalid UTF-8, naming the first. */
static int
check_bytes(struct arff *a, char **cause)
{
    const unsigned char *p = (const unsigned char *)a->buf + a->bom;
    const unsigned char *end = (const unsigned char *)a->buf + a->size;
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;

    while (p < end) {
        const unsigned char *stop = (size_t)(end - p) > (1u << 20) ? p + (1u << 20) : end;

        while (p < stop) {
            size_t n;

            if (stop - p >= 8) {
                uint64_t w;

                memcpy(&w, p, 8);
                /* eight ASCII bytes, none of them NUL */
                if (((w | ((w - ones) & ~w)) & highs) == 0) {
                    p += 8;
                    continue;
                }
            }
            if (*p == 0)
                return fail_at(a, (const char *)p, cause, "NUL byte");
            n = utf8_len(p);
            if (n == 0)
                return fail_at(a, (const char *)p, cause, "invalid UTF-8");
            p += n;
        }
        release_behind(a, (const char *)p);
    }
    return AIWB_OK;
}

/* ---------------------------------------------------------------------------
 * The tokenizer
 */

static void
scratch_put(struct arff *a, size_t *n, const char *s, size_t len)
{
    if (*n + len + 1 > a->scratch_cap) {
        a->scratch_cap = (*n + len + 1) * 2 + 64;
        a->scratch = api->realloc(a->scratch, a->scratch_cap);
    }
    memcpy(a->scratch + *n, s, len);
    *n += len;
}

static int
unterminated(const struct arff *a, const char *open, char **cause)
{
    return fail_at(a, open, cause, "unterminated quoted value (a quote closes on its own line)");
}

/* The rest of a quoted string with escapes, from P (a backslash), its
 * opening quote at OPEN; Java's StreamTokenizer decodes the escapes. */
static int
read_escaped(struct arff *a, const char *open, const char *p, struct token *t, char **cause)
{
    char q = *open;
    size_t n = 0;

    scratch_put(a, &n, open + 1, (size_t)(p - open - 1));
    while (*p != q) {
        char c = *p;
        unsigned v;

        if (c == '\n' || c == '\r' || c == '\0')
            return unterminated(a, open, cause);
        if (c != '\\') {
            const char *s = p;

            while (*p != q && *p != '\\' && *p != '\n' && *p != '\r' && *p != '\0')
                p++;
            scratch_put(a, &n, s, (size_t)(p - s));
            continue;
        }
        c = *++p;
        if (c >= '0' && c <= '7') {
            char enc[2];
            char first = c;

            v = (unsigned)(c - '0');
            if (p[1] >= '0' && p[1] <= '7') {
                v = v * 8 + (unsigned)(*++p - '0');
                if (first <= '3' && p[1] >= '0' && p[1] <= '7')
                    v = v * 8 + (unsigned)(*++p - '0');
            }
            p++;
            if (v == 0)
                return fail_at(a, open, cause,
                               "the escape \\0 in a quoted value makes a NUL character");
            /* a Latin-1 character, which Java reads it as, in UTF-8 */
            if (v < 0x80) {
                enc[0] = (char)v;
                scratch_put(a, &n, enc, 1);
            } else {
                enc[0] = (char)(0xC0 | (v >> 6));
                enc[1] = (char)(0x80 | (v & 0x3F));
                scratch_put(a, &n, enc, 2);
            }
            continue;
        }
        switch (c) {
        case 'a':
            c = '\a';
            break;
        case 'b':
            c = '\b';
            break;
        case 'f':
            c = '\f';
            break;
        case 'n':
            c = '\n';
            break;
        case 'r':
            c = '\r';
            break;
        case 't':
            c = '\t';
            break;
        case 'v':
            c = '\v';
            break;
        case '\n':
        case '\r':
        case '\0':
            return unterminated(a, open, cause);
        default:
            break;
        }
        scratch_put(a, &n, &c, 1);
        p++;
    }
    a->scratch[n] = '\0'; /* scratch_put leaves room for it */
    t->kind = T_QUOTED;
    t->at = open;
    t->s = a->scratch;
    t->len = n;
    a->p = p + 1;
    return AIWB_OK;
}

/* A quoted string whose opening quote is at OPEN. */
static int
read_quoted(struct arff *a, const char *open, struct token *t, char **cause)
{
    char q = *open;
    const char *p = open + 1;

    while (*p != q && *p != '\\' && *p != '\n' && *p != '\r' && *p != '\0')
        p++;
    if (*p == '\\')
        return read_escaped(a, open, p, t, cause);
    if (*p != q)
        return unterminated(a, open, cause);
    t->kind = T_QUOTED;
    t->at = open;
    t->s = open + 1;
    t->len = (size_t)(p - open - 1);
    a->p = p + 1;
    return AIWB_OK;
}

/* The next token into *T. Returns AIWB_OK, or AIWB_EDATA with *cause set
 * for an unterminated quoted value. */
static int
next_token(struct arff *a, struct token *t, char **cause)
{
    const char *p = a->p;

    for (;;) {
        unsigned char c = (unsigned char)*p;

        switch (byte_kind(c)) {
        case K_SPACE:
            p++;
            continue;
        case K_COMMENT:
            while (*p != '\n' && *p != '\r' && *p != '\0')
                p++;
            continue;
        case K_EOL:
            t->kind = T_EOL;
            t->at = t->s = p;
            t->len = 0;
            a->p = p + (c == '\r' && p[1] == '\n' ? 2 : 1);
            return AIWB_OK;
        case K_END:
            t->kind = T_EOF;
            t->at = t->s = p;
            t->len = 0;
            a->p = p;
            return AIWB_OK;
        case K_BRACE:
            t->kind = c == '{' ? T_LBRACE : T_RBRACE;
            t->at = t->s = p;
            t->len = 1;
            a->p = p + 1;
            return AIWB_OK;
        case K_QUOTE:
            return read_quoted(a, p, t, cause);
        default:
            t->kind = T_WORD;
            t->at = t->s = p;
            while (byte_kind((unsigned char)*p) == K_WORD)
                p++;
            t->len = (size_t)(p - t->s);
            a->p = p;
            return AIWB_OK;
        }
    }
}

/* The next token that is not the end of a line. */
static int
first_token(struct arff *a, struct token *t, char **cause)
{
    int rc;

    do
        rc = next_token(a, t, cause);
    while (rc == AIWB_OK && t->kind == T_EOL);
    return rc;
}

/* Skip the tokens up to the end of the line (or file). */
static int
skip_line(struct arff *a, char **cause)
{
    struct token t;
    int rc;

    do
        rc = next_token(a, &t, cause);
    while (rc == AIWB_OK && t.kind != T_EOL && t.kind != T_EOF);
    return rc;
}

static int
is_text(const struct token *t)
{
    return t->kind == T_WORD || t->kind == T_QUOTED;
}

/* Whether T is the keyword KW, any case (quoted too, as Weka allows). */
static int
is_keyword(const struct token *t, const char *kw)
{
    size_t n = strlen(kw);

    return is_text(t) && t->len == n && strncasecmp(t->s, kw, n) == 0;
}

/* ---------------------------------------------------------------------------
 * Numbers, as Java's Double.valueOf reads them
 */

static const double pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static inline int
is_digit(char c)
{
    return (unsigned)(unsigned char)c - '0' < 10;
}

/*
 * Read S (LEN bytes) as Java's Double.valueOf does: spaces around it
 * ignored, [+-] then NaN, Infinity, or digits with an optional point and
 * exponent and an optional f/F/d/D suffix. Returns 1 with *OUT set (NaN for
 * NaN, which is missing), 0 if S is not a number. Hexadecimal is not read.
 */
static int
parse_number(const struct arff *a, const char *s, size_t len, double *out)
{
    const char *p = s, *end = s + len, *num, *digits, *numend;
    uint64_t m = 0;
    long e10 = 0;
    size_t nint, nfrac = 0;
    int neg = 0;

    while (p < end && (unsigned char)*p <= ' ')
        p++;
    while (end > p && (unsigned char)end[-1] <= ' ')
        end--;
    num = p;
    if (p < end && (*p == '+' || *p == '-'))
        neg = *p++ == '-';
    if (end - p == 3 && memcmp(p, "NaN", 3) == 0) {
        *out = NAN;
        return 1;
    }
    if (end - p == 8 && memcmp(p, "Infinity", 8) == 0) {
        *out = neg ? -HUGE_VAL : HUGE_VAL;
        return 1;
    }
    digits = p;
    while (p < end && is_digit(*p))
        m = m * 10 + (uint64_t)(*p++ - '0');
    nint = (size_t)(p - digits);
    if (p < end && *p == '.') {
        const char *f = ++p;

        while (p < end && is_digit(*p))
            m = m * 10 + (uint64_t)(*p++ - '0');
        nfrac = (size_t)(p - f);
    }
    if (nint + nfrac == 0)
        return 0;
    e10 = -(long)nfrac;
    if (p < end && (*p == 'e' || *p == 'E')) {
        long ev = 0;
        int eneg = 0;

        p++;
        if (p < end && (*p == '+' || *p == '-'))
            eneg = *p++ == '-';
        if (p == end || !is_digit(*p))
            return 0;
        for (; p < end && is_digit(*p); p++)
            if (ev < 100000)
                ev = ev * 10 + (*p - '0');
        e10 += eneg ? -ev : ev;
    }
    numend = p;
    if (p < end && (*p == 'f' || *p == 'F' || *p == 'd' || *p == 'D'))
        p++;
    if (p != end)
        return 0;
#if FLT_EVAL_METHOD == 0
    /* Clinger: m <= 2^53 and 10^|e| <= 10^22 are exact doubles, so one IEEE
     * operation rounds correctly, as Java does (m cannot have overflowed
     * with at most 19 digits). */
    if (nint + nfrac <= 19 && m <= (UINT64_C(1) << 53) && e10 >= -22 && e10 <= 22) {
        double v = (double)m;

        v = e10 >= 0 ? v * pow10_exact[e10] : v / pow10_exact[-e10];
        *out = neg ? -v : v;
        return 1;
    }
#endif
    {
        char *stop;

        /* in place: what follows the number (a separator, a quote, the
         * suffix, the NUL after a decoded string) cannot continue it */
        *out = strtod_l(num, &stop, a->c_locale);
        return stop == numend;
    }
}

/* ---------------------------------------------------------------------------
 * Dates, as Java's SimpleDateFormat reads them (non-lenient)
 */

static const char *const month_names[12] = {"January",   "February", "March",    "April",
                                            "May",       "June",     "July",     "August",
                                            "September", "October",  "November", "December"};
static const char *const day_names[7] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                         "Thursday", "Friday", "Saturday"};

/* Whether date field F is read as a number. */
static int
numeric_field(enum date_field f)
{
    return f != DF_LITERAL && f != DF_MONTH_NAME && f != DF_AMPM && f != DF_WEEKDAY &&
           f != DF_ZONE_GENERAL && f != DF_ZONE_RFC && f != DF_ZONE_ISO;
}

static void
date_part_add(struct date_format *d, size_t *cap, enum date_field f, int count, size_t off,
              size_t len)
{
    if (d->n == *cap) {
        *cap = *cap ? 2 * *cap : 8;
        d->part = api->realloc(d->part, *cap * sizeof(*d->part));
    }
    d->part[d->n].field = f;
    d->part[d->n].count = count;
    d->part[d->n].fixed = 0;
    d->part[d->n].off = off;
    d->part[d->n].len = len;
    d->n++;
}

/* The field of pattern letter C, or -1 with *WHY set. */
static int
date_letter(char c, int count, const char **why)
{
    switch (c) {
    case 'y':
        return DF_YEAR;
    case 'M':
    case 'L':
        return count >= 3 ? DF_MONTH_NAME : DF_MONTH;
    case 'd':
        return DF_DAY;
    case 'H':
        return DF_HOUR_0_23;
    case 'k':
        return DF_HOUR_1_24;
    case 'K':
        return DF_HOUR_0_11;
    case 'h':
        return DF_HOUR_1_12;
    case 'a':
        return DF_AMPM;
    case 'm':
        return DF_MINUTE;
    case 's':
        return DF_SECOND;
    case 'S':
        return DF_MILLI;
    case 'E':
        return DF_WEEKDAY;
    case 'z':
        return DF_ZONE_GENERAL;
    case 'Z':
        return DF_ZONE_RFC;
    case 'X':
        return DF_ZONE_ISO;
    case 'G':
        *why = "the era";
        return -1;
    case 'Y':
        *why = "the week year";
        return -1;
    case 'w':
        *why = "the week in the year";
        return -1;
    case 'W':
        *why = "the week in the month";
        return -1;
    case 'D':
        *why = "the day in the year";
        return -1;
    case 'F':
        *why = "the day of the week in the month";
        return -1;
    case 'u':
        *why = "the number of the day of the week";
        return -1;
    default:
        *why = NULL;
        return -1;
    }
}

/*
 * Compile FMT (LEN bytes), a SimpleDateFormat pattern, into *D. Returns 0,
 * or -1 with the reason in WHY (WHYSIZE bytes).
 */
static int
date_compile(struct date_format *d, const char *fmt, size_t len, char *why, size_t whysize)
{
    size_t cap = 0, pool_len = 0, i = 0;
    int in_literal = 0; /* the last part is a literal that may grow */

    d->text = api->alloc(len + 1);
    memcpy(d->text, fmt, len);
    d->text[len] = '\0';
    d->pool = api->alloc(len + 1);
    while (i < len) {
        char c = fmt[i];
        const char *lit = NULL;
        size_t litlen = 0;

        if (c == '\'') {
            size_t start = pool_len;

            if (i + 1 < len && fmt[i + 1] == '\'') {
                d->pool[pool_len++] = '\'';
                i += 2;
            } else {
                for (i++;; i++) {
                    if (i >= len) {
                        snprintf(why, whysize, "a quote in it is not closed");
                        return -1;
                    }
                    if (fmt[i] == '\'') {
                        if (i + 1 < len && fmt[i + 1] == '\'') {
                            d->pool[pool_len++] = '\'';
                            i++;
                            continue;
                        }
                        i++;
                        break;
                    }
                    d->pool[pool_len++] = fmt[i];
                }
            }
            lit = d->pool + start;
            litlen = pool_len - start;
        } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
            size_t j = i;
            const char *what = NULL;
            int f;

            while (j < len && fmt[j] == c)
                j++;
            f = date_letter(c, (int)(j - i), &what);
            if (f < 0) {
                if (what != NULL)
                    snprintf(why, whysize, "'%c' is %s, which aiwb cannot read", c, what);
                else
                    snprintf(why, whysize, "'%c' is not a pattern letter (quote literal text: 'T')",
                             c);
                return -1;
            }
            date_part_add(d, &cap, (enum date_field)f, (int)(j - i), 0, 0);
            in_literal = 0;
            i = j;
            continue;
        } else {
            d->pool[pool_len] = c;
            lit = d->pool + pool_len++;
            litlen = 1;
            i++;
        }
        if (litlen == 0)
            continue;
        if (in_literal) {
            d->part[d->n - 1].len += litlen; /* the pool is contiguous */
        } else {
            date_part_add(d, &cap, DF_LITERAL, 0, (size_t)(lit - d->pool), litlen);
            in_literal = 1;
        }
    }
    for (size_t k = 0; k + 1 < d->n; k++)
        d->part[k].fixed = numeric_field(d->part[k].field) && numeric_field(d->part[k + 1].field);
    return 0;
}

static void
date_release(struct date_format *d)
{
    api->free(d->text);
    api->free(d->part);
    api->free(d->pool);
    memset(d, 0, sizeof(*d));
}

/* Days from 1970-01-01 to Y-M-D: Gregorian from 1582-10-15 on, Julian
 * before, as Java's GregorianCalendar. */
static int64_t
days_since_epoch(int64_t y, int m, int d, int julian)
{
    int64_t a = (14 - m) / 12, yy = y + 4800 - a, mm = m + 12 * a - 3, jdn;

    jdn = d + (153 * mm + 2) / 5 + 365 * yy + yy / 4;
    jdn += julian ? -32083 : -yy / 100 + yy / 400 - 32045;
    return jdn - 2440588;
}

static int
days_in_month(int64_t y, int m, int julian)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = julian ? y % 4 == 0 : (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    return m == 2 ? 28 + leap : dim[m - 1];
}

/* The longest of the N names (full, then their first three letters) that
 * starts the text at *P (before END), ignoring case; its index, or -1. */
static int
match_name(const char **p, const char *end, const char *const *names, int n)
{
    size_t best_len = 0;
    int best = -1;

    for (int k = 0; k < n; k++) {
        size_t full = strlen(names[k]);
        size_t lens[2] = {full, 3};

        for (int j = 0; j < 2; j++) {
            size_t l = lens[j];

            if (l > best_len && (size_t)(end - *p) >= l && strncasecmp(*p, names[k], l) == 0) {
                best_len = l;
                best = k;
            }
        }
    }
    *p += best_len;
    return best;
}

/* Up to MAX digits at *P as a number; *NDIG says how many were read. */
static int64_t
read_digits(const char **p, const char *end, int max, int *ndig)
{
    int64_t v = 0;
    int n = 0;

    while (*p < end && n < max && is_digit(**p)) {
        v = v * 10 + (**p - '0');
        ++*p;
        n++;
    }
    *ndig = n;
    return v;
}

/* The forms of an offset from UTC. */
enum offset_form {
    OFF_HH,    /* +01 (X) */
    OFF_HHMM,  /* +0130 (XX, Z, z) */
    OFF_COLON, /* +01:30 (XXX) */
    OFF_GMT    /* +1:30 or +01:30, after GMT (z, Z) */
};

/* An offset from UTC at *P in the form FORM; sets *SECS and moves *P past
 * it. Returns 0, or -1 if there is none. */
static int
read_offset(const char **p, const char *end, enum offset_form form, int64_t *secs)
{
    const char *q = *p;
    int neg, n, nm = 2;
    int64_t h, m = 0;

    if (q == end || (*q != '+' && *q != '-'))
        return -1;
    neg = *q++ == '-';
    h = read_digits(&q, end, 2, &n);
    if (n < (form == OFF_GMT ? 1 : 2))
        return -1;
    if (form == OFF_COLON || form == OFF_GMT) {
        if (q == end || *q != ':')
            return -1;
        q++;
    }
    if (form != OFF_HH)
        m = read_digits(&q, end, 2, &nm);
    if (nm != 2 || h > 23 || m > 59)
        return -1;
    *secs = (neg ? -1 : 1) * (h * 3600 + m * 60);
    *p = q;
    return 0;
}

/* The number of characters from S to P, from 1: a place for a message. */
static size_t
char_at(const char *s, const char *p)
{
    size_t n = 1;

    for (; s < p; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/*
 * A time zone at *P (in the value S) as part DP reads it, setting *SECS to
 * its offset: for X, Z or an offset of the form its count says; for z and
 * Z, +0100, GMT, GMT+1:00, GMT-01:30 or UTC. Named zones (CET, PST) are not
 * read: their offsets change with the date. Returns 0, or -1 with the
 * reason in WHY.
 */
static int
read_zone(const struct date_part *dp, const char *s, const char **p, const char *end, int64_t *secs,
          char *why, size_t whysize)
{
    const char *q = *p;

    if (dp->field == DF_ZONE_ISO) {
        enum offset_form form = dp->count == 1 ? OFF_HH : dp->count == 2 ? OFF_HHMM : OFF_COLON;

        if (q < end && *q == 'Z') {
            *secs = 0;
            *p = q + 1;
            return 0;
        }
        if (read_offset(p, end, form, secs) == 0)
            return 0;
        snprintf(why, whysize, "expected Z or an offset such as %s at character %zu",
                 form == OFF_HH     ? "+01"
                 : form == OFF_HHMM ? "+0130"
                                    : "+01:30",
                 char_at(s, q));
        return -1;
    }
    if (read_offset(p, end, OFF_HHMM, secs) == 0)
        return 0;
    if (end - q >= 3 && (memcmp(q, "GMT", 3) == 0 || memcmp(q, "UTC", 3) == 0)) {
        int gmt = q[0] == 'G';

        q += 3;
        *secs = 0;
        if (gmt && q < end && (*q == '+' || *q == '-') &&
            read_offset(&q, end, OFF_GMT, secs) != 0) {
            snprintf(why, whysize, "expected an offset such as +1:00 at character %zu",
                     char_at(s, q));
            return -1;
        }
        *p = q;
        return 0;
    }
    while (q < end &&
           ((*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z') || *q == '/' || *q == '_'))
        q++;
    if (q > *p)
        snprintf(why, whysize,
                 "unknown time zone '%.*s' at character %zu: aiwb reads GMT, UTC and offsets "
                 "such as +0100 or GMT+1:00",
                 (int)(q - *p), *p, char_at(s, *p));
    else
        snprintf(why, whysize, "expected a time zone at character %zu", char_at(s, *p));
    return -1;
}

/* The fields a date's text sets, before they are checked. */
struct date_fields {
    int64_t year, month, day, hour, minute, second, milli, zone;
    int pm;      /* -1: no AM/PM marker */
    int hour12;  /* the hour came from h or K */
    int weekday; /* -1: no day's name; else 0 for Sunday to 6 */
};

/* Read one numeric field of part DP at *P into F. */
static int
read_number_field(const struct arff *a, const struct date_part *dp, const char *s, const char **p,
                  const char *end, struct date_fields *f, char *why, size_t whysize)
{
    const char *start = *p;
    int n;
    int64_t v = read_digits(p, end, dp->fixed ? dp->count : 10, &n);

    if (n == 0 || (dp->fixed && n < dp->count)) {
        snprintf(why, whysize, "expected %s%d digit%s at character %zu",
                 dp->fixed ? "" : "at least ", dp->fixed ? dp->count : 1,
                 (dp->fixed ? dp->count : 1) == 1 ? "" : "s", char_at(s, start));
        return -1;
    }
    if (!dp->fixed && *p < end && is_digit(**p)) {
        snprintf(why, whysize, "the number at character %zu is too long", char_at(s, start));
        return -1;
    }
    switch (dp->field) {
    case DF_YEAR:
        /* two digits for y or yy: within 80 years before and 20 after now */
        if (dp->count <= 2 && n == 2) {
            int cs = a->century_start;

            v += (cs / 100) * 100 + (v < cs % 100 ? 100 : 0);
        }
        f->year = v;
        break;
    case DF_MONTH:
        f->month = v;
        break;
    case DF_DAY:
        f->day = v;
        break;
    case DF_HOUR_0_23:
        f->hour = v;
        f->hour12 = 0;
        break;
    case DF_HOUR_1_24:
        if (v < 1 || v > 24) {
            snprintf(why, whysize, "hour %lld is out of range (k counts 1 to 24)", (long long)v);
            return -1;
        }
        f->hour = v == 24 ? 0 : v;
        f->hour12 = 0;
        break;
    case DF_HOUR_0_11:
        if (v > 11) {
            snprintf(why, whysize, "hour %lld is out of range (K counts 0 to 11)", (long long)v);
            return -1;
        }
        f->hour = v;
        f->hour12 = 1;
        break;
    case DF_HOUR_1_12:
        if (v < 1 || v > 12) {
            snprintf(why, whysize, "hour %lld is out of range (h counts 1 to 12)", (long long)v);
            return -1;
        }
        f->hour = v == 12 ? 0 : v;
        f->hour12 = 1;
        break;
    case DF_MINUTE:
        f->minute = v;
        break;
    case DF_SECOND:
        f->second = v;
        break;
    default: /* DF_MILLI: a count of milliseconds, as Java reads S */
        f->milli = v;
        break;
    }
    return 0;
}

/* Check the fields F and make them seconds since the epoch in *OUT. */
static int
date_resolve(struct date_fields *f, double *out, char *why, size_t whysize)
{
    int julian;
    int64_t days, ms;

    if (f->hour12 && f->pm > 0)
        f->hour += 12;
    if (!f->hour12 && f->pm >= 0 && f->hour < 24 && (f->hour >= 12) != f->pm) {
        snprintf(why, whysize, "hour %lld is not %s", (long long)f->hour, f->pm ? "PM" : "AM");
        return -1;
    }
    if (f->year < 1 || f->year > ARFF_MAX_YEAR) {
        snprintf(why, whysize, "year %lld is out of range", (long long)f->year);
        return -1;
    }
    if (f->month < 1 || f->month > 12) {
        snprintf(why, whysize, "month %lld is out of range", (long long)f->month);
        return -1;
    }
    julian =
        f->year < 1582 || (f->year == 1582 && (f->month < 10 || (f->month == 10 && f->day < 15)));
    if (f->year == 1582 && f->month == 10 && f->day >= 5 && f->day <= 14) {
        snprintf(why, whysize, "1582-10-%02lld was skipped by the Gregorian calendar",
                 (long long)f->day);
        return -1;
    }
    if (f->day < 1 || f->day > days_in_month(f->year, (int)f->month, julian)) {
        snprintf(why, whysize, "day %lld is out of range for %04lld-%02lld", (long long)f->day,
                 (long long)f->year, (long long)f->month);
        return -1;
    }
    {
        const struct {
            const char *what;
            int64_t v, max;
        } lim[] = {{"hour", f->hour, 23},
                   {"minute", f->minute, 59},
                   {"second", f->second, 59},
                   {"millisecond", f->milli, 999}};

        for (size_t k = 0; k < sizeof(lim) / sizeof(*lim); k++) {
            if (lim[k].v > lim[k].max) {
                snprintf(why, whysize, "%s %lld is out of range", lim[k].what, (long long)lim[k].v);
                return -1;
            }
        }
    }
    days = days_since_epoch(f->year, (int)f->month, (int)f->day, julian);
    /* 1970-01-01 was a Thursday */
    if (f->weekday >= 0 && ((days % 7 + 11) % 7) != f->weekday) {
        snprintf(why, whysize, "%04lld-%02lld-%02lld is a %s, not a %s", (long long)f->year,
                 (long long)f->month, (long long)f->day, day_names[(days % 7 + 11) % 7],
                 day_names[f->weekday]);
        return -1;
    }
    ms = ((days * 24 + f->hour) * 60 + f->minute) * 60 + f->second - f->zone;
    ms = ms * 1000 + f->milli;
    *out = (double)ms / 1000.0;
    return 0;
}

/*
 * Read S (LEN bytes) with the compiled format D into *OUT, seconds since
 * 1970-01-01 UTC. Returns 0, or -1 with the reason in WHY.
 */
static int
date_parse(const struct arff *a, const struct date_format *d, const char *s, size_t len,
           double *out, char *why, size_t whysize)
{
    struct date_fields f = {1970, 1, 1, 0, 0, 0, 0, 0, -1, 0, -1};
    const char *p = s, *end = s + len;

    for (size_t k = 0; k < d->n; k++) {
        const struct date_part *dp = &d->part[k];
        const char *start;
        int v;

        if (dp->field != DF_LITERAL)
            while (p < end && (*p == ' ' || *p == '\t'))
                p++;
        start = p;
        switch (dp->field) {
        case DF_LITERAL:
            if ((size_t)(end - p) < dp->len || memcmp(p, d->pool + dp->off, dp->len) != 0) {
                snprintf(why, whysize, "expected '%.*s' at character %zu", (int)dp->len,
                         d->pool + dp->off, char_at(s, p));
                return -1;
            }
            p += dp->len;
            break;
        case DF_MONTH_NAME:
            v = match_name(&p, end, month_names, 12);
            if (v < 0) {
                snprintf(why, whysize, "expected a month's name at character %zu",
                         char_at(s, start));
                return -1;
            }
            f.month = v + 1;
            break;
        case DF_WEEKDAY:
            if ((f.weekday = match_name(&p, end, day_names, 7)) < 0) {
                snprintf(why, whysize, "expected a day's name at character %zu", char_at(s, start));
                return -1;
            }
            break;
        case DF_AMPM:
            if (end - p >= 2 && (p[1] == 'M' || p[1] == 'm') &&
                (p[0] == 'A' || p[0] == 'a' || p[0] == 'P' || p[0] == 'p')) {
                f.pm = p[0] == 'P' || p[0] == 'p';
                p += 2;
                break;
            }
            snprintf(why, whysize, "expected AM or PM at character %zu", char_at(s, start));
            return -1;
        case DF_ZONE_GENERAL:
        case DF_ZONE_RFC:
        case DF_ZONE_ISO:
            if (read_zone(dp, s, &p, end, &f.zone, why, whysize) != 0)
                return -1;
            break;
        default:
            if (read_number_field(a, dp, s, &p, end, &f, why, whysize) != 0)
                return -1;
            break;
        }
    }
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    if (p != end) {
        char shown[SHOW_SIZE];

        snprintf(why, whysize, "text after the date: '%s'", show(p, (size_t)(end - p), shown));
        return -1;
    }
    return date_resolve(&f, out, why, whysize);
}

/* ---------------------------------------------------------------------------
 * The header
 */

static const char default_date_format[] = "yyyy-MM-dd'T'HH:mm:ss";

static struct attr *
attr_add(struct arff *a, const char *name, size_t len, size_t where)
{
    struct attr *at;

    if (a->nattr == a->attr_cap) {
        a->attr_cap = a->attr_cap ? 2 * a->attr_cap : 16;
        a->attr = api->realloc(a->attr, a->attr_cap * sizeof(*a->attr));
    }
    at = &a->attr[a->nattr++];
    memset(at, 0, sizeof(*at));
    strtab_add(&a->names, name, len, where);
    at->name = a->names.text[a->names.n - 1];
    return at;
}

/* The values of a nominal attribute, after its '{'. */
static int
read_nominal(struct arff *a, struct attr *at, const struct token *open, char **cause)
{
    char nb[NAME_SIZE], sb[SHOW_SIZE];
    struct token t;
    int rc;

    at->kind = A_NOMINAL;
    for (;;) {
        long dup;

        if ((rc = next_token(a, &t, cause)) != AIWB_OK)
            return rc;
        if (t.kind == T_RBRACE)
            break;
        if (!is_text(&t)) {
            size_t line, col;

            place_of(a, (size_t)(open->at - a->buf), &line, &col);
            return fail_at(a, t.at, cause,
                           "expected a value or '}' in the values of attribute '%s' (opened at "
                           "column %zu), found %s",
                           show_name(at->name, nb), col, show_token(&t, sb));
        }
        dup = strtab_find(&at->values, t.s, t.len);
        if (dup >= 0)
            return fail_at(a, t.at, cause, "attribute '%s' declares the value '%s' twice",
                           show_name(at->name, nb), show(t.s, t.len, sb));
        strtab_add(&at->values, t.s, t.len, (size_t)(t.at - a->buf));
    }
    if ((rc = next_token(a, &t, cause)) != AIWB_OK)
        return rc;
    if (t.kind != T_EOL && t.kind != T_EOF)
        return fail_at(a, t.at, cause, "unexpected %s after the values of attribute '%s'",
                       show_token(&t, sb), show_name(at->name, nb));
    return AIWB_OK;
}

/* The format of a date attribute, if the line gives one. */
static int
read_date_type(struct arff *a, struct attr *at, char **cause)
{
    char why[256], nb[NAME_SIZE], sb[SHOW_SIZE];
    struct token t;
    const char *fmt = default_date_format;
    size_t len = sizeof(default_date_format) - 1;
    const char *where;
    int rc;

    at->kind = A_DATE;
    if ((rc = next_token(a, &t, cause)) != AIWB_OK)
        return rc;
    where = t.at;
    if (t.kind == T_LBRACE || t.kind == T_RBRACE)
        return fail_at(a, t.at, cause, "expected a date format for attribute '%s', found %s",
                       show_name(at->name, nb), show_token(&t, sb));
    if (is_text(&t)) {
        fmt = t.s;
        len = t.len;
    }
    if (date_compile(&at->date, fmt, len, why, sizeof(why)) != 0)
        return fail_at(a, where, cause, "date format '%s' of attribute '%s': %s",
                       show(fmt, len, sb), show_name(at->name, nb), why);
    return is_text(&t) ? skip_line(a, cause) : AIWB_OK;
}

/* One @attribute line, after its keyword KW. */
static int
read_attribute(struct arff *a, const struct token *kw, char **cause)
{
    char nb[NAME_SIZE], sb[SHOW_SIZE];
    struct token t;
    struct attr *at;
    long dup;
    int rc;

    if ((rc = next_token(a, &t, cause)) != AIWB_OK)
        return rc;
    if (!is_text(&t))
        return fail_at(a, t.kind == T_EOL || t.kind == T_EOF ? kw->at : t.at, cause,
                       "@attribute without a name%s%s",
                       t.kind == T_EOL || t.kind == T_EOF ? "" : ": found ",
                       t.kind == T_EOL || t.kind == T_EOF ? "" : show_token(&t, sb));
    dup = strtab_find(&a->names, t.s, t.len);
    if (dup >= 0) {
        size_t line, col;

        place_of(a, a->names.where[dup], &line, &col);
        return fail_at(a, t.at, cause, "attribute '%s' is declared twice (first on line %zu)",
                       show_name(a->names.text[dup], nb), line);
    }
    at = attr_add(a, t.s, t.len, (size_t)(kw->at - a->buf));
    if ((rc = next_token(a, &t, cause)) != AIWB_OK)
        return rc;
    if (t.kind == T_LBRACE)
        return read_nominal(a, at, &t, cause);
    if (!is_text(&t))
        return fail_at(a, t.at, cause,
                       "attribute '%s' has no type: expected numeric, integer, "
                       "real, string, date or {values}, found %s",
                       show_name(at->name, nb), show_token(&t, sb));
    if (is_keyword(&t, "numeric") || is_keyword(&t, "real") || is_keyword(&t, "integer")) {
        at->kind = A_NUMERIC;
        return skip_line(a, cause);
    }
    if (is_keyword(&t, "string")) {
        at->kind = A_STRING;
        return skip_line(a, cause);
    }
    if (is_keyword(&t, "date"))
        return read_date_type(a, at, cause);
    if (is_keyword(&t, "relational"))
        return fail_at(a, t.at, cause,
                       "attribute '%s' is relational (multi-instance), which aiwb cannot read: "
                       "flatten it first, e.g. with Weka's MultiInstanceToPropositional filter",
                       show_name(at->name, nb));
    return fail_at(a, t.at, cause,
                   "unknown type %s of attribute '%s': expected numeric, integer, real, string, "
                   "date or {values}",
                   show_token(&t, sb), show_name(at->name, nb));
}

/* @relation, the @attribute lines, and @data. */
static int
read_header(struct arff *a, char **cause)
{
    char sb[SHOW_SIZE];
    struct token t, kw;
    int rc;

    if ((rc = first_token(a, &t, cause)) != AIWB_OK)
        return rc;
    if (t.kind == T_EOF) {
        *cause = api->format(a->size == a->bom ? "'%s' is empty"
                                               : "'%s' holds only comments and blank lines",
                             a->name);
        return AIWB_EDATA;
    }
    if (!is_keyword(&t, "@relation"))
        return fail_at(a, t.at, cause, "expected @relation, found %s (is it an ARFF file?)",
                       show_token(&t, sb));
    kw = t;
    if ((rc = next_token(a, &t, cause)) != AIWB_OK)
        return rc;
    if (!is_text(&t))
        return fail_at(a, t.kind == T_EOL || t.kind == T_EOF ? kw.at : t.at, cause,
                       "@relation without a name");
    if ((rc = next_token(a, &t, cause)) != AIWB_OK)
        return rc;
    if (t.kind != T_EOL && t.kind != T_EOF)
        return fail_at(a, t.at, cause,
                       "unexpected %s after the relation's name (quote a name with spaces)",
                       show_token(&t, sb));
    for (;;) {
        if ((rc = first_token(a, &t, cause)) != AIWB_OK)
            return rc;
        if (t.kind == T_EOF)
            return fail_at(a, t.at, cause, "the file ends before @data");
        if (is_keyword(&t, "@data"))
            break;
        if (!is_keyword(&t, "@attribute"))
            return fail_at(a, t.at, cause, "expected @attribute or @data, found %s",
                           show_token(&t, sb));
        if ((rc = read_attribute(a, &t, cause)) != AIWB_OK)
            return rc;
    }
    if (a->nattr == 0)
        return fail_at(a, t.at, cause, "no attributes declared before @data");
    return AIWB_OK;
}

/* ---------------------------------------------------------------------------
 * The data
 */

/* The rows from P to END (giving the pages of A back behind): lines whose first byte that is not a
 * space or comma starts a token (every row is one line, and every such line a row). */
static size_t
count_rows(struct arff *a, const char *p, const char *end)
{
    size_t rows = 0;

    for (;;) {
        const char *nl, *cr;
        int k;

        while ((k = byte_kind((unsigned char)*p)) == K_SPACE)
            p++;
        if (k == K_END)
            return rows;
        if (k != K_EOL && k != K_COMMENT)
            rows++;
        /* a quoted value never holds a line break, so the line ends at the
         * first LF or CR (looked for within the line only, not to touch
         * the pages ahead) */
        nl = memchr(p, '\n', (size_t)(end - p));
        if (nl == NULL)
            nl = end;
        cr = memchr(p, '\r', (size_t)(nl - p));
        if (cr != NULL)
            nl = cr;
        if (nl == end)
            return rows;
        p = nl + (*nl == '\r' && nl[1] == '\n' ? 2 : 1);
        release_behind(a, p);
    }
}

/* Make the frame of ROWS rows, a column per attribute (and one for the
 * weights when asked for). */
static int
make_frame(struct arff *a, size_t rows, const char *weight_column, char **cause)
{
    a->frame = api->frame_new(rows);
    for (size_t i = 0; i < a->nattr; i++) {
        struct attr *at = &a->attr[i];

        at->col = i;
        if (at->kind == A_NUMERIC || at->kind == A_DATE)
            at->num = api->frame_add_numeric(a->frame, at->name);
        else
            at->codes = api->frame_add_categorical(a->frame, at->name);
        if (at->num == NULL && at->codes == NULL) {
            *cause = api->format("'%s': cannot add column '%s'", a->name, at->name);
            return AIWB_EDATA;
        }
        for (size_t k = 0; at->kind == A_NOMINAL && k < at->values.n; k++) {
            int32_t code =
                api->frame_level_intern(a->frame, i, at->values.text[k], at->values.len[k]);

            if (code != (int32_t)k) {
                *cause = api->format("'%s': cannot keep the values of attribute '%s'", a->name,
                                     at->name);
                return AIWB_EDATA;
            }
        }
    }
    if (weight_column != NULL) {
        if (api->frame_find(a->frame, weight_column) >= 0) {
            *cause = api->format("'%s': weight_column '%s' is the name of an attribute", a->name,
                                 weight_column);
            return AIWB_EINVAL;
        }
        a->weights = api->frame_add_numeric(a->frame, weight_column);
        if (a->weights == NULL) {
            *cause = api->format("'%s': cannot add column '%s'", a->name, weight_column);
            return AIWB_EDATA;
        }
    }
    return AIWB_OK;
}

static void
store_missing(struct attr *at, size_t row)
{
    if (at->num != NULL)
        at->num[row] = NAN;
    else
        at->codes[row] = AIWB_NA_CODE;
}

/* Token T as the value of attribute I in row ROW. */
static int
store(struct arff *a, size_t i, size_t row, const struct token *t, char **cause)
{
    char nb[NAME_SIZE], sb[SHOW_SIZE];
    struct attr *at = &a->attr[i];
    int32_t code;
    long k;

    if (!is_text(t))
        return fail_at(a, t->at, cause, "%s where the value of attribute '%s' should be",
                       show_token(t, sb), show_name(at->name, nb));
    if (t->kind == T_WORD && t->len == 1 && t->s[0] == '?') {
        store_missing(at, row);
        return AIWB_OK;
    }
    switch (at->kind) {
    case A_NUMERIC:
        if (parse_number(a, t->s, t->len, &at->num[row]))
            return AIWB_OK;
        return fail_at(a, t->at, cause, "'%s' is not a number (attribute '%s' is numeric)",
                       show(t->s, t->len, sb), show_name(at->name, nb));
    case A_DATE: {
        char why[256];

        if (date_parse(a, &at->date, t->s, t->len, &at->num[row], why, sizeof(why)) == 0)
            return AIWB_OK;
        return fail_at(a, t->at, cause,
                       "'%s' is not a date of the format '%s' of attribute '%s': %s",
                       show(t->s, t->len, sb), at->date.text, show_name(at->name, nb), why);
    }
    case A_NOMINAL: {
        char list[ARFF_LIST_MAX + SHOW_SIZE + 32];

        k = strtab_find(&at->values, t->s, t->len);
        if (k >= 0) {
            at->codes[row] = (int32_t)k;
            return AIWB_OK;
        }
        return fail_at(a, t->at, cause, "'%s' is not a declared value of attribute '%s' %s",
                       show(t->s, t->len, sb), show_name(at->name, nb),
                       show_values(at, list, sizeof(list)));
    }
    default:
        code = api->frame_level_intern(a->frame, at->col, t->s, t->len);
        if (code < 0)
            return fail_at(a, t->at, cause, "attribute '%s' has too many distinct values",
                           show_name(at->name, nb));
        at->codes[row] = code;
        return AIWB_OK;
    }
}

/* The end of row ROW after its values: an optional weight {w}, then the
 * end of the line. SPARSE says which kind of row it was. */
static int
row_end(struct arff *a, size_t row, int sparse, char **cause)
{
    char sb[SHOW_SIZE];
    struct token t, open;
    double w = 1;
    int rc;

    if ((rc = next_token(a, &t, cause)) != AIWB_OK)
        return rc;
    if (t.kind == T_LBRACE) {
        open = t;
        if ((rc = next_token(a, &t, cause)) != AIWB_OK)
            return rc;
        if (!is_text(&t) || !parse_number(a, t.s, t.len, &w))
            return fail_at(a, t.kind == T_EOL || t.kind == T_EOF ? open.at : t.at, cause,
                           "expected an instance weight {number} after the row, found %s",
                           show_token(&t, sb));
        if ((rc = next_token(a, &t, cause)) != AIWB_OK)
            return rc;
        if (t.kind != T_RBRACE)
            return fail_at(a, t.at, cause, "expected '}' after the instance weight, found %s",
                           show_token(&t, sb));
        if (a->weighted++ == 0)
            a->first_weight = (size_t)(open.at - a->buf);
        if ((rc = next_token(a, &t, cause)) != AIWB_OK)
            return rc;
        if (t.kind != T_EOL && t.kind != T_EOF)
            return fail_at(a, t.at, cause, "unexpected %s after the instance weight",
                           show_token(&t, sb));
    } else if (t.kind != T_EOL && t.kind != T_EOF) {
        if (sparse)
            return fail_at(a, t.at, cause, "unexpected %s after the sparse row",
                           show_token(&t, sb));
        return fail_at(a, t.at, cause, "more than %zu value%s (one per attribute)", a->nattr,
                       a->nattr == 1 ? "" : "s");
    }
    if (a->weights != NULL)
        a->weights[row] = w;
    return AIWB_OK;
}

/* A row of every attribute's value, its first token in *T. */
static int
read_dense(struct arff *a, size_t row, struct token *t, char **cause)
{
    char nb[NAME_SIZE];
    int rc;

    for (size_t i = 0; i < a->nattr; i++) {
        if (i > 0 && (rc = next_token(a, t, cause)) != AIWB_OK)
            return rc;
        if (t->kind == T_EOL || t->kind == T_EOF)
            return fail_at(a, t->at, cause,
                           "%zu value%s, expected %zu (the line ends before attribute '%s')", i,
                           i == 1 ? "" : "s", a->nattr, show_name(a->attr[i].name, nb));
        if ((rc = store(a, i, row, t, cause)) != AIWB_OK)
            return rc;
    }
    return row_end(a, row, 0, cause);
}

/* Whether T is an attribute index (digits, a + before them allowed as in
 * Java); sets *IDX (SIZE_MAX when too big). */
static int
parse_index(const struct token *t, size_t *idx)
{
    const char *p = t->s, *end = t->s + t->len;
    size_t v = 0;

    if (p < end && *p == '+')
        p++;
    if (p == end)
        return 0;
    for (; p < end; p++) {
        if (!is_digit(*p))
            return 0;
        v = v > (SIZE_MAX - 9) / 10 ? SIZE_MAX : v * 10 + (size_t)(*p - '0');
    }
    *idx = v;
    return 1;
}

/* A sparse row {index value, ...}, its '{' in *T: absent values are 0 for
 * numbers and dates, the first value of a nominal attribute (as in Weka),
 * and missing for a string. */
static int
read_sparse(struct arff *a, size_t row, struct token *t, char **cause)
{
    char sb[SHOW_SIZE], nb[NAME_SIZE];
    const char *open = t->at;
    size_t prev = SIZE_MAX, idx;
    int rc;

    for (size_t i = 0; i < a->nattr; i++) {
        struct attr *at = &a->attr[i];

        if (at->num != NULL)
            at->num[row] = 0;
        else
            at->codes[row] = at->kind == A_NOMINAL && at->values.n > 0 ? 0 : AIWB_NA_CODE;
    }
    for (;;) {
        if ((rc = next_token(a, t, cause)) != AIWB_OK)
            return rc;
        if (t->kind == T_RBRACE)
            break;
        if (t->kind == T_EOL || t->kind == T_EOF) {
            size_t line, col;

            place_of(a, (size_t)(open - a->buf), &line, &col);
            return fail_at(a, t->at, cause, "the sparse row opened at column %zu has no '}'", col);
        }
        if (!is_text(t) || !parse_index(t, &idx))
            return fail_at(a, t->at, cause,
                           "expected an attribute index, found %s (a sparse row is {index "
                           "value, ...})",
                           show_token(t, sb));
        if (prev != SIZE_MAX && idx <= prev)
            return fail_at(a, t->at, cause,
                           "index %zu follows index %zu: the indices of a sparse row must increase",
                           idx, prev);
        if (idx >= a->nattr)
            return fail_at(a, t->at, cause,
                           "index %s is out of range: the file has %zu attribute%s (indices 0 to "
                           "%zu)",
                           show(t->s, t->len, sb), a->nattr, a->nattr == 1 ? "" : "s",
                           a->nattr - 1);
        if ((rc = next_token(a, t, cause)) != AIWB_OK)
            return rc;
        if (!is_text(t))
            return fail_at(a, t->at, cause, "index %zu (attribute '%s') has no value", idx,
                           show_name(a->attr[idx].name, nb));
        if ((rc = store(a, idx, row, t, cause)) != AIWB_OK)
            return rc;
        prev = idx;
    }
    return row_end(a, row, 1, cause);
}

/* The rows after @data into a new frame. */
static int
read_data(struct arff *a, const char *weight_column, char **cause)
{
    size_t rows;
    struct token t;
    int rc;

    a->released = 0;
    rows = count_rows(a, a->p, a->buf + a->size);
    a->released = 0;

    if (rows == 0) {
        *cause = api->format("'%s' has no rows after @data", a->name);
        return AIWB_EDATA;
    }
    if ((rc = make_frame(a, rows, weight_column, cause)) != AIWB_OK)
        return rc;
    for (size_t row = 0; row < rows; row++) {
        if ((rc = first_token(a, &t, cause)) != AIWB_OK)
            return rc;
        if (t.kind == T_EOF)
            return fail_at(a, t.at, cause, "internal error: fewer rows than counted");
        rc = t.kind == T_LBRACE ? read_sparse(a, row, &t, cause) : read_dense(a, row, &t, cause);
        if (rc != AIWB_OK)
            return rc;
        release_behind(a, a->p);
    }
    if ((rc = first_token(a, &t, cause)) != AIWB_OK)
        return rc;
    if (t.kind != T_EOF)
        return fail_at(a, t.at, cause, "internal error: more rows than counted");
    return AIWB_OK;
}

/* ---------------------------------------------------------------------------
 * The source
 */

/* The file name in URI: "file:x.arff", "file://x.arff" or a plain path. */
static const char *
uri_path(const char *uri)
{
    if (strncmp(uri, "file://", 7) == 0)
        return uri + 7;
    if (strncmp(uri, "file:", 5) == 0)
        return uri + 5;
    return uri;
}

static void
teardown(struct arff *a)
{
    for (size_t i = 0; i < a->nattr; i++) {
        strtab_release(&a->attr[i].values);
        date_release(&a->attr[i].date);
    }
    api->free(a->attr);
    strtab_release(&a->names);
    unload_file(a);
    api->free(a->scratch);
    if (a->c_locale != (locale_t)0)
        freelocale(a->c_locale);
    api->frame_free(a->frame);
}

/* The first year a two-digit year may stand for: 80 years before now. */
static int
century_start(void)
{
    time_t now = time(NULL);
    struct tm tm;

    if (gmtime_r(&now, &tm) == NULL)
        return 1970 - 80;
    return tm.tm_year + 1900 - 80;
}

static int
arff_open(void *state, const char *uri, const struct aiwb_options *opts, char **cause)
{
    struct arff_state *st = state;
    struct arff a;
    const char *path = uri_path(uri), *weight_column = api->opt_str(opts, "weight_column");
    int rc;

    memset(&a, 0, sizeof(a));
    a.name = path;
    a.page = (size_t)sysconf(_SC_PAGESIZE);
    a.century_start = century_start();
    if (weight_column != NULL && *weight_column == '\0') {
        *cause = api->format("arff: weight_column must name a column");
        return AIWB_EINVAL;
    }
    a.c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    if (a.c_locale == (locale_t)0) {
        *cause = api->format("arff: cannot make the C locale: %s", strerror(errno));
        return AIWB_ERR;
    }
    rc = load_file(&a, path, cause);
    if (rc == AIWB_OK) {
        if (a.size >= 3 && memcmp(a.buf, "\xEF\xBB\xBF", 3) == 0)
            a.bom = 3;
        a.p = a.buf + a.bom;
        rc = check_bytes(&a, cause);
    }
    if (rc == AIWB_OK)
        rc = read_header(&a, cause);
    if (rc == AIWB_OK)
        rc = read_data(&a, weight_column, cause);
    if (rc == AIWB_OK && a.weighted > 0 && a.weights == NULL) {
        size_t line, col;

        place_of(&a, a.first_weight, &line, &col);
        api->log(AIWB_LOG_WARN,
                 "'%s': instance weights ignored (%zu row%s, the first on line %zu); "
                 "weight_column=NAME keeps them as a column",
                 a.name, a.weighted, a.weighted == 1 ? "" : "s", line);
    }
    rc = shrank_meanwhile(&a, rc, cause);
    if (rc == AIWB_OK) {
        st->frame = a.frame;
        a.frame = NULL;
    }
    teardown(&a);
    return rc;
}

static int
arff_next(void *state, struct aiwb_frame **batch, char **cause)
{
    struct arff_state *st = state;
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
arff_close(void *state)
{
    struct arff_state *st = state;

    api->frame_free(st->frame);
    st->frame = NULL;
}

static const struct aiwb_option_spec arff_options[] = {
    {.name = "weight_column",
     .type = AIWB_OPT_STRING,
     .help = "keep the instance weights {w} in a numeric column of this name (1 where a row "
             "gives none); without it they are ignored with a warning"},
    {.name = NULL},
};

static const struct aiwb_source_type arff_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_source_type),
    .name = "arff",
    .summary = "Weka's ARFF files (.arff, .arff.gz): nominal, numeric, string, date, sparse",
    .help = "Reads what Weka reads: @relation, @attribute lines, @data; dense or sparse\n"
            "{index value, ...} rows; ? for missing; % comments; quoted names and values.\n"
            "numeric, real and integer attributes become numeric columns; nominal ones\n"
            "categorical columns with the declared values as levels; string attributes\n"
            "categorical columns; dates numeric columns of seconds since 1970-01-01 UTC,\n"
            "read with the attribute's SimpleDateFormat pattern. Relational attributes\n"
            "are refused. Instance weights {w} after a row are ignored unless\n"
            "weight_column names a column to keep them in.",
    .options = arff_options,
    .flags = AIWB_SOURCE_KEEP_LEVELS, /* nominal values in their declared order */
    .schemes = "file",
    .extensions = "arff,arff.gz",
    .state_size = sizeof(struct arff_state),
    .open = arff_open,
    .next = arff_next,
    .close = arff_close,
};

/*
 * The module's entry point: declares the module "arff" and registers its
 * one source. Returns AIWB_OK, or the host's refusal (AIWB_EABI,
 * AIWB_EINVAL).
 */
int
aiwb_plugin_init(struct aiwb_plugin *p, const struct aiwb_host_api *host)
{
    AIWB_PLUGIN_BEGIN(p, host, api, "arff", "1.0.0");
    make_kinds();
    return api->register_source(p, &arff_type);
}
