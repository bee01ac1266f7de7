/*
 * view.h - what `show`, `drift` and `report` display: a title and a column of
 * blocks (text, a table, a chart). The TUI draws a view in its view pane;
 * plain and script mode print it as text; `plot` writes it as SVG and
 * `report` as HTML.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef AIWB_VIEW_H
#define AIWB_VIEW_H

#include <stddef.h>
#include <stdint.h>

struct aiwb_table;
struct chart;
struct session;
struct strbuf;

enum view_block_kind { VIEW_TEXT, VIEW_TABLE, VIEW_CHART };

/*
 * A long table read a page at a time: the TUI's view pane asks only for the
 * rows it shows (`runs` with hundreds of runs). FETCH fills the empty table T
 * with rows OFFSET + 1 to OFFSET + LIMIT; 0, or a negative status with *cause
 * set. CTX is borrowed (the session's store): it outlives the view.
 */
struct view_pages {
    int64_t total;
    int (*fetch)(void *ctx, int64_t offset, int64_t limit, struct aiwb_table *t, char **cause);
    void *ctx;
};

struct view_block {
    enum view_block_kind kind;
    char *text;               /* VIEW_TEXT: lines, '\n'-separated */
    struct aiwb_table *table; /* VIEW_TABLE; NULL for a paged table until it is read whole */
    struct chart *chart;      /* VIEW_CHART */
    struct view_pages *pages; /* VIEW_TABLE read a page at a time, or NULL */
};

struct view {
    char *title;     /* "curve of run 3", "confusion of m1:2" */
    size_t n;
    struct view_block *blocks;
};

/* A new empty view titled TITLE. Never NULL. */
struct view *view_new(const char *title);
void view_free(struct view *v);
/* Append a block; the view takes T, C. */
void view_text(struct view *v, const char *text);
void view_table(struct view *v, struct aiwb_table *t);
void view_chart(struct view *v, struct chart *c);
/* Append a table read a page at a time (P is copied). Printed, or written as
 * SVG or HTML, it is read whole; only the TUI pages it. */
void view_pages(struct view *v, const struct view_pages *p);

/*
 * Show V (taken): in the TUI (when s->show is set) in its view pane; else
 * printed to the session's output: text blocks as they are, tables through
 * the output layer (so --format csv/json applies), charts as text charts
 * (canvas_text) as wide as the terminal (80 columns when not a terminal),
 * with colour only at a terminal without NO_COLOR, braille unless --ascii
 * or the locale is not UTF-8.
 */
void view_show(struct session *s, struct view *v);

/* V as a standalone SVG document appended to OUT: its blocks stacked, tables
 * as text grids. */
void view_svg(const struct view *v, struct strbuf *out);

/* Added by the views helper (issue 5): */

/* V as a fragment of HTML appended to OUT: a <section> holding its title as
 * <h2>, text blocks as <pre>, tables as <table>, charts as inline <svg>
 * (chart_svg() without its XML declaration); every text HTML-escaped. No
 * scripts, no external references. */
void view_html(const struct view *v, struct strbuf *out);

/* TEXT appended to OUT with & < > " ' escaped for XML and HTML (and the
 * control characters XML 1.0 forbids replaced by '?'). */
void view_escape(struct strbuf *out, const char *text);

/*
 * The view named by the words ARGV[0..ARGC-1] of `show` (its view name
 * first: "curve 3 4", "roc m on iris.test"), built from the workspace and
 * the session's datasets. NULL after cmd_error(): an unknown view, wrong
 * arguments, no such run, model or dataset. Shared by `show`, `plot` and
 * `report`. The caller owns the view (view_show() or view_free()).
 */
struct view *show_view(struct session *s, int argc, char **argv);
/* The name of the I-th view of `show` ("curve", "eval" ...), NULL past the
 * last: for completion and help. */
const char *show_view_name(size_t i);

/*
 * Write the LEN bytes of DATA to the file PATH whole or not at all: into a
 * new temporary file beside it, then renamed over PATH (mode 0644). 0, or -1
 * after cmd_error() naming the command CMD and PATH ("plot: cannot write
 * 'out/x.svg': No such file or directory"); no temporary file is left.
 */
int view_write_file(struct session *s, const char *cmd, const char *path, const char *data,
                    size_t len);

/* Whether the folder of PATH exists and may be written to, before any work
 * is done for it: 0, or -1 after cmd_error() as view_write_file() says. */
int view_check_folder(struct session *s, const char *cmd, const char *path);

/* Whether PATH's name ends in EXT (".svg"), ignoring case, with a name before it. */
int view_has_extension(const char *path, const char *ext);

#endif
