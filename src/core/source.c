/*
 * source.c - reading a whole source into one frame.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include "core/source.h"

#include <stdlib.h>

#include "core/frame.h"
#include "core/options.h"
#include "core/registry.h"
#include "core/xalloc.h"

struct aiwb_frame *
source_read(const struct component *src, const char *uri, size_t n, char *const *words,
            char **cause)
{
    const struct aiwb_source_type *t = src->type.source;
    struct aiwb_options *opts;
    struct aiwb_frame **parts = NULL, *out = NULL;
    size_t nparts = 0;
    void *state;
    int rc;

    opts = options_parse(src->name, src->options, n, words, cause);
    if (opts == NULL)
        return NULL;
    state = xcalloc(1, t->state_size ? t->state_size : 1);
    *cause = NULL;
    if (t->open(state, uri, opts, cause) < 0) {
        if (*cause == NULL)
            *cause = xasprintf("%s: cannot open '%s'", src->name, uri);
        goto out; /* close() frees what a failed open() left (plugin.h) */
    }
    for (;;) {
        struct aiwb_frame *batch = NULL;

        rc = t->next(state, &batch, cause);
        if (rc < 0 || (rc > 0 && batch == NULL)) {
            frame_free(batch);
            if (*cause == NULL)
                *cause = xasprintf("%s: reading '%s' failed (status %d)", src->name, uri, rc);
            goto out;
        }
        if (batch == NULL)
            break;
        parts = xreallocarray(parts, nparts + 1, sizeof *parts);
        parts[nparts++] = batch;
        if (rc == 0)
            break;
    }
    if (nparts == 0) {
        *cause = xasprintf("%s: '%s' yields no data", src->name, uri);
        goto out;
    }
    out = frame_concat(parts, nparts, cause);
    for (size_t c = 0; out != NULL && c < frame_cols(out); c++)
        frame_sort_levels(out, c);
out:
    if (t->close != NULL)
        t->close(state);
    for (size_t i = 0; i < nparts; i++)
        frame_free(parts[i]);
    free(parts);
    free(state);
    options_free(opts);
    return out;
}
