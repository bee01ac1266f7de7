/*
 * host-options.c - the prediction server's option sets: the words
 * "name=value" the workbench resolved for a component at export, read back
 * by the opt_* members exactly as the workbench parses them.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 *
 * The workbench validated every value against the component's spec before
 * it exported it, so there is no spec here: an option missing from the list
 * reads as 0, false or NULL (an option without a default that the user did
 * not give), and a value that does not parse as the type asked for (which
 * only a hand-edited export can hold) is logged and reads as 0 or false.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1 /* newlocale, uselocale */
#endif

#include "host.h"

#include <ctype.h>
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The api's opt_* members; host.c puts them in the table. */
int64_t host_opt_int(const struct aiwb_options *o, const char *name);
double host_opt_real(const struct aiwb_options *o, const char *name);
int host_opt_bool(const struct aiwb_options *o, const char *name);
const char *host_opt_str(const struct aiwb_options *o, const char *name);
int host_opt_given(const struct aiwb_options *o, const char *name);

struct option {
    char *name; /* NUL-terminated at the '=' of the word */
    const char *value;
    int given;
};

struct aiwb_options {
    size_t n;
    struct option *opts;
};

/*
 * An option set of the N WORDS "name=value" (copied) and, when GIVEN is not
 * NULL, whether the user gave each (nonzero) or it took its default. Free it
 * with host_options_free. NULL with *cause set (the caller frees it) when a
 * word has no '=' or no name.
 */
struct aiwb_options *
host_options_new(size_t n, const char *const *words, const int64_t *given, char **cause)
{
    struct aiwb_options *o = host_calloc(1, sizeof *o);

    o->opts = host_calloc(n ? n : 1, sizeof *o->opts);
    for (size_t i = 0; i < n; i++) {
        const char *eq = strchr(words[i], '=');

        if (eq == NULL || eq == words[i]) {
            *cause = host_format("option word '%s' is not NAME=VALUE", words[i]);
            host_options_free(o);
            return NULL;
        }
        o->opts[i].name = host_strdup(words[i]);
        o->opts[i].name[eq - words[i]] = '\0';
        o->opts[i].value = o->opts[i].name + (eq - words[i]) + 1;
        o->opts[i].given = given != NULL && given[i] != 0;
        o->n++;
    }
    return o;
}

/* Free O; NULL does nothing. */
void
host_options_free(struct aiwb_options *o)
{
    if (o == NULL)
        return;
    for (size_t i = 0; i < o->n; i++)
        free(o->opts[i].name);
    free(o->opts);
    free(o);
}

static const struct option *
lookup(const struct aiwb_options *o, const char *name)
{
    for (size_t i = 0; o != NULL && i < o->n; i++)
        if (strcmp(o->opts[i].name, name) == 0)
            return &o->opts[i];
    return NULL;
}

static void
bad_value(const struct option *op, const char *what)
{
    host_api()->log(AIWB_LOG_ERROR, "option '%s' is not %s: '%s'", op->name, what, op->value);
}

/*
 * The integer value of option NAME of O, as the workbench reads it
 * (strtoll, base 10, the whole word); 0 when O has no such option.
 */
int64_t
host_opt_int(const struct aiwb_options *o, const char *name)
{
    const struct option *op = lookup(o, name);
    char *end;
    long long v;

    if (op == NULL)
        return 0;
    errno = 0;
    v = strtoll(op->value, &end, 10);
    if (*op->value == '\0' || isspace((unsigned char)*op->value) || *end != '\0' || errno != 0) {
        bad_value(op, "an integer");
        return 0;
    }
    return v;
}

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void
make_c_locale(void)
{
    c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
}

/*
 * The number value of option NAME of O (an integer option too), as the
 * workbench reads it: strtod in the C locale, decimal forms only; 0 when O
 * has no such option.
 */
double
host_opt_real(const struct aiwb_options *o, const char *name)
{
    const struct option *op = lookup(o, name);
    locale_t old = (locale_t)0;
    char *end;
    double v;
    int bad;

    if (op == NULL)
        return 0.0;
    pthread_once(&c_locale_once, make_c_locale);
    if (c_locale != (locale_t)0)
        old = uselocale(c_locale);
    errno = 0;
    v = strtod(op->value, &end);
    if (c_locale != (locale_t)0)
        uselocale(old);
    bad = *op->value == '\0' || isspace((unsigned char)*op->value) || *end != '\0' ||
          strpbrk(op->value, "xX") != NULL || (errno == ERANGE && isinf(v));
    if (bad) {
        bad_value(op, "a number");
        return 0.0;
    }
    return v;
}

/*
 * Whether option NAME of O is true: true/yes/on/1 or false/no/off/0, in any
 * case, as the workbench reads them; false when O has no such option.
 */
int
host_opt_bool(const struct aiwb_options *o, const char *name)
{
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};
    const struct option *op = lookup(o, name);

    if (op == NULL)
        return 0;
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(op->value, yes[i]) == 0)
            return 1;
        if (strcasecmp(op->value, no[i]) == 0)
            return 0;
    }
    bad_value(op, "true or false");
    return 0;
}

/* The text of option NAME of O (borrowed from O), or NULL when it has none. */
const char *
host_opt_str(const struct aiwb_options *o, const char *name)
{
    const struct option *op = lookup(o, name);

    return op != NULL ? op->value : NULL;
}

/* Whether the user gave option NAME (rather than it taking its default). */
int
host_opt_given(const struct aiwb_options *o, const char *name)
{
    const struct option *op = lookup(o, name);

    return op != NULL && op->given;
}
