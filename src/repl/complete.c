/*
 * complete.c - Tab completion from the command table, the session and the
 * plugins' declared options.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include "repl/complete.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <readline/readline.h>

#include "core/frame.h"
#include "core/registry.h"
#include "core/xalloc.h"
#include "repl/cmd.h"
#include "repl/session.h"
#include "repl/view.h"
#include "store/store.h"

/* Characters that end a word for completion: "target=sp", "impute(str", "a,b". */
#define BREAK_CHARS " \t\n\"'=;(,"

static struct session *session;

struct list {
    size_t n, alloc;
    char **v;
};

static void
offer(struct list *l, const char *prefix, const char *word, const char *suffix)
{
    size_t plen = strlen(prefix);

    if (strncmp(word, prefix, plen) != 0)
        return;
    for (size_t i = 0; i < l->n; i++) /* no duplicates */
        if (strncmp(l->v[i], word, strlen(word)) == 0 &&
            strcmp(l->v[i] + strlen(word), suffix) == 0)
            return;
    if (l->n + 2 > l->alloc) {
        l->alloc = l->alloc ? 2 * l->alloc : 16;
        l->v = xreallocarray(l->v, l->alloc, sizeof *l->v);
    }
    l->v[l->n++] = xasprintf("%s%s", word, suffix);
    l->v[l->n] = NULL;
}

static void
offer_commands(struct list *l, const char *text)
{
    for (size_t i = 0; cmd_table[i] != NULL; i++) {
        offer(l, text, cmd_table[i]->name, " ");
        if (cmd_table[i]->alias != NULL)
            offer(l, text, cmd_table[i]->alias, " ");
    }
}

static void
offer_components(struct list *l, const char *text, int kind, const char *suffix)
{
    for (size_t i = 0; i < registry_count(); i++)
        if (kind == 0 || registry_at(i)->kind == (enum component_kind)kind)
            offer(l, text, registry_at(i)->name, suffix);
}

static void
offer_names(struct list *l, const char *text, char **names)
{
    for (size_t i = 0; names != NULL && names[i] != NULL; i++) {
        offer(l, text, names[i], " ");
        free(names[i]);
    }
    free(names);
}

static void
offer_datasets(struct list *l, const char *text)
{
    for (size_t i = 0; i < session->ndatasets; i++)
        offer(l, text, session->datasets[i]->name, " ");
    offer_names(l, text, store_dataset_names(session->store));
}

static void
offer_columns(struct list *l, const char *text, const char *dataset)
{
    struct dataset *d = dataset != NULL ? session_dataset(session, dataset) : NULL;

    for (size_t c = 0; d != NULL && c < frame_cols(d->frame); c++)
        offer(l, text, frame_col_name(d->frame, c), " ");
}

static void
offer_options(struct list *l, const char *text, const struct component *c)
{
    for (size_t i = 0; c != NULL && c->options != NULL && c->options[i].name != NULL; i++)
        offer(l, text, c->options[i].name, "=");
}

/* The choices of option KEY of C ("mean|median"), or NULL. */
static void
offer_choices(struct list *l, const char *text, const struct component *c, const char *key)
{
    const struct aiwb_option_spec *sp = NULL;

    for (size_t i = 0; c != NULL && c->options != NULL && c->options[i].name != NULL; i++)
        if (strcmp(c->options[i].name, key) == 0)
            sp = &c->options[i];
    if (sp == NULL)
        return;
    if (sp->type == AIWB_OPT_BOOL) {
        offer(l, text, "true", " ");
        offer(l, text, "false", " ");
    } else if (sp->type == AIWB_OPT_CHOICE) {
        char *copy = xstrdup(sp->choices), *save = NULL;

        for (char *w = strtok_r(copy, "|", &save); w; w = strtok_r(NULL, "|", &save))
            offer(l, text, w, " ");
        free(copy);
    }
}

/* The words of LINE before the current command's word being typed. */
struct words {
    size_t n;
    char *v[64];
};

static void
split_words(const char *line, size_t end, struct words *w)
{
    const char *p = line, *stop = line + end, *semi = NULL;

    for (const char *q = line; q < stop; q++)
        if (*q == ';')
            semi = q;
    if (semi != NULL)
        p = semi + 1;
    w->n = 0;
    while (p < stop && w->n < 64) {
        const char *start;

        while (p < stop && (*p == ' ' || *p == '\t'))
            p++;
        start = p;
        while (p < stop && *p != ' ' && *p != '\t')
            p++;
        if (p > start)
            w->v[w->n++] = xstrndup(start, (size_t)(p - start));
    }
}

/* What the word after `with` (or in its comma list, or inside parentheses) wants. */
static int
complete_with(struct list *l, const char *text, const struct words *w, char before,
              size_t cur)
{
    const char *word = w->v[cur];
    const char *open = strrchr(word, '('), *close = strrchr(word, ')');

    if (open != NULL && (close == NULL || close < open)) { /* inside "impute(..." */
        char *name = xstrndup(word, (size_t)(open - word));
        const char *eq = before == '=' ? strrchr(word, '=') : NULL;

        for (const char *comma = strrchr(name, ','); comma; comma = NULL)
            memmove(name, comma + 1, strlen(comma));
        if (eq != NULL) {
            const char *k = eq;

            while (k > word && k[-1] != '(' && k[-1] != ',')
                k--;
            char *key = xstrndup(k, (size_t)(eq - k));
            offer_choices(l, text, registry_find(COMPONENT_TRANSFORM, name), key);
            free(key);
        } else {
            offer_options(l, text, registry_find(COMPONENT_TRANSFORM, name));
        }
        free(name);
        return 1;
    }
    if (before == ',' || (cur > 0 && strcmp(w->v[cur - 1], "with") == 0) ||
        strcmp(word, "with") == 0) {
        offer_components(l, text, COMPONENT_TRANSFORM, "");
        return 1;
    }
    return 0;
}

/* train, cv and tune: ALGORITHM on DATASET, then keywords and options. */
static void
complete_train(struct list *l, const char *cmd, const char *text, const struct words *w,
               char before)
{
    const char *dataset = NULL;
    const struct component *algo = w->n > 1 ? registry_find(COMPONENT_ALGORITHM, w->v[1]) : NULL;
    size_t cur = w->n - 1; /* the word being typed, possibly empty */

    for (size_t i = 1; i + 1 < w->n; i++)
        if (strcmp(w->v[i], "on") == 0)
            dataset = w->v[i + 1];
    if (w->n == 2 && before != '=') {
        offer_components(l, text, COMPONENT_ALGORITHM, " ");
        return;
    }
    if (cur > 0 && strcmp(w->v[cur - 1], "on") == 0 && before == ' ') {
        offer_datasets(l, text);
        return;
    }
    if (cur > 0 && strcmp(w->v[cur - 1], "as") == 0 && before == ' ') {
        offer_names(l, text, store_model_names(session->store));
        return;
    }
    if (w->n > 0 && complete_with(l, text, w, before, cur))
        return;
    if (before == '=') {
        const char *eq = strchr(w->v[cur], '=');
        char *key = xstrndup(w->v[cur], eq ? (size_t)(eq - w->v[cur]) : 0);

        if (strcmp(key, "target") == 0 || strcmp(key, "user") == 0 ||
            strcmp(key, "item") == 0 || strcmp(key, "stratify") == 0)
            offer_columns(l, text, dataset);
        else
            offer_choices(l, text, algo, key);
        free(key);
        return;
    }
    if (dataset == NULL && w->n == 3)
        offer(l, text, "on", " ");
    offer(l, text, "target", "=");
    offer(l, text, "with", " ");
    offer(l, text, "as", " ");
    offer(l, text, "seed", "=");
    if (algo != NULL && (algo->flags & AIWB_TASK_RANKING)) {
        offer(l, text, "user", "=");
        offer(l, text, "item", "=");
    }
    if (strcmp(cmd, "train") != 0) {
        offer(l, text, "folds", "=");
        offer(l, text, "stratify", "=");
    }
    if (strcmp(cmd, "tune") == 0) {
        offer(l, text, "grid", "=");
        offer(l, text, "by", "=");
    }
    offer_options(l, text, algo);
}

static void
complete_transform(struct list *l, const char *text, const struct words *w, char before)
{
    size_t cur = w->n - 1;
    const char *prev = w->v[cur - 1];

    if (before == ' ' && strcmp(prev, "using") == 0) {
        offer_names(l, text, store_model_names(session->store));
        return;
    }
    if (before == ' ' && strcmp(prev, "as") == 0)
        return;
    if (complete_with(l, text, w, before, cur))
        return;
    if (before == '=' && strncmp(w->v[cur], "target=", 7) == 0) {
        offer_columns(l, text, w->v[1]);
        return;
    }
    offer(l, text, "with", " ");
    offer(l, text, "using", " ");
    offer(l, text, "target", "=");
    offer(l, text, "as", " ");
}

/* Whether view NAME of `show` is one of a model (MODEL [on DATASET]). */
static int
model_view(const char *name)
{
    static const char *const views[] = {"eval", "confusion", "roc", "importance"};

    for (size_t i = 0; i < sizeof views / sizeof views[0]; i++)
        if (strcmp(name, views[i]) == 0)
            return 1;
    return 0;
}

/* The words view NAME of `show` needs at the least (show_view()'s usage). */
static size_t
view_words(const char *name)
{
    static const struct {
        const char *name;
        size_t words;
    } views[] = {{"hist", 2}, {"scatter", 3}, {"compare", 2}, {"runs", 0}};

    for (size_t i = 0; i < sizeof views / sizeof views[0]; i++)
        if (strcmp(name, views[i].name) == 0)
            return views[i].words;
    return 1;
}

/* Whether WORD is among the words of W from FROM up to (not including) TO. */
static int
has_word(const struct words *w, size_t from, size_t to, const char *word)
{
    for (size_t i = from; i < to && i < w->n; i++)
        if (strcmp(w->v[i], word) == 0)
            return 1;
    return 0;
}

/*
 * show VIEW ... and plot VIEW ... to FILE: the view's name, then what it
 * takes (a model, `on` and a dataset; a dataset and its columns; models);
 * for plot, `to` once the view has its words, and file names after it.
 * Returns 1 when file names complete the word, else 0.
 */
static int
complete_view(struct list *l, const char *text, const struct words *w, char before, int plot)
{
    size_t cur = w->n - 1, k = cur - 1; /* k: the view's own word being typed, from 1 */
    const char *view = w->v[1], *prev = w->v[cur - 1];

    if (cur == 1) {
        for (size_t i = 0; show_view_name(i) != NULL; i++)
            offer(l, text, show_view_name(i), " ");
        return 0;
    }
    if (plot && before == ' ' && strcmp(prev, "to") == 0)
        return 1;
    if (plot && has_word(w, 2, cur, "to"))
        return 0; /* the file is named: nothing follows */
    if (before == ' ' && strcmp(prev, "on") == 0 &&
        (model_view(view) || strcmp(view, "compare") == 0)) {
        offer_datasets(l, text);
        return 0;
    }
    if (model_view(view)) {
        if (k == 1)
            offer_names(l, text, store_model_names(session->store));
        else if (k == 2)
            offer(l, text, "on", " ");
    } else if (strcmp(view, "hist") == 0 || strcmp(view, "scatter") == 0) {
        if (k == 1)
            offer_datasets(l, text);
        else if (before == '=' && strncmp(w->v[cur], "by=", 3) == 0 &&
                 strcmp(view, "scatter") == 0)
            offer_columns(l, text, w->v[2]);
        else if (k == 2 || (k == 3 && strcmp(view, "scatter") == 0))
            offer_columns(l, text, w->v[2]);
        else if (k == 4 && strcmp(view, "scatter") == 0 && before != '=')
            offer(l, text, "by", "=");
    } else if (strcmp(view, "compare") == 0) {
        offer_names(l, text, store_model_names(session->store));
    }
    if (plot && before == ' ' && k > view_words(view))
        offer(l, text, "to", " ");
    return 0;
}

/* report MODEL [on DATASET] to FILE: 1 when file names complete the word. */
static int
complete_report(struct list *l, const char *text, const struct words *w)
{
    size_t cur = w->n - 1;
    const char *prev = w->v[cur - 1];

    if (cur == 1) {
        offer_names(l, text, store_model_names(session->store));
    } else if (strcmp(prev, "to") == 0) {
        return 1;
    } else if (strcmp(prev, "on") == 0) {
        offer_datasets(l, text);
    } else if (!has_word(w, 2, cur, "to")) {
        if (cur == 2)
            offer(l, text, "on", " ");
        offer(l, text, "to", " ");
    }
    return 0;
}

char **
complete_line(struct session *s, const char *line, size_t end)
{
    struct list l = {0};
    struct words w;
    const struct cmd_entry *e;
    char *cause = NULL, before = ' ';
    size_t start = end;
    const char *text;
    int file = 0;

    session = s;
    while (start > 0 && strchr(BREAK_CHARS, line[start - 1]) == NULL)
        start--;
    if (start > 0)
        before = line[start - 1];
    text = line + start;
    /* The words so far, with the one being typed last (maybe empty). */
    split_words(line, end, &w);
    if (end == 0 || line[end - 1] == ' ' || line[end - 1] == '\t')
        w.v[w.n < 64 ? w.n++ : 63] = xstrdup("");
    char *typed = xstrndup(text, end - start);
    if (w.n <= 1) {
        offer_commands(&l, typed);
    } else if ((e = cmd_find(w.v[0], &cause)) != NULL) {
        size_t idx = w.n - 1; /* the argument being typed, from 1 */

        if (strcmp(e->name, "train") == 0 || strcmp(e->name, "cv") == 0 ||
            strcmp(e->name, "tune") == 0) {
            complete_train(&l, e->name, typed, &w, before);
        } else if ((strcmp(e->name, "eval") == 0 || strcmp(e->name, "predict") == 0 ||
                    strcmp(e->name, "importance") == 0 || strcmp(e->name, "roc") == 0 ||
                    strcmp(e->name, "update") == 0 || strcmp(e->name, "retrain") == 0) &&
                   idx >= 2) {
            if (idx == 2)
                offer(&l, typed, strcmp(e->name, "update") == 0 ? "with" : "on", " ");
            else if (idx == 3)
                offer_datasets(&l, typed);
            else if (idx == 4 && (strcmp(e->name, "predict") == 0 ||
                                  strcmp(e->name, "roc") == 0 ||
                                  strcmp(e->name, "retrain") == 0))
                offer(&l, typed, "as", " ");
        } else if (strcmp(e->name, "promote") == 0 && idx >= 2) {
            if (strcmp(w.v[idx - 1], "on") == 0)
                offer_datasets(&l, typed);
            else if (before != '=') {
                offer(&l, typed, "version", "=");
                offer(&l, typed, "on", " ");
                offer(&l, typed, "note", "=");
            }
        } else if (strcmp(e->name, "export") == 0 && idx >= 2) {
            if (strcmp(w.v[idx - 1], "to") == 0)
                file = 1;
            else if (before != '=') {
                offer(&l, typed, "version", "=");
                offer(&l, typed, "to", " ");
            }
        } else if (strcmp(e->name, "show") == 0 || strcmp(e->name, "plot") == 0) {
            file = complete_view(&l, typed, &w, before, strcmp(e->name, "plot") == 0);
        } else if (strcmp(e->name, "report") == 0) {
            file = complete_report(&l, typed, &w);
        } else if (strcmp(e->name, "transform") == 0 && idx >= 2) {
            complete_transform(&l, typed, &w, before);
        } else if ((strcmp(e->name, "hist") == 0 || strcmp(e->name, "counts") == 0) &&
                   idx == 2) {
            offer_columns(&l, typed, w.v[1]);
        } else if (strcmp(e->name, "split") == 0 && idx >= 2) {
            if (before == '=' && strncmp(w.v[idx], "stratify=", 9) == 0)
                offer_columns(&l, typed, w.v[1]);
            else if (before != '=') {
                offer(&l, typed, "ratio", "=");
                offer(&l, typed, "seed", "=");
                offer(&l, typed, "stratify", "=");
            }
        } else if (strcmp(e->name, "load") == 0 && idx >= 3) {
            offer_options(&l, typed, registry_source_for(w.v[2]));
        } else if (idx <= 2) {
            switch (e->complete[idx - 1]) {
            case COMPLETE_DATASET:
                offer_datasets(&l, typed);
                break;
            case COMPLETE_MODEL:
                offer_names(&l, typed, store_model_names(s->store));
                break;
            case COMPLETE_TOPIC:
                offer_commands(&l, typed);
                offer_components(&l, typed, 0, " ");
                break;
            case COMPLETE_FILE:
                file = 1;
                break;
            case COMPLETE_NONE:
                break;
            }
        }
    }
    free(cause);
    free(typed);
    for (size_t i = 0; i < w.n; i++)
        free(w.v[i]);
    if (file) {
        complete_free(l.v);
        return NULL;
    }
    if (l.v == NULL) {
        l.v = xcalloc(1, sizeof *l.v);
    }
    return l.v;
}

void
complete_free(char **v)
{
    for (size_t i = 0; v != NULL && v[i] != NULL; i++)
        free(v[i]);
    free(v);
}

/* readline's interface: matches[0] is the common prefix, then each match. */
static char **
attempt(const char *text, int start, int end)
{
    char **v = complete_line(session, rl_line_buffer, (size_t)end), **out;
    size_t n = 0, common;

    (void)start;
    if (v == NULL) {
        rl_attempted_completion_over = 0; /* file names */
        return NULL;
    }
    rl_attempted_completion_over = 1;
    while (v[n] != NULL)
        n++;
    if (n == 0) {
        free(v);
        return NULL;
    }
    /* Matches carry their own separator (" " or "="): readline adds none. */
    rl_completion_append_character = '\0';
    out = xcalloc(n + 2, sizeof *out);
    common = strlen(v[0]);
    for (size_t i = 1; i < n; i++) {
        size_t k = 0;

        while (k < common && v[i][k] == v[0][k])
            k++;
        common = k;
    }
    out[0] = n == 1 ? xstrdup(v[0]) : xstrndup(v[0], common);
    for (size_t i = 0; n > 1 && i < n; i++)
        out[i + 1] = v[i];
    if (n == 1)
        free(v[0]);
    free(v);
    (void)text;
    return out;
}

void
complete_init(struct session *s)
{
    session = s;
    rl_attempted_completion_function = attempt;
    rl_completer_word_break_characters = (char *)BREAK_CHARS;
}
