/*
 * test-numfmt.c - numbers as text and back: exact round trips of random
 * doubles of every magnitude, shortest forms, parsing, significant digits.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/numfmt.h"
#include "testutil.h"

/* splitmix64: a fixed, portable sequence for every seed. */
static uint64_t
next_u64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static double
from_bits(uint64_t u)
{
    double v;

    memcpy(&v, &u, sizeof v);
    return v;
}

static uint64_t
to_bits(double v)
{
    uint64_t u;

    memcpy(&u, &v, sizeof u);
    return u;
}

/* The significant digits of S ("-0.00120e+5" has 2): leading and trailing
 * zeros of the mantissa do not count; "0" has one. */
static int
sig_digits(const char *s)
{
    const char *p = s, *first = NULL, *last = NULL;

    if (*p == '-' || *p == '+')
        p++;
    for (; *p != '\0' && *p != 'e' && *p != 'E'; p++) {
        if (*p < '1' || *p > '9')
            continue;
        if (first == NULL)
            first = p;
        last = p;
    }
    if (first == NULL)
        return 1;
    int n = 0;
    for (p = first; p <= last; p++)
        n += *p >= '0' && *p <= '9';
    return n;
}

/* Whether V written with P significant digits reads back to V exactly. */
static int
reads_back_with(double v, int p)
{
    char buf[64];

    snprintf(buf, sizeof buf, "%.*e", p - 1, v);
    return to_bits(strtod(buf, NULL)) == to_bits(v);
}

/* numfmt_exact(V) reads back to V's bits; returns its significant digits. */
static int
check_exact(double v)
{
    char buf[NUMFMT_BUFSZ];
    const char *s = numfmt_exact(buf, v);
    char *end;
    double back;

    assert_ptr_equal(s, buf);
    assert_true(strlen(buf) < NUMFMT_BUFSZ);
    back = strtod(buf, &end);
    if (to_bits(back) != to_bits(v) || *end != '\0') {
        fprintf(stderr, "# numfmt_exact(%a) = \"%s\" reads back as %a\n", v, buf, back);
        fail();
    }
    return sig_digits(buf);
}

static void
shortest_forms(void **state)
{
    static const struct {
        double v;
        const char *want;
    } cases[] = {
        {0.1, "0.1"},
        {1e-05, "1e-05"},
        {123, "123"},
        {0.1 + 0.2, "0.30000000000000004"},
        {1.0 / 3, "0.3333333333333333"},
        {2.0 / 3, "0.6666666666666666"},
        {-1.5, "-1.5"},
        {100, "100"},
        {0, "0"},
        {1e21, "1e+21"},
        {1e100, "1e+100"},
        {1e-300, "1e-300"},
        {123456789012345678.0, "1.2345678901234568e+17"},
        {9007199254740992.0, "9007199254740992"},
        {DBL_MAX, "1.7976931348623157e+308"},
        {-DBL_MAX, "-1.7976931348623157e+308"},
        {DBL_MIN, "2.2250738585072014e-308"},
        {DBL_EPSILON, "2.220446049250313e-16"},
    };
    char buf[NUMFMT_BUFSZ];

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        numfmt_exact(buf, cases[i].v);
        if (strcmp(buf, cases[i].want) != 0)
            fprintf(stderr, "# numfmt_exact(%a): want \"%s\", got \"%s\"\n", cases[i].v,
                    cases[i].want, buf);
        assert_string_equal(buf, cases[i].want);
        check_exact(cases[i].v);
    }
}

static void
special_values(void **state)
{
    char buf[NUMFMT_BUFSZ];

    (void)state;
    assert_string_equal(numfmt_exact(buf, NAN), "NA");
    assert_string_equal(numfmt_exact(buf, -NAN), "NA");
    assert_string_equal(numfmt_exact(buf, from_bits(0x7ff0000000000001ULL)), "NA");
    assert_string_equal(numfmt_exact(buf, INFINITY), "inf");
    assert_string_equal(numfmt_exact(buf, -INFINITY), "-inf");
    /* The sign of zero survives. */
    assert_string_equal(numfmt_exact(buf, -0.0), "-0");
    check_exact(-0.0);
    check_exact(0.0);
}

/*
 * 300,000 random bit patterns (every exponent equally likely) and 100,000
 * decimals of 1 to 17 digits: all read back to the same bits; for normal
 * numbers no form one digit shorter reads back, and a decimal of k digits
 * comes out with at most k.
 */
static void
random_round_trips(void **state)
{
    uint64_t seed = 20261127;
    size_t tried = 0;

    (void)state;
    while (tried < 300000) {
        double v = from_bits(next_u64(&seed));
        int d;

        if (!isfinite(v))
            continue;
        tried++;
        d = check_exact(v);
        assert_in_range(d, 1, 17);
        if (fpclassify(v) == FP_NORMAL && d > 1 && reads_back_with(v, d - 1)) {
            char buf[NUMFMT_BUFSZ];

            fprintf(stderr, "# numfmt_exact(%a) = \"%s\" is not the shortest\n", v,
                    numfmt_exact(buf, v));
            fail();
        }
    }
    for (int i = 0; i < 100000; i++) {
        int k = 1 + (int)(next_u64(&seed) % 17);
        uint64_t m = next_u64(&seed) % 100000000000000000ULL; /* 17 digits */
        int e = (int)(next_u64(&seed) % 600) - 300;
        char text[64];
        double v;

        for (int j = k; j < 17; j++)
            m /= 10;
        snprintf(text, sizeof text, "%s%llue%d", i % 2 ? "-" : "", (unsigned long long)m, e);
        v = strtod(text, NULL);
        if (fpclassify(v) != FP_NORMAL)
            continue;
        if (check_exact(v) > k) {
            char buf[NUMFMT_BUFSZ];

            fprintf(stderr, "# %s: numfmt_exact gives \"%s\"\n", text, numfmt_exact(buf, v));
            fail();
        }
    }
}

/* Subnormals, the smallest of them, and the edges of the normal range read
 * back exactly. */
static void
subnormals_round_trip(void **state)
{
    uint64_t seed = 7;

    (void)state;
    check_exact(DBL_TRUE_MIN);
    check_exact(-DBL_TRUE_MIN);
    check_exact(from_bits(0x000fffffffffffffULL)); /* the largest subnormal */
    check_exact(DBL_MIN);
    check_exact(nextafter(DBL_MIN, 0));
    check_exact(1e-320);
    for (int i = 0; i < 20000; i++) {
        /* Mantissas of every bit length: 1 to 52 bits. */
        int bits = 1 + i % 52;
        uint64_t m = next_u64(&seed) >> (64 - bits);

        check_exact(from_bits(m | (uint64_t)(i & 1) << 63));
    }
}

/*
 * Subnormals carry fewer digits than normal numbers, so their shortest form
 * may be far shorter than 15 digits: DBL_TRUE_MIN reads back from "5e-324".
 */
static void
subnormals_shortest(void **state)
{
    static const struct {
        double v;
        const char *want;
    } cases[] = {
        {DBL_TRUE_MIN, "5e-324"},
        {-DBL_TRUE_MIN, "-5e-324"},
        {1e-320, "1e-320"},
        {2 * DBL_TRUE_MIN, "1e-323"},
        {3e-310, "3e-310"},
    };
    char buf[NUMFMT_BUFSZ];
    uint64_t seed = 11;
    int longer = 0;

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        numfmt_exact(buf, cases[i].v);
        if (strcmp(buf, cases[i].want) != 0)
            fprintf(stderr, "# numfmt_exact(%a): want \"%s\", got \"%s\"\n", cases[i].v,
                    cases[i].want, buf);
    }
    for (int i = 0; i < 2000; i++) {
        uint64_t m = next_u64(&seed) >> (12 + i % 52);
        double v = from_bits(m ? m : 1);
        int d = check_exact(v);

        for (int p = 1; p < d; p++)
            if (reads_back_with(v, p)) {
                if (longer++ < 3)
                    fprintf(stderr, "# numfmt_exact(%a) = \"%s\": %d digits read back\n", v,
                            numfmt_exact(buf, v), p);
                break;
            }
    }
    if (longer)
        fprintf(stderr, "# %d of 2000 subnormals are not in their shortest form\n", longer);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_string_equal(numfmt_exact(buf, cases[i].v), cases[i].want);
    assert_int_equal(longer, 0);
}

static void
significant_digits(void **state)
{
    char buf[NUMFMT_BUFSZ];

    (void)state;
    assert_string_equal(numfmt_sig(buf, 3.14159265358979, 3), "3.14");
    assert_string_equal(numfmt_sig(buf, 1234567, 3), "1.23e+06");
    assert_string_equal(numfmt_sig(buf, 0.000123456, 2), "0.00012");
    assert_string_equal(numfmt_sig(buf, 2.5, 6), "2.5");
    assert_string_equal(numfmt_sig(buf, 0.1, 17), "0.10000000000000001");
    assert_string_equal(numfmt_sig(buf, -DBL_MAX, 17), "-1.7976931348623157e+308");
    assert_string_equal(numfmt_sig(buf, -0.0, 4), "-0");
    assert_string_equal(numfmt_sig(buf, 0.5, 1), "0.5");
    assert_string_equal(numfmt_sig(buf, 0.96, 1), "1");
    assert_string_equal(numfmt_sig(buf, NAN, 6), "NA");
    assert_string_equal(numfmt_sig(buf, INFINITY, 6), "inf");
    assert_string_equal(numfmt_sig(buf, -INFINITY, 6), "-inf");
    assert_ptr_equal(numfmt_sig(buf, 1, 6), buf);
}

/* Parse TEXT (its strlen) and expect WANT exactly. */
static void
parses_as(const char *text, double want)
{
    double v = -12345;

    if (numfmt_parse(text, strlen(text), &v) != 0) {
        fprintf(stderr, "# numfmt_parse(\"%s\") refused\n", text);
        fail();
    }
    if (to_bits(v) != to_bits(want)) {
        fprintf(stderr, "# numfmt_parse(\"%s\") = %a, want %a\n", text, v, want);
        fail();
    }
}

static void
refuses(const char *text, size_t len)
{
    double v = 42;

    if (numfmt_parse(text, len, &v) != -1) {
        fprintf(stderr, "# numfmt_parse(\"");
        for (size_t i = 0; i < len; i++) {
            if ((unsigned char)text[i] < ' ')
                fprintf(stderr, "\\x%02x", (unsigned char)text[i]);
            else
                fputc(text[i], stderr);
        }
        fprintf(stderr, "\") accepted as %g\n", v);
        fail();
    }
    assert_true(v == 42); /* untouched */
}

static void
parse_accepts(void **state)
{
    char long_text[200];
    double v;

    (void)state;
    parses_as("1", 1);
    parses_as("-1.5", -1.5);
    parses_as("+2", 2);
    parses_as(".5", 0.5);
    parses_as("5.", 5);
    parses_as("1e5", 1e5);
    parses_as("1E-5", 1e-5);
    parses_as("0.1", 0.1);
    parses_as("0.30000000000000004", 0.1 + 0.2);
    parses_as("-0", -0.0);
    parses_as("1.7976931348623157e+308", DBL_MAX);
    parses_as("4.9406564584124654e-324", DBL_TRUE_MIN);
    parses_as("5e-324", DBL_TRUE_MIN);
    parses_as("1e-400", 0); /* underflow reads as zero: not an overflow */
    parses_as("007", 7);
    /* Only LEN bytes count; no NUL is needed after them. */
    assert_int_equal(numfmt_parse("12345", 3, &v), 0);
    assert_true(v == 123);
    assert_int_equal(numfmt_parse("2.5;3", 3, &v), 0);
    assert_true(v == 2.5);
    /* Longer than any small buffer the parser might use. */
    memset(long_text, '0', sizeof long_text);
    long_text[0] = '1';
    long_text[1] = '.';
    memcpy(long_text + sizeof long_text - 3, "125", 3);
    assert_int_equal(numfmt_parse(long_text, sizeof long_text, &v), 0);
    assert_true(v == 1);
    long_text[1] = '0';
    assert_int_equal(numfmt_parse(long_text, 150, &v), 0);
    assert_true(v == 1e149);
    /* What numfmt_exact writes reads back. */
    {
        uint64_t seed = 3;

        for (int i = 0; i < 20000; i++) {
            double x = from_bits(next_u64(&seed));
            char buf[NUMFMT_BUFSZ];

            if (!isfinite(x))
                continue;
            numfmt_exact(buf, x);
            assert_int_equal(numfmt_parse(buf, strlen(buf), &v), 0);
            assert_true(to_bits(v) == to_bits(x));
        }
    }
}

static void
parse_refuses(void **state)
{
    static const char *const bad[] = {
        "", " 1", "1 ", "\t1", "1\t", "0x10", "0X1p3", "1e999", "-1e999", "abc", "1.2.3",
        "1,5", "-", "+", ".", "e5", "1e", "1e+", "NA", "1 2", "--1", "1-",
    };
    char big[400];

    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        refuses(bad[i], strlen(bad[i]));
    refuses("1\0", 2);
    refuses("\0" "1", 2);
    /* Overflow past any small buffer. */
    memset(big, '9', sizeof big);
    refuses(big, sizeof big);
}

/* "Leading and trailing spaces are not allowed": strtod() would skip a
 * newline, carriage return, form feed or vertical tab as well. */
static void
parse_refuses_leading_whitespace(void **state)
{
    (void)state;
    refuses("\n1", 2);
    refuses("\r1", 2);
    refuses("\f1", 2);
    refuses("\v1", 2);
    refuses("1\n", 2);
    refuses("1\r", 2);
}

/*
 * A locale whose decimal point is a comma: an installed one, or else one
 * made with localedef (from glibc's locale sources: a few milliseconds for
 * LC_NUMERIC alone) in a scratch folder named by LOCPATH. Returns the name
 * it was set under (a copy in NAME), or NULL when neither is possible.
 */
static const char *
set_comma_locale(char name[64])
{
    static const char *const installed[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8",
                                            "fr_FR.utf8", "de_DE", "fr_FR"};
    static const char source[] = "LC_NUMERIC\ndecimal_point \"<U002C>\"\n"
                                 "thousands_sep \"<U002E>\"\ngrouping 3;3\nEND LC_NUMERIC\n";
    const char *got = NULL;
    char *dir, *src, *cmd;

    for (size_t i = 0; i < sizeof installed / sizeof installed[0] && got == NULL; i++)
        got = setlocale(LC_NUMERIC, installed[i]);
    if (got == NULL) {
        dir = tu_tmpdir("numfmt-locale");
        src = tu_write_file(dir, "comma.src", source, strlen(source));
        cmd = malloc(strlen(dir) + strlen(src) + 100);
        sprintf(cmd, "localedef -c -i '%s' -f ANSI_X3.4-1968 '%s/comma' >/dev/null 2>&1", src,
                dir);
        if (system(cmd) != -1) {
            setenv("LOCPATH", dir, 1);
            got = setlocale(LC_NUMERIC, "comma");
        }
        free(cmd);
        free(src);
        free(dir);
    }
    if (got == NULL)
        return NULL;
    snprintf(name, 64, "%s", got);
    return name;
}

/* "Always the C locale's decimal point, whatever LC_NUMERIC says" (a
 * program with readline and curses calls setlocale(LC_ALL, "") for its
 * text, and that sets LC_NUMERIC too). */
static void
c_locale_always(void **state)
{
    char name[64], buf[NUMFMT_BUFSZ], e[NUMFMT_BUFSZ], s[NUMFMT_BUFSZ];
    double v = 0;
    int rc;

    (void)state;
    if (set_comma_locale(name) == NULL) {
        /* cmocka's skip() reads as a failure to automake's TAP driver. */
        fprintf(stderr, "# no locale with a decimal comma: not checked\n");
        return;
    }
    snprintf(buf, sizeof buf, "%.1f", 0.5);
    numfmt_exact(e, 0.5);
    numfmt_sig(s, 0.25, 2);
    rc = numfmt_parse("0.5", 3, &v);
    setlocale(LC_NUMERIC, "C");
    unsetenv("LOCPATH");
    fprintf(stderr, "# under %s printf writes \"%s\"; numfmt_exact \"%s\", numfmt_sig \"%s\", "
            "numfmt_parse(\"0.5\") %s %g\n", name, buf, e, s, rc ? "refused" : "gave", v);
    assert_string_equal(buf, "0,5"); /* the locale took */
    assert_string_equal(e, "0.5");
    assert_string_equal(s, "0.25");
    assert_int_equal(rc, 0);
    assert_true(v == 0.5);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shortest_forms),
        cmocka_unit_test(special_values),
        cmocka_unit_test(random_round_trips),
        cmocka_unit_test(subnormals_round_trip),
        cmocka_unit_test(subnormals_shortest),
        cmocka_unit_test(significant_digits),
        cmocka_unit_test(parse_accepts),
        cmocka_unit_test(parse_refuses),
        cmocka_unit_test(parse_refuses_leading_whitespace),
        cmocka_unit_test(c_locale_always),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
