/*
 * source-csv.c - the csv source: reads an RFC 4180 file into one frame,
 * numeric and categorical columns inferred, numbers exact and fast.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What it accepts, for users of R's read.csv and pandas: quoted fields (the
 * delimiter, doubled quotes and line breaks inside), LF or CRLF line ends, a
 * UTF-8 byte order mark, blank lines anywhere (skipped, as R and pandas do),
 * spaces around numbers and around quoted fields. Missing values: an empty
 * or blank field, "", NaN, and the `na` markers. A column is numeric when
 * every value that is not missing is a number (inf included), categorical
 * otherwise. A number too big for a double is an error in a column that
 * stays numeric and text in one that does not, so it is reported only when
 * the file is otherwise well formed. No field is too long: a field of 10 MB
 * loads like any other (its level is 10 MB), and a message quotes only the
 * start of a value.
 *
 * A gzip file (known by its first two bytes, whatever its name) is inflated
 * into memory with zlib, then read as any other; appended members are read
 * too, as gzip does. The option columns= forces a column's type (a postcode
 * column stays categorical; a numeric one must hold numbers, or the message
 * names the value), and limit= reads the first rows only: the text ends
 * after them, and nothing after them is read, mapped or inflated.
 *
 * How a file is read:
 * 1. It is mapped (read, for pipes; inflated, for gzip) with zero bytes
 *    after its last byte, so the scanners stop without bounds checks. Pages
 *    already scanned are given back as the threads move on, in both passes,
 *    so the peak stays near the frame's size: the file's pages stay in the
 *    page cache, and mapping them twice costs little.
 *    With limit=, the text ends after the rows wanted: the rest is never read.
 * 2. The header record is tokenized. A scan then counts the data records and
 *    cuts them into chunks at record boundaries (four a thread, or about
 *    4 MB each in a big file, which the threads take as each becomes free,
 *    so a thread slowed by other programs takes fewer): at any newline when
 *    the body holds no quote (checked in parallel), by quote parity
 *    otherwise (one sequential pass).
 * 3. The frame is made with its final row count and every column numeric;
 *    the threads parse the chunks straight into the column arrays. A chunk
 *    stops at its first error and the earliest error in the file wins. Each
 *    chunk starts at a true record boundary as long as everything before it
 *    is well formed, so the message is the one a sequential parse would give.
 * 4. Only if some column met a value that is not a number is the file read
 *    once more, in order, to intern that column's values as levels.
 *
 * Numbers parse bit-identical to glibc's strtod in the C locale: Clinger's
 * fast path (a decimal significand below 2^53 times an exact power of ten,
 * one correctly rounded operation), strtod_l with a C locale object
 * otherwise, whatever the user's LC_NUMERIC.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include <aiwb/plugin.h>

static const struct aiwb_host_api *api;

#define CSV_AUTO_THREADS 4          /* at most this many threads unless told */
#define CSV_MAX_THREADS 64          /* the most the `threads` option allows */
#define CSV_THREAD_BYTES (1u << 20) /* smaller bodies are read by one thread */
#define CSV_CHUNK_BYTES (4u << 20)  /* bigger ones in chunks about this big */
#define CSV_THREAD_CHUNKS 4         /* and at least this many a thread */
#define CSV_MAX_CHUNKS (CSV_MAX_THREADS * CSV_THREAD_CHUNKS) /* but no more */
#define CSV_RELEASE_STEP (1u << 20) /* give parsed pages back in steps this big */
#define CSV_BLOCK (256u << 10)      /* the scan for quotes goes by blocks this big */
#define CSV_SHOW_MAX 40             /* bytes of a value quoted in a message */
#define CSV_PAD 64                  /* zero bytes after the text, for reading ahead */
#define CSV_GROW_FIRST (1u << 20)   /* the first buffer for a pipe or gzip data */
#define CSV_READ_STEP (1u << 20)    /* read a pipe by this much at least */
#define CSV_INFLATE_STEP (4u << 20) /* inflate by this much at least */
#define CSV_LIST_MAX 20             /* column names listed in a message */

/* Byte classes of the tokenizer, outside (ucls) and inside (qcls) quotes. */
enum { B_PLAIN = 0, B_DELIM, B_LF, B_CR, B_QUOTE, B_NUL, B_HIGH };

/* What is known about the file being read; read-only once parsing starts. */
struct csv {
    const char *name; /* the file as the user named it */
    const char *buf;  /* its bytes (inflated when gzip), then CSV_PAD zero bytes */
    size_t size;
    size_t map_len; /* buf is a mapping of this many bytes */
    int release;    /* buf maps the file: parsed pages can be given back */
    int guarded;    /* the mapping is guarded (api->map_guard) by handle guard */
    int guard;
    int shrank;     /* the file shrank under the guard: what was read is void */
    size_t bom;     /* 3 when the file starts with a UTF-8 byte order mark */
    size_t first;   /* where the first record starts */
    size_t body;    /* where the first data record starts */
    int header;     /* the first record names the columns */
    size_t ncols;
    unsigned char delim;
    unsigned char ucls[256];
    unsigned char qcls[256];
    char *na_text;   /* the `na` option, split in place */
    const char **na; /* the extra missing-value markers */
    size_t *na_len;
    size_t n_na;
    int na_numeric;          /* some marker reads as a number */
    size_t records;          /* limit=: the records to read, header included (0: all) */
    char *typed_text;        /* the `columns` option, split in place */
    const char **typed;      /* the columns it names */
    unsigned char *typed_as; /* and the type each is given (FORCE_*) */
    size_t n_typed;
    unsigned char *force; /* per column: FORCE_AUTO, or the type columns= gives it */
    char *const *names;   /* the column names, for messages */
    locale_t c_locale;
    size_t page;
};

/* How a column's type is found: from its values, or forced by columns=. */
enum { FORCE_AUTO = 0, FORCE_NUMERIC, FORCE_CATEGORICAL };

enum csv_err_kind {
    E_NONE = 0,
    E_UNTERMINATED, /* aux: the opening quote */
    E_FIELDS,       /* off: the record's start; aux: the fields it has */
    E_UTF8,
    E_NUL,
    E_QUOTE,
    E_AFTER_QUOTE,
    E_RANGE,  /* aux: the length of the number */
    E_NOTNUM, /* columns= says numeric; aux: the value's length, col: its column */
    E_SPLIT   /* a chunk did not end where the scan said: re-read in one */
};

/* An error found while parsing, placed by its byte offset. */
struct csv_err {
    enum csv_err_kind kind;
    size_t off;
    size_t aux;
    size_t col;
};

/* A field as found in the buffer: between the quotes when quoted. */
struct field {
    const char *s;
    size_t len;
    int escaped; /* holds doubled quotes */
};

enum { F_ERROR = -1, F_LAST = 0, F_MORE = 1 };
enum num_kind { NUM_NONE = 0, NUM_OK, NUM_NAN, NUM_RANGE };
enum cell_kind { CELL_MISSING, CELL_NUMBER, CELL_RANGE, CELL_TEXT };

/* One thread's share of the body: a run of whole records. */
struct chunk {
    const struct csv *cv;
    size_t lo, hi;       /* the byte range it was cut from */
    size_t start, end;   /* its records: from start up to end */
    size_t row0, nrows;  /* the rows they become */
    int quotes;          /* the range holds a quote: the cut may be wrong */
    double *const *cols; /* the frame's columns, while numeric */
    unsigned char *text; /* per column: met a value that is not a number */
    size_t *range_off;   /* per column: the first number out of range, or SIZE_MAX */
    size_t *range_len;
    struct csv_err err;
    size_t released; /* pages before this offset were given back */
};

/* The state the host allocates per open source. */
struct csv_state {
    struct aiwb_frame *frame; /* read by open, handed over by the first next */
};

static inline int
is_space(const struct csv *cv, unsigned char c)
{
    return (c == ' ' || c == '\t') && c != cv->delim;
}

static int
set_err(struct csv_err *err, enum csv_err_kind kind, size_t off, size_t aux)
{
    err->kind = kind;
    err->off = off;
    err->aux = aux;
    return F_ERROR;
}

/* Give back the mapped pages between *DONE and UPTO once STEP bytes have passed. */
static void
release_behind(const struct csv *cv, size_t *done, size_t upto, size_t step)
{
    size_t a, b;

    if (!cv->release || upto < *done + step)
        return;
    a = (*done + cv->page - 1) / cv->page * cv->page;
    b = upto / cv->page * cv->page;
    if (b > a)
        madvise((char *)cv->buf + a, b - a, MADV_DONTNEED);
    *done = upto;
}

/* ---------------------------------------------------------------------------
 * Numbers
 */

static const double pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static inline int
ascii_is(char c, char lower)
{
    return (c | 0x20) == lower;
}

/* inf, infinity or nan at P (after the sign), any case. */
static enum num_kind
parse_special(const char *p, int neg, const char **endp, double *out)
{
    if (ascii_is(p[0], 'i') && ascii_is(p[1], 'n') && ascii_is(p[2], 'f')) {
        p += 3;
        if (ascii_is(p[0], 'i') && ascii_is(p[1], 'n') && ascii_is(p[2], 'i') &&
            ascii_is(p[3], 't') && ascii_is(p[4], 'y'))
            p += 5;
        *endp = p;
        *out = neg ? -HUGE_VAL : HUGE_VAL;
        return NUM_OK;
    }
    if (ascii_is(p[0], 'n') && ascii_is(p[1], 'a') && ascii_is(p[2], 'n')) {
        *endp = p + 3;
        *out = NAN;
        return NUM_NAN;
    }
    return NUM_NONE;
}

/*
 * strtod_l in the C locale on a NUL-terminated copy of [S, END), which
 * parse_number has checked to be one decimal number. A longer one is read
 * in place rather than copied (no allocation in the threads): strtod stops
 * where that check stopped, as nothing after it could continue the number.
 */
static enum num_kind
parse_slow(const struct csv *cv, const char *s, const char *end, double *out)
{
    char copy[128], *stop;
    size_t n = (size_t)(end - s);
    double v;

    if (n < sizeof(copy)) {
        memcpy(copy, s, n);
        copy[n] = '\0';
        v = strtod_l(copy, &stop, cv->c_locale);
        if (stop != copy + n)
            return NUM_NONE;
    } else {
        v = strtod_l(s, &stop, cv->c_locale);
        if (stop != end)
            return NUM_NONE;
    }
    *out = v;
    return isinf(v) ? NUM_RANGE : NUM_OK;
}

#define TWO_53 (UINT64_C(1) << 53)

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

/*
 * How many of the 8 bytes in X (read little-endian from the text) are
 * digits before the first that is not. The tests for "below '0'" and
 * "above '9'" may also flag bytes after the first true one (a borrow or a
 * carry moves up), never one before it, and only the first matters.
 */
static inline unsigned
digit_run(uint64_t x)
{
    uint64_t below = (x - ONES * '0') & ~x, above = (x + ONES * (127 - '9')) | x;
    uint64_t bad = (below | above) & HIGHS;

    return bad ? (unsigned)__builtin_ctzll(bad) >> 3 : 8;
}

/* The value of the first N (1 to 8) digits in X: moved to the top, with
 * zero bytes as leading zeros, then summed in pairs, quads and all eight. */
static inline uint64_t
digits_value(uint64_t x, unsigned n)
{
    x = (x - ONES * '0') << (8 * (8 - n));
    x = x * 10 + (x >> 8);
    return (((x & UINT64_C(0x000000FF000000FF)) * (100 + (UINT64_C(1000000) << 32))) +
            (((x >> 16) & UINT64_C(0x000000FF000000FF)) * (1 + (UINT64_C(10000) << 32)))) >>
           32;
}

static const uint64_t pow10_int[9] = {1,      10,      100,      1000,     10000,
                                      100000, 1000000, 10000000, 100000000};

/*
 * Read the digits at P into *M (*M times ten plus each, modulo 2^64, as one
 * at a time would), eight at a time. The text has CSV_PAD readable bytes
 * after its end, so reading ahead is safe. Returns the end of the digits.
 */
static inline const char *
read_digits(const char *p, uint64_t *m)
{
    for (;;) {
        uint64_t x;
        unsigned n;

        memcpy(&x, p, sizeof(x));
        n = digit_run(x);
        if (n == 0)
            return p;
        *m = *m * pow10_int[n] + digits_value(x, n);
        p += n;
        if (n < 8)
            return p;
    }
}
#else
static inline const char *
read_digits(const char *p, uint64_t *m)
{
    while ((unsigned)(unsigned char)*p - '0' < 10) {
        *m = *m * 10 + (unsigned)(unsigned char)*p - '0';
        p++;
    }
    return p;
}
#endif

/* Whether the significand of the NDIG digits at S (a point in between
 * skipped) has more than 19 significant digits, so *M overflowed. */
static int
too_many_digits(const char *s, size_t ndig)
{
    size_t zeros = 0;

    for (; zeros < ndig && (*s == '0' || *s == '.'); s++)
        zeros += *s == '0';
    return ndig - zeros > 19;
}

/*
 * Read a number at S: [+-]digits[.digits][(e|E)[+-]digits] (digits on at
 * least one side of the point), or inf, infinity, nan in any case. Sets *ENDP
 * after it. Returns NUM_OK with *OUT set, NUM_NAN, NUM_RANGE for a finite
 * number too big for a double, or NUM_NONE when S does not start one.
 */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline enum num_kind
parse_number(const struct csv *cv, const char *s, const char **endp, double *out)
{
    const char *p = s, *digits, *q;
    uint64_t m = 0;
    long e10 = 0;
    size_t nint, nfrac = 0;
    int neg = 0;

    if (*p == '-' || *p == '+')
        neg = *p++ == '-';
    digits = q = p;
    p = read_digits(p, &m);
    nint = (size_t)(p - q);
    if (*p == '.') {
        q = ++p;
        p = read_digits(p, &m);
        nfrac = (size_t)(p - q);
        e10 = -(long)nfrac;
    }
    if (nint + nfrac == 0)
        return p == digits ? parse_special(p, neg, endp, out) : NUM_NONE;
    if (*p == 'e' || *p == 'E') {
        long ev = 0;
        int eneg = 0;

        q = p + 1;
        if (*q == '-' || *q == '+')
            eneg = *q++ == '-';
        if ((unsigned)(unsigned char)*q - '0' >= 10)
            return NUM_NONE;
        for (; (unsigned)(unsigned char)*q - '0' < 10; q++)
            if (ev < 100000)
                ev = ev * 10 + (*q - '0');
        e10 += eneg ? -ev : ev;
        p = q;
    }
    *endp = p;
    if (nint + nfrac > 19 && too_many_digits(digits, nint + nfrac))
        return parse_slow(cv, s, p, out);
#if FLT_EVAL_METHOD == 0
    /* Clinger: m <= 2^53 and 10^|e| <= 10^22 are exact doubles, so one IEEE
     * operation rounds correctly, as strtod does. */
    if (m <= TWO_53) {
        double v = (double)m;

        if (m == 0 || (e10 >= 0 && e10 <= 22)) {
            v *= pow10_exact[m == 0 ? 0 : e10];
        } else if (e10 < 0 && e10 >= -22) {
            v /= pow10_exact[-e10];
        } else if (e10 > 22 && e10 <= 22 + 15 && m <= TWO_53 / (uint64_t)pow10_exact[e10 - 22]) {
            /* m * 10^(e-22) is still an integer below 2^53 */
            v = (double)(m * (uint64_t)pow10_exact[e10 - 22]) * 1e22;
        } else {
            return parse_slow(cv, s, p, out);
        }
        *out = neg ? -v : v;
        return NUM_OK;
    }
#endif
    return parse_slow(cv, s, p, out);
}

/* Whether [S, S+LEN) is one of the user's missing-value markers. */
static int
is_marker(const struct csv *cv, const char *s, size_t len)
{
    for (size_t i = 0; i < cv->n_na; i++)
        if (cv->na_len[i] == len && memcmp(cv->na[i], s, len) == 0)
            return 1;
    return 0;
}

/*
 * What field F holds: missing (empty, blank, a marker, NaN), a number (in
 * *V), a number out of range, or text. Unless it is missing, *TOK and
 * *TOKLEN are set to the value without the spaces around it.
 */
static enum cell_kind
classify(const struct csv *cv, const struct field *f, double *v, const char **tok, size_t *toklen)
{
    const char *a = f->s, *b = f->s + f->len, *e;
    enum num_kind k;

    while (a < b && is_space(cv, (unsigned char)*a))
        a++;
    while (b > a && is_space(cv, (unsigned char)b[-1]))
        b--;
    if (a == b || is_marker(cv, a, (size_t)(b - a)))
        return CELL_MISSING;
    *tok = a;
    *toklen = (size_t)(b - a);
    k = parse_number(cv, a, &e, v);
    if (k == NUM_NONE || e != b)
        return CELL_TEXT;
    return k == NUM_OK ? CELL_NUMBER : k == NUM_NAN ? CELL_MISSING : CELL_RANGE;
}

/* ---------------------------------------------------------------------------
 * The tokenizer
 */

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

/* After a quoted field's closing quote at Q: spaces, then the field's end. */
static int
after_quote(const struct csv *cv, const char *q, const char **pp, struct csv_err *err)
{
    const char *end = cv->buf + cv->size;

    q++;
    while (is_space(cv, (unsigned char)*q))
        q++;
    if (*q == (char)cv->delim) {
        *pp = q + 1;
        return F_MORE;
    }
    if (*q == '\n' || (*q == '\r' && q[1] == '\n')) {
        *pp = q + (*q == '\r' ? 2 : 1);
        return F_LAST;
    }
    if (q == end || (*q == '\r' && q + 1 == end)) {
        *pp = end;
        return F_LAST;
    }
    return set_err(err, E_AFTER_QUOTE, (size_t)(q - cv->buf), 0);
}

/* A quoted field whose opening quote is at OPEN. */
static int
read_quoted(const struct csv *cv, const char *open, const char **pp, struct field *f,
            struct csv_err *err)
{
    const char *q = open + 1, *end = cv->buf + cv->size;
    size_t n;

    f->s = q;
    f->escaped = 0;
    for (;;) {
        while (cv->qcls[(unsigned char)*q] == B_PLAIN)
            q++;
        switch (cv->qcls[(unsigned char)*q]) {
        case B_QUOTE:
            if (q[1] == '"') {
                f->escaped = 1;
                q += 2;
                break;
            }
            f->len = (size_t)(q - f->s);
            return after_quote(cv, q, pp, err);
        case B_NUL:
            if (q == end)
                return set_err(err, E_UNTERMINATED, cv->size, (size_t)(open - cv->buf));
            return set_err(err, E_NUL, (size_t)(q - cv->buf), 0);
        default:
            n = utf8_len((const unsigned char *)q);
            if (n == 0)
                return set_err(err, E_UTF8, (size_t)(q - cv->buf), 0);
            q += n;
            break;
        }
    }
}

/*
 * Read the field at *PP into F and move *PP past it and its delimiter or
 * line end. Returns F_MORE when a delimiter followed, F_LAST when the record
 * ended, or F_ERROR with *ERR set.
 */
static int
read_field(const struct csv *cv, const char **pp, struct field *f, struct csv_err *err)
{
    const char *p = *pp, *q = p, *end = cv->buf + cv->size;
    size_t n;

    while (is_space(cv, (unsigned char)*q))
        q++;
    if (*q == '"')
        return read_quoted(cv, q, pp, f, err);
    q = p;
    f->s = p;
    f->escaped = 0;
    for (;;) {
        while (cv->ucls[(unsigned char)*q] == B_PLAIN)
            q++;
        switch (cv->ucls[(unsigned char)*q]) {
        case B_DELIM:
            f->len = (size_t)(q - p);
            *pp = q + 1;
            return F_MORE;
        case B_LF:
            f->len = (size_t)(q - p);
            *pp = q + 1;
            return F_LAST;
        case B_CR:
            if (q[1] == '\n' || q + 1 == end) {
                f->len = (size_t)(q - p);
                *pp = q + 1 + (q[1] == '\n');
                return F_LAST;
            }
            q++;
            break;
        case B_QUOTE:
            return set_err(err, E_QUOTE, (size_t)(q - cv->buf), 0);
        case B_NUL:
            if (q == end) {
                f->len = (size_t)(q - p);
                *pp = q;
                return F_LAST;
            }
            return set_err(err, E_NUL, (size_t)(q - cv->buf), 0);
        default:
            n = utf8_len((const unsigned char *)q);
            if (n == 0)
                return set_err(err, E_UTF8, (size_t)(q - cv->buf), 0);
            q += n;
            break;
        }
    }
}

/* Whether the record at P is blank (nothing, or a lone CR, before its line
 * end); if so, move *PP past it. */
static inline int
skip_blank(const struct csv *cv, const char **pp)
{
    const char *p = *pp;

    if (*p == '\n') {
        *pp = p + 1;
        return 1;
    }
    if (*p == '\r' && (p[1] == '\n' || p + 1 == cv->buf + cv->size)) {
        *pp = p + 1 + (p[1] == '\n');
        return 1;
    }
    return 0;
}

/* A record at REC has the wrong number of fields; R is what reading field
 * FOUND (1-based) returned. Counts the rest and sets *ERR. */
static void
fields_error(const struct csv *cv, const char *rec, const char *p, int r, size_t found,
             struct csv_err *err)
{
    struct field f;

    while (r == F_MORE) {
        r = read_field(cv, &p, &f, err);
        if (r == F_ERROR)
            return;
        found++;
    }
    set_err(err, E_FIELDS, (size_t)(rec - cv->buf), found);
}

/* Field F's text with doubled quotes undone, in *SCRATCH (grown as needed)
 * unless there is nothing to undo. */
static const char *
field_text(const struct field *f, char **scratch, size_t *cap, size_t *len)
{
    char *o;

    if (!f->escaped) {
        *len = f->len;
        return f->s;
    }
    if (*cap < f->len + 1) {
        *cap = f->len + 1;
        *scratch = api->realloc(*scratch, *cap);
    }
    o = *scratch;
    for (size_t i = 0; i < f->len; i++) {
        *o++ = f->s[i];
        if (f->s[i] == '"')
            i++;
    }
    *len = (size_t)(o - *scratch);
    return *scratch;
}

/* ---------------------------------------------------------------------------
 * Messages
 */

/* The 1-based line and column (in characters) of byte OFF. */
static void
place_of(const struct csv *cv, size_t off, size_t *line, size_t *col)
{
    const char *p = cv->buf, *lim = cv->buf + off, *ls = cv->buf + cv->bom, *q;

    *line = 1;
    while ((q = memchr(p, '\n', (size_t)(lim - p))) != NULL) {
        ++*line;
        p = q + 1;
        ls = p;
    }
    *col = 1;
    for (q = ls; q < lim; q++)
        *col += ((unsigned char)*q & 0xC0) != 0x80;
}

/* S (LEN bytes) made fit for a message: cut to CSV_SHOW_MAX bytes at a
 * character boundary, control characters escaped. Returns BUF. */
static const char *
show(const char *s, size_t len, char *buf, size_t size)
{
    size_t o = 0, i = 0, lim = len < CSV_SHOW_MAX ? len : CSV_SHOW_MAX;

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

/* The message for ERR, naming the file and the place. The caller frees it. */
static char *
format_error(const struct csv *cv, const struct csv_err *err)
{
    size_t line, col, off = err->off, opened, dummy;
    char shown[CSV_SHOW_MAX * 2 + 8];
    const char *what;

    switch (err->kind) {
    case E_UNTERMINATED:
        /* at the end of the last line, not past its newline */
        if (off > cv->bom && cv->buf[off - 1] == '\n')
            off--;
        if (off > cv->bom && cv->buf[off - 1] == '\r')
            off--;
        place_of(cv, off, &line, &col);
        place_of(cv, err->aux, &opened, &dummy);
        return api->format(
            "'%s' line %zu column %zu: unterminated quoted field (opened at line %zu)", cv->name,
            line, col, opened);
    case E_FIELDS:
        place_of(cv, off, &line, &col);
        if (cv->header)
            return api->format("'%s' line %zu: %zu field%s, expected %zu as in the header",
                               cv->name, line, err->aux, err->aux == 1 ? "" : "s", cv->ncols);
        place_of(cv, cv->first, &opened, &dummy);
        return api->format("'%s' line %zu: %zu field%s, expected %zu as in line %zu", cv->name,
                           line, err->aux, err->aux == 1 ? "" : "s", cv->ncols, opened);
    case E_RANGE:
        place_of(cv, off, &line, &col);
        return api->format("'%s' line %zu column %zu: number '%s' is out of range", cv->name, line,
                           col, show(cv->buf + off, err->aux, shown, sizeof(shown)));
    case E_NOTNUM:
        place_of(cv, off, &line, &col);
        return api->format("'%s' line %zu column %zu: '%s' is not a number (columns= makes "
                           "column '%s' numeric)",
                           cv->name, line, col, show(cv->buf + off, err->aux, shown, sizeof(shown)),
                           cv->names[err->col]);
    case E_UTF8:
        what = "invalid UTF-8";
        break;
    case E_NUL:
        what = "NUL byte";
        break;
    case E_QUOTE:
        what = "quote inside an unquoted field";
        break;
    case E_AFTER_QUOTE:
        what = "text after a closing quote";
        break;
    default:
        what = "internal error: rows were cut at the wrong place";
        break;
    }
    place_of(cv, off, &line, &col);
    return api->format("'%s' line %zu column %zu: %s", cv->name, line, col, what);
}

/* ---------------------------------------------------------------------------
 * Reading the file
 */

/* Whether the line from LS to its end at E is blank (nothing or a CR). */
static inline int
blank_line(const char *ls, const char *e)
{
    return e == ls || (e == ls + 1 && *ls == '\r');
}

/*
 * Counting records ahead of the parser, for limit=: where the wanted record
 * ends, by quote parity (as cut_quoted). It resumes where it stopped, so
 * a pipe or an inflating stream is scanned as it arrives.
 */
struct rec_scan {
    size_t pos;   /* the next byte to look at */
    size_t start; /* where the current record started */
    size_t count; /* the records that are not blank ended so far */
    int inq;      /* inside quotes */
    int begun;    /* pos and start are past a byte order mark */
};

/*
 * Scan BUF[s->pos, LEN) for the end of record WANT (counting from 1, blank
 * records not counted). Returns the offset just past its line end, or
 * SIZE_MAX if it has not ended yet.
 */
static size_t
scan_records(struct rec_scan *s, const char *buf, size_t len, size_t want)
{
    const char *p, *e = buf + len, *nl, *q;

    if (!s->begun) {
        if (len < 3 && memcmp(buf, "\xEF\xBB\xBF", len) == 0)
            return SIZE_MAX; /* a mark, or not, is yet to be seen */
        s->begun = 1;
        if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
            s->pos = s->start = 3;
    }
    for (p = buf + s->pos; p < e;) {
        if (s->inq) {
            q = memchr(p, '"', (size_t)(e - p));
            if (q == NULL)
                break;
            s->inq = 0;
            p = q + 1;
            continue;
        }
        nl = memchr(p, '\n', (size_t)(e - p));
        q = memchr(p, '"', (size_t)((nl != NULL ? nl : e) - p));
        if (q != NULL) {
            s->inq = 1;
            p = q + 1;
            continue;
        }
        if (nl == NULL)
            break;
        p = nl + 1;
        if (!blank_line(buf + s->start, nl) && ++s->count == want) {
            s->pos = (size_t)(p - buf);
            return s->pos;
        }
        s->start = (size_t)(p - buf);
    }
    s->pos = len;
    return SIZE_MAX;
}

/* A growing anonymous mapping for bytes read from a pipe or inflated. */
struct grow {
    char *p;
    size_t len, cap;
};

/* Make room for MORE bytes after the G->len there are, and CSV_PAD after them. */
static int
grow_reserve(const struct csv *cv, struct grow *g, size_t more, char **cause)
{
    size_t need = g->len + more + CSV_PAD, cap = g->cap ? g->cap : CSV_GROW_FIRST;
    void *p;

    if (need <= g->cap)
        return AIWB_OK;
    while (cap < need && cap <= SIZE_MAX / 2)
        cap *= 2;
    cap = (cap + cv->page - 1) / cv->page * cv->page;
    if (g->p == NULL)
        p = mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    else
        p = mremap(g->p, g->cap, cap, MREMAP_MAYMOVE);
    if (cap < need || p == MAP_FAILED) {
        *cause = api->format("cannot read '%s': no memory for more than %zu MB of data", cv->name,
                             g->len >> 20);
        return AIWB_ENOMEM;
    }
    g->p = p;
    g->cap = cap;
    return AIWB_OK;
}

static void
grow_free(struct grow *g)
{
    if (g->p != NULL)
        munmap(g->p, g->cap);
    g->p = NULL;
    g->len = g->cap = 0;
}

/* Hand G's bytes to CV as its text, ended at CUT when that is not SIZE_MAX. */
static void
adopt(struct csv *cv, struct grow *g, size_t cut)
{
    if (cut != SIZE_MAX && cut < g->len) {
        g->len = cut;
        g->p[cut] = '\0'; /* the scanners stop there */
    }
    memset(g->p + g->len, 0, CSV_PAD < g->cap - g->len ? CSV_PAD : g->cap - g->len);
    cv->buf = g->p;
    cv->size = g->len;
    cv->map_len = g->cap;
    g->p = NULL;
    g->len = g->cap = 0;
}

/* Whether these bytes start a gzip stream (RFC 1952: 1f 8b). */
static int
is_gzip(const void *p, size_t n)
{
    return n >= 2 && memcmp(p, "\x1f\x8b", 2) == 0;
}

/* The message for the zlib status RC of stream Z on CV's file. */
static char *
gzip_error(const struct csv *cv, const z_stream *z, int rc)
{
    if (rc == Z_MEM_ERROR)
        return api->format("cannot inflate '%s': out of memory", cv->name);
    return api->format("'%s': corrupt gzip data (zlib: %s)", cv->name,
                       z->msg != NULL ? z->msg : zError(rc));
}

/*
 * Inflate the N bytes of gzip data at SRC (one member or several, as gzip
 * writes with -c appended) into CV->buf. With limit=, stops once the
 * records wanted are there. Returns AIWB_OK, or an error with *cause set.
 */
static int
inflate_gzip(struct csv *cv, const unsigned char *src, size_t n, char **cause)
{
    struct grow g = {0};
    struct rec_scan scan = {0};
    z_stream z = {0};
    size_t fed = 0, cut = SIZE_MAX, hint = 0;
    int rc;

    if (inflateInit2(&z, 15 + 16) != Z_OK) {
        *cause = api->format("cannot inflate '%s': out of memory", cv->name);
        return AIWB_ENOMEM;
    }
    /* the trailer holds the size mod 2^32: a first guess when it is plausible */
    if (n >= 18)
        hint = (size_t)src[n - 4] | (size_t)src[n - 3] << 8 | (size_t)src[n - 2] << 16 |
               (size_t)src[n - 1] << 24;
    if (hint < n / 2 || hint / 1032 > n || cv->records > 0)
        hint = 0; /* deflate shrinks by 1032 at most: the trailer lies */
    rc = grow_reserve(cv, &g, hint + 1, cause);
    while (rc == AIWB_OK) {
        size_t room, before;
        int zrc;

        if (z.avail_in == 0 && fed < n) {
            z.next_in = (unsigned char *)src + fed;
            z.avail_in = n - fed < UINT_MAX ? (uInt)(n - fed) : UINT_MAX;
            fed += z.avail_in;
        }
        rc = grow_reserve(cv, &g, CSV_INFLATE_STEP, cause);
        if (rc != AIWB_OK)
            break;
        room = g.cap - g.len - CSV_PAD;
        z.next_out = (unsigned char *)g.p + g.len;
        z.avail_out = room < UINT_MAX ? (uInt)room : UINT_MAX;
        before = z.avail_out;
        zrc = inflate(&z, Z_NO_FLUSH);
        g.len += before - z.avail_out;
        if (cv->records > 0 && (cut = scan_records(&scan, g.p, g.len, cv->records)) != SIZE_MAX)
            break;
        if (zrc == Z_STREAM_END) {
            size_t rest = z.avail_in + (n - fed);

            if (rest == 0)
                break;
            if (!is_gzip(src + n - rest, rest)) {
                api->log(AIWB_LOG_WARN, "'%s': ignored %zu bytes after the gzip data", cv->name,
                         rest);
                break;
            }
            inflateReset(&z); /* another member follows */
        } else if (zrc == Z_BUF_ERROR || zrc == Z_OK) {
            if (z.avail_in == 0 && fed == n && z.avail_out > 0) {
                *cause = api->format("'%s': truncated gzip data (the file ends inside the "
                                     "compressed stream)",
                                     cv->name);
                rc = AIWB_EDATA;
            }
        } else {
            *cause = gzip_error(cv, &z, zrc);
            rc = zrc == Z_MEM_ERROR ? AIWB_ENOMEM : AIWB_EDATA;
        }
    }
    inflateEnd(&z);
    if (rc == AIWB_OK)
        adopt(cv, &g, cut);
    grow_free(&g);
    return rc;
}

/*
 * Read what FD gives (a pipe, or a file that cannot be mapped) into CV,
 * until its end or, with limit=, the end of the records wanted; inflated
 * when it is gzip.
 */
static int
read_stream(struct csv *cv, int fd, const char *path, char **cause)
{
    struct grow g = {0};
    struct rec_scan scan = {0};
    size_t cut = SIZE_MAX;
    int rc = AIWB_OK, gz = -1;

    for (;;) {
        ssize_t got;

        rc = grow_reserve(cv, &g, CSV_READ_STEP, cause);
        if (rc != AIWB_OK)
            break;
        got = read(fd, g.p + g.len, g.cap - g.len - CSV_PAD);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            *cause = api->format("cannot read '%s': %s", path, strerror(errno));
            rc = AIWB_EIO;
            break;
        }
        g.len += (size_t)got;
        if (gz < 0 && (g.len >= 2 || got == 0))
            gz = is_gzip(g.p, g.len);
        if (got == 0)
            break;
        if (gz == 0 && cv->records > 0 &&
            (cut = scan_records(&scan, g.p, g.len, cv->records)) != SIZE_MAX)
            break;
    }
    if (rc == AIWB_OK && gz == 1)
        rc = inflate_gzip(cv, (const unsigned char *)g.p, g.len, cause);
    else if (rc == AIWB_OK)
        adopt(cv, &g, cut);
    grow_free(&g);
    return rc;
}

/*
 * Map the SIZE bytes of the regular file FD into CV, with CSV_PAD zero bytes
 * after them: an anonymous reservation with the file mapped over its start.
 * Returns AIWB_OK, or AIWB_ENOTSUP when it cannot be mapped (then read it).
 */
static int
map_file(struct csv *cv, int fd, size_t size)
{
    size_t cap = (size + CSV_PAD + cv->page - 1) / cv->page * cv->page;
    char *buf = mmap(NULL, cap, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    if (buf == MAP_FAILED)
        return AIWB_ENOTSUP;
    if (mmap(buf, size, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0) == MAP_FAILED) {
        munmap(buf, cap);
        return AIWB_ENOTSUP;
    }
    cv->buf = buf;
    cv->size = size;
    cv->map_len = cap;
    if (AIWB_HOST_HAS(api, map_guard) && (cv->guard = api->map_guard(buf, size, fd)) >= 0)
        cv->guarded = 1;
    return AIWB_OK;
}

/* End the mapping's guard: whether the file shrank under it, ever. */
static int
unguard(struct csv *cv)
{
    if (cv->guarded)
        cv->shrank |= api->map_unguard(cv->guard);
    cv->guarded = 0;
    return cv->shrank;
}

/* After reading: if the file shrank meanwhile, that is the error, whatever
 * RC was (what was parsed from the zeros read in its place is void). */
static int
shrank_meanwhile(struct csv *cv, int rc, char **cause)
{
    if (!unguard(cv))
        return rc;
    if (rc != AIWB_OK)
        api->free(*cause);
    *cause = api->format("'%s' shrank while it was read (another program truncated or rewrote "
                         "it); nothing was loaded", cv->name);
    return AIWB_EIO;
}

/*
 * With limit=, end a mapped file after the records wanted: only the pages
 * up to there are ever read. The NUL that ends the text then goes into a
 * private copy of that one page, which release_behind never gives back (it
 * stops at the page holding the parser's position).
 */
static int
cut_mapped(struct csv *cv, char **cause)
{
    struct rec_scan scan = {0};
    size_t cut = scan_records(&scan, cv->buf, cv->size, cv->records);
    char *page;

    if (cut == SIZE_MAX || cut == cv->size)
        return AIWB_OK;
    page = (char *)cv->buf + cut / cv->page * cv->page;
    if (mprotect(page, cv->page, PROT_READ | PROT_WRITE) != 0) {
        *cause = api->format("cannot read '%s': %s", cv->name, strerror(errno));
        return AIWB_EIO;
    }
    page[cut % cv->page] = '\0';
    cv->size = cut;
    return AIWB_OK;
}

/* Map or read PATH into CV->buf (inflated when gzip, cut short by limit=),
 * with CSV_PAD zero bytes after its last byte. */
static int
load_file(struct csv *cv, const char *path, char **cause)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC), e, rc;

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
    if (!S_ISREG(st.st_mode) || st.st_size == 0 ||
        map_file(cv, fd, (size_t)st.st_size) != AIWB_OK) {
        rc = read_stream(cv, fd, path, cause);
        close(fd);
        return rc;
    }
    close(fd);
    if (is_gzip(cv->buf, cv->size)) {
        const char *gz = cv->buf;
        size_t gz_size = cv->size, gz_len = cv->map_len;

        madvise((char *)gz, gz_size, MADV_SEQUENTIAL);
        cv->buf = NULL;
        rc = inflate_gzip(cv, (const unsigned char *)gz, gz_size, cause);
        rc = shrank_meanwhile(cv, rc, cause);
        munmap((char *)gz, gz_len);
        return rc;
    }
    cv->release = 1;
    return cv->records > 0 ? cut_mapped(cv, cause) : AIWB_OK;
}

static void
unload_file(struct csv *cv)
{
    unguard(cv);
    munmap((char *)cv->buf, cv->map_len);
    cv->buf = NULL;
}

/* The delimiter the user asked for (or the file's extension implies). */
static int
parse_delimiter(struct csv *cv, const struct aiwb_options *opts, const char *path, char **cause)
{
    const char *d = api->opt_str(opts, "delimiter");
    size_t n = strlen(path);
    unsigned char c;

    if (n >= 3 && path[n - 3] == '.' && ascii_is(path[n - 2], 'g') && ascii_is(path[n - 1], 'z'))
        n -= 3; /* x.tsv.gz is a .tsv */
    if (!api->opt_given(opts, "delimiter") && n >= 4 && path[n - 4] == '.' &&
        ascii_is(path[n - 3], 't') && ascii_is(path[n - 2], 's') && ascii_is(path[n - 1], 'v'))
        d = "\t";
    if (d == NULL)
        d = "";
    if (strcmp(d, "tab") == 0 || strcmp(d, "\\t") == 0)
        d = "\t";
    if (strlen(d) != 1) {
        *cause = api->format("csv: delimiter must be one character or 'tab', not '%s'", d);
        return AIWB_EINVAL;
    }
    c = (unsigned char)d[0];
    if (c != '\t' && (c < 0x20 || c >= 0x7f || c == '"' || c == '.' || c == '+' || c == '-' ||
                      (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'))) {
        *cause = api->format("csv: delimiter cannot be '%s' (a quote, letter, digit, sign or "
                             "point would clash with values)",
                             d);
        return AIWB_EINVAL;
    }
    cv->delim = c;
    return AIWB_OK;
}

/* Split the `na` option into markers, each trimmed as fields are. */
static void
parse_markers(struct csv *cv, const struct aiwb_options *opts)
{
    const char *na = api->opt_str(opts, "na");
    size_t n = 1;
    char *p, *q;

    if (na == NULL)
        na = "";
    /* parse_number reads ahead: zero bytes after the text, as after a file */
    cv->na_text = api->calloc(strlen(na) + CSV_PAD, 1);
    memcpy(cv->na_text, na, strlen(na));
    for (p = cv->na_text; *p; p++)
        n += *p == ',';
    cv->na = api->calloc(n, sizeof(*cv->na));
    cv->na_len = api->calloc(n, sizeof(*cv->na_len));
    for (p = cv->na_text; p != NULL; p = q) {
        const char *e;
        size_t len;
        double v;

        q = strchr(p, ',');
        if (q != NULL)
            *q++ = '\0';
        while (is_space(cv, (unsigned char)*p))
            p++;
        for (len = strlen(p); len > 0 && is_space(cv, (unsigned char)p[len - 1]); len--)
            p[len - 1] = '\0';
        if (len == 0)
            continue;
        cv->na[cv->n_na] = p;
        cv->na_len[cv->n_na++] = len;
        if (parse_number(cv, p, &e, &v) != NUM_NONE && *e == '\0')
            cv->na_numeric = 1;
    }
}

/* The type named by WORD (a prefix of numeric or categorical), or FORCE_AUTO. */
static unsigned char
type_word(const char *word)
{
    size_t n = strlen(word);

    if (n > 0 && strncasecmp(word, "numeric", n) == 0)
        return FORCE_NUMERIC;
    if (n > 0 && strncasecmp(word, "categorical", n) == 0)
        return FORCE_CATEGORICAL;
    return FORCE_AUTO;
}

/*
 * Split the `columns` option, NAME:TYPE,NAME:TYPE, into cv->typed and
 * cv->typed_as. A name may hold colons (the last one ends it) but no comma.
 * Whether the names are columns is known only after the header.
 */
static int
parse_columns(struct csv *cv, const struct aiwb_options *opts, char **cause)
{
    const char *spec = api->opt_str(opts, "columns");
    size_t n = 1;
    char *p, *q;

    if (spec == NULL)
        return AIWB_OK;
    cv->typed_text = api->strdup(spec);
    for (p = cv->typed_text; *p; p++)
        n += *p == ',';
    cv->typed = api->calloc(n, sizeof(*cv->typed));
    cv->typed_as = api->calloc(n, sizeof(*cv->typed_as));
    for (p = cv->typed_text; p != NULL; p = q) {
        char *colon, *name, *type;
        size_t len;

        q = strchr(p, ',');
        if (q != NULL)
            *q++ = '\0';
        colon = strrchr(p, ':');
        name = p;
        type = colon != NULL ? colon + 1 : NULL;
        if (colon != NULL)
            *colon = '\0';
        while (*name == ' ')
            name++;
        for (len = strlen(name); len > 0 && name[len - 1] == ' '; len--)
            name[len - 1] = '\0';
        while (type != NULL && *type == ' ')
            type++;
        for (len = type != NULL ? strlen(type) : 0; len > 0 && type[len - 1] == ' '; len--)
            type[len - 1] = '\0';
        if (type == NULL || *name == '\0' || type_word(type) == FORCE_AUTO) {
            *cause = api->format("csv: columns wants NAME:TYPE,... with TYPE numeric or "
                                 "categorical, not '%s%s%s'",
                                 p, type != NULL ? ":" : "", type != NULL ? type : "");
            return AIWB_EINVAL;
        }
        for (size_t i = 0; i < cv->n_typed; i++) {
            if (strcmp(cv->typed[i], name) == 0) {
                *cause = api->format("csv: columns names '%s' twice", name);
                return AIWB_EINVAL;
            }
        }
        cv->typed[cv->n_typed] = name;
        cv->typed_as[cv->n_typed++] = type_word(type);
    }
    return AIWB_OK;
}

static int
setup(struct csv *cv, const char *path, const struct aiwb_options *opts, char **cause)
{
    int rc;

    cv->name = path;
    cv->page = (size_t)sysconf(_SC_PAGESIZE);
    cv->header = api->opt_bool(opts, "header");
    if (api->opt_given(opts, "limit"))
        cv->records = (size_t)api->opt_int(opts, "limit") + (cv->header ? 1 : 0);
    rc = parse_delimiter(cv, opts, path, cause);
    if (rc == AIWB_OK)
        rc = parse_columns(cv, opts, cause);
    if (rc != AIWB_OK)
        return rc;
    cv->c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    if (cv->c_locale == (locale_t)0) {
        *cause = api->format("csv: cannot make the C locale: %s", strerror(errno));
        return AIWB_ERR;
    }
    parse_markers(cv, opts);
    for (int c = 0x80; c < 256; c++)
        cv->ucls[c] = cv->qcls[c] = B_HIGH;
    cv->ucls[cv->delim] = B_DELIM;
    cv->ucls['\n'] = B_LF;
    cv->ucls['\r'] = B_CR;
    cv->ucls['"'] = cv->qcls['"'] = B_QUOTE;
    cv->ucls[0] = cv->qcls[0] = B_NUL;
    return AIWB_OK;
}

static void
teardown(struct csv *cv)
{
    if (cv->buf != NULL)
        unload_file(cv);
    if (cv->c_locale != (locale_t)0)
        freelocale(cv->c_locale);
    api->free(cv->na_text);
    api->free(cv->na);
    api->free(cv->na_len);
    api->free(cv->typed_text);
    api->free(cv->typed);
    api->free(cv->typed_as);
    api->free(cv->force);
}

/* The header (or the first record's width): sets cv->first, cv->body,
 * cv->ncols and *NAMES (cv->ncols strings; the caller frees them). */
static int
read_header(struct csv *cv, char ***names, char **cause)
{
    const char *p, *end;
    struct field f;
    struct csv_err err = {0};
    char **v = NULL, *scratch = NULL;
    size_t n = 0, cap = 0, scap = 0, len;
    int r;

    if (cv->size >= 3 && memcmp(cv->buf, "\xEF\xBB\xBF", 3) == 0)
        cv->bom = 3;
    if (cv->size >= 2 &&
        (memcmp(cv->buf, "\xFF\xFE", 2) == 0 || memcmp(cv->buf, "\xFE\xFF", 2) == 0)) {
        *cause = api->format("'%s' is UTF-16: convert it to UTF-8 first (iconv -f UTF-16 -t UTF-8)",
                             cv->name);
        return AIWB_EDATA;
    }
    p = cv->buf + cv->bom;
    end = cv->buf + cv->size;
    while (p < end && skip_blank(cv, &p))
        ;
    if (p == end) {
        *cause = api->format("'%s' is empty", cv->name);
        return AIWB_EDATA;
    }
    cv->first = (size_t)(p - cv->buf);
    do {
        const char *s;

        r = read_field(cv, &p, &f, &err);
        if (r == F_ERROR) {
            *cause = format_error(cv, &err);
            for (size_t i = 0; i < n; i++)
                api->free(v[i]);
            api->free(v);
            api->free(scratch);
            return AIWB_EDATA;
        }
        if (n == cap) {
            cap = cap ? 2 * cap : 16;
            v = api->realloc(v, cap * sizeof(*v));
        }
        s = field_text(&f, &scratch, &scap, &len);
        if (cv->header && len > 0) {
            v[n] = api->alloc(len + 1);
            memcpy(v[n], s, len);
            v[n][len] = '\0';
        } else {
            v[n] = api->format("V%zu", n + 1);
            if (cv->header) {
                size_t line, col;

                place_of(cv, cv->first, &line, &col);
                api->log(AIWB_LOG_WARN, "'%s' line %zu: column %zu has no name, called it '%s'",
                         cv->name, line, n + 1, v[n]);
            }
        }
        n++;
    } while (r == F_MORE);
    api->free(scratch);
    cv->ncols = n;
    cv->body = cv->header ? (size_t)(p - cv->buf) : cv->first;
    *names = v;
    return AIWB_OK;
}

/* The first record boundary at or after X. */
static size_t
boundary(const struct csv *cv, size_t x)
{
    const char *q;

    if (x <= cv->body)
        return cv->body;
    if (x >= cv->size)
        return cv->size;
    q = memchr(cv->buf + x - 1, '\n', cv->size - x + 1);
    return q ? (size_t)(q + 1 - cv->buf) : cv->size;
}

/*
 * Thread: cut the chunk at newlines and count its records, unless it holds
 * a quote (then the cut needs the quote-aware scan). It goes by blocks that
 * stay in cache: look for a quote, then count the lines.
 */
static void *
count_chunk(void *arg)
{
    struct chunk *ch = arg;
    const struct csv *cv = ch->cv;
    const char *p, *e, *q, *ls, *be;
    size_t released;

    ch->start = released = boundary(cv, ch->lo);
    ch->end = boundary(cv, ch->hi);
    ch->nrows = 0;
    ch->quotes = 0;
    ls = p = cv->buf + ch->start;
    e = cv->buf + ch->end;
    for (; p < e; p = be) {
        be = (size_t)(e - p) > CSV_BLOCK ? p + CSV_BLOCK : e;
        if (memchr(p, '"', (size_t)(be - p)) != NULL) {
            ch->quotes = 1;
            return NULL;
        }
        for (q = p; (q = memchr(q, '\n', (size_t)(be - q))) != NULL; ls = ++q)
            ch->nrows += !blank_line(ls, q);
        release_behind(cv, &released, (size_t)(be - cv->buf), CSV_RELEASE_STEP);
    }
    ch->nrows += ls < e && !blank_line(ls, e);
    release_behind(cv, &released, ch->end, 0);
    return NULL;
}

/* Cut the body into the N chunks by quote parity, in one pass. */
static void
cut_quoted(const struct csv *cv, struct chunk *ch, size_t n)
{
    const char *p = cv->buf + cv->body, *e = cv->buf + cv->size, *q;
    size_t t = 0;

    for (size_t i = 0; i < n; i++) {
        ch[i].start = ch[i].end = cv->size;
        ch[i].nrows = 0;
    }
    ch[0].start = cv->body;
    while (p < e) {
        while (t + 1 < n && (size_t)(p - cv->buf) >= ch[t + 1].lo) {
            ch[t].end = (size_t)(p - cv->buf);
            ch[++t].start = (size_t)(p - cv->buf);
        }
        for (q = p;;) {
            while (q < e && *q != '\n' && *q != '"')
                q++;
            if (q == e || *q == '\n')
                break;
            q = memchr(q + 1, '"', (size_t)(e - q - 1));
            if (q == NULL) { /* unterminated: the record runs to the end */
                q = e;
                break;
            }
            q++;
        }
        ch[t].nrows += !blank_line(p, q);
        p = q < e ? q + 1 : e;
    }
    ch[t].end = cv->size;
}

/* Store one field of a numeric-so-far column. Returns 0, or -1 with
 * ch->err set when columns= made the column numeric and F is not a number. */
static int
store_field(struct chunk *ch, size_t c, size_t row, const struct field *f)
{
    const char *tok = NULL;
    size_t toklen = 0;
    double v = NAN;

    switch (classify(ch->cv, f, &v, &tok, &toklen)) {
    case CELL_NUMBER:
        ch->cols[c][row] = v;
        break;
    case CELL_MISSING:
        ch->cols[c][row] = NAN;
        break;
    case CELL_RANGE:
        ch->cols[c][row] = NAN;
        if (ch->range_off[c] == SIZE_MAX) {
            ch->range_off[c] = (size_t)(tok - ch->cv->buf);
            ch->range_len[c] = toklen;
        }
        break;
    case CELL_TEXT:
        if (ch->cv->force != NULL && ch->cv->force[c] == FORCE_NUMERIC) {
            set_err(&ch->err, E_NOTNUM, (size_t)(tok - ch->cv->buf), toklen);
            ch->err.col = c;
            return -1;
        }
        ch->text[c] = 1;
        break;
    }
    return 0;
}

/*
 * Try the common case at *PP: an unquoted number that is the whole field,
 * ending the record exactly when LAST. On success stores it in *V, moves
 * *PP past the field and returns 1; otherwise returns 0.
 */
static inline int
quick_number(const struct csv *cv, const char **pp, int last, double *v)
{
    const char *p = *pp, *e;

    if (cv->na_numeric) /* a marker such as -999 must not read as a number */
        return 0;
    while (is_space(cv, (unsigned char)*p))
        p++;
    if (parse_number(cv, p, &e, v) != NUM_OK)
        return 0;
    while (is_space(cv, (unsigned char)*e))
        e++;
    if (!last) {
        if (*e != (char)cv->delim)
            return 0;
        e++;
    } else if (*e == '\n') {
        e++;
    } else if (*e == '\r' && e[1] == '\n') {
        e += 2;
    } else if (e != cv->buf + cv->size) {
        return 0;
    }
    *pp = e;
    return 1;
}

/* Thread: parse the chunk's records into the frame's numeric columns. */
static void *
parse_chunk(void *arg)
{
    struct chunk *ch = arg;
    const struct csv *cv = ch->cv;
    const char *p = cv->buf + ch->start, *end = cv->buf + ch->end;
    size_t row = ch->row0, last_row = ch->row0 + ch->nrows, ncols = cv->ncols;

    ch->released = ch->start;
    while (p < end) {
        const char *rec = p;

        if (skip_blank(cv, &p))
            continue;
        if (row == last_row) {
            set_err(&ch->err, E_SPLIT, (size_t)(p - cv->buf), 0);
            return NULL;
        }
        for (size_t c = 0; c < ncols; c++) {
            struct field f;
            int r;

            if (!ch->text[c] && quick_number(cv, &p, c + 1 == ncols, &ch->cols[c][row]))
                continue;
            r = read_field(cv, &p, &f, &ch->err);
            if (r == F_ERROR)
                return NULL;
            if ((r == F_LAST) != (c + 1 == ncols)) {
                fields_error(cv, rec, p, r, c + 1, &ch->err);
                return NULL;
            }
            if (!ch->text[c] && store_field(ch, c, row, &f) != 0)
                return NULL;
        }
        row++;
        release_behind(cv, &ch->released, (size_t)(p - cv->buf), CSV_RELEASE_STEP);
    }
    if (row != last_row || p != end)
        set_err(&ch->err, E_SPLIT, (size_t)(p - cv->buf), 0);
    release_behind(cv, &ch->released, ch->end, 0);
    return NULL;
}

/* N items of STRIDE bytes at BASE, each handed to FN by whichever of the
 * pool's threads is free first. */
struct pool {
    void *(*fn)(void *);
    char *base;
    size_t stride, n;
    atomic_size_t next; /* the next item to take */
};

static void *
pool_worker(void *arg)
{
    struct pool *pl = arg;
    size_t i;

    while ((i = atomic_fetch_add_explicit(&pl->next, 1, memory_order_relaxed)) < pl->n)
        pl->fn(pl->base + i * pl->stride);
    return NULL;
}

/*
 * Run FN on the N structs at BASE (STRIDE bytes apart) with NTHREADS
 * threads, this one included. Items go to whichever thread is free, so a
 * thread that the machine runs slower (other programs on its core) takes
 * fewer; a thread that cannot start leaves its share to the others.
 */
static void
run_pool(size_t nthreads, size_t n, void *(*fn)(void *), void *base, size_t stride)
{
    pthread_t tid[CSV_MAX_THREADS];
    int started[CSV_MAX_THREADS];
    struct pool pl = {.fn = fn, .base = base, .stride = stride, .n = n};

    atomic_init(&pl.next, 0);
    if (nthreads > n)
        nthreads = n;
    for (size_t i = 1; i < nthreads; i++)
        started[i] = pthread_create(&tid[i], NULL, pool_worker, &pl) == 0;
    pool_worker(&pl);
    for (size_t i = 1; i < nthreads; i++)
        if (started[i])
            pthread_join(tid[i], NULL);
}

/* How many threads to read the body with. */
static size_t
thread_count(const struct csv *cv, const struct aiwb_options *opts)
{
    int64_t want = api->opt_int(opts, "threads");
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    cpu_set_t set;

    if (want > 0)
        return want < CSV_MAX_THREADS ? (size_t)want : CSV_MAX_THREADS;
    if (cv->size - cv->body < CSV_THREAD_BYTES)
        return 1;
    /* the cores this process may run on, which a container may limit */
    if (sched_getaffinity(0, sizeof(set), &set) == 0)
        cpus = CPU_COUNT(&set);
    if (cpus < 1)
        return 1;
    return cpus < CSV_AUTO_THREADS ? (size_t)cpus : CSV_AUTO_THREADS;
}

/* How many chunks NTHREADS threads read the body in: a few each, more in a
 * big body, so that the work evens out when some thread runs slower. */
static size_t
chunk_count(const struct csv *cv, size_t nthreads)
{
    size_t n = (cv->size - cv->body) / CSV_CHUNK_BYTES;

    if (nthreads == 1)
        return 1;
    if (n < nthreads * CSV_THREAD_CHUNKS)
        n = nthreads * CSV_THREAD_CHUNKS;
    return n < CSV_MAX_CHUNKS ? n : CSV_MAX_CHUNKS;
}

/* Cut the body into N chunks and count their rows with NTHREADS threads;
 * returns the total. */
static size_t
cut_body(const struct csv *cv, struct chunk *ch, size_t n, size_t nthreads)
{
    size_t len = cv->size - cv->body, rows = 0;
    int quotes = 0;

    for (size_t i = 0; i < n; i++) {
        ch[i].cv = cv;
        ch[i].lo = cv->body + (size_t)((double)len * (double)i / (double)n);
        ch[i].hi =
            i + 1 == n ? cv->size : cv->body + (size_t)((double)len * (double)(i + 1) / (double)n);
    }
    run_pool(nthreads, n, count_chunk, ch, sizeof(*ch));
    for (size_t i = 0; i < n; i++)
        quotes |= ch[i].quotes;
    if (quotes)
        cut_quoted(cv, ch, n);
    for (size_t i = 0; i < n; i++) {
        ch[i].row0 = rows;
        rows += ch[i].nrows;
    }
    return rows;
}

/* Parse the N chunks into the columns COLS with NTHREADS threads; returns
 * the earliest error. */
static struct csv_err
parse_chunks(const struct csv *cv, struct chunk *ch, size_t n, size_t nthreads, double *const *cols,
             unsigned char *text, size_t *range)
{
    struct csv_err first = {.kind = E_NONE, .off = SIZE_MAX};

    for (size_t i = 0; i < n; i++) {
        ch[i].cols = cols;
        ch[i].text = text + i * cv->ncols;
        ch[i].range_off = range + 2 * i * cv->ncols;
        ch[i].range_len = ch[i].range_off + cv->ncols;
        memset(ch[i].text, 0, cv->ncols);
        for (size_t c = 0; c < cv->ncols; c++) {
            ch[i].range_off[c] = SIZE_MAX;
            /* columns= said so: read as levels whatever they hold */
            if (cv->force != NULL && cv->force[c] == FORCE_CATEGORICAL)
                ch[i].text[c] = 1;
        }
        ch[i].err.kind = E_NONE;
    }
    run_pool(nthreads, n, parse_chunk, ch, sizeof(*ch));
    for (size_t i = 0; i < n; i++)
        if (ch[i].err.kind != E_NONE && ch[i].err.off < first.off)
            first = ch[i].err;
    return first;
}

struct named {
    const char *name;
    size_t col;
};

static int
named_cmp(const void *a, const void *b)
{
    const struct named *x = a, *y = b;
    int d = strcmp(x->name, y->name);

    return d ? d : (x->col > y->col) - (x->col < y->col);
}

/* Refuse a header that names two columns alike (sorting, for wide files). */
static int
check_names(const struct csv *cv, char **names, char **cause)
{
    struct named *v = api->calloc(cv->ncols, sizeof(*v));
    size_t line, col, dup = SIZE_MAX;

    for (size_t c = 0; c < cv->ncols; c++) {
        v[c].name = names[c];
        v[c].col = c;
    }
    qsort(v, cv->ncols, sizeof(*v), named_cmp);
    for (size_t i = 1; i < cv->ncols; i++)
        if (strcmp(v[i - 1].name, v[i].name) == 0 && (dup == SIZE_MAX || v[i].col < v[dup].col))
            dup = i;
    if (dup != SIZE_MAX) {
        place_of(cv, cv->first, &line, &col);
        *cause = api->format("'%s' line %zu: duplicate column name '%s' (columns %zu and %zu)",
                             cv->name, line, v[dup].name, v[dup - 1].col + 1, v[dup].col + 1);
    }
    api->free(v);
    return dup == SIZE_MAX ? AIWB_OK : AIWB_EDATA;
}

/*
 * Give the columns named by columns= their types in cv->force. A name that
 * is not a column is an error that lists the columns.
 */
static int
resolve_columns(struct csv *cv, char **names, char **cause)
{
    if (cv->n_typed == 0)
        return AIWB_OK;
    cv->force = api->calloc(cv->ncols, sizeof(*cv->force));
    for (size_t i = 0; i < cv->n_typed; i++) {
        size_t c = 0, shown = cv->ncols < CSV_LIST_MAX ? cv->ncols : CSV_LIST_MAX;
        char *list, *more;

        while (c < cv->ncols && strcmp(names[c], cv->typed[i]) != 0)
            c++;
        if (c < cv->ncols) {
            cv->force[c] = cv->typed_as[i];
            continue;
        }
        list = api->strdup(names[0]);
        for (size_t k = 1; k < shown; k++) {
            more = api->format("%s, %s", list, names[k]);
            api->free(list);
            list = more;
        }
        more = cv->ncols > shown ? api->format(" and %zu more", cv->ncols - shown) : NULL;
        *cause = api->format("'%s' has no column '%s' (named in columns=; its columns: %s%s)",
                             cv->name, cv->typed[i], list, more != NULL ? more : "");
        api->free(list);
        api->free(more);
        return AIWB_EINVAL;
    }
    return AIWB_OK;
}

/* What the level pass learns about one categorical column. */
struct level_stats {
    int32_t *codes;
    size_t numbers, texts;
    size_t first_off, first_len; /* the first value that is not a number */
};

/* Say so when a column of mostly numbers became categorical. */
static void
warn_mixed(const struct csv *cv, const char *name, const struct level_stats *s)
{
    char shown[CSV_SHOW_MAX * 2 + 8];
    size_t line, col;

    if (s->numbers <= s->texts)
        return;
    place_of(cv, s->first_off, &line, &col);
    api->log(AIWB_LOG_WARN,
             "'%s': column '%s' read as categorical: line %zu has '%s' (%zu of %zu values %s)",
             cv->name, name, line, show(cv->buf + s->first_off, s->first_len, shown, sizeof(shown)),
             s->texts, s->numbers + s->texts,
             s->texts == 1 ? "is not a number" : "are not numbers");
}

/* The code of field F of categorical column C in *CODE (AIWB_NA_CODE when
 * missing), counting numbers and text in *S. Returns 0, or -1 when the
 * column has too many levels. */
static int
intern_field(const struct csv *cv, struct aiwb_frame *b, size_t c, const struct field *f,
             struct level_stats *s, int32_t *code, char **scratch, size_t *cap)
{
    const char *tok, *text;
    size_t toklen, len;
    double v;

    switch (classify(cv, f, &v, &tok, &toklen)) {
    case CELL_MISSING:
        *code = AIWB_NA_CODE;
        return 0;
    case CELL_TEXT:
        if (s->texts++ == 0) {
            s->first_off = (size_t)(f->s - cv->buf);
            s->first_len = f->len;
        }
        break;
    default:
        s->numbers++;
        break;
    }
    text = field_text(f, scratch, cap, &len);
    *code = api->frame_level_intern(b, c, text, len);
    return *code < 0 ? -1 : 0;
}

/*
 * Make the final frame from A: numeric columns shared, the columns flagged
 * in TEXT read once more, in order, as levels. Returns it, or NULL with
 * *cause set.
 */
static struct aiwb_frame *
read_levels(const struct csv *cv, struct aiwb_frame *a, const unsigned char *text, char **cause)
{
    size_t n = api->frame_rows(a), row = 0, cap = 0, released = cv->body;
    struct aiwb_frame *b = api->frame_new(n);
    struct level_stats *st = api->calloc(cv->ncols, sizeof(*st));
    const char *p = cv->buf + cv->body, *end = cv->buf + cv->size;
    struct csv_err err = {0};
    char *scratch = NULL;

    for (size_t c = 0; c < cv->ncols; c++) {
        if (text[c])
            st[c].codes = api->frame_add_categorical(b, api->frame_col_name(a, c));
        else
            api->frame_copy_col(b, a, c, NULL);
    }
    while (p < end && err.kind == E_NONE) {
        const char *rec = p;

        if (skip_blank(cv, &p))
            continue;
        for (size_t c = 0; c < cv->ncols; c++) {
            struct field f;
            int r = read_field(cv, &p, &f, &err);
            int32_t code;

            if (r == F_ERROR || row == n || (r == F_LAST) != (c + 1 == cv->ncols)) {
                if (err.kind == E_NONE)
                    set_err(&err, E_SPLIT, (size_t)(rec - cv->buf), 0);
                break;
            }
            if (!text[c])
                continue;
            if (intern_field(cv, b, c, &f, &st[c], &code, &scratch, &cap) != 0) {
                *cause = api->format("'%s': column '%s' has too many distinct values", cv->name,
                                     api->frame_col_name(a, c));
                goto fail;
            }
            st[c].codes[row] = code;
        }
        row++;
        release_behind(cv, &released, (size_t)(p - cv->buf), CSV_RELEASE_STEP);
    }
    if (err.kind != E_NONE) {
        *cause = format_error(cv, &err);
        goto fail;
    }
    for (size_t c = 0; c < cv->ncols; c++)
        if (text[c] && (cv->force == NULL || cv->force[c] == FORCE_AUTO))
            warn_mixed(cv, api->frame_col_name(a, c), &st[c]);
    api->free(scratch);
    api->free(st);
    return b;
fail:
    api->free(scratch);
    api->free(st);
    api->frame_free(b);
    return NULL;
}

/* The first number out of range in a column that stayed numeric, if any. */
static struct csv_err
range_error(const struct csv *cv, const struct chunk *ch, size_t n, const unsigned char *text)
{
    struct csv_err e = {.kind = E_NONE, .off = SIZE_MAX};

    for (size_t c = 0; c < cv->ncols; c++) {
        if (text[c])
            continue;
        for (size_t i = 0; i < n; i++) {
            if (ch[i].range_off[c] < e.off) {
                e.kind = E_RANGE;
                e.off = ch[i].range_off[c];
                e.aux = ch[i].range_len[c];
            }
        }
    }
    return e;
}

/* Read the body into a new frame (*OUT) with columns NAMES. */
static int
read_body(const struct csv *cv, char **names, size_t nthreads, struct aiwb_frame **out,
          char **cause)
{
    size_t n = chunk_count(cv, nthreads), rows;
    struct chunk *ch = api->calloc(n, sizeof(*ch));
    double **cols = api->calloc(cv->ncols, sizeof(*cols));
    unsigned char *text = api->calloc(n + 1, cv->ncols);
    size_t *range = api->calloc(2 * n, cv->ncols * sizeof(*range));
    unsigned char *any_text = text + n * cv->ncols;
    struct aiwb_frame *a = NULL;
    struct csv_err err;
    int rc = AIWB_EDATA, texts = 0;

    rows = cut_body(cv, ch, n, nthreads);
    if (rows == 0) {
        *cause = api->format("'%s' has a header but no rows", cv->name);
        goto out;
    }
    a = api->frame_new(rows);
    for (size_t c = 0; c < cv->ncols; c++) {
        cols[c] = api->frame_add_numeric(a, names[c]);
        if (cols[c] == NULL) {
            *cause = api->format("'%s': cannot add column '%s'", cv->name, names[c]);
            goto out;
        }
    }
    err = parse_chunks(cv, ch, n, nthreads, cols, text, range);
    if (err.kind == E_SPLIT && n > 1) {
        /* only after a malformed record, which should have come first:
         * read it all in one chunk, which cannot be cut wrongly */
        n = 1;
        if (cut_body(cv, ch, 1, 1) != rows) {
            *cause = api->format("'%s' changed while being read", cv->name);
            goto out;
        }
        err = parse_chunks(cv, ch, 1, 1, cols, text, range);
    }
    for (size_t c = 0; c < cv->ncols; c++) {
        for (size_t i = 0; i < n; i++)
            any_text[c] |= text[i * cv->ncols + c];
        texts |= any_text[c];
    }
    if (err.kind == E_NONE)
        err = range_error(cv, ch, n, any_text);
    if (err.kind != E_NONE) {
        *cause = format_error(cv, &err);
        goto out;
    }
    if (texts) {
        struct aiwb_frame *b = read_levels(cv, a, any_text, cause);

        if (b == NULL)
            goto out;
        api->frame_free(a);
        a = b;
    }
    *out = a;
    a = NULL;
    rc = AIWB_OK;
out:
    api->frame_free(a);
    api->free(ch);
    api->free(cols);
    api->free(text);
    api->free(range);
    return rc;
}

/* The file name in URI: "file:x.csv", "file://x.csv" or a plain path. */
static const char *
uri_path(const char *uri)
{
    if (strncmp(uri, "file://", 7) == 0)
        return uri + 7;
    if (strncmp(uri, "file:", 5) == 0)
        return uri + 5;
    return uri;
}

static int
csv_open(void *state, const char *uri, const struct aiwb_options *opts, char **cause)
{
    struct csv_state *st = state;
    struct csv cv = {0};
    const char *path = uri_path(uri);
    char **names = NULL;
    int rc;

    rc = setup(&cv, path, opts, cause);
    if (rc == AIWB_OK)
        rc = load_file(&cv, path, cause);
    if (rc == AIWB_OK)
        rc = read_header(&cv, &names, cause);
    if (rc == AIWB_OK)
        rc = check_names(&cv, names, cause);
    if (rc == AIWB_OK)
        rc = resolve_columns(&cv, names, cause);
    cv.names = names;
    if (rc == AIWB_OK)
        rc = read_body(&cv, names, thread_count(&cv, opts), &st->frame, cause);
    if (cv.buf != NULL)
        rc = shrank_meanwhile(&cv, rc, cause);
    if (rc != AIWB_OK) {
        api->frame_free(st->frame);
        st->frame = NULL;
    }
    if (names != NULL)
        for (size_t c = 0; c < cv.ncols; c++)
            api->free(names[c]);
    api->free(names);
    teardown(&cv);
    return rc;
}

static int
csv_next(void *state, struct aiwb_frame **batch, char **cause)
{
    struct csv_state *st = state;
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
csv_close(void *state)
{
    struct csv_state *st = state;

    api->frame_free(st->frame);
    st->frame = NULL;
}

static const struct aiwb_option_spec csv_options[] = {
    {.name = "header",
     .type = AIWB_OPT_BOOL,
     .def = "true",
     .help = "the first line names the columns (else they are V1, V2, ...)"},
    {.name = "delimiter",
     .type = AIWB_OPT_STRING,
     .def = ",",
     .help = "the field separator: one character, or tab (the default for .tsv files)"},
    {.name = "na",
     .type = AIWB_OPT_STRING,
     .def = "NA,?",
     .help = "comma-separated markers of missing values; an empty field is always missing"},
    {.name = "threads",
     .type = AIWB_OPT_INT,
     .def = "0",
     .max = CSV_MAX_THREADS,
     .help = "threads to parse with; 0 uses one per core (at most 4) for files over 1 MiB"},
    {.name = "columns",
     .type = AIWB_OPT_STRING,
     .help = "force column types: NAME:TYPE,... with TYPE numeric or categorical"},
    {.name = "limit",
     .type = AIWB_OPT_INT,
     .min = 1,
     .max = INFINITY,
     .help = "read only the first N data rows (the rest of the file is not read)"},
    {.name = NULL},
};

static const char csv_help[] =
    "Reads RFC 4180 text: quoted fields (with the delimiter, doubled quotes and\n"
    "line breaks inside), LF or CRLF line ends, a UTF-8 byte order mark; blank\n"
    "lines are skipped. Files compressed with gzip are inflated first, whatever\n"
    "their name (x.csv.gz, x.tsv.gz). A .tsv file is tab-separated.\n"
    "\n"
    "A column is numeric when every value that is not missing is a number,\n"
    "categorical otherwise (a warning names the first word in a column of\n"
    "numbers). Missing: an empty field, NaN, and the `na` markers. Numbers read\n"
    "exactly as C's strtod reads them, whatever the locale.\n"
    "\n"
    "  load d x.csv.gz columns=zip:categorical,age:numeric   force two types\n"
    "  load d big.csv limit=1000                             a first look\n"
    "\n"
    "A file is read by several threads (`threads`), and errors name the file,\n"
    "line and column: 'x.csv' line 4 column 2: unterminated quoted field.";

static const struct aiwb_source_type csv_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_source_type),
    .name = "csv",
    .summary = "comma- or tab-separated text (RFC 4180), gzip or not, columns typed as read",
    .help = csv_help,
    .options = csv_options,
    .flags = 0,
    .schemes = "file",
    .extensions = "csv,tsv,txt,csv.gz,tsv.gz,txt.gz",
    .state_size = sizeof(struct csv_state),
    .open = csv_open,
    .next = csv_next,
    .close = csv_close,
};

/*
 * The module's entry point: declares the module "csv" and registers its one
 * source. Returns AIWB_OK, or the host's refusal (AIWB_EABI, AIWB_EINVAL).
 */
int
aiwb_plugin_init(struct aiwb_plugin *p, const struct aiwb_host_api *host)
{
    AIWB_PLUGIN_BEGIN(p, host, api, "csv", "1.1.0");
    return api->register_source(p, &csv_type);
}
