/*
 * numfmt.h - numbers as text: the shortest form that reads back to the same
 * double, and fixed significant digits for tables. Always the C locale's
 * decimal point, whatever LC_NUMERIC says (safe to call from any thread).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef AIWB_NUMFMT_H
#define AIWB_NUMFMT_H

#include <stddef.h>

/* Room for any double in either form, with its NUL. */
#define NUMFMT_BUFSZ 32

/*
 * Write into BUF the shortest decimal text that strtod() reads back to
 * exactly V (at most 17 significant digits): "0.1", "1e-05", "123". NaN is
 * written as "NA", infinities as "inf" and "-inf". Returns BUF.
 */
char *numfmt_exact(char buf[NUMFMT_BUFSZ], double v);

/* V with DIGITS significant digits (%.*g, C locale). Returns BUF. */
char *numfmt_sig(char buf[NUMFMT_BUFSZ], double v, int digits);

/*
 * Parse the whole of S (LEN bytes, no NUL needed) as a decimal number, as
 * strtod() would in the C locale; leading and trailing white space is not
 * allowed, nor are hexadecimal forms. Returns 0 and sets *out, or -1 if S is not a number or overflows.
 */
int numfmt_parse(const char *s, size_t len, double *out);

#endif
