/*
 * test-rows.c - the transforms that choose columns and rows: select, drop, rename, filter and
 * dedupe, driven through their descriptors as the host drives them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/codec.h"
#include "core/frame.h"
#include "core/log.h"
#include "core/options.h"
#include "core/registry.h"
#include "testutil.h"

/* What sqlite and pandas keep of rows.csv (see gen-reference.py beside it). */
#include "../data/rows/reference.h"

#define NA NAN

/* ---- Warnings the plugins log ---------------------------------------------------- */

#define MAX_LOGGED 8
static char logged[MAX_LOGGED][512];
static size_t n_logged;

static void
capture(void *arg, enum aiwb_log_level level, const char *msg)
{
    (void)arg;
    if (level >= AIWB_LOG_WARN && n_logged < MAX_LOGGED)
        snprintf(logged[n_logged++], sizeof logged[0], "%s", msg);
}

static int
setup(void **unused)
{
    (void)unused;
    tu_load_plugins();
    log_set_sink(capture, NULL, AIWB_LOG_WARN);
    n_logged = 0;
    return 0;
}

static int
teardown(void **unused)
{
    (void)unused;
    log_set_sink(NULL, NULL, AIWB_LOG_INFO);
    return 0;
}

/* ---- Frames by hand --------------------------------------------------------------- */

static void
add_num(struct aiwb_frame *f, const char *name, const double *v)
{
    double *y = frame_add_numeric(f, name);

    assert_non_null(y);
    memcpy(y, v, frame_rows(f) * sizeof *y);
}

/* A categorical column: the levels ORDER (NULL-terminated, may be NULL) are interned first,
 * fixing their codes, then the values V (NULL for missing). */
static void
add_cat(struct aiwb_frame *f, const char *name, const char *const *order, const char *const *v)
{
    int32_t *y = frame_add_categorical(f, name);
    size_t col = frame_cols(f) - 1;

    assert_non_null(y);
    for (size_t k = 0; order != NULL && order[k] != NULL; k++)
        frame_level_intern(f, col, order[k], strlen(order[k]));
    for (size_t i = 0; i < frame_rows(f); i++)
        y[i] = v[i] != NULL ? frame_level_intern(f, col, v[i], strlen(v[i])) : AIWB_NA_CODE;
}

/* A numeric column "row" holding 0..n-1, to see which rows a transform kept. */
static void
add_row_numbers(struct aiwb_frame *f)
{
    double *y = frame_add_numeric(f, "row");

    assert_non_null(y);
    for (size_t i = 0; i < frame_rows(f); i++)
        y[i] = (double)i;
}

static size_t
col_of(const struct aiwb_frame *f, const char *name)
{
    long c = frame_find(f, name);

    if (c < 0)
        fail_msg("no column '%s'", name);
    return (size_t)c;
}

/* The text of row I of categorical column NAME, or NULL when missing. */
static const char *
text_of(const struct aiwb_frame *f, const char *name, size_t i)
{
    size_t c = col_of(f, name);
    const int32_t *code = frame_codes(f, c);

    assert_non_null(code);
    return code[i] == AIWB_NA_CODE ? NULL : frame_level(f, c, code[i]);
}

/* Assert that F's columns are the NULL-terminated NAMES, in that order. */
static void
assert_columns(const struct aiwb_frame *f, ...)
{
    va_list ap;
    size_t c = 0;
    const char *name;

    va_start(ap, f);
    while ((name = va_arg(ap, const char *)) != NULL) {
        if (c >= frame_cols(f))
            fail_msg("column %zu: want '%s', the frame has only %zu columns", c, name,
                     frame_cols(f));
        if (strcmp(frame_col_name(f, c), name) != 0)
            fail_msg("column %zu: want '%s', got '%s'", c, name, frame_col_name(f, c));
        c++;
    }
    va_end(ap);
    assert_int_equal(frame_cols(f), c);
}

/* The rows of F, "0,3,5", read from its numeric column NAME (a static buffer). */
static const char *
rows_of(const struct aiwb_frame *f, const char *name)
{
    static char buf[4096];
    const double *x = frame_numeric(f, col_of(f, name));
    size_t len = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < frame_rows(f) && len + 32 < sizeof buf; i++)
        len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%.0f", i ? "," : "", x[i]);
    return buf;
}

/* Assert column C of A and column D of B hold the same values (levels by text). */
static void
assert_same_column(const struct aiwb_frame *a, size_t c, const struct aiwb_frame *b, size_t d)
{
    size_t n = frame_rows(a);

    assert_int_equal(frame_rows(b), n);
    assert_int_equal(frame_col_type(a, c), frame_col_type(b, d));
    if (frame_col_type(a, c) == AIWB_NUMERIC) {
        assert_memory_equal(frame_numeric(a, c), frame_numeric(b, d), n * sizeof(double));
        return;
    }
    for (size_t i = 0; i < n; i++) {
        int32_t x = frame_codes(a, c)[i], y = frame_codes(b, d)[i];
        if (x < 0 || y < 0)
            assert_int_equal(x, y);
        else
            assert_string_equal(frame_level(a, c, x), frame_level(b, d, y));
    }
}

/* Assert A and B hold the same columns with the same values (levels by text). */
static void
assert_frames_equal(const struct aiwb_frame *a, const struct aiwb_frame *b)
{
    assert_int_equal(frame_rows(b), frame_rows(a));
    assert_int_equal(frame_cols(b), frame_cols(a));
    for (size_t c = 0; c < frame_cols(a); c++) {
        assert_string_equal(frame_col_name(a, c), frame_col_name(b, c));
        assert_same_column(a, c, b, c);
    }
}

/* ---- Transforms through their descriptors ------------------------------------------ */

struct tf {
    const struct aiwb_transform_type *t;
    void *state;
};

static const struct component *
find_component(const char *name)
{
    const struct component *c;

    tu_load_plugins();
    c = registry_find(COMPONENT_TRANSFORM, name);
    if (c == NULL)
        fail_msg("no transform '%s'", name);
    return c;
}

/* Make an instance of transform NAME with the NULL-terminated option words and init it.
 * The option set is freed right after init, so a plugin that kept it would fail under
 * the sanitizers. Returns init's status; *cause gets its message. */
static int
tf_init(struct tf *x, const char *name, const char *const *words, char **cause)
{
    struct aiwb_options *o;
    size_t n = 0;
    int rc;

    x->t = find_component(name)->type.transform;
    x->state = calloc(1, x->t->state_size);
    while (words != NULL && words[n] != NULL)
        n++;
    o = options_parse(name, x->t->options, n, (char *const *)words, cause);
    if (o == NULL)
        fail_msg("options: %s", *cause);
    rc = x->t->init(x->state, o, cause);
    options_free(o);
    return rc;
}

/* tf_init that must succeed. */
static void
tf_make(struct tf *x, const char *name, const char *const *words)
{
    char *cause = NULL;

    if (tf_init(x, name, words, &cause) != AIWB_OK)
        fail_msg("init %s: %s", name, cause);
}

/* tf_make with one option word. */
static void
tf_make1(struct tf *x, const char *name, const char *word)
{
    const char *words[] = {word, NULL};

    tf_make(x, name, words);
}

/* The result of applying X to F, which must succeed. */
static struct aiwb_frame *
tf_apply(const struct tf *x, const struct aiwb_frame *f)
{
    struct aiwb_frame *out = NULL;
    char *cause = NULL;

    if (x->t->apply(x->state, f, &out, &cause) != AIWB_OK)
        fail_msg("apply %s: %s", x->t->name, cause);
    assert_non_null(out);
    return out;
}

static void
tf_free(struct tf *x)
{
    x->t->fini(x->state);
    free(x->state);
}

/* Assert that MSG holds each NULL-terminated fragment of AP. */
static void
assert_fragments(const char *msg, va_list ap)
{
    const char *want;

    while ((want = va_arg(ap, const char *)) != NULL)
        if (strstr(msg, want) == NULL)
            fail_msg("message '%s' lacks '%s'", msg, want);
}

/* Assert that init of NAME with option WORD fails with a message holding each
 * NULL-terminated fragment. */
static void
expect_init_fail(const char *name, const char *word, ...)
{
    const char *words[] = {word, NULL};
    char *cause = NULL;
    struct tf x;
    va_list ap;

    assert_true(tf_init(&x, name, word != NULL ? words : NULL, &cause) < 0);
    assert_non_null(cause);
    va_start(ap, word);
    assert_fragments(cause, ap);
    va_end(ap);
    free(cause);
    tf_free(&x);
}

/* Assert that applying X to F fails, leaving no frame, with a message holding each
 * NULL-terminated fragment. */
static void
expect_apply_fail(const struct tf *x, const struct aiwb_frame *f, ...)
{
    struct aiwb_frame *out = (struct aiwb_frame *)&out;
    char *cause = NULL;
    va_list ap;

    assert_true(x->t->apply(x->state, f, &out, &cause) < 0);
    assert_non_null(cause);
    assert_null(out);
    va_start(ap, f);
    assert_fragments(cause, ap);
    va_end(ap);
    free(cause);
}

/* The sealed state of X (the caller frees it). */
static unsigned char *
save_state(const struct tf *x, size_t *len)
{
    struct aiwb_writer *w = writer_new();
    unsigned char *blob;

    assert_int_equal(x->t->save(x->state, w), AIWB_OK);
    blob = codec_seal(w, len);
    writer_free(w);
    return blob;
}

/* Load BLOB into Y's state; returns load's status. */
static int
load_state(struct tf *y, const unsigned char *blob, size_t len, unsigned version, char **cause)
{
    struct aiwb_reader *r = reader_open(blob, len, cause);
    int rc;

    assert_non_null(r);
    rc = y->t->load(y->state, r, version, cause);
    if (rc == AIWB_OK)
        assert_true(reader_at_end(r));
    reader_free(r);
    return rc;
}

/*
 * Save X's state and load it twice: into a fresh instance that was never initialised, and
 * into OTHER (initialised with other options, so load must replace them). Applying either
 * to F must give what X gives, and saving the loaded state again the same bytes. A state
 * saved with another version is refused, naming both versions.
 */
static void
check_round_trip(const struct tf *x, struct tf *other, const struct aiwb_frame *f)
{
    struct tf fresh = {x->t, calloc(1, x->t->state_size)};
    struct aiwb_frame *want = tf_apply(x, f), *got;
    size_t len, len2;
    unsigned char *blob = save_state(x, &len), *blob2;
    char *cause = NULL;

    if (load_state(&fresh, blob, len, x->t->state_version, &cause) != AIWB_OK)
        fail_msg("load: %s", cause);
    got = tf_apply(&fresh, f);
    assert_frames_equal(got, want);
    frame_free(got);
    blob2 = save_state(&fresh, &len2);
    assert_int_equal(len2, len);
    assert_memory_equal(blob2, blob, len);
    free(blob2);

    if (load_state(other, blob, len, x->t->state_version, &cause) != AIWB_OK)
        fail_msg("load: %s", cause);
    got = tf_apply(other, f);
    assert_frames_equal(got, want);
    frame_free(got);

    assert_true(load_state(&fresh, blob, len, x->t->state_version + 1, &cause) < 0);
    assert_non_null(strstr(cause, x->t->name));
    assert_non_null(strstr(cause, "version 2"));
    assert_non_null(strstr(cause, "version 1"));
    free(cause);

    frame_free(want);
    free(blob);
    tf_free(&fresh);
}

/* ---- The components as the user sees them ------------------------------------------ */

static void
test_registered(void **unused)
{
    static const struct {
        const char *name, *module;
        unsigned flags;
        const char *in_help; /* what `help NAME` must tell the user */
    } want[] = {
        {"select", "columns", AIWB_CAP_MISSING | AIWB_CAP_CATEGORICAL, "in that order"},
        {"drop", "columns", AIWB_CAP_MISSING | AIWB_CAP_CATEGORICAL, "starts with"},
        {"rename", "columns", AIWB_CAP_MISSING | AIWB_CAP_CATEGORICAL, "swaps"},
        {"filter", "filter", AIWB_CAP_MISSING | AIWB_CAP_CATEGORICAL | AIWB_TF_ROWS, "SQL's NULL"},
        {"dedupe", "dedupe", AIWB_CAP_MISSING | AIWB_CAP_CATEGORICAL | AIWB_TF_ROWS,
         "missing value equals"},
    };

    (void)unused;
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const struct component *c = find_component(want[i].name);
        const struct aiwb_transform_type *t = c->type.transform;
        assert_string_equal(c->module->name, want[i].module);
        assert_string_equal(c->module->version, "1.0.0");
        assert_int_equal(t->flags, want[i].flags);
        assert_non_null(t->summary);
        assert_true(strlen(t->summary) <= 80); /* one line in `plugins` */
        assert_non_null(t->help);
        if (strstr(t->help, want[i].in_help) == NULL)
            fail_msg("help of %s lacks '%s'", want[i].name, want[i].in_help);
        for (const char *line = t->help; *line;) { /* each line fits a terminal */
            const char *end = strchr(line, '\n');
            size_t len = end != NULL ? (size_t)(end - line) : strlen(line);
            assert_true(len <= 80);
            line += len + (end != NULL);
        }
        assert_int_equal(t->state_version, 1);
        assert_non_null(t->init);
        assert_non_null(t->apply);
        assert_non_null(t->save);
        assert_non_null(t->load);
        assert_non_null(t->fini);
        for (const struct aiwb_option_spec *o = t->options; o->name != NULL; o++)
            assert_true(o->help != NULL && strlen(o->help) > 20);
    }
    /* The language of conditions is in `help filter`. */
    for (const char *const *w = (const char *const[]){"is missing", "not in", "backquotes",
                                                      "doubled", "byte by byte", "tighter", NULL};
         *w != NULL; w++)
        assert_non_null(strstr(find_component("filter")->help, *w));
}

/* ---- select, drop, rename -------------------------------------------------------- */

/* Columns a (numeric, with a missing value), b (categorical), c, x1, x2, y; 4 rows. */
static struct aiwb_frame *
wide_frame(void)
{
    struct aiwb_frame *f = frame_new(4);

    add_num(f, "a", (const double[]){1, NA, 3, 4});
    add_cat(f, "b", NULL, (const char *const[]){"p", "q", NULL, "p"});
    add_num(f, "c", (const double[]){10, 20, 30, 40});
    add_num(f, "x1", (const double[]){-1, -2, -3, -4});
    add_num(f, "x2", (const double[]){0.5, 1.5, 2.5, 3.5});
    add_num(f, "y", (const double[]){7, 8, 9, 10});
    return f;
}

/* Assert OUT's column NAME is IN's, with the same values, levels and missing values. */
static void
assert_passed(const struct aiwb_frame *out, const struct aiwb_frame *in, const char *name)
{
    assert_same_column(out, col_of(out, name), in, col_of(in, name));
}

/* Apply select with COLUMNS to F and check the names it gives (NULL-terminated). */
static void
check_select(const struct aiwb_frame *f, const char *verb, const char *word, ...)
{
    struct tf t;
    struct aiwb_frame *g;
    va_list ap;
    const char *name;
    size_t c = 0;

    tf_make1(&t, verb, word);
    g = tf_apply(&t, f);
    assert_int_equal(frame_rows(g), frame_rows(f));
    va_start(ap, word);
    while ((name = va_arg(ap, const char *)) != NULL) {
        if (c >= frame_cols(g) || strcmp(frame_col_name(g, c), name) != 0)
            fail_msg("%s(%s): column %zu should be '%s'", verb, word, c, name);
        assert_passed(g, f, name);
        c++;
    }
    va_end(ap);
    if (c != frame_cols(g))
        fail_msg("%s(%s): %zu columns, want %zu", verb, word, frame_cols(g), c);
    frame_free(g);
    tf_free(&t);
}

static void
test_select(void **unused)
{
    struct aiwb_frame *f = wide_frame();

    (void)unused;
    check_select(f, "select", "columns=c,b", "c", "b", NULL);
    check_select(f, "select", "columns= y , a ", "y", "a", NULL);
    check_select(f, "select", "columns=x*", "x1", "x2", NULL);
    check_select(f, "select", "columns=x2,x*", "x2", "x1", NULL);
    check_select(f, "select", "columns=y,*", "y", "a", "b", "c", "x1", "x2", NULL);
    check_select(f, "select", "columns=*", "a", "b", "c", "x1", "x2", "y", NULL);
    /* A categorical column keeps its levels and its missing value. */
    {
        struct tf t;
        struct aiwb_frame *g;
        tf_make1(&t, "select", "columns=b");
        g = tf_apply(&t, f);
        assert_string_equal(text_of(g, "b", 1), "q");
        assert_null(text_of(g, "b", 2));
        assert_int_equal(frame_nlevels(g, 0), 2);
        frame_free(g);
        tf_free(&t);
    }
    frame_free(f);
}

static void
test_drop(void **unused)
{
    struct aiwb_frame *f = wide_frame();

    (void)unused;
    check_select(f, "drop", "columns=a,x*", "b", "c", "y", NULL);
    check_select(f, "drop", "columns=y", "a", "b", "c", "x1", "x2", NULL);
    check_select(f, "drop", "columns=x1,x*", "a", "b", "c", "y", NULL);
    frame_free(f);
}

static void
test_rename(void **unused)
{
    struct aiwb_frame *f = wide_frame(), *g;
    struct tf t;

    (void)unused;
    tf_make1(&t, "rename", "map=a:alpha, b : beta");
    g = tf_apply(&t, f);
    assert_columns(g, "alpha", "beta", "c", "x1", "x2", "y", NULL);
    assert_same_column(g, 0, f, 0);
    assert_same_column(g, 1, f, 1);
    frame_free(g);
    tf_free(&t);

    /* A swap, and a name to itself. */
    tf_make1(&t, "rename", "map=a:c,c:a,y:y");
    g = tf_apply(&t, f);
    assert_columns(g, "c", "b", "a", "x1", "x2", "y", NULL);
    assert_same_column(g, 0, f, col_of(f, "a"));
    assert_same_column(g, 2, f, col_of(f, "c"));
    frame_free(g);
    tf_free(&t);

    /* Onto a name freed by another renaming. */
    tf_make1(&t, "rename", "map=y:target,x1:y");
    g = tf_apply(&t, f);
    assert_columns(g, "a", "b", "c", "y", "x2", "target", NULL);
    frame_free(g);
    tf_free(&t);
    frame_free(f);
}

static void
test_columns_errors(void **unused)
{
    struct aiwb_frame *f = wide_frame(), *wide = frame_new(2);
    struct tf t;

    (void)unused;
    /* Options that cannot be read: refused by init. */
    expect_init_fail("select", NULL, "select: needs columns='NAME,...'", NULL);
    expect_init_fail("drop", NULL, "drop: needs columns=", NULL);
    expect_init_fail("rename", NULL, "rename: needs map='OLD:NEW,...'", NULL);
    expect_init_fail("select", "columns=", "select: columns='' item 1 is empty", NULL);
    expect_init_fail("select", "columns=a,,b", "select: columns='a,,b' item 2 is empty", NULL);
    expect_init_fail("drop", "columns=a,", "drop: columns='a,' item 2 is empty", NULL);
    expect_init_fail("select", "columns=a,b,a", "select: columns='a,b,a' names 'a' twice", NULL);
    expect_init_fail("drop", "columns=x*,x*", "names 'x*' twice", NULL);
    expect_init_fail("rename", "map=a", "rename: map='a' item 1 'a' is not OLD:NEW", NULL);
    expect_init_fail("rename", "map=a:b,c:", "item 2 'c:' lacks the new name", NULL);
    expect_init_fail("rename", "map=:b", "item 1 ':b' lacks the old name", NULL);
    expect_init_fail("rename", "map=a:x,b:x", "renames both 'a' and 'b' to 'x'", NULL);
    expect_init_fail("rename", "map=a:x,a:y", "names 'a' twice", NULL);

    /* Names the frame does not have: refused by apply, listing the columns. */
    tf_make1(&t, "select", "columns=a,z");
    expect_apply_fail(&t, f, "select: no column 'z' (the columns: a, b, c, x1, x2, y)", NULL);
    tf_free(&t);
    tf_make1(&t, "select", "columns=q*");
    expect_apply_fail(&t, f, "select: no column starts with 'q' (the columns: a, b, c,", NULL);
    tf_free(&t);
    tf_make1(&t, "drop", "columns=A");
    expect_apply_fail(&t, f, "drop: no column 'A' (the columns: a, b,", NULL);
    tf_free(&t);
    tf_make1(&t, "drop", "columns=a,b,c,x*,y");
    expect_apply_fail(&t, f, "drop: columns='a,b,c,x*,y' would drop every column", NULL);
    tf_free(&t);
    tf_make1(&t, "rename", "map=a:alpha,zz:b");
    expect_apply_fail(&t, f, "rename: no column 'zz' (the columns: a, b, c, x1, x2, y)", NULL);
    tf_free(&t);
    tf_make1(&t, "rename", "map=a:c");
    expect_apply_fail(&t, f, "rename: cannot rename 'a' to 'c': there is a column 'c' already",
                      NULL);
    tf_free(&t);

    /* A wide frame: the list stops after twenty names and says how many more. */
    for (int c = 0; c < 45; c++) {
        char name[16];
        snprintf(name, sizeof name, "v%02d", c);
        add_num(wide, name, (const double[]){1, 2});
    }
    tf_make1(&t, "select", "columns=v99");
    expect_apply_fail(&t, wide, "(the columns: v00, v01,", "v19 and 25 more)", NULL);
    tf_free(&t);
    frame_free(wide);
    frame_free(f);
}

static void
test_columns_round_trip(void **unused)
{
    struct aiwb_frame *f = wide_frame();
    struct tf x, other;

    (void)unused;
    tf_make1(&x, "select", "columns=y,x*,b");
    tf_make1(&other, "select", "columns=a");
    check_round_trip(&x, &other, f);
    tf_free(&x);
    tf_free(&other);
    tf_make1(&x, "drop", "columns=x*");
    tf_make1(&other, "drop", "columns=a");
    check_round_trip(&x, &other, f);
    tf_free(&x);
    tf_free(&other);
    tf_make1(&x, "rename", "map=a:c,c:a");
    tf_make1(&other, "rename", "map=y:z");
    check_round_trip(&x, &other, f);
    tf_free(&x);
    tf_free(&other);
    frame_free(f);
}

/* ---- filter ---------------------------------------------------------------------- */

/*
 * Eight rows with every kind of value a condition meets:
 *   row  age  city    home    name        score  monthly income  Solar.R
 *   0    25   Oslo    Oslo    O'Brien     1      100             1
 *   1    35   Bergen  Oslo    back\slash  2      NA              2
 *   2    NA   Oslo    Bergen  "quoted"    3      300             3
 *   3    45   NA      Oslo    plain       4      400             NA
 *   4    30   oslo    NA      Zed         5      500             5
 *   5    -0   Tromsø  Tromsø  a b         NA     -1              6
 *   6    60   Bergen  Bergen  NA          0      0               7
 *   7    18   Oslo    oslo    Ærø         7      700             8
 * CITY_ORDER fixes the codes of city's levels (NULL: as they come).
 */
static struct aiwb_frame *
people(const char *const *city_order)
{
    struct aiwb_frame *f = frame_new(8);

    add_row_numbers(f);
    add_num(f, "age", (const double[]){25, 35, NA, 45, 30, -0.0, 60, 18});
    add_cat(f, "city", city_order,
            (const char *const[]){"Oslo", "Bergen", "Oslo", NULL, "oslo", "Troms\xc3\xb8", "Bergen",
                                  "Oslo"});
    add_cat(f, "home", NULL,
            (const char *const[]){"Oslo", "Oslo", "Bergen", "Oslo", NULL, "Troms\xc3\xb8", "Bergen",
                                  "oslo"});
    add_cat(f, "name", NULL,
            (const char *const[]){"O'Brien", "back\\slash", "\"quoted\"", "plain", "Zed", "a b",
                                  NULL, "\xc3\x86r\xc3\xb8"});
    add_num(f, "score", (const double[]){1, 2, 3, 4, 5, NA, 0, 7});
    add_num(f, "monthly income", (const double[]){100, NA, 300, 400, 500, -1, 0, 700});
    add_num(f, "Solar.R", (const double[]){1, 2, 3, NA, 5, 6, 7, 8});
    return f;
}

/* The rows of F that filter(where=WHERE) keeps, "0,3,5" (a static buffer). */
static const char *
filtered(const struct aiwb_frame *f, const char *where)
{
    char word[512];
    struct aiwb_frame *g;
    const char *rows;
    struct tf t;

    snprintf(word, sizeof word, "where=%s", where);
    tf_make1(&t, "filter", word);
    g = tf_apply(&t, f);
    assert_int_equal(frame_cols(g), frame_cols(f));
    rows = rows_of(g, "row");
    frame_free(g);
    tf_free(&t);
    return rows;
}

/* Conditions and the rows of people() they keep. */
static const struct {
    const char *where, *rows;
} filter_cases[] = {
    /* Comparisons with numbers; a missing age is never kept by a comparison. */
    {"age > 30", "1,3,6"},
    {"age >= 30", "1,3,4,6"},
    {"age = 30", "4"},
    {"age == 30", "4"},
    {"age != 30", "0,1,3,5,6,7"},
    {"age <> 30", "0,1,3,5,6,7"},
    {"age < 0", ""},
    {"age = 0", "5"},
    {"age <= -0.0", "5"},
    {"age > 2.5e1", "1,3,4,6"},
    {"age > .5", "0,1,3,4,6,7"},
    {"age>30", "1,3,6"},
    {"age>-1 and age<+20", "5,7"},
    {"30 < age", "1,3,6"},
    {"60 <= age", "6"},
    /* Missing values: unknown, not false; only `is missing` finds them. */
    {"not age > 30", "0,4,5,7"},
    {"not (age > 30)", "0,4,5,7"},
    {"age is missing", "2"},
    {"age is not missing", "0,1,3,4,5,6,7"},
    {"age IS NULL", "2"},
    {"age is missing or age > 50", "2,6"},
    {"age > 100 or score > 4", "4,7"},
    {"not (age > 40 and city = 'Oslo')", "0,1,4,5,6,7"},
    {"name is missing", "6"},
    {"city != 'Oslo'", "1,4,5,6"},
    /* Strings, compared by their text, byte by byte. */
    {"city = 'Oslo'", "0,2,7"},
    {"city = \"Oslo\"", "0,2,7"},
    {"city = 'oslo'", "4"},
    {"city = 'Nowhere'", ""},
    {"city < 'P'", "0,1,2,6,7"},
    {"city > 'Oslo'", "4,5"},
    {"'Oslo' < city", "4,5"},
    {"city = 'Troms\xc3\xb8'", "5"},
    {"name = '\xc3\x86r\xc3\xb8'", "7"},
    /* Escapes: a doubled quote, or a backslash. */
    {"name = 'O''Brien'", "0"},
    {"name = 'O\\'Brien'", "0"},
    {"name = \"O'Brien\"", "0"},
    {"name = \"\"\"quoted\"\"\"", "2"},
    {"name = \"\\\"quoted\\\"\"", "2"},
    {"name = '\"quoted\"'", "2"},
    {"name = 'back\\\\slash'", "1"},
    {"name = 'a b'", "5"},
    /* In-lists. */
    {"city in ('Oslo', 'Bergen')", "0,1,2,6,7"},
    {"city not in ('Oslo', 'Bergen')", "4,5"},
    {"city in ('Nowhere')", ""},
    {"age in (25, 45, 0)", "0,3,5"},
    {"age in (45,25)", "0,3"},
    {"age not in (25, 45)", "1,4,5,6,7"},
    {"not age in (25, 45)", "1,4,5,6,7"},
    /* Names: bare with a dot, backquoted with a space or as a keyword. */
    {"`monthly income` > 200", "2,3,4,7"},
    {"Solar.R >= 7", "6,7"},
    {"`age` > 30", "1,3,6"},
    /* Precedence: not over and over or; keywords in any case. */
    {"age > 40 or city = 'Oslo' and score > 2", "2,3,6,7"},
    {"(age > 40 or city = 'Oslo') and score > 2", "2,3,7"},
    {"not age > 40 and city = 'Oslo'", "0,7"},
    {"age > 30 AND city = 'Bergen' Or name = 'Zed'", "1,4,6"},
    {"age > 30 and (city = 'Bergen' or name = 'Zed')", "1,6"},
    {"((((age > 30))))", "1,3,6"},
    {"not not age > 30", "1,3,6"},
    {"not (not (age > 30))", "1,3,6"},
    {"score > 0 and score < 5 and age > 20 and city != 'Bergen'", "0"},
    {"age < 20 or age > 50 or age = 30", "4,5,6,7"},
    /* Two columns. */
    {"score < Solar.R", "6,7"},
    {"score = Solar.R", "0,1,2,4"},
    {"city = home", "0,5,6"},
    {"city < home", "1,7"},
    {"city != home", "1,2,7"},
    /* Whitespace of every kind around the words. */
    {"\tage\n>\r\n30 ", "1,3,6"},
};

static void
test_filter_cases(void **unused)
{
    struct aiwb_frame *f = people(NULL);

    (void)unused;
    for (size_t k = 0; k < sizeof filter_cases / sizeof filter_cases[0]; k++) {
        const char *got;
        got = filtered(f, filter_cases[k].where);
        if (strcmp(got, filter_cases[k].rows) != 0)
            fail_msg("where='%s': kept rows %s, want %s", filter_cases[k].where, got,
                     filter_cases[k].rows);
    }
    frame_free(f);
}

/* Conditions that cannot be read, refused by init with the place and the reason. */
static const struct {
    const char *where, *message;
} syntax_errors[] = {
    {"", "filter: where='' is empty: give a condition such as where='age > 30'"},
    {"  \t", "is empty"},
    {"age >", "filter: where='age >' column 6: the condition ends early: expected a column, "
              "a value or '('"},
    {"age > 30 and", "column 13: the condition ends early"},
    {"age 30", "column 5: expected = != < <= > >= 'is' or 'in' after 'age'"},
    {"age", "column 4: expected = != < <= > >= 'is' or 'in' after 'age', found the end"},
    {"age > 30)", "column 9: unmatched ')'"},
    {"(age > 30", "column 10: expected ')' to close the '(' of column 1"},
    {"(age > 30 or (city = 'x')", "column 26: expected ')' to close the '(' of column 1"},
    {"age > 30 city = 'x'", "column 10: unexpected 'city' after a complete condition (join "
                            "conditions with and, or)"},
    {"city = 'Oslo", "column 8: the string has no closing quote"},
    {"city = \"Oslo'", "column 8: the string has no closing quote"},
    {"`monthly income > 3", "column 1: the name has no closing backquote"},
    {"`` > 3", "column 1: an empty column name"},
    {"name = 'a\\qb'", "column 10: unknown escape '\\q' (write \\\\ for a backslash)"},
    {"age ! 3", "column 5: cannot read '!' (write != or not)"},
    {"age > 3 & y", "column 9: cannot read '&'"},
    {"age - 3 > 0", "column 5: cannot read '-'"},
    {"age > 30and city = 'x'", "column 7: '30and' is not a number"},
    {"age > 1.2.3", "column 7: '1.2.3' is not a number"},
    {"age > 1e999", "column 7: 1e999 is out of range"},
    {"1 > 2", "column 1: compares two values: one side must be a column"},
    {"'x' = \"y\"", "column 1: compares two values"},
    {"'x' is missing", "column 1: 'is missing' needs a column on its left, not the value 'x'"},
    {"3 in (1, 2)", "column 1: 'in' needs a column on its left, not the value 3"},
    {"age is 3", "column 8: expected 'missing' after 'is'"},
    {"age is not", "column 11: expected 'missing' after 'is not'"},
    {"age is `missing`", "column 8: expected 'missing' after 'is'"},
    {"age in ()", "column 8: the list after 'in' is empty"},
    {"age in 3", "column 8: expected '(' to open the list after 'in'"},
    {"age in (1, 'a')", "column 12: the list after 'in' mixes numbers and strings"},
    {"age in (1, score)", "column 12: the list after 'in' holds values, not columns (quote "
                          "'score' if it is text)"},
    {"age in (1 2)", "column 11: expected ',' or ')' in the list after 'in'"},
    {"age in (1,", "column 11: the condition ends early"},
    {"age > and", "column 7: expected a column, a value or '(', found 'and' (write a column of "
                  "that name as `and`)"},
    {"in = 3", "column 1: expected a column, a value or '(', found 'in'"},
    {"age > )", "column 7: expected a column, a value or '(', found ')'"},
    {"age > 3 or or", "column 12: expected a column, a value or '(', found 'or'"},
    {"not", "column 4: the condition ends early"},
    {"monthly income > 3", "column 9: expected = != < <= > >= 'is' or 'in' after 'monthly' (a "
                           "name with spaces goes in backquotes: `monthly income`)"},
    /* Columns count characters, not bytes. */
    {"city = 'Troms\xc3\xb8' )", "column 17: unmatched ')'"},
};

static void
test_filter_syntax_errors(void **unused)
{
    char deep[400];
    size_t len = 0;

    (void)unused;
    for (size_t k = 0; k < sizeof syntax_errors / sizeof syntax_errors[0]; k++) {
        char word[256];
        snprintf(word, sizeof word, "where=%s", syntax_errors[k].where);
        expect_init_fail("filter", word, syntax_errors[k].message, NULL);
    }
    expect_init_fail("filter", NULL, "filter: needs where='CONDITION' (see `help filter`)", NULL);
    /* Nesting is bounded (the parser recurses): 100 levels are fine, 101 are not. */
    for (int levels = 100; levels <= 101; levels++) {
        len = (size_t)snprintf(deep, sizeof deep, "where=");
        for (int k = 0; k < levels; k++)
            deep[len++] = '(';
        len += (size_t)snprintf(deep + len, sizeof deep - len, "age > 30");
        for (int k = 0; k < levels; k++)
            deep[len++] = ')';
        deep[len] = '\0';
        if (levels == 101) {
            expect_init_fail("filter", deep,
                             "column 101: the condition nests deeper than 100 levels", NULL);
        } else {
            struct aiwb_frame *f = people(NULL);
            assert_string_equal(filtered(f, deep + strlen("where=")), "1,3,6");
            frame_free(f);
        }
    }
}

/* Conditions that read but do not fit the frame, refused by apply with the place. */
static const struct {
    const char *where, *message;
} frame_errors[] = {
    {"age > 30 and cty = \"Oslo\"",
     "filter: where='age > 30 and cty = \"Oslo\"' column 14: no column 'cty' (the columns: row, "
     "age, city, home, name, score, monthly income, Solar.R)"},
    {"city = Oslo", "column 8: no column 'Oslo' (the columns: row, age,"},
    {"city = Oslo", "Solar.R); to compare with the text, quote it: 'Oslo'"},
    {"Age > 3", "column 1: no column 'Age'"},
    {"nope is missing", "column 1: no column 'nope'"},
    {"age in (1) or nope in (2)", "column 15: no column 'nope'"},
    {"zz > 1 and yy > 2", "column 1: no column 'zz'"},
    {"age = 'Oslo'", "filter: where=\"age = 'Oslo'\" column 7: cannot compare numeric column "
                     "'age' with the string 'Oslo'"},
    {"age = \"x\" or city = 'x'", "filter: where='age = \"x\" or city = 'x'' column 7:"},
    {"age = '30'", "the string '30' (write 30 without quotes)"},
    {"city = 3", "column 8: cannot compare categorical column 'city' with the number 3 (write "
                 "'3' to compare with the text)"},
    {"age = city", "column 7: cannot compare numeric column 'age' with categorical column "
                   "'city'"},
    {"city < score", "column 8: cannot compare categorical column 'city' with numeric column "
                     "'score'"},
    {"age in (1, 2) or city in (1)", "column 27: cannot compare categorical column 'city' "
                                     "with the number 1"},
    {"age in ('a')", "column 9: cannot compare numeric column 'age' with the string 'a'"},
    {"`mon``thly` is missing", "column 1: no column 'mon`thly'"},
};

static void
test_filter_frame_errors(void **unused)
{
    struct aiwb_frame *f = people(NULL);

    (void)unused;
    for (size_t k = 0; k < sizeof frame_errors / sizeof frame_errors[0]; k++) {
        char word[256];
        struct tf t;
        snprintf(word, sizeof word, "where=%s", frame_errors[k].where);
        tf_make1(&t, "filter", word);
        expect_apply_fail(&t, f, frame_errors[k].message, NULL);
        tf_free(&t);
    }
    {
        struct aiwb_frame *g = people(NULL); /* failing left the input as it was */
        assert_frames_equal(f, g);
        frame_free(g);
    }
    frame_free(f);
}

/* The same rows and texts coded differently: the levels of city interned in another
 * order, the columns in another order. Conditions compare texts, so they keep the same
 * rows; a frame without the level at all keeps none of them, and that is no error. */
static void
test_filter_other_coding(void **unused)
{
    static const char *const order[] = {"Troms\xc3\xb8", "oslo", "Bergen", "Oslo", NULL};
    static const char *const conds[] = {"city = 'Oslo'", "city < 'P'",
                                        "city > 'Oslo'", "city in ('Bergen', 'oslo')",
                                        "city < home",   "city = home"};
    struct aiwb_frame *f = people(NULL), *g = people(order), *h = frame_new(3), *out;
    struct tf t;

    (void)unused;
    assert_int_not_equal(frame_codes(f, 2)[0], frame_codes(g, 2)[0]);
    for (size_t k = 0; k < sizeof conds / sizeof conds[0]; k++) {
        char want[64];
        snprintf(want, sizeof want, "%s", filtered(f, conds[k]));
        if (strcmp(filtered(g, conds[k]), want) != 0)
            fail_msg("where='%s': %s with one coding, %s with the other", conds[k], want,
                     filtered(g, conds[k]));
    }
    /* One instance, applied to frames with other columns in another order. */
    add_cat(h, "city", NULL, (const char *const[]){"Bergen", "Bergen", NULL});
    add_row_numbers(h);
    add_num(h, "age", (const double[]){50, 20, 40});
    tf_make1(&t, "filter", "where=city != 'Oslo' and age > 30");
    out = tf_apply(&t, f);
    assert_string_equal(rows_of(out, "row"), "1,6");
    frame_free(out);
    out = tf_apply(&t, h);
    assert_string_equal(rows_of(out, "row"), "0");
    assert_columns(out, "city", "row", "age", NULL);
    assert_string_equal(text_of(out, "city", 0), "Bergen");
    frame_free(out);
    tf_free(&t);
    frame_free(h);
    frame_free(g);
    frame_free(f);
}

/* What filter gives back: every column with its values and levels, rows in order; all
 * rows kept shares the data; none kept is a warning, not an error. */
static void
test_filter_output(void **unused)
{
    struct aiwb_frame *f = people(NULL), *g;
    struct tf t;

    (void)unused;
    tf_make1(&t, "filter", "where=score >= 3 or score is missing");
    g = tf_apply(&t, f);
    assert_columns(g, "row", "age", "city", "home", "name", "score", "monthly income", "Solar.R",
                   NULL);
    assert_string_equal(rows_of(g, "row"), "2,3,4,5,7");
    assert_true(isnan(frame_numeric(g, 1)[0]));
    assert_null(text_of(g, "city", 1));
    assert_string_equal(text_of(g, "name", 0), "\"quoted\"");
    assert_string_equal(text_of(g, "city", 3), "Troms\xc3\xb8");
    assert_true(signbit(frame_numeric(g, 1)[3]));
    assert_int_equal(frame_nlevels(g, 2), frame_nlevels(f, 2));
    frame_free(g);
    tf_free(&t);

    tf_make1(&t, "filter", "where=row >= 0");
    g = tf_apply(&t, f);
    for (size_t c = 0; c < frame_cols(f); c++)
        assert_same_column(g, c, f, c);
    frame_free(g);
    tf_free(&t);

    n_logged = 0;
    tf_make1(&t, "filter", "where=age > 1000");
    g = tf_apply(&t, f);
    assert_int_equal(frame_rows(g), 0);
    assert_int_equal(frame_cols(g), frame_cols(f));
    assert_int_equal(n_logged, 1);
    assert_string_equal(logged[0], "filter: where='age > 1000' holds for none of the 8 rows");
    frame_free(g);
    /* An empty frame is no warning. */
    n_logged = 0;
    g = frame_new(0);
    assert_non_null(frame_add_numeric(g, "age"));
    {
        struct aiwb_frame *h = tf_apply(&t, g);
        assert_int_equal(frame_rows(h), 0);
        frame_free(h);
    }
    assert_int_equal(n_logged, 0);
    frame_free(g);
    tf_free(&t);
    /* The input is as it was. */
    g = people(NULL);
    assert_frames_equal(f, g);
    frame_free(g);
    frame_free(f);
}

static void
test_filter_round_trip(void **unused)
{
    struct aiwb_frame *f = people(NULL);
    struct tf x, other, y;
    char *cause = NULL;
    struct aiwb_writer *w;
    unsigned char *blob;
    size_t len;

    (void)unused;
    tf_make1(&x, "filter", "where=(age > 20 or age is missing) and city not in ('Bergen')");
    tf_make1(&other, "filter", "where=score > 3");
    check_round_trip(&x, &other, f);
    tf_free(&x);
    tf_free(&other);

    /* A state whose condition does not read is refused at load with the place. */
    w = writer_new();
    codec_put_str(w, "where", "age >");
    blob = codec_seal(w, &len);
    writer_free(w);
    tf_make1(&y, "filter", "where=age > 1");
    assert_true(load_state(&y, blob, len, 1, &cause) < 0);
    assert_non_null(strstr(cause, "column 6: the condition ends early"));
    free(cause);
    free(blob);
    tf_free(&y);
    frame_free(f);
}

/* ---- filter and dedupe against sqlite and pandas ------------------------------- */

static struct aiwb_frame *
rows_csv(void)
{
    char *path = tu_srcpath("tests/data/rows/rows.csv"), *cause = NULL;
    struct aiwb_frame *f = tu_read(path, NULL, &cause);

    if (f == NULL)
        fail_msg("%s: %s", path, cause);
    free(path);
    assert_int_equal(frame_rows(f), REF_ROWS);
    assert_int_equal(frame_col_type(f, col_of(f, "city")), AIWB_CATEGORICAL);
    assert_int_equal(frame_col_type(f, col_of(f, "income")), AIWB_NUMERIC);
    return f;
}

/* Assert that G's ids are IDS[0..N-1]. */
static void
assert_ids(const struct aiwb_frame *g, const size_t *ids, size_t n, const char *what)
{
    const double *id = frame_numeric(g, col_of(g, "id"));

    if (frame_rows(g) != n)
        fail_msg("%s: kept %zu rows, want %zu", what, frame_rows(g), n);
    for (size_t i = 0; i < n; i++)
        if (id[i] != (double)ids[i])
            fail_msg("%s: row %zu is id %.0f, want %zu", what, i, id[i], ids[i]);
}

static void
test_filter_reference(void **unused)
{
    struct aiwb_frame *f = rows_csv();

    (void)unused;
    for (size_t k = 0; k < sizeof ref_filters / sizeof ref_filters[0]; k++) {
        char word[256];
        struct aiwb_frame *g;
        struct tf t;
        snprintf(word, sizeof word, "where=%s", ref_filters[k].where);
        tf_make1(&t, "filter", word);
        g = tf_apply(&t, f);
        assert_ids(g, ref_filters[k].ids, ref_filters[k].n, ref_filters[k].where);
        frame_free(g);
        tf_free(&t);
    }
    frame_free(f);
}

static void
test_dedupe_reference(void **unused)
{
    struct aiwb_frame *f = rows_csv();

    (void)unused;
    for (size_t k = 0; k < sizeof ref_dedupes / sizeof ref_dedupes[0]; k++) {
        char cols[128], keep[32], what[192];
        const char *words[] = {cols, keep, NULL};
        struct aiwb_frame *g;
        struct tf t;
        snprintf(cols, sizeof cols, "columns=%s", ref_dedupes[k].columns);
        snprintf(keep, sizeof keep, "keep=%s", ref_dedupes[k].keep);
        snprintf(what, sizeof what, "dedupe(%s, %s)", cols, keep);
        tf_make(&t, "dedupe", words);
        g = tf_apply(&t, f);
        assert_ids(g, ref_dedupes[k].ids, ref_dedupes[k].n, what);
        frame_free(g);
        tf_free(&t);
    }
    frame_free(f);
}

/* ---- dedupe ---------------------------------------------------------------------- */

/*
 * Rows with repeated numbers, missing values and zeros of both signs:
 *   row  a    b   c   k1  k2
 *   0    1    x   10  1   1
 *   1    1    x   11  1   1
 *   2    NA   y   12  NA  2
 *   3    NA   y   13  NA  2
 *   4    -0   NA  14  1   1
 *   5    0    NA  15  1   1
 *   6    2    x   16  1   2
 *   7    1    y   17  1   1
 * B_ORDER fixes the codes of b's levels; NAN2 puts a NaN of another payload in row 3.
 */
static struct aiwb_frame *
dupes(const char *const *b_order, int nan2)
{
    struct aiwb_frame *f = frame_new(8);
    double a[8] = {1, 1, NA, NA, -0.0, 0.0, 2, 1};

    if (nan2)
        a[3] = -nan("7");
    add_row_numbers(f);
    add_num(f, "a", a);
    add_cat(f, "b", b_order, (const char *const[]){"x", "x", "y", "y", NULL, NULL, "x", "y"});
    add_num(f, "c", (const double[]){10, 11, 12, 13, 14, 15, 16, 17});
    add_num(f, "k1", (const double[]){1, 1, NA, NA, 1, 1, 1, 1});
    add_num(f, "k2", (const double[]){1, 1, 2, 2, 1, 1, 2, 1});
    return f;
}

/* The rows of F that dedupe with the NULL-terminated option words keeps. */
static const char *
deduped(const struct aiwb_frame *f, const char *const *words)
{
    struct aiwb_frame *g;
    const char *rows;
    struct tf t;

    tf_make(&t, "dedupe", words);
    g = tf_apply(&t, f);
    assert_int_equal(frame_cols(g), frame_cols(f));
    rows = rows_of(g, "row");
    frame_free(g);
    tf_free(&t);
    return rows;
}

static void
test_dedupe(void **unused)
{
    static const char *const b_order[] = {"y", "x", NULL};
    static const struct {
        const char *columns, *keep, *rows;
    } cases[] = {
        {"columns=a,b", NULL, "0,2,4,6,7"},
        {"columns=a,b", "keep=first", "0,2,4,6,7"},
        {"columns=a,b", "keep=last", "1,3,5,6,7"},
        {"columns=a,b", "keep=none", "6,7"},
        {"columns=a", NULL, "0,2,4,6"},
        {"columns=a", "keep=last", "3,5,6,7"},
        {"columns=b", NULL, "0,2,4"},
        {"columns= b ,a", NULL, "0,2,4,6,7"},
        {"columns=k*", NULL, "0,2,6"},
        {"columns=k*", "keep=none", "6"},
        {"columns=k*,b", "keep=last", "1,3,5,6,7"},
        {"columns=c", NULL, "0,1,2,3,4,5,6,7"},
        {NULL, NULL, "0,1,2,3,4,5,6,7"}, /* all columns, row among them */
    };

    (void)unused;
    for (int pass = 0; pass < 3; pass++) {
        /* Levels coded otherwise, and a NaN of another payload, change nothing. */
        struct aiwb_frame *f = dupes(pass == 1 ? b_order : NULL, pass == 2);
        for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
            const char *words[] = {cases[k].columns, cases[k].keep, NULL};
            const char *got;
            if (cases[k].columns == NULL)
                words[0] = cases[k].keep;
            got = deduped(f, words);
            if (strcmp(got, cases[k].rows) != 0)
                fail_msg("dedupe(%s, %s) pass %d: kept %s, want %s",
                         cases[k].columns ? cases[k].columns : "",
                         cases[k].keep ? cases[k].keep : "", pass, got, cases[k].rows);
        }
        frame_free(f);
    }
}

/* Without the row numbers, all columns: rows 1, 3 and 5 repeat 0, 2 and 4 (-0 is 0). The
 * values kept are the rows' own, levels and missing values included. */
static void
test_dedupe_all_columns(void **unused)
{
    struct aiwb_frame *f = dupes(NULL, 0), *g = frame_without(f, 0), *h, *out;
    struct tf t;

    (void)unused;
    /* c tells the rows apart: drop it too. */
    h = frame_without(g, (size_t)frame_find(g, "c"));
    tf_make(&t, "dedupe", NULL);
    out = tf_apply(&t, h);
    assert_columns(out, "a", "b", "k1", "k2", NULL);
    assert_int_equal(frame_rows(out), 5);
    assert_true(isnan(frame_numeric(out, 0)[1]));
    assert_true(signbit(frame_numeric(out, 0)[2])); /* the first of -0 and 0 stays */
    assert_string_equal(text_of(out, "b", 0), "x");
    assert_null(text_of(out, "b", 2));
    assert_string_equal(text_of(out, "b", 4), "y");
    assert_int_equal(frame_numeric(out, 0)[3], 2);
    frame_free(out);
    out = tf_apply(&t, g); /* with c, nothing repeats: every row comes back, shared */
    assert_int_equal(frame_rows(out), 8);
    for (size_t c = 0; c < frame_cols(g); c++)
        assert_same_column(out, c, g, c);
    frame_free(out);
    tf_free(&t);
    frame_free(h);
    frame_free(g);
    g = dupes(NULL, 0); /* the input is as it was */
    assert_frames_equal(f, g);
    frame_free(g);
    frame_free(f);
}

/* Many rows and many groups: row i repeats row i mod 997, so the first 997 stay (first) or
 * the last 997 (last); the hash table grows well past its first size. */
static void
test_dedupe_many(void **unused)
{
    enum { N = 100000, G = 997 };
    struct aiwb_frame *f = frame_new(N), *g;
    double *v = frame_add_numeric(f, "v"), *id = frame_add_numeric(f, "id");
    int32_t *lv = frame_add_categorical(f, "lv");
    struct tf t;

    (void)unused;
    for (size_t i = 0; i < N; i++) {
        char text[16];
        int len = snprintf(text, sizeof text, "l%zu", (i % G) % 13);
        v[i] = (double)(i % G) * 0.1;
        id[i] = (double)i;
        lv[i] = frame_level_intern(f, 2, text, (size_t)len);
    }
    tf_make1(&t, "dedupe", "columns=v,lv");
    g = tf_apply(&t, f);
    assert_int_equal(frame_rows(g), G);
    for (size_t i = 0; i < G; i++)
        assert_int_equal(frame_numeric(g, 1)[i], i);
    frame_free(g);
    tf_free(&t);
    tf_make1(&t, "dedupe", "keep=last");
    g = tf_apply(&t, f); /* id differs on every row */
    assert_int_equal(frame_rows(g), N);
    frame_free(g);
    tf_free(&t);
    {
        const char *words[] = {"columns=v", "keep=last", NULL};
        tf_make(&t, "dedupe", words);
    }
    g = tf_apply(&t, f);
    assert_int_equal(frame_rows(g), G);
    for (size_t i = 0; i < G; i++)
        assert_int_equal(frame_numeric(g, 1)[i], N - G + i);
    frame_free(g);
    tf_free(&t);
    frame_free(f);
}

/*
 * Numbers compare exactly: a value one ulp away is another value, for filter and dedupe.
 * The neighbour is computed by libm at run time (volatile keeps the compiler from folding
 * it); this also links libm into the test, so that the plugins do not dlopen it: glibc 2.36
 * leaks a scope array (resize_scopes) when many modules dlopened later depend on a library
 * that was itself dlopened, which valgrind would report against this test.
 */
static void
test_exact_numbers(void **unused)
{
    volatile double one = 1.0;
    double up = nextafter(one, 2.0);
    struct aiwb_frame *f = frame_new(4), *g;
    struct tf t;

    (void)unused;
    assert_true(up > 1.0);
    add_row_numbers(f);
    add_num(f, "x", (const double[]){1.0, up, 1.0, up});
    assert_string_equal(filtered(f, "x = 1"), "0,2");
    assert_string_equal(filtered(f, "x > 1"), "1,3");
    assert_string_equal(filtered(f, "x in (1)"), "0,2");
    assert_string_equal(filtered(f, "x = 1.0000000000000002"), "1,3"); /* 1 + 2^-52 */
    tf_make1(&t, "dedupe", "columns=x");
    g = tf_apply(&t, f);
    assert_string_equal(rows_of(g, "row"), "0,1");
    frame_free(g);
    tf_free(&t);
    frame_free(f);
}

static void
test_dedupe_errors(void **unused)
{
    struct aiwb_frame *f = dupes(NULL, 0);
    struct tf t;

    (void)unused;
    expect_init_fail("dedupe", "columns=", "dedupe: columns='' item 1 is empty", NULL);
    expect_init_fail("dedupe", "columns=a,,b", "dedupe: columns='a,,b' item 2 is empty", NULL);
    tf_make1(&t, "dedupe", "columns=a,z");
    expect_apply_fail(&t, f, "dedupe: no column is named 'z' (the columns: row, a, b, c, k1, k2)",
                      NULL);
    tf_free(&t);
    tf_make1(&t, "dedupe", "columns=q*");
    expect_apply_fail(&t, f, "dedupe: no column starts with 'q' (the columns: row,", NULL);
    tf_free(&t);
    frame_free(f);
}

static void
test_dedupe_round_trip(void **unused)
{
    struct aiwb_frame *f = dupes(NULL, 0);
    struct tf x, other;

    (void)unused;
    {
        const char *words[] = {"columns=a,b", "keep=last", NULL};
        tf_make(&x, "dedupe", words);
    }
    tf_make1(&other, "dedupe", "columns=c");
    check_round_trip(&x, &other, f);
    tf_free(&x);
    tf_free(&other);
    /* All columns (no columns=) round-trips as all columns, not as an empty list. */
    tf_make1(&x, "dedupe", "keep=none");
    tf_make1(&other, "dedupe", "columns=a");
    check_round_trip(&x, &other, f);
    tf_free(&x);
    tf_free(&other);
    frame_free(f);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registered),
        cmocka_unit_test(test_select),
        cmocka_unit_test(test_drop),
        cmocka_unit_test(test_rename),
        cmocka_unit_test(test_columns_errors),
        cmocka_unit_test(test_columns_round_trip),
        cmocka_unit_test(test_filter_cases),
        cmocka_unit_test(test_filter_syntax_errors),
        cmocka_unit_test(test_filter_frame_errors),
        cmocka_unit_test(test_filter_other_coding),
        cmocka_unit_test(test_filter_output),
        cmocka_unit_test(test_filter_round_trip),
        cmocka_unit_test(test_filter_reference),
        cmocka_unit_test(test_dedupe),
        cmocka_unit_test(test_dedupe_all_columns),
        cmocka_unit_test(test_dedupe_many),
        cmocka_unit_test(test_exact_numbers),
        cmocka_unit_test(test_dedupe_errors),
        cmocka_unit_test(test_dedupe_round_trip),
        cmocka_unit_test(test_dedupe_reference),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
