/*
 * host-frame.c - the prediction server's frames: named numeric and
 * categorical columns, shared between frames and copied on the first write,
 * as the workbench's (src/core/frame.c), but built for one-row frames made
 * by the hundred thousand per second.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 *
 * A frame lives in an arena: frame_new makes one block that holds the frame,
 * its column array, the names, the name index and the values of small
 * columns, so a one-row frame of twenty columns costs one malloc and one
 * free. A column's data (struct coldata) is reference-counted, and so is
 * the block it lives in: a block is freed when its frame is gone and no
 * column of any frame still uses data inside it. Columns of more than
 * ARENA_VALUES bytes get an allocation of their own, so that sharing one big
 * column does not keep a whole arena alive.
 *
 * Levels are reference-counted lists with a hash index (open addressing,
 * a slot holds code + 1), as the workbench's. A host_levels list is
 * the same structure marked fixed: its maker owns it, frames borrow it and
 * copy it before adding a level. Reference counts are not atomic: a frame
 * and everything shared from it belong to one thread (host.h).
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include "host.h"

#include <stdlib.h>
#include <string.h>

#define FIRST_BLOCK 4096 /* bytes of a frame's first block, the frame included */
#define MAX_BLOCK 65536  /* later blocks double up to this (or the request) */
#define ARENA_VALUES 512 /* columns with more bytes of values get their own malloc */
#define LINEAR_MAX 8     /* frames of more columns have a name index */
#define ALIGN 8

struct host_levels {
    unsigned refs; /* frames' references; unused when fixed */
    int fixed;     /* made by host_levels_new: its maker frees it */
    size_t n, alloc;
    char **text;
    uint64_t *hash;
    uint32_t *slots;
    size_t nslots; /* a power of two, at least twice n */
};

/* An arena block; its data follows the header. */
struct block {
    unsigned refs; /* the frame that made it + each live coldata inside */
    size_t size, used;
    struct block *next; /* the frame's previous block */
};

/* The values of a column; shared between frames, copied before a write. */
struct coldata {
    unsigned refs;
    struct block *home;     /* the block it lives in, NULL: its own malloc */
    double *num;            /* numeric columns */
    int32_t *codes;         /* categorical columns */
    struct host_levels *lv; /* categorical columns; NULL: no levels yet */
};

struct column {
    const char *name; /* in the frame's arena */
    uint64_t hash;    /* of the name */
    struct coldata *d;
    enum aiwb_coltype type;
};

struct aiwb_frame {
    size_t nrows;
    size_t ncols, alloc;
    struct column *cols;
    uint32_t *slots; /* name index: column + 1, 0 empty; NULL up to LINEAR_MAX columns */
    size_t nslots;
    struct block *cur; /* where arena allocations go; ->next leads to the first */
};

/* ------------------------------------------------------------------------ */
/* Arena blocks */

static size_t
round_up(size_t n)
{
    return (n + (ALIGN - 1)) & ~(size_t)(ALIGN - 1);
}

static struct block *
block_new(size_t size)
{
    struct block *b = host_alloc(round_up(sizeof *b) + size);

    b->refs = 1;
    b->size = size;
    b->used = 0;
    b->next = NULL;
    return b;
}

static void
block_unref(struct block *b)
{
    if (--b->refs == 0)
        free(b);
}

/* N bytes in F's arena, 8-aligned; *home gets the block they are in. */
static void *
arena_alloc(struct aiwb_frame *f, size_t n, struct block **home)
{
    struct block *b = f->cur;
    void *p;

    n = round_up(n);
    if (n > b->size - b->used) {
        size_t size = 2 * b->size < MAX_BLOCK ? 2 * b->size : MAX_BLOCK;

        if (size < n)
            size = n;
        b = block_new(size);
        b->next = f->cur;
        f->cur = b;
    }
    p = (char *)b + round_up(sizeof *b) + b->used;
    b->used += n;
    if (home != NULL)
        *home = b;
    return p;
}

/* ------------------------------------------------------------------------ */
/* Levels */

/*
 * A hash of LEN bytes at S, eight at a time (names and levels are short
 * and hashed on every request, so FNV-1a's byte loop is too slow). Only
 * ever compared within this process.
 */
static uint64_t
hash_text(const char *s, size_t len)
{
    const char *end = s + len;
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ len, k = 0;

    if (len < 8) {
        for (size_t i = 0; i < len; i++)
            k |= (uint64_t)(unsigned char)s[i] << (8 * i);
    } else {
        for (; end - s > 8; s += 8) {
            memcpy(&k, s, 8);
            h = (h ^ k) * 0xff51afd7ed558ccdULL;
            h ^= h >> 29;
        }
        memcpy(&k, end - 8, 8); /* the last eight, overlapping what went before */
    }
    h = (h ^ k) * 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33; /* MurmurHash3's finaliser: every bit reaches the low ones */
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

static struct host_levels *
levels_new(size_t expect)
{
    struct host_levels *lv = host_calloc(1, sizeof *lv);

    lv->refs = 1;
    lv->nslots = 16;
    while (lv->nslots < 2 * expect)
        lv->nslots *= 2;
    lv->slots = host_calloc(lv->nslots, sizeof *lv->slots);
    return lv;
}

static void
levels_destroy(struct host_levels *lv)
{
    for (size_t i = 0; i < lv->n; i++)
        free(lv->text[i]);
    free(lv->text);
    free(lv->hash);
    free(lv->slots);
    free(lv);
}

/* Take a reference to LV (nothing for fixed lists and NULL). */
static struct host_levels *
levels_ref(struct host_levels *lv)
{
    if (lv != NULL && !lv->fixed)
        lv->refs++;
    return lv;
}

static void
levels_unref(struct host_levels *lv)
{
    if (lv == NULL || lv->fixed || --lv->refs > 0)
        return;
    levels_destroy(lv);
}

static void
levels_reindex(struct host_levels *lv, size_t nslots)
{
    free(lv->slots);
    lv->nslots = nslots;
    lv->slots = host_calloc(nslots, sizeof *lv->slots);
    for (size_t i = 0; i < lv->n; i++) {
        size_t j = lv->hash[i] & (nslots - 1);

        while (lv->slots[j] != 0)
            j = (j + 1) & (nslots - 1);
        lv->slots[j] = (uint32_t)(i + 1);
    }
}

/* The code of S (LEN bytes, hash H), or -1; *slot gets where it would go. */
static int32_t
levels_lookup(const struct host_levels *lv, const char *s, size_t len, uint64_t h, size_t *slot)
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

/* Append S (LEN bytes, hash H) as a new level whose index slot is SLOT. */
static int32_t
levels_append(struct host_levels *lv, const char *s, size_t len, uint64_t h, size_t slot)
{
    char *text;

    if (lv->n == lv->alloc) {
        lv->alloc = lv->alloc ? 2 * lv->alloc : 8;
        lv->text = host_realloc(lv->text, lv->alloc * sizeof *lv->text);
        lv->hash = host_realloc(lv->hash, lv->alloc * sizeof *lv->hash);
    }
    text = host_alloc(len + 1);
    memcpy(text, s, len);
    text[len] = '\0';
    lv->text[lv->n] = text;
    lv->hash[lv->n] = h;
    lv->slots[slot] = (uint32_t)(lv->n + 1);
    lv->n++;
    if (2 * lv->n > lv->nslots)
        levels_reindex(lv, 2 * lv->nslots);
    return (int32_t)(lv->n - 1);
}

/* The code of S in LV, added at the end when absent; -1 when LV is full. */
static int32_t
levels_add(struct host_levels *lv, const char *s, size_t len)
{
    uint64_t h = hash_text(s, len);
    size_t slot;
    int32_t code = levels_lookup(lv, s, len, h, &slot);

    if (code >= 0)
        return code;
    if (lv->n >= INT32_MAX - 1)
        return -1;
    return levels_append(lv, s, len, h, slot);
}

/* A copy of SRC that a frame owns (one reference). */
static struct host_levels *
levels_copy(const struct host_levels *src)
{
    struct host_levels *lv = host_calloc(1, sizeof *lv);
    size_t k = src->n ? src->n : 1;

    lv->refs = 1;
    lv->n = lv->alloc = src->n;
    lv->text = host_alloc(k * sizeof *lv->text);
    lv->hash = host_alloc(k * sizeof *lv->hash);
    for (size_t i = 0; i < src->n; i++)
        lv->text[i] = host_strdup(src->text[i]);
    memcpy(lv->hash, src->hash, src->n * sizeof *lv->hash);
    lv->nslots = src->nslots;
    lv->slots = host_alloc(lv->nslots * sizeof *lv->slots);
    memcpy(lv->slots, src->slots, lv->nslots * sizeof *lv->slots);
    return lv;
}

/*
 * A fixed list of the N LEVELS, in their order (code i is LEVELS[i]; a
 * repeated text keeps the code of its first place). The strings are
 * copied. The caller frees it with host_levels_free, after every frame that
 * uses it; never NULL (aborts when memory runs out).
 */
struct host_levels *
host_levels_new(size_t n, const char *const *levels)
{
    struct host_levels *lv = levels_new(n);

    lv->fixed = 1;
    lv->alloc = n;
    lv->text = host_alloc((n ? n : 1) * sizeof *lv->text);
    lv->hash = host_alloc((n ? n : 1) * sizeof *lv->hash);
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(levels[i]), slot;
        uint64_t h = hash_text(levels[i], len);

        if (levels_lookup(lv, levels[i], len, h, &slot) < 0) {
            lv->slots[slot] = (uint32_t)(i + 1);
        }
        lv->text[i] = host_strdup(levels[i]);
        lv->hash[i] = h;
        lv->n = i + 1;
    }
    return lv;
}

/* Free L; NULL does nothing. No frame may use it any more. */
void
host_levels_free(struct host_levels *l)
{
    if (l != NULL)
        levels_destroy(l);
}

/* The code of LEVEL (LEN bytes) in L, or -1. */
int32_t
host_levels_find(const struct host_levels *l, const char *level, size_t len)
{
    return levels_lookup(l, level, len, hash_text(level, len), NULL);
}

/* ------------------------------------------------------------------------ */
/* Column data */

static void
coldata_unref(struct coldata *d)
{
    if (--d->refs > 0)
        return;
    levels_unref(d->lv);
    if (d->home != NULL)
        block_unref(d->home);
    else
        free(d);
}

/*
 * New data for a column of F of TYPE, one reference, values uninitialised:
 * in F's arena when small, else in an allocation of its own.
 */
static struct coldata *
coldata_new(struct aiwb_frame *f, enum aiwb_coltype type)
{
    size_t elem = type == AIWB_NUMERIC ? sizeof(double) : sizeof(int32_t);
    size_t head = round_up(sizeof(struct coldata));
    struct coldata *d;
    struct block *home = NULL;

    if (f->nrows > (SIZE_MAX - head) / elem)
        d = host_alloc(SIZE_MAX); /* aborts with a message */
    else if (f->nrows * elem <= ARENA_VALUES)
        d = arena_alloc(f, head + f->nrows * elem, &home);
    else
        d = host_alloc(head + f->nrows * elem);
    d->refs = 1;
    d->home = home;
    if (home != NULL)
        home->refs++;
    d->num = NULL;
    d->codes = NULL;
    d->lv = NULL;
    if (type == AIWB_NUMERIC)
        d->num = (double *)((char *)d + head);
    else
        d->codes = (int32_t *)((char *)d + head);
    return d;
}

/* ------------------------------------------------------------------------ */
/* Frames */

/*
 * A new frame of N_ROWS rows and no columns. The caller frees it with
 * host_frame_free; never NULL (aborts when memory runs out).
 */
struct aiwb_frame *
host_frame_new(size_t n_rows)
{
    struct block *b = block_new(FIRST_BLOCK - round_up(sizeof(struct block)));
    struct aiwb_frame *f = (struct aiwb_frame *)((char *)b + round_up(sizeof *b));

    b->used = round_up(sizeof *f);
    f->nrows = n_rows;
    f->ncols = f->alloc = 0;
    f->cols = NULL;
    f->slots = NULL;
    f->nslots = 0;
    f->cur = b;
    return f;
}

/* Free F and release its columns; NULL does nothing. */
void
host_frame_free(struct aiwb_frame *f)
{
    struct block *b, *next;

    if (f == NULL)
        return;
    for (size_t c = 0; c < f->ncols; c++)
        coldata_unref(f->cols[c].d);
    /* The frame lives in its first block, the last of the chain. */
    for (b = f->cur; b != NULL; b = next) {
        next = b->next;
        block_unref(b);
    }
}

/* The number of rows of F. */
size_t
host_frame_rows(const struct aiwb_frame *f)
{
    return f->nrows;
}

/* The number of columns of F. */
size_t
host_frame_cols(const struct aiwb_frame *f)
{
    return f->ncols;
}

/* The name of column COL (borrowed from F), or NULL past the last column. */
const char *
host_frame_col_name(const struct aiwb_frame *f, size_t col)
{
    return col < f->ncols ? f->cols[col].name : NULL;
}

/* The type of column COL, or 0 past the last column. */
enum aiwb_coltype
host_frame_col_type(const struct aiwb_frame *f, size_t col)
{
    return col < f->ncols ? f->cols[col].type : 0;
}

/* The index of column NAME whose hash is H, or -1. */
static long
find_hashed(const struct aiwb_frame *f, const char *name, uint64_t h)
{
    size_t j;

    if (f->slots == NULL) {
        for (size_t c = 0; c < f->ncols; c++)
            if (f->cols[c].hash == h && strcmp(f->cols[c].name, name) == 0)
                return (long)c;
        return -1;
    }
    j = h & (f->nslots - 1);
    while (f->slots[j] != 0) {
        size_t c = f->slots[j] - 1;

        if (f->cols[c].hash == h && strcmp(f->cols[c].name, name) == 0)
            return (long)c;
        j = (j + 1) & (f->nslots - 1);
    }
    return -1;
}

/* The index of column NAME, or -1: hashed past LINEAR_MAX columns. */
long
host_frame_find(const struct aiwb_frame *f, const char *name)
{
    return find_hashed(f, name, hash_text(name, strlen(name)));
}

static void
index_put(struct aiwb_frame *f, size_t c)
{
    size_t j = f->cols[c].hash & (f->nslots - 1);

    while (f->slots[j] != 0)
        j = (j + 1) & (f->nslots - 1);
    f->slots[j] = (uint32_t)(c + 1);
}

/* Index the last column of F, building or growing the index as needed. */
static void
index_last(struct aiwb_frame *f)
{
    if (f->ncols <= LINEAR_MAX)
        return;
    if (2 * f->ncols > f->nslots) {
        size_t n = f->nslots ? 2 * f->nslots : 32;

        f->slots = arena_alloc(f, n * sizeof *f->slots, NULL);
        memset(f->slots, 0, n * sizeof *f->slots);
        f->nslots = n;
        for (size_t c = 0; c + 1 < f->ncols; c++)
            index_put(f, c);
    }
    index_put(f, f->ncols - 1);
}

/* Append column NAME (LEN bytes, hash H) of TYPE holding D (whose reference it takes). */
static void
add_column(struct aiwb_frame *f, const char *name, size_t len, uint64_t h, enum aiwb_coltype type,
           struct coldata *d)
{
    struct column *col;
    char *copy;

    if (f->ncols == f->alloc) {
        size_t n = f->alloc ? 2 * f->alloc : 16;
        struct column *cols = arena_alloc(f, n * sizeof *cols, NULL);

        if (f->ncols > 0)
            memcpy(cols, f->cols, f->ncols * sizeof *cols);
        f->cols = cols;
        f->alloc = n;
    }
    copy = arena_alloc(f, len + 1, NULL);
    memcpy(copy, name, len + 1);
    col = &f->cols[f->ncols++];
    col->name = copy;
    col->hash = h;
    col->type = type;
    col->d = d;
    index_last(f);
}

/*
 * Add a numeric column NAME: returns its values, zeroed, for the caller to
 * fill (they belong to F), or NULL if F has a column of that name.
 */
double *
host_frame_add_numeric(struct aiwb_frame *f, const char *name)
{
    size_t len = strlen(name);
    uint64_t h = hash_text(name, len);
    struct coldata *d;

    if (find_hashed(f, name, h) >= 0)
        return NULL;
    d = coldata_new(f, AIWB_NUMERIC);
    memset(d->num, 0, f->nrows * sizeof *d->num);
    add_column(f, name, len, h, AIWB_NUMERIC, d);
    return d->num;
}

/*
 * Add a categorical column NAME with no levels yet (frame_level_intern
 * adds them): returns its codes, zeroed as the workbench's are, for the
 * caller to fill, or NULL if F has a column of that name.
 */
int32_t *
host_frame_add_categorical(struct aiwb_frame *f, const char *name)
{
    size_t len = strlen(name);
    uint64_t h = hash_text(name, len);
    struct coldata *d;

    if (find_hashed(f, name, h) >= 0)
        return NULL;
    d = coldata_new(f, AIWB_CATEGORICAL);
    memset(d->codes, 0, f->nrows * sizeof *d->codes);
    add_column(f, name, len, h, AIWB_CATEGORICAL, d);
    return d->codes;
}

/*
 * Add a categorical column NAME over the fixed levels L (borrowed: L must
 * outlive F and the frames that share the column): returns its codes, all
 * AIWB_NA_CODE, or NULL if F has a column of that name.
 */
int32_t *
host_frame_add_categorical_over(struct aiwb_frame *f, const char *name, const struct host_levels *l)
{
    size_t len = strlen(name);
    uint64_t h = hash_text(name, len);
    struct coldata *d;

    if (find_hashed(f, name, h) >= 0)
        return NULL;
    d = coldata_new(f, AIWB_CATEGORICAL);
    for (size_t r = 0; r < f->nrows; r++)
        d->codes[r] = AIWB_NA_CODE;
    d->lv = (struct host_levels *)l; /* fixed: frames copy it before changing it */
    add_column(f, name, len, h, AIWB_CATEGORICAL, d);
    return d->codes;
}

/* Make column COL's data this frame's own before a write. */
static struct coldata *
own_data(struct aiwb_frame *f, size_t col)
{
    struct coldata *d = f->cols[col].d, *copy;

    if (d->refs == 1)
        return d;
    copy = coldata_new(f, f->cols[col].type);
    if (d->num != NULL)
        memcpy(copy->num, d->num, f->nrows * sizeof *copy->num);
    else
        memcpy(copy->codes, d->codes, f->nrows * sizeof *copy->codes);
    copy->lv = levels_ref(d->lv);
    d->refs--; /* others still hold it */
    f->cols[col].d = copy;
    return copy;
}

/*
 * The code of level S (LEN bytes) of categorical column COL, added as a new
 * level at the end when absent (the column's data and levels are copied
 * first if they are shared). Returns -1 if COL is not categorical, if S
 * holds a NUL byte, or if the column has 2^31-2 levels already.
 */
int32_t
host_frame_level_intern(struct aiwb_frame *f, size_t col, const char *s, size_t len)
{
    struct coldata *d;

    if (col >= f->ncols || f->cols[col].type != AIWB_CATEGORICAL)
        return -1;
    if (memchr(s, '\0', len) != NULL) /* levels are C strings */
        return -1;
    d = f->cols[col].d;
    if (d->lv != NULL && (d->refs > 1 || d->lv->fixed || d->lv->refs > 1)) {
        /* Look before copying: most interns find an existing level. */
        int32_t code = levels_lookup(d->lv, s, len, hash_text(s, len), NULL);

        if (code >= 0)
            return code;
    }
    d = own_data(f, col);
    if (d->lv == NULL) {
        d->lv = levels_new(0);
    } else if (d->lv->fixed || d->lv->refs > 1) {
        struct host_levels *lv = levels_copy(d->lv);

        levels_unref(d->lv);
        d->lv = lv;
    }
    return levels_add(d->lv, s, len);
}

/* The code of level S of categorical column COL, or -1 (never adds). */
int32_t
host_frame_level_find(const struct aiwb_frame *f, size_t col, const char *s)
{
    size_t len;

    if (col >= f->ncols || f->cols[col].type != AIWB_CATEGORICAL || f->cols[col].d->lv == NULL)
        return -1;
    len = strlen(s);
    return levels_lookup(f->cols[col].d->lv, s, len, hash_text(s, len), NULL);
}

/* The number of levels of column COL; 0 if it is not categorical. */
size_t
host_frame_nlevels(const struct aiwb_frame *f, size_t col)
{
    if (col >= f->ncols || f->cols[col].type != AIWB_CATEGORICAL || f->cols[col].d->lv == NULL)
        return 0;
    return f->cols[col].d->lv->n;
}

/*
 * The text of level CODE of column COL, borrowed from F: "" for a code
 * that is not a level (AIWB_NA_CODE), NULL if COL is not categorical.
 */
const char *
host_frame_level(const struct aiwb_frame *f, size_t col, int32_t code)
{
    const struct host_levels *lv;

    if (col >= f->ncols || f->cols[col].type != AIWB_CATEGORICAL)
        return NULL;
    lv = f->cols[col].d->lv;
    if (lv == NULL || code < 0 || (size_t)code >= lv->n)
        return "";
    return lv->text[code];
}

/* The values of numeric column COL (borrowed), or NULL. */
const double *
host_frame_numeric(const struct aiwb_frame *f, size_t col)
{
    return col < f->ncols ? f->cols[col].d->num : NULL;
}

/* The codes of categorical column COL (borrowed), or NULL. */
const int32_t *
host_frame_codes(const struct aiwb_frame *f, size_t col)
{
    return col < f->ncols ? f->cols[col].d->codes : NULL;
}

/* The values of numeric column COL to write (copied first if shared), or NULL. */
double *
host_frame_numeric_mut(struct aiwb_frame *f, size_t col)
{
    if (col >= f->ncols || f->cols[col].type != AIWB_NUMERIC)
        return NULL;
    return own_data(f, col)->num;
}

/* The codes of categorical column COL to write (copied first if shared), or NULL. */
int32_t *
host_frame_codes_mut(struct aiwb_frame *f, size_t col)
{
    if (col >= f->ncols || f->cols[col].type != AIWB_CATEGORICAL)
        return NULL;
    return own_data(f, col)->codes;
}

/*
 * Add column COL of SRC to DST under NEWNAME (NULL: its own name), sharing
 * the data. Returns AIWB_OK, or AIWB_EINVAL if COL is not a column of SRC,
 * the frames' rows differ or DST has a column of that name.
 */
int
host_frame_copy_col(struct aiwb_frame *dst, const struct aiwb_frame *src, size_t col,
                    const char *newname)
{
    const struct column *sc;
    size_t len;
    uint64_t h;

    if (col >= src->ncols || dst->nrows != src->nrows)
        return AIWB_EINVAL;
    sc = &src->cols[col];
    if (newname == NULL)
        newname = sc->name;
    len = strlen(newname);
    h = newname == sc->name ? sc->hash : hash_text(newname, len);
    if (find_hashed(dst, newname, h) >= 0)
        return AIWB_EINVAL;
    sc->d->refs++;
    add_column(dst, newname, len, h, sc->type, sc->d);
    return AIWB_OK;
}

/*
 * A new frame of rows IDX[0..N-1] of F (each < its rows), in that order,
 * with F's columns; levels are shared. The caller frees it with
 * host_frame_free.
 */
struct aiwb_frame *
host_frame_take(const struct aiwb_frame *f, const size_t *idx, size_t n)
{
    struct aiwb_frame *g = host_frame_new(n);

    for (size_t c = 0; c < f->ncols; c++) {
        const struct column *sc = &f->cols[c];
        struct coldata *d = coldata_new(g, sc->type);

        if (sc->type == AIWB_NUMERIC) {
            for (size_t i = 0; i < n; i++)
                d->num[i] = sc->d->num[idx[i]];
        } else {
            for (size_t i = 0; i < n; i++)
                d->codes[i] = sc->d->codes[idx[i]];
            d->lv = levels_ref(sc->d->lv);
        }
        add_column(g, sc->name, strlen(sc->name), sc->hash, sc->type, d);
    }
    return g;
}
