/*
 * test-cmd.c - the command table (src/repl/cmd.h): every entry complete and consistent,
 * lookup by name, alias and prefix, argument checks, help, the shared parsers, and Tab
 * completion (src/repl/complete.h) driven by the same table.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/registry.h"
#include "repl/cmd.h"
#include "repl/complete.h"
#include "repl/session.h"
#include "repl/tokenize.h"
#include "repl/view.h"
#include "store/store.h"
#include "testutil.h"

#define assert_has(s, sub) assert_has_((s), (sub), __FILE__, __LINE__)
static void
assert_has_(const char *s, const char *sub, const char *file, int line)
{
    if (s != NULL && strstr(s, sub) != NULL)
        return;
    print_error("\"%s\" does not contain \"%s\"\n", s != NULL ? s : "(null)", sub);
    _fail(file, line);
}

/* ---- A session whose output the tests read ------------------------------------------ */

struct fixture {
    struct session *s;
    char *dir;
    char *out; /* what the session printed (data and messages) */
    size_t outlen;
    char *err;
    size_t errlen;
    FILE *outf, *errf;
};

static int
setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    char *path, *cause = NULL;
    struct store *st;

    tu_load_plugins();
    fx->dir = tu_tmpdir("cmd");
    path = malloc(strlen(fx->dir) + 16);
    sprintf(path, "%s/ws.aiwb", fx->dir);
    st = store_open(path, &cause);
    if (st == NULL)
        fail_msg("store_open: %s", cause);
    free(path);
    fx->s = session_new(st, OUTPUT_TABLE, 0);
    fx->outf = open_memstream(&fx->out, &fx->outlen);
    fx->errf = open_memstream(&fx->err, &fx->errlen);
    fx->s->out.data = fx->s->out.msg = fx->outf;
    fx->s->out.err = fx->errf;
    *state = fx;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *fx = *state;

    session_free(fx->s);
    fclose(fx->outf);
    fclose(fx->errf);
    free(fx->out);
    free(fx->err);
    free(fx->dir);
    free(fx);
    return 0;
}

/* Forget what was printed so far. */
static void
clear_output(struct fixture *fx)
{
    fclose(fx->outf);
    fclose(fx->errf);
    free(fx->out);
    free(fx->err);
    fx->outf = open_memstream(&fx->out, &fx->outlen);
    fx->errf = open_memstream(&fx->err, &fx->errlen);
    fx->s->out.data = fx->s->out.msg = fx->outf;
    fx->s->out.err = fx->errf;
}

/* Run LINE (one command) in the session; the output so far is in fx->out. */
static enum cmd_retval
run(struct fixture *fx, const char *line)
{
    struct cmdline *cmds = NULL;
    size_t n = 0;
    char *cause = NULL;
    enum cmd_retval rc;

    clear_output(fx);
    if (tokenize_line(line, &cmds, &n, &cause) != 0 || n != 1)
        fail_msg("cannot tokenize \"%s\": %s", line, cause != NULL ? cause : "not 1 command");
    rc = cmd_run(fx->s, &cmds[0]);
    tokenize_free(cmds, n);
    fflush(fx->outf);
    fflush(fx->errf);
    return rc;
}

/* ---- The table ------------------------------------------------------------------------ */

/*
 * What USAGE says of the arguments after the name: *REQUIRED words outside brackets,
 * *OPTIONAL words inside them (the longest alternative of each group), or -1 when "..."
 * allows any number.
 */
static void
usage_counts(const char *usage, int *required, int *optional)
{
    char *copy = strdup(usage), *save = NULL, *w;
    int depth = 0, alt = 0, group = 0, unbounded = 0;

    *required = *optional = 0;
    strtok_r(copy, " ", &save); /* the name */
    while ((w = strtok_r(NULL, " ", &save)) != NULL) {
        size_t len = strlen(w);

        if (strstr(w, "...") != NULL)
            unbounded = 1;
        if (w[0] == '[' && depth++ == 0)
            alt = group = 0;
        if (depth == 0) {
            (*required)++;
            continue;
        }
        if (strcmp(w, "|") == 0) {
            alt = 0;
            continue;
        }
        alt++;
        if (alt > group)
            group = alt;
        for (size_t i = 0; i < len; i++)
            if (w[i] == ']' && --depth == 0)
                *optional += group;
    }
    if (unbounded)
        *optional = -1;
    free(copy);
}

static void
test_table(void **state)
{
    size_t n = 0;

    (void)state;
    for (size_t i = 0; cmd_table[i] != NULL; i++, n++) {
        const struct cmd_entry *e = cmd_table[i];
        size_t len;
        int required, optional;

        assert_non_null(e->name);
        assert_non_null(e->usage);
        assert_non_null(e->summary);
        assert_non_null(e->exec);
        assert_true(*e->name != '\0' && *e->summary != '\0');
        for (const char *p = e->name; *p; p++)
            if (!islower((unsigned char)*p))
                fail_msg("command name '%s' is not lowercase letters", e->name);
        len = strlen(e->name);
        if (strncmp(e->usage, e->name, len) != 0 || (e->usage[len] != ' ' && e->usage[len]))
            fail_msg("usage of %s does not start with its name: \"%s\"", e->name, e->usage);
        /* Summaries read as the start of a sentence in a list: no full stop. */
        if (e->summary[strlen(e->summary) - 1] == '.')
            fail_msg("summary of %s ends with a full stop", e->name);
        if (e->alias != NULL)
            assert_true(*e->alias != '\0');
        assert_true(e->min_args >= 0);
        if (e->max_args >= 0 && e->min_args > e->max_args)
            fail_msg("%s: min_args %d > max_args %d", e->name, e->min_args, e->max_args);
        assert_true(e->max_args >= -1);

        /* The usage and the argument counts agree. */
        usage_counts(e->usage, &required, &optional);
        if (e->min_args > required)
            fail_msg("%s wants %d arguments, its usage shows %d: \"%s\"", e->name,
                     e->min_args, required, e->usage);
        if (optional < 0 ? e->max_args != -1 : e->max_args != required + optional)
            fail_msg("%s takes at most %d arguments, its usage shows %d%s: \"%s\"", e->name,
                     e->max_args, required + (optional < 0 ? 0 : optional),
                     optional < 0 ? " or more" : "", e->usage);

        /* No name or alias is used twice. */
        for (size_t j = 0; j < i; j++) {
            const struct cmd_entry *o = cmd_table[j];
            const char *mine[] = {e->name, e->alias}, *theirs[] = {o->name, o->alias};

            for (int a = 0; a < 2; a++)
                for (int b = 0; b < 2; b++)
                    if (mine[a] != NULL && theirs[b] != NULL && strcmp(mine[a], theirs[b]) == 0)
                        fail_msg("'%s' is used by both %s and %s", mine[a], o->name, e->name);
        }
        if (e->alias != NULL && strcmp(e->alias, e->name) == 0)
            fail_msg("%s is its own alias", e->name);
    }
    assert_true(n >= 10);
}

static void
test_usage_counts(void **state)
{
    int r, o;

    (void)state;
    usage_counts("quit", &r, &o);
    assert_int_equal(r, 0);
    assert_int_equal(o, 0);
    usage_counts("record [PATH | off]", &r, &o);
    assert_int_equal(r, 0);
    assert_int_equal(o, 1);
    usage_counts("predict MODEL on DATASET [as NAME]", &r, &o);
    assert_int_equal(r, 3);
    assert_int_equal(o, 2);
    usage_counts("load NAME PATH [OPTION=VALUE ...]", &r, &o);
    assert_int_equal(r, 2);
    assert_int_equal(o, -1);
}

/* ---- Lookup ----------------------------------------------------------------------------- */

static void
test_find(void **state)
{
    const struct cmd_entry *e;
    char *cause = NULL;

    (void)state;
    for (size_t i = 0; cmd_table[i] != NULL; i++) {
        assert_ptr_equal(cmd_find(cmd_table[i]->name, &cause), cmd_table[i]);
        if (cmd_table[i]->alias != NULL)
            assert_ptr_equal(cmd_find(cmd_table[i]->alias, &cause), cmd_table[i]);
    }
    assert_null(cause);

    e = cmd_find("exit", &cause);
    assert_non_null(e);
    assert_string_equal(e->name, "quit");
    e = cmd_find("lo", &cause);
    assert_non_null(e);
    assert_string_equal(e->name, "load");
    e = cmd_find("trai", &cause);
    assert_non_null(e);
    assert_string_equal(e->name, "train");
    assert_null(cause);
    /* train and transform share "tr". */
    assert_null(cmd_find("tr", &cause));
    assert_non_null(strstr(cause, "ambiguous command 'tr', could be: transform, train"));
    free(cause);
    cause = NULL;

    /* Every unique prefix finds its command. */
    for (size_t i = 0; cmd_table[i] != NULL; i++) {
        const char *name = cmd_table[i]->name;

        for (size_t len = 1; len < strlen(name); len++) {
            char prefix[32];
            size_t others = 0;

            snprintf(prefix, sizeof prefix, "%.*s", (int)len, name);
            /* Aliases take part in prefixes too ("ex" finds exit, so quit). */
            for (size_t j = 0; cmd_table[j] != NULL; j++)
                others += j != i && (strncmp(cmd_table[j]->name, prefix, len) == 0 ||
                                     (cmd_table[j]->alias != NULL &&
                                      strncmp(cmd_table[j]->alias, prefix, len) == 0));
            e = cmd_find(prefix, &cause);
            if (others == 0 && e != cmd_table[i])
                fail_msg("'%s' does not find %s: %s", prefix, name, cause ? cause : "");
            if (others > 0 && e != NULL && strcmp(e->name, prefix) != 0)
                fail_msg("ambiguous '%s' found %s", prefix, e->name);
            free(cause);
            cause = NULL;
        }
    }

    assert_null(cmd_find("d", &cause));
    assert_string_equal(cause, "ambiguous command 'd', could be: datasets, describe, drift, diff");
    free(cause);
    cause = NULL;
    assert_null(cmd_find("h", &cause));
    assert_has(cause, "ambiguous command 'h'");
    assert_has(cause, "head");
    assert_has(cause, "help");
    free(cause);
    cause = NULL;

    assert_null(cmd_find("frobnicate", &cause));
    assert_has(cause, "unknown command 'frobnicate'");
    assert_has(cause, "help");
    free(cause);
    cause = NULL;
    assert_null(cmd_find("", &cause));
    assert_has(cause, "unknown command ''");
    free(cause);
    cause = NULL;
    /* Longer than any name: not a prefix. */
    assert_null(cmd_find("loadx", &cause));
    assert_has(cause, "unknown command 'loadx'");
    free(cause);
    cause = NULL;
    /* Case matters. */
    assert_null(cmd_find("LOAD", &cause));
    free(cause);
}

/* ---- Running ---------------------------------------------------------------------------- */

static void
test_help(void **state)
{
    struct fixture *fx = *state;

    assert_int_equal(run(fx, "help"), CMD_OK);
    for (size_t i = 0; cmd_table[i] != NULL; i++) {
        char line[64];

        snprintf(line, sizeof line, "\n%s ", cmd_table[i]->name);
        assert_has(fx->out, line);
        assert_has(fx->out, cmd_table[i]->summary);
    }
    assert_has(fx->out, "logistic");
    assert_has(fx->out, "ols");
    assert_has(fx->out, "impute");
    assert_has(fx->out, "csv");

    /* help COMMAND, by name, alias or prefix. */
    assert_int_equal(run(fx, "help train"), CMD_OK);
    assert_has(fx->out, "usage: train ALGORITHM on DATASET");
    assert_int_equal(run(fx, "help exit"), CMD_OK);
    assert_has(fx->out, "usage: quit");
    assert_has(fx->out, "also called exit");
    assert_int_equal(run(fx, "help spl"), CMD_OK);
    assert_has(fx->out, "usage: split NAME");

    /* help PLUGIN: its options. */
    assert_int_equal(run(fx, "help impute"), CMD_OK);
    assert_has(fx->out, "strategy");
    assert_has(fx->out, "mean|median|most_frequent|constant");
    assert_int_equal(run(fx, "help logistic"), CMD_OK);
    assert_has(fx->out, "max_iter");
    assert_has(fx->out, "classification");

    assert_int_equal(run(fx, "help nosuch"), CMD_ERROR);
    assert_has(cmd_last_error(), "no command or plugin 'nosuch'");
}

static void
test_run_arguments(void **state)
{
    struct fixture *fx = *state;

    assert_int_equal(run(fx, "describe"), CMD_ERROR);
    assert_string_equal(cmd_last_error(), "describe: too few arguments; usage: describe NAME");
    assert_int_equal(run(fx, "quit now"), CMD_ERROR);
    assert_string_equal(cmd_last_error(), "quit: too many arguments; usage: quit");
    assert_int_equal(run(fx, "write a"), CMD_ERROR);
    assert_has(cmd_last_error(), "too few arguments; usage: write NAME PATH");
    assert_int_equal(run(fx, "head d 5 extra"), CMD_ERROR);
    assert_has(cmd_last_error(), "too many arguments; usage: head NAME [N]");
    assert_int_equal(run(fx, "eval m on d extra"), CMD_ERROR);
    assert_string_equal(cmd_last_error(), "eval: unexpected 'extra' (expected k=, relevant=)");
    /* By prefix, the message names the command. */
    assert_int_equal(run(fx, "desc"), CMD_ERROR);
    assert_has(cmd_last_error(), "describe: too few arguments");

    assert_int_equal(run(fx, "frobnicate x"), CMD_ERROR);
    assert_has(cmd_last_error(), "unknown command 'frobnicate'");
    assert_int_equal(run(fx, "d x"), CMD_ERROR);
    assert_has(cmd_last_error(), "ambiguous command 'd'");

    /* A command that works clears the last error. */
    assert_int_equal(run(fx, "datasets"), CMD_OK);
    assert_null(cmd_last_error());
    assert_int_equal(run(fx, "exit"), CMD_EXIT);
    assert_int_equal(run(fx, "quit"), CMD_EXIT);

    /* A failing command always leaves a message. */
    assert_int_equal(run(fx, "describe nosuch"), CMD_ERROR);
    assert_non_null(cmd_last_error());
    assert_has(cmd_last_error(), "nosuch");
}

static void
test_keywords(void **state)
{
    struct fixture *fx = *state;
    static const char *const keys[] = {"ratio", "seed", "stratify"};
    const char *values[3];
    char *ok[] = {"seed=3", "ratio=0.5", "stratify="};
    char *bad[] = {"foo=1"};
    char *bare[] = {"ratio"};
    char *twice[] = {"seed=1", "seed=2"};
    char *prefix[] = {"rat=1"};

    assert_int_equal(cmd_keywords(fx->s, 3, ok, 3, keys, values), 0);
    assert_string_equal(values[0], "0.5");
    assert_string_equal(values[1], "3");
    assert_string_equal(values[2], "");
    assert_int_equal(cmd_keywords(fx->s, 0, ok, 3, keys, values), 0);
    assert_null(values[0]);
    assert_null(values[1]);
    assert_null(values[2]);

    assert_int_equal(cmd_keywords(fx->s, 1, bad, 3, keys, values), -1);
    assert_string_equal(cmd_last_error(), "unexpected 'foo=1' (expected ratio=, seed=, stratify=)");
    assert_int_equal(cmd_keywords(fx->s, 1, bare, 3, keys, values), -1);
    assert_has(cmd_last_error(), "unexpected 'ratio'");
    assert_int_equal(cmd_keywords(fx->s, 2, twice, 3, keys, values), -1);
    assert_string_equal(cmd_last_error(), "seed= is given twice");
    assert_int_equal(cmd_keywords(fx->s, 1, prefix, 3, keys, values), -1);
    assert_has(cmd_last_error(), "unexpected 'rat=1'");
}

static void
test_parse_size(void **state)
{
    struct fixture *fx = *state;
    static const char *const bad[] = {"", "-1", "1.5", "abc", "5x", "99999999999999999999999",
                                      " -1", "0x10"};
    size_t v = 7;

    assert_int_equal(cmd_parse_size(fx->s, "N", "12", &v), 0);
    assert_int_equal(v, 12);
    assert_int_equal(cmd_parse_size(fx->s, "N", "0", &v), 0);
    assert_int_equal(v, 0);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char want[96];

        v = 7;
        if (cmd_parse_size(fx->s, "N", bad[i], &v) != -1)
            fail_msg("'%s' taken as the whole number %zu", bad[i], v);
        snprintf(want, sizeof want, "N must be a whole number, not '%s'", bad[i]);
        assert_string_equal(cmd_last_error(), want);
        assert_int_equal(v, 7);
    }
}

static void
test_parse_real(void **state)
{
    struct fixture *fx = *state;
    static const char *const bad[] = {"", "abc", "1.5x", "inf", "-inf", "nan", "1e999", " 1",
                                      "0x1p3", "1,5"};
    double v = 7;

    assert_int_equal(cmd_parse_real(fx->s, "ratio", "0.25", &v), 0);
    assert_true(v == 0.25);
    assert_int_equal(cmd_parse_real(fx->s, "ratio", "-3e-2", &v), 0);
    assert_true(v == -0.03);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char want[96];

        if (cmd_parse_real(fx->s, "ratio", bad[i], &v) != -1)
            fail_msg("'%s' taken as the number %g", bad[i], v);
        snprintf(want, sizeof want, "ratio must be a number, not '%s'", bad[i]);
        assert_string_equal(cmd_last_error(), want);
    }
}

/* ---- Completion ------------------------------------------------------------------------- */

/* The completions of LINE are exactly the NULL-terminated WANT, in any order. */
#define assert_completes(fx, line, ...)                                                       \
    do {                                                                                      \
        const char *const want_[] = {__VA_ARGS__, NULL};                                      \
        assert_completes_((fx), (line), want_, __FILE__, __LINE__);                          \
    } while (0)

static void
assert_completes_(struct fixture *fx, const char *line, const char *const *want,
                  const char *file, int lineno)
{
    char **got = complete_line(fx->s, line, strlen(line));
    size_t ngot = 0, nwant = 0;

    while (want[nwant] != NULL)
        nwant++;
    if (got == NULL) {
        print_error("\"%s\": file names, want %zu words\n", line, nwant);
        _fail(file, lineno);
    }
    while (got[ngot] != NULL)
        ngot++;
    for (size_t i = 0; i < nwant; i++) {
        size_t j = 0;

        while (j < ngot && strcmp(got[j], want[i]) != 0)
            j++;
        if (j == ngot || ngot != nwant) {
            print_error("\"%s\" completes to %zu words, want %zu (\"%s\" %s):\n", line, ngot,
                        nwant, want[i], j == ngot ? "missing" : "there");
            for (size_t k = 0; k < ngot; k++)
                print_error("  \"%s\"\n", got[k]);
            _fail(file, lineno);
        }
    }
    if (ngot != nwant) {
        print_error("\"%s\" completes to %zu words, want %zu\n", line, ngot, nwant);
        _fail(file, lineno);
    }
    complete_free(got);
}

/* LINE completes to nothing at all (not to file names). */
#define assert_completes_none(fx, line)                                                       \
    do {                                                                                      \
        const char *const want_[] = {NULL};                                                   \
        assert_completes_((fx), (line), want_, __FILE__, __LINE__);                          \
    } while (0)

static void
test_complete(void **state)
{
    struct fixture *fx = *state;
    char *iris = tu_srcpath("datasets/iris.csv"), line[4096], **got;
    size_t n = 0;

    /* Commands. */
    assert_completes(fx, "lo", "load ");
    assert_completes(fx, "d", "datasets ", "describe ", "drift ", "diff ");
    assert_completes(fx, "ex", "export ", "exit ");
    assert_completes(fx, "help; lo", "load ");
    got = complete_line(fx->s, "", 0);
    assert_non_null(got);
    while (got[n] != NULL)
        n++;
    {
        size_t want = 0;

        for (size_t i = 0; cmd_table[i] != NULL; i++)
            want += 1 + (cmd_table[i]->alias != NULL);
        assert_int_equal(n, want);
    }
    complete_free(got);

    /* help takes commands and plugins. */
    assert_completes(fx, "help lo", "load ", "logistic ", "log ");
    assert_completes(fx, "help st", "stop ", "standardize ");

    /* train: algorithms, then datasets, columns, transforms, their options and choices. */
    got = complete_line(fx->s, "train ", 6);
    assert_non_null(got);
    n = 0;
    for (size_t i = 0; i < registry_count(); i++) {
        const struct component *c = registry_at(i);
        size_t j = 0;

        if (c->kind != COMPONENT_ALGORITHM)
            continue;
        n++;
        while (got[j] != NULL && (strncmp(got[j], c->name, strlen(c->name)) != 0 ||
                                  strcmp(got[j] + strlen(c->name), " ") != 0))
            j++;
        if (got[j] == NULL)
            fail_msg("\"train \" does not offer the algorithm %s", c->name);
    }
    for (size_t j = 0; got[j] != NULL; j++)
        n--;
    assert_int_equal(n, 0); /* and nothing else */
    complete_free(got);
    assert_completes(fx, "train l", "lasso ", "logistic ");
    assert_completes(fx, "train o", "ols ");
    snprintf(line, sizeof line, "load iris %s", iris);
    assert_int_equal(run(fx, line), CMD_OK);
    assert_has(fx->out, "loaded 'iris': 150 rows");
    assert_completes(fx, "train logistic on ", "iris ");
    assert_completes(fx, "train logistic on ir", "iris ");
    assert_completes(fx, "train logistic on iris target=sp", "species ");
    assert_completes(fx, "train logistic on iris target=", "sepal_length ", "sepal_width ",
                     "petal_length ", "petal_width ", "species ");
    assert_completes(fx, "train logistic on iris target=species with imp", "impute");
    assert_completes(fx, "train logistic on iris target=species with impute,st", "standardize");
    assert_completes(fx, "train logistic on iris target=species with impute(strategy=me",
                     "mean ", "median ");
    assert_completes(fx, "train logistic on iris target=species with impute(str", "strategy=");
    assert_completes(fx, "train logistic on iris target=species pen", "penalty=");
    assert_completes(fx, "train logistic on iris target=species penalty=", "l2 ", "l1 ",
                     "elasticnet ", "none ");
    assert_completes(fx, "train logistic on iris target=species intercept=", "true ", "false ");

    /* Datasets for the commands that take one. */
    assert_completes(fx, "head ", "iris ");
    assert_completes(fx, "describe i", "iris ");
    assert_completes(fx, "eval m on ", "iris ");
    assert_completes(fx, "split iris st", "stratify=");
    assert_completes(fx, "split iris stratify=spe", "species ");

    /* A path: readline completes file names. */
    assert_null(complete_line(fx->s, "load x ", 7));
    assert_null(complete_line(fx->s, "write iris ", 11));

    /* show: the views, then a model, `on` and a dataset; a dataset and its columns. */
    got = complete_line(fx->s, "show ", 5);
    assert_non_null(got);
    n = 0;
    for (size_t i = 0; show_view_name(i) != NULL; i++) {
        char want[64];
        size_t j = 0;

        snprintf(want, sizeof want, "%s ", show_view_name(i));
        while (got[j] != NULL && strcmp(got[j], want) != 0)
            j++;
        if (got[j] == NULL)
            fail_msg("\"show \" does not offer the view %s", show_view_name(i));
        n++;
    }
    assert_true(n >= 10);
    for (size_t j = 0; got[j] != NULL; j++)
        n--;
    assert_int_equal(n, 0); /* and nothing else */
    complete_free(got);
    assert_completes(fx, "show c", "curve ", "confusion ", "compare ");
    assert_completes_none(fx, "show roc ");
    assert_int_equal(run(fx, "train logistic on iris target=species as m"), CMD_OK);
    assert_int_equal(run(fx, "train ols on iris target=sepal_length as mo"), CMD_OK);
    assert_completes(fx, "show roc ", "m ", "mo ");
    assert_completes(fx, "show eval m", "m ", "mo ");
    assert_completes(fx, "show confusion m ", "on ");
    assert_completes(fx, "show importance m on ", "iris ");
    assert_completes(fx, "show roc m on i", "iris ");
    assert_completes_none(fx, "show roc m on iris ");
    assert_completes(fx, "show hist ", "iris ");
    assert_completes(fx, "show hist iris sepal_w", "sepal_width ");
    assert_completes_none(fx, "show hist iris sepal_width ");
    assert_completes(fx, "show scatter iris sepal_length ", "sepal_length ", "sepal_width ",
                     "petal_length ", "petal_width ", "species ");
    assert_completes(fx, "show scatter iris sepal_length petal_l", "petal_length ");
    assert_completes(fx, "show scatter iris sepal_length petal_length ", "by=");
    assert_completes(fx, "show scatter iris sepal_length petal_length by=sp", "species ");
    assert_completes_none(fx, "show curve ");
    assert_completes_none(fx, "show curve 1 ");
    assert_completes_none(fx, "show drift ");
    assert_completes(fx, "show compare ", "m ", "mo ");
    assert_completes(fx, "show compare m mo", "mo ");
    assert_completes(fx, "show compare m mo on ", "iris ");

    /* plot: as show, `to` once the view has its words, then file names. */
    assert_completes(fx, "plot h", "hist ");
    assert_completes(fx, "plot roc ", "m ", "mo ");
    assert_completes(fx, "plot roc m ", "on ", "to ");
    assert_completes(fx, "plot roc m on ", "iris ");
    assert_completes(fx, "plot roc m on iris ", "to ");
    assert_completes(fx, "plot hist iris ", "sepal_length ", "sepal_width ", "petal_length ",
                     "petal_width ", "species ");
    assert_completes(fx, "plot hist iris species ", "to ");
    assert_completes(fx, "plot scatter iris sepal_length ", "sepal_length ", "sepal_width ",
                     "petal_length ", "petal_width ", "species ");
    assert_completes(fx, "plot compare m ", "m ", "mo ");
    assert_completes(fx, "plot compare m mo ", "m ", "mo ", "to ");
    assert_completes(fx, "plot scatter iris sepal_length petal_length ", "by=", "to ");
    assert_completes(fx, "plot curve 1 ", "to ");
    assert_completes(fx, "plot runs ", "to ");
    assert_null(complete_line(fx->s, "plot roc m on iris to ", 22));
    assert_null(complete_line(fx->s, "plot curve 1 to r", 17));
    assert_completes_none(fx, "plot curve 1 to roc.svg ");

    /* report: a model, `on` or `to`, datasets after `on`, file names after `to`. */
    assert_completes(fx, "report ", "m ", "mo ");
    assert_completes(fx, "report m ", "on ", "to ");
    assert_completes(fx, "report m t", "to ");
    assert_completes(fx, "report m on ", "iris ");
    assert_completes(fx, "report m on iris ", "to ");
    assert_null(complete_line(fx->s, "report m to ", 12));
    assert_null(complete_line(fx->s, "report m on iris to m.h", 23));
    assert_completes_none(fx, "report m to m.html ");
    free(iris);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_usage_counts),
        cmocka_unit_test(test_find),
        cmocka_unit_test_setup_teardown(test_help, setup, teardown),
        cmocka_unit_test_setup_teardown(test_run_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keywords, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_size, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_real, setup, teardown),
        cmocka_unit_test_setup_teardown(test_complete, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
