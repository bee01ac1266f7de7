/*
 * source-http.c - the http source: fetches a CSV or JSON body over HTTP(S)
 * with libcurl and reads it with the csv or jsonl source.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What a user can rely on (the G-5 reliability notes):
 * - Only http and https, for the URL given and for every redirect: a
 *   redirect to file://, ftp:// or anything else is refused, not followed.
 * - TLS certificates and host names are checked (libcurl's default) unless
 *   verify=false; ca_file names extra authorities to trust.
 * - `timeout` bounds every wait: connecting, the server's answer, and any
 *   pause while the body arrives. A server that accepts and never answers
 *   is given up after `timeout` seconds. A server that keeps sending, if
 *   slowly, is bounded by max_bytes only.
 * - `max_bytes` bounds the body as it is stored, after any gzip or deflate
 *   Content-Encoding is decoded (so a small compressed bomb cannot fill the
 *   disk): refused at once when the Content-Length announces more, stopped
 *   while receiving otherwise.
 * - Every failure is one message naming the URL: connection refused, an
 *   unknown host, a time-out (and after how long), a status that is not 2xx
 *   (with the server's reason), a body too large, a forbidden redirect or a
 *   redirect loop, a TLS failure, an HTML page where data was expected, and
 *   the parser's own errors with the URL in place of the file they read.
 *
 * How: the body goes to "body" in a private folder made with mkdtemp under
 * $TMPDIR (or /tmp); once its format is known the file is renamed with that
 * extension (body.csv, body.tsv, body.json, body.jsonl, and .gz after it
 * when the body itself is gzip-compressed), read through the host with
 * api->source_read by the csv or jsonl source, and removed with its folder on
 * every path. The format is the `format` option, else the Content-Type,
 * else the URL's extension, else the body's first character ('[' or '{':
 * JSON, anything else: CSV). JSON arrays and JSON lines are told apart by
 * that first character whatever said the body was JSON.
 *
 * Headers given with `header` or `header_env` are sent and never logged nor
 * quoted in a message (they usually carry credentials).
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include <aiwb/plugin.h>

static const struct aiwb_host_api *api;

#define HTTP_USER_AGENT "aiwb/" PACKAGE_VERSION
#define HTTP_PROTOCOLS "http,https"
#define HTTP_MAX_REDIRECTS 10
#define HTTP_SNIFF 64     /* bytes of the body kept to guess its format */
#define HTTP_SHOW_MAX 200 /* bytes of a server's text quoted in a message */
#define HTTP_MAX_WORDS 32 /* parse_options words at most */

/* What the body holds, and so which source reads it under which name. */
enum kind { KIND_NONE = 0, KIND_CSV, KIND_TSV, KIND_JSON, KIND_JSONL, KIND_HTML };

static const char *const kind_ext[] = {
    [KIND_CSV] = "csv",
    [KIND_TSV] = "tsv",
    [KIND_JSON] = "json",
    [KIND_JSONL] = "jsonl",
};

/* Media types that name a format; anything else (text/plain, ...) does not. */
static const struct {
    const char *type;
    enum kind kind;
} media_types[] = {
    {"text/csv", KIND_CSV},
    {"application/csv", KIND_CSV},
    {"text/comma-separated-values", KIND_CSV},
    {"text/tab-separated-values", KIND_TSV},
    {"application/json", KIND_JSON},
    {"text/json", KIND_JSON},
    {"application/x-ndjson", KIND_JSONL},
    {"application/ndjson", KIND_JSONL},
    {"application/jsonl", KIND_JSONL},
    {"application/x-jsonlines", KIND_JSONL},
    {"application/jsonlines", KIND_JSONL},
    {"text/html", KIND_HTML},
    {"application/xhtml+xml", KIND_HTML},
};

/* File name extensions of the URL's path. */
static const struct {
    const char *ext;
    enum kind kind;
} url_extensions[] = {
    {"csv", KIND_CSV},      {"txt", KIND_CSV},   {"tsv", KIND_TSV},
    {"tab", KIND_TSV},      {"json", KIND_JSON}, {"jsonl", KIND_JSONL},
    {"ndjson", KIND_JSONL}, {"html", KIND_HTML}, {"htm", KIND_HTML},
};

/* Reason phrases for a status line without one (HTTP/2 has none). */
static const struct {
    long code;
    const char *reason;
} reasons[] = {
    {400, "Bad Request"},         {401, "Unauthorized"},
    {403, "Forbidden"},           {404, "Not Found"},
    {405, "Method Not Allowed"},  {406, "Not Acceptable"},
    {408, "Request Timeout"},     {410, "Gone"},
    {429, "Too Many Requests"},   {500, "Internal Server Error"},
    {501, "Not Implemented"},     {502, "Bad Gateway"},
    {503, "Service Unavailable"}, {504, "Gateway Timeout"},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The options, as open() read them. */
struct settings {
    double timeout;
    curl_off_t max_bytes;
    enum kind format; /* KIND_NONE: auto */
    const char *header;
    const char *header_env;
    int verify;
    const char *ca_file;
    char *words_text;            /* parse_options, split in place */
    char *words[HTTP_MAX_WORDS]; /* into words_text */
    size_t nwords;
};

/* One transfer: what the callbacks fill in. */
struct transfer {
    const char *url;
    int fd; /* the body file */
    curl_off_t max_bytes;
    curl_off_t received;
    int too_big;          /* the write callback stopped at max_bytes */
    int write_errno;      /* a write to the body file failed */
    struct timespec last; /* when bytes last arrived (or the transfer began) */
    int stalled;          /* nothing arrived for `timeout` seconds */
    int cancelled;        /* the user pressed Ctrl-C */
    unsigned char head[HTTP_SNIFF];
    size_t nhead;
    char reason[HTTP_SHOW_MAX + 1];   /* of the last status line */
    char location[HTTP_SHOW_MAX + 1]; /* of the last Location header */
    long long length;                 /* its Content-Length, or -1 */
    char errbuf[CURL_ERROR_SIZE];
};

/* The state the host allocates per open source. */
struct http_state {
    struct aiwb_frame *frame; /* read by open, handed over by the first next */
    char *dir;                /* the private folder, while it exists */
    char *body;               /* the body's file in it, while it exists */
};

/* ------------------------------------------------------------------------- */
/* Small helpers */

/* Copy LEN bytes of server text S into OUT (HTTP_SHOW_MAX + 1 bytes) with
 * surrounding blanks and the line end dropped, and every byte that is not
 * printable ASCII made '?', so that a server cannot write to the terminal. */
static void
copy_shown(char *out, const char *s, size_t len)
{
    size_t n = 0;

    while (len > 0 && (*s == ' ' || *s == '\t')) {
        s++;
        len--;
    }
    while (len > 0 &&
           (s[len - 1] == '\r' || s[len - 1] == '\n' || s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    for (; n < len && n < HTTP_SHOW_MAX; n++)
        out[n] = (s[n] >= 0x20 && s[n] < 0x7f) ? s[n] : '?';
    out[n] = '\0';
}

/* A new string: S with every occurrence of FROM replaced by TO. */
static char *
replace_all(const char *s, const char *from, const char *to)
{
    size_t nfrom = strlen(from), nto = strlen(to), count = 0, len;
    const char *p;
    char *out, *q;

    for (p = s; nfrom > 0 && (p = strstr(p, from)) != NULL; p += nfrom)
        count++;
    len = strlen(s) + count * nto - count * nfrom;
    q = out = api->alloc(len + 1);
    for (p = s; count > 0; count--) {
        const char *hit = strstr(p, from);

        memcpy(q, p, (size_t)(hit - p));
        q += hit - p;
        memcpy(q, to, nto);
        q += nto;
        p = hit + nfrom;
    }
    strcpy(q, p);
    return out;
}

/* Seconds from T0 to now, on the monotonic clock. */
static double
seconds_since(const struct timespec *t0)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* The kind a Content-Type names, or KIND_NONE. */
static enum kind
kind_of_type(const char *type)
{
    size_t len;

    if (type == NULL)
        return KIND_NONE;
    len = strcspn(type, "; \t");
    for (size_t i = 0; i < COUNT(media_types); i++)
        if (strlen(media_types[i].type) == len && strncasecmp(type, media_types[i].type, len) == 0)
            return media_types[i].kind;
    if (len > 5 && strncasecmp(type + len - 5, "+json", 5) == 0)
        return KIND_JSON;
    return KIND_NONE;
}

/* The last segment of URL's path, decoded, in a new string (curl_free it),
 * or NULL when it has none. */
static char *
url_basename(const char *url)
{
    CURLU *u = curl_url();
    char *path = NULL;

    if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PATH, &path, CURLU_URLDECODE) == CURLUE_OK) {
        const char *slash = strrchr(path, '/'), *from = slash != NULL ? slash + 1 : path;

        memmove(path, from, strlen(from) + 1);
    }
    curl_url_cleanup(u);
    return path;
}

/* The kind the extension of file name BASE names ("x.csv", "x.csv.gz"), or
 * KIND_NONE; *STEM gets the length of BASE before that extension. */
static enum kind
kind_of_name(const char *base, size_t *stem)
{
    size_t len = strlen(base);
    const char *dot;

    if (len > 3 && strcasecmp(base + len - 3, ".gz") == 0)
        len -= 3;
    *stem = len;
    for (dot = base + len; dot > base && dot[-1] != '.'; dot--)
        ;
    if (dot == base)
        return KIND_NONE;
    for (size_t i = 0; i < COUNT(url_extensions); i++) {
        if (strlen(url_extensions[i].ext) == (size_t)(base + len - dot) &&
            strncasecmp(dot, url_extensions[i].ext, (size_t)(base + len - dot)) == 0) {
            *stem = (size_t)(dot - 1 - base);
            return url_extensions[i].kind;
        }
    }
    return KIND_NONE;
}

/* The kind the extension of URL's path names, or KIND_NONE. */
static enum kind
kind_of_url(const char *url)
{
    char *base = url_basename(url);
    size_t stem;
    enum kind kind = base != NULL ? kind_of_name(base, &stem) : KIND_NONE;

    curl_free(base);
    return kind;
}

/* Whether C is an ASCII letter or digit, whatever the locale. */
static int
is_alnum_ascii(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* The name the body is read under: the URL's file name without its
 * extension, other characters than letters, digits, '-', '_' and '.' made
 * '_' ("body" if nothing is left), then KIND's extension, and .gz when the
 * body is compressed. The parser's warnings quote it (the host's log cannot
 * be rewritten), so it had better look like what the user asked for. */
static char *
body_name(const char *url, enum kind kind, int gzip)
{
    char *base = url_basename(url), stem[65];
    size_t n = 0, len = 0;

    if (base != NULL)
        kind_of_name(base, &len);
    for (; n < len && n + 1 < sizeof stem; n++)
        stem[n] = is_alnum_ascii(base[n]) || strchr("-_.", base[n]) != NULL ? base[n] : '_';
    stem[n] = '\0';
    curl_free(base);
    return api->format("%s.%s%s", n > 0 ? stem : "body", kind_ext[kind], gzip ? ".gz" : "");
}

/* What the first bytes of a body look like: JSON by '[' or '{' (after a
 * byte order mark and blanks), an HTML page, or KIND_NONE. */
static enum kind
kind_of_body(const unsigned char *head, size_t n)
{
    size_t i = 0;

    if (n >= 3 && head[0] == 0xef && head[1] == 0xbb && head[2] == 0xbf)
        i = 3;
    while (i < n && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n'))
        i++;
    if (i == n)
        return KIND_NONE;
    if (head[i] == '[')
        return KIND_JSON;
    if (head[i] == '{')
        return KIND_JSONL;
    if ((n - i >= 14 && strncasecmp((const char *)head + i, "<!doctype html", 14) == 0) ||
        (n - i >= 5 && strncasecmp((const char *)head + i, "<html", 5) == 0))
        return KIND_HTML;
    return KIND_NONE;
}

/* Whether the body starts as gzip data does (RFC 1952: 1f 8b). */
static int
is_gzip(const struct transfer *t)
{
    return t->nhead >= 2 && t->head[0] == 0x1f && t->head[1] == 0x8b;
}

/* ------------------------------------------------------------------------- */
/* Options */

/* Split TEXT in place into words at blanks; a word may hold '...' or "..."
 * parts, with blanks inside (delimiter=' '). Returns the count, or -1 when a
 * quote is not closed or there are more than MAX words. */
static int
split_words(char *text, char **words, size_t max)
{
    size_t n = 0;
    char *r = text, *w = text;

    for (;;) {
        while (*r == ' ' || *r == '\t')
            r++;
        if (*r == '\0')
            return (int)n;
        if (n == max)
            return -1;
        words[n++] = w;
        while (*r != '\0' && *r != ' ' && *r != '\t') {
            if (*r == '\'' || *r == '"') {
                char q = *r++;

                while (*r != '\0' && *r != q)
                    *w++ = *r++;
                if (*r++ != q)
                    return -1;
            } else {
                *w++ = *r++;
            }
        }
        if (*r != '\0')
            r++;
        *w++ = '\0';
    }
}

/* Whether H reads "Name: value" on one line, the name an HTTP token. */
static int
valid_header(const char *h)
{
    const char *p = h;

    while (*p != '\0' && (is_alnum_ascii(*p) || strchr("!#$%&'*+-.^_`|~", *p) != NULL))
        p++;
    if (p == h || *p != ':')
        return 0;
    return strpbrk(p, "\r\n") == NULL;
}

/* Split parse_options WORDS into S's words. Returns AIWB_OK, or
 * AIWB_EINVAL with *cause set. */
static int
read_words(struct settings *s, const char *words, char **cause)
{
    int n;

    s->words_text = api->strdup(words);
    n = split_words(s->words_text, s->words, HTTP_MAX_WORDS);
    if (n < 0) {
        *cause = api->format("http: parse_options '%s' has an unclosed quote or more than %d words",
                             words, HTTP_MAX_WORDS);
        return AIWB_EINVAL;
    }
    s->nwords = (size_t)n;
    for (size_t i = 0; i < s->nwords; i++) {
        const char *w = s->words[i];

        /* The body is fetched once and its file removed: nothing to follow. */
        if (strncmp(w, "follow", 6) == 0 && (w[6] == '\0' || w[6] == '=')) {
            *cause =
                api->format("http: a fetched body cannot be followed (parse_options '%s')", words);
            return AIWB_EINVAL;
        }
    }
    return AIWB_OK;
}

/* Read the options into S. Returns AIWB_OK, or AIWB_EINVAL with *cause set;
 * a header's value is never quoted, it may be a secret. */
static int
read_settings(struct settings *s, const struct aiwb_options *opts, char **cause)
{
    static const enum kind formats[] = {KIND_NONE, KIND_CSV, KIND_TSV, KIND_JSON};
    static const char *const format_names[] = {"auto", "csv", "tsv", "json"};
    const char *format = api->opt_str(opts, "format"), *words = api->opt_str(opts, "parse_options");
    const char *env_header;

    s->timeout = api->opt_real(opts, "timeout");
    s->max_bytes = (curl_off_t)api->opt_int(opts, "max_bytes");
    s->verify = api->opt_bool(opts, "verify");
    s->ca_file = api->opt_str(opts, "ca_file");
    s->format = KIND_NONE;
    for (size_t i = 0; format != NULL && i < COUNT(formats); i++)
        if (strcmp(format, format_names[i]) == 0)
            s->format = formats[i];
    s->header = api->opt_str(opts, "header");
    if (s->header != NULL && !valid_header(s->header)) {
        *cause = api->format("http: header must read 'Name: value' on one line");
        return AIWB_EINVAL;
    }
    s->header_env = api->opt_str(opts, "header_env");
    env_header = s->header_env != NULL ? getenv(s->header_env) : NULL;
    if (s->header_env != NULL && (env_header == NULL || *env_header == '\0')) {
        *cause = api->format("http: header_env names '%s', which is not set", s->header_env);
        return AIWB_EINVAL;
    }
    if (env_header != NULL && !valid_header(env_header)) {
        *cause = api->format("http: $%s must read 'Name: value' on one line", s->header_env);
        return AIWB_EINVAL;
    }
    if (s->ca_file != NULL && access(s->ca_file, R_OK) != 0) {
        *cause = api->format("http: cannot read ca_file '%s': %s", s->ca_file, strerror(errno));
        return AIWB_EINVAL;
    }
    return words != NULL ? read_words(s, words, cause) : AIWB_OK;
}

/* ------------------------------------------------------------------------- */
/* The transfer */

/* libcurl's header callback: one header line at a time, of every response
 * (redirects too). Keeps the reason phrase, Content-Length and Location of
 * the latest response, and notes that something arrived. */
static size_t
on_header(char *buf, size_t size, size_t n, void *arg)
{
    struct transfer *t = arg;
    size_t len = size * n;

    clock_gettime(CLOCK_MONOTONIC, &t->last);
    if (len > 5 && strncmp(buf, "HTTP/", 5) == 0) {
        /* "HTTP/1.1 404 Not Found": a new response; its reason after the code. */
        const char *p = memchr(buf, ' ', len), *end = buf + len;

        while (p != NULL && p < end && *p == ' ')
            p++;
        while (p != NULL && p < end && *p >= '0' && *p <= '9')
            p++;
        copy_shown(t->reason, p != NULL ? p : end, p != NULL ? (size_t)(end - p) : 0);
        t->location[0] = '\0';
        t->length = -1;
    } else if (len > 15 && strncasecmp(buf, "content-length:", 15) == 0) {
        char text[HTTP_SHOW_MAX + 1], *end;

        /* libcurl does not tell the length of a body it refused: keep it. */
        copy_shown(text, buf + 15, len - 15);
        errno = 0;
        t->length = strtoll(text, &end, 10);
        if (errno != 0 || *end != '\0' || end == text || t->length < 0)
            t->length = -1;
    } else if (len > 9 && strncasecmp(buf, "location:", 9) == 0) {
        copy_shown(t->location, buf + 9, len - 9);
    }
    return len;
}

/* libcurl's write callback: the body, decoded, in pieces. Stores them in the
 * body file, keeps the first bytes to guess the format, and stops the
 * transfer (by taking nothing) past max_bytes or when the disk fails. */
static size_t
on_body(char *buf, size_t size, size_t n, void *arg)
{
    struct transfer *t = arg;
    size_t len = size * n, done = 0;

    clock_gettime(CLOCK_MONOTONIC, &t->last);
    if (t->received + (curl_off_t)len > t->max_bytes) {
        t->too_big = 1;
        return 0; /* libcurl stops with CURLE_WRITE_ERROR */
    }
    if (t->nhead < HTTP_SNIFF) {
        size_t k = HTTP_SNIFF - t->nhead < len ? HTTP_SNIFF - t->nhead : len;

        memcpy(t->head + t->nhead, buf, k);
        t->nhead += k;
    }
    while (done < len) {
        ssize_t w = write(t->fd, buf + done, len - done);

        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            t->write_errno = errno;
            return 0;
        }
        done += (size_t)w;
    }
    t->received += (curl_off_t)len;
    return len;
}

/* Set up CURL for T with settings S and the request headers in *HEADERS
 * (the caller frees them with curl_slist_free_all). Returns AIWB_OK, or
 * AIWB_ERR with *cause set if libcurl refuses a safety setting. */
static int
configure(CURL *curl, struct transfer *t, const struct settings *s, struct curl_slist **headers,
          char **cause)
{
    long ms = (long)(s->timeout * 1000 + 0.999); /* timeout <= 86400: no overflow */

    /* These three are what keeps the source to http and https: check them. */
    if (curl_easy_setopt(curl, CURLOPT_URL, t->url) != CURLE_OK ||
        curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, HTTP_PROTOCOLS) != CURLE_OK ||
        curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, HTTP_PROTOCOLS) != CURLE_OK) {
        *cause = api->format("http: this libcurl cannot restrict '%s' to http and https", t->url);
        return AIWB_ERR;
    }
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_FAILONERROR, 0L);
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(curl, CURLOPT_MAXREDIRS, (long)HTTP_MAX_REDIRECTS);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, HTTP_USER_AGENT);
    curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, ""); /* all libcurl decodes */
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, ms);
    curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, s->max_bytes);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, t->errbuf);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, t);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, t);
    if (!s->verify) {
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
        api->log(AIWB_LOG_WARN, "http: not checking the TLS certificate of '%s' (verify=false)",
                 t->url);
    }
    if (s->ca_file != NULL)
        curl_easy_setopt(curl, CURLOPT_CAINFO, s->ca_file);
    if (s->header != NULL)
        *headers = curl_slist_append(*headers, s->header);
    if (s->header_env != NULL)
        *headers = curl_slist_append(*headers, getenv(s->header_env));
    if (*headers != NULL)
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, *headers);
    return AIWB_OK;
}

/*
 * Perform the transfer CURL, stopping it when nothing arrived for TIMEOUT
 * seconds. Returns libcurl's result, or CURLE_ABORTED_BY_CALLBACK (with
 * t->stalled set) for a stalled transfer. The multi interface rather than
 * curl_easy_perform and a progress callback, which libcurl calls only about
 * once a second: waiting in curl_multi_poll up to the deadline stops a
 * silent server on time, not up to a second late.
 */
static CURLcode
run(CURL *curl, struct transfer *t, double timeout)
{
    CURLM *multi = curl_multi_init();
    CURLcode rc = CURLE_OUT_OF_MEMORY;
    CURLMsg *msg;
    int running = 1, left;

    if (multi == NULL || curl_multi_add_handle(multi, curl) != CURLM_OK)
        goto out;
    clock_gettime(CLOCK_MONOTONIC, &t->last);
    for (;;) {
        double wait;

        if (curl_multi_perform(multi, &running) != CURLM_OK || running == 0)
            break;
        if (api->interrupted()) {
            t->cancelled = 1;
            break;
        }
        wait = timeout - seconds_since(&t->last);
        if (wait <= 0) {
            t->stalled = 1;
            break;
        }
        /* Wake at least every 200 ms to notice Ctrl-C. */
        if (curl_multi_poll(multi, NULL, 0, wait > 0.2 ? 200 : (int)(wait * 1000 + 0.999),
                            NULL) != CURLM_OK)
            break;
    }
    rc = t->stalled || t->cancelled ? CURLE_ABORTED_BY_CALLBACK : CURLE_RECV_ERROR;
    while (!t->stalled && !t->cancelled && (msg = curl_multi_info_read(multi, &left)) != NULL)
        if (msg->msg == CURLMSG_DONE && msg->easy_handle == curl)
            rc = msg->data.result;
    curl_multi_remove_handle(multi, curl);
out:
    curl_multi_cleanup(multi);
    return rc;
}

/* The host of URL in a new string (curl_free it), or NULL. */
static char *
url_host(const char *url)
{
    CURLU *u = curl_url();
    char *host = NULL;

    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
        host = NULL;
    curl_url_cleanup(u);
    return host;
}

/* Why the transfer failed with RC, in a new string (without the URL). */
static char *
transfer_failure(CURL *curl, struct transfer *t, const struct settings *s, CURLcode rc)
{
    const char *eff = NULL, *text = t->errbuf[0] != '\0' ? t->errbuf : curl_easy_strerror(rc);
    curl_off_t connected = 0;
    long os_errno = 0;
    char *host, *why, err[HTTP_SHOW_MAX + 1];

    /* libcurl's words may quote the server's: show them as safely. */
    copy_shown(err, text, strlen(text));
    curl_easy_getinfo(curl, CURLINFO_EFFECTIVE_URL, &eff);
    switch (rc) {
    case CURLE_UNSUPPORTED_PROTOCOL:
        if (t->location[0] != '\0')
            return api->format("redirected to '%s', and only http and https are allowed",
                               t->location);
        return api->format("only http and https URLs are read");
    case CURLE_TOO_MANY_REDIRECTS:
        return api->format("more than %d redirects (a redirect loop?)", HTTP_MAX_REDIRECTS);
    case CURLE_COULDNT_RESOLVE_HOST:
        host = url_host(eff != NULL ? eff : t->url);
        why = api->format("cannot resolve host '%s'", host != NULL ? host : "?");
        curl_free(host);
        return why;
    case CURLE_COULDNT_CONNECT:
        curl_easy_getinfo(curl, CURLINFO_OS_ERRNO, &os_errno);
        if (os_errno != 0)
            return api->format("cannot connect: %s", strerror((int)os_errno));
        break;
    case CURLE_OPERATION_TIMEDOUT:
        return api->format("no connection within %g s (timeout=%g)", s->timeout, s->timeout);
    case CURLE_ABORTED_BY_CALLBACK: /* set by run() when the transfer stalled or the user stopped it */
        if (t->cancelled)
            return api->format("stopped by the user (Ctrl-C) after %lld bytes",
                               (long long)t->received);
        curl_easy_getinfo(curl, CURLINFO_CONNECT_TIME_T, &connected);
        if (connected == 0)
            return api->format("no connection within %g s (timeout=%g)", s->timeout, s->timeout);
        if (t->received == 0 && t->reason[0] == '\0')
            return api->format("no answer within %g s (timeout=%g)", s->timeout, s->timeout);
        return api->format("the server sent nothing for %g s after %lld bytes (timeout=%g)",
                           s->timeout, (long long)t->received, s->timeout);
    case CURLE_FILESIZE_EXCEEDED:
        if (t->length > 0)
            return api->format("the body is %lld bytes, more than max_bytes=%lld", t->length,
                               (long long)s->max_bytes);
        return api->format("the body is larger than max_bytes=%lld", (long long)s->max_bytes);
    case CURLE_WRITE_ERROR:
        if (t->too_big)
            return api->format("the body is larger than max_bytes=%lld", (long long)s->max_bytes);
        if (t->write_errno != 0)
            return api->format("cannot store the body: %s", strerror(t->write_errno));
        break;
    case CURLE_PARTIAL_FILE:
        if (t->length > 0)
            return api->format("the connection closed after %lld of %lld bytes",
                               (long long)t->received, t->length);
        return api->format("the connection closed after %lld bytes", (long long)t->received);
    case CURLE_GOT_NOTHING:
        return api->format("the server closed the connection without answering");
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
        return api->format("TLS failed: %s", err);
    default:
        break;
    }
    return api->strdup(err);
}

/* The status CODE as the server put it: "404 Not Found". A new string. */
static char *
status_text(long code, const struct transfer *t)
{
    const char *reason = t->reason;

    for (size_t i = 0; *reason == '\0' && i < COUNT(reasons); i++)
        if (reasons[i].code == code)
            reason = reasons[i].reason;
    return api->format("%ld%s%s", code, *reason ? " " : "", reason);
}

/*
 * Fetch T->url into T->fd with settings S. Returns AIWB_OK when a 2xx body
 * arrived whole, with *type the Content-Type (a new string or NULL), or a
 * negative status with *cause set ("cannot fetch 'URL': ...").
 */
static int
fetch(struct transfer *t, const struct settings *s, char **type, char **cause)
{
    CURL *curl = curl_easy_init();
    struct curl_slist *headers = NULL;
    const char *ctype = NULL, *eff = NULL;
    char *why = NULL;
    long code = 0;
    CURLcode rc;
    int status = AIWB_OK;

    *type = NULL;
    if (curl == NULL) {
        *cause = api->format("http: cannot start libcurl for '%s'", t->url);
        return AIWB_ERR;
    }
    if ((status = configure(curl, t, s, &headers, cause)) != AIWB_OK)
        goto out;
    rc = run(curl, t, s->timeout);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_getinfo(curl, CURLINFO_EFFECTIVE_URL, &eff);
    /* A status that is not 2xx explains more than what went wrong with its
     * body (an error page too large or cut short); a 3xx with a Location is
     * a redirect that failed, and rc says why. */
    if ((rc == CURLE_OK || rc == CURLE_FILESIZE_EXCEEDED || rc == CURLE_PARTIAL_FILE ||
         (rc == CURLE_WRITE_ERROR && t->too_big)) &&
        code != 0 && (code < 200 || code > 299)) {
        char *st = status_text(code, t);

        why = api->format("the server answered %s%s", st,
                          code == 401 ? " (credentials go in header= or header_env=)" : "");
        api->free(st);
        status = AIWB_EIO;
    } else if (rc != CURLE_OK) {
        why = transfer_failure(curl, t, s, rc);
        status = AIWB_EIO;
    }
    if (why != NULL) {
        long redirects = 0;

        curl_easy_getinfo(curl, CURLINFO_REDIRECT_COUNT, &redirects);
        if (redirects > 0 && eff != NULL && rc != CURLE_UNSUPPORTED_PROTOCOL &&
            rc != CURLE_TOO_MANY_REDIRECTS) {
            char shown[HTTP_SHOW_MAX + 1];

            copy_shown(shown, eff, strlen(eff));
            *cause = api->format("cannot fetch '%s' (redirected to '%s'): %s", t->url, shown, why);
        } else {
            *cause = api->format("cannot fetch '%s': %s", t->url, why);
        }
        api->free(why);
        goto out;
    }
    if (curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &ctype) == CURLE_OK && ctype != NULL)
        *type = api->strdup(ctype);
    api->log(AIWB_LOG_DEBUG, "http: %lld bytes from '%s' (%s)", (long long)t->received, t->url,
             ctype != NULL ? ctype : "no Content-Type");
out:
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    return status;
}

/* ------------------------------------------------------------------------- */
/* The source */

/* Check that URL is an http or https URL. Returns AIWB_OK, or AIWB_EINVAL
 * with *cause set. */
static int
check_url(const char *url, char **cause)
{
    CURLU *u = curl_url();
    char *scheme = NULL;
    CURLUcode uc = curl_url_set(u, CURLUPART_URL, url, 0);
    int rc = AIWB_OK;

    if (uc != CURLUE_OK) {
        *cause = api->format("'%s' is not a valid URL: %s", url, curl_url_strerror(uc));
        rc = AIWB_EINVAL;
    } else if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
               (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0)) {
        *cause = api->format("http: '%s' is not an http or https URL", url);
        rc = AIWB_EINVAL;
    }
    curl_free(scheme);
    curl_url_cleanup(u);
    return rc;
}

/* Remove the body file and its folder, if they exist. */
static void
remove_body(struct http_state *st)
{
    if (st->body != NULL)
        unlink(st->body);
    if (st->dir != NULL)
        rmdir(st->dir);
    api->free(st->body);
    api->free(st->dir);
    st->body = NULL;
    st->dir = NULL;
}

/* Make the private folder and its empty file "body"; returns the file's
 * descriptor, or -1 with *cause set. */
static int
make_body(struct http_state *st, char **cause)
{
    const char *tmpdir = getenv("TMPDIR");
    int fd;

    if (tmpdir == NULL || *tmpdir == '\0')
        tmpdir = "/tmp";
    st->dir = api->format("%s/aiwb-http-XXXXXX", tmpdir);
    if (mkdtemp(st->dir) == NULL) {
        *cause = api->format("http: cannot make a temporary folder in '%s': %s", tmpdir,
                             strerror(errno));
        api->free(st->dir);
        st->dir = NULL;
        return -1;
    }
    st->body = api->format("%s/body", st->dir);
    fd = open(st->body, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        *cause = api->format("http: cannot create '%s': %s", st->body, strerror(errno));
        api->free(st->body);
        st->body = NULL;
    }
    return fd;
}

/* Decide what the body holds. Returns the kind, or KIND_NONE with *cause
 * set when it is a web page or cannot be told. */
static enum kind
body_kind(const struct settings *s, const struct transfer *t, const char *type, char **cause)
{
    enum kind kind = s->format, sniffed = is_gzip(t) ? KIND_NONE : kind_of_body(t->head, t->nhead);
    char shown[HTTP_SHOW_MAX + 1];

    if (kind == KIND_NONE)
        kind = kind_of_type(type);
    if (kind == KIND_NONE)
        kind = kind_of_url(t->url);
    if (s->format == KIND_NONE && (kind == KIND_HTML || sniffed == KIND_HTML)) {
        copy_shown(shown, type != NULL ? type : "none", strlen(type != NULL ? type : "none"));
        *cause = api->format("'%s' is a web page, not data (Content-Type %s); give format= to "
                             "read it anyway",
                             t->url, shown);
        return KIND_NONE;
    }
    if (kind == KIND_NONE && is_gzip(t)) {
        *cause = api->format("cannot tell the format of '%s' (a gzip-compressed body): give "
                             "format=csv, tsv or json",
                             t->url);
        return KIND_NONE;
    }
    if (kind == KIND_NONE)
        kind = sniffed == KIND_JSON || sniffed == KIND_JSONL ? sniffed : KIND_CSV;
    /* An array or one object a line: the first character says, whatever
     * said it was JSON. */
    if ((kind == KIND_JSON || kind == KIND_JSONL) &&
        (sniffed == KIND_JSON || sniffed == KIND_JSONL))
        kind = sniffed;
    return kind;
}

/* Rename the body after KIND, read it with the source for KIND and the
 * parse options, into st->frame. Returns AIWB_OK, or a negative status with
 * *cause set, naming the URL where the source named the file. */
static int
parse_body(struct http_state *st, const struct settings *s, const char *url, enum kind kind,
           int gzip, char **cause)
{
    const char *source = kind == KIND_CSV || kind == KIND_TSV ? "csv" : "jsonl";
    char *name = body_name(url, kind, gzip), *named = api->format("%s/%s", st->dir, name);
    char *why = NULL;
    int rc;

    if (rename(st->body, named) != 0) {
        *cause = api->format("http: cannot rename '%s': %s", st->body, strerror(errno));
        api->free(named);
        api->free(name);
        return AIWB_EIO;
    }
    api->free(name);
    api->free(st->body);
    st->body = named;
    rc = api->source_read(source, st->body, s->nwords, s->words, &st->frame, &why);
    if (rc != AIWB_OK) {
        *cause = replace_all(why != NULL ? why : "cannot read the body", st->body, url);
        api->free(why);
        return rc < 0 ? rc : AIWB_EDATA;
    }
    return AIWB_OK;
}

static int
http_open(void *state, const char *uri, const struct aiwb_options *opts, char **cause)
{
    struct http_state *st = state;
    struct settings s = {0};
    struct transfer t = {0};
    char *type = NULL;
    enum kind kind;
    int rc;

    if ((rc = check_url(uri, cause)) != AIWB_OK || (rc = read_settings(&s, opts, cause)) != AIWB_OK)
        goto out;
    t.url = uri;
    t.max_bytes = s.max_bytes;
    t.length = -1;
    t.fd = make_body(st, cause);
    if (t.fd < 0) {
        rc = AIWB_EIO;
        goto out;
    }
    rc = fetch(&t, &s, &type, cause);
    if (close(t.fd) != 0 && rc == AIWB_OK) {
        *cause = api->format("http: cannot store the body of '%s': %s", uri, strerror(errno));
        rc = AIWB_EIO;
    }
    if (rc != AIWB_OK)
        goto out;
    kind = body_kind(&s, &t, type, cause);
    if (kind == KIND_NONE) {
        rc = AIWB_EDATA;
        goto out;
    }
    rc = parse_body(st, &s, uri, kind, is_gzip(&t), cause);
out:
    remove_body(st);
    api->free(type);
    api->free(s.words_text);
    return rc;
}

static int
http_next(void *state, struct aiwb_frame **batch, char **cause)
{
    struct http_state *st = state;
    size_t rows;

    (void)cause;
    if (st->frame == NULL)
        return 0;
    rows = api->frame_rows(st->frame);
    *batch = st->frame;
    st->frame = NULL;
    return rows < INT_MAX ? (int)rows : INT_MAX;
}

static void
http_close(void *state)
{
    struct http_state *st = state;

    api->frame_free(st->frame);
    st->frame = NULL;
    remove_body(st);
}

static const struct aiwb_option_spec http_options[] = {
    {.name = "timeout",
     .type = AIWB_OPT_REAL,
     .def = "60",
     .min = 0,
     .max = 86400,
     .flags = AIWB_OPT_MIN_EXCLUSIVE,
     .help = "seconds to wait for a connection, for the answer, and at most between two parts "
             "of the body"},
    {.name = "max_bytes",
     .type = AIWB_OPT_INT,
     .def = "1073741824",
     .min = 1,
     .max = 1e18,
     .help = "the largest body accepted (after gzip decoding), in bytes; 1 GiB by default"},
    {.name = "format",
     .type = AIWB_OPT_CHOICE,
     .def = "auto",
     .choices = "auto|csv|tsv|json",
     .help = "what the body holds; auto: by the Content-Type, else the URL's extension, else "
             "its first character; json: an array of objects or one object a line"},
    {.name = "parse_options",
     .type = AIWB_OPT_STRING,
     .help = "options for the source that parses the body (csv or jsonl), as words: "
             "parse_options='header=false na=-'"},
    {.name = "header",
     .type = AIWB_OPT_STRING,
     .flags = AIWB_OPT_SECRET,
     .help = "an extra request header 'Name: value'; a secret: it is not kept in the lineage, "
             "so a dataset made again from it is fetched without it (header_env is kept)"},
    {.name = "header_env",
     .type = AIWB_OPT_STRING,
     .help = "the environment variable holding an extra header 'Name: value' (a token stays out "
             "of scripts and the workspace)"},
    {.name = "verify",
     .type = AIWB_OPT_BOOL,
     .def = "true",
     .help = "check the server's TLS certificate and name; false accepts any (as curl -k)"},
    {.name = "ca_file",
     .type = AIWB_OPT_STRING,
     .help = "a PEM file of the certificate authorities to trust instead of the system's"},
    {.name = NULL},
};

static const struct aiwb_source_type http_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_source_type),
    .name = "http",
    .summary = "CSV or JSON fetched over HTTP or HTTPS (libcurl)",
    .help = "`load NAME https://host/path.csv` fetches the body and reads it with the csv or\n"
            "jsonl source, chosen by format=, the Content-Type, the URL's extension or the\n"
            "body's first character. Only http and https are followed, redirects included;\n"
            "certificates are checked; timeout= and max_bytes= bound the wait and the size.\n"
            "The parser's own options go in parse_options='delimiter=; header=false'.",
    .options = http_options,
    .flags = 0,
    .schemes = "http,https",
    .extensions = NULL,
    .state_size = sizeof(struct http_state),
    .open = http_open,
    .next = http_next,
    .close = http_close,
};

/*
 * The module's entry point: initialises libcurl once for the process,
 * declares the module "http" and registers its one source. Returns AIWB_OK,
 * the host's refusal (AIWB_EABI, AIWB_EINVAL), or AIWB_ERR if libcurl cannot
 * start. libcurl is never cleaned up: the module stays loaded until exit.
 */
int
aiwb_plugin_init(struct aiwb_plugin *p, const struct aiwb_host_api *host)
{
    AIWB_PLUGIN_BEGIN(p, host, api, "http", "1.0.0");
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        api->log(AIWB_LOG_ERROR, "http: libcurl cannot start");
        return AIWB_ERR;
    }
    return api->register_source(p, &http_type);
}
