/*
 * frameio.h - a whole frame through the codec, for datasets kept in the
 * workspace by `save`.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef AIWB_FRAMEIO_H
#define AIWB_FRAMEIO_H

#include <stddef.h>

struct aiwb_frame;

/* F as a new sealed codec blob (the caller frees it): every column's name,
 * type, values (doubles as their bits) and levels, in order. */
unsigned char *frame_encode(const struct aiwb_frame *f, size_t *len);
/* A new frame from a blob of frame_encode(); NULL with *cause set when the
 * blob is damaged or not a frame. */
struct aiwb_frame *frame_decode(const unsigned char *blob, size_t len, char **cause);

#endif
