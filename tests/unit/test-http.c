/*
 * test-http.c - the http source against a local server (tests/data/http/
 * server.py on 127.0.0.1): every format, the options, and every failure a
 * user can meet, each with its message; no temporary file is left behind.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The server is started once, with its stdin a pipe this program holds: it
 * stops when the program ends, however it ends. Without python3 the whole
 * program is skipped (a TAP plan of 0).
 */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/frame.h"
#include "core/log.h"
#include "core/options.h"
#include "core/registry.h"
#include "core/xalloc.h"
#include "testutil.h"

static char *tmp; /* $TMPDIR while the tests run: the source's bodies go here */
static pid_t server = -1;
static int server_stdin = -1;
static int http_port, full_port, https_port;

/* What was logged since clear_log(), at every level. */
static char logged[1 << 16];
static size_t logged_len;

static void
capture(void *arg, enum aiwb_log_level level, const char *msg)
{
    size_t n = strlen(msg);

    (void)arg;
    (void)level;
    if (logged_len + n + 2 < sizeof(logged)) {
        memcpy(logged + logged_len, msg, n);
        logged_len += n;
        logged[logged_len++] = '\n';
        logged[logged_len] = '\0';
    }
}

static void
clear_log(void)
{
    logged_len = 0;
    logged[0] = '\0';
}

/* ------------------------------------------------------------------------- */
/* The server */

static void
stop_server(void)
{
    if (server_stdin >= 0)
        close(server_stdin);
    server_stdin = -1;
    if (server > 0) {
        kill(server, SIGTERM);
        waitpid(server, NULL, 0);
    }
    server = -1;
}

/* Whether python3 can run the server (it needs its ssl module). */
static int
have_python(void)
{
    return system("python3 -c 'import ssl' >/dev/null 2>&1") == 0;
}

/* Start server.py and read its ports; exits 99 (a hard error) if it fails. */
static void
start_server(void)
{
    char *script = tu_srcpath("tests/data/http/server.py");
    char *cert = tu_srcpath("tests/data/http/cert.pem");
    char *key = tu_srcpath("tests/data/http/key.pem");
    char line[128];
    int in[2], out[2], n;
    struct pollfd pfd;
    ssize_t got;
    size_t len = 0;

    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) {
        perror("pipe2");
        exit(99);
    }
    server = fork();
    if (server < 0) {
        perror("fork");
        exit(99);
    }
    if (server == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        execlp("python3", "python3", script, "--tls", cert, key, "--watch-stdin", (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    server_stdin = in[1];
    atexit(stop_server);
    /* One line, "HTTP FULL HTTPS": wait for it at most a minute. */
    pfd.fd = out[0];
    pfd.events = POLLIN;
    while (len < sizeof line - 1 && memchr(line, '\n', len) == NULL) {
        if (poll(&pfd, 1, 60000) <= 0 ||
            (got = read(out[0], line + len, sizeof line - 1 - len)) <= 0)
            break;
        len += (size_t)got;
    }
    line[len] = '\0';
    close(out[0]);
    n = sscanf(line, "%d %d %d", &http_port, &full_port, &https_port);
    if (n != 3) {
        fprintf(stderr, "# %s did not start (it printed '%s')\n", script, line);
        exit(99);
    }
    free(script);
    free(cert);
    free(key);
}

/* "http://127.0.0.1:PORT" PATH, in a static buffer (two in turn). */
static const char *
url(const char *path)
{
    static char buf[2][256];
    static int i;

    i = !i;
    snprintf(buf[i], sizeof buf[i], "http://127.0.0.1:%d%s", http_port, path);
    return buf[i];
}

/* ------------------------------------------------------------------------- */
/* Helpers */

/* Read URI with the option words OPTS (NULL-terminated); fail if it fails. */
static struct aiwb_frame *
read_ok(const char *uri, const char *const *opts)
{
    char *cause = NULL;
    struct aiwb_frame *f = tu_read(uri, opts, &cause);

    if (f == NULL) {
        print_error("reading '%s' failed: %s\n", uri, cause);
        free(cause);
        fail();
    }
    return f;
}

/* Read URI with OPTS and return the error message (the caller frees it). */
static char *
read_error(const char *uri, const char *const *opts)
{
    char *cause = NULL;
    struct aiwb_frame *f = tu_read(uri, opts, &cause);

    if (f != NULL) {
        print_error("reading '%s' succeeded, expected an error\n", uri);
        frame_free(f);
        fail();
    }
    assert_non_null(cause);
    return cause;
}

/* Read URI with OPTS; expect the message "cannot fetch 'URI': " WANT. */
static void
expect_fetch_error(const char *uri, const char *const *opts, const char *want)
{
    char *cause = read_error(uri, opts), *full = xasprintf("cannot fetch '%s': %s", uri, want);

    assert_string_equal(cause, full);
    free(cause);
    free(full);
}

/* Read URI with OPTS; expect exactly the message WANT. */
static void
expect_error(const char *uri, const char *const *opts, const char *want)
{
    char *cause = read_error(uri, opts);

    assert_string_equal(cause, want);
    free(cause);
}

/* The frame as "name=cell|cell;name=..." with "NA" for missing, and the
 * type of each column: "x:n=1.5|-3|7;label:c=a|b|a". A new string. */
static char *
frame_text(const struct aiwb_frame *f)
{
    char *s = xstrdup("");

    for (size_t c = 0; c < frame_cols(f); c++) {
        char *t = xasprintf("%s%s%s:%c=", s, c ? ";" : "", frame_col_name(f, c),
                            frame_col_type(f, c) == AIWB_NUMERIC ? 'n' : 'c');

        free(s);
        s = t;
        for (size_t r = 0; r < frame_rows(f); r++) {
            char buf[32];

            t = xasprintf("%s%s%s", s, r ? "|" : "", frame_cell_text(f, c, r, buf));
            free(s);
            s = t;
        }
    }
    return s;
}

/* The three rows every data route holds. */
#define DATA_TEXT "x:n=1.5|-3|7;y:n=2|4.25|NA;label:c=a|b|a"

/* Fetch URI with OPTS and expect the frame WANT (as frame_text writes it). */
static void
expect_frame(const char *uri, const char *const *opts, const char *want)
{
    struct aiwb_frame *f = read_ok(uri, opts);
    char *got = frame_text(f);

    if (strcmp(got, want) != 0)
        print_error("'%s' read as\n  %s\nexpected\n  %s\n", uri, got, want);
    assert_string_equal(got, want);
    free(got);
    frame_free(f);
}

/* A port on 127.0.0.1 nothing listens on (it was free a moment ago). */
static int
closed_port(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

/* After every test: the source left nothing in $TMPDIR. */
static int
no_leftovers(void **state)
{
    DIR *d = opendir(tmp);
    struct dirent *e;
    int left = 0;

    (void)state;
    if (d == NULL)
        return -1;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            fprintf(stderr, "# left behind in $TMPDIR: %s\n", e->d_name);
            left++;
        }
    }
    closedir(d);
    return left == 0 ? 0 : -1;
}

/* ------------------------------------------------------------------------- */

static void
test_registered(void **state)
{
    const struct component *c = registry_find(COMPONENT_SOURCE, "http");
    static const char *const names[] = {"timeout", "max_bytes",  "format", "parse_options",
                                        "header",  "header_env", "verify", "ca_file"};

    (void)state;
    assert_non_null(c);
    assert_string_equal(c->module->name, "http");
    assert_string_equal(c->type.source->schemes, "http,https");
    assert_non_null(c->type.source->help);
    assert_true(strlen(c->type.source->summary) <= 80);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const struct aiwb_option_spec *sp = options_spec_find(c->type.source->options, names[i]);

        assert_non_null(sp);
        assert_non_null(sp->help);
    }
    /* The scheme wins over the extension, in any case. */
    assert_ptr_equal(registry_source_for("http://example.org/data.csv"), c);
    assert_ptr_equal(registry_source_for("HTTPS://example.org/x.json"), c);
}

/* open() fetches and reads, next() hands the frame over once, close() after
 * a failed open or an unclaimed frame leaks nothing and leaves no file. */
static void
test_open_next_close(void **state)
{
    const struct component *c = registry_find(COMPONENT_SOURCE, "http");
    const struct aiwb_source_type *t = c->type.source;
    char *cause = NULL;
    struct aiwb_options *o = options_parse("http", t->options, 0, NULL, &cause);
    void *st = xcalloc(1, t->state_size);
    struct aiwb_frame *f = NULL, *g = NULL;

    (void)state;
    assert_non_null(o);
    assert_int_equal(t->open(st, url("/data.csv"), o, &cause), AIWB_OK);
    assert_int_equal(t->next(st, &f, &cause), 3);
    assert_non_null(f);
    assert_int_equal(t->next(st, &g, &cause), 0);
    assert_null(g);
    t->close(st);
    frame_free(f);

    memset(st, 0, t->state_size);
    assert_int_equal(t->open(st, url("/data.csv"), o, &cause), AIWB_OK);
    t->close(st); /* the frame was never claimed */

    memset(st, 0, t->state_size);
    assert_true(t->open(st, url("/missing"), o, &cause) < 0);
    assert_non_null(strstr(cause, "404 Not Found"));
    free(cause);
    t->close(st);
    options_free(o);
    free(st);
}

/* Every way of telling the format gives the same three rows. */
static void
test_formats(void **state)
{
    static const char *const paths[] = {
        "/data.csv",       /* text/csv */
        "/data.tsv",       /* text/tab-separated-values: tabs */
        "/data.json",      /* application/json, an array */
        "/data.jsonl",     /* application/x-ndjson */
        "/table",          /* text/plain, no extension: the body looks like CSV */
        "/rows",           /* application/octet-stream, a JSON array: by its '[' */
        "/lines",          /* text/plain, JSON lines: by their '{' */
        "/typed.json?x=1", /* CSV as text/csv under a .json name: the type wins */
        "/gzip.csv",       /* Content-Encoding: gzip, decoded by libcurl */
        "/data.csv.gz",    /* a .csv.gz file as application/gzip, read by csv */
        "/chunked.csv",    /* chunked, without Content-Length */
        "/redirect",       /* 302 to /data.csv */
    };

    (void)state;
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
        expect_frame(url(paths[i]), NULL, DATA_TEXT);
}

/* format= overrides the Content-Type, the extension and the body. */
static void
test_format_option(void **state)
{
    const char *const tsv[] = {"format=tsv", NULL}, *const json[] = {"format=json", NULL};
    const char *const csv[] = {"format=csv", NULL};
    char *cause;

    (void)state;
    /* The CSV read as tab-separated: one column, named by the whole line. */
    expect_frame(url("/data.csv"), tsv, "x,y,label:c=1.5,2,a|-3,4.25,b|7,,a");
    /* CSV read as JSON: the jsonl source's error, naming the URL. */
    cause = read_error(url("/data.csv"), json);
    assert_true(strncmp(cause, "'", 1) == 0);
    assert_non_null(strstr(cause, url("/data.csv")));
    assert_null(strstr(cause, tmp));
    free(cause);
    /* A web page is refused, unless format= says to read it anyway. */
    {
        struct aiwb_frame *f = tu_read(url("/page"), csv, &cause);

        if (f == NULL) {
            assert_null(strstr(cause, "web page"));
            free(cause);
        }
        frame_free(f);
    }
}

/* parse_options reach the parser; its own errors come back as they are. */
static void
test_parse_options(void **state)
{
    const char *const noheader[] = {"parse_options=header=false", NULL};
    const char *const na[] = {"parse_options=na=a threads=1", NULL};
    const char *const quoted[] = {"parse_options=na='b' header=true", NULL};
    const char *const unknown[] = {"parse_options=nosuch=1", NULL};
    const char *const unclosed[] = {"parse_options=na='b", NULL};
    const char *const follow[] = {"parse_options=follow=true", NULL};
    const char *const jsonbad[] = {"parse_options=bad=skip", NULL};

    (void)state;
    expect_frame(url("/data.csv"), noheader, "V1:c=x|1.5|-3|7;V2:c=y|2|4.25|NA;V3:c=label|a|b|a");
    expect_frame(url("/data.csv"), na, "x:n=1.5|-3|7;y:n=2|4.25|NA;label:c=NA|b|NA");
    expect_frame(url("/data.csv"), quoted, "x:n=1.5|-3|7;y:n=2|4.25|NA;label:c=a|NA|a");
    expect_frame(url("/data.json"), jsonbad, DATA_TEXT);
    {
        const char *want = "csv has no option 'nosuch' (its options: header, delimiter, ";
        char *cause = read_error(url("/data.csv"), unknown);

        assert_true(strncmp(cause, want, strlen(want)) == 0);
        free(cause);
    }
    expect_error(url("/data.csv"), unclosed,
                 "http: parse_options 'na='b' has an unclosed quote or more than 32 words");
    expect_error(url("/data.json"), follow,
                 "http: a fetched body cannot be followed (parse_options 'follow=true')");
}

/* Extra headers are sent and never logged nor shown; the User-Agent says
 * aiwb and its version. */
static void
test_headers(void **state)
{
    const char *const given[] = {"header=X-Token: s3cret-given", NULL};
    const char *const env[] = {"header_env=AIWB_TEST_HTTP_HEADER", NULL};
    const char *const unset[] = {"header_env=AIWB_TEST_HTTP_UNSET", NULL};
    const char *const bad[] = {"header=s3cret-bad", NULL};
    const char *const badenv[] = {"header_env=AIWB_TEST_HTTP_BAD", NULL};
    char *cause;

    (void)state;
    clear_log();
    expect_frame(url("/echo"), NULL, "agent:c=aiwb/" PACKAGE_VERSION ";token:n=NA");
    expect_frame(url("/echo"), given, "agent:c=aiwb/" PACKAGE_VERSION ";token:c=s3cret-given");
    setenv("AIWB_TEST_HTTP_HEADER", "X-Token: s3cret-env", 1);
    expect_frame(url("/echo"), env, "agent:c=aiwb/" PACKAGE_VERSION ";token:c=s3cret-env");
    unsetenv("AIWB_TEST_HTTP_UNSET");
    expect_error(url("/echo"), unset,
                 "http: header_env names 'AIWB_TEST_HTTP_UNSET', which is not set");
    cause = read_error(url("/echo"), bad);
    assert_string_equal(cause, "http: header must read 'Name: value' on one line");
    free(cause);
    setenv("AIWB_TEST_HTTP_BAD", "X-Token: one\r\nX-Other: two", 1);
    expect_error(url("/echo"), badenv,
                 "http: $AIWB_TEST_HTTP_BAD must read 'Name: value' on one line");
    assert_null(strstr(logged, "s3cret"));
    unsetenv("AIWB_TEST_HTTP_HEADER");
    unsetenv("AIWB_TEST_HTTP_BAD");
}

/* A status that is not 2xx, with the server's reason phrase. */
static void
test_status(void **state)
{
    (void)state;
    expect_fetch_error(url("/missing"), NULL, "the server answered 404 Not Found");
    expect_fetch_error(url("/error"), NULL, "the server answered 500 Internal Server Error");
    expect_fetch_error(url("/teapot"), NULL, "the server answered 418 I'm a teapot");
    expect_fetch_error(url("/unauthorized"), NULL,
                       "the server answered 401 Unauthorized (credentials go in header= or "
                       "header_env=)");
}

/* Redirects: followed to http, refused to other protocols, and a loop stops. */
static void
test_redirects(void **state)
{
    (void)state;
    expect_fetch_error(url("/to-file"), NULL,
                       "redirected to 'file:///etc/passwd', and only http and https are allowed");
    expect_fetch_error(url("/to-ftp"), NULL,
                       "redirected to 'ftp://127.0.0.1/data.csv', and only http and https are "
                       "allowed");
    expect_fetch_error(url("/loop"), NULL, "more than 10 redirects (a redirect loop?)");
    {
        char *want = xasprintf("cannot fetch '%s' (redirected to '%s'): the server answered 404 "
                               "Not Found",
                               url("/to-missing"), url("/missing"));

        expect_error(url("/to-missing"), NULL, want);
        free(want);
    }
}

/* max_bytes: announced by Content-Length, or found while receiving, and
 * counted after gzip decoding. */
static void
test_max_bytes(void **state)
{
    const char *const exact[] = {"max_bytes=33", NULL}, *const less[] = {"max_bytes=32", NULL};
    const char *const small[] = {"max_bytes=1000", NULL};
    const char *const bomb[] = {"max_bytes=100000", NULL};

    (void)state;
    expect_frame(url("/data.csv"), exact, DATA_TEXT); /* the file is 33 bytes */
    expect_fetch_error(url("/data.csv"), less, "the body is 33 bytes, more than max_bytes=32");
    expect_fetch_error(url("/huge"), small, "the body is 10485760 bytes, more than max_bytes=1000");
    expect_fetch_error(url("/endless"), small, "the body is larger than max_bytes=1000");
    expect_fetch_error(url("/bomb.csv"), bomb, "the body is larger than max_bytes=100000");
}

/* The network's failures: refused, unknown host, cut short, time-outs. */
static void
test_transport(void **state)
{
    const char *const one[] = {"timeout=1", NULL};
    char refused[64];

    (void)state;
    snprintf(refused, sizeof refused, "http://127.0.0.1:%d/data.csv", closed_port());
    expect_fetch_error(refused, NULL, "cannot connect: Connection refused");
    expect_fetch_error("http://no-such-host.invalid/data.csv", NULL,
                       "cannot resolve host 'no-such-host.invalid'");
    expect_fetch_error(url("/short"), NULL, "the connection closed after 16 of 1000 bytes");
    expect_fetch_error(url("/silent"), one, "no answer within 1 s (timeout=1)");
    expect_fetch_error(url("/stall"), one,
                       "the server sent nothing for 1 s after 16 bytes (timeout=1)");
#ifdef __linux__
    {
        char full[64];

        /* A connection to a full queue is never established (Linux drops
         * the SYN): the same as a host that does not answer. */
        snprintf(full, sizeof full, "http://127.0.0.1:%d/data.csv", full_port);
        expect_fetch_error(full, one, "no connection within 1 s (timeout=1)");
    }
#endif
}

/* TLS: the certificate is checked by default, ca_file trusts one,
 * verify=false accepts any (with a warning). */
static void
test_tls(void **state)
{
    char *cert = tu_srcpath("tests/data/http/cert.pem"), *cause, *prefix, *uri;
    char *ca = xasprintf("ca_file=%s", cert);
    const char *const trust[] = {ca, NULL}, *const insecure[] = {"verify=false", NULL};
    const char *const nofile[] = {"ca_file=/no/such/ca.pem", NULL};

    (void)state;
    uri = xasprintf("https://127.0.0.1:%d/data.csv", https_port);
    prefix = xasprintf("cannot fetch '%s': TLS failed: ", uri);
    cause = read_error(uri, NULL);
    assert_true(strncmp(cause, prefix, strlen(prefix)) == 0);
    assert_non_null(strstr(cause, "certificate"));
    free(cause);
    expect_frame(uri, trust, DATA_TEXT);
    clear_log();
    expect_frame(uri, insecure, DATA_TEXT);
    assert_non_null(strstr(logged, "not checking the TLS certificate"));
    expect_error(uri, nofile,
                 "http: cannot read ca_file '/no/such/ca.pem': No such file or directory");
    free(prefix);
    free(uri);
    free(ca);
    free(cert);
}

/* Bodies that are not data: the parser's message with the URL in place of
 * the file, exactly what reading the same bytes locally says. */
static void
test_bad_bodies(void **state)
{
    static const char *const names[] = {"bad.csv", "bad.json"};

    (void)state;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char *rel = xasprintf("tests/data/http/%s", names[i]), *path = tu_srcpath(rel);
        char *route = xasprintf("/%s", names[i]);
        char *want = read_error(path, NULL), *got = read_error(url(route), NULL);
        char *at = strstr(want, path), *expected;

        assert_non_null(at);
        expected = xasprintf("%.*s%s%s", (int)(at - want), want, url(route), at + strlen(path));
        assert_string_equal(got, expected);
        free(expected);
        free(got);
        free(want);
        free(route);
        free(path);
        free(rel);
    }
    {
        char *want = xasprintf("'%s' is empty", url("/empty.csv"));

        expect_error(url("/empty.csv"), NULL, want);
        free(want);
        want = xasprintf("'%s' is a web page, not data (Content-Type text/html; charset=utf-8); "
                         "give format= to read it anyway",
                         url("/page"));
        expect_error(url("/page"), NULL, want);
        free(want);
        want = xasprintf("cannot tell the format of '%s' (a gzip-compressed body): give "
                         "format=csv, tsv or json",
                         url("/blob"));
        expect_error(url("/blob"), NULL, want);
        free(want);
    }
    {
        const char *const csv[] = {"format=csv", NULL};

        expect_frame(url("/blob"), csv, DATA_TEXT);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_registered, no_leftovers),
        cmocka_unit_test_teardown(test_open_next_close, no_leftovers),
        cmocka_unit_test_teardown(test_formats, no_leftovers),
        cmocka_unit_test_teardown(test_format_option, no_leftovers),
        cmocka_unit_test_teardown(test_parse_options, no_leftovers),
        cmocka_unit_test_teardown(test_headers, no_leftovers),
        cmocka_unit_test_teardown(test_status, no_leftovers),
        cmocka_unit_test_teardown(test_redirects, no_leftovers),
        cmocka_unit_test_teardown(test_max_bytes, no_leftovers),
        cmocka_unit_test_teardown(test_transport, no_leftovers),
        cmocka_unit_test_teardown(test_tls, no_leftovers),
        cmocka_unit_test_teardown(test_bad_bodies, no_leftovers),
    };
    static const char *const proxies[] = {"http_proxy",  "HTTP_PROXY", "https_proxy",
                                          "HTTPS_PROXY", "all_proxy",  "ALL_PROXY"};
    int rc;

    if (!have_python()) {
        printf("1..0 # SKIP python3 (with ssl) is needed to run the test server\n");
        return 0;
    }
    /* Straight to 127.0.0.1 whatever proxy the machine has. */
    for (size_t i = 0; i < sizeof proxies / sizeof proxies[0]; i++)
        unsetenv(proxies[i]);
    setenv("no_proxy", "*", 1);
    tmp = tu_tmpdir("http");
    setenv("TMPDIR", tmp, 1);
    start_server();
    tu_load_plugins();
    log_set_sink(capture, NULL, AIWB_LOG_DEBUG);
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    registry_shutdown();
    stop_server();
    free(tmp);
    return rc;
}
