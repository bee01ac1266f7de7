/*
 * source.c - reading a source into one frame, and following a growing one.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include "core/source.h"

#include <stdlib.h>
#include <string.h>

#include "core/frame.h"
#include "core/options.h"
#include "core/registry.h"
#include "core/xalloc.h"

struct source_handle {
    const struct component *src;
    struct aiwb_options *opts;
    void *state;
    char *uri;
};

static const struct aiwb_source_type *
stype(const struct source_handle *h)
{
    return h->src->type.source;
}

void
source_close(struct source_handle *h)
{
    if (h == NULL)
        return;
    /* close() runs once for the state, also after a failed open (plugin.h). */
    if (h->state != NULL && stype(h)->close != NULL)
        stype(h)->close(h->state);
    free(h->state);
    options_free(h->opts);
    free(h->uri);
    free(h);
}

/* Every batch the source yields now, as one frame (NULL and *cause on error,
 * or NULL with *cause NULL when there is nothing). */
static struct aiwb_frame *
read_batches(struct source_handle *h, char **cause)
{
    struct aiwb_frame **parts = NULL, *out = NULL;
    size_t nparts = 0;
    int rc;

    *cause = NULL;
    for (;;) {
        struct aiwb_frame *batch = NULL;

        rc = stype(h)->next(h->state, &batch, cause);
        if (rc < 0 || (rc > 0 && batch == NULL)) {
            frame_free(batch);
            if (*cause == NULL)
                *cause = xasprintf("%s: reading '%s' failed (status %d)", h->src->name, h->uri,
                                   rc);
            goto out;
        }
        if (batch == NULL)
            break;
        parts = xreallocarray(parts, nparts + 1, sizeof *parts);
        parts[nparts++] = batch;
        if (rc == 0)
            break;
    }
    if (nparts > 0)
        out = frame_concat(parts, nparts, cause);
out:
    for (size_t i = 0; i < nparts; i++)
        frame_free(parts[i]);
    free(parts);
    return out;
}

struct aiwb_frame *
source_read_follow(const struct component *src, const char *uri, size_t n, char *const *words,
                   struct source_handle **follow, char **cause)
{
    struct source_handle *h = xcalloc(1, sizeof *h);
    struct aiwb_frame *out = NULL;
    int following;

    if (follow != NULL)
        *follow = NULL;
    h->src = src;
    h->uri = xstrdup(uri);
    if ((h->opts = options_parse(src->name, src->options, n, words, cause)) == NULL)
        goto fail;
    h->state = xcalloc(1, stype(h)->state_size ? stype(h)->state_size : 1);
    *cause = NULL;
    if (stype(h)->open(h->state, uri, h->opts, cause) < 0) {
        if (*cause == NULL)
            *cause = xasprintf("%s: cannot open '%s'", src->name, uri);
        goto fail;
    }
    if ((out = read_batches(h, cause)) == NULL) {
        if (*cause == NULL)
            *cause = xasprintf("%s: '%s' yields no data", src->name, uri);
        goto fail;
    }
    if (!(src->flags & AIWB_SOURCE_KEEP_LEVELS))
        for (size_t c = 0; c < frame_cols(out); c++)
            frame_sort_levels(out, c);
    following = (src->flags & AIWB_SOURCE_FOLLOW) &&
                options_spec_find(src->options, "follow") != NULL &&
                options_bool(h->opts, "follow");
    if (following && follow != NULL)
        *follow = h;
    else
        source_close(h);
    return out;
fail:
    source_close(h);
    return NULL;
}

struct aiwb_frame *
source_read(const struct component *src, const char *uri, size_t n, char *const *words,
            char **cause)
{
    return source_read_follow(src, uri, n, words, NULL, cause);
}

struct aiwb_frame *
source_poll(struct source_handle *h, struct aiwb_frame *frame, char **cause)
{
    struct aiwb_frame *more = read_batches(h, cause), *joined;
    struct aiwb_frame *parts[2];

    if (more == NULL)
        return *cause == NULL ? frame : NULL;
    if (frame_rows(more) == 0) {
        frame_free(more);
        return frame;
    }
    parts[0] = frame;
    parts[1] = more;
    joined = frame_concat(parts, 2, cause);
    frame_free(more);
    if (joined == NULL)
        return NULL;
    frame_free(frame);
    return joined;
}
