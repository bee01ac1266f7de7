/*
 * json-int.h - what server/json.c, json-write.c and json-number.c share;
 * not for users of json.h.
 *
 * SPDX-License-Identifier: MIT
 * Copyright (C) 2026 the aiwb developers
 */
#ifndef AIWB_SERVER_JSON_INT_H
#define AIWB_SERVER_JSON_INT_H

#include <stddef.h>
#include <stdint.h>

/* 1 for the bytes of a string that need a closer look: '"', '\\', control
 * characters and non-ASCII bytes. (json.c) */
extern const unsigned char json_string_special[256];

/* Whether any of the 8 bytes of X is one of json_string_special's: a word
 * at a time through the plain runs of a string. */
static inline int
json_any_special8(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');

    return (((q - ones) & ~q) | ((b - ones) & ~b) | ((x - ones * 0x20) & ~x) | x) & highs ? 1 : 0;
}

/* The length of the valid UTF-8 sequence of 2 to 4 bytes at P (before END),
 * or 0: no overlong forms, no surrogates, nothing above U+10FFFF. (json.c) */
int json_utf8_sequence(const unsigned char *p, const unsigned char *end);

/* The double nearest to M * 10^E10 (M of at most 19 digits, 0 included),
 * ties to even, negated if NEG, into *OUT: infinite when too large, zero
 * when too small. Returns 1, or 0 when the caller must ask strtod.
 * (json-number.c) */
int json_decimal_to_double(uint64_t m, int64_t e10, int neg, double *out);

/* X in decimal at OUT (20 bytes at most, no NUL); returns the length.
 * (json-number.c) */
size_t json_put_u64(char *out, uint64_t x);

#endif /* AIWB_SERVER_JSON_INT_H */
