/*
 * frame.c - the in-memory table: named numeric and categorical columns,
 * shared between frames and copied on the first write.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include "core/frame.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/numfmt.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

/*
 * The levels of a categorical column, with a hash index from text to code
 * (open addressing; a slot holds code + 1, 0 when empty). Shared by every
 * column that codes into them, until one of them adds a level.
 */
struct levels {
    unsigned refs;
    size_t n, alloc;
    char **text;
    uint64_t *hash;
    uint32_t *slots;
    size_t nslots; /* a power of two, at least twice n */
};

/* The values of a column; shared between frames, copied before a write. */
struct coldata {
    unsigned refs;
    double *num;        /* numeric columns */
    int32_t *codes;     /* categorical columns */
    struct levels *lv;  /* categorical columns */
};

struct column {
    char *name;
    enum aiwb_coltype type;
    struct coldata *d;
};

struct aiwb_frame {
    size_t nrows;
    size_t ncols, alloc;
    struct column *cols;
    /* Column names to indices (slot holds index + 1; a power of two, at
     * least twice ncols), so wide frames are built in linear time. */
    uint32_t *name_slots;
    size_t name_nslots;
};

static uint64_t
hash_text(const char *s, size_t len)
{
    uint64_t h = 14695981039346656037ULL; /* FNV-1a */

    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static struct levels *
levels_new(void)
{
    struct levels *lv = xcalloc(1, sizeof *lv);

    lv->refs = 1;
    lv->nslots = 16;
    lv->slots = xcalloc(lv->nslots, sizeof *lv->slots);
    return lv;
}

static void
levels_unref(struct levels *lv)
{
    if (lv == NULL || --lv->refs > 0)
        return;
    for (size_t i = 0; i < lv->n; i++)
        free(lv->text[i]);
    free(lv->text);
    free(lv->hash);
    free(lv->slots);
    free(lv);
}

static void
levels_reindex(struct levels *lv, size_t nslots)
{
    free(lv->slots);
    lv->nslots = nslots;
    lv->slots = xcalloc(nslots, sizeof *lv->slots);
    for (size_t i = 0; i < lv->n; i++) {
        size_t j = lv->hash[i] & (nslots - 1);

        while (lv->slots[j] != 0)
            j = (j + 1) & (nslots - 1);
        lv->slots[j] = (uint32_t)(i + 1);
    }
}

/* The code of S, or -1; *slot gets where it would go. */
static int32_t
levels_lookup(const struct levels *lv, const char *s, size_t len, uint64_t h, size_t *slot)
{
    size_t j = h & (lv->nslots - 1);

    while (lv->slots[j] != 0) {
        uint32_t i = lv->slots[j] - 1;

        if (lv->hash[i] == h && strncmp(lv->text[i], s, len) == 0 && lv->text[i][len] == '\0')
            return (int32_t)i;
        j = (j + 1) & (lv->nslots - 1);
    }
    if (slot != NULL)
        *slot = j;
    return -1;
}

static int32_t
levels_add(struct levels *lv, const char *s, size_t len)
{
    uint64_t h = hash_text(s, len);
    size_t slot;
    int32_t code = levels_lookup(lv, s, len, h, &slot);

    if (code >= 0)
        return code;
    if (lv->n >= INT32_MAX - 1)
        return -1;
    if (lv->n == lv->alloc) {
        lv->alloc = lv->alloc ? 2 * lv->alloc : 8;
        lv->text = xreallocarray(lv->text, lv->alloc, sizeof *lv->text);
        lv->hash = xreallocarray(lv->hash, lv->alloc, sizeof *lv->hash);
    }
    lv->text[lv->n] = xstrndup(s, len);
    lv->hash[lv->n] = h;
    lv->slots[slot] = (uint32_t)(lv->n + 1);
    code = (int32_t)lv->n++;
    if (2 * lv->n > lv->nslots)
        levels_reindex(lv, 2 * lv->nslots);
    return code;
}

static struct levels *
levels_copy(const struct levels *src)
{
    struct levels *lv = xcalloc(1, sizeof *lv);

    lv->refs = 1;
    lv->n = lv->alloc = src->n;
    lv->text = xcalloc(src->n ? src->n : 1, sizeof *lv->text);
    lv->hash = xcalloc(src->n ? src->n : 1, sizeof *lv->hash);
    for (size_t i = 0; i < src->n; i++)
        lv->text[i] = xstrdup(src->text[i]);
    memcpy(lv->hash, src->hash, src->n * sizeof *lv->hash);
    lv->nslots = src->nslots;
    lv->slots = xcalloc(lv->nslots, sizeof *lv->slots);
    memcpy(lv->slots, src->slots, lv->nslots * sizeof *lv->slots);
    return lv;
}

static void
coldata_unref(struct coldata *d)
{
    if (d == NULL || --d->refs > 0)
        return;
    free(d->num);
    free(d->codes);
    levels_unref(d->lv);
    free(d);
}

struct aiwb_frame *
frame_new(size_t n_rows)
{
    struct aiwb_frame *f = xcalloc(1, sizeof *f);

    f->nrows = n_rows;
    return f;
}

void
frame_free(struct aiwb_frame *f)
{
    if (f == NULL)
        return;
    for (size_t c = 0; c < f->ncols; c++) {
        free(f->cols[c].name);
        coldata_unref(f->cols[c].d);
    }
    free(f->cols);
    free(f->name_slots);
    free(f);
}

size_t
frame_rows(const struct aiwb_frame *f)
{
    return f->nrows;
}

size_t
frame_cols(const struct aiwb_frame *f)
{
    return f->ncols;
}

const char *
frame_col_name(const struct aiwb_frame *f, size_t col)
{
    return col < f->ncols ? f->cols[col].name : NULL;
}

enum aiwb_coltype
frame_col_type(const struct aiwb_frame *f, size_t col)
{
    return col < f->ncols ? f->cols[col].type : 0;
}

long
frame_find(const struct aiwb_frame *f, const char *name)
{
    size_t j;

    if (f->name_nslots == 0)
        return -1;
    j = hash_text(name, strlen(name)) & (f->name_nslots - 1);
    while (f->name_slots[j] != 0) {
        size_t c = f->name_slots[j] - 1;

        if (strcmp(f->cols[c].name, name) == 0)
            return (long)c;
        j = (j + 1) & (f->name_nslots - 1);
    }
    return -1;
}

char *
frame_column_list(const struct aiwb_frame *f)
{
    struct strbuf sb = STRBUF_INIT;

    for (size_t c = 0; c < frame_cols(f); c++)
        strbuf_addf(&sb, "%s%s", c ? ", " : "", frame_col_name(f, c));
    return strbuf_detach(&sb, NULL);
}

/* Put column C's name in the index (growing it to stay at most half full). */
static void
index_name(struct aiwb_frame *f, size_t c)
{
    size_t j;

    if (2 * f->ncols > f->name_nslots) {
        size_t n = f->name_nslots ? 2 * f->name_nslots : 16;

        free(f->name_slots);
        f->name_slots = xcalloc(n, sizeof *f->name_slots);
        f->name_nslots = n;
        for (size_t k = 0; k < f->ncols; k++)
            if (k != c)
                index_name(f, k);
    }
    j = hash_text(f->cols[c].name, strlen(f->cols[c].name)) & (f->name_nslots - 1);
    while (f->name_slots[j] != 0)
        j = (j + 1) & (f->name_nslots - 1);
    f->name_slots[j] = (uint32_t)(c + 1);
}

/* Append a column NAME of TYPE holding D (whose reference it takes). */
static struct column *
add_column(struct aiwb_frame *f, const char *name, enum aiwb_coltype type, struct coldata *d)
{
    struct column *col;

    if (f->ncols == f->alloc) {
        f->alloc = f->alloc ? 2 * f->alloc : 8;
        f->cols = xreallocarray(f->cols, f->alloc, sizeof *f->cols);
    }
    col = &f->cols[f->ncols++];
    col->name = xstrdup(name);
    col->type = type;
    col->d = d;
    index_name(f, f->ncols - 1);
    return col;
}

double *
frame_add_numeric(struct aiwb_frame *f, const char *name)
{
    struct coldata *d;

    if (frame_find(f, name) >= 0)
        return NULL;
    d = xcalloc(1, sizeof *d);
    d->refs = 1;
    d->num = xcalloc(f->nrows ? f->nrows : 1, sizeof *d->num);
    add_column(f, name, AIWB_NUMERIC, d);
    return d->num;
}

int32_t *
frame_add_categorical(struct aiwb_frame *f, const char *name)
{
    struct coldata *d;

    if (frame_find(f, name) >= 0)
        return NULL;
    d = xcalloc(1, sizeof *d);
    d->refs = 1;
    d->codes = xcalloc(f->nrows ? f->nrows : 1, sizeof *d->codes);
    d->lv = levels_new();
    add_column(f, name, AIWB_CATEGORICAL, d);
    return d->codes;
}

/* Make column COL's data this frame's own before a write. */
static struct coldata *
own_data(struct aiwb_frame *f, size_t col)
{
    struct coldata *d = f->cols[col].d, *copy;

    if (d->refs == 1)
        return d;
    copy = xcalloc(1, sizeof *copy);
    copy->refs = 1;
    if (d->num != NULL) {
        copy->num = xmalloc((f->nrows ? f->nrows : 1) * sizeof *copy->num);
        memcpy(copy->num, d->num, f->nrows * sizeof *copy->num);
    }
    if (d->codes != NULL) {
        copy->codes = xmalloc((f->nrows ? f->nrows : 1) * sizeof *copy->codes);
        memcpy(copy->codes, d->codes, f->nrows * sizeof *copy->codes);
    }
    if (d->lv != NULL) {
        copy->lv = d->lv;
        copy->lv->refs++;
    }
    d->refs--;
    f->cols[col].d = copy;
    return copy;
}

int32_t
frame_level_intern(struct aiwb_frame *f, size_t col, const char *s, size_t len)
{
    struct coldata *d;

    if (col >= f->ncols || f->cols[col].type != AIWB_CATEGORICAL)
        return -1;
    if (memchr(s, '\0', len) != NULL) /* levels are C strings */
        return -1;
    d = f->cols[col].d;
    if (d->lv->refs > 1 || d->refs > 1) {
        /* Look before copying: most interns find an existing level. */
        int32_t code = levels_lookup(d->lv, s, len, hash_text(s, len), NULL);

        if (code >= 0)
            return code;
        d = own_data(f, col);
        if (d->lv->refs > 1) {
            struct levels *lv = levels_copy(d->lv);

            levels_unref(d->lv);
            d->lv = lv;
        }
    }
    return levels_add(d->lv, s, len);
}

int32_t
frame_level_find(const struct aiwb_frame *f, size_t col, const char *s)
{
    size_t len;

    if (col >= f->ncols || f->cols[col].type != AIWB_CATEGORICAL)
        return -1;
    len = strlen(s);
    return levels_lookup(f->cols[col].d->lv, s, len, hash_text(s, len), NULL);
}

size_t
frame_nlevels(const struct aiwb_frame *f, size_t col)
{
    if (col >= f->ncols || f->cols[col].type != AIWB_CATEGORICAL)
        return 0;
    return f->cols[col].d->lv->n;
}

const char *
frame_level(const struct aiwb_frame *f, size_t col, int32_t code)
{
    const struct levels *lv;

    if (col >= f->ncols || f->cols[col].type != AIWB_CATEGORICAL)
        return NULL;
    lv = f->cols[col].d->lv;
    if (code < 0 || (size_t)code >= lv->n)
        return "";
    return lv->text[code];
}

static const char *const *sort_text; /* qsort has no context argument */

static int
cmp_by_text(const void *a, const void *b)
{
    return strcmp(sort_text[*(const int32_t *)a], sort_text[*(const int32_t *)b]);
}

void
frame_sort_levels(struct aiwb_frame *f, size_t col)
{
    struct coldata *d;
    struct levels *lv, *sorted;
    int32_t *order, *recode;
    int already = 1;

    if (col >= f->ncols || f->cols[col].type != AIWB_CATEGORICAL)
        return;
    lv = f->cols[col].d->lv;
    for (size_t i = 1; i < lv->n && already; i++)
        already = strcmp(lv->text[i - 1], lv->text[i]) < 0;
    if (already)
        return;
    order = xmalloc(lv->n * sizeof *order);
    recode = xmalloc(lv->n * sizeof *recode);
    for (size_t i = 0; i < lv->n; i++)
        order[i] = (int32_t)i;
    sort_text = (const char *const *)lv->text;
    qsort(order, lv->n, sizeof *order, cmp_by_text);
    sorted = levels_new();
    for (size_t i = 0; i < lv->n; i++) {
        levels_add(sorted, lv->text[order[i]], strlen(lv->text[order[i]]));
        recode[order[i]] = (int32_t)i;
    }
    d = own_data(f, col);
    for (size_t r = 0; r < f->nrows; r++)
        if (d->codes[r] >= 0)
            d->codes[r] = recode[d->codes[r]];
    levels_unref(d->lv);
    d->lv = sorted;
    free(order);
    free(recode);
}

const double *
frame_numeric(const struct aiwb_frame *f, size_t col)
{
    return col < f->ncols ? f->cols[col].d->num : NULL;
}

const int32_t *
frame_codes(const struct aiwb_frame *f, size_t col)
{
    return col < f->ncols ? f->cols[col].d->codes : NULL;
}

double *
frame_numeric_mut(struct aiwb_frame *f, size_t col)
{
    if (col >= f->ncols || f->cols[col].type != AIWB_NUMERIC)
        return NULL;
    return own_data(f, col)->num;
}

int32_t *
frame_codes_mut(struct aiwb_frame *f, size_t col)
{
    if (col >= f->ncols || f->cols[col].type != AIWB_CATEGORICAL)
        return NULL;
    return own_data(f, col)->codes;
}

int
frame_copy_col(struct aiwb_frame *dst, const struct aiwb_frame *src, size_t col,
               const char *newname)
{
    const struct column *sc;

    if (col >= src->ncols || dst->nrows != src->nrows)
        return AIWB_EINVAL;
    sc = &src->cols[col];
    if (newname == NULL)
        newname = sc->name;
    if (frame_find(dst, newname) >= 0)
        return AIWB_EINVAL;
    sc->d->refs++;
    add_column(dst, newname, sc->type, sc->d);
    return AIWB_OK;
}

int
frame_is_missing(const struct aiwb_frame *f, size_t col, size_t row)
{
    const struct coldata *d = f->cols[col].d;

    if (f->cols[col].type == AIWB_NUMERIC)
        return isnan(d->num[row]);
    return d->codes[row] < 0;
}

size_t
frame_count_missing(const struct aiwb_frame *f, size_t col)
{
    const struct coldata *d;
    size_t n = 0;

    if (col >= f->ncols)
        return 0;
    d = f->cols[col].d;
    if (f->cols[col].type == AIWB_NUMERIC) {
        for (size_t r = 0; r < f->nrows; r++)
            n += isnan(d->num[r]) != 0;
    } else {
        for (size_t r = 0; r < f->nrows; r++)
            n += d->codes[r] < 0;
    }
    return n;
}

struct aiwb_frame *
frame_clone(const struct aiwb_frame *f)
{
    struct aiwb_frame *g = frame_new(f->nrows);

    for (size_t c = 0; c < f->ncols; c++)
        frame_copy_col(g, f, c, NULL);
    return g;
}

struct aiwb_frame *
frame_without(const struct aiwb_frame *f, size_t col)
{
    struct aiwb_frame *g = frame_new(f->nrows);

    for (size_t c = 0; c < f->ncols; c++)
        if (c != col)
            frame_copy_col(g, f, c, NULL);
    return g;
}

struct aiwb_frame *
frame_take(const struct aiwb_frame *f, const size_t *idx, size_t n)
{
    struct aiwb_frame *g = frame_new(n);

    for (size_t c = 0; c < f->ncols; c++) {
        const struct column *sc = &f->cols[c];
        struct coldata *d = xcalloc(1, sizeof *d);

        d->refs = 1;
        if (sc->type == AIWB_NUMERIC) {
            d->num = xmalloc((n ? n : 1) * sizeof *d->num);
            for (size_t i = 0; i < n; i++)
                d->num[i] = sc->d->num[idx[i]];
        } else {
            d->codes = xmalloc((n ? n : 1) * sizeof *d->codes);
            for (size_t i = 0; i < n; i++)
                d->codes[i] = sc->d->codes[idx[i]];
            d->lv = sc->d->lv;
            d->lv->refs++;
        }
        add_column(g, sc->name, sc->type, d);
    }
    return g;
}

struct aiwb_frame *
frame_head(const struct aiwb_frame *f, size_t n)
{
    struct aiwb_frame *g;
    size_t *idx;

    if (n > f->nrows)
        n = f->nrows;
    idx = xmalloc((n ? n : 1) * sizeof *idx);
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    g = frame_take(f, idx, n);
    free(idx);
    return g;
}

/* Why PARTS cannot be joined, or NULL if they can. */
static char *
concat_mismatch(struct aiwb_frame *const *parts, size_t k)
{
    for (size_t p = 1; p < k; p++) {
        if (parts[p]->ncols != parts[0]->ncols)
            return xasprintf("batch %zu has %zu columns, the first had %zu", p + 1,
                             parts[p]->ncols, parts[0]->ncols);
        for (size_t c = 0; c < parts[0]->ncols; c++) {
            const struct column *a = &parts[0]->cols[c], *b = &parts[p]->cols[c];

            if (strcmp(a->name, b->name) != 0)
                return xasprintf("batch %zu has column '%s' where the first had '%s'", p + 1,
                                 b->name, a->name);
            if (a->type != b->type)
                return xasprintf("column '%s' is %s in batch %zu but %s in the first", a->name,
                                 b->type == AIWB_NUMERIC ? "numeric" : "categorical", p + 1,
                                 a->type == AIWB_NUMERIC ? "numeric" : "categorical");
        }
    }
    return NULL;
}

struct aiwb_frame *
frame_concat(struct aiwb_frame *const *parts, size_t k, char **cause)
{
    struct aiwb_frame *g;
    size_t n = 0;
    char *why;

    if (k == 0) {
        *cause = xstrdup("nothing to join");
        return NULL;
    }
    if ((why = concat_mismatch(parts, k)) != NULL) {
        *cause = why;
        return NULL;
    }
    if (k == 1)
        return frame_clone(parts[0]);
    for (size_t p = 0; p < k; p++)
        n += parts[p]->nrows;
    g = frame_new(n);
    for (size_t c = 0; c < parts[0]->ncols; c++) {
        const char *name = parts[0]->cols[c].name;
        size_t at = 0;

        if (parts[0]->cols[c].type == AIWB_NUMERIC) {
            double *out = frame_add_numeric(g, name);

            for (size_t p = 0; p < k; p++) {
                memcpy(out + at, parts[p]->cols[c].d->num, parts[p]->nrows * sizeof *out);
                at += parts[p]->nrows;
            }
            continue;
        }
        int32_t *out = frame_add_categorical(g, name);
        for (size_t p = 0; p < k; p++) {
            const struct coldata *d = parts[p]->cols[c].d;
            int32_t *map = xmalloc((d->lv->n ? d->lv->n : 1) * sizeof *map);

            for (size_t l = 0; l < d->lv->n; l++)
                map[l] = frame_level_intern(g, c, d->lv->text[l], strlen(d->lv->text[l]));
            for (size_t r = 0; r < parts[p]->nrows; r++)
                out[at + r] = d->codes[r] >= 0 ? map[d->codes[r]] : AIWB_NA_CODE;
            at += parts[p]->nrows;
            free(map);
        }
    }
    return g;
}

const char *
frame_cell_text(const struct aiwb_frame *f, size_t col, size_t row, char buf[32])
{
    const struct coldata *d = f->cols[col].d;

    if (f->cols[col].type == AIWB_NUMERIC)
        return numfmt_exact(buf, d->num[row]);
    if (d->codes[row] < 0 || (size_t)d->codes[row] >= d->lv->n)
        return "NA";
    return d->lv->text[d->codes[row]];
}
