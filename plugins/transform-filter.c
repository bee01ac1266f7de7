/*
 * transform-filter.c - the filter transform: keep the rows where a condition holds
 * (where='age > 30 and city = "Oslo"'), the condition parsed once into a small tree and
 * evaluated a column at a time.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Truth has three values, as in SQL: a comparison with a missing value is unknown, and
 * `and`, `or`, `not` follow Kleene's logic (false and unknown is false, true or unknown is
 * true, not unknown is unknown). A row is kept only where the whole condition is true.
 * Coded as 0, 1, 2 (false, unknown, true), `and` is the minimum, `or` the maximum and `not`
 * is 2 - x, which the compiler turns into vector instructions.
 */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <aiwb/plugin.h>

#define STATE_VERSION 1

/* Parentheses and `not`s nested deeper than this are refused (the parser recurses). */
#define MAX_DEPTH 100

/* How many column names an error message lists before it says how many more there are. */
#define MAX_LISTED 20

static const struct aiwb_host_api *api;

enum truth { FALSE3 = 0, UNKNOWN3 = 1, TRUE3 = 2 };

enum cmp { CMP_EQ, CMP_NE, CMP_LT, CMP_LE, CMP_GT, CMP_GE };

enum tok_kind {
    TOK_END,
    TOK_NAME, /* a bare or `backquoted` column name (or the word missing/null) */
    TOK_NUMBER,
    TOK_STRING, /* 'single' or "double" quoted */
    TOK_CMP,
    TOK_LPAREN,
    TOK_RPAREN,
    TOK_COMMA,
    TOK_AND,
    TOK_OR,
    TOK_NOT,
    TOK_IS,
    TOK_IN
};

struct token {
    enum tok_kind kind;
    size_t pos, len; /* bytes of the expression it was read from */
    enum cmp op;
    double num;
    char *text;     /* NAME: the name; STRING: its text, escapes undone */
    int backquoted; /* NAME: written `so`, and never a keyword */
};

enum operand_kind { OPD_COLUMN, OPD_NUMBER, OPD_STRING };

struct operand {
    enum operand_kind kind;
    char *text; /* column name or string */
    double num;
    size_t pos, len; /* where it is written in the expression */
};

enum node_kind { NODE_AND, NODE_OR, NODE_NOT, NODE_CMP, NODE_MISSING, NODE_IN };

/*
 * A node of the condition. AND and OR hold two or more kids (a chain a and b and c is
 * one node, so evaluation needs a buffer per level of nesting, not per operand), NOT one.
 * CMP compares lhs (a column) with rhs (a column or a value); MISSING tests lhs; IN looks
 * lhs up in list (all numbers or all strings).
 */
struct node {
    enum node_kind kind;
    size_t n_kids;
    size_t *kids;
    enum cmp op;
    struct operand lhs, rhs;
    size_t n_list;
    struct operand *list;
};

struct filter {
    char *where; /* the expression as given */
    size_t n_nodes, cap_nodes;
    struct node *nodes;
    size_t root;
};

/* ---- State ---------------------------------------------------------------------- */

static void
clear_tree(struct filter *s)
{
    for (size_t k = 0; k < s->n_nodes; k++) {
        struct node *nd = &s->nodes[k];
        api->free(nd->kids);
        api->free(nd->lhs.text);
        api->free(nd->rhs.text);
        for (size_t j = 0; j < nd->n_list; j++)
            api->free(nd->list[j].text);
        api->free(nd->list);
    }
    api->free(s->nodes);
    api->free(s->where);
    memset(s, 0, sizeof *s);
}

static void
filter_fini(void *state)
{
    clear_tree(state);
}

/* A new zeroed node of S of kind KIND; returns its index. */
static size_t
new_node(struct filter *s, enum node_kind kind)
{
    if (s->n_nodes == s->cap_nodes) {
        s->cap_nodes = s->cap_nodes ? 2 * s->cap_nodes : 8;
        s->nodes = api->realloc(s->nodes, s->cap_nodes * sizeof *s->nodes);
    }
    memset(&s->nodes[s->n_nodes], 0, sizeof s->nodes[s->n_nodes]);
    s->nodes[s->n_nodes].kind = kind;
    return s->n_nodes++;
}

/* ---- Messages ------------------------------------------------------------------- */

/* The 1-based column of byte POS of TEXT, counting UTF-8 characters. */
static size_t
column_of(const char *text, size_t pos)
{
    size_t col = 1;

    for (size_t i = 0; i < pos && text[i] != '\0'; i++)
        col += ((unsigned char)text[i] & 0xC0) != 0x80;
    return col;
}

/* The quote to show WHERE in: ' unless it holds one and no " (as the REPL would read it). */
static char
quote_of(const char *where)
{
    return strchr(where, '\'') != NULL && strchr(where, '"') == NULL ? '"' : '\'';
}

/* Set *CAUSE to MSG (a new string, freed here) placed at byte POS of S's expression, and
 * return STATUS. */
static int
fail_at(const struct filter *s, size_t pos, char *msg, int status, char **cause)
{
    char q = quote_of(s->where);

    *cause = api->format("filter: where=%c%s%c column %zu: %s", q, s->where, q,
                         column_of(s->where, pos), msg);
    api->free(msg);
    return status;
}

/* The names of IN's columns, "a, b, c", at most MAX_LISTED of them (a new string). */
static char *
column_list(const struct aiwb_frame *in)
{
    size_t p = api->frame_cols(in), len = 1;
    char *list, *at;

    for (size_t c = 0; c < p && c < MAX_LISTED; c++)
        len += strlen(api->frame_col_name(in, c)) + 2;
    at = list = api->alloc(len + 64);
    *at = '\0';
    for (size_t c = 0; c < p && c < MAX_LISTED; c++) {
        const char *name = api->frame_col_name(in, c);
        size_t k = strlen(name);
        if (c > 0) {
            memcpy(at, ", ", 2);
            at += 2;
        }
        memcpy(at, name, k + 1);
        at += k;
    }
    if (p > MAX_LISTED)
        snprintf(at, 64, " and %zu more", p - MAX_LISTED);
    if (p == 0)
        snprintf(at, 64, "none");
    return list;
}

/* ---- Reading the expression into tokens ------------------------------------------ */

struct lexer {
    const struct filter *s;
    const char *text;
    size_t n, cap;
    struct token *toks;
};

static void
free_tokens(struct token *toks, size_t n)
{
    for (size_t k = 0; k < n; k++)
        api->free(toks[k].text);
    api->free(toks);
}

static int
is_name_start(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static int
is_name_char(unsigned char c)
{
    return is_name_start(c) || (c >= '0' && c <= '9') || c == '.';
}

static int
is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static struct token *
push(struct lexer *lx, enum tok_kind kind, size_t pos, size_t len)
{
    struct token *t;

    if (lx->n == lx->cap) {
        lx->cap = lx->cap ? 2 * lx->cap : 16;
        lx->toks = api->realloc(lx->toks, lx->cap * sizeof *lx->toks);
    }
    t = &lx->toks[lx->n++];
    memset(t, 0, sizeof *t);
    t->kind = kind;
    t->pos = pos;
    t->len = len;
    return t;
}

/* Read the operator at byte P into *OP; returns its length, 0 if there is none. */
static size_t
read_cmp(const char *p, enum cmp *op)
{
    static const struct {
        const char *text;
        enum cmp op;
    } ops[] = {{"==", CMP_EQ}, {"!=", CMP_NE}, {"<>", CMP_NE}, {"<=", CMP_LE},
               {">=", CMP_GE}, {"=", CMP_EQ},  {"<", CMP_LT},  {">", CMP_GT}};

    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
        size_t len = strlen(ops[k].text);
        if (strncmp(p, ops[k].text, len) == 0) {
            *op = ops[k].op;
            return len;
        }
    }
    return 0;
}

/*
 * Read the quoted string or `name` at byte POS (at its opening quote) into a new string
 * *OUT. A quote is doubled to stand for itself ('O''Brien'); in strings, \\ \' \" \n \t
 * are escapes too. Returns the bytes read, or 0 with *cause set.
 */
static size_t
read_quoted(const struct lexer *lx, size_t pos, char **out, char **cause)
{
    const char *text = lx->text;
    char q = text[pos];
    size_t i = pos + 1, k = 0;
    char *buf = api->alloc(strlen(text + pos) + 1);

    for (;;) {
        char c = text[i];
        if (c == '\0') {
            api->free(buf);
            fail_at(lx->s, pos,
                    api->format(q == '`' ? "the name has no closing backquote"
                                         : "the string has no closing quote"),
                    AIWB_EINVAL, cause);
            return 0;
        }
        if (c == q && text[i + 1] == q) {
            buf[k++] = q;
            i += 2;
        } else if (c == q) {
            i++;
            break;
        } else if (c == '\\' && q != '`') {
            const char *from = "\\'\"nt", *to = "\\'\"\n\t";
            const char *e = text[i + 1] != '\0' ? strchr(from, text[i + 1]) : NULL;
            if (e == NULL) {
                api->free(buf);
                fail_at(lx->s, i,
                        api->format("unknown escape '\\%c' (write \\\\ for a backslash)",
                                    text[i + 1] != '\0' ? text[i + 1] : ' '),
                        AIWB_EINVAL, cause);
                return 0;
            }
            buf[k++] = to[e - from];
            i += 2;
        } else {
            buf[k++] = c;
            i++;
        }
    }
    buf[k] = '\0';
    if (q == '`' && k == 0) {
        api->free(buf);
        fail_at(lx->s, pos, api->format("an empty column name"), AIWB_EINVAL, cause);
        return 0;
    }
    *out = buf;
    return i - pos;
}

/* Read the number at byte POS; returns its length, or 0 with *cause set. */
static size_t
read_number(struct lexer *lx, size_t pos, char **cause)
{
    const char *start = lx->text + pos;
    char *end;
    double v;
    struct token *t;

    errno = 0;
    v = strtod(start, &end);
    if (end == start || is_name_char((unsigned char)*end)) {
        size_t len = (size_t)(end - start);
        while (is_name_char((unsigned char)start[len]))
            len++;
        fail_at(lx->s, pos, api->format("'%.*s' is not a number", (int)len, start), AIWB_EINVAL,
                cause);
        return 0;
    }
    if (errno == ERANGE && !isfinite(v)) {
        fail_at(lx->s, pos, api->format("%.*s is out of range", (int)(end - start), start),
                AIWB_EINVAL, cause);
        return 0;
    }
    t = push(lx, TOK_NUMBER, pos, (size_t)(end - start));
    t->num = v;
    return t->len;
}

/* Push the name or keyword at byte POS; returns its length. */
static size_t
read_word(struct lexer *lx, size_t pos)
{
    static const struct {
        const char *word;
        enum tok_kind kind;
    } keywords[] = {
        {"and", TOK_AND}, {"or", TOK_OR}, {"not", TOK_NOT}, {"is", TOK_IS}, {"in", TOK_IN}};
    const char *start = lx->text + pos;
    size_t len = 1;
    struct token *t;

    while (is_name_char((unsigned char)start[len]))
        len++;
    for (size_t k = 0; k < sizeof keywords / sizeof keywords[0]; k++)
        if (strlen(keywords[k].word) == len && strncasecmp(start, keywords[k].word, len) == 0) {
            push(lx, keywords[k].kind, pos, len);
            return len;
        }
    t = push(lx, TOK_NAME, pos, len);
    t->text = api->alloc(len + 1);
    memcpy(t->text, start, len);
    t->text[len] = '\0';
    return len;
}

/* Read the token at byte I; returns its length, or 0 with *cause set. */
static size_t
read_token(struct lexer *lx, size_t i, char **cause)
{
    const char *text = lx->text;
    unsigned char c = (unsigned char)text[i];
    enum cmp op;
    size_t len;
    char *str = NULL;

    if (c == '(' || c == ')' || c == ',') {
        push(lx, c == '(' ? TOK_LPAREN : c == ')' ? TOK_RPAREN : TOK_COMMA, i, 1);
        return 1;
    }
    if ((len = read_cmp(text + i, &op)) > 0) {
        push(lx, TOK_CMP, i, len)->op = op;
        return len;
    }
    if (c == '\'' || c == '"' || c == '`') {
        struct token *t;
        if ((len = read_quoted(lx, i, &str, cause)) == 0)
            return 0;
        t = push(lx, c == '`' ? TOK_NAME : TOK_STRING, i, len);
        t->text = str;
        t->backquoted = c == '`';
        return len;
    }
    if (is_digit(c) || (c == '.' && is_digit((unsigned char)text[i + 1])) ||
        ((c == '-' || c == '+') && (is_digit((unsigned char)text[i + 1]) ||
                                    (text[i + 1] == '.' && is_digit((unsigned char)text[i + 2])))))
        return read_number(lx, i, cause);
    if (is_name_start(c))
        return read_word(lx, i);
    if (c == '!')
        fail_at(lx->s, i, api->format("cannot read '!' (write != or not)"), AIWB_EINVAL, cause);
    else
        fail_at(lx->s, i, api->format("cannot read '%c'", c), AIWB_EINVAL, cause);
    return 0;
}

/* Split S's expression into tokens, ending with TOK_END. */
static int
tokenize(const struct filter *s, struct token **toks, size_t *n, char **cause)
{
    struct lexer lx = {.s = s, .text = s->where};
    size_t i = 0;

    for (;;) {
        size_t len;
        while (strchr(" \t\r\n", s->where[i]) != NULL && s->where[i] != '\0')
            i++;
        if (s->where[i] == '\0')
            break;
        if ((len = read_token(&lx, i, cause)) == 0) {
            free_tokens(lx.toks, lx.n);
            return AIWB_EINVAL;
        }
        i += len;
    }
    push(&lx, TOK_END, i, 0);
    *toks = lx.toks;
    *n = lx.n;
    return AIWB_OK;
}

/* ---- Parsing tokens into the tree ------------------------------------------------ */

struct parser {
    struct filter *s;
    struct token *toks;
    size_t at;
    int depth;
    char **cause;
};

static struct token *
peek(struct parser *ps)
{
    return &ps->toks[ps->at];
}

static struct token *
next(struct parser *ps)
{
    struct token *t = &ps->toks[ps->at];

    if (t->kind != TOK_END)
        ps->at++;
    return t;
}

static int
syntax(struct parser *ps, size_t pos, char *msg)
{
    return fail_at(ps->s, pos, msg, AIWB_EINVAL, ps->cause);
}

/* The error for token T where a column or a value was expected. */
static int
want_operand(struct parser *ps, const struct token *t)
{
    const char *text = ps->s->where + t->pos;

    if (t->kind == TOK_END)
        return syntax(ps, t->pos,
                      api->format("the condition ends early: expected a column, a "
                                  "value or '('"));
    if (t->kind >= TOK_AND)
        return syntax(ps, t->pos,
                      api->format("expected a column, a value or '(', found '%.*s' (write a "
                                  "column of that name as `%.*s`)",
                                  (int)t->len, text, (int)t->len, text));
    return syntax(
        ps, t->pos,
        api->format("expected a column, a value or '(', found '%.*s'", (int)t->len, text));
}

/* Take the column, number or string at the parser into *O. */
static int
parse_operand(struct parser *ps, struct operand *o)
{
    struct token *t = peek(ps);

    if (t->kind != TOK_NAME && t->kind != TOK_NUMBER && t->kind != TOK_STRING)
        return want_operand(ps, t);
    next(ps);
    o->kind = t->kind == TOK_NAME ? OPD_COLUMN : t->kind == TOK_NUMBER ? OPD_NUMBER : OPD_STRING;
    o->text = t->text;
    t->text = NULL;
    o->num = t->num;
    o->pos = t->pos;
    o->len = t->len;
    return AIWB_OK;
}

static void
release_operand(struct operand *o)
{
    api->free(o->text);
    o->text = NULL;
}

/* Refuse O where a column must stand (before is missing, in, or a comparison with a
 * value). */
static int
need_column(struct parser *ps, const struct operand *o, const char *what)
{
    if (o->kind == OPD_COLUMN)
        return AIWB_OK;
    return syntax(ps, o->pos,
                  api->format("%s needs a column on its left, not the value %.*s", what,
                              (int)o->len, ps->s->where + o->pos));
}

/* The comparison that holds when the operands are swapped: 3 < x is x > 3. */
static enum cmp
flipped(enum cmp op)
{
    switch (op) {
    case CMP_LT:
        return CMP_GT;
    case CMP_LE:
        return CMP_GE;
    case CMP_GT:
        return CMP_LT;
    case CMP_GE:
        return CMP_LE;
    default:
        return op;
    }
}

/* Wrap node K in a NOT node; returns the NOT's index. */
static size_t
negate(struct filter *s, size_t k)
{
    size_t n = new_node(s, NODE_NOT);

    s->nodes[n].kids = api->alloc(sizeof *s->nodes[n].kids);
    s->nodes[n].kids[0] = k;
    s->nodes[n].n_kids = 1;
    return n;
}

/* After LHS: `is [not] missing` into *OUT. */
static int
parse_missing(struct parser *ps, struct operand *lhs, size_t *out)
{
    struct token *t;
    int neg, rc;

    next(ps); /* is */
    neg = peek(ps)->kind == TOK_NOT;
    if (neg)
        next(ps);
    t = peek(ps);
    if (t->kind != TOK_NAME || t->backquoted ||
        (strcasecmp(t->text, "missing") != 0 && strcasecmp(t->text, "null") != 0))
        return syntax(ps, t->pos,
                      api->format("expected 'missing' after 'is%s'", neg ? " not" : ""));
    next(ps);
    if ((rc = need_column(ps, lhs, "'is missing'")) != AIWB_OK)
        return rc;
    *out = new_node(ps->s, NODE_MISSING);
    ps->s->nodes[*out].lhs = *lhs;
    lhs->text = NULL;
    if (neg)
        *out = negate(ps->s, *out);
    return AIWB_OK;
}

/* After LHS: `[not] in (v, ...)` into *OUT. */
static int
parse_in(struct parser *ps, struct operand *lhs, size_t *out)
{
    struct operand *list = NULL;
    size_t n = 0, cap = 0, open_pos;
    int neg = peek(ps)->kind == TOK_NOT, rc;

    if (neg)
        next(ps);
    next(ps); /* in: the caller saw it */
    if ((rc = need_column(ps, lhs, "'in'")) != AIWB_OK)
        return rc;
    open_pos = peek(ps)->pos;
    if (next(ps)->kind != TOK_LPAREN)
        return syntax(ps, open_pos, api->format("expected '(' to open the list after 'in'"));
    if (peek(ps)->kind == TOK_RPAREN)
        return syntax(ps, open_pos, api->format("the list after 'in' is empty"));
    for (;;) {
        struct operand o = {0};
        struct token *t;
        if (n == cap) {
            cap = cap ? 2 * cap : 4;
            list = api->realloc(list, cap * sizeof *list);
        }
        if ((rc = parse_operand(ps, &o)) != AIWB_OK)
            break;
        list[n++] = o;
        if (o.kind == OPD_COLUMN) {
            rc = syntax(ps, o.pos,
                        api->format("the list after 'in' holds values, not columns "
                                    "(quote '%s' if it is text)",
                                    o.text));
            break;
        }
        if (o.kind != list[0].kind) {
            rc = syntax(ps, o.pos, api->format("the list after 'in' mixes numbers and strings"));
            break;
        }
        t = next(ps);
        if (t->kind == TOK_RPAREN)
            break;
        if (t->kind != TOK_COMMA) {
            rc = syntax(ps, t->pos, api->format("expected ',' or ')' in the list after 'in'"));
            break;
        }
    }
    if (rc != AIWB_OK) {
        for (size_t k = 0; k < n; k++)
            release_operand(&list[k]);
        api->free(list);
        return rc;
    }
    *out = new_node(ps->s, NODE_IN);
    ps->s->nodes[*out].lhs = *lhs;
    lhs->text = NULL;
    ps->s->nodes[*out].list = list;
    ps->s->nodes[*out].n_list = n;
    if (neg)
        *out = negate(ps->s, *out);
    return AIWB_OK;
}

/* After LHS: `OP operand` into *OUT, with the column on the left. */
static int
parse_comparison(struct parser *ps, struct operand *lhs, size_t *out)
{
    struct operand rhs = {0};
    enum cmp op = next(ps)->op;
    struct node *nd;
    int rc;

    if ((rc = parse_operand(ps, &rhs)) != AIWB_OK)
        return rc;
    if (lhs->kind != OPD_COLUMN && rhs.kind != OPD_COLUMN) {
        release_operand(&rhs);
        return syntax(ps, lhs->pos, api->format("compares two values: one side must be a column"));
    }
    *out = new_node(ps->s, NODE_CMP);
    nd = &ps->s->nodes[*out];
    if (lhs->kind == OPD_COLUMN) {
        nd->lhs = *lhs;
        nd->rhs = rhs;
        nd->op = op;
    } else {
        nd->lhs = rhs;
        nd->rhs = *lhs;
        nd->op = flipped(op);
    }
    lhs->text = NULL;
    return AIWB_OK;
}

/* A predicate: a comparison, `is [not] missing` or `[not] in (...)`. */
static int
parse_predicate(struct parser *ps, size_t *out)
{
    struct operand lhs = {0};
    struct token *t;
    int rc;

    if ((rc = parse_operand(ps, &lhs)) != AIWB_OK)
        return rc;
    t = peek(ps);
    if (t->kind == TOK_CMP)
        rc = parse_comparison(ps, &lhs, out);
    else if (t->kind == TOK_IS)
        rc = parse_missing(ps, &lhs, out);
    else if (t->kind == TOK_IN || (t->kind == TOK_NOT && t[1].kind == TOK_IN))
        rc = parse_in(ps, &lhs, out);
    else if (t->kind == TOK_NAME && lhs.kind == OPD_COLUMN && !t->backquoted)
        rc = syntax(ps, t->pos,
                    api->format("expected = != < <= > >= 'is' or 'in' after '%.*s' (a name "
                                "with spaces goes in backquotes: `%.*s`)",
                                (int)lhs.len, ps->s->where + lhs.pos,
                                (int)(t->pos + t->len - lhs.pos), ps->s->where + lhs.pos));
    else
        rc = syntax(ps, t->pos,
                    api->format("expected = != < <= > >= 'is' or 'in' after '%.*s'%s", (int)lhs.len,
                                ps->s->where + lhs.pos,
                                t->kind == TOK_END ? ", found the end" : ""));
    release_operand(&lhs);
    return rc;
}

static int parse_or(struct parser *ps, size_t *out);

/* `not` ..., `(` ... `)`, or a predicate. */
static int
parse_unary(struct parser *ps, size_t *out)
{
    struct token *t = peek(ps);
    int rc;

    if (t->kind != TOK_NOT && t->kind != TOK_LPAREN)
        return parse_predicate(ps, out);
    if (++ps->depth > MAX_DEPTH)
        return syntax(ps, t->pos,
                      api->format("the condition nests deeper than %d levels", MAX_DEPTH));
    next(ps);
    if (t->kind == TOK_NOT) {
        rc = parse_unary(ps, out);
        if (rc == AIWB_OK)
            *out = negate(ps->s, *out);
    } else if ((rc = parse_or(ps, out)) == AIWB_OK) {
        if (peek(ps)->kind == TOK_RPAREN)
            next(ps);
        else
            rc = syntax(ps, peek(ps)->pos,
                        api->format("expected ')' to close the '(' of column %zu",
                                    column_of(ps->s->where, t->pos)));
    }
    ps->depth--;
    return rc;
}

/* A chain of KIND (AND or OR) joining what SUB parses; one operand is returned as is. */
static int
parse_chain(struct parser *ps, enum node_kind kind, enum tok_kind word,
            int (*sub)(struct parser *, size_t *), size_t *out)
{
    size_t *kids = api->alloc(4 * sizeof *kids), n = 0, cap = 4, k;
    int rc;

    for (;;) {
        if ((rc = sub(ps, &k)) != AIWB_OK) {
            api->free(kids);
            return rc;
        }
        if (n == cap)
            kids = api->realloc(kids, (cap *= 2) * sizeof *kids);
        kids[n++] = k;
        if (peek(ps)->kind != word)
            break;
        next(ps);
    }
    if (n == 1) {
        *out = kids[0];
        api->free(kids);
        return AIWB_OK;
    }
    *out = new_node(ps->s, kind);
    ps->s->nodes[*out].kids = kids;
    ps->s->nodes[*out].n_kids = n;
    return AIWB_OK;
}

static int
parse_and(struct parser *ps, size_t *out)
{
    return parse_chain(ps, NODE_AND, TOK_AND, parse_unary, out);
}

static int
parse_or(struct parser *ps, size_t *out)
{
    return parse_chain(ps, NODE_OR, TOK_OR, parse_and, out);
}

/* Parse WHERE into S's tree (S cleared first); on failure S is left empty. */
static int
parse_where(struct filter *s, const char *where, char **cause)
{
    struct parser ps = {.s = s, .cause = cause};
    size_t n_toks = 0;
    int rc;

    clear_tree(s);
    s->where = api->strdup(where);
    if (strspn(where, " \t\r\n") == strlen(where)) {
        *cause = api->format("filter: where='%s' is empty: give a condition such as "
                             "where='age > 30'",
                             where);
        clear_tree(s);
        return AIWB_EINVAL;
    }
    if ((rc = tokenize(s, &ps.toks, &n_toks, cause)) != AIWB_OK) {
        clear_tree(s);
        return rc;
    }
    rc = parse_or(&ps, &s->root);
    if (rc == AIWB_OK && peek(&ps)->kind != TOK_END) {
        const struct token *t = peek(&ps);
        rc = syntax(&ps, t->pos,
                    t->kind == TOK_RPAREN
                        ? api->format("unmatched ')'")
                        : api->format("unexpected '%.*s' after a complete condition (join "
                                      "conditions with and, or)",
                                      (int)t->len, s->where + t->pos));
    }
    free_tokens(ps.toks, n_toks);
    if (rc != AIWB_OK)
        clear_tree(s);
    return rc;
}

static int
filter_init(void *state, const struct aiwb_options *opts, char **cause)
{
    const char *where = api->opt_str(opts, "where");

    if (where == NULL) {
        *cause = api->format("filter: needs where='CONDITION' (see `help filter`)");
        return AIWB_EINVAL;
    }
    return parse_where(state, where, cause);
}

/* ---- Binding the tree to a frame ------------------------------------------------- */

/* The columns of one node in the frame at hand (-1: not a column). */
struct binding {
    long a, b;
};

static const char *
type_name(enum aiwb_coltype t)
{
    return t == AIWB_NUMERIC ? "numeric" : "categorical";
}

/* Find column O of IN; OTHER is the node's other operand, for a hint. */
static int
bind_column(const struct filter *s, const struct aiwb_frame *in, const struct operand *o,
            long other, long *col, char **cause)
{
    char *list;

    *col = api->frame_find(in, o->text);
    if (*col >= 0)
        return AIWB_OK;
    list = column_list(in);
    if (other >= 0 && api->frame_col_type(in, (size_t)other) == AIWB_CATEGORICAL)
        fail_at(s, o->pos,
                api->format("no column '%s' (the columns: %s); to compare with the text, "
                            "quote it: '%s'",
                            o->text, list, o->text),
                AIWB_EDATA, cause);
    else
        fail_at(s, o->pos, api->format("no column '%s' (the columns: %s)", o->text, list),
                AIWB_EDATA, cause);
    api->free(list);
    return AIWB_EDATA;
}

/* Refuse value V compared with column COL of IN when their types differ. */
static int
check_value(const struct filter *s, const struct aiwb_frame *in, long col,
            const struct operand *lhs, const struct operand *v, char **cause)
{
    enum aiwb_coltype t = api->frame_col_type(in, (size_t)col);
    const char *text = s->where + v->pos;

    if (t == AIWB_NUMERIC && v->kind == OPD_STRING) {
        char *end = v->text;
        int number;
        if (*v->text != '\0')
            strtod(v->text, &end);
        number = end != v->text && *end == '\0';
        return fail_at(s, v->pos,
                       api->format("cannot compare numeric column '%s' with the string %.*s%s%s%s",
                                   lhs->text, (int)v->len, text, number ? " (write " : "",
                                   number ? v->text : "", number ? " without quotes)" : ""),
                       AIWB_EDATA, cause);
    }
    if (t == AIWB_CATEGORICAL && v->kind == OPD_NUMBER)
        return fail_at(s, v->pos,
                       api->format("cannot compare categorical column '%s' with the number %.*s "
                                   "(write '%.*s' to compare with the text)",
                                   lhs->text, (int)v->len, text, (int)v->len, text),
                       AIWB_EDATA, cause);
    return AIWB_OK;
}

/* Bind leaf ND to IN's columns into B, checking the types. */
static int
bind_leaf(const struct filter *s, const struct node *nd, const struct aiwb_frame *in,
          struct binding *b, char **cause)
{
    int rc;

    b->a = b->b = -1;
    if ((rc = bind_column(s, in, &nd->lhs, -1, &b->a, cause)) != AIWB_OK)
        return rc;
    if (nd->kind == NODE_MISSING)
        return AIWB_OK;
    if (nd->kind == NODE_IN) {
        for (size_t k = 0; k < nd->n_list; k++)
            if ((rc = check_value(s, in, b->a, &nd->lhs, &nd->list[k], cause)) != AIWB_OK)
                return rc;
        return AIWB_OK;
    }
    if (nd->rhs.kind != OPD_COLUMN)
        return check_value(s, in, b->a, &nd->lhs, &nd->rhs, cause);
    if ((rc = bind_column(s, in, &nd->rhs, b->a, &b->b, cause)) != AIWB_OK)
        return rc;
    if (api->frame_col_type(in, (size_t)b->a) != api->frame_col_type(in, (size_t)b->b))
        return fail_at(s, nd->rhs.pos,
                       api->format("cannot compare %s column '%s' with %s column '%s'",
                                   type_name(api->frame_col_type(in, (size_t)b->a)), nd->lhs.text,
                                   type_name(api->frame_col_type(in, (size_t)b->b)), nd->rhs.text),
                       AIWB_EDATA, cause);
    return AIWB_OK;
}

/* ---- Evaluation, a column at a time ---------------------------------------------- */

/* Whether a comparison whose operands compare as SIGN (<0, 0, >0) holds. */
static inline unsigned char
holds(enum cmp op, int sign)
{
    switch (op) {
    case CMP_EQ:
        return sign == 0 ? TRUE3 : FALSE3;
    case CMP_NE:
        return sign != 0 ? TRUE3 : FALSE3;
    case CMP_LT:
        return sign < 0 ? TRUE3 : FALSE3;
    case CMP_LE:
        return sign <= 0 ? TRUE3 : FALSE3;
    case CMP_GT:
        return sign > 0 ? TRUE3 : FALSE3;
    default:
        return sign >= 0 ? TRUE3 : FALSE3;
    }
}

static inline int
sign_of(double x, double y)
{
    return (x > y) - (x < y);
}

/* OUT[i] for numeric column X against the number V, or column Y when Y is not NULL. */
static void
eval_numeric(enum cmp op, const double *x, const double *y, double v, size_t n, unsigned char *out)
{
    for (size_t i = 0; i < n; i++) {
        double w = y != NULL ? y[i] : v;
        out[i] = isnan(x[i]) || isnan(w) ? UNKNOWN3 : holds(op, sign_of(x[i], w));
    }
}

/* OUT[i] from the truth TABLE[code] of each level of CODES, UNKNOWN for missing. */
static void
eval_table(const int32_t *codes, size_t nlev, const unsigned char *table, size_t n,
           unsigned char *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = codes[i] >= 0 && (size_t)codes[i] < nlev ? table[codes[i]] : UNKNOWN3;
}

/* A level's text, its column (0 or 1) and code, sorted to rank the levels of two columns. */
struct ranked {
    const char *text;
    int side;
    int32_t code;
};

static int
by_text(const void *a, const void *b)
{
    return strcmp(((const struct ranked *)a)->text, ((const struct ranked *)b)->text);
}

/* OUT[i] comparing the texts of categorical columns CA and CB of IN: both columns' levels
 * ranked together by text, then the ranks compared. */
static void
eval_categorical_pair(const struct aiwb_frame *in, enum cmp op, size_t ca, size_t cb,
                      unsigned char *out)
{
    size_t na = api->frame_nlevels(in, ca), nb = api->frame_nlevels(in, cb), n = na + nb;
    size_t nr = api->frame_rows(in);
    struct ranked *r = api->alloc((n + 1) * sizeof *r);
    size_t *rank[2];
    const int32_t *code[2] = {api->frame_codes(in, ca), api->frame_codes(in, cb)};
    size_t nlev[2] = {na, nb};

    rank[0] = api->alloc((na + 1) * sizeof *rank[0]);
    rank[1] = api->alloc((nb + 1) * sizeof *rank[1]);
    for (size_t k = 0; k < n; k++) {
        r[k].side = k >= na;
        r[k].code = (int32_t)(k < na ? k : k - na);
        r[k].text = api->frame_level(in, k < na ? ca : cb, r[k].code);
    }
    qsort(r, n, sizeof *r, by_text);
    for (size_t k = 0, level = 0; k < n; k++) {
        if (k > 0 && strcmp(r[k].text, r[k - 1].text) != 0)
            level++;
        rank[r[k].side][r[k].code] = level;
    }
    for (size_t i = 0; i < nr; i++) {
        int32_t a = code[0][i], b = code[1][i];
        if (a < 0 || b < 0 || (size_t)a >= nlev[0] || (size_t)b >= nlev[1])
            out[i] = UNKNOWN3;
        else
            out[i] = holds(op, (rank[0][a] > rank[1][b]) - (rank[0][a] < rank[1][b]));
    }
    api->free(rank[0]);
    api->free(rank[1]);
    api->free(r);
}

/* A truth per level of categorical column C: whether the level compares with TEXT as OP. */
static unsigned char *
level_table(const struct aiwb_frame *in, size_t c, enum cmp op, const char *text)
{
    size_t nlev = api->frame_nlevels(in, c);
    unsigned char *table = api->alloc(nlev + 1);

    for (size_t k = 0; k < nlev; k++) {
        int d = strcmp(api->frame_level(in, c, (int32_t)k), text);
        table[k] = holds(op, (d > 0) - (d < 0));
    }
    return table;
}

static void
eval_cmp(const struct node *nd, const struct binding *b, const struct aiwb_frame *in,
         unsigned char *out)
{
    size_t n = api->frame_rows(in), ca = (size_t)b->a;
    unsigned char *table;

    if (api->frame_col_type(in, ca) == AIWB_NUMERIC) {
        eval_numeric(nd->op, api->frame_numeric(in, ca),
                     b->b >= 0 ? api->frame_numeric(in, (size_t)b->b) : NULL, nd->rhs.num, n, out);
        return;
    }
    if (b->b >= 0) {
        eval_categorical_pair(in, nd->op, ca, (size_t)b->b, out);
        return;
    }
    table = level_table(in, ca, nd->op, nd->rhs.text);
    eval_table(api->frame_codes(in, ca), api->frame_nlevels(in, ca), table, n, out);
    api->free(table);
}

static void
eval_missing(const struct binding *b, const struct aiwb_frame *in, unsigned char *out)
{
    size_t n = api->frame_rows(in), c = (size_t)b->a;

    if (api->frame_col_type(in, c) == AIWB_NUMERIC) {
        const double *x = api->frame_numeric(in, c);
        for (size_t i = 0; i < n; i++)
            out[i] = isnan(x[i]) ? TRUE3 : FALSE3;
    } else {
        const int32_t *code = api->frame_codes(in, c);
        for (size_t i = 0; i < n; i++)
            out[i] = code[i] < 0 ? TRUE3 : FALSE3;
    }
}

static int
by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

/* OUT[i]: whether numeric X[i] is one of the N sorted values V (unknown when missing). */
static void
eval_in_numeric(const double *x, const double *v, size_t nv, size_t n, unsigned char *out)
{
    for (size_t i = 0; i < n; i++) {
        if (isnan(x[i]))
            out[i] = UNKNOWN3;
        else
            out[i] = bsearch(&x[i], v, nv, sizeof *v, by_value) != NULL ? TRUE3 : FALSE3;
    }
}

static void
eval_in(const struct node *nd, const struct binding *b, const struct aiwb_frame *in,
        unsigned char *out)
{
    size_t n = api->frame_rows(in), c = (size_t)b->a;

    if (api->frame_col_type(in, c) == AIWB_NUMERIC) {
        double *v = api->alloc(nd->n_list * sizeof *v);
        for (size_t k = 0; k < nd->n_list; k++)
            v[k] = nd->list[k].num;
        qsort(v, nd->n_list, sizeof *v, by_value);
        eval_in_numeric(api->frame_numeric(in, c), v, nd->n_list, n, out);
        api->free(v);
    } else {
        size_t nlev = api->frame_nlevels(in, c);
        unsigned char *table = api->calloc(nlev + 1, 1);
        for (size_t k = 0; k < nd->n_list; k++) {
            int32_t code = api->frame_level_find(in, c, nd->list[k].text);
            if (code >= 0 && (size_t)code < nlev)
                table[code] = TRUE3;
        }
        eval_table(api->frame_codes(in, c), nlev, table, n, out);
        api->free(table);
    }
}

/* The truth of node K for every row of IN into OUT. */
static void
eval_node(const struct filter *s, size_t k, const struct binding *bind, const struct aiwb_frame *in,
          unsigned char *out)
{
    const struct node *nd = &s->nodes[k];
    size_t n = api->frame_rows(in);
    unsigned char *tmp;

    switch (nd->kind) {
    case NODE_CMP:
        eval_cmp(nd, &bind[k], in, out);
        return;
    case NODE_MISSING:
        eval_missing(&bind[k], in, out);
        return;
    case NODE_IN:
        eval_in(nd, &bind[k], in, out);
        return;
    case NODE_NOT:
        eval_node(s, nd->kids[0], bind, in, out);
        for (size_t i = 0; i < n; i++)
            out[i] = (unsigned char)(TRUE3 - out[i]);
        return;
    case NODE_AND:
    case NODE_OR:
        break;
    }
    eval_node(s, nd->kids[0], bind, in, out);
    tmp = api->alloc(n + 1);
    for (size_t j = 1; j < nd->n_kids; j++) {
        eval_node(s, nd->kids[j], bind, in, tmp);
        if (nd->kind == NODE_AND)
            for (size_t i = 0; i < n; i++)
                out[i] = out[i] < tmp[i] ? out[i] : tmp[i];
        else
            for (size_t i = 0; i < n; i++)
                out[i] = out[i] > tmp[i] ? out[i] : tmp[i];
    }
    api->free(tmp);
}

/* A frame of IN's columns, shared (every row kept). */
static struct aiwb_frame *
share_all(const struct aiwb_frame *in)
{
    struct aiwb_frame *f = api->frame_new(api->frame_rows(in));

    for (size_t c = 0; c < api->frame_cols(in); c++)
        api->frame_copy_col(f, in, c, NULL);
    return f;
}

static int
filter_apply(const void *state, const struct aiwb_frame *in, struct aiwb_frame **out, char **cause)
{
    const struct filter *s = state;
    size_t n = api->frame_rows(in), kept = 0;
    struct binding *bind = api->calloc(s->n_nodes + 1, sizeof *bind);
    unsigned char *truth = NULL;
    size_t *idx = NULL;
    int rc = AIWB_OK;

    *out = NULL;
    if (s->n_nodes == 0) {
        *cause = api->format("filter: has no condition (init failed or was not called)");
        rc = AIWB_EINVAL;
        goto out;
    }
    /* Leaves are made as they are read, so this reports the leftmost problem first. */
    for (size_t k = 0; k < s->n_nodes && rc == AIWB_OK; k++)
        if (s->nodes[k].kind >= NODE_CMP)
            rc = bind_leaf(s, &s->nodes[k], in, &bind[k], cause);
    if (rc != AIWB_OK)
        goto out;
    truth = api->alloc(n + 1);
    eval_node(s, s->root, bind, in, truth);
    idx = api->alloc((n + 1) * sizeof *idx);
    for (size_t i = 0; i < n; i++)
        if (truth[i] == TRUE3)
            idx[kept++] = i;
    if (kept == 0 && n > 0)
        api->log(AIWB_LOG_WARN, "filter: where=%c%s%c holds for none of the %zu rows",
                 quote_of(s->where), s->where, quote_of(s->where), n);
    *out = kept == n ? share_all(in) : api->frame_take(in, idx, kept);
out:
    api->free(bind);
    api->free(truth);
    api->free(idx);
    return rc;
}

static int
filter_save(const void *state, struct aiwb_writer *w)
{
    const struct filter *s = state;

    return api->put_str(w, "where", s->where != NULL ? s->where : "");
}

static int
filter_load(void *state, struct aiwb_reader *r, unsigned version, char **cause)
{
    char *where = NULL;
    int rc;

    if (version != STATE_VERSION) {
        *cause = api->format("filter: cannot read state version %u (this plugin reads "
                             "version %d)",
                             version, STATE_VERSION);
        return AIWB_EDATA;
    }
    rc = api->get_str(r, "where", &where);
    if (rc == AIWB_OK)
        rc = parse_where(state, where, cause);
    api->free(where);
    return rc;
}

static const struct aiwb_option_spec filter_options[] = {
    {.name = "where",
     .type = AIWB_OPT_STRING,
     .help = "the condition a row must meet to be kept, such as 'age > 30 and city = \"Oslo\"' "
             "(the language is under `help filter`)"},
    {.name = NULL},
};

static const struct aiwb_transform_type filter_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_transform_type),
    .name = "filter",
    .summary = "keep the rows where a condition holds (where='age > 30 and ...')",
    .help = "filter(where='age > 30 and city = \"Oslo\"') keeps the rows where the condition\n"
            "is true. The condition is made of:\n"
            "  comparisons   = (or ==)  != (or <>)  <  <=  >  >=  between a column and a\n"
            "                value, or between two columns of the same type; a value is a\n"
            "                number (30, -1.5, 2e3) for a numeric column, or a string in\n"
            "                'single' or \"double\" quotes for a categorical one, whose levels\n"
            "                compare by their text, byte by byte ('B' < 'a')\n"
            "  x is missing, x is not missing   (also: is null)\n"
            "  x in (v1, v2, ...), x not in (...)   values all numbers or all strings\n"
            "  not, and, or, and parentheses; not binds tighter than and, and than or\n"
            "A column is named as it is (Solar.R, age_2) or in backquotes when it has other\n"
            "characters or is a keyword: `monthly income`, `in`. In a string, a doubled\n"
            "quote or \\' \\\" \\\\ \\n \\t stand for the character. Keywords ignore case.\n"
            "Missing values work as SQL's NULL: a comparison with one is unknown, and so\n"
            "is its negation; a row is kept only where the condition is true. So both\n"
            "where='age > 30' and where='not (age > 30)' leave out the rows where age is\n"
            "missing; ask for those with 'age is missing'. Numbers compare exactly.\n"
            "An unknown column, or a string compared with a numeric column, is an error\n"
            "naming its place in the condition. In `train ... with`, filter shapes the\n"
            "training rows only (it may name the target) and is not applied to predict.",
    .options = filter_options,
    .flags = AIWB_CAP_MISSING | AIWB_CAP_CATEGORICAL | AIWB_TF_ROWS,
    .state_version = STATE_VERSION,
    .state_size = sizeof(struct filter),
    .init = filter_init,
    .apply = filter_apply,
    .save = filter_save,
    .load = filter_load,
    .fini = filter_fini,
};

/*
 * The module's entry point: declare the module "filter" and register its one transform.
 * Returns AIWB_OK, or the host's refusal (AIWB_EABI, AIWB_EINVAL).
 */
int
aiwb_plugin_init(struct aiwb_plugin *p, const struct aiwb_host_api *host)
{
    AIWB_PLUGIN_BEGIN(p, host, api, "filter", "1.0.0");
    return api->register_transform(p, &filter_type);
}
