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
 * (the caller frees it), categorical levels sorted. NULL with *cause set on
 * failure; nothing is left allocated.
 */
struct aiwb_frame *source_read(const struct component *src, const char *uri, size_t n,
                               char *const *words, char **cause);

#endif
