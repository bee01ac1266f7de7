/*
 * table.c - a table of results, filled row by row.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include "core/table.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

struct aiwb_table *
table_new(const char *title)
{
    struct aiwb_table *t = xcalloc(1, sizeof *t);

    if (title != NULL)
        t->title = xstrdup(title);
    return t;
}

void
table_free(struct aiwb_table *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->ncells; i++)
        if (!t->cells[i].null && t->cols[i % t->ncols].kind == AIWB_TABLE_TEXT)
            free(t->cells[i].v.s);
    for (size_t c = 0; c < t->ncols; c++)
        free(t->cols[c].name);
    for (size_t i = 0; i < t->nnotes; i++)
        free(t->notes[i]);
    free(t->notes);
    free(t->cells);
    free(t->cols);
    free(t->title);
    free(t);
}

void
table_set_title(struct aiwb_table *t, const char *title)
{
    free(t->title);
    t->title = title != NULL ? xstrdup(title) : NULL;
}

int
table_column(struct aiwb_table *t, const char *name, enum aiwb_table_kind kind)
{
    if (t->ncells > 0 || name == NULL ||
        (kind != AIWB_TABLE_TEXT && kind != AIWB_TABLE_REAL && kind != AIWB_TABLE_INT))
        return AIWB_EINVAL;
    t->cols = xreallocarray(t->cols, t->ncols + 1, sizeof *t->cols);
    t->cols[t->ncols].name = xstrdup(name);
    t->cols[t->ncols].kind = kind;
    t->cols[t->ncols].digits = 0;
    t->ncols++;
    return AIWB_OK;
}

void
table_digits(struct aiwb_table *t, size_t col, int digits)
{
    if (col < t->ncols)
        t->cols[col].digits = digits;
}

/* The next cell, or NULL if the table has no columns. */
static struct table_cell *
next_cell(struct aiwb_table *t, enum aiwb_table_kind *kind)
{
    struct table_cell *c;

    if (t->ncols == 0)
        return NULL;
    if (t->ncells == t->alloc) {
        t->alloc = t->alloc ? 2 * t->alloc : 16 * t->ncols;
        t->cells = xreallocarray(t->cells, t->alloc, sizeof *t->cells);
    }
    *kind = t->cols[t->ncells % t->ncols].kind;
    c = &t->cells[t->ncells];
    memset(c, 0, sizeof *c);
    return c;
}

int
table_text(struct aiwb_table *t, const char *s)
{
    enum aiwb_table_kind kind;
    struct table_cell *c = next_cell(t, &kind);

    if (c == NULL || kind != AIWB_TABLE_TEXT)
        return AIWB_EINVAL;
    if (s == NULL)
        c->null = 1;
    else
        c->v.s = xstrdup(s);
    t->ncells++;
    return AIWB_OK;
}

int
table_real(struct aiwb_table *t, double v)
{
    enum aiwb_table_kind kind;
    struct table_cell *c = next_cell(t, &kind);

    if (c == NULL || kind != AIWB_TABLE_REAL)
        return AIWB_EINVAL;
    c->v.r = v;
    t->ncells++;
    return AIWB_OK;
}

int
table_int(struct aiwb_table *t, int64_t v)
{
    enum aiwb_table_kind kind;
    struct table_cell *c = next_cell(t, &kind);

    if (c == NULL)
        return AIWB_EINVAL;
    if (kind == AIWB_TABLE_REAL)
        c->v.r = (double)v;
    else if (kind == AIWB_TABLE_INT)
        c->v.i = v;
    else
        return AIWB_EINVAL;
    t->ncells++;
    return AIWB_OK;
}

int
table_null(struct aiwb_table *t)
{
    enum aiwb_table_kind kind;
    struct table_cell *c = next_cell(t, &kind);

    if (c == NULL)
        return AIWB_EINVAL;
    c->null = 1;
    t->ncells++;
    return AIWB_OK;
}

void
table_note(struct aiwb_table *t, const char *text)
{
    t->notes = xreallocarray(t->notes, t->nnotes + 1, sizeof *t->notes);
    t->notes[t->nnotes++] = xstrdup(text);
}

void
table_notef(struct aiwb_table *t, const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    s = xvasprintf(fmt, ap);
    va_end(ap);
    t->notes = xreallocarray(t->notes, t->nnotes + 1, sizeof *t->notes);
    t->notes[t->nnotes++] = s;
}

size_t
table_rows(const struct aiwb_table *t)
{
    return t->ncols ? (t->ncells + t->ncols - 1) / t->ncols : 0;
}

const struct table_cell *
table_cell(const struct aiwb_table *t, size_t row, size_t col)
{
    if (col >= t->ncols || row >= table_rows(t) || row * t->ncols + col >= t->ncells)
        return NULL;
    return &t->cells[row * t->ncols + col];
}
