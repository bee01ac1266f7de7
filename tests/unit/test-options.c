/*
 * test-options.c - declared options: defaults, every type parsed and bounded,
 * the messages a user sees, formatting back to words, the accessors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/log.h"
#include "core/options.h"
#include "testutil.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Options of an imaginary logistic regression, one of each kind. */
static const struct aiwb_option_spec logistic[] = {
    {.name = "C",
     .type = AIWB_OPT_REAL,
     .def = "1",
     .max = INFINITY,
     .help = "inverse of the regularisation strength"},
    {.name = "max_iter",
     .type = AIWB_OPT_INT,
     .def = "100",
     .min = 1,
     .max = INFINITY,
     .help = "iterations at most"},
    {.name = "tol",
     .type = AIWB_OPT_REAL,
     .def = "1e-4",
     .max = INFINITY,
     .help = "stop when the loss moves less"},
    {.name = "penalty",
     .type = AIWB_OPT_CHOICE,
     .def = "l2",
     .choices = "l1|l2|elasticnet",
     .help = "the penalty"},
    {.name = "verbose",
     .type = AIWB_OPT_BOOL,
     .def = "false",
     .help = "log every iteration"},
    {.name = "label",
     .type = AIWB_OPT_STRING,
     .help = "a name to show"},
    {.name = "frac",
     .type = AIWB_OPT_REAL,
     .max = 1,
     .help = "a share"},
    {.name = "shift",
     .type = AIWB_OPT_INT,
     .def = "0",
     .min = -INFINITY,
     .help = "at most zero"},
    {.name = "seed",
     .type = AIWB_OPT_INT,
     .help = "any integer"},
    {.name = NULL},
};

/* Parse the NULL-terminated WORDS; the set, or NULL with *CAUSE. */
static struct aiwb_options *
parse(const struct aiwb_option_spec *spec, const char *const *words, char **cause)
{
    size_t n = 0;

    while (words[n] != NULL)
        n++;
    *cause = NULL;
    return options_parse("logistic", spec, n, (char *const *)words, cause);
}

static struct aiwb_options *
parse_ok(const char *const *words)
{
    char *cause = NULL;
    struct aiwb_options *o = parse(logistic, words, &cause);

    if (o == NULL)
        fprintf(stderr, "# refused: %s\n", cause);
    assert_non_null(o);
    assert_null(cause);
    return o;
}

/* WORDS are refused with exactly WANT. */
static void
refused(const char *const *words, const char *want)
{
    char *cause = NULL;
    struct aiwb_options *o = parse(logistic, words, &cause);

    if (o != NULL) {
        options_free(o);
        fail_msg("\"%s\"... accepted", words[0]);
    }
    assert_non_null(cause);
    assert_string_equal(cause, want);
    free(cause);
}

/* WORDS are refused with a message that begins with HEAD and holds every
 * one of the NULL-terminated PARTS. */
static void
refused_like(const char *const *words, const char *head, const char *const *parts)
{
    char *cause = NULL;
    struct aiwb_options *o = parse(logistic, words, &cause);

    if (o != NULL) {
        options_free(o);
        fail_msg("\"%s\"... accepted", words[0]);
    }
    assert_non_null(cause);
    if (strncmp(cause, head, strlen(head)) != 0)
        fprintf(stderr, "# \"%s\" does not begin with \"%s\"\n", cause, head);
    assert_int_equal(strncmp(cause, head, strlen(head)), 0);
    for (size_t i = 0; parts != NULL && parts[i] != NULL; i++) {
        if (strstr(cause, parts[i]) == NULL)
            fprintf(stderr, "# \"%s\" does not say \"%s\"\n", cause, parts[i]);
        assert_non_null(strstr(cause, parts[i]));
    }
    free(cause);
}

/* Messages logged while the test runs. */
static char logged[4096];
static int nlogged;

static void
capture(void *arg, enum aiwb_log_level level, const char *msg)
{
    (void)arg;
    (void)level;
    nlogged++;
    snprintf(logged + strlen(logged), sizeof logged - strlen(logged), "%s\n", msg);
}

static void
capture_logs(void)
{
    logged[0] = '\0';
    nlogged = 0;
    log_set_sink(capture, NULL, AIWB_LOG_DEBUG);
}

static void
release_logs(void)
{
    log_set_sink(NULL, NULL, AIWB_LOG_INFO);
}

static void
defaults(void **state)
{
    static const char *const none[] = {NULL};
    struct aiwb_options *o = parse_ok(none);

    (void)state;
    assert_true(options_real(o, "C") == 1.0);
    assert_int_equal(options_int(o, "max_iter"), 100);
    assert_true(options_real(o, "tol") == 1e-4);
    assert_string_equal(options_str(o, "penalty"), "l2");
    assert_int_equal(options_bool(o, "verbose"), 0);
    assert_null(options_str(o, "label"));
    assert_true(options_real(o, "frac") == 0.0);
    assert_int_equal(options_int(o, "shift"), 0);
    assert_int_equal(options_int(o, "seed"), 0);
    for (size_t i = 0; logistic[i].name != NULL; i++)
        assert_false(options_given(o, logistic[i].name));
    options_free(o);
    options_free(NULL);
}

static void
every_type(void **state)
{
    static const char *const words[] = {"tol=1e-6", "C=0.5", "max_iter=7", "penalty=l1",
                                        "verbose=yes", "label=hello world", "frac=1",
                                        "shift=-3", "seed=-9223372036854775808", NULL};
    struct aiwb_options *o = parse_ok(words);

    (void)state;
    assert_true(options_real(o, "C") == 0.5);
    assert_int_equal(options_int(o, "max_iter"), 7);
    assert_true(options_real(o, "tol") == 1e-6);
    assert_string_equal(options_str(o, "penalty"), "l1");
    assert_int_equal(options_bool(o, "verbose"), 1);
    assert_string_equal(options_str(o, "label"), "hello world");
    assert_true(options_real(o, "frac") == 1.0);
    assert_int_equal(options_int(o, "shift"), -3);
    assert_true(options_int(o, "seed") == INT64_MIN);
    /* An integer option reads as a real too. */
    assert_true(options_real(o, "max_iter") == 7.0);
    for (size_t i = 0; logistic[i].name != NULL; i++)
        assert_true(options_given(o, logistic[i].name));
    options_free(o);
}

static void
bool_words(void **state)
{
    static const char *const yes[] = {"true", "yes", "on", "1", "TRUE", "Yes", "ON"};
    static const char *const no[] = {"false", "no", "off", "0", "FALSE", "No", "Off"};
    static const char *const bare[] = {"verbose", NULL};
    char word[32];
    const char *words[] = {word, NULL};
    struct aiwb_options *o;

    (void)state;
    for (size_t i = 0; i < LEN(yes); i++) {
        snprintf(word, sizeof word, "verbose=%s", yes[i]);
        o = parse_ok(words);
        assert_int_equal(options_bool(o, "verbose"), 1);
        options_free(o);
        snprintf(word, sizeof word, "verbose=%s", no[i]);
        o = parse_ok(words);
        assert_int_equal(options_bool(o, "verbose"), 0);
        assert_true(options_given(o, "verbose"));
        options_free(o);
    }
    /* A bare bool word means true. */
    o = parse_ok(bare);
    assert_int_equal(options_bool(o, "verbose"), 1);
    assert_true(options_given(o, "verbose"));
    options_free(o);
    {
        static const char *const maybe[] = {"verbose=maybe", NULL};
        static const char *const empty[] = {"verbose=", NULL};
        static const char *const say[] = {"true", "false", NULL};

        refused_like(maybe, "logistic: verbose must be ", say);
        refused_like(maybe, "logistic: verbose must be ", (const char *const[]){", not 'maybe'",
                                                                               NULL});
        refused_like(empty, "logistic: verbose must be ", (const char *const[]){"not ''", NULL});
    }
}

static void
bounds(void **state)
{
    static const char *const ok_words[][2] = {
        {"C=0", NULL}, {"C=1e300", NULL}, {"max_iter=1", NULL},
        {"max_iter=9223372036854775807", NULL}, {"frac=0", NULL}, {"frac=1", NULL},
        {"frac=0.5", NULL}, {"shift=0", NULL}, {"shift=-1000000", NULL}, {"seed=-5", NULL},
        {"tol=+2", NULL}, {"C=.5", NULL},
    };

    (void)state;
    for (size_t i = 0; i < LEN(ok_words); i++)
        options_free(parse_ok(ok_words[i]));

    refused((const char *const[]){"C=abc", NULL}, "logistic: C must be a number >= 0, not 'abc'");
    refused((const char *const[]){"C=-1", NULL}, "logistic: C must be a number >= 0, not '-1'");
    refused((const char *const[]){"C=-0.001", NULL},
            "logistic: C must be a number >= 0, not '-0.001'");
    /* Numbers are finite, whole and nothing else. */
    refused((const char *const[]){"C=inf", NULL}, "logistic: C must be a number >= 0, not 'inf'");
    refused((const char *const[]){"C=nan", NULL}, "logistic: C must be a number >= 0, not 'nan'");
    refused((const char *const[]){"C=1e999", NULL},
            "logistic: C must be a number >= 0, not '1e999'");
    refused((const char *const[]){"C=", NULL}, "logistic: C must be a number >= 0, not ''");
    refused((const char *const[]){"C= 1", NULL}, "logistic: C must be a number >= 0, not ' 1'");
    refused((const char *const[]){"C=1,5", NULL}, "logistic: C must be a number >= 0, not '1,5'");
    refused((const char *const[]){"C=0x10", NULL},
            "logistic: C must be a number >= 0, not '0x10'");
    {
        static const char *const ge1[] = {"integer", ">= 1", NULL};
        static const char *const unit[] = {"number", "0", "1", NULL};
        static const char *const le0[] = {"integer", "<= 0", NULL};
        static const char *const integer[] = {"integer", NULL};

        refused_like((const char *const[]){"max_iter=0", NULL}, "logistic: max_iter must be ",
                     ge1);
        refused_like((const char *const[]){"max_iter=1.5", NULL}, "logistic: max_iter must be ",
                     ge1);
        refused_like((const char *const[]){"max_iter=1e3", NULL}, "logistic: max_iter must be ",
                     ge1);
        refused_like((const char *const[]){"max_iter=ten", NULL}, "logistic: max_iter must be ",
                     (const char *const[]){"not 'ten'", NULL});
        refused_like((const char *const[]){"max_iter=9223372036854775808", NULL},
                     "logistic: max_iter must be ",
                     (const char *const[]){"not '9223372036854775808'", NULL});
        refused_like((const char *const[]){"max_iter=", NULL}, "logistic: max_iter must be ",
                     (const char *const[]){"not ''", NULL});
        refused_like((const char *const[]){"frac=1.0000001", NULL}, "logistic: frac must be ",
                     unit);
        refused_like((const char *const[]){"frac=-0.5", NULL}, "logistic: frac must be ", unit);
        refused_like((const char *const[]){"shift=1", NULL}, "logistic: shift must be ", le0);
        refused_like((const char *const[]){"seed=1.0", NULL}, "logistic: seed must be ", integer);
        refused_like((const char *const[]){"seed=0x10", NULL}, "logistic: seed must be ",
                     integer);
    }
}

/* An integer is read as strictly as a number: "C= 1" is refused, so
 * "max_iter= 1" must be too (strtoll() would skip the space). */
static void
integers_refuse_spaces(void **state)
{
    static const char *const ge1[] = {"integer", "not ' 5'", NULL};

    (void)state;
    refused_like((const char *const[]){"max_iter= 5", NULL}, "logistic: max_iter must be ", ge1);
    refused_like((const char *const[]){"seed=\t5", NULL}, "logistic: seed must be ", NULL);
    refused_like((const char *const[]){"seed=5 ", NULL}, "logistic: seed must be ", NULL);
}

static void
choices_and_strings(void **state)
{
    static const char *const choices[] = {"l1|l2|elasticnet", "not 'l3'", NULL};
    struct aiwb_options *o;

    (void)state;
    o = parse_ok((const char *const[]){"penalty=elasticnet", NULL});
    assert_string_equal(options_str(o, "penalty"), "elasticnet");
    options_free(o);
    refused_like((const char *const[]){"penalty=l3", NULL}, "logistic: penalty must be ",
                 choices);
    /* Whole words only, and case counts. */
    refused_like((const char *const[]){"penalty=l", NULL}, "logistic: penalty must be ", NULL);
    refused_like((const char *const[]){"penalty=l1|l2", NULL}, "logistic: penalty must be ",
                 NULL);
    refused_like((const char *const[]){"penalty=L1", NULL}, "logistic: penalty must be ", NULL);
    refused_like((const char *const[]){"penalty=", NULL}, "logistic: penalty must be ", NULL);
    /* A string takes anything, "=" included; the first "=" ends the name. */
    o = parse_ok((const char *const[]){"label=a=b", NULL});
    assert_string_equal(options_str(o, "label"), "a=b");
    options_free(o);
    o = parse_ok((const char *const[]){"label=", NULL});
    assert_string_equal(options_str(o, "label"), "");
    assert_true(options_given(o, "label"));
    options_free(o);
}

static void
refusals(void **state)
{
    char *cause;

    (void)state;
    refused((const char *const[]){"foo=1", NULL},
            "logistic has no option 'foo' (its options: C, max_iter, tol, penalty, verbose, "
            "label, frac, shift, seed)");
    /* Names are case-sensitive. */
    refused((const char *const[]){"c=1", NULL},
            "logistic has no option 'c' (its options: C, max_iter, tol, penalty, verbose, "
            "label, frac, shift, seed)");
    refused_like((const char *const[]){"C=1", "tol=1", "C=2", NULL}, "logistic: ",
                 (const char *const[]){"'C'", "twice", NULL});
    refused_like((const char *const[]){"verbose", "verbose=no", NULL}, "logistic: ",
                 (const char *const[]){"'verbose'", "twice", NULL});
    /* A non-bool option without a value. */
    refused_like((const char *const[]){"C", NULL}, "logistic: ",
                 (const char *const[]){"'C'", "value", NULL});
    refused_like((const char *const[]){"label", NULL}, "logistic: ",
                 (const char *const[]){"'label'", "value", NULL});
    /* The first bad word is the one reported. */
    refused_like((const char *const[]){"C=x", "foo=1", NULL}, "logistic: C must be ", NULL);

    /* A component without options. */
    cause = NULL;
    assert_null(options_parse("noop", NULL, 1, (char *const[]){"foo=1"}, &cause));
    assert_non_null(cause);
    assert_non_null(strstr(cause, "noop"));
    assert_non_null(strstr(cause, "'foo'"));
    free(cause);
    {
        struct aiwb_options *o = options_parse("noop", NULL, 0, NULL, &cause);
        char *text = options_format(o, 1);

        assert_non_null(o);
        assert_string_equal(text, "");
        free(text);
        options_free(o);
    }
}

/* A default that its own spec refuses is a bug in the component; it is
 * reported, not taken. */
static void
bad_default(void **state)
{
    static const struct aiwb_option_spec spec[] = {
        {.name = "k",
         .type = AIWB_OPT_INT,
         .def = "0",
         .min = 1,
         .max = 10,
         .help = "neighbours"},
        {.name = NULL},
    };
    char *cause = NULL;

    (void)state;
    assert_null(options_parse("knn", spec, 0, NULL, &cause));
    assert_non_null(cause);
    assert_non_null(strstr(cause, "knn"));
    assert_non_null(strstr(cause, "k must be"));
    assert_non_null(strstr(cause, "'0'"));
    free(cause);
}

static void
format(void **state)
{
    struct aiwb_options *o;
    char *text;

    (void)state;
    o = parse_ok((const char *const[]){"tol=1e-6", "C=0.50", NULL});
    /* In spec order, as typed. */
    text = options_format(o, 0);
    assert_string_equal(text, "C=0.50 tol=1e-6");
    free(text);
    /* With every default; options without a value are left out. */
    text = options_format(o, 1);
    assert_string_equal(text, "C=0.50 max_iter=100 tol=1e-6 penalty=l2 verbose=false shift=0");
    free(text);
    options_free(o);

    o = parse_ok((const char *const[]){NULL});
    text = options_format(o, 0);
    assert_string_equal(text, "");
    free(text);
    options_free(o);

    /* A bare bool word comes back with its value. */
    o = parse_ok((const char *const[]){"verbose", NULL});
    text = options_format(o, 0);
    assert_string_equal(text, "verbose=true");
    free(text);
    options_free(o);

    /* Values that would not read back as one word are quoted. */
    o = parse_ok((const char *const[]){"label=hello world", NULL});
    text = options_format(o, 0);
    assert_string_equal(text, "label='hello world'");
    free(text);
    options_free(o);
    o = parse_ok((const char *const[]){"label=it's", NULL});
    text = options_format(o, 0);
    assert_string_equal(text, "label=\"it's\"");
    free(text);
    options_free(o);
    o = parse_ok((const char *const[]){"label=", NULL});
    text = options_format(o, 0);
    assert_string_equal(text, "label=''");
    free(text);
    options_free(o);
    o = parse_ok((const char *const[]){"label=a;b", NULL});
    text = options_format(o, 0);
    assert_string_equal(text, "label='a;b'");
    free(text);
    options_free(o);
}

/* options_words() gives back words that options_parse() reads to the same
 * options, whatever the values hold. */
static void
words_read_back(void **state)
{
    static const char *const given[] = {"C=2.5", "label=it's \"quoted\" ; (here)", "verbose",
                                        "frac=0", NULL};
    struct aiwb_options *o = parse_ok(given), *again;
    char **words, *a, *b, *cause = NULL;
    size_t n = 99;

    (void)state;
    words = options_words(o, 0, &n);
    assert_int_equal(n, 4);
    assert_null(words[4]);
    assert_string_equal(words[0], "C=2.5");
    assert_string_equal(words[1], "verbose=true");
    assert_string_equal(words[2], "label=it's \"quoted\" ; (here)");
    assert_string_equal(words[3], "frac=0");
    options_words_free(words);

    words = options_words(o, 1, &n);
    assert_int_equal(n, 8);
    again = options_parse("logistic", logistic, n, words, &cause);
    assert_non_null(again);
    a = options_format(o, 1);
    b = options_format(again, 1);
    assert_string_equal(a, b);
    assert_string_equal(options_str(again, "label"), "it's \"quoted\" ; (here)");
    free(a);
    free(b);
    options_words_free(words);
    options_free(again);
    options_free(o);
    options_words_free(NULL);
}

static void
undeclared_accessors(void **state)
{
    static const char *const none[] = {NULL};
    struct aiwb_options *o = parse_ok(none);

    (void)state;
    capture_logs();
    assert_int_equal(options_int(o, "nope"), 0);
    assert_true(options_real(o, "nope") == 0.0);
    assert_int_equal(options_bool(o, "nope"), 0);
    assert_null(options_str(o, "nope"));
    assert_int_equal(options_given(o, "nope"), 0);
    release_logs();
    assert_int_equal(nlogged, 5);
    assert_non_null(strstr(logged, "'nope'"));
    assert_non_null(strstr(logged, "logistic"));
    /* Asking for an option as another type is a bug of the same kind. */
    capture_logs();
    assert_int_equal(options_int(o, "C"), 0);
    assert_int_equal(options_bool(o, "max_iter"), 0);
    release_logs();
    assert_int_equal(nlogged, 2);
    assert_non_null(strstr(logged, "'C'"));
    assert_non_null(strstr(logged, "'max_iter'"));
    /* A declared option answers without a word in the log. */
    capture_logs();
    assert_int_equal(options_int(o, "max_iter"), 100);
    assert_false(options_given(o, "max_iter"));
    release_logs();
    assert_int_equal(nlogged, 0);
    options_free(o);
}

static void
spec_find(void **state)
{
    (void)state;
    assert_ptr_equal(options_spec_find(logistic, "tol"), &logistic[2]);
    assert_ptr_equal(options_spec_find(logistic, "seed"), &logistic[8]);
    assert_null(options_spec_find(logistic, "TOL"));
    assert_null(options_spec_find(logistic, ""));
    assert_null(options_spec_find(NULL, "tol"));
}

/* Whether SP is described as WANT; says what it got if not. */
static int
describes_as(const struct aiwb_option_spec *sp, const char *want)
{
    char *text = options_spec_describe(sp);
    int same = strcmp(text, want) == 0;

    if (!same)
        fprintf(stderr, "# options_spec_describe(%s): want \"%s\", got \"%s\"\n", sp->name, want,
                text);
    free(text);
    return same;
}

static void
assert_describe_holds(const struct aiwb_option_spec *sp, const char *const *parts)
{
    char *text = options_spec_describe(sp);

    for (size_t i = 0; parts[i] != NULL; i++) {
        if (strstr(text, parts[i]) == NULL)
            fprintf(stderr, "# \"%s\" does not say \"%s\"\n", text, parts[i]);
        assert_non_null(strstr(text, parts[i]));
    }
    free(text);
}

/* What a description must say, whatever its wording. */
static void
describe_content(void **state)
{
    static const struct aiwb_option_spec between = {.name = "k",
        .type = AIWB_OPT_INT,
        .min = 1,
        .max = 10};
    static const struct aiwb_option_spec real = {.name = "alpha",
        .type = AIWB_OPT_REAL,
        .min = 0.25,
        .max = 0.75};

    (void)state;
    assert_describe_holds(&logistic[0], (const char *const[]){"number", ">= 0", NULL});
    assert_describe_holds(&logistic[1], (const char *const[]){"integer", ">= 1", NULL});
    assert_describe_holds(&logistic[3], (const char *const[]){"l1|l2|elasticnet", NULL});
    assert_describe_holds(&logistic[4], (const char *const[]){"true", "false", NULL});
    assert_describe_holds(&logistic[7], (const char *const[]){"integer", "<= 0", NULL});
    assert_describe_holds(&logistic[8], (const char *const[]){"integer", NULL});
    assert_describe_holds(&between, (const char *const[]){"integer", "1", "10", NULL});
    assert_describe_holds(&real, (const char *const[]){"number", "0.25", "0.75", NULL});
}

/* The examples options.h gives for options_spec_describe(). */
static void
describe_header_examples(void **state)
{
    static const struct aiwb_option_spec strategy = {.name = "strategy",
        .type = AIWB_OPT_CHOICE,
        .def = "mean",
        .choices = "mean|median|most_frequent"};

    int same = 1;

    (void)state;
    same &= describes_as(&logistic[0], "a number >= 0");
    same &= describes_as(&strategy, "one of mean|median|most_frequent");
    same &= describes_as(&logistic[4], "true or false");
    assert_true(same);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults),
        cmocka_unit_test(every_type),
        cmocka_unit_test(bool_words),
        cmocka_unit_test(bounds),
        cmocka_unit_test(integers_refuse_spaces),
        cmocka_unit_test(choices_and_strings),
        cmocka_unit_test(refusals),
        cmocka_unit_test(bad_default),
        cmocka_unit_test(format),
        cmocka_unit_test(words_read_back),
        cmocka_unit_test(undeclared_accessors),
        cmocka_unit_test(spec_find),
        cmocka_unit_test(describe_content),
        cmocka_unit_test(describe_header_examples),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
