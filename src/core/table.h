/*
 * table.h - a table of results (evaluation, coefficients, listings): titled
 * columns of text, reals or integers, filled row by row, with notes under it.
 * How it is shown (aligned text, CSV, JSON lines) is the output layer's job.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef AIWB_TABLE_H
#define AIWB_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include <aiwb/plugin.h>

struct table_cell {
    int null;          /* no value: shown empty / null */
    union {
        char *s;       /* AIWB_TABLE_TEXT, owned by the table */
        double r;      /* AIWB_TABLE_REAL */
        int64_t i;     /* AIWB_TABLE_INT */
    } v;
};

struct table_col {
    char *name;
    enum aiwb_table_kind kind;
    int digits;        /* significant digits of reals as text; 0: default (6) */
};

struct aiwb_table {
    char *title;
    int na_text;       /* show empty cells as NA (a table of data), not blank */
    size_t ncols;
    struct table_col *cols;
    size_t ncells, alloc;
    struct table_cell *cells; /* row-major, ncols per row */
    size_t nnotes;
    char **notes;
};

/* A new empty table (TITLE may be NULL); free it with table_free(). */
struct aiwb_table *table_new(const char *title);
void table_free(struct aiwb_table *t);
void table_set_title(struct aiwb_table *t, const char *title);
/* Add a column; only before the first cell. Returns AIWB_OK or AIWB_EINVAL. */
int table_column(struct aiwb_table *t, const char *name, enum aiwb_table_kind kind);
/* Set the significant digits shown for real column COL. */
void table_digits(struct aiwb_table *t, size_t col, int digits);
/* Append one cell to the current row; a cell whose kind differs from its
 * column's is converted (an int into a real column) or refused (AIWB_EINVAL). */
int table_text(struct aiwb_table *t, const char *s);
int table_real(struct aiwb_table *t, double v);
int table_int(struct aiwb_table *t, int64_t v);
int table_null(struct aiwb_table *t);
void table_note(struct aiwb_table *t, const char *text);
void table_notef(struct aiwb_table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
size_t table_rows(const struct aiwb_table *t);
/* Cell (ROW, COL), borrowed. */
const struct table_cell *table_cell(const struct aiwb_table *t, size_t row, size_t col);

#endif
