/*
 * output.h - how tables and messages reach the user: aligned text, CSV or
 * JSON lines for tables; messages on stdout with text tables, on stderr
 * with CSV and JSON, so that stdout holds only data other programs read.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef AIWB_OUTPUT_H
#define AIWB_OUTPUT_H

#include <stdio.h>

struct strbuf;

struct aiwb_table;

enum output_format { OUTPUT_TABLE = 0, OUTPUT_CSV, OUTPUT_JSON };

struct output {
    FILE *data;                /* tables (stdout) */
    FILE *msg;                 /* messages: stdout for text tables, else stderr */
    FILE *err;                 /* errors and notes (stderr) */
    enum output_format format;
    int width;                 /* columns to fit text tables in; 0: no limit */
    int ascii;                 /* no Unicode in text output */
    int tables;                /* tables shown by the current command */
};

/* Set up OUT for FORMAT on stdout and stderr. */
void output_init(struct output *out, enum output_format format);
/* Parse "table", "csv" or "json"; -1 if none. */
int output_parse_format(const char *s);

/* Show table T in the output's format. Text tables wider than the width
 * are split into blocks of columns, the first column repeated (as R does).
 * In CSV, the tables of one command are separated by a blank line; in JSON
 * lines, the rows of a titled table carry its title as "table". */
void output_table(struct output *out, const struct aiwb_table *t);
/* The text of cell (R, C) of T for people, as text tables show it: reals
 * with the column's significant digits (6 by default), whole numbers
 * whole, empty or NA for no value. BUF (NUMFMT_BUFSZ bytes) holds numbers. */
const char *output_cell_text(const struct aiwb_table *t, size_t r, size_t c, char *buf);
/* Text S as a table shows it to people: each control character (a newline
 * in a label, an escape sequence in a log line) as \n, \r, \t or \xHH
 * (\u00HH for the C1 ones), so it neither breaks the rows nor reaches the
 * terminal. Returns S itself when it has none, else SB's text. */
const char *output_shown(const char *s, struct strbuf *sb);
/* Write T as CSV (RFC 4180, exact numbers) to FP, with no title or notes. */
void output_csv(FILE *fp, const struct aiwb_table *t);

/*
 * A horizontal bar of FRACTION (0..1) of WIDTH cells into BUF (at least
 * 4 * WIDTH + 1 bytes): Unicode eighth blocks, or '#' with out->ascii.
 * Returns BUF.
 */
char *output_bar(const struct output *out, double fraction, int width, char *buf);

/* A message line (a newline is added). */
void output_say(struct output *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "note: ..." on the error stream, one per line of TEXT. */
void output_notes(struct output *out, const char *text);

#endif
