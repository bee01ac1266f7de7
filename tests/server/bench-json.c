/*
 * bench-json.c - how long the server's JSON takes on /predict bodies, beside
 * jansson's json_loadb: ns per parse (and per parse + reading every feature
 * by name), and ns per JSON-lines log record written. Not a test: run it by
 * hand, on an idle machine (`make tests/server/bench-json`, then
 * tests/server/bench-json [ROUNDS]).
 *
 * Each figure is the fastest of ROUNDS (default 200) rounds of a few
 * thousand calls, so that other processes on the machine count as little as
 * possible; the median of the rounds is printed beside it.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "../../server/json.h"

#define FEATURES 20

/* The bench's 20-feature row (../shared/bench/serve/post.lua), by name. */
static const double row[FEATURES] = {
    -1.426913, -1.641051, -1.089256, -0.776909, 0.502296,  0.341210,  3.173740,
    1.456082,  0.738102,  0.431527,  1.235614,  -0.280053, 0.864561,  5.692143,
    0.979299,  0.561200,  -1.817390, -1.870742, -2.080957, -1.565077,
};

static char names[FEATURES][8];

static double
now(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static unsigned rounds = 200;
static double sink;

/* A body: {"f01":...,...} with each value printed by FMT (or the array form). */
static char *
body(const char *fmt, int array, const double *values)
{
    char *s = malloc(4096);
    size_t n = 0;
    int i;

    n += (size_t)snprintf(s + n, 4096 - n, array ? "{\"features\":[" : "{");
    for (i = 0; i < FEATURES; i++) {
        if (i > 0)
            s[n++] = ',';
        if (!array)
            n += (size_t)snprintf(s + n, 4096 - n, "\"%s\":", names[i]);
        n += (size_t)snprintf(s + n, 4096 - n, fmt, values[i]);
    }
    snprintf(s + n, 4096 - n, array ? "]}" : "}");
    return s;
}

enum what { OURS_PARSE, OURS_READ, JANSSON_PARSE, JANSSON_READ };

/* ns per call of WHAT on TEXT: the fastest round and the median one. */
static void
measure(enum what what, const char *text, double *best, double *median)
{
    size_t len = strlen(text);
    unsigned calls = what >= JANSSON_PARSE ? 500 : 5000, r, i;
    double *t = malloc(rounds * sizeof *t), start, s = 0;
    struct json_arena arena;
    struct json_error err;
    int f;

    json_arena_init(&arena, NULL, 0);
    for (r = 0; r < rounds; r++) {
        start = now();
        for (i = 0; i < calls; i++) {
            if (what <= OURS_READ) {
                const struct json_value *v = json_parse(&arena, text, len, NULL, &err);

                if (v == NULL) {
                    fprintf(stderr, "bench-json: %s\n", err.text);
                    exit(1);
                }
                if (what == OURS_READ) {
                    const struct json_value *x = json_member(v, "features");

                    for (f = 0; f < FEATURES; f++)
                        s += json_double(x != NULL ? json_item(x, (size_t)f)
                                                   : json_member(v, names[f]));
                }
            } else {
                json_error_t je;
                json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);

                if (j == NULL) {
                    fprintf(stderr, "bench-json: jansson: %s\n", je.text);
                    exit(1);
                }
                if (what == JANSSON_READ) {
                    json_t *x = json_object_get(j, "features");

                    for (f = 0; f < FEATURES; f++)
                        s += json_number_value(x != NULL ? json_array_get(x, (size_t)f)
                                                         : json_object_get(j, names[f]));
                }
                json_decref(j);
            }
        }
        t[r] = (now() - start) / calls * 1e9;
    }
    qsort(t, rounds, sizeof *t, cmp_double);
    *best = t[0];
    *median = t[rounds / 2];
    sink += s;
    free(t);
    json_arena_release(&arena);
}

static void
report(const char *label, const char *text)
{
    double b[4], m[4];
    int w;

    for (w = OURS_PARSE; w <= JANSSON_READ; w++)
        measure((enum what)w, text, &b[w], &m[w]);
    printf("%-34s %5zu  %7.0f (%6.0f) %7.0f (%6.0f) %8.0f (%6.0f) %8.0f (%6.0f)  %5.1fx\n", label,
           strlen(text), b[0], m[0], b[1], m[1], b[2], m[2], b[3], m[3], b[3] / b[1]);
}

/* ns per JSON-lines record of a /predict: id, the 20 inputs, the output. */
static void
report_writer(void)
{
    struct json_writer w;
    unsigned calls = 5000, r, i;
    double *t = malloc(rounds * sizeof *t), start;
    int f;

    json_writer_init(&w, NULL, 0);
    for (r = 0; r < rounds; r++) {
        start = now();
        for (i = 0; i < calls; i++) {
            json_writer_reset(&w);
            json_write_object_begin(&w);
            json_write_key(&w, "ts");
            json_write_string(&w, "2026-05-01T12:00:00.123456Z");
            json_write_key(&w, "id");
            json_write_string(&w, "6f1c2a9e-8d3b-4c55-9a11-3e0f7b2d4c10");
            json_write_key(&w, "input");
            json_write_object_begin(&w);
            for (f = 0; f < FEATURES; f++) {
                json_write_key(&w, names[f]);
                json_write_double(&w, row[f]);
            }
            json_write_object_end(&w);
            json_write_key(&w, "output");
            json_write_object_begin(&w);
            json_write_key(&w, "class");
            json_write_int(&w, 0);
            json_write_key(&w, "p");
            json_write_array_begin(&w);
            json_write_double(&w, 0.8734019381527761);
            json_write_double(&w, 0.12659806184722393);
            json_write_array_end(&w);
            json_write_object_end(&w);
            json_write_key(&w, "latency_us");
            json_write_double(&w, 12.5);
            json_write_object_end(&w);
            json_write_newline(&w);
        }
        t[r] = (now() - start) / calls * 1e9;
    }
    qsort(t, rounds, sizeof *t, cmp_double);
    printf("%-34s %5zu  %7.0f (%6.0f)\n", "write a log record (20 inputs)", w.len, t[0],
           t[rounds / 2]);
    json_writer_release(&w);
    free(t);
}

int
main(int argc, char **argv)
{
    double wide[FEATURES];
    char *b;
    int i;

    if (argc > 1)
        rounds = (unsigned)strtoul(argv[1], NULL, 10);
    if (rounds == 0)
        rounds = 1;
    for (i = 0; i < FEATURES; i++) {
        snprintf(names[i], sizeof names[i], "f%02d", i + 1);
        /* what a client printing doubles in full (Python's json) sends */
        wide[i] = row[i] / 3.0;
    }
    printf("ns per call: fastest of %u rounds (median in brackets)\n", rounds);
    printf("%-34s %5s  %16s %16s %17s %17s  %6s\n", "body", "bytes", "ours: parse", "parse+read",
           "jansson: parse", "parse+read", "ratio");
    b = body("%.6f", 0, row);
    report("20 features by name, 6 decimals", b);
    free(b);
    b = body("%.17g", 0, wide);
    report("20 features by name, 17 digits", b);
    free(b);
    b = body("%.6f", 1, row);
    report("{\"features\":[20 numbers]}", b);
    free(b);
    report_writer();
    return sink == 12345.678 ? 1 : 0;
}
