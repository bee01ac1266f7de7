/*
 * test-registry.c - plugin loading: the test-only modules of tests/plugins
 * (good, wrong ABI, failing init, not a plugin, bad) are loaded, refused
 * with the right message, and the good one's components work end to end
 * through the host table.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/codec.h"
#include "core/frame.h"
#include "core/log.h"
#include "core/options.h"
#include "core/pipeline.h"
#include "core/registry.h"
#include "core/source.h"
#include "core/strbuf.h"
#include "core/table.h"
#include "core/xalloc.h"
#include "testutil.h"

/* ---- helpers ----------------------------------------------------------- */

static void
contains_(const char *s, const char *sub, const char *file, int line)
{
    if (s != NULL && strstr(s, sub) != NULL)
        return;
    print_error("\"%s\" does not contain \"%s\"\n", s != NULL ? s : "(null)", sub);
    _fail(file, line);
}
#define assert_contains(s, sub) contains_((s), (sub), __FILE__, __LINE__)

/* The test-only module NAME of the build tree; the caller frees the path. */
static char *
plugin_path(const char *name)
{
    char *rel = xasprintf("tests/plugins/.libs/%s.so", name);
    char *path = tu_buildpath(rel);

    free(rel);
    return path;
}

/* What plugins and the core logged during the current test. */
static struct strbuf logged = STRBUF_INIT;

static void
capture(void *arg, enum aiwb_log_level level, const char *msg)
{
    (void)arg;
    strbuf_addf(&logged, "%d %s\n", (int)level, msg);
}

static int
setup(void **state)
{
    (void)state;
    strbuf_reset(&logged);
    log_set_sink(capture, NULL, AIWB_LOG_DEBUG);
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    registry_shutdown();
    unsetenv("AIWB_TEST_BAD");
    log_set_sink(NULL, NULL, AIWB_LOG_INFO);
    strbuf_release(&logged);
    return 0;
}

/* Load the test-only module NAME, which must load; returns its path. */
static char *
load_ok(const char *name)
{
    char *path = plugin_path(name), *cause = NULL;
    int rc = registry_load_file(path, &cause);

    if (rc != AIWB_OK)
        print_error("loading %s: %s\n", path, cause != NULL ? cause : "(no cause)");
    assert_int_equal(rc, AIWB_OK);
    assert_null(cause);
    return path;
}

/* Load the module at PATH, which must be refused with status RC and a
 * message naming PATH; returns the message. */
static char *
load_refused(const char *path, int rc)
{
    char *cause = NULL;

    assert_int_equal(registry_load_file(path, &cause), rc);
    assert_non_null(cause);
    assert_contains(cause, path);
    return cause;
}

/* Remove the scratch folder DIR and free its name. */
static void
remove_dir(char *dir)
{
    char *cmd = xasprintf("rm -rf '%s'", dir);

    assert_int_equal(system(cmd), 0);
    free(cmd);
    free(dir);
}

static void
assert_nothing_loaded(void)
{
    assert_int_equal(registry_count(), 0);
    assert_int_equal(registry_module_count(), 0);
    assert_null(registry_at(0));
    assert_null(registry_module_at(0));
}

/* ---- the good module ----------------------------------------------------- */

static void
test_good_loads(void **state)
{
    char *path = load_ok("good");
    const struct module *m;
    const struct component *src, *tf, *alg;
    static const char *const names[] = {"rows", "scale", "labels", "prefix", "shape"};
    static const enum aiwb_opt_type types[] = {AIWB_OPT_INT, AIWB_OPT_REAL, AIWB_OPT_BOOL,
                                               AIWB_OPT_STRING, AIWB_OPT_CHOICE};

    (void)state;
    assert_int_equal(registry_module_count(), 1);
    m = registry_module_at(0);
    assert_string_equal(m->name, "good");
    assert_string_equal(m->version, "1.2.3");
    assert_string_equal(m->path, path);
    assert_non_null(m->handle);
    assert_null(registry_module_at(1));

    /* In the order registered. */
    assert_int_equal(registry_count(), 4); /* source, double, halve, mean */
    src = registry_find(COMPONENT_SOURCE, "good_source");
    tf = registry_find(COMPONENT_TRANSFORM, "good_double");
    alg = registry_find(COMPONENT_ALGORITHM, "good_mean");
    assert_ptr_equal(registry_at(0), src);
    assert_ptr_equal(registry_at(1), tf);
    assert_ptr_equal(registry_at(2), registry_find(COMPONENT_TRANSFORM, "good_halve"));
    assert_ptr_equal(registry_at(3), alg);
    assert_null(registry_at(4));

    assert_int_equal(src->kind, COMPONENT_SOURCE);
    assert_string_equal(src->name, "good_source");
    assert_string_equal(src->summary, "three made-up rows, for tests");
    assert_ptr_equal(src->module, m);
    assert_int_equal(src->flags, 0);
    assert_string_equal(src->type.source->schemes, "good");
    for (size_t i = 0; i < 5; i++) {
        assert_non_null(src->options[i].name);
        assert_string_equal(src->options[i].name, names[i]);
        assert_int_equal(src->options[i].type, types[i]);
    }
    assert_null(src->options[5].name);
    assert_string_equal(src->options[4].choices, "ramp|flat");

    assert_int_equal(tf->kind, COMPONENT_TRANSFORM);
    assert_string_equal(tf->summary, "double every numeric column");
    assert_null(tf->options);
    assert_int_equal(tf->flags, AIWB_CAP_MISSING | AIWB_CAP_CATEGORICAL);
    assert_ptr_equal(tf->module, m);
    assert_non_null(tf->type.transform->apply);
    assert_null(tf->type.transform->fit);

    assert_int_equal(alg->kind, COMPONENT_ALGORITHM);
    assert_string_equal(alg->summary, "predict the mean of the training target");
    assert_string_equal(alg->options[0].name, "shift");
    assert_int_equal(alg->options[0].type, AIWB_OPT_REAL);
    assert_string_equal(alg->options[0].def, "0");
    assert_true(alg->flags & AIWB_TASK_REGRESSION);
    assert_false(alg->flags & AIWB_TASK_CLASSIFICATION);
    assert_ptr_equal(alg->module, m);
    assert_int_equal(alg->type.algorithm->state_version, 1);

    /* Names are per kind. */
    assert_null(registry_find(COMPONENT_TRANSFORM, "good_source"));
    assert_null(registry_find(COMPONENT_SOURCE, "good_mean"));
    assert_null(registry_find(COMPONENT_ALGORITHM, "good"));

    assert_string_equal(registry_kind_name(COMPONENT_SOURCE), "source");
    assert_string_equal(registry_kind_name(COMPONENT_TRANSFORM), "transform");
    assert_string_equal(registry_kind_name(COMPONENT_ALGORITHM), "algorithm");
    free(path);
}

static void
test_source_for(void **state)
{
    char *path = load_ok("good");
    const struct component *src = registry_find(COMPONENT_SOURCE, "good_source");

    (void)state;
    /* By scheme, ignoring case. */
    assert_ptr_equal(registry_source_for("good:anything"), src);
    assert_ptr_equal(registry_source_for("good:"), src);
    assert_ptr_equal(registry_source_for("GOOD:x"), src);
    /* By extension, the longest that matches, also in a path. */
    assert_ptr_equal(registry_source_for("x.good"), src);
    assert_ptr_equal(registry_source_for("data/x.v2.gd"), src);
    assert_ptr_equal(registry_source_for("X.GD"), src);
    /* Neither. */
    assert_null(registry_source_for("bad:x"));
    assert_null(registry_source_for("x.csv"));
    assert_null(registry_source_for("x.good.csv"));
    assert_null(registry_source_for("goodx"));
    assert_null(registry_source_for("dir.gd/x"));
    assert_null(registry_source_for(""));
    free(path);
}

/* Read "good:x" through the registry and the host, with option words. */
static struct aiwb_frame *
read_good(const char *uri, const char *const *words, size_t n, char **cause)
{
    const struct component *src = registry_source_for(uri);

    assert_non_null(src);
    *cause = NULL;
    return source_read(src, uri, n, (char *const *)words, cause);
}

static void
test_good_source_reads(void **state)
{
    char *path = load_ok("good"), *cause = NULL;
    struct aiwb_frame *f;
    const double *x, *y;
    const int32_t *codes;
    static const char *const labels[] = {"a", "b", "c"};

    (void)state;
    f = read_good("good:x", NULL, 0, &cause);
    assert_null(cause);
    assert_non_null(f);
    assert_int_equal(frame_rows(f), 3);
    assert_int_equal(frame_cols(f), 3);
    assert_string_equal(frame_col_name(f, 0), "x");
    assert_string_equal(frame_col_name(f, 1), "y");
    assert_string_equal(frame_col_name(f, 2), "label");
    assert_int_equal(frame_col_type(f, 2), AIWB_CATEGORICAL);
    x = frame_numeric(f, 0);
    y = frame_numeric(f, 1);
    codes = frame_codes(f, 2);
    for (size_t i = 0; i < 3; i++) {
        assert_true(x[i] == (double)(i + 1));
        assert_true(y[i] == 2.0 * (double)(i + 1) + 1);
        assert_string_equal(frame_level(f, 2, codes[i]), labels[i]);
    }
    assert_int_equal(frame_nlevels(f, 2), 3);
    frame_free(f);

    /* Every option type, given. */
    {
        static const char *const words[] = {"rows=5", "scale=0.5", "labels=no", "shape=flat"};

        f = read_good("good:x", words, 4, &cause);
        assert_null(cause);
        assert_int_equal(frame_rows(f), 5);
        assert_int_equal(frame_cols(f), 2);
        x = frame_numeric(f, 0);
        for (size_t i = 0; i < 5; i++)
            assert_true(x[i] == 0.5);
        frame_free(f);
    }
    {
        static const char *const words[] = {"prefix=z_", "rows=4"};

        f = read_good("good:x", words, 2, &cause);
        assert_null(cause);
        assert_int_equal(frame_rows(f), 4);
        codes = frame_codes(f, 2);
        assert_string_equal(frame_level(f, 2, codes[0]), "z_a");
        assert_string_equal(frame_level(f, 2, codes[3]), "z_a");
        assert_string_equal(frame_level(f, 2, codes[2]), "z_c");
        frame_free(f);
    }

    /* The host validates declared options before the plugin sees them. */
    {
        static const char *const words[] = {"rows=0"};

        assert_null(read_good("good:x", words, 1, &cause));
        assert_contains(cause, "good_source");
        assert_contains(cause, "rows");
        assert_contains(cause, "'0'");
        free(cause);
    }
    {
        static const char *const words[] = {"shape=round"};

        assert_null(read_good("good:x", words, 1, &cause));
        assert_contains(cause, "'round'");
        assert_contains(cause, "ramp|flat");
        free(cause);
    }
    {
        static const char *const words[] = {"colour=red"};

        assert_null(read_good("good:x", words, 1, &cause));
        assert_contains(cause, "'colour'");
        assert_contains(cause, "rows, scale, labels, prefix, shape");
        free(cause);
    }
    /* The plugin's own error, made with api->format, reaches the caller. */
    assert_null(read_good("x.good", NULL, 0, &cause));
    assert_string_equal(cause, "good_source: cannot read 'x.good': not a good: URI");
    free(cause);
    /* The plugin logged through the host. */
    assert_contains(strbuf_str(&logged), "0 good_source: opened 'good:x'");
    free(path);
}

static void
test_good_transform_applies(void **state)
{
    char *path = load_ok("good"), *cause = NULL;
    const struct component *tf = registry_find(COMPONENT_TRANSFORM, "good_double");
    const struct aiwb_transform_type *t = tf->type.transform;
    struct aiwb_frame *in, *out = NULL;
    void *tstate;

    (void)state;
    in = read_good("good:x", NULL, 0, &cause);
    assert_non_null(in);
    tstate = xcalloc(1, t->state_size ? t->state_size : 1);
    assert_int_equal(t->apply(tstate, in, &out, &cause), AIWB_OK);
    assert_null(cause);
    assert_non_null(out);
    assert_int_equal(frame_rows(out), 3);
    assert_int_equal(frame_cols(out), 3);
    for (size_t i = 0; i < 3; i++) {
        assert_true(frame_numeric(out, 0)[i] == 2.0 * (double)(i + 1));
        assert_true(frame_numeric(out, 1)[i] == 2.0 * (2.0 * (double)(i + 1) + 1));
        /* The categorical column is carried over untouched. */
        assert_string_equal(frame_level(out, 2, frame_codes(out, 2)[i]),
                            frame_level(in, 2, frame_codes(in, 2)[i]));
        /* The input is unchanged. */
        assert_true(frame_numeric(in, 0)[i] == (double)(i + 1));
    }
    free(tstate);
    frame_free(out);
    frame_free(in);
    free(path);
}

static void
test_good_algorithm_trains_saves_loads(void **state)
{
    char *path = load_ok("good"), *cause = NULL;
    const struct component *alg = registry_find(COMPONENT_ALGORITHM, "good_mean");
    const struct aiwb_algorithm_type *a = alg->type.algorithm;
    static const double X[] = {10, 20, 30, 40};
    static const double y[] = {1, 2, 3, 6};
    static const double w[] = {1, 1, 1, 3};
    static const char *const words[] = {"shift=0.5"};
    static const char *const fnames[] = {"x"};
    struct aiwb_problem prob = {
        .n = 4, .p = 1, .X = X, .ldx = 1, .y = y, .task = AIWB_TASK_REGRESSION,
        .feature_names = fnames, .target_name = "y", .seed = 1};
    struct aiwb_options *opts;
    struct aiwb_step step = {0};
    struct aiwb_writer *wr;
    struct aiwb_reader *rd;
    struct aiwb_table *table;
    unsigned char *blob;
    size_t len;
    double out[4];
    void *s1, *s2;

    (void)state;
    opts = options_parse(alg->name, alg->options, 1, (char *const *)words, &cause);
    assert_non_null(opts);
    s1 = xcalloc(1, a->state_size);
    assert_int_equal(a->init(s1, opts, &prob, &cause), AIWB_OK);
    /* One iterate: it converges at once. */
    assert_int_equal(a->iterate(s1, &prob, &step, &cause), AIWB_OK);
    assert_null(cause);
    assert_int_equal(step.n, 1);
    assert_string_equal(step.names[0], "loss");
    tu_assert_rel(step.values[0], 3.5, 1e-15); /* mean 3: (4 + 1 + 0 + 9) / 4 */
    assert_int_equal(a->n_outputs(s1), 1);
    assert_int_equal(a->predict(s1, 2, X, 1, out), AIWB_OK);
    assert_true(out[0] == 3.5 && out[1] == 3.5);

    table = table_new(NULL);
    assert_int_equal(a->report(s1, table), AIWB_OK);
    assert_string_equal(table->title, "good_mean");
    assert_int_equal(table_rows(table), 1);
    assert_true(table_cell(table, 0, 0)->v.r == 3.0);
    table_free(table);

    /* Save through the codec, load into a new state: the same predictions. */
    wr = writer_new();
    assert_int_equal(a->save(s1, wr), AIWB_OK);
    blob = codec_seal(wr, &len);
    writer_free(wr);
    rd = reader_open(blob, len, &cause);
    assert_non_null(rd);
    s2 = xcalloc(1, a->state_size);
    assert_int_equal(a->load(s2, rd, a->state_version, &cause), AIWB_OK);
    assert_true(reader_at_end(rd));
    reader_free(rd);
    assert_int_equal(a->predict(s2, 4, X, 1, out), AIWB_OK);
    for (size_t i = 0; i < 4; i++)
        assert_true(out[i] == 3.5);
    free(s2);

    /* A state version it does not know is refused with its reason. */
    rd = reader_open(blob, len, &cause);
    s2 = xcalloc(1, a->state_size);
    assert_int_equal(a->load(s2, rd, 7, &cause), AIWB_EDATA);
    assert_string_equal(cause, "good_mean: cannot read state version 7 (this one reads 1)");
    free(cause);
    cause = NULL;
    reader_free(rd);
    free(s2);
    free(blob);

    /* State that does not hold what it expects: the codec names both. */
    wr = writer_new();
    codec_put_int(wr, "mean", 3);
    blob = codec_seal(wr, &len);
    writer_free(wr);
    rd = reader_open(blob, len, &cause);
    s2 = xcalloc(1, a->state_size);
    assert_int_equal(a->load(s2, rd, 1, &cause), AIWB_EDATA);
    assert_contains(reader_error(rd), "'mean'");
    reader_free(rd);
    free(s2);
    free(blob);

    /* Weights count. */
    prob.w = w;
    assert_int_equal(a->iterate(s1, &prob, &step, &cause), AIWB_OK);
    assert_int_equal(a->predict(s1, 1, X, 1, out), AIWB_OK);
    tu_assert_rel(out[0], 4.0 + 0.5, 1e-15);
    free(s1);
    options_free(opts);
    free(path);
}

/* The host table a plugin sees is the one registry_api() returns. */
static void
test_host_api(void **state)
{
    const struct aiwb_host_api *api = registry_api();
    char *s;

    (void)state;
    assert_ptr_equal(api, tu_api());
    assert_int_equal(api->abi_version, AIWB_ABI_VERSION);
    assert_int_equal(api->abi_minor, AIWB_ABI_MINOR);
    assert_int_equal(api->size, sizeof(struct aiwb_host_api));
    /* Every member is filled in. */
    for (const char *p = (const char *)&api->plugin_begin;
         p < (const char *)api + sizeof *api; p += sizeof(void (*)(void))) {
        void (*fn)(void);

        memcpy(&fn, p, sizeof fn);
        assert_non_null(fn);
    }
    s = api->format("'%s' line %d", "x.csv", 4);
    assert_string_equal(s, "'x.csv' line 4");
    api->free(s);
    api->free(NULL);
}

/* ---- refusals ----------------------------------------------------------- */

static void
test_wrong_abi_refused(void **state)
{
    char *path = plugin_path("wrong-abi");
    char *cause = load_refused(path, AIWB_EABI);

    (void)state;
    assert_contains(cause, "built for ABI 999, this aiwb speaks ABI 1");
    assert_nothing_loaded();
    assert_null(registry_find(COMPONENT_TRANSFORM, "future_identity"));
    free(cause);
    free(path);
}

static void
test_failing_init_refused(void **state)
{
    char *path = plugin_path("failing-init");
    char *cause = load_refused(path, AIWB_ERR);

    (void)state;
    assert_contains(cause, "refused");
    /* What it registered before failing is gone. */
    assert_nothing_loaded();
    assert_null(registry_find(COMPONENT_TRANSFORM, "doomed_identity"));
    /* Its reason reached the log. */
    assert_contains(strbuf_str(&logged), "3 failing: cannot find its licence key 'failing.key'");
    free(cause);
    free(path);
}

static void
test_not_a_plugin_refused(void **state)
{
    char *path = plugin_path("not-a-plugin");
    char *cause = load_refused(path, AIWB_EINVAL);

    (void)state;
    assert_contains(cause, "not an aiwb plugin");
    assert_nothing_loaded();
    free(cause);
    free(path);
}

static void
test_unloadable_files_refused(void **state)
{
    char *dir = tu_tmpdir("registry-unloadable");
    char *missing = xasprintf("%s/missing.so", dir);
    static const char lines[] = "this is not a shared object, only text,\n"
                                "long enough for the loader to look for an ELF header\n";
    char *text = tu_write_file(dir, "x.so", lines, sizeof lines - 1);
    char *cause;

    (void)state;
    cause = load_refused(missing, AIWB_EIO);
    assert_contains(cause, "cannot load plugin");
    assert_contains(cause, "No such file or directory");
    free(cause);
    cause = load_refused(text, AIWB_EIO);
    assert_contains(cause, "cannot load plugin");
    assert_contains(cause, "invalid ELF header");
    free(cause);
    assert_nothing_loaded();
    free(text);
    free(missing);
    remove_dir(dir);
}

static void
copy_file(const char *from, const char *to)
{
    char *cmd = xasprintf("cp '%s' '%s'", from, to);

    assert_int_equal(system(cmd), 0);
    free(cmd);
}

static void
test_good_twice_refused(void **state)
{
    char *path = load_ok("good");
    char *dir = tu_tmpdir("registry-twice");
    char *copy = xasprintf("%s/good-again.so", dir);
    char *cause, *want = xasprintf("module 'good' is already loaded from '%s'", path);

    (void)state;
    /* Another file declaring the same module. */
    copy_file(path, copy);
    cause = load_refused(copy, AIWB_EINVAL);
    assert_contains(cause, want);
    free(cause);
    /* The same file again. */
    cause = load_refused(path, AIWB_EINVAL);
    assert_contains(cause, want);
    free(cause);
    /* The first one still stands, once. */
    assert_int_equal(registry_module_count(), 1);
    assert_int_equal(registry_count(), 4); /* source, double, halve, mean */
    assert_string_equal(registry_module_at(0)->path, path);
    assert_non_null(registry_find(COMPONENT_ALGORITHM, "good_mean"));
    free(want);
    free(copy);
    remove_dir(dir);
    free(path);
}

/*
 * A file name without a folder is a file in the current folder, as for any
 * other command; dlopen() alone would look for it in the system's library
 * folders instead. (Not named good.so: dlopen() would take a bare name that
 * matches the soname of a module still mapped, as in sanitizer builds.)
 */
static void
test_relative_path(void **state)
{
    char *good = plugin_path("good"), *dir = tu_tmpdir("registry-relative");
    char *copy = xasprintf("%s/good-here.so", dir), *cause = NULL;
    char cwd[PATH_MAX];
    int rc;

    (void)state;
    copy_file(good, copy);
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(dir), 0);
    rc = registry_load_file("good-here.so", &cause);
    assert_int_equal(chdir(cwd), 0);
    if (rc != AIWB_OK)
        print_error("%s\n", cause);
    assert_int_equal(rc, AIWB_OK);
    assert_non_null(registry_find(COMPONENT_SOURCE, "good_source"));
    free(copy);
    remove_dir(dir);
    free(good);
}

struct reports {
    size_t n;
    char *msg[8];
};

static void
collect(void *arg, const char *msg)
{
    struct reports *r = arg;

    if (r->n < 8)
        r->msg[r->n] = xstrdup(msg);
    r->n++;
}

static void
link_plugin(const char *dir, const char *name)
{
    char *from = plugin_path(name), *to = xasprintf("%s/%s.so", dir, name);

    assert_int_equal(symlink(from, to), 0);
    free(to);
    free(from);
}

static void
test_load_path_goes_on(void **state)
{
    char *dir = tu_tmpdir("registry-path");
    char *sub = xasprintf("%s/more", dir);
    char *list, *f;
    struct reports r = {0};

    (void)state;
    link_plugin(dir, "wrong-abi");
    link_plugin(dir, "not-a-plugin");
    link_plugin(dir, "good");
    link_plugin(dir, "failing-init");
    free(tu_write_file(dir, "x.so", "not a shared object\n", 20));
    /* Files not named *.so are not looked at. */
    free(tu_write_file(dir, "README", "not a plugin either\n", 20));
    free(tu_write_file(dir, "good.so.txt", "nor this\n", 9));
    f = plugin_path("wrong-abi");
    copy_file(f, sub); /* a module, but not named *.so */
    free(f);

    /* Missing folders and empty entries are passed over. */
    list = xasprintf("/nonexistent/aiwb-plugins::%s:", dir);
    assert_int_equal(registry_load_path(list, collect, &r), 1);
    free(list);
    assert_int_equal(registry_module_count(), 1);
    assert_string_equal(registry_module_at(0)->name, "good");
    assert_non_null(registry_source_for("good:x"));
    /* Each refusal reported, in name order, naming its file. */
    assert_int_equal(r.n, 4);
    assert_contains(r.msg[0], "failing-init.so");
    assert_contains(r.msg[1], "not-a-plugin.so");
    assert_contains(r.msg[1], "not an aiwb plugin");
    assert_contains(r.msg[2], "wrong-abi.so");
    assert_contains(r.msg[2], "built for ABI 999, this aiwb speaks ABI 1");
    assert_contains(r.msg[3], "x.so");
    for (size_t i = 0; i < r.n && i < 8; i++)
        free(r.msg[i]);

    /* Without a report function the refusals are dropped, not fatal; the
     * good module, already loaded, is refused as a duplicate. */
    list = xasprintf("%s", dir);
    assert_int_equal(registry_load_path(list, NULL, NULL), 0);
    assert_int_equal(registry_module_count(), 1);
    free(list);
    free(sub);
    remove_dir(dir);
}

static void
test_default_path(void **state)
{
    char *p;

    (void)state;
    unsetenv("AIWB_PLUGIN_PATH");
    p = registry_default_path();
    /* Tests do not run from the program's folder: the installed plugins. */
    assert_string_equal(p, AIWB_PLUGINDIR);
    free(p);
    setenv("AIWB_PLUGIN_PATH", "", 1);
    p = registry_default_path();
    assert_string_equal(p, AIWB_PLUGINDIR);
    free(p);
    setenv("AIWB_PLUGIN_PATH", "/a:/b", 1);
    p = registry_default_path();
    assert_string_equal(p, "/a:/b:" AIWB_PLUGINDIR);
    free(p);
    unsetenv("AIWB_PLUGIN_PATH");
}

/* ---- bad descriptors (tests/plugins/bad.c) --------------------------------- */

/*
 * What each case of bad.c must produce: its status, and words its message
 * must hold (besides the file's name). As aiwb/plugin.h documents, register_*
 * answers a bad descriptor with AIWB_EINVAL; AIWB_EABI is for a version
 * mismatch only.
 */
struct bad_case {
    const char *name;
    int rc;
    const char *want[3];
};

static const struct bad_case bad_cases[] = {
    {"bad-default", AIWB_EINVAL, {"bad_default", "rows", "'many'"}},
    {"out-of-range", AIWB_EINVAL, {"bad_range", "rows", "'11'"}},
    {"bad-choice-default", AIWB_EINVAL, {"bad_choice_default", "how", "'sideways'"}},
    {"no-choices", AIWB_EINVAL, {"bad_choices", "'how'", "no choices"}},
    {"option-twice", AIWB_EINVAL, {"bad_option_twice", "'alpha'", "twice"}},
    {"option-type", AIWB_EINVAL, {"bad_option_type", "'alpha'", "unknown type"}},
    {"no-apply", AIWB_EINVAL, {"transform 'bad_no_apply'", "apply", NULL}},
    {"no-fit", AIWB_EINVAL, {"transform 'bad_no_fit'", "AIWB_TF_FIT", "fit"}},
    {"no-next", AIWB_EINVAL, {"source 'bad_no_next'", "next", NULL}},
    {"no-predict", AIWB_EINVAL, {"algorithm 'bad_no_predict'", "predict", NULL}},
    {"no-task", AIWB_EINVAL, {"algorithm 'bad_no_task'", "no task", NULL}},
    {"bad-name", AIWB_EINVAL, {"'Bad-Name'", "lowercase", NULL}},
    {"future-descriptor", AIWB_EABI, {"transform", "ABI 2", "ABI 1"}},
    /* Its size stops before apply, so it has none. */
    {"truncated", AIWB_EINVAL, {"transform 'bad_truncated'", "apply", NULL}},
    {"partial", AIWB_EINVAL, {"algorithm 'bad_no_predict'", "predict", NULL}},
    {"twice", AIWB_EINVAL, {"'bad_copy'", "twice", NULL}},
    {"before-begin", AIWB_EINVAL, {"AIWB_PLUGIN_BEGIN", NULL, NULL}},
    {"no-begin", AIWB_EINVAL, {"AIWB_PLUGIN_BEGIN", NULL, NULL}},
    {"nothing", AIWB_EINVAL, {"registers no components", NULL, NULL}},
    {"newer-minor", AIWB_EABI, {"ABI 1.2", "ABI 1.1", NULL}},
    {"no-name", AIWB_EINVAL, {"name", NULL, NULL}},
    {"null", AIWB_EINVAL, {"transform", NULL, NULL}},
};

/* The path of bad.so; the test fails if it is not built. */
static char *
bad_path(void)
{
    char *path = plugin_path("bad");

    if (access(path, R_OK) != 0) {
        free(path);
        fail_msg("tests/plugins/.libs/bad.so is not built: tests/plugins/bad.la belongs in "
                 "check_LTLIBRARIES");
    }
    return path;
}

static void
test_bad_case(void **state)
{
    const struct bad_case *c = *state;
    char *path = bad_path(), *cause = NULL;
    int rc;

    setenv("AIWB_TEST_BAD", c->name, 1);
    rc = registry_load_file(path, &cause);
    if (rc != c->rc)
        print_error("case %s: status %d, want %d (%s)\n", c->name, rc, c->rc,
                    cause != NULL ? cause : "no message");
    assert_int_equal(rc, c->rc);
    assert_non_null(cause);
    assert_contains(cause, path);
    assert_contains(cause, "refused");
    for (size_t i = 0; i < 3 && c->want[i] != NULL; i++)
        assert_contains(cause, c->want[i]);
    assert_nothing_loaded();
    assert_null(registry_find(COMPONENT_TRANSFORM, "bad_copy"));
    free(cause);
    free(path);
}

/* A component name another module registered is refused, naming that module. */
static void
test_bad_clash(void **state)
{
    char *path = bad_path(), *cause, *want;
    char *good = load_ok("good");

    (void)state;
    setenv("AIWB_TEST_BAD", "clash", 1);
    cause = load_refused(path, AIWB_EINVAL);
    want = xasprintf("a transform named 'good_double' is already loaded from '%s'", good);
    assert_contains(cause, want);
    /* Only good's components, and bad_copy (registered first) is gone too. */
    assert_int_equal(registry_module_count(), 1);
    assert_int_equal(registry_count(), 4); /* source, double, halve, mean */
    assert_null(registry_find(COMPONENT_TRANSFORM, "bad_copy"));
    assert_ptr_equal(registry_find(COMPONENT_TRANSFORM, "good_double")->module,
                     registry_module_at(0));
    free(want);
    free(cause);
    free(path);
    free(good);
}

/*
 * A descriptor from an older minor version (its size ends after apply) is
 * taken, and the members past its size are NULL to the host, whatever the
 * bytes there hold.
 */
static void
test_bad_older_descriptor(void **state)
{
    char *path = bad_path(), *cause = NULL;
    const struct component *c;
    const struct aiwb_transform_type *t;
    int rc;

    (void)state;
    setenv("AIWB_TEST_BAD", "older", 1);
    rc = registry_load_file(path, &cause);
    if (rc != AIWB_OK)
        print_error("%s\n", cause);
    assert_int_equal(rc, AIWB_OK);
    c = registry_find(COMPONENT_TRANSFORM, "bad_older");
    assert_non_null(c);
    t = c->type.transform;
    assert_int_equal(t->size, offsetof(struct aiwb_transform_type, save));
    assert_non_null(t->apply);
    assert_non_null(t->fit);
    assert_null(t->save);
    assert_null(t->load);
    assert_null(t->fini);
    assert_int_equal(c->flags, AIWB_TF_FIT);
    free(path);
}

int
main(void)
{
    static const struct CMUnitTest fixed[] = {
        cmocka_unit_test_setup_teardown(test_good_loads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_source_for, setup, teardown),
        cmocka_unit_test_setup_teardown(test_good_source_reads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_good_transform_applies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_good_algorithm_trains_saves_loads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_host_api, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_abi_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failing_init_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_a_plugin_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unloadable_files_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_good_twice_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_relative_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_path_goes_on, setup, teardown),
        cmocka_unit_test_setup_teardown(test_default_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_clash, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_older_descriptor, setup, teardown),
    };
    enum { NFIXED = sizeof fixed / sizeof fixed[0],
           NBAD = sizeof bad_cases / sizeof bad_cases[0] };
    struct CMUnitTest tests[NFIXED + NBAD];
    char *names[NBAD];
    int failed;

    memcpy(tests, fixed, sizeof fixed);
    for (size_t i = 0; i < NBAD; i++) {
        names[i] = xasprintf("test_bad_case(%s)", bad_cases[i].name);
        tests[NFIXED + i] = (struct CMUnitTest){
            .name = names[i],
            .test_func = test_bad_case,
            .setup_func = setup,
            .teardown_func = teardown,
            .initial_state = (void *)&bad_cases[i],
        };
    }
    failed = _cmocka_run_group_tests("registry", tests, NFIXED + NBAD, NULL, NULL);
    for (size_t i = 0; i < NBAD; i++)
        free(names[i]);
    return failed;
}
