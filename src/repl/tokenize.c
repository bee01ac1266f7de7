/*
 * tokenize.c - command lines into commands and words.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include "repl/tokenize.h"

#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"
#include "core/xalloc.h"

struct words {
    size_t n, alloc;
    char **v;
};

static void
words_add(struct words *w, char *s)
{
    if (w->n + 1 >= w->alloc) {
        w->alloc = w->alloc ? 2 * w->alloc : 8;
        w->v = xreallocarray(w->v, w->alloc, sizeof *w->v);
    }
    w->v[w->n++] = s;
    w->v[w->n] = NULL;
}

static void
words_clear(struct words *w)
{
    for (size_t i = 0; i < w->n; i++)
        free(w->v[i]);
    free(w->v);
    memset(w, 0, sizeof *w);
}

static int
is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Read a quoted run starting at *P (at the quote) into SB (unquoted unless
 * KEEP); *P moves past the closing quote. -1 if it never closes. */
static int
quoted(const char **p, struct strbuf *sb, int keep)
{
    char q = **p;
    const char *s = *p + 1;

    if (keep)
        strbuf_addch(sb, q);
    for (; *s && *s != q; s++) {
        if (q == '"' && *s == '\\' && (s[1] == '"' || s[1] == '\\')) {
            if (keep)
                strbuf_addch(sb, *s);
            s++;
        }
        strbuf_addch(sb, *s);
    }
    if (*s != q)
        return -1;
    if (keep)
        strbuf_addch(sb, q);
    *p = s + 1;
    return 0;
}

static char *
trimmed(const char *from, const char *to)
{
    while (from < to && is_space(*from))
        from++;
    while (to > from && is_space(to[-1]))
        to--;
    return xstrndup(from, (size_t)(to - from));
}

static void
end_command(struct cmdline **cmds, size_t *n, struct words *w, const char *from, const char *to)
{
    if (w->n == 0) {
        words_clear(w);
        return;
    }
    *cmds = xreallocarray(*cmds, *n + 1, sizeof **cmds);
    (*cmds)[*n].text = trimmed(from, to);
    (*cmds)[*n].argc = w->n;
    (*cmds)[*n].argv = w->v;
    (*n)++;
    memset(w, 0, sizeof *w);
}

int
tokenize_line(const char *line, struct cmdline **cmds, size_t *n, char **cause)
{
    struct words w = {0};
    struct strbuf sb = STRBUF_INIT;
    const char *p = line, *start = line, *comment = NULL;

    *cmds = NULL;
    *n = 0;
    while (*p) {
        int depth = 0, inword = 0;
        const char *open = NULL; /* the outermost '(' of the word */

        while (is_space(*p))
            p++;
        if (*p == '\0')
            break;
        if (*p == '#') {
            comment = p;
            break;
        }
        if (*p == ';') {
            end_command(cmds, n, &w, start, p);
            start = ++p;
            continue;
        }
        strbuf_reset(&sb);
        while (*p && (depth > 0 || (!is_space(*p) && *p != ';'))) {
            const char *at = p;

            inword = 1;
            if (*p == '\'' || *p == '"') {
                if (quoted(&p, &sb, depth > 0) < 0) {
                    *cause = xasprintf("column %zu: unterminated quote", (size_t)(at - line) + 1);
                    goto fail;
                }
                continue;
            }
            if (*p == '(' && depth++ == 0)
                open = p;
            else if (*p == ')' && --depth < 0) {
                *cause = xasprintf("column %zu: ')' without '('", (size_t)(p - line) + 1);
                goto fail;
            }
            strbuf_addch(&sb, *p++);
        }
        if (depth > 0) {
            *cause = xasprintf("column %zu: '(' is never closed", (size_t)(open - line) + 1);
            goto fail;
        }
        if (inword)
            words_add(&w, xstrdup(strbuf_str(&sb)));
    }
    end_command(cmds, n, &w, start, comment != NULL ? comment : p);
    strbuf_release(&sb);
    return 0;
fail:
    strbuf_release(&sb);
    words_clear(&w);
    tokenize_free(*cmds, *n);
    *cmds = NULL;
    *n = 0;
    return -1;
}

void
tokenize_free(struct cmdline *cmds, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(cmds[i].text);
        for (size_t j = 0; j < cmds[i].argc; j++)
            free(cmds[i].argv[j]);
        free(cmds[i].argv);
    }
    free(cmds);
}

int
tokenize_args(const char *text, size_t len, char ***words, size_t *n, char **cause)
{
    struct words w = {0};
    struct strbuf sb = STRBUF_INIT;
    char *copy = xstrndup(text, len);
    const char *p = copy;

    for (;;) {
        size_t keep = 0; /* quoted text is never trimmed */
        int depth = 0;

        while (is_space(*p))
            p++;
        strbuf_reset(&sb);
        while (*p && (*p != ',' || depth > 0)) {
            if (*p == '\'' || *p == '"') {
                if (quoted(&p, &sb, 0) < 0) {
                    *cause = xstrdup("unterminated quote");
                    goto fail;
                }
                keep = sb.len;
                continue;
            }
            depth += *p == '(' ? 1 : *p == ')' && depth > 0 ? -1 : 0;
            strbuf_addch(&sb, *p++);
        }
        while (sb.len > keep && is_space(sb.buf[sb.len - 1]))
            sb.buf[--sb.len] = '\0';
        if (sb.len == 0 && (*p == ',' || w.n > 0)) {
            *cause = xstrdup("empty option in the list");
            goto fail;
        }
        if (sb.len > 0)
            words_add(&w, xstrdup(strbuf_str(&sb)));
        if (*p != ',')
            break;
        p++;
    }
    if (w.v == NULL)
        words_add(&w, NULL), w.n = 0; /* an empty, NULL-terminated array */
    *words = w.v;
    *n = w.n;
    strbuf_release(&sb);
    free(copy);
    return 0;
fail:
    strbuf_release(&sb);
    words_clear(&w);
    free(copy);
    return -1;
}

void
tokenize_words_free(char **words)
{
    for (size_t i = 0; words != NULL && words[i] != NULL; i++)
        free(words[i]);
    free(words);
}

char *
tokenize_quote(const char *word)
{
    int plain = *word != '\0';

    for (const char *p = word; *p && plain; p++)
        plain = !is_space(*p) && strchr(";'\"#()", *p) == NULL;
    if (plain)
        return xstrdup(word);
    if (strchr(word, '\'') == NULL)
        return xasprintf("'%s'", word);
    struct strbuf sb = STRBUF_INIT;
    strbuf_addch(&sb, '"');
    for (const char *p = word; *p; p++) {
        if (*p == '"' || *p == '\\')
            strbuf_addch(&sb, '\\');
        strbuf_addch(&sb, *p);
    }
    strbuf_addch(&sb, '"');
    return strbuf_detach(&sb, NULL);
}
