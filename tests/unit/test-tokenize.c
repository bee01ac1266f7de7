/*
 * test-tokenize.c - command lines into commands and words (src/repl/tokenize.h): quotes,
 * comments, parentheses, errors with their column, option lists, and quoting that reads
 * back to the same word.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "repl/tokenize.h"
#include "testutil.h"

#define MAXW 16

/* What LINE should give: up to 4 commands of up to MAXW words, NULL-terminated. */
struct want {
    const char *text;
    const char *words[MAXW];
};

/* Tokenize LINE and compare with the N commands in WANT. */
#define assert_tokens(line, ...)                                                             \
    do {                                                                                     \
        const struct want want_[] = {__VA_ARGS__};                                           \
        assert_tokens_((line), want_, sizeof want_ / sizeof want_[0], __FILE__, __LINE__);  \
    } while (0)

static void
assert_tokens_(const char *line, const struct want *want, size_t nwant, const char *file,
               int lineno)
{
    struct cmdline *cmds = NULL;
    size_t n = 0;
    char *cause = NULL;

    if (tokenize_line(line, &cmds, &n, &cause) != 0) {
        print_error("tokenize_line(\"%s\") failed: %s\n", line, cause);
        _fail(file, lineno);
    }
    if (nwant == 1 && want[0].text == NULL)
        nwant = 0; /* a line of no commands */
    if (n != nwant) {
        print_error("tokenize_line(\"%s\"): %zu commands, want %zu\n", line, n, nwant);
        _fail(file, lineno);
    }
    for (size_t c = 0; c < n; c++) {
        size_t argc = 0;

        while (want[c].words[argc] != NULL)
            argc++;
        if (strcmp(cmds[c].text, want[c].text) != 0) {
            print_error("\"%s\" command %zu: text \"%s\", want \"%s\"\n", line, c,
                        cmds[c].text, want[c].text);
            _fail(file, lineno);
        }
        if (cmds[c].argc != argc) {
            print_error("\"%s\" command %zu: %zu words, want %zu\n", line, c, cmds[c].argc,
                        argc);
            for (size_t i = 0; i < cmds[c].argc; i++)
                print_error("  [%zu] \"%s\"\n", i, cmds[c].argv[i]);
            _fail(file, lineno);
        }
        for (size_t i = 0; i < argc; i++)
            if (strcmp(cmds[c].argv[i], want[c].words[i]) != 0) {
                print_error("\"%s\" command %zu word %zu: \"%s\", want \"%s\"\n", line, c, i,
                            cmds[c].argv[i], want[c].words[i]);
                _fail(file, lineno);
            }
        if (cmds[c].argv[argc] != NULL) {
            print_error("\"%s\" command %zu: argv not NULL-terminated\n", line, c);
            _fail(file, lineno);
        }
    }
    tokenize_free(cmds, n);
}

#define NONE {NULL, {NULL}}

/* Tokenizing LINE fails with a message containing WANT. */
#define assert_token_error(line, want) assert_token_error_((line), (want), __FILE__, __LINE__)
static void
assert_token_error_(const char *line, const char *want, const char *file, int lineno)
{
    struct cmdline *cmds = (struct cmdline *)1;
    size_t n = 99;
    char *cause = NULL;

    if (tokenize_line(line, &cmds, &n, &cause) == 0) {
        print_error("tokenize_line(\"%s\") succeeded, want \"%s\"\n", line, want);
        tokenize_free(cmds, n);
        _fail(file, lineno);
    }
    if (cmds != NULL || n != 0) {
        print_error("tokenize_line(\"%s\") failed but left %zu commands\n", line, n);
        _fail(file, lineno);
    }
    if (cause == NULL || strstr(cause, want) == NULL) {
        print_error("tokenize_line(\"%s\"): \"%s\", want \"%s\"\n", line,
                    cause ? cause : "(null)", want);
        _fail(file, lineno);
    }
    free(cause);
}

/* ---- Words and commands --------------------------------------------------------------- */

static void
test_words(void **unused)
{
    (void)unused;
    assert_tokens("load iris datasets/iris.csv",
                  {"load iris datasets/iris.csv", {"load", "iris", "datasets/iris.csv"}});
    assert_tokens("  head \t iris   5  ", {"head \t iris   5", {"head", "iris", "5"}});
    assert_tokens("\thelp\r\n", {"help", {"help"}});
    assert_tokens("x", {"x", {"x"}});
    assert_tokens("", NONE);
    assert_tokens("   \t ", NONE);
    /* Backslashes outside quotes are plain characters. */
    assert_tokens("load d C:\\data\\x.csv", {"load d C:\\data\\x.csv", {"load", "d",
                                                                        "C:\\data\\x.csv"}});
    /* Non-ASCII bytes are word characters. */
    assert_tokens("load données é.csv", {"load données é.csv", {"load", "données", "é.csv"}});
}

static void
test_commands(void **unused)
{
    (void)unused;
    assert_tokens("load a x.csv; head a ;describe a",
                  {"load a x.csv", {"load", "a", "x.csv"}}, {"head a", {"head", "a"}},
                  {"describe a", {"describe", "a"}});
    assert_tokens("a;b", {"a", {"a"}}, {"b", {"b"}});
    assert_tokens(";; ; help;;", {"help", {"help"}});
    assert_tokens(";", NONE);
    assert_tokens(" ; ; ", NONE);
    assert_tokens("runs;", {"runs", {"runs"}});
}

static void
test_comments(void **unused)
{
    (void)unused;
    assert_tokens("# a comment", NONE);
    assert_tokens("   #", NONE);
    assert_tokens("head a # the first rows", {"head a", {"head", "a"}});
    assert_tokens("head a; # help; quit", {"head a", {"head", "a"}});
    assert_tokens("head a ;# help", {"head a", {"head", "a"}});
    assert_tokens("x;#", {"x", {"x"}});
    /* Only at the start of a word. */
    assert_tokens("a#b c#", {"a#b c#", {"a#b", "c#"}});
    /* Not inside quotes or parentheses. */
    assert_tokens("say '# not' \"#\" # yes", {"say '# not' \"#\"", {"say", "# not", "#"}});
    assert_tokens("f(#x) # y", {"f(#x)", {"f(#x)"}});
}

static void
test_quotes(void **unused)
{
    (void)unused;
    assert_tokens("split d where='a b'", {"split d where='a b'", {"split", "d", "where=a b"}});
    assert_tokens("'a b' \"c d\"", {"'a b' \"c d\"", {"a b", "c d"}});
    /* Pieces glue into one word. */
    assert_tokens("a'b'\"c\"d", {"a'b'\"c\"d", {"abcd"}});
    assert_tokens("'it'\"'\"'s'", {"'it'\"'\"'s'", {"it's"}});
    /* \" and \\ in double quotes; any other backslash stays. */
    assert_tokens("\"a \\\"b\\\" \\\\ c\"", {"\"a \\\"b\\\" \\\\ c\"", {"a \"b\" \\ c"}});
    assert_tokens("\"a\\nb\"", {"\"a\\nb\"", {"a\\nb"}});
    /* Single quotes keep everything. */
    assert_tokens("'a\\'", {"'a\\'", {"a\\"}});
    assert_tokens("'\"'", {"'\"'", {"\""}});
    /* Empty quotes are an empty word. */
    assert_tokens("x '' \"\"", {"x '' \"\"", {"x", "", ""}});
    /* Separators inside quotes are text. */
    assert_tokens("say 'a;b' c; d", {"say 'a;b' c", {"say", "a;b", "c"}}, {"d", {"d"}});
    assert_tokens("say '(' \")\"", {"say '(' \")\"", {"say", "(", ")"}});
    assert_tokens("'a\tb'", {"'a\tb'", {"a\tb"}});
}

static void
test_parentheses(void **unused)
{
    (void)unused;
    assert_tokens("train ols on d with impute(strategy=median, fill_value='a b')",
                  {"train ols on d with impute(strategy=median, fill_value='a b')",
                   {"train", "ols", "on", "d", "with",
                    "impute(strategy=median, fill_value='a b')"}});
    /* Nested, with separators and both quotes inside, kept as typed. */
    assert_tokens("f(a(b c) d)", {"f(a(b c) d)", {"f(a(b c) d)"}});
    assert_tokens("f(a;b) ; g", {"f(a;b)", {"f(a;b)"}}, {"g", {"g"}});
    assert_tokens("f(a=\"x\\\"y)\", b='(')",
                  {"f(a=\"x\\\"y)\", b='(')", {"f(a=\"x\\\"y)\", b='(')"}});
    assert_tokens("with impute(strategy=median),standardize as m",
                  {"with impute(strategy=median),standardize as m",
                   {"with", "impute(strategy=median),standardize", "as", "m"}});
    assert_tokens("with a(b c),d(e f) x",
                  {"with a(b c),d(e f) x", {"with", "a(b c),d(e f)", "x"}});
    assert_tokens("(a b)", {"(a b)", {"(a b)"}});
    assert_tokens("x() y", {"x() y", {"x()", "y"}});
    /* A quoted word next to parentheses: quotes outside go, quotes inside stay. */
    assert_tokens("'a b'(c 'd')", {"'a b'(c 'd')", {"a b(c 'd')"}});
}

static void
test_errors(void **unused)
{
    (void)unused;
    assert_token_error("load 'abc", "column 6: unterminated quote");
    assert_token_error("x \"ab", "column 3: unterminated quote");
    assert_token_error("x \"a\\\"", "column 3: unterminated quote");
    assert_token_error("help; load d 'x", "column 14: unterminated quote");
    assert_token_error("f(a 'b)", "column 5: unterminated quote");
    assert_token_error(")", "column 1:");
    assert_token_error("a b)", "column 4:");
    assert_token_error("f(a))", "column 5:");
    /* An unclosed parenthesis is reported where it opens. */
    assert_token_error("f(a b", "column 2:");
    assert_token_error("with impute(strategy=median", "column 12:");
    assert_token_error("x f(g(a)", "column 4:");
}

/* ---- Option lists --------------------------------------------------------------------- */

/* tokenize_args of TEXT gives the NULL-terminated words WANT. */
#define assert_args(text, ...)                                                               \
    do {                                                                                     \
        const char *const want_[] = {__VA_ARGS__, NULL};                                     \
        assert_args_((text), strlen(text), want_, __FILE__, __LINE__);                      \
    } while (0)

static void
assert_args_(const char *text, size_t len, const char *const *want, const char *file,
             int line)
{
    char **words = NULL, *cause = NULL;
    size_t n = 99, nwant = 0;

    while (want[nwant] != NULL)
        nwant++;
    if (tokenize_args(text, len, &words, &n, &cause) != 0) {
        print_error("tokenize_args(\"%s\") failed: %s\n", text, cause);
        _fail(file, line);
    }
    if (n != nwant) {
        print_error("tokenize_args(\"%s\"): %zu words, want %zu\n", text, n, nwant);
        for (size_t i = 0; i < n; i++)
            print_error("  [%zu] \"%s\"\n", i, words[i]);
        _fail(file, line);
    }
    for (size_t i = 0; i < n; i++)
        if (strcmp(words[i], want[i]) != 0) {
            print_error("tokenize_args(\"%s\") word %zu: \"%s\", want \"%s\"\n", text, i,
                        words[i], want[i]);
            _fail(file, line);
        }
    if (words[n] != NULL) {
        print_error("tokenize_args(\"%s\"): not NULL-terminated\n", text);
        _fail(file, line);
    }
    tokenize_words_free(words);
}

static void
assert_args_error(const char *text, const char *want)
{
    char **words = NULL, *cause = NULL;
    size_t n = 0;

    if (tokenize_args(text, strlen(text), &words, &n, &cause) == 0) {
        tokenize_words_free(words);
        fail_msg("tokenize_args(\"%s\") succeeded, want \"%s\"", text, want);
    }
    if (cause == NULL || strstr(cause, want) == NULL)
        fail_msg("tokenize_args(\"%s\"): \"%s\", want \"%s\"", text, cause ? cause : "(null)",
                 want);
    free(cause);
}

static void
test_args(void **unused)
{
    (void)unused;
    assert_args("strategy=median, fill_value='a b'", "strategy=median", "fill_value=a b");
    assert_args("a=1,b=2", "a=1", "b=2");
    assert_args("  a=1 ,  b=2  ", "a=1", "b=2");
    assert_args("a=\"x,y\",b='\"'", "a=x,y", "b=\"");
    assert_args("a=\"\\\"q\\\\\"", "a=\"q\\");
    assert_args("fill_value=''", "fill_value=");
    assert_args("k=v", "k=v");

    /* Nothing at all is no words. */
    {
        char **words = NULL, *cause = NULL;
        size_t n = 99;

        assert_int_equal(tokenize_args("  ", 2, &words, &n, &cause), 0);
        assert_int_equal(n, 0);
        assert_non_null(words);
        assert_null(words[0]);
        tokenize_words_free(words);
        assert_int_equal(tokenize_args("", 0, &words, &n, &cause), 0);
        assert_int_equal(n, 0);
        tokenize_words_free(words);
    }
    /* Only LEN bytes are read: the inside of "impute(a=1,b=2)". */
    {
        const char *word = "impute(a=1,b=2)";
        const char *const want[] = {"a=1", "b=2", NULL};

        assert_args_(word + 7, 7, want, __FILE__, __LINE__);
    }

    assert_args_error("a=1,,b=2", "empty");
    assert_args_error(",a=1", "empty");
    assert_args_error("a=1,", "empty");
    assert_args_error(" , ", "empty");
    assert_args_error("a='x", "unterminated quote");
    assert_args_error("a=\"x", "unterminated quote");
}

/* Spaces inside quotes are part of the value, at its end too. */
static void
test_args_quoted_spaces(void **unused)
{
    (void)unused;
    assert_args("fill_value=' a '", "fill_value= a ");
    assert_args("fill_value=\"x \" , b=1", "fill_value=x ", "b=1");
}

/* Commas split only at the top level, not inside nested parentheses. */
static void
test_args_nested(void **unused)
{
    (void)unused;
    assert_args("a=f(x,y),b=2", "a=f(x,y)", "b=2");
}

/* ---- Quoting --------------------------------------------------------------------------- */

/* tokenize_quote(WORD) reads back as the one word WORD, alone and amid others. */
static void
assert_round_trip(const char *word)
{
    char *q = tokenize_quote(word), *line, *cause = NULL;
    struct cmdline *cmds = NULL;
    size_t n = 0;

    assert_non_null(q);
    if (tokenize_line(q, &cmds, &n, &cause) != 0)
        fail_msg("\"%s\" quoted as \"%s\" does not tokenize: %s", word, q, cause);
    if (n != 1 || cmds[0].argc != 1 || strcmp(cmds[0].argv[0], word) != 0)
        fail_msg("\"%s\" quoted as \"%s\" reads back as %zu commands, first \"%s\"", word, q, n,
                 n > 0 && cmds[0].argc > 0 ? cmds[0].argv[0] : "");
    tokenize_free(cmds, n);

    line = malloc(2 * strlen(q) + 16);
    sprintf(line, "cmd %s %s;x", q, q);
    if (tokenize_line(line, &cmds, &n, &cause) != 0)
        fail_msg("\"%s\" does not tokenize: %s", line, cause);
    if (n != 2 || cmds[0].argc != 3 || strcmp(cmds[0].argv[1], word) != 0 ||
        strcmp(cmds[0].argv[2], word) != 0)
        fail_msg("\"%s\" does not read back as cmd, the word twice, then x", line);
    tokenize_free(cmds, n);
    free(line);
    free(q);
}

static void
test_quote(void **unused)
{
    static const char *const tricky[] = {
        "",          "a b",        "it's",      "say \"hi\"",  "back\\slash", "both ' and \"",
        "#hash",     "a#b",        "semi;colon", "(paren",     "paren)",      "f(x, y)",
        "\\",        "\\\"",       "'\\\"",     "tab\there",   "new\nline",   "'",
        "\"",        "''",         "plain",     "x=y",         "--",          "ünïcödé",
        " lead",     "trail ",     "\\\\'\"",   ";",           "#",           "()",
    };
    char *q;

    (void)unused;
    for (size_t i = 0; i < sizeof tricky / sizeof tricky[0]; i++)
        assert_round_trip(tricky[i]);

    /* Plain words stay as they are; others get the lightest quotes. */
    q = tokenize_quote("iris.csv");
    assert_string_equal(q, "iris.csv");
    free(q);
    q = tokenize_quote("a b");
    assert_string_equal(q, "'a b'");
    free(q);
    q = tokenize_quote("");
    assert_string_equal(q, "''");
    free(q);
}

/* A deterministic generator (PCG-style LCG). */
static uint64_t rng = 2024;

static unsigned
rnd(unsigned n)
{
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (unsigned)((rng >> 33) % n);
}

static void
random_word(char *buf, size_t max)
{
    static const char alphabet[] = "ab ;#'\"\\()\t=,x\n";
    size_t len = rnd((unsigned)max);

    for (size_t i = 0; i < len; i++)
        buf[i] = alphabet[rnd(sizeof alphabet - 1)];
    buf[len] = '\0';
}

static void
test_quote_fuzz(void **unused)
{
    char word[5][16], line[512];

    (void)unused;
    for (int t = 0; t < 20000; t++) {
        random_word(word[0], 13);
        assert_round_trip(word[0]);
    }

    /* Lines of quoted random words: every word comes back, in its command. */
    for (int t = 0; t < 5000; t++) {
        size_t nw = 1 + rnd(5), len = 0, split = rnd((unsigned)nw);
        struct cmdline *cmds = NULL;
        size_t n = 0;
        char *cause = NULL;

        for (size_t i = 0; i < nw; i++) {
            char *q;

            random_word(word[i], 13);
            q = tokenize_quote(word[i]);
            len += (size_t)snprintf(line + len, sizeof line - len, "%s%s",
                                    i == 0 ? "" : i == split ? " ; " : " ", q);
            free(q);
        }
        if (tokenize_line(line, &cmds, &n, &cause) != 0)
            fail_msg("\"%s\" does not tokenize: %s", line, cause);
        {
            size_t c = 0, k = 0;

            for (size_t i = 0; i < nw; i++) {
                if (split > 0 && i == split) {
                    c++;
                    k = 0;
                }
                if (c >= n || k >= cmds[c].argc || strcmp(cmds[c].argv[k], word[i]) != 0)
                    fail_msg("\"%s\": word %zu \"%s\" did not come back", line, i, word[i]);
                k++;
            }
            if (n != (split > 0 ? 2u : 1u))
                fail_msg("\"%s\": %zu commands", line, n);
        }
        tokenize_free(cmds, n);
    }
}

/* Random lines: a clean result or an error naming a column within the line. */
static void
test_line_fuzz(void **unused)
{
    char line[32];

    (void)unused;
    for (int t = 0; t < 50000; t++) {
        struct cmdline *cmds = NULL;
        size_t n = 0, len;
        char *cause = NULL;

        random_word(line, sizeof line - 1);
        len = strlen(line);
        if (tokenize_line(line, &cmds, &n, &cause) != 0) {
            unsigned long col = 0;

            assert_null(cmds);
            if (cause == NULL || sscanf(cause, "column %lu:", &col) != 1 || col < 1 ||
                col > len)
                fail_msg("\"%s\": error \"%s\"", line, cause ? cause : "(null)");
            free(cause);
            continue;
        }
        for (size_t c = 0; c < n; c++) {
            const char *text = cmds[c].text;
            size_t tl = strlen(text);

            assert_true(cmds[c].argc > 0);
            assert_null(cmds[c].argv[cmds[c].argc]);
            assert_true(tl > 0);
            if (strchr(" \t\r\n", text[0]) != NULL || strchr(" \t\r\n", text[tl - 1]) != NULL)
                fail_msg("\"%s\": command text \"%s\" not trimmed", line, text);
            if (strstr(line, text) == NULL)
                fail_msg("\"%s\": command text \"%s\" is not part of the line", line, text);
        }
        tokenize_free(cmds, n);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_words),
        cmocka_unit_test(test_commands),
        cmocka_unit_test(test_comments),
        cmocka_unit_test(test_quotes),
        cmocka_unit_test(test_parentheses),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_args),
        cmocka_unit_test(test_args_quoted_spaces),
        cmocka_unit_test(test_args_nested),
        cmocka_unit_test(test_quote),
        cmocka_unit_test(test_quote_fuzz),
        cmocka_unit_test(test_line_fuzz),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
