/*
 * options.c - declared options: parsed, validated and documented by the
 * host from a component's spec, so no plugin parses its own arguments.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include "core/options.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "core/numfmt.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

struct optval {
    int given; /* typed by the user */
    int set;   /* has a value (given, or a default) */
    int64_t i;
    double r;
    int b;
    char *s;   /* the text of the value, for every type */
};

struct aiwb_options {
    char *what;
    const struct aiwb_option_spec *spec;
    size_t n;
    struct optval *vals;
};

static size_t
spec_count(const struct aiwb_option_spec *spec)
{
    size_t n = 0;

    while (spec != NULL && spec[n].name != NULL)
        n++;
    return n;
}

const struct aiwb_option_spec *
options_spec_find(const struct aiwb_option_spec *spec, const char *name)
{
    for (size_t i = 0; spec != NULL && spec[i].name != NULL; i++)
        if (strcmp(spec[i].name, name) == 0)
            return &spec[i];
    return NULL;
}

static int
bounded(const struct aiwb_option_spec *sp)
{
    return sp->min < sp->max;
}

/* Whether V is within SP's bounds. */
static int
in_bounds(const struct aiwb_option_spec *sp, double v)
{
    if (!bounded(sp))
        return 1;
    if (sp->flags & AIWB_OPT_MIN_EXCLUSIVE ? v <= sp->min : v < sp->min)
        return 0;
    return sp->flags & AIWB_OPT_MAX_EXCLUSIVE ? v < sp->max : v <= sp->max;
}

char *
options_spec_describe(const struct aiwb_option_spec *sp)
{
    const char *kind = sp->type == AIWB_OPT_INT ? "an integer" : "a number";
    char lo[NUMFMT_BUFSZ], hi[NUMFMT_BUFSZ];

    switch (sp->type) {
    case AIWB_OPT_INT:
    case AIWB_OPT_REAL:
        if (!bounded(sp))
            return xstrdup(kind);
        numfmt_exact(lo, sp->min);
        numfmt_exact(hi, sp->max);
        if (isinf(sp->max))
            return xasprintf("%s %s %s", kind, sp->flags & AIWB_OPT_MIN_EXCLUSIVE ? ">" : ">=",
                             lo);
        if (isinf(sp->min))
            return xasprintf("%s %s %s", kind, sp->flags & AIWB_OPT_MAX_EXCLUSIVE ? "<" : "<=",
                             hi);
        if (sp->flags & (AIWB_OPT_MIN_EXCLUSIVE | AIWB_OPT_MAX_EXCLUSIVE))
            return xasprintf("%s %s %s and %s %s", kind,
                             sp->flags & AIWB_OPT_MIN_EXCLUSIVE ? ">" : ">=", lo,
                             sp->flags & AIWB_OPT_MAX_EXCLUSIVE ? "<" : "<=", hi);
        return xasprintf("%s from %s to %s", kind, lo, hi);
    case AIWB_OPT_BOOL:
        return xstrdup("true or false");
    case AIWB_OPT_CHOICE:
        return xasprintf("one of %s", sp->choices != NULL ? sp->choices : "");
    case AIWB_OPT_STRING:
        break;
    }
    return xstrdup("text");
}

static int
choice_ok(const char *choices, const char *v)
{
    size_t len = strlen(v);

    for (const char *p = choices; p != NULL && *p != '\0';) {
        const char *bar = strchr(p, '|');
        size_t n = bar != NULL ? (size_t)(bar - p) : strlen(p);

        if (n == len && strncmp(p, v, n) == 0)
            return 1;
        p = bar != NULL ? bar + 1 : NULL;
    }
    return 0;
}

static int
parse_bool(const char *v, int *b)
{
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};

    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(v, yes[i]) == 0)
            return *b = 1, 0;
        if (strcasecmp(v, no[i]) == 0)
            return *b = 0, 0;
    }
    return -1;
}

/* Parse V for SP into OV; NULL, or why not (a new string). */
static char *
parse_value(const char *what, const struct aiwb_option_spec *sp, const char *v,
            struct optval *ov)
{
    char *end, *desc;
    int ok = 0;

    switch (sp->type) {
    case AIWB_OPT_INT:
        errno = 0;
        ov->i = strtoll(v, &end, 10);
        ok = *v != '\0' && !isspace((unsigned char)*v) && *end == '\0' && errno == 0 &&
             in_bounds(sp, (double)ov->i);
        ov->r = (double)ov->i;
        break;
    case AIWB_OPT_REAL:
        ok = numfmt_parse(v, strlen(v), &ov->r) == 0 && isfinite(ov->r) && in_bounds(sp, ov->r);
        break;
    case AIWB_OPT_BOOL:
        ok = parse_bool(v, &ov->b) == 0;
        break;
    case AIWB_OPT_CHOICE:
        ok = choice_ok(sp->choices, v);
        break;
    case AIWB_OPT_STRING:
        ok = 1;
        break;
    }
    if (ok) {
        free(ov->s);
        ov->s = xstrdup(v);
        ov->set = 1;
        return NULL;
    }
    desc = options_spec_describe(sp);
    end = xasprintf("%s: %s must be %s, not '%s'", what, sp->name, desc, v);
    free(desc);
    return end;
}

static char *
unknown_option(const char *what, const struct aiwb_option_spec *spec, const char *name)
{
    struct strbuf sb = STRBUF_INIT;

    if (spec_count(spec) == 0)
        return xasprintf("%s takes no options (got '%s')", what, name);
    strbuf_addf(&sb, "%s has no option '%s' (its options: ", what, name);
    for (size_t i = 0; spec[i].name != NULL; i++)
        strbuf_addf(&sb, "%s%s", i ? ", " : "", spec[i].name);
    strbuf_addch(&sb, ')');
    return strbuf_detach(&sb, NULL);
}

struct aiwb_options *
options_parse(const char *what, const struct aiwb_option_spec *spec, size_t n,
              char *const *words, char **cause)
{
    struct aiwb_options *o = xcalloc(1, sizeof *o);

    o->what = xstrdup(what);
    o->spec = spec;
    o->n = spec_count(spec);
    o->vals = xcalloc(o->n ? o->n : 1, sizeof *o->vals);
    for (size_t i = 0; i < o->n; i++) {
        if (spec[i].def == NULL)
            continue;
        if ((*cause = parse_value(what, &spec[i], spec[i].def, &o->vals[i])) != NULL)
            goto fail;
    }
    for (size_t w = 0; w < n; w++) {
        const char *eq = strchr(words[w], '=');
        char *name = eq ? xstrndup(words[w], (size_t)(eq - words[w])) : xstrdup(words[w]);
        const struct aiwb_option_spec *sp = options_spec_find(spec, name);
        struct optval *ov;

        if (sp == NULL) {
            *cause = unknown_option(what, spec, name);
            free(name);
            goto fail;
        }
        ov = &o->vals[sp - spec];
        if (ov->given) {
            *cause = xasprintf("%s: option '%s' is given twice", what, name);
            free(name);
            goto fail;
        }
        free(name);
        if (eq == NULL && sp->type != AIWB_OPT_BOOL) {
            char *desc = options_spec_describe(sp);

            *cause = xasprintf("%s: option '%s' needs a value (%s=VALUE, %s)", what, sp->name,
                               sp->name, desc);
            free(desc);
            goto fail;
        }
        if ((*cause = parse_value(what, sp, eq ? eq + 1 : "true", ov)) != NULL)
            goto fail;
        ov->given = 1;
    }
    return o;
fail:
    options_free(o);
    return NULL;
}

void
options_free(struct aiwb_options *o)
{
    if (o == NULL)
        return;
    for (size_t i = 0; i < o->n; i++)
        free(o->vals[i].s);
    free(o->vals);
    free(o->what);
    free(o);
}

/* Whether V must be quoted to read back as one word. */
static int
needs_quotes(const char *v)
{
    if (*v == '\0')
        return 1;
    for (; *v; v++)
        if (strchr(" \t;'\"(),#", *v) != NULL)
            return 1;
    return 0;
}

char *
options_format(const struct aiwb_options *o, int all)
{
    return options_format_sep(o, all, " ");
}

char *
options_format_sep(const struct aiwb_options *o, int all, const char *sep)
{
    struct strbuf sb = STRBUF_INIT;

    for (size_t i = 0; o != NULL && i < o->n; i++) {
        const struct optval *ov = &o->vals[i];

        if (!ov->set || (!all && !ov->given))
            continue;
        if (sb.len)
            strbuf_adds(&sb, sep);
        strbuf_addf(&sb, "%s=", o->spec[i].name);
        if (needs_quotes(ov->s) && strchr(ov->s, '\'') == NULL)
            strbuf_addf(&sb, "'%s'", ov->s);
        else if (needs_quotes(ov->s))
            strbuf_addf(&sb, "\"%s\"", ov->s);
        else
            strbuf_adds(&sb, ov->s);
    }
    return strbuf_detach(&sb, NULL);
}

char **
options_words(const struct aiwb_options *o, int all, size_t *n)
{
    char **words = xcalloc((o != NULL ? o->n : 0) + 1, sizeof *words);

    *n = 0;
    for (size_t i = 0; o != NULL && i < o->n; i++)
        if (o->vals[i].set && (all || o->vals[i].given))
            words[(*n)++] = xasprintf("%s=%s", o->spec[i].name, o->vals[i].s);
    return words;
}

void
options_words_free(char **words)
{
    for (size_t i = 0; words != NULL && words[i] != NULL; i++)
        free(words[i]);
    free(words);
}

/* The value of NAME, or NULL (and a logged bug) when it is not declared as TYPE. */
static const struct optval *
lookup(const struct aiwb_options *o, const char *name, enum aiwb_opt_type type)
{
    const struct aiwb_option_spec *sp;

    if (o == NULL)
        return NULL;
    sp = options_spec_find(o->spec, name);
    if (sp == NULL) {
        log_msg(AIWB_LOG_ERROR, "bug in %s: it asked for option '%s', which it does not declare",
                o->what, name);
        return NULL;
    }
    if (type != 0 && sp->type != type &&
        !(type == AIWB_OPT_STRING && sp->type == AIWB_OPT_CHOICE) &&
        !(type == AIWB_OPT_REAL && sp->type == AIWB_OPT_INT)) {
        log_msg(AIWB_LOG_ERROR, "bug in %s: it asked for option '%s' with the wrong type",
                o->what, name);
        return NULL;
    }
    return &o->vals[sp - o->spec];
}

int64_t
options_int(const struct aiwb_options *o, const char *name)
{
    const struct optval *ov = lookup(o, name, AIWB_OPT_INT);

    return ov != NULL && ov->set ? ov->i : 0;
}

double
options_real(const struct aiwb_options *o, const char *name)
{
    const struct optval *ov = lookup(o, name, AIWB_OPT_REAL);

    return ov != NULL && ov->set ? ov->r : 0.0;
}

int
options_bool(const struct aiwb_options *o, const char *name)
{
    const struct optval *ov = lookup(o, name, AIWB_OPT_BOOL);

    return ov != NULL && ov->set ? ov->b : 0;
}

const char *
options_str(const struct aiwb_options *o, const char *name)
{
    const struct optval *ov = lookup(o, name, AIWB_OPT_STRING);

    return ov != NULL && ov->set ? ov->s : NULL;
}

int
options_given(const struct aiwb_options *o, const char *name)
{
    const struct optval *ov = lookup(o, name, 0);

    return ov != NULL && ov->given;
}
