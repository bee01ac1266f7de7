/*
 * options.h - declared options: parse "name=value" words against a
 * component's spec, validate them, and answer the plugin API's opt_* calls.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef AIWB_OPTIONS_H
#define AIWB_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

#include <aiwb/plugin.h>

/*
 * Parse the N words "name=value" in WORDS against SPEC (an array ended by a
 * NULL name; NULL for a component without options), for the component
 * called WHAT ("logistic"), filling in defaults. Returns a new option set
 * (free it with options_free), or NULL with *cause set (the caller frees it):
 * "logistic has no option 'foo' (its options: C, max_iter, tol)",
 * "logistic: C must be a number >= 0, not 'abc'".
 */
struct aiwb_options *options_parse(const char *what, const struct aiwb_option_spec *spec,
                                   size_t n, char *const *words, char **cause);
void options_free(struct aiwb_options *o);

/* The given options as "name=value" words joined by spaces, in spec order,
 * with every default when ALL is true. The caller frees the string. */
char *options_format(const struct aiwb_options *o, int all);

/* The same joined by SEP ("," as inside a transform's parentheses). */
char *options_format_sep(const struct aiwb_options *o, int all, const char *sep);

/* The options as "name=value" words, unquoted, in spec order (given ones,
 * or all with a value when ALL is true): what options_parse() reads back.
 * A new NULL-terminated array of new strings; *n gets the count. */
char **options_words(const struct aiwb_options *o, int all, size_t *n);
/* Free what options_words() returned. */
void options_words_free(char **words);

/* The spec entry NAME in SPEC, or NULL. */
const struct aiwb_option_spec *options_spec_find(const struct aiwb_option_spec *spec,
                                                 const char *name);
/* A description of the values SPEC takes, to follow "must be": "a number
 * >= 0", "one of mean|median|most_frequent", "true or false". The caller
 * frees it. */
char *options_spec_describe(const struct aiwb_option_spec *spec);

/* The plugin API's accessors (see aiwb/plugin.h). */
int64_t options_int(const struct aiwb_options *o, const char *name);
double options_real(const struct aiwb_options *o, const char *name);
int options_bool(const struct aiwb_options *o, const char *name);
const char *options_str(const struct aiwb_options *o, const char *name);
int options_given(const struct aiwb_options *o, const char *name);

#endif
