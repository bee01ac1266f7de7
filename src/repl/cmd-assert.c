/*
 * cmd-assert.c - "assert EXPRESSION": check a condition on models and data,
 * and fail (a script stops, exit status 1) when it does not hold.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The expression is parsed whole into a tree first, so that a syntax error
 * costs nothing; then each distinct function call (eval, drift, rows,
 * stored) runs once, through the code the commands of the same names use
 * (pipeline_evaluate_at(), drift_compare(), the workspace's evaluations),
 * and the tree is computed. Columns in messages count from the first
 * character of the expression, as the words after `assert` joined by one
 * space (the REPL's tokenizer keeps a parenthesised word whole).
 */
#include <config.h>

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/frame.h"
#include "core/numfmt.h"
#include "core/pipeline.h"
#include "core/strbuf.h"
#include "core/table.h"
#include "core/xalloc.h"
#include "repl/cmd.h"
#include "repl/drift.h"
#include "repl/session.h"
#include "store/store.h"

/* ---- the tree ------------------------------------------------------------- */

/* What a part of the expression gives: a number, or a truth (true/false). */
enum type { NUMBER, TRUTH };

enum kind { K_NUM, K_CALL, K_NEG, K_ADD, K_SUB, K_MUL, K_DIV, K_CMP, K_AND, K_OR, K_NOT };

enum cmp_op { LT, LE, GT, GE, EQ, NE };
static const char *const cmp_names[] = {"<", "<=", ">", ">=", "==", "!="};

struct node {
    enum kind kind;
    enum type type;
    enum cmp_op op;  /* K_CMP */
    size_t from, to; /* the text it spans, offsets into the expression */
    struct node *a, *b;
    size_t call; /* K_CALL: its place in the parser's calls */
    char *field; /* K_CALL of a record: the field read */
    size_t field_at;
    double value; /* once computed: the number, or 1 / 0 for a truth */
};

/* A record: the numbers a function call gives, by name. */
struct record {
    size_t n;
    char **names;
    double *values;
    char *notes; /* lines to show, or NULL */
};

struct function;

/* One distinct function call of the expression. */
struct call {
    const struct function *fn;
    size_t at, to; /* its text: from the name to past ')' */
    size_t npos;   /* positional arguments */
    char **pos;
    size_t *pos_at;
    size_t nopt; /* NAME=VALUE arguments, as words */
    char **opt;
    size_t *opt_at;
    char *key; /* the call written plainly, to run each distinct call once */
    int done;
    struct record rec;
};

struct parser {
    struct session *s;
    const char *text; /* the expression */
    size_t pos;
    int failed; /* an error was reported */
    /* the current token */
    int tok;
    size_t tok_at, tok_len;
    double num;
    enum cmp_op op;
    size_t ncalls;
    struct call *calls;
};

/* ---- functions -------------------------------------------------------------- */

typedef int (*call_fn)(struct parser *p, struct call *c);

struct function {
    const char *name;
    size_t min_pos, max_pos;
    const char *const *opts; /* the NAME= it takes; NULL: any (checked by the callee) */
    int record;              /* gives a record (read with .NAME), else one number */
    const char *usage;
    call_fn run;
};

static int run_eval(struct parser *p, struct call *c);
static int run_drift(struct parser *p, struct call *c);
static int run_rows(struct parser *p, struct call *c);
static int run_stored(struct parser *p, struct call *c);

static const char *const eval_opts[] = {"k", "relevant", NULL};
static const char *const no_opts[] = {NULL};

static const struct function functions[] = {
    {"eval", 2, 2, eval_opts, 1, "eval(MODEL, DATASET[, k=K][, relevant=RATING])", run_eval},
    {"drift", 2, 3, NULL, 1, "drift(REF, CUR[, COLUMN][, OPTION=VALUE ...])", run_drift},
    {"rows", 1, 1, no_opts, 0, "rows(DATASET)", run_rows},
    {"stored", 1, 2, no_opts, 1, "stored(MODEL[, DATASET])", run_stored},
};
#define NFUNCTIONS (sizeof functions / sizeof functions[0])

static const struct function *
function_find(const char *name, size_t len)
{
    for (size_t i = 0; i < NFUNCTIONS; i++)
        if (strlen(functions[i].name) == len && strncmp(functions[i].name, name, len) == 0)
            return &functions[i];
    return NULL;
}

static void
record_add(struct record *r, const char *name, double v)
{
    r->names = xreallocarray(r->names, r->n + 1, sizeof *r->names);
    r->values = xreallocarray(r->values, r->n + 1, sizeof *r->values);
    r->names[r->n] = xstrdup(name);
    r->values[r->n++] = v;
}

/* The place of NAME in R, or -1. */
static long
record_find(const struct record *r, const char *name)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->names[i], name) == 0)
            return (long)i;
    return -1;
}

static void
record_release(struct record *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->names[i]);
    free(r->names);
    free(r->values);
    free(r->notes);
    memset(r, 0, sizeof *r);
}

/* ---- errors ------------------------------------------------------------------- */

static void fail_at(struct parser *p, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Report an error at offset AT of the expression, once. */
static void
fail_at(struct parser *p, size_t at, const char *fmt, ...)
{
    struct strbuf sb = STRBUF_INIT;
    va_list ap;

    if (p->failed)
        return;
    p->failed = 1;
    va_start(ap, fmt);
    strbuf_vaddf(&sb, fmt, ap);
    va_end(ap);
    cmd_error(p->s, "assert: column %zu: %s", at + 1, strbuf_str(&sb));
    strbuf_release(&sb);
}

/* Report the error a command's code reported for call C, saying which call. */
static void
call_failed(struct parser *p, const struct call *c)
{
    char *why = xstrdup(cmd_last_error() != NULL ? cmd_last_error() : "failed");

    fail_at(p, c->at, "%.*s: %s", (int)(c->to - c->at), p->text + c->at, why);
    free(why);
}

/* ---- tokens ------------------------------------------------------------------- */

enum token {
    T_END,
    T_NUM,
    T_NAME,
    T_LP,
    T_RP,
    T_COMMA,
    T_DOT,
    T_PLUS,
    T_MINUS,
    T_STAR,
    T_SLASH,
    T_CMP,
    T_ASSIGN,
    T_BAD
};

static int
is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int
is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static void
skip_space(struct parser *p)
{
    while (p->text[p->pos] == ' ' || p->text[p->pos] == '\t')
        p->pos++;
}

/* Read the token at p->pos into p->tok; -1 after an error (a bad number). */
static int
next(struct parser *p)
{
    const char *t = p->text;
    size_t i;

    skip_space(p);
    i = p->tok_at = p->pos;
    if (t[i] == '\0') {
        p->tok = T_END;
    } else if (is_digit(t[i]) || (t[i] == '.' && is_digit(t[i + 1]))) {
        while (is_digit(t[i]))
            i++;
        if (t[i] == '.')
            for (i++; is_digit(t[i]); i++)
                ;
        if ((t[i] == 'e' || t[i] == 'E') &&
            (is_digit(t[i + 1]) || ((t[i + 1] == '+' || t[i + 1] == '-') && is_digit(t[i + 2]))))
            for (i += 2; is_digit(t[i]); i++)
                ;
        while (is_alpha(t[i]) || is_digit(t[i]) || t[i] == '.')
            i++;
        if (numfmt_parse(t + p->pos, i - p->pos, &p->num) < 0 || !isfinite(p->num)) {
            fail_at(p, p->pos, "'%.*s' is not a finite number", (int)(i - p->pos), t + p->pos);
            return -1;
        }
        p->tok = T_NUM;
    } else if (is_alpha(t[i])) {
        while (is_alpha(t[i]) || is_digit(t[i]))
            i++;
        p->tok = T_NAME;
    } else {
        static const char singles[] = "(),.+-*/";
        const char *at = strchr(singles, t[i]);

        i++;
        if (at != NULL) {
            p->tok = T_LP + (int)(at - singles);
        } else if (t[i - 1] == '<' || t[i - 1] == '>') {
            p->tok = T_CMP;
            p->op = t[i - 1] == '<' ? LT : GT;
            if (t[i] == '=') {
                p->op = p->op == LT ? LE : GE;
                i++;
            }
        } else if ((t[i - 1] == '=' || t[i - 1] == '!') && t[i] == '=') {
            p->tok = T_CMP;
            p->op = t[i - 1] == '=' ? EQ : NE;
            i++;
        } else {
            p->tok = t[i - 1] == '=' ? T_ASSIGN : T_BAD;
        }
    }
    p->tok_len = i - p->tok_at;
    p->pos = i;
    return 0;
}

/* Whether the current token is the word WORD (and, or, not). */
static int
is_word(const struct parser *p, const char *word)
{
    return p->tok == T_NAME && p->tok_len == strlen(word) &&
           strncmp(p->text + p->tok_at, word, p->tok_len) == 0;
}

/* "found ..." for messages: the current token quoted, or the end. */
static char *
found(const struct parser *p)
{
    if (p->tok == T_END)
        return xstrdup("the end of the expression");
    return xasprintf("'%.*s'", (int)p->tok_len, p->text + p->tok_at);
}

static void
expected(struct parser *p, const char *what)
{
    char *f = found(p);

    if (p->tok == T_ASSIGN)
        fail_at(p, p->tok_at, "expected %s, found '=' (to compare, write '==')", what);
    else
        fail_at(p, p->tok_at, "expected %s, found %s", what, f);
    free(f);
}

/* ---- parsing --------------------------------------------------------------- */

static struct node *parse_or(struct parser *p);

static void
node_free(struct node *n)
{
    if (n == NULL)
        return;
    node_free(n->a);
    node_free(n->b);
    free(n->field);
    free(n);
}

static struct node *
node_new(enum kind kind, enum type type, size_t from, size_t to)
{
    struct node *n = xcalloc(1, sizeof *n);

    n->kind = kind;
    n->type = type;
    n->from = from;
    n->to = to;
    return n;
}

/* Check that N gives a TYPE, as the operand of WHAT; frees N if not. */
static struct node *
want(struct parser *p, struct node *n, enum type type, const char *what)
{
    if (n == NULL || n->type == type)
        return n;
    if (type == NUMBER)
        fail_at(p, n->from, "%s needs a number, but '%.*s' is a comparison (true or false)", what,
                (int)(n->to - n->from), p->text + n->from);
    else
        fail_at(p, n->from,
                "%s needs a comparison, but '%.*s' is a number (compare it: '%.*s > 0' ...)", what,
                (int)(n->to - n->from), p->text + n->from, (int)(n->to - n->from),
                p->text + n->from);
    node_free(n);
    return NULL;
}

/*
 * One argument of a call, from p->pos, into C: a word of letters, digits
 * and _ . : @ + -, or a quoted text ('a b', "a,b"), or NAME=VALUE with such
 * a value. A word after a NAME=VALUE is refused: it is most likely the rest
 * of an unquoted list (stats=psi,ks).
 */
static int
parse_arg(struct parser *p, struct call *c)
{
    const char *t = p->text;
    struct strbuf sb = STRBUF_INIT;
    size_t at, i, eq = 0;

    skip_space(p);
    at = i = p->pos;
    for (;;) {
        if (t[i] == '\'' || t[i] == '"') {
            char q = t[i++];

            for (; t[i] && t[i] != q; i++) {
                if (q == '"' && t[i] == '\\' && (t[i + 1] == '"' || t[i + 1] == '\\'))
                    i++;
                strbuf_addch(&sb, t[i]);
            }
            if (t[i] != q) {
                fail_at(p, at, "unterminated quote");
                goto fail;
            }
            i++;
        } else if (is_alpha(t[i]) || is_digit(t[i]) || (t[i] && strchr(".:@+-", t[i]))) {
            strbuf_addch(&sb, t[i++]);
        } else if (t[i] == '=' && eq == 0 && sb.len > 0 && sb.len == i - at) {
            eq = sb.len + 1;
            strbuf_addch(&sb, t[i++]);
        } else {
            break;
        }
    }
    if (i == at) {
        next(p);
        expected(p, "an argument");
        goto fail;
    }
    if (sb.len == 0) {
        fail_at(p, at, "an argument is empty");
        goto fail;
    }
    if (sb.len == eq) {
        fail_at(p, at, "%s has no value", strbuf_str(&sb));
        goto fail;
    }
    if (eq > 0) {
        c->opt = xreallocarray(c->opt, c->nopt + 1, sizeof *c->opt);
        c->opt_at = xreallocarray(c->opt_at, c->nopt + 1, sizeof *c->opt_at);
        c->opt_at[c->nopt] = at;
        c->opt[c->nopt++] = strbuf_detach(&sb, NULL);
    } else if (c->nopt > 0) {
        fail_at(p, at,
                "'%s' follows an option: options come last, and a value holding commas is "
                "quoted (stats='psi,ks')",
                strbuf_str(&sb));
        goto fail;
    } else {
        c->pos = xreallocarray(c->pos, c->npos + 1, sizeof *c->pos);
        c->pos_at = xreallocarray(c->pos_at, c->npos + 1, sizeof *c->pos_at);
        c->pos_at[c->npos] = at;
        c->pos[c->npos++] = strbuf_detach(&sb, NULL);
    }
    p->pos = i;
    return 0;
fail:
    strbuf_release(&sb);
    return -1;
}

static void
call_release(struct call *c)
{
    for (size_t i = 0; i < c->npos; i++)
        free(c->pos[i]);
    for (size_t i = 0; i < c->nopt; i++)
        free(c->opt[i]);
    free(c->pos);
    free(c->pos_at);
    free(c->opt);
    free(c->opt_at);
    free(c->key);
    record_release(&c->rec);
}

/* Check the arguments of call C against its function. */
static int
check_call(struct parser *p, struct call *c)
{
    const struct function *f = c->fn;

    if (c->npos < f->min_pos || c->npos > f->max_pos) {
        size_t lim = c->npos < f->min_pos ? f->min_pos : f->max_pos;

        fail_at(p, c->at, "%s() takes %s%zu argument%s before any NAME=VALUE, not %zu (%s)",
                f->name,
                f->min_pos == f->max_pos ? ""
                : c->npos < f->min_pos   ? "at least "
                                         : "at most ",
                lim, lim == 1 ? "" : "s", c->npos, f->usage);
        return -1;
    }
    for (size_t i = 0; i < c->nopt; i++) {
        size_t len = strcspn(c->opt[i], "=");
        int known = f->opts == NULL;

        for (size_t k = 0; !known && f->opts[k] != NULL; k++)
            known = strlen(f->opts[k]) == len && strncmp(f->opts[k], c->opt[i], len) == 0;
        if (!known) {
            fail_at(p, c->opt_at[i], "%s() takes no option '%.*s' (%s)", f->name, (int)len,
                    c->opt[i], f->usage);
            return -1;
        }
        for (size_t j = 0; j < i; j++) {
            if (strncmp(c->opt[j], c->opt[i], len + 1) == 0) {
                fail_at(p, c->opt_at[i], "%.*s= is given twice", (int)len, c->opt[i]);
                return -1;
            }
        }
    }
    if (f->run == run_drift && c->npos == 3) {
        for (size_t i = 0; i < c->nopt; i++) {
            if (strncmp(c->opt[i], "columns=", 8) == 0) {
                fail_at(p, c->opt_at[i], "drift() takes a COLUMN or columns=, not both");
                return -1;
            }
        }
    }
    return 0;
}

/* The call C written plainly, "eval(m1,live,k=5)": calls that read the same
 * are made once. A new string. */
static char *
call_key(const struct call *c)
{
    struct strbuf sb = STRBUF_INIT;

    strbuf_addf(&sb, "%s(", c->fn->name);
    for (size_t i = 0; i < c->npos; i++)
        strbuf_addf(&sb, "%s%s", i ? "," : "", c->pos[i]);
    for (size_t i = 0; i < c->nopt; i++)
        strbuf_addf(&sb, ",%s", c->opt[i]);
    strbuf_addch(&sb, ')');
    return strbuf_detach(&sb, NULL);
}

/* A function call, the current token being its name; then .FIELD if it
 * gives a record. */
static struct node *
parse_call(struct parser *p)
{
    struct call c;
    struct node *n;
    size_t at = p->tok_at, k;

    memset(&c, 0, sizeof c);
    c.at = at;
    if ((c.fn = function_find(p->text + at, p->tok_len)) == NULL) {
        skip_space(p);
        if (p->text[p->pos] == '(')
            fail_at(p, at, "unknown function '%.*s' (functions: eval, drift, rows, stored)",
                    (int)p->tok_len, p->text + at);
        else
            fail_at(p, at,
                    "'%.*s' is neither a number nor a function call (functions: eval, drift, "
                    "rows, stored; read a record's numbers with .NAME after the call)",
                    (int)p->tok_len, p->text + at);
        return NULL;
    }
    if (next(p) < 0)
        return NULL;
    if (p->tok != T_LP) {
        expected(p, "'(' after the function's name");
        return NULL;
    }
    skip_space(p);
    if (p->text[p->pos] != ')') {
        for (;;) {
            if (parse_arg(p, &c) < 0 || next(p) < 0)
                goto fail;
            if (p->tok == T_RP)
                break;
            if (p->tok != T_COMMA) {
                expected(p, "',' or ')'");
                goto fail;
            }
        }
    } else if (next(p) < 0) {
        goto fail;
    }
    c.to = p->pos;
    if (check_call(p, &c) < 0)
        goto fail;
    c.key = call_key(&c);
    for (k = 0; k < p->ncalls && strcmp(p->calls[k].key, c.key) != 0; k++)
        ;
    n = node_new(K_CALL, NUMBER, at, p->pos);
    n->call = k;
    if (k == p->ncalls) {
        p->calls = xreallocarray(p->calls, p->ncalls + 1, sizeof *p->calls);
        p->calls[p->ncalls++] = c;
    } else {
        call_release(&c);
    }
    if (next(p) < 0) {
        node_free(n);
        return NULL;
    }
    if (p->tok != T_DOT) {
        if (!p->calls[k].fn->record)
            return n;
        fail_at(p, at,
                "%s() gives a record of numbers: read one with .NAME, as in '%.*s.%s' "
                "(`help assert` lists them)",
                p->calls[k].fn->name, (int)(n->to - n->from), p->text + n->from,
                p->calls[k].fn->run != run_drift ? "accuracy"
                : p->calls[k].npos == 3          ? "psi"
                                                 : "max_psi");
        node_free(n);
        return NULL;
    }
    if (!p->calls[k].fn->record) {
        fail_at(p, p->tok_at, "%s() gives a number, not a record: there is no field to read",
                p->calls[k].fn->name);
        node_free(n);
        return NULL;
    }
    /* .NAME, or .NAME@K for a recommender's metrics at K */
    skip_space(p);
    {
        const char *t = p->text;
        size_t i = p->pos;

        if (!is_alpha(t[i])) {
            next(p);
            expected(p, "a field name after '.'");
            node_free(n);
            return NULL;
        }
        while (is_alpha(t[i]) || is_digit(t[i]))
            i++;
        if (t[i] == '@' && is_digit(t[i + 1]))
            for (i++; is_digit(t[i]); i++)
                ;
        n->field = xstrndup(t + p->pos, i - p->pos);
        n->field_at = p->pos;
        n->to = p->pos = i;
    }
    if (next(p) < 0) {
        node_free(n);
        return NULL;
    }
    return n;
fail:
    call_release(&c);
    return NULL;
}

/* A number, a call, ( expression ), - unary. */
static struct node *
parse_unary(struct parser *p)
{
    size_t at = p->tok_at;
    struct node *n, *a;

    switch (p->tok) {
    case T_MINUS:
        if (next(p) < 0 || (a = want(p, parse_unary(p), NUMBER, "'-'")) == NULL)
            return NULL;
        n = node_new(K_NEG, NUMBER, at, a->to);
        n->a = a;
        return n;
    case T_NUM:
        n = node_new(K_NUM, NUMBER, at, at + p->tok_len);
        n->value = p->num;
        if (next(p) < 0) {
            node_free(n);
            return NULL;
        }
        return n;
    case T_LP:
        if (next(p) < 0 || (a = parse_or(p)) == NULL)
            return NULL;
        if (p->tok != T_RP) {
            expected(p, "')'");
            node_free(a);
            return NULL;
        }
        a->from = at;
        a->to = p->pos;
        if (next(p) < 0) {
            node_free(a);
            return NULL;
        }
        return a;
    case T_NAME:
        if (!is_word(p, "and") && !is_word(p, "or") && !is_word(p, "not"))
            return parse_call(p);
        break;
    default:
        break;
    }
    expected(p, "a number, a function call or '('");
    return NULL;
}

/* Left-associative * and / (MUL), else + and -, over the level below. */
static struct node *
parse_arith(struct parser *p, int mul)
{
    struct node *n = mul ? parse_unary(p) : parse_arith(p, 1);

    while (n != NULL &&
           (mul ? p->tok == T_STAR || p->tok == T_SLASH : p->tok == T_PLUS || p->tok == T_MINUS)) {
        int tok = p->tok;
        char what[8];
        struct node *b, *op;

        snprintf(what, sizeof what, "'%c'", p->text[p->tok_at]);
        if ((n = want(p, n, NUMBER, what)) == NULL || next(p) < 0 ||
            (b = want(p, mul ? parse_unary(p) : parse_arith(p, 1), NUMBER, what)) == NULL) {
            node_free(n);
            return NULL;
        }
        op = node_new(tok == T_STAR    ? K_MUL
                      : tok == T_SLASH ? K_DIV
                      : tok == T_PLUS  ? K_ADD
                                       : K_SUB,
                      NUMBER, n->from, b->to);
        op->a = n;
        op->b = b;
        n = op;
    }
    return n;
}

/* SUM [CMP SUM]: comparisons do not chain. */
static struct node *
parse_cmp(struct parser *p)
{
    struct node *n = parse_arith(p, 0), *b, *c;
    enum cmp_op op = p->op;
    char what[32];

    if (n == NULL || p->tok != T_CMP)
        return n;
    snprintf(what, sizeof what, "'%s'", cmp_names[op]);
    if ((n = want(p, n, NUMBER, what)) == NULL || next(p) < 0 ||
        (b = want(p, parse_arith(p, 0), NUMBER, what)) == NULL) {
        node_free(n);
        return NULL;
    }
    c = node_new(K_CMP, TRUTH, n->from, b->to);
    c->op = op;
    c->a = n;
    c->b = b;
    if (p->tok == T_CMP) {
        fail_at(p, p->tok_at, "comparisons do not chain: write 'A < B and B < C'");
        node_free(c);
        return NULL;
    }
    return c;
}

static struct node *
parse_not(struct parser *p)
{
    size_t at = p->tok_at;
    struct node *a, *n;

    if (!is_word(p, "not"))
        return parse_cmp(p);
    if (next(p) < 0 || (a = want(p, parse_not(p), TRUTH, "'not'")) == NULL)
        return NULL;
    n = node_new(K_NOT, TRUTH, at, a->to);
    n->a = a;
    return n;
}

/* Left-associative `and` (IS_AND) or `or` (else) over the level below. */
static struct node *
parse_logic(struct parser *p, int is_and)
{
    const char *word = is_and ? "and" : "or";
    struct node *n = is_and ? parse_not(p) : parse_logic(p, 1);

    while (n != NULL && is_word(p, word)) {
        char what[8];
        struct node *b, *op;

        snprintf(what, sizeof what, "'%s'", word);
        if ((n = want(p, n, TRUTH, what)) == NULL || next(p) < 0 ||
            (b = want(p, is_and ? parse_not(p) : parse_logic(p, 1), TRUTH, what)) == NULL) {
            node_free(n);
            return NULL;
        }
        op = node_new(is_and ? K_AND : K_OR, TRUTH, n->from, b->to);
        op->a = n;
        op->b = b;
        n = op;
    }
    return n;
}

static struct node *
parse_or(struct parser *p)
{
    return parse_logic(p, 0);
}

/* The whole expression: a comparison, or comparisons joined by and, or, not. */
static struct node *
parse(struct parser *p)
{
    struct node *n;

    if (next(p) < 0 || (n = parse_or(p)) == NULL)
        return NULL;
    if (p->tok != T_END) {
        if (p->tok == T_RP)
            fail_at(p, p->tok_at, "')' without '('");
        else
            expected(p, n->type == TRUTH ? "'and', 'or' or the end" : "an operator or the end");
        node_free(n);
        return NULL;
    }
    return want(p, n, TRUTH, "assert");
}

/* ---- the functions ---------------------------------------------------------- */

/* Prefix each line of TEXT with the call's text into R's notes. */
static void
keep_notes(struct parser *p, struct call *c, const char *text)
{
    struct strbuf sb = STRBUF_INIT;

    while (text != NULL && *text) {
        size_t len = strcspn(text, "\n");

        if (len > 0)
            strbuf_addf(&sb, "%.*s: %.*s\n", (int)(c->to - c->at), p->text + c->at, (int)len, text);
        text += len + (text[len] == '\n');
    }
    if (sb.len > 0) {
        sb.buf[--sb.len] = '\0';
        c->rec.notes = strbuf_detach(&sb, NULL);
    }
    strbuf_release(&sb);
}

/* The value of option NAME of C, or NULL. */
static const char *
opt_of(const struct call *c, const char *name)
{
    size_t len = strlen(name);

    for (size_t i = 0; i < c->nopt; i++)
        if (strncmp(c->opt[i], name, len) == 0 && c->opt[i][len] == '=')
            return c->opt[i] + len + 1;
    return NULL;
}

/* eval(MODEL, DATASET[, k=K][, relevant=RATING]): what `eval` measures. */
static int
run_eval(struct parser *p, struct call *c)
{
    struct session *s = p->s;
    const char *kt = opt_of(c, "k"), *rt = opt_of(c, "relevant");
    size_t k = PIPELINE_EVAL_K;
    double relevant = NAN;
    struct pipeline *pl;
    struct dataset *d;
    struct evaluation ev;
    char *notes = NULL, *cause = NULL;

    if ((kt != NULL && cmd_parse_size(s, "k", kt, &k) < 0) ||
        (rt != NULL && cmd_parse_real(s, "relevant", rt, &relevant) < 0))
        return -1;
    if (kt != NULL && k == 0) {
        cmd_error(s, "k must be 1 or more");
        return -1;
    }
    if ((pl = session_model(s, c->pos[0], NULL)) == NULL ||
        (d = session_need_dataset(s, c->pos[1])) == NULL)
        return -1;
    if ((kt != NULL || rt != NULL) && pipeline_task(pl) != AIWB_TASK_RANKING) {
        cmd_error(s, "k= and relevant= are for recommenders; '%s' is %s", c->pos[0],
                  pipeline_algorithm(pl) != NULL ? pipeline_algorithm(pl) : "no model");
        return -1;
    }
    memset(&ev, 0, sizeof ev);
    if (pipeline_evaluate_at(pl, d->frame, k, relevant, &ev, &notes, &cause) < 0) {
        cmd_error(s, "cannot evaluate '%s' on '%s': %s", c->pos[0], d->name, cause);
        free(cause);
        free(notes);
        evaluation_release(&ev);
        return -1;
    }
    for (size_t i = 0; i < ev.n; i++)
        record_add(&c->rec, ev.names[i], ev.values[i]);
    keep_notes(p, c, notes);
    free(notes);
    evaluation_release(&ev);
    return 0;
}

/* What drift() gathers from the report's rows. */
struct drift_sum {
    struct record *rec;
    int column;       /* one column: its statistics, else the maxima and counts */
    size_t counts[4]; /* columns flagged DRIFT, moderate, stable, too few rows */
    const char *last; /* the column of the last row (borrowed for the call) */
    char *notes;
};

static int
drift_row(void *arg, const struct store_drift_report *r, const struct store_drift_row *w)
{
    static const char *const flags[] = {"DRIFT", "moderate", "stable", "too few rows"};
    struct drift_sum *ds = arg;
    struct record *rec = ds->rec;
    char *name;
    long at;

    if (w == NULL) {
        ds->notes = xstrdup(r->notes != NULL ? r->notes : "");
        return 0;
    }
    if (ds->last == NULL || strcmp(ds->last, w->column) != 0) {
        size_t f = 0;

        while (f < 3 && strcmp(flags[f], w->flag) != 0)
            f++;
        ds->counts[f]++;
        if (ds->column) {
            record_add(rec, "drifted", f == 0);
            record_add(rec, "moderate", f == 1);
            record_add(rec, "severity", w->severity);
            record_add(rec, "n_ref", (double)w->n_ref);
            record_add(rec, "n_cur", (double)w->n_cur);
        }
    }
    ds->last = w->column;
    if (ds->column) {
        /* the row's severity is the statistic's; the column's is the largest */
        at = record_find(rec, "severity");
        if (!(rec->values[at] >= w->severity))
            rec->values[at] = w->severity;
        record_add(rec, w->stat, w->value);
        name = xasprintf("%s_p", w->stat);
        record_add(rec, name, w->p);
        free(name);
        return 0;
    }
    name = xasprintf("max_%s", w->stat);
    if ((at = record_find(rec, name)) < 0)
        record_add(rec, name, w->value);
    else if (isnan(rec->values[at]) || w->value > rec->values[at])
        rec->values[at] = w->value;
    free(name);
    return 0;
}

static const char *const count_names[] = {"columns", "drifted", "moderate", "stable", "too_few"};

/* drift(REF, CUR[, COLUMN][, OPTION=VALUE ...]): what `drift` finds. */
static int
run_drift(struct parser *p, struct call *c)
{
    char **argv = xcalloc(c->nopt + 4, sizeof *argv);
    struct drift_sum ds;
    int argc = 0, rc;

    memset(&ds, 0, sizeof ds);
    ds.rec = &c->rec;
    ds.column = c->npos == 3;
    argv[argc++] = xstrdup(c->pos[0]);
    argv[argc++] = xstrdup(c->pos[1]);
    if (ds.column)
        argv[argc++] = xasprintf("columns=%s", c->pos[2]);
    for (size_t i = 0; i < c->nopt; i++)
        argv[argc++] = xstrdup(c->opt[i]);
    /* the counts first (filled in at the end), then max_STAT as they come */
    for (size_t i = 0; !ds.column && i < 5; i++)
        record_add(&c->rec, count_names[i], 0);
    rc = drift_compare(p->s, argc, argv, drift_row, &ds);
    for (size_t i = 0; rc == 0 && !ds.column && i < 4; i++) {
        c->rec.values[0] += (double)ds.counts[i];
        c->rec.values[i + 1] = (double)ds.counts[i];
    }
    if (rc == 0)
        keep_notes(p, c, ds.notes);
    free(ds.notes);
    for (int i = 0; i < argc; i++)
        free(argv[i]);
    free(argv);
    return rc == 0 ? 0 : -1;
}

/* rows(DATASET): how many rows it has. */
static int
run_rows(struct parser *p, struct call *c)
{
    struct dataset *d = session_need_dataset(p->s, c->pos[0]);

    if (d == NULL)
        return -1;
    record_add(&c->rec, "rows", (double)frame_rows(d->frame));
    return 0;
}

/* The value of field FIELD of store_run_info()'s table INFO, or NULL. */
static const char *
info_of(const struct aiwb_table *info, const char *field)
{
    for (size_t i = 0; i < table_rows(info); i++)
        if (strcmp(table_cell(info, i, 0)->v.s, field) == 0)
            return table_cell(info, i, 1)->null ? NULL : table_cell(info, i, 1)->v.s;
    return NULL;
}

/* The latest value of each metric of EVALS (store_model_evals()) made on
 * DATASET into R. */
static void
latest_evals(struct record *r, const struct aiwb_table *evals, const char *dataset)
{
    for (size_t i = 0; i < table_rows(evals); i++) {
        const struct table_cell *v = table_cell(evals, i, 3);
        long at;

        if (table_cell(evals, i, 1)->null || strcmp(table_cell(evals, i, 1)->v.s, dataset) != 0)
            continue;
        if ((at = record_find(r, table_cell(evals, i, 2)->v.s)) < 0)
            record_add(r, table_cell(evals, i, 2)->v.s, v->null ? NAN : v->v.r);
        else
            r->values[at] = v->null ? NAN : v->v.r;
    }
}

/*
 * stored(MODEL[, DATASET]): the numbers the workspace keeps for a model
 * version, as `compare` reads them: its latest evaluation on DATASET; with
 * no DATASET, its cross-validation if `cv ... as` or `tune` made it, else
 * its latest evaluation on the dataset it was last evaluated on.
 */
static int
run_stored(struct parser *p, struct call *c)
{
    struct session *s = p->s;
    struct aiwb_table *info = table_new(NULL), *metrics = table_new(NULL), *evals = table_new(NULL);
    const char *ref = c->pos[0], *colon = strrchr(ref, ':'), *dataset;
    char *name = colon != NULL ? xstrndup(ref, (size_t)(colon - ref)) : xstrdup(ref);
    char *cause = NULL, *end, *note = NULL;
    long v = 0;
    int version = 0, rc = -1;
    int64_t run = 0;

    if (colon != NULL) {
        v = strtol(colon + 1, &end, 10);
        if (colon[1] == '\0' || *end != '\0' || v < 1 || v > 1000000000) {
            cmd_error(s, "bad model version in '%s' (write NAME or NAME:VERSION, e.g. m1:2)", ref);
            goto out;
        }
    }
    version = (int)v;
    if (store_model_run(s->store, name, version, &run, &version, &cause) < 0 ||
        (run != 0 && store_run_info(s->store, run, info, &cause) < 0) ||
        (run != 0 && store_run_metrics(s->store, run, metrics, &cause) < 0) ||
        store_model_evals(s->store, name, version, evals, &cause) < 0) {
        cmd_error(s, "%s", cause);
        goto out;
    }
    dataset = c->npos > 1 ? c->pos[1] : NULL;
    if (dataset == NULL && info_of(info, "kind") != NULL &&
        strcmp(info_of(info, "kind"), "cv") == 0 && table_rows(metrics) > 0) {
        for (size_t i = 0; i < table_rows(metrics); i++)
            record_add(&c->rec, table_cell(metrics, i, 0)->v.s,
                       table_cell(metrics, i, 1)->null ? NAN : table_cell(metrics, i, 1)->v.r);
        note = xasprintf("%s:%d's cross-validation (the mean of %lld folds)", name, version,
                         (long long)table_cell(metrics, 0, 3)->v.i);
    } else {
        for (size_t i = table_rows(evals); dataset == NULL && i-- > 0;)
            if (!table_cell(evals, i, 1)->null)
                dataset = table_cell(evals, i, 1)->v.s;
        if (dataset == NULL) {
            cmd_error(s, "the workspace keeps no evaluation of '%s:%d' (`eval %s:%d on DATASET`)",
                      name, version, name, version);
            goto out;
        }
        latest_evals(&c->rec, evals, dataset);
        if (c->rec.n == 0) {
            cmd_error(s, "'%s:%d' was never evaluated on '%s' (`eval %s:%d on %s`)", name, version,
                      dataset, name, version, dataset);
            goto out;
        }
        if (c->npos == 1)
            note = xasprintf("%s:%d's latest evaluation on '%s'", name, version, dataset);
    }
    keep_notes(p, c, note);
    rc = 0;
out:
    free(note);
    free(cause);
    free(name);
    table_free(info);
    table_free(metrics);
    table_free(evals);
    return rc;
}

/* ---- computing -------------------------------------------------------------- */

/* The names of record R, ", "-separated (a new string). */
static char *
field_names(const struct record *r)
{
    struct strbuf sb = STRBUF_INIT;

    for (size_t i = 0; i < r->n; i++)
        strbuf_addf(&sb, "%s%s", i ? ", " : "", r->names[i]);
    return strbuf_detach(&sb, NULL);
}

/* The value of field N->field of call C: NAME exactly, or a recommender's
 * NAME@K written without its @K. -1 after an error. */
static int
read_field(struct parser *p, struct node *n, struct call *c)
{
    const struct record *r = &c->rec;
    long at = record_find(r, n->field);
    size_t len = strlen(n->field);
    const char *at_k;
    char *all;

    for (size_t i = 0; at < 0 && strchr(n->field, '@') == NULL && i < r->n; i++)
        if (strncmp(r->names[i], n->field, len) == 0 && r->names[i][len] == '@')
            at = (long)i;
    if (at >= 0) {
        n->value = r->values[at];
        return 0;
    }
    all = field_names(r);
    at_k = c->fn->run == run_eval ? strchr(n->field, '@') : NULL;
    fail_at(p, n->field_at, "%.*s has no %s '%s' (it has: %s)%s%s%s%s", (int)(c->to - c->at),
            p->text + c->at,
            c->fn->run == run_eval || c->fn->run == run_stored ? "metric" : "field", n->field,
            *all ? all : "none", at_k ? "; k=" : "", at_k ? at_k + 1 : "",
            at_k ? " measures at " : "", at_k ? at_k : "");
    free(all);
    return -1;
}

static int
compare(enum cmp_op op, double a, double b)
{
    if (isnan(a) || isnan(b))
        return 0;
    switch (op) {
    case LT:
        return a < b;
    case LE:
        return a <= b;
    case GT:
        return a > b;
    case GE:
        return a >= b;
    case EQ:
        return a == b;
    case NE:
        break;
    }
    return a != b;
}

/* Compute N and everything under it: every side of and/or, so that a
 * call's error shows whatever the other side gives. -1 after an error. */
static int
compute(struct parser *p, struct node *n)
{
    struct call *c;

    if ((n->a != NULL && compute(p, n->a) < 0) || (n->b != NULL && compute(p, n->b) < 0))
        return -1;
    switch (n->kind) {
    case K_NUM:
        break;
    case K_CALL:
        c = &p->calls[n->call];
        if (!c->done) {
            if (c->fn->run(p, c) < 0) {
                call_failed(p, c);
                return -1;
            }
            c->done = 1;
        }
        if (n->field != NULL)
            return read_field(p, n, c);
        n->value = c->rec.values[0];
        break;
    case K_NEG:
        n->value = -n->a->value;
        break;
    case K_ADD:
        n->value = n->a->value + n->b->value;
        break;
    case K_SUB:
        n->value = n->a->value - n->b->value;
        break;
    case K_MUL:
        n->value = n->a->value * n->b->value;
        break;
    case K_DIV:
        n->value = n->a->value / n->b->value;
        break;
    case K_CMP:
        n->value = compare(n->op, n->a->value, n->b->value);
        break;
    case K_AND:
        n->value = n->a->value != 0 && n->b->value != 0;
        break;
    case K_OR:
        n->value = n->a->value != 0 || n->b->value != 0;
        break;
    case K_NOT:
        n->value = n->a->value == 0;
        break;
    }
    return 0;
}

/* ---- explaining -------------------------------------------------------------- */

/* The two sides of a comparison as text: 6 significant digits, or every
 * digit when that makes different numbers look the same; NA for NaN. */
static void
sides_text(double a, double b, char ta[NUMFMT_BUFSZ], char tb[NUMFMT_BUFSZ])
{
    if (isnan(a))
        strcpy(ta, "NA");
    else
        numfmt_sig(ta, a, 6);
    if (isnan(b))
        strcpy(tb, "NA");
    else
        numfmt_sig(tb, b, 6);
    if (strcmp(ta, tb) == 0 && a != b && !isnan(a) && !isnan(b)) {
        numfmt_exact(ta, a);
        numfmt_exact(tb, b);
    }
}

/* Add to SB the text of X, a side of a comparison, if it is NaN and not
 * there yet: "'0/0'", ", "-separated. */
static void
nan_note(const struct parser *p, const struct node *x, struct strbuf *sb)
{
    char *quoted;

    if (!isnan(x->value))
        return;
    quoted = xasprintf("'%.*s'", (int)(x->to - x->from), p->text + x->from);
    if (strstr(strbuf_str(sb), quoted) == NULL)
        strbuf_addf(sb, "%s%s", sb->len ? ", " : "", quoted);
    free(quoted);
}

/* What the NaN sides NANS (nan_note()) mean, a new string. */
static char *
nan_text(const struct strbuf *nans)
{
    return xasprintf("NA: %s %s, and every comparison with NA is false", strbuf_str(nans),
                     strchr(strbuf_str(nans), ',') != NULL ? "are not numbers" : "is not a number");
}

/*
 * Add to SB, ", "-separated, the comparisons that make N's value what it
 * is, with their numbers: "0.91 >= 0.93 is false". FAILED: the assertion
 * failed, so each says whether it was true or false; else only the false
 * ones (under `not`) say so. NaN comparisons go to NANS.
 */
static void
reasons(const struct parser *p, const struct node *n, int failed, struct strbuf *sb,
        struct strbuf *nans)
{
    char ta[NUMFMT_BUFSZ], tb[NUMFMT_BUFSZ];

    switch (n->kind) {
    case K_CMP:
        sides_text(n->a->value, n->b->value, ta, tb);
        strbuf_addf(sb, "%s%s %s %s%s", sb->len ? ", " : "", ta, cmp_names[n->op], tb,
                    n->value != 0 ? (failed ? " is true" : "") : " is false");
        nan_note(p, n->a, nans);
        nan_note(p, n->b, nans);
        break;
    case K_AND:
    case K_OR:
        /* the sides that decided: for a true `and` or a false `or` both,
         * else those with the value of the whole */
        if ((n->kind == K_AND) == (n->value != 0)) {
            reasons(p, n->a, failed, sb, nans);
            reasons(p, n->b, failed, sb, nans);
        } else {
            if ((n->a->value != 0) == (n->value != 0))
                reasons(p, n->a, failed, sb, nans);
            if ((n->b->value != 0) == (n->value != 0))
                reasons(p, n->b, failed, sb, nans);
        }
        break;
    case K_NOT:
        reasons(p, n->a, failed, sb, nans);
        break;
    default:
        break;
    }
}

/* ---- the command ------------------------------------------------------------- */

static void
parser_release(struct parser *p)
{
    for (size_t i = 0; i < p->ncalls; i++)
        call_release(&p->calls[i]);
    free(p->calls);
}

static enum cmd_retval
cmd_assert_exec(struct session *s, int argc, char **argv)
{
    struct strbuf text = STRBUF_INIT, why = STRBUF_INIT, nans = STRBUF_INIT;
    struct parser p;
    struct node *root;
    char *na = NULL;
    enum cmd_retval rc = CMD_ERROR;

    for (int i = 0; i < argc; i++)
        strbuf_addf(&text, "%s%s", i ? " " : "", argv[i]);
    memset(&p, 0, sizeof p);
    p.s = s;
    p.text = strbuf_str(&text);
    if ((root = parse(&p)) == NULL || compute(&p, root) < 0)
        goto out;
    for (size_t i = 0; i < p.ncalls; i++)
        if (p.calls[i].rec.notes != NULL)
            output_notes(&s->out, p.calls[i].rec.notes);
    reasons(&p, root, root->value == 0, &why, &nans);
    na = nans.len > 0 ? nan_text(&nans) : NULL;
    if (root->value == 0) {
        cmd_error(s, "assert: failed: %s: %s%s%s%s", p.text, strbuf_str(&why), na ? " (" : "",
                  na ? na : "", na ? ")" : "");
        goto out;
    }
    if (na != NULL)
        output_notes(&s->out, na);
    output_say(&s->out, "assert: ok: %s (%s)", p.text, strbuf_str(&why));
    rc = CMD_OK;
out:
    free(na);
    node_free(root);
    parser_release(&p);
    strbuf_release(&text);
    strbuf_release(&why);
    strbuf_release(&nans);
    return rc;
}

const struct cmd_entry cmd_assert_entry = {
    .name = "assert",
    .usage = "assert EXPRESSION...",
    .summary = "check a condition on models and data; fail (exit status 1 in a script) if false",
    .help = "True: prints \"assert: ok: EXPRESSION (0.95 >= 0.93)\" with the numbers\n"
            "compared. False: an error, \"assert: failed: EXPRESSION: 0.91 >= 0.93 is\n"
            "false\", so a script (aiwb -f, aiwb -c) stops there with exit status 1, naming\n"
            "its line: a scheduled job can gate a retrain or an export on it. Nothing is\n"
            "kept in the workspace.\n"
            "\n"
            "EXPRESSION is comparisons of numbers, joined by `and`, `or`, `not` and\n"
            "parentheses. Numbers: 0.2, 1e-3, arithmetic + - * / and unary -, and the\n"
            "functions below. Comparisons: < <= > >= == != (they do not chain). From\n"
            "the loosest: or, and, not, the comparisons, + -, * /, unary -. Every call\n"
            "is made, even on a side of `and` or `or` that decides nothing, and a call\n"
            "written twice is made once. What eval and drift note (rows left out,\n"
            "columns not compared) is shown, each note with its call.\n"
            "NA (not a number: a metric without a value, 0/0) makes every comparison\n"
            "false, != included, and a note says so; `not` of such a comparison is true,\n"
            "so write the comparison that must hold (x < 0.2, not `not x >= 0.2`).\n"
            "\n"
            "Functions (MODEL is a name, its latest version, or NAME:VERSION; quote a\n"
            "name or value holding spaces or commas: 'a,b'):\n"
            "  eval(MODEL, DATASET[, k=K][, relevant=RATING]).METRIC\n"
            "      what `eval MODEL on DATASET` measures. Regression: rows, rmse, mae, r2.\n"
            "      Classification: rows, accuracy, precision, recall, f1 (macro averages),\n"
            "      log_loss, roc_auc (two classes). Clustering: rows, the algorithm's own\n"
            "      (inertia ...), silhouette, ari (when DATASET holds the true labels).\n"
            "      Decomposition: rows and the algorithm's own. Recommenders: rows, users,\n"
            "      precision@K, recall@K, ndcg@K, map@K, hit_rate@K (K: k=, 10 by default;\n"
            "      .ndcg reads ndcg@K), with ratings also rmse and mae.\n"
            "  drift(REF, CUR[, OPTION=VALUE ...]).FIELD\n"
            "      what `drift REF CUR` finds (its options: columns='a,b', stats='psi,ks',\n"
            "      min_n=, alpha=, each statistic's): drifted, moderate, stable, too_few\n"
            "      (columns flagged so), columns (compared), and max_STAT for each\n"
            "      statistic: max_psi, max_ks, max_chi2, max_wasserstein, max_missing (its\n"
            "      largest value over the columns).\n"
            "  drift(REF, CUR, COLUMN[, OPTION=VALUE ...]).FIELD\n"
            "      that column alone: STAT and STAT_p for each statistic that takes its\n"
            "      type (psi, psi_p, ks, ks_p ...), drifted and moderate (1 if flagged so,\n"
            "      else 0), severity (the largest of its statistics'), n_ref and n_cur\n"
            "      (values present).\n"
            "  stored(MODEL[, DATASET]).METRIC\n"
            "      the numbers the workspace keeps, as `compare` reads them: the latest\n"
            "      evaluation on DATASET; without it, the cross-validation of a model that\n"
            "      `cv ... as` or `tune` saved, else its latest evaluation.\n"
            "  rows(DATASET)\n"
            "      its number of rows (a number, not a record).\n"
            "\n"
            "An error names its column in the expression (counted from its first\n"
            "character, the words after assert joined by one space): a syntax error,\n"
            "an unknown function or option, a field the record lacks (the message lists\n"
            "those it has), or a function's own error (no such dataset ...).\n"
            "\n"
            "Examples:\n"
            "  assert eval(m2, live).accuracy >= eval(m1, live).accuracy\n"
            "  assert drift(train, live).max_psi < 0.2 and drift(train, live).drifted == 0\n"
            "  assert drift(train, live, amount, stats=ks).ks < 0.1\n"
            "  assert eval(rec, test, k=5).ndcg > 0.3 or rows(test) < 100\n"
            "  assert stored(m1:2, test).rmse <= 1.05 * stored(m1:1, test).rmse",
    .min_args = 1,
    .max_args = -1,
    .exec = cmd_assert_exec,
};
