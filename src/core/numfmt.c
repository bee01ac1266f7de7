/*
 * numfmt.c - numbers as text and back, exactly, in the C locale's format
 * whatever the user's LC_NUMERIC says.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include "core/numfmt.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

/*
 * The C locale, switched to for the duration of each conversion
 * (uselocale() is per thread and costs a pointer swap).
 */
static locale_t
c_locale(void)
{
    static locale_t loc;

    if (loc == (locale_t)0)
        loc = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    return loc;
}

char *
numfmt_exact(char buf[NUMFMT_BUFSZ], double v)
{
    locale_t old;
    int prec;

    if (isnan(v))
        return strcpy(buf, "NA");
    if (isinf(v))
        return strcpy(buf, v > 0 ? "inf" : "-inf");
    old = uselocale(c_locale());
    /*
     * If a normal V reads back from k < 15 digits, %.15g prints those k
     * digits (the padding zeros are stripped), so trying 15, 16, 17 finds
     * the shortest. Subnormals have fewer significant bits: try from 1.
     */
    prec = fabs(v) < DBL_MIN && v != 0 ? 1 : 15;
    for (; prec <= 17; prec++) {
        snprintf(buf, NUMFMT_BUFSZ, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    uselocale(old);
    return buf;
}

char *
numfmt_sig(char buf[NUMFMT_BUFSZ], double v, int digits)
{
    locale_t old;

    if (isnan(v))
        return strcpy(buf, "NA");
    if (isinf(v))
        return strcpy(buf, v > 0 ? "inf" : "-inf");
    old = uselocale(c_locale());
    snprintf(buf, NUMFMT_BUFSZ, "%.*g", digits, v);
    uselocale(old);
    return buf;
}

int
numfmt_parse(const char *s, size_t len, double *out)
{
    char small[64], *copy, *end;
    locale_t old;
    double v;
    int rc = -1;

    if (len == 0 || isspace((unsigned char)s[0]))
        return -1;
    /* Decimal forms only: strtod would also take hexadecimal floats. */
    for (size_t i = 0; i < len; i++)
        if (s[i] == 'x' || s[i] == 'X' || s[i] == '\0')
            return -1;
    copy = len < sizeof small ? small : xmalloc(len + 1);
    memcpy(copy, s, len);
    copy[len] = '\0';
    old = uselocale(c_locale());
    errno = 0;
    v = strtod(copy, &end);
    uselocale(old);
    if (end == copy + len && end != copy && !(errno == ERANGE && isinf(v))) {
        *out = v;
        rc = 0;
    }
    if (copy != small)
        free(copy);
    return rc;
}
