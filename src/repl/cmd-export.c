/*
 * cmd-export.c - "export": a fitted model as a standalone prediction server.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The server is a prebuilt runtime (server/, MIT: libc, libm and pthread
 * only) that carries the predict halves of every plugin; export copies it
 * and appends the model bundle, so no compiler runs and a 500-tree forest
 * costs what its state costs to write:
 *
 *     runtime | bundle | "AIWBSRV1" | u64 bundle length (little-endian)
 *
 * The bundle is a sealed codec document: metadata, the served pipeline
 * (pipeline_save_served), the training reference (pipeline_save_reference).
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/codec.h"
#include "core/frame.h"
#include "core/numfmt.h"
#include "core/pipeline.h"
#include "core/registry.h"
#include "core/strbuf.h"
#include "core/table.h"
#include "core/xalloc.h"
#include "repl/cmd.h"
#include "repl/session.h"
#include "store/store.h"

#define TRAILER_MAGIC "AIWBSRV1"

/* The runtime export copies: $AIWB_SERVER_RUNTIME, the build tree's, or the
 * installed one. A new string. */
static char *
runtime_path(void)
{
    const char *env = getenv("AIWB_SERVER_RUNTIME");

    if (env != NULL && *env != '\0')
        return xstrdup(env);
    return xasprintf("%s/aiwb-server",
                     registry_in_build_tree() ? AIWB_BUILD_SERVERDIR : AIWB_LIBEXECDIR);
}

/* The whole of file PATH (a new buffer, *LEN its size), or NULL with errno. */
static unsigned char *
slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    struct strbuf sb = STRBUF_INIT;
    char buf[65536];
    size_t n;

    if (f == NULL)
        return NULL;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        strbuf_add(&sb, buf, n);
    if (ferror(f)) {
        int e = errno;

        fclose(f);
        strbuf_release(&sb);
        errno = e;
        return NULL;
    }
    fclose(f);
    return (unsigned char *)strbuf_detach(&sb, len);
}

/*
 * Run RUNTIME with ARG (one argument, or none) and capture its standard
 * output; returns its exit status (-1 if it could not run), the output in *OUT.
 */
static int
run_runtime(const char *runtime, const char *arg1, const char *arg2, char **out)
{
    struct strbuf cmd = STRBUF_INIT, sb = STRBUF_INIT;
    const char *args[] = {runtime, arg1, arg2};
    char buf[4096];
    size_t n;
    FILE *f;
    int status;

    for (size_t i = 0; i < 3 && args[i] != NULL; i++) {
        /* single-quoted for sh */
        strbuf_adds(&cmd, i ? " '" : "'");
        for (const char *p = args[i]; *p; p++)
            if (*p == '\'')
                strbuf_adds(&cmd, "'\\''");
            else
                strbuf_addch(&cmd, *p);
        strbuf_addch(&cmd, '\'');
    }
    strbuf_adds(&cmd, " 2>&1");
    f = popen(cmd.buf, "r");
    strbuf_release(&cmd);
    if (f == NULL) {
        *out = xstrdup(strerror(errno));
        return -1;
    }
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        strbuf_add(&sb, buf, n);
    status = pclose(f);
    *out = strbuf_detach(&sb, NULL);
    return status == -1 ? -1 : WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* Write LEN bytes at DATA to PATH (mode MODE) through a temporary file, so a
 * failure leaves no half file. */
static int
write_file(const char *path, const void *data, size_t len, const void *tail, size_t tail_len,
           mode_t mode, char **cause)
{
    char *tmp = xasprintf("%s.tmp%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");

    if (f == NULL) {
        *cause = xasprintf("cannot write '%s': %s", path, strerror(errno));
        free(tmp);
        return -1;
    }
    if (fwrite(data, 1, len, f) != len || (tail_len && fwrite(tail, 1, tail_len, f) != tail_len) ||
        fflush(f) != 0 || fchmod(fileno(f), mode) != 0) {
        *cause = xasprintf("cannot write '%s': %s", path, strerror(errno));
        fclose(f);
        unlink(tmp);
        free(tmp);
        return -1;
    }
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        *cause = xasprintf("cannot write '%s': %s", path, strerror(errno));
        unlink(tmp);
        free(tmp);
        return -1;
    }
    free(tmp);
    return 0;
}

/* The text of cell (ROW, COL) of T, or "". */
static const char *
cell_text(const struct aiwb_table *t, size_t row, size_t col)
{
    const struct table_cell *c = table_cell(t, row, col);

    return c != NULL && !c->null && t->cols[col].kind == AIWB_TABLE_TEXT ? c->v.s : "";
}

/* The value of FIELD in a run's description (store_run_info: field, value). */
static const char *
info_field(const struct aiwb_table *t, const char *field)
{
    for (size_t r = 0; r < table_rows(t); r++)
        if (strcmp(cell_text(t, r, 0), field) == 0)
            return cell_text(t, r, 1);
    return NULL;
}

/* The newest version of model NAME:N (0 if unknown). */
static int
newest_version(struct session *s, const char *ref)
{
    char *name = xstrndup(ref, strcspn(ref, ":")), *cause = NULL;
    struct aiwb_table *t = table_new(NULL);
    int newest = 0;

    if (store_model_versions(s->store, name, t, &cause) == 0 && table_rows(t) > 0)
        newest = (int)table_cell(t, table_rows(t) - 1, 1)->v.i;
    free(cause);
    free(name);
    table_free(t);
    return newest;
}

/* The model's metrics for /metadata: its training run's, then its latest
 * evaluation of each metric on each dataset ("accuracy@test"). */
static void
put_metrics(struct session *s, const char *name, int version, int64_t run, struct aiwb_writer *w)
{
    struct aiwb_table *rm = table_new(NULL), *ev = table_new(NULL);
    char **names = NULL, *cause = NULL;
    double *values = NULL;
    size_t n = 0;

    if (run != 0 && store_run_metrics(s->store, run, rm, &cause) < 0) {
        free(cause);
        cause = NULL;
    }
    if (store_model_evals(s->store, name, version, ev, &cause) < 0) {
        free(cause);
        cause = NULL;
    }
    names = xcalloc(table_rows(rm) + table_rows(ev) + 1, sizeof *names);
    values = xcalloc(table_rows(rm) + table_rows(ev) + 1, sizeof *values);
    for (size_t r = 0; r < table_rows(rm); r++) {
        const struct table_cell *c = table_cell(rm, r, 1);

        names[n] = xstrdup(cell_text(rm, r, 0));
        values[n++] = c != NULL && !c->null ? c->v.r : 0.0 / 0.0;
    }
    /* evaluations: id, dataset, metric, value, created; later ones replace */
    for (size_t r = 0; r < table_rows(ev); r++) {
        const struct table_cell *c = table_cell(ev, r, 3);
        char *key = xasprintf("%s@%s", cell_text(ev, r, 2), cell_text(ev, r, 1));
        size_t at = 0;

        while (at < n && strcmp(names[at], key) != 0)
            at++;
        if (at == n)
            names[n++] = key;
        else
            free(key);
        values[at] = c != NULL && !c->null ? c->v.r : 0.0 / 0.0;
    }
    codec_put_strs(w, "metric_names", n, (const char *const *)names);
    codec_put_reals(w, "metric_values", n, values);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    free(values);
    table_free(rm);
    table_free(ev);
}

static const char mit_license[] =
    "The aiwb prediction server (the program aiwb-server in this folder) is\n"
    "Copyright (C) 2026 the aiwb developers, under the MIT licence:\n"
    "\n"
    "Permission is hereby granted, free of charge, to any person obtaining a copy\n"
    "of this software and associated documentation files (the \"Software\"), to deal\n"
    "in the Software without restriction, including without limitation the rights\n"
    "to use, copy, modify, merge, publish, distribute, sublicense, and/or sell\n"
    "copies of the Software, and to permit persons to whom the Software is\n"
    "furnished to do so, subject to the following conditions:\n"
    "\n"
    "The above copyright notice and this permission notice shall be included in\n"
    "all copies or substantial portions of the Software.\n"
    "\n"
    "THE SOFTWARE IS PROVIDED \"AS IS\", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR\n"
    "IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,\n"
    "FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE\n"
    "AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER\n"
    "LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,\n"
    "OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE\n"
    "SOFTWARE.\n"
    "\n"
    "The model appended to it (model.bundle) is your own work's output: the\n"
    "workbench's GPL does not extend to it.\n";

/* An example row for the README: the first row of DATA over the model's
 * inputs, as JSON, or a placeholder naming the inputs. */
static void
example_row(struct strbuf *sb, const struct pipeline *p, const struct aiwb_frame *data)
{
    strbuf_addch(sb, '{');
    for (size_t i = 0; i < pipeline_n_inputs(p); i++) {
        const char *name = pipeline_input_name(p, i);
        long c = data != NULL && frame_rows(data) > 0 ? frame_find(data, name) : -1;

        if (pipeline_task(p) == AIWB_TASK_RANKING && i > 0)
            break; /* a recommender's request: the user only */
        strbuf_addf(sb, "%s\"%s\": ", i ? ", " : "", name);
        if (c < 0) {
            strbuf_adds(sb, "null");
        } else if (frame_col_type(data, (size_t)c) == AIWB_NUMERIC) {
            char buf[NUMFMT_BUFSZ];
            double v = frame_numeric(data, (size_t)c)[0];

            strbuf_adds(sb, v == v ? numfmt_exact(buf, v) : "null");
        } else {
            int32_t code = frame_codes(data, (size_t)c)[0];

            if (code < 0) {
                strbuf_adds(sb, "null");
            } else {
                strbuf_addch(sb, '"');
                for (const char *q = frame_level(data, (size_t)c, code); *q; q++) {
                    if (*q == '"' || *q == '\\')
                        strbuf_addch(sb, '\\');
                    if (*q == '\'')
                        strbuf_adds(sb, "\\u0027"); /* inside a shell's single quotes */
                    else
                        strbuf_addch(sb, *q);
                }
                strbuf_addch(sb, '"');
            }
        }
    }
    if (pipeline_task(p) == AIWB_TASK_RANKING)
        strbuf_adds(sb, ", \"k\": 5");
    strbuf_addch(sb, '}');
}

static char *
readme_text(const char *label, const struct pipeline *p, const char *dir,
            const struct aiwb_frame *data)
{
    struct strbuf sb = STRBUF_INIT, row = STRBUF_INIT;

    example_row(&row, p, data);
    strbuf_addf(&sb, "# %s: a standalone prediction server\n\n", label);
    strbuf_addf(&sb, "Exported by %s. `aiwb-server` needs nothing beyond libc, libm and\n"
                     "pthread: copy it anywhere (x86-64 Linux) and run it.\n\n", PACKAGE_STRING);
    strbuf_addf(&sb, "    ./aiwb-server --port 8080 --log predictions.log\n\n");
    strbuf_adds(&sb, "It listens on 127.0.0.1 (`--bind 0.0.0.0` for every interface);\n"
                     "`--token T` (or AIWB_SERVER_TOKEN) requires `Authorization: Bearer T`\n"
                     "on every endpoint but /health; `--help` lists the rest.\n\n");
    strbuf_adds(&sb, "## Requests\n\n");
    if (pipeline_task(p) == AIWB_TASK_RANKING)
        strbuf_adds(&sb, "A user's best items they have not had yet:\n\n");
    else
        strbuf_adds(&sb, "One row (raw, keyed by the training columns; a missing field is a "
                         "missing value):\n\n");
    strbuf_addf(&sb, "    curl -s localhost:8080/predict -d '%s'\n\n", row.buf);
    if (pipeline_task(p) != AIWB_TASK_RANKING) {
        strbuf_addf(&sb, "Several rows at once: an array of such objects.\n\n"
                         "    curl -s localhost:8080/predict -d '[%s, %s]'\n\n", row.buf, row.buf);
        strbuf_adds(&sb, "Each answer carries an `id`; tell the server the truth later:\n\n"
                         "    curl -s localhost:8080/feedback -d '{\"id\": \"ID\", \"label\": "
                         "TRUTH}'\n\n");
    }
    strbuf_adds(&sb, "    curl -s localhost:8080/health\n"
                     "    curl -s localhost:8080/metadata     # inputs, model, metrics\n"
                     "    curl -s localhost:8080/metrics      # Prometheus text\n\n");
    strbuf_adds(&sb, "## Files\n\n"
                     "- `aiwb-server`: the server with the model appended (MIT, see LICENSE)\n"
                     "- `model.bundle`: the model alone (`aiwb-server --bundle model.bundle`)\n"
                     "- `aiwb-server.service`: a systemd unit (edit its paths)\n\n");
    strbuf_addf(&sb, "Load its log back into aiwb with `load live %s/predictions.log`.\n", dir);
    strbuf_release(&row);
    return strbuf_detach(&sb, NULL);
}

static char *
unit_text(const char *label, const char *dir)
{
    return xasprintf("# systemd unit for the prediction server of %s; copy it to\n"
                     "# /etc/systemd/system/ and `systemctl enable --now aiwb-server`.\n"
                     "[Unit]\n"
                     "Description=aiwb prediction server (%s)\n"
                     "After=network.target\n"
                     "\n"
                     "[Service]\n"
                     "ExecStart=%s/aiwb-server --port 8080 --log %s/predictions.log\n"
                     "ExecReload=/bin/kill -USR1 $MAINPID\n"
                     "KillSignal=SIGTERM\n"
                     "Restart=on-failure\n"
                     "DynamicUser=yes\n"
                     "ReadWritePaths=%s\n"
                     "NoNewPrivileges=yes\n"
                     "\n"
                     "[Install]\n"
                     "WantedBy=multi-user.target\n",
                     label, label, dir, dir, dir);
}

/* Check that the runtime has every component P needs. */
static int
check_components(struct session *s, const char *runtime, const struct pipeline *p)
{
    char *have = NULL, **need;
    size_t n;
    int rc = run_runtime(runtime, "--components", NULL, &have), ok = 1;

    if (rc != 0) {
        cmd_error(s, "export: the server runtime '%s' does not run (%s)", runtime, have);
        free(have);
        return -1;
    }
    need = pipeline_served_components(p, &n);
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(need[i]);
        const char *at = have;
        int found = 0;

        while (!found && (at = strstr(at, need[i])) != NULL) {
            found = (at == have || at[-1] == '\n') && (at[len] == '\n' || at[len] == '\0');
            at += len;
        }
        if (!found && ok) {
            cmd_error(s, "export: the %s cannot be exported yet: the prediction server has no "
                         "predict half for it", need[i]);
            ok = 0;
        }
        free(need[i]);
    }
    free(need);
    free(have);
    return ok ? 0 : -1;
}

static enum cmd_retval
cmd_export_exec(struct session *s, int argc, char **argv)
{
    const char *dir, *ref = argv[0];
    char *name = NULL, *cause = NULL, *runtime = NULL, *label = NULL, stamp[32], *check = NULL;
    char *path = NULL, *text = NULL, *fullref = NULL, *no_ref = NULL;
    struct aiwb_table *info = table_new(NULL), *models = table_new(NULL);
    struct aiwb_writer *w = writer_new(), *pw = writer_new();
    unsigned char *runtime_bytes = NULL, *bundle = NULL, trailer[16];
    size_t runtime_len = 0, bundle_len = 0, plen, ref_rows = 0;
    const unsigned char *pdata;
    const struct aiwb_frame *data = NULL;
    struct pipeline *p;
    int version = 0, live = 0, newest = 0, rc = CMD_ERROR;
    int64_t run = 0;
    time_t now = time(NULL);
    struct tm tm;
    struct stat st;

    if (argc < 3 || argc > 4 || strcmp(argv[argc - 2], "to") != 0 ||
        (argc == 4 && strncmp(argv[1], "version=", 8) != 0)) {
        cmd_error(s, "export: usage: export MODEL [version=N] to DIR");
        goto out;
    }
    dir = argv[argc - 1];
    if (argc == 4) {
        char *end;
        long v = strtol(argv[1] + 8, &end, 10);

        if (strchr(ref, ':') != NULL) {
            cmd_error(s, "export: '%s' already names a version: give it once (MODEL:N or "
                         "version=N)", ref);
            goto out;
        }
        if (*end != '\0' || end == argv[1] + 8 || v < 1) {
            cmd_error(s, "export: version=: '%s' is not a version number (1, 2, ...)",
                      argv[1] + 8);
            goto out;
        }
        fullref = xasprintf("%s:%ld", ref, v);
        ref = fullref;
    } else if (strchr(ref, ':') == NULL) {
        /* No version named: the one that is live, as deploying it again is
         * what a bare export usually means; the latest if none was promoted. */
        if (store_model_live(s->store, ref, &live, NULL, &cause) < 0)
            goto failed;
        if (live > 0) {
            fullref = xasprintf("%s:%d", ref, live);
            ref = fullref;
            newest = newest_version(s, ref);
        }
    }
    if ((p = session_model(s, ref, &version)) == NULL)
        goto out;
    name = strchr(ref, ':') != NULL ? xstrndup(ref, (size_t)(strchr(ref, ':') - ref))
                                    : xstrdup(ref);
    label = xasprintf("%s:%d", name, version);
    if (pipeline_algorithm(p) == NULL) {
        cmd_error(s, "export: '%s' is a chain of transforms; only a model that predicts can be "
                     "exported", label);
        goto out;
    }
    runtime = runtime_path();
    if (access(runtime, X_OK) != 0) {
        cmd_error(s, "export: the prediction server runtime '%s' is missing (%s): is aiwb "
                     "installed completely? (AIWB_SERVER_RUNTIME names another)", runtime,
                  strerror(errno));
        goto out;
    }
    if (check_components(s, runtime, p) < 0)
        goto out;
    if (store_model_run(s->store, name, version, &run, NULL, &cause) < 0 ||
        (run != 0 && store_run_info(s->store, run, info, &cause) < 0)) {
        cmd_error(s, "export: %s", cause);
        goto out;
    }

    /* The bundle. */
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    codec_put_str(w, "kind", "aiwb-bundle");
    codec_put_int(w, "format", 1);
    codec_put_str(w, "name", name);
    codec_put_int(w, "version", version);
    codec_put_str(w, "exported", stamp);
    codec_put_str(w, "trained", info_field(info, "started") != NULL ? info_field(info, "started")
                                                                    : "");
    codec_put_str(w, "dataset", info_field(info, "dataset") != NULL ? info_field(info, "dataset")
                                                                    : "");
    codec_put_str(w, "aiwb_version", PACKAGE_VERSION);
    put_metrics(s, name, version, run, w);
    if (pipeline_save_served(p, pw, &cause) < 0) {
        cmd_error(s, "export: %s", cause);
        goto out;
    }
    pdata = writer_data(pw, &plen);
    codec_put_blob(w, "pipeline", pdata, plen);
    if (info_field(info, "dataset") != NULL && *info_field(info, "dataset") != '\0') {
        /* Made again from its lineage if need be; without it the export
         * still works, with no drift reference (and says why). */
        const struct dataset *d = session_need_dataset(s, info_field(info, "dataset"));

        data = d != NULL ? d->frame : NULL;
        if (d == NULL) {
            no_ref = xstrdup(cmd_last_error() != NULL ? cmd_last_error() : "not found");
            cmd_forget_error();
        }
    }
    ref_rows = pipeline_save_reference(p, data, w);
    bundle = codec_seal(w, &bundle_len);

    /* The folder. */
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        cmd_error(s, "export: cannot make the folder '%s': %s", dir, strerror(errno));
        goto out;
    }
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        cmd_error(s, "export: '%s' is not a folder", dir);
        goto out;
    }
    if ((runtime_bytes = slurp(runtime, &runtime_len)) == NULL) {
        cmd_error(s, "export: cannot read '%s': %s", runtime, strerror(errno));
        goto out;
    }
    memcpy(trailer, TRAILER_MAGIC, 8);
    for (int i = 0; i < 8; i++)
        trailer[8 + i] = (unsigned char)((uint64_t)bundle_len >> (8 * i));
    /* runtime | bundle | trailer, as one file */
    {
        unsigned char *tail = xmalloc(bundle_len + sizeof trailer);

        memcpy(tail, bundle, bundle_len);
        memcpy(tail + bundle_len, trailer, sizeof trailer);
        path = xasprintf("%s/aiwb-server", dir);
        rc = write_file(path, runtime_bytes, runtime_len, tail, bundle_len + sizeof trailer,
                        0755, &cause);
        free(tail);
        free(path);
        path = NULL;
        if (rc < 0) {
            rc = CMD_ERROR;
            cmd_error(s, "export: %s", cause);
            goto out;
        }
        rc = CMD_ERROR;
    }
    path = xasprintf("%s/model.bundle", dir);
    if (write_file(path, bundle, bundle_len, NULL, 0, 0644, &cause) < 0)
        goto failed;
    free(path);
    path = xasprintf("%s/README.md", dir);
    text = readme_text(label, p, dir, data);
    if (write_file(path, text, strlen(text), NULL, 0, 0644, &cause) < 0)
        goto failed;
    free(text);
    free(path);
    path = xasprintf("%s/aiwb-server.service", dir);
    {
        char *abs = realpath(dir, NULL);

        text = unit_text(label, abs != NULL ? abs : dir);
        free(abs);
    }
    if (write_file(path, text, strlen(text), NULL, 0, 0644, &cause) < 0)
        goto failed;
    free(path);
    path = xasprintf("%s/LICENSE", dir);
    if (write_file(path, mit_license, strlen(mit_license), NULL, 0, 0644, &cause) < 0)
        goto failed;
    free(path);

    /* The server must load what it was given: try it now, not in production. */
    path = xasprintf("%s/aiwb-server", dir);
    if (run_runtime(path, "--check", NULL, &check) != 0) {
        char *nl = strrchr(check, '\n');

        if (nl != NULL && nl[1] == '\0')
            *nl = '\0';
        cmd_error(s, "export: the exported server cannot load the model: %s", check);
        goto out;
    }
    output_say(&s->out, "exported %s%s to '%s': aiwb-server (%.1f MB, the model %.3g kB), "
                        "model.bundle, README.md, aiwb-server.service, LICENSE",
               label, live > 0 ? " (the live version)" : "", dir,
               (double)(runtime_len + bundle_len) / 1e6, (double)bundle_len / 1e3);
    if (newest > version)
        output_say(&s->out, "note: version %d of '%s' is newer but not live; version=%d exports "
                            "it", newest, name, newest);
    if (ref_rows > 0)
        output_say(&s->out, "drift reference: %zu rows of '%s'", ref_rows,
                   info_field(info, "dataset"));
    else
        output_say(&s->out, "no drift reference (%s), so /metrics reports no feature drift",
                   no_ref != NULL ? no_ref
                                  : data != NULL ? "the training dataset lacks an input now"
                                                 : "the model's training dataset is unknown");
    output_say(&s->out, "start it: %s/aiwb-server --port 8080 --log %s/predictions.log", dir,
               dir);
    /* The workspace remembers what went where; failing that is no reason to
     * undo a good export. */
    if (store_export_put(s->store, name, version, dir, &cause) < 0)
        fprintf(s->out.err, "warning: %s\n", cause);
    rc = CMD_OK;
    goto out;
failed:
    cmd_error(s, "export: %s", cause);
out:
    free(cause);
    free(no_ref);
    free(check);
    free(path);
    free(text);
    free(name);
    free(label);
    free(fullref);
    free(runtime);
    free(runtime_bytes);
    free(bundle);
    writer_free(w);
    writer_free(pw);
    table_free(info);
    table_free(models);
    return rc;
}

const struct cmd_entry cmd_export_entry = {
    .name = "export",
    .usage = "export MODEL [version=N] to DIR",
    .summary = "write a model as a standalone prediction server",
    .help = "Writes into DIR (made if needed) the program aiwb-server with the model\n"
            "appended: an HTTP/1.1 server that needs nothing beyond libc, libm and\n"
            "pthread, with POST /predict, POST /feedback, GET /health, /metadata and\n"
            "/metrics. It computes what `predict` computes: the same predict code of\n"
            "every transform and algorithm is compiled into it. Also written:\n"
            "model.bundle (the model alone), README.md with curl examples, a systemd\n"
            "unit and the server's MIT licence. MODEL:N or version=N picks a version;\n"
            "without one, the live version (see promote), else the latest. When the\n"
            "training dataset is loaded, its distribution goes into the bundle, and\n"
            "/metrics reports each input's drift (PSI) against it. The exported server\n"
            "is started once with --check before export reports success.",
    .min_args = 3,
    .max_args = 4,
    .complete = {COMPLETE_MODEL, COMPLETE_NONE},
    .exec = cmd_export_exec,
};
