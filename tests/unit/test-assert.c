/*
 * test-assert.c - `assert EXPRESSION` (src/repl/cmd-assert.c): the grammar
 * and its precedence, the numbers shown, NaN, every error with its column,
 * and that eval(), drift(), rows() and stored() give exactly what the
 * commands of the same names give.
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

#include "core/frame.h"
#include "core/numfmt.h"
#include "core/pipeline.h"
#include "core/table.h"
#include "repl/cmd.h"
#include "repl/session.h"
#include "repl/tokenize.h"
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

/* ---- a session whose output the tests read ------------------------------------- */

struct fixture {
    struct session *s;
    char *dir;
    char *out, *err;
    size_t outlen, errlen;
    FILE *outf, *errf;
};

static void
open_output(struct fixture *fx)
{
    fx->outf = open_memstream(&fx->out, &fx->outlen);
    fx->errf = open_memstream(&fx->err, &fx->errlen);
    fx->s->out.data = fx->s->out.msg = fx->outf;
    fx->s->out.err = fx->errf;
}

static void
close_output(struct fixture *fx)
{
    fclose(fx->outf);
    fclose(fx->errf);
    free(fx->out);
    free(fx->err);
    fx->out = fx->err = NULL;
}

static int
setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    char *path, *cause = NULL;
    struct store *st;

    tu_load_plugins();
    fx->dir = tu_tmpdir("assert");
    path = malloc(strlen(fx->dir) + 16);
    sprintf(path, "%s/ws.aiwb", fx->dir);
    if ((st = store_open(path, &cause)) == NULL)
        fail_msg("store_open: %s", cause);
    free(path);
    fx->s = session_new(st, OUTPUT_TABLE, 0);
    open_output(fx);
    *state = fx;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *fx = *state;

    session_free(fx->s);
    close_output(fx);
    free(fx->dir);
    free(fx);
    cmd_forget_error();
    return 0;
}

/* Run LINE (one command); what it printed is then in fx->out and fx->err. */
static enum cmd_retval
run(struct fixture *fx, const char *line)
{
    struct cmdline *cmds = NULL;
    size_t n = 0;
    char *cause = NULL;
    enum cmd_retval rc;

    close_output(fx);
    open_output(fx);
    if (tokenize_line(line, &cmds, &n, &cause) != 0 || n != 1)
        fail_msg("cannot tokenize \"%s\": %s", line, cause != NULL ? cause : "not 1 command");
    rc = cmd_run(fx->s, &cmds[0]);
    tokenize_free(cmds, n);
    fflush(fx->outf);
    fflush(fx->errf);
    return rc;
}

/* Run LINE, which must succeed. */
static void
must(struct fixture *fx, const char *line)
{
    if (run(fx, line) != CMD_OK)
        fail_msg("\"%s\" failed: %s", line, cmd_last_error() ? cmd_last_error() : "(no error)");
}

/* `assert EXPR` holds and says "assert: ok: EXPR (WHY)". */
static void
holds(struct fixture *fx, const char *expr, const char *why)
{
    char *line = malloc(strlen(expr) + 8), *want = malloc(strlen(expr) + strlen(why) + 32);

    sprintf(line, "assert %s", expr);
    sprintf(want, "assert: ok: %s (%s)\n", expr, why);
    if (run(fx, line) != CMD_OK)
        fail_msg("\"%s\" failed: %s", line, cmd_last_error() ? cmd_last_error() : "(no error)");
    assert_string_equal(fx->out, want);
    free(line);
    free(want);
}

/* `assert EXPR` fails with exactly the error ERROR. */
static void
fails(struct fixture *fx, const char *expr, const char *error)
{
    char *line = malloc(strlen(expr) + 8);

    sprintf(line, "assert %s", expr);
    if (run(fx, line) != CMD_ERROR)
        fail_msg("\"%s\" did not fail: %s", line, fx->out);
    assert_non_null(cmd_last_error());
    if (strcmp(cmd_last_error(), error) != 0)
        fail_msg("\"%s\":\n  got  \"%s\"\n  want \"%s\"", line, cmd_last_error(), error);
    assert_string_equal(fx->out, "");
    free(line);
}

/* The words WORDS given to assert as they are (no tokenizer) fail with ERROR. */
static void
exec_fails(struct fixture *fx, const char *words, const char *error)
{
    char *cause = NULL, *argv[] = {(char *)words, NULL};
    const struct cmd_entry *e = cmd_find("assert", &cause);

    assert_non_null(e);
    assert_int_equal(e->exec(fx->s, 1, argv), CMD_ERROR);
    if (strcmp(cmd_last_error(), error) != 0)
        fail_msg("\"%s\":\n  got  \"%s\"\n  want \"%s\"", words, cmd_last_error(), error);
}

/* ---- the grammar ---------------------------------------------------------------- */

static void
test_precedence(void **state)
{
    struct fixture *fx = *state;

    /* * / before + -, left to right; unary minus binds first */
    holds(fx, "1 + 2 * 3 == 7", "7 == 7");
    holds(fx, "(1 + 2) * 3 == 9", "9 == 9");
    holds(fx, "1 - 2 - 3 == -4", "-4 == -4");
    holds(fx, "8 / 4 / 2 == 1", "1 == 1");
    holds(fx, "-2 * -3 == 6", "6 == 6");
    holds(fx, "- (1 + 2) == -3", "-3 == -3");
    holds(fx, "2 * 3 - 4 / 2 == 4", "4 == 4");
    /* comparisons before not, not before and, and before or */
    holds(fx, "not 1 > 2", "1 > 2 is false");
    holds(fx, "not 1 > 2 and 2 > 1", "1 > 2 is false, 2 > 1");
    holds(fx, "1 > 2 and 1 > 2 or 2 > 1", "2 > 1");
    holds(fx, "2 > 1 or 1 > 2 and 1 > 2", "2 > 1");
    fails(fx, "(2 > 1 or 1 > 2) and 1 > 2",
          "assert: failed: (2 > 1 or 1 > 2) and 1 > 2: 1 > 2 is false");
    holds(fx, "not not 2 > 1", "2 > 1");
    holds(fx, "not (1 > 2 or 2 > 1) or 3 >= 3", "3 >= 3");
    /* every comparison both ways */
    holds(fx, "1 < 2 and 2 <= 2 and 3 > 2 and 2 >= 2 and 2 == 2 and 1 != 2",
          "1 < 2, 2 <= 2, 3 > 2, 2 >= 2, 2 == 2, 1 != 2");
    fails(fx, "2 < 1 or 3 <= 2 or 2 > 3 or 1 >= 2 or 1 == 2 or 2 != 2",
          "assert: failed: 2 < 1 or 3 <= 2 or 2 > 3 or 1 >= 2 or 1 == 2 or 2 != 2: 2 < 1 is "
          "false, 3 <= 2 is false, 2 > 3 is false, 1 >= 2 is false, 1 == 2 is false, 2 != 2 is "
          "false");
    /* numbers: forms, spaces optional */
    holds(fx, "1e-3 == 0.001 and .5 == 1/2 and 2.5E2 == 250",
          "0.001 == 0.001, 0.5 == 0.5, 250 == 250");
    holds(fx, "1<2", "1 < 2");
}

static void
test_explained(void **state)
{
    struct fixture *fx = *state;

    /* a false `and` names the false sides only; a true `or` the true ones */
    fails(fx, "1 > 2 and 2 > 1 and 3 > 4",
          "assert: failed: 1 > 2 and 2 > 1 and 3 > 4: 1 > 2 is false, 3 > 4 is false");
    holds(fx, "1 > 2 or 2 > 1 or 4 > 3", "2 > 1, 4 > 3");
    /* under not, what was true is why it failed */
    fails(fx, "1 > 2 or not 2 > 1",
          "assert: failed: 1 > 2 or not 2 > 1: 1 > 2 is false, 2 > 1 is true");
    /* 6 significant digits, all of them where 6 would hide the difference */
    holds(fx, "2 / 3 > 0.5", "0.666667 > 0.5");
    holds(fx, "0.1 + 0.2 != 0.3", "0.30000000000000004 != 0.3");
    fails(fx, "1 + 1e-12 == 1", "assert: failed: 1 + 1e-12 == 1: 1.000000000001 == 1 is false");
    holds(fx, "1 / 0 > 1e300", "inf > 1e+300");
}

static void
test_nan(void **state)
{
    struct fixture *fx = *state;
    static const char *const ops[] = {"<", "<=", ">", ">=", "==", "!="};

    /* NaN makes every comparison false, != included, and says why */
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        char expr[64], error[256];

        snprintf(expr, sizeof expr, "0/0 %s 1", ops[i]);
        snprintf(error, sizeof error,
                 "assert: failed: %s: NA %s 1 is false (NA: '0/0' is not a number, and every "
                 "comparison with NA is false)",
                 expr, ops[i]);
        fails(fx, expr, error);
    }
    fails(fx, "1 == 0/0 or (0 - 0)/0 < 1",
          "assert: failed: 1 == 0/0 or (0 - 0)/0 < 1: 1 == NA is false, NA < 1 is false (NA: "
          "'0/0', '(0 - 0)/0' are not numbers, and every comparison with NA is false)");
    /* `not` of one is true, with a note */
    holds(fx, "not 0/0 > 1 and not 0/0 == 0/0", "NA > 1 is false, NA == NA is false");
    assert_string_equal(fx->err,
                        "note: NA: '0/0' is not a number, and every comparison with NA is false\n");
}

/* `assert EXPR` fails with an error that contains WANT. */
static void
error_has(struct fixture *fx, const char *expr, const char *want)
{
    char *line = malloc(strlen(expr) + 8);

    sprintf(line, "assert %s", expr);
    if (run(fx, line) != CMD_ERROR)
        fail_msg("\"%s\" did not fail: %s", line, fx->out);
    assert_has(cmd_last_error(), want);
    free(line);
}

static void
test_syntax_errors(void **state)
{
    struct fixture *fx = *state;
    static const struct {
        const char *expr, *error;
    } cases[] = {
        {"eval(m, d live).rows > 1", "assert: column 11: expected ',' or ')', found 'live'"},
        {"1 <", "assert: column 4: expected a number, a function call or '(', found the end of "
                "the expression"},
        {"1 < 2 < 3", "assert: column 7: comparisons do not chain: write 'A < B and B < C'"},
        {"1 = 1", "assert: column 3: expected an operator or the end, found '=' (to compare, "
                  "write '==')"},
        {"1 $ 2", "assert: column 3: expected an operator or the end, found '$'"},
        {"1 ! 2", "assert: column 3: expected an operator or the end, found '!'"},
        {"2x > 1", "assert: column 1: '2x' is not a finite number"},
        {"1 > 1e999", "assert: column 5: '1e999' is not a finite number"},
        {"1 < 2 3", "assert: column 7: expected 'and', 'or' or the end, found '3'"},
        {"1 + 2 3 < 1", "assert: column 7: expected an operator or the end, found '3'"},
        {"1 < 2 and", "assert: column 10: expected a number, a function call or '(', found the "
                      "end of the expression"},
        {"1 < 2 and or 2 > 1", "assert: column 11: expected a number, a function call or '(', "
                               "found 'or'"},
        {"eval(m, d).", "assert: column 12: expected a field name after '.', found the end of "
                        "the expression"},
        {"eval(m, d).*", "assert: column 12: expected a field name after '.', found '*'"},
        {"rows(,) > 1", "assert: column 6: expected an argument, found ','"},
        {"rows(d,) > 1", "assert: column 8: expected an argument, found ')'"},
        {"rows('') > 1", "assert: column 6: an argument is empty"},
        {"rows(d x) > 1", "assert: column 8: expected ',' or ')', found 'x'"},
        {"rows(d; x) > 1", "assert: column 7: expected ',' or ')', found ';'"},
        {"eval(m, d, k=).rows > 1", "assert: column 12: k= has no value"},
        {"drift(a, b, stats=psi,ks).max_psi < 1",
         "assert: column 23: 'ks' follows an option: options come last, and a value holding "
         "commas is quoted (stats='psi,ks')"},
        {"rows", "assert: column 5: expected '(' after the function's name, found the end of the "
                 "expression"},
        {"rows + 1 > 0", "assert: column 6: expected '(' after the function's name, found '+'"},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        fails(fx, cases[i].expr, cases[i].error);
    /* What the REPL's tokenizer refuses before assert sees it, given as words */
    exec_fails(fx, "(1 < 2", "assert: column 7: expected ')', found the end of the expression");
    exec_fails(fx, "rows(d",
               "assert: column 7: expected ',' or ')', found the end of the "
               "expression");
    exec_fails(fx, ")", "assert: column 1: expected a number, a function call or '(', found ')'");
    exec_fails(fx, "1 < 2)", "assert: column 6: ')' without '('");
    exec_fails(fx, "rows('d) > 1", "assert: column 6: unterminated quote");
    exec_fails(fx, "rows(d, \"a\\\"b) > 1", "assert: column 9: unterminated quote");
}

static void
test_type_errors(void **state)
{
    struct fixture *fx = *state;
    static const struct {
        const char *expr, *error;
    } cases[] = {
        {"rows(d)", "assert: column 1: assert needs a comparison, but 'rows(d)' is a number "
                    "(compare it: 'rows(d) > 0' ...)"},
        {"1 + (2 < 3) > 0", "assert: column 5: '+' needs a number, but '(2 < 3)' is a comparison "
                            "(true or false)"},
        {"(2 < 3) * 2 > 0", "assert: column 1: '*' needs a number, but '(2 < 3)' is a comparison "
                            "(true or false)"},
        {"-(2 < 3) > 0", "assert: column 2: '-' needs a number, but '(2 < 3)' is a comparison "
                         "(true or false)"},
        {"(1 < 2) == (2 < 3)", "assert: column 1: '==' needs a number, but '(1 < 2)' is a "
                               "comparison (true or false)"},
        {"not 1", "assert: column 5: 'not' needs a comparison, but '1' is a number (compare it: "
                  "'1 > 0' ...)"},
        {"1 and 1 < 2", "assert: column 1: 'and' needs a comparison, but '1' is a number "
                        "(compare it: '1 > 0' ...)"},
        {"1 < 2 or 3", "assert: column 10: 'or' needs a comparison, but '3' is a number (compare "
                       "it: '3 > 0' ...)"},
        {"eval(m, d) > 0.9", "assert: column 1: eval() gives a record of numbers: read one with "
                             ".NAME, as in 'eval(m, d).accuracy' (`help assert` lists them)"},
        {"drift(a, b) > 0.9", "assert: column 1: drift() gives a record of numbers: read one "
                              "with .NAME, as in 'drift(a, b).max_psi' (`help assert` lists "
                              "them)"},
        {"drift(a, b, x) > 0.9", "assert: column 1: drift() gives a record of numbers: read one "
                                 "with .NAME, as in 'drift(a, b, x).psi' (`help assert` lists "
                                 "them)"},
        {"rows(d).rows > 0", "assert: column 8: rows() gives a number, not a record: there is "
                             "no field to read"},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        fails(fx, cases[i].expr, cases[i].error);
}

static void
test_call_errors(void **state)
{
    struct fixture *fx = *state;
    static const struct {
        const char *expr, *error;
    } cases[] = {
        {"evl(m, d) > 1", "assert: column 1: unknown function 'evl' (functions: eval, drift, "
                          "rows, stored)"},
        {"accuracy > 0.9", "assert: column 1: 'accuracy' is neither a number nor a function call "
                           "(functions: eval, drift, rows, stored; read a record's numbers with "
                           ".NAME after the call)"},
        {"eval(m).rows > 1", "assert: column 1: eval() takes 2 arguments before any NAME=VALUE, "
                             "not 1 (eval(MODEL, DATASET[, k=K][, relevant=RATING]))"},
        {"drift(a).drifted > 1", "assert: column 1: drift() takes at least 2 arguments before "
                                 "any NAME=VALUE, not 1 (drift(REF, CUR[, COLUMN][, "
                                 "OPTION=VALUE ...]))"},
        {"drift(a, b, c, d).psi > 1", "assert: column 1: drift() takes at most 3 arguments "
                                      "before any NAME=VALUE, not 4 (drift(REF, CUR[, COLUMN][, "
                                      "OPTION=VALUE ...]))"},
        {"rows() > 1", "assert: column 1: rows() takes 1 argument before any NAME=VALUE, not 0 "
                       "(rows(DATASET))"},
        {"1 < rows(d, k=1)", "assert: column 13: rows() takes no option 'k' (rows(DATASET))"},
        {"stored(m, d, e).rmse > 1", "assert: column 1: stored() takes at most 2 arguments "
                                     "before any NAME=VALUE, not 3 (stored(MODEL[, DATASET]))"},
        {"stored(m, x=1).rmse > 1", "assert: column 11: stored() takes no option 'x' "
                                    "(stored(MODEL[, DATASET]))"},
        {"eval(m, d, q=5).rows > 1", "assert: column 12: eval() takes no option 'q' (eval(MODEL, "
                                     "DATASET[, k=K][, relevant=RATING]))"},
        {"eval(m, d, k=5, k=6).rows > 1", "assert: column 17: k= is given twice"},
        {"drift(a, b, x, columns=y).psi > 0", "assert: column 16: drift() takes a COLUMN or "
                                              "columns=, not both"},
        {"rows(nope) > 0", "assert: column 1: rows(nope): no dataset 'nope' (see `datasets`; "
                           "load one with `load nope FILE`)"},
        {"1 < 2 and rows(nope) > 0", "assert: column 11: rows(nope): no dataset 'nope' (see "
                                     "`datasets`; load one with `load nope FILE`)"},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        fails(fx, cases[i].expr, cases[i].error);
}

/* ---- the functions against the commands ------------------------------------------ */

/* `assert CALL.NAME == V` holds, V written exactly (NaN: CALL.NAME != CALL.NAME
 * is false, so `not` of it holds). */
static void
check_value(struct fixture *fx, const char *call, const char *name, double v)
{
    char num[NUMFMT_BUFSZ], line[512];

    if (isnan(v))
        snprintf(line, sizeof line, "assert not %s.%s == %s.%s", call, name, call, name);
    else
        snprintf(line, sizeof line, "assert %s.%s == %s", call, name, numfmt_exact(num, v));
    must(fx, line);
}

/* Check every metric of EV as CALL.NAME. */
static void
check_metrics(struct fixture *fx, const char *call, const struct evaluation *ev)
{
    assert_true(ev->n > 0);
    for (size_t i = 0; i < ev->n; i++)
        check_value(fx, call, ev->names[i], ev->values[i]);
}

/* The evaluation of model REF on DATASET at K, as `eval` makes it. */
static void
evaluate(struct fixture *fx, const char *ref, const char *dataset, size_t k, struct evaluation *ev)
{
    struct pipeline *p = session_model(fx->s, ref, NULL);
    struct dataset *d = session_dataset(fx->s, dataset);
    char *notes = NULL, *cause = NULL;

    assert_non_null(p);
    assert_non_null(d);
    memset(ev, 0, sizeof *ev);
    if (pipeline_evaluate_at(p, d->frame, k, NAN, ev, &notes, &cause) < 0)
        fail_msg("evaluate: %s", cause);
    free(notes);
}

static void
test_eval(void **state)
{
    struct fixture *fx = *state;
    struct evaluation ev;
    struct aiwb_table *t = table_new(NULL);
    char *cause = NULL;

    must(fx, "load ref gen:classification n=600 features=3 seed=3");
    must(fx, "load cur gen:classification n=600 features=3 seed=3 sample=2 shift=0.5");
    must(fx, "train logistic on ref target=class as c");
    must(fx, "train nbayes on ref target=class as c");
    /* every metric, of the latest version and of version 1 */
    evaluate(fx, "c", "cur", PIPELINE_EVAL_K, &ev);
    check_metrics(fx, "eval(c, cur)", &ev);
    check_metrics(fx, "eval(c:2, cur)", &ev);
    evaluation_release(&ev);
    evaluate(fx, "c:1", "cur", PIPELINE_EVAL_K, &ev);
    check_metrics(fx, "eval(c:1, cur)", &ev);
    evaluation_release(&ev);
    /* assert keeps nothing in the workspace */
    if (store_model_evals(fx->s->store, "c", 0, t, &cause) < 0)
        fail_msg("%s", cause);
    assert_int_equal(table_rows(t), 0);
    table_free(t);
    /* a field the record lacks: the message lists those it has */
    fails(fx, "eval(c, cur).acuracy > 0.9",
          "assert: column 14: eval(c, cur) has no metric 'acuracy' (it has: rows, accuracy, "
          "precision, recall, f1, log_loss, roc_auc)");
    fails(fx, "eval(c, cur, k=5).accuracy > 0.9",
          "assert: column 1: eval(c, cur, k=5): k= and relevant= are for recommenders; 'c' is "
          "nbayes");
    error_has(fx, "eval(nope, cur).accuracy > 0.9",
              "assert: column 1: eval(nope, cur): no "
              "model 'nope' in workspace");
    error_has(fx, "eval(c:9, cur).accuracy > 0.9",
              "assert: column 1: eval(c:9, cur): model 'c' in workspace");
    error_has(fx, "eval(c:9, cur).accuracy > 0.9", "has no version 9");
    fails(fx, "eval(c, nope).accuracy > 0.9",
          "assert: column 1: eval(c, nope): no dataset 'nope' (see `datasets`; load one with "
          "`load nope FILE`)");
    /* regression */
    must(fx, "load h gen:regression n=200 features=3 seed=4");
    must(fx, "train ols on h target=y as o");
    evaluate(fx, "o", "h", PIPELINE_EVAL_K, &ev);
    check_metrics(fx, "eval(o, h)", &ev);
    evaluation_release(&ev);
}

static void
test_eval_ranking(void **state)
{
    struct fixture *fx = *state;
    struct evaluation ev;

    must(fx, "load r gen:ratings users=60 items=30 density=0.3 seed=1");
    must(fx, "split r ratio=0.8 seed=1");
    must(fx, "train als on r.train target=rating as a");
    evaluate(fx, "a", "r.test", 5, &ev);
    check_metrics(fx, "eval(a, r.test, k=5)", &ev);
    evaluation_release(&ev);
    /* .ndcg is ndcg@K of the call's k; @K must be the call's */
    must(fx, "assert eval(a, r.test, k=5).ndcg == eval(a, r.test, k=5).ndcg@5");
    must(fx, "assert eval(a, r.test).hit_rate == eval(a, r.test, k=10).hit_rate@10");
    fails(fx, "eval(a, r.test).ndcg@5 > 0",
          "assert: column 17: eval(a, r.test) has no metric 'ndcg@5' (it has: rows, users, "
          "precision@10, recall@10, ndcg@10, map@10, hit_rate@10, rmse, mae); k=5 measures at "
          "@5");
    fails(fx, "eval(a, r.test, k=0).ndcg > 0",
          "assert: column 1: eval(a, r.test, k=0): k must be 1 or more");
    fails(fx, "eval(a, r.test, k=x).ndcg > 0",
          "assert: column 1: eval(a, r.test, k=x): k must be a whole number, not 'x'");
    fails(fx, "eval(a, r.test, relevant=high).ndcg > 0",
          "assert: column 1: eval(a, r.test, relevant=high): relevant must be a number, not "
          "'high'");
    /* relevant= reaches eval: fewer relevant items, and notes saying so, once */
    must(fx, "assert eval(a, r.test, relevant=5).users < eval(a, r.test).users and "
             "eval(a, r.test, relevant=5).users > 0");
    assert_has(fx->err, "note: eval(a, r.test, relevant=5): ");
    assert_has(fx->err, "rated below 5 not counted as relevant\n");
    assert_null(strstr(strstr(fx->err, "rated below 5") + 1, "rated below 5"));
}

/* What a drift report holds, gathered from its rows (store_drift_get()). */
struct report {
    size_t ncols, flags[4];
    char *last;
    size_t nstats;
    char names[16][32];
    double max[16];
    /* the statistics of column x1 */
    size_t nx1;
    char x1_names[16][32];
    double x1_value[16], x1_p[16];
    int x1_drift;
};

static int
gather(void *arg, const struct store_drift_report *h, const struct store_drift_row *w)
{
    static const char *const flags[] = {"DRIFT", "moderate", "stable", "too few rows"};
    struct report *r = arg;
    size_t i;

    (void)h;
    if (w == NULL)
        return 0;
    if (r->last == NULL || strcmp(r->last, w->column) != 0) {
        for (i = 0; i < 3 && strcmp(flags[i], w->flag) != 0; i++)
            ;
        r->flags[i]++;
        r->ncols++;
        free(r->last);
        r->last = strdup(w->column);
    }
    for (i = 0; i < r->nstats && strcmp(r->names[i], w->stat) != 0; i++)
        ;
    if (i == r->nstats) {
        snprintf(r->names[r->nstats], sizeof r->names[0], "%s", w->stat);
        r->max[r->nstats++] = w->value;
    } else if (w->value > r->max[i]) {
        r->max[i] = w->value;
    }
    if (strcmp(w->column, "x1") == 0) {
        snprintf(r->x1_names[r->nx1], sizeof r->x1_names[0], "%s", w->stat);
        r->x1_value[r->nx1] = w->value;
        r->x1_p[r->nx1++] = w->p;
        r->x1_drift = strcmp(w->flag, "DRIFT") == 0;
    }
    return 0;
}

static void
test_drift(void **state)
{
    struct fixture *fx = *state;
    struct report r;
    struct aiwb_table *t = table_new(NULL);
    char *cause = NULL, name[64];

    must(fx, "load ref gen:classification n=1000 features=3 seed=5");
    must(fx, "load cur gen:classification n=1000 features=3 seed=5 sample=2 shift=1 shifted=1");
    /* what the drift command keeps as report 1 */
    must(fx, "drift ref cur");
    memset(&r, 0, sizeof r);
    if (store_drift_get(fx->s->store, 1, gather, &r, &cause) != 0)
        fail_msg("store_drift_get: %s", cause);
    free(r.last);
    assert_int_equal(r.ncols, 4);
    assert_int_equal(r.flags[0], 1);
    assert_true(r.nstats >= 5);
    /* the whole report: every statistic's maximum, the counts */
    for (size_t i = 0; i < r.nstats; i++) {
        snprintf(name, sizeof name, "max_%s", r.names[i]);
        check_value(fx, "drift(ref, cur)", name, r.max[i]);
    }
    check_value(fx, "drift(ref, cur)", "columns", (double)r.ncols);
    check_value(fx, "drift(ref, cur)", "drifted", (double)r.flags[0]);
    check_value(fx, "drift(ref, cur)", "moderate", (double)r.flags[1]);
    check_value(fx, "drift(ref, cur)", "stable", (double)r.flags[2]);
    check_value(fx, "drift(ref, cur)", "too_few", (double)r.flags[3]);
    /* one column: each statistic's value and p */
    for (size_t i = 0; i < r.nx1; i++) {
        check_value(fx, "drift(ref, cur, x1)", r.x1_names[i], r.x1_value[i]);
        snprintf(name, sizeof name, "%s_p", r.x1_names[i]);
        check_value(fx, "drift(ref, cur, x1)", name, r.x1_p[i]);
    }
    check_value(fx, "drift(ref, cur, x1)", "drifted", r.x1_drift);
    must(fx, "assert drift(ref, cur, x1).n_ref == 1000 and drift(ref, cur, x1).n_cur == 1000 and "
             "drift(ref, cur, x1).severity > 0 and drift(ref, cur, x2).drifted == 0");
    /* assert keeps no report */
    if (store_drift_list(fx->s->store, t, &cause) < 0)
        fail_msg("%s", cause);
    assert_int_equal(table_rows(t), 1);
    table_free(t);
    /* options reach drift: stats=, columns= (quoted), a statistic's own */
    must(fx, "assert drift(ref, cur, columns='x2,x3', stats='ks,psi').columns == 2 and "
             "drift(ref, cur, columns=\"x2,x3\", stats='ks,psi').drifted == 0");
    must(fx, "assert drift(ref, cur, x1, stats=ks, ks_d=0.9).drifted == 0 and "
             "drift(ref, cur, x1, stats=ks).drifted == 1 and "
             "drift(ref, cur, x1, ks_d=0.9, stats=ks).ks == drift(ref, cur, x1).ks");
    fails(fx, "drift(ref, cur, stats=ks).max_psi < 1",
          "assert: column 27: drift(ref, cur, stats=ks) has no field 'max_psi' (it has: columns, "
          "drifted, moderate, stable, too_few, max_ks)");
    must(fx, "assert drift(ref, cur, stats=ks).max_ks > 0");
    assert_has(fx->err, "note: drift(ref, cur, stats=ks): not compared, no chosen statistic "
                        "takes their type: class");
    fails(fx, "drift(ref, cur, x1).chi2 < 1",
          "assert: column 21: drift(ref, cur, x1) has no field 'chi2' (it has: drifted, moderate, "
          "severity, n_ref, n_cur, psi, psi_p, ks, ks_p, wasserstein, wasserstein_p, missing, "
          "missing_p)");
    /* drift's own errors, said by drift */
    fails(fx, "drift(ref, cur, nope).psi < 1",
          "assert: column 1: drift(ref, cur, nope): drift: 'ref' has no column 'nope'");
    fails(fx, "drift(ref, cur, stats=nope).max_psi < 1",
          "assert: column 1: drift(ref, cur, stats=nope): drift: no drift statistic 'nope' "
          "(drift statistics: psi, ks, chi2, wasserstein, missing)");
    error_has(fx, "drift(ref, cur, zz=1).max_psi < 1",
              "assert: column 1: drift(ref, cur, zz=1): drift: no statistic takes option 'zz'");
    fails(fx, "drift(ref, cur, alpha=2).max_psi < 1",
          "assert: column 1: drift(ref, cur, alpha=2): drift: psi: alpha must be a number > 0 "
          "and < 1, not '2'");
    fails(fx, "drift(ref, nope).max_psi < 1",
          "assert: column 1: drift(ref, nope): no dataset 'nope' (see `datasets`; load one with "
          "`load nope FILE`)");
}

static void
test_rows_stored(void **state)
{
    struct fixture *fx = *state;
    struct aiwb_table *t = table_new(NULL);
    char *cause = NULL, line[256], num[NUMFMT_BUFSZ];
    int64_t run_id = 0;
    const char *p;

    must(fx, "load ref gen:classification n=400 features=3 seed=6");
    must(fx, "load cur gen:classification n=300 features=3 seed=6 sample=2");
    must(fx, "load other gen:classification n=200 features=3 seed=6 sample=3");
    holds(fx, "rows(ref) == 400 and rows(cur) + rows(other) == 500", "400 == 400, 500 == 500");
    /* stored(): as `eval` kept it; without a dataset, the latest evaluated on */
    must(fx, "train logistic on ref target=class as c");
    must(fx, "eval c on other");
    must(fx, "eval c on cur");
    must(fx, "assert stored(c).accuracy == eval(c, cur).accuracy and stored(c).rows == 300 and "
             "stored(c, other).rows == 200 and stored(c:1, other).f1 == eval(c, other).f1");
    /* each distinct call is made once: one note for stored(c) */
    p = strstr(fx->err, "note: stored(c): c:1's latest evaluation on 'cur'\n");
    assert_non_null(p);
    assert_null(strstr(p + 1, "note: stored(c)"));
    /* a model that cv saved: its cross-validated means */
    must(fx, "cv logistic on ref target=class folds=4 as cv1");
    if (store_model_run(fx->s->store, "cv1", 0, &run_id, NULL, &cause) < 0 ||
        store_run_metrics(fx->s->store, run_id, t, &cause) < 0)
        fail_msg("%s", cause);
    assert_true(table_rows(t) > 3);
    for (size_t i = 0; i < table_rows(t); i++) {
        snprintf(line, sizeof line, "assert stored(cv1).%s == %s", table_cell(t, i, 0)->v.s,
                 numfmt_exact(num, table_cell(t, i, 1)->v.r));
        must(fx, line);
    }
    assert_has(fx->err, "note: stored(cv1): cv1:1's cross-validation (the mean of 4 folds)");
    table_free(t);
    /* its errors */
    must(fx, "train nbayes on ref target=class as c");
    fails(fx, "stored(c).accuracy > 0",
          "assert: column 1: stored(c): the workspace keeps no "
          "evaluation of 'c:2' (`eval c:2 on DATASET`)");
    fails(fx, "stored(c:1, ref).accuracy > 0",
          "assert: column 1: stored(c:1, ref): 'c:1' was "
          "never evaluated on 'ref' (`eval c:1 on ref`)");
    fails(fx, "stored(c:x).accuracy > 0",
          "assert: column 1: stored(c:x): bad model version in "
          "'c:x' (write NAME or NAME:VERSION, e.g. m1:2)");
    error_has(fx, "stored(c:7).accuracy > 0", "stored(c:7): model 'c' in workspace");
    error_has(fx, "stored(nope).accuracy > 0", "stored(nope): no model 'nope' in workspace");
    fails(fx, "stored(c:1).auc > 0",
          "assert: column 13: stored(c:1) has no metric 'auc' (it "
          "has: rows, accuracy, precision, recall, f1, log_loss, "
          "roc_auc)");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_precedence, setup, teardown),
        cmocka_unit_test_setup_teardown(test_explained, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nan, setup, teardown),
        cmocka_unit_test_setup_teardown(test_syntax_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_type_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_call_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_eval, setup, teardown),
        cmocka_unit_test_setup_teardown(test_eval_ranking, setup, teardown),
        cmocka_unit_test_setup_teardown(test_drift, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rows_stored, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
