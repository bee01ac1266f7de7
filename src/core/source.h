/*
 * source.h - reading a whole source into one frame.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef AIWB_SOURCE_H
#define AIWB_SOURCE_H

#include <stddef.h>

struct component;
struct aiwb_frame;

/*
 * Open URI with source component SRC and the N option words "name=value"
 * in WORDS, read every batch it yields and return them as one new frame
 * (the caller frees it), categorical levels sorted by text unless the
 * source keeps its order (AIWB_SOURCE_KEEP_LEVELS). NULL with *cause set on
 * failure; nothing is left allocated.
 */
struct aiwb_frame *source_read(const struct component *src, const char *uri, size_t n,
                               char *const *words, char **cause);

/* An open source that follows a growing file. */
struct source_handle;

/*
 * Like source_read, but when the source follows (AIWB_SOURCE_FOLLOW and the
 * user set follow=true), *follow (if not NULL) gets the open source, to be
 * polled with source_poll and closed with source_close; else it is NULL.
 */
struct aiwb_frame *source_read_follow(const struct component *src, const char *uri, size_t n,
                                      char *const *words, struct source_handle **follow,
                                      char **cause);
/*
 * The rows the followed source yields now, joined onto FRAME: a new frame
 * (FRAME is freed), FRAME itself when there is nothing new, or NULL with
 * *cause set (FRAME is kept by the caller then).
 */
struct aiwb_frame *source_poll(struct source_handle *h, struct aiwb_frame *frame, char **cause);
void source_close(struct source_handle *h);

#endif
