/*
 * tui.c - the full-screen interface: ncursesw panes around GNU readline's
 * callback interface, driven from one select() loop.
 *
 * How the pieces meet. Commands print to stdout and stderr as in every other
 * mode; here both descriptors are a pipe that a reader thread drains into the
 * output pane's scrollback, so no printing code knows about curses and a
 * command with a lot of output never blocks on a full pipe. Curses writes to
 * a duplicate of the terminal's descriptor. Keys are read by curses (keypad
 * on, so PgUp, F1 and resizing arrive as key codes); the ones meant for the
 * prompt are handed to readline one byte at a time through rl_getc_function,
 * arrows as the escape sequences readline binds; readline draws nothing
 * itself (rl_redisplay_function is ours). Background jobs (jobs.h) run on
 * worker threads; the loop wakes ten times a second while one runs to draw
 * its curve and the status line.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include "tui/tui.h"

#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#define NCURSES_WIDECHAR 1
#include <curses.h>
#include <readline/history.h>
#include <readline/readline.h>

#include "core/chart.h"
#include "core/strbuf.h"
#include "core/table.h"
#include "core/xalloc.h"
#include "repl/cmd.h"
#include "repl/complete.h"
#include "repl/jobs.h"
#include "repl/output.h"
#include "repl/repl.h"
#include "repl/session.h"
#include "repl/view.h"
#include "store/store.h"

#define SCROLLBACK 10000     /* lines the output pane keeps */
#define FRAME_NS 100000000L  /* redraw a live curve every 100 ms */
#define MIN_ROWS 10
#define MIN_COLS 40

const char tui_keys_help[] =
    "Keys of the full-screen interface\n"
    "  F6 or Ctrl-O     switch focus between the prompt and the view pane\n"
    "  PgUp, PgDn       scroll the output pane (the view pane when it has focus)\n"
    "  Up, Down         in the view pane: scroll by a line (Home, End: top, bottom)\n"
    "  Left, Right      in the view pane: scroll a wide table sideways\n"
    "  Esc or q         in the view pane: close the view\n"
    "  F1               this help, in the view pane\n"
    "  Ctrl-C           drop the line typed; at an empty prompt, stop the newest job\n"
    "  Ctrl-D           at an empty prompt, leave aiwb (as quit)\n"
    "  Ctrl-L           redraw the screen\n"
    "At the prompt, readline's keys work as in plain mode: history (Up, Down),\n"
    "Tab completion, Ctrl-R search, Ctrl-A, Ctrl-E, Ctrl-W and the rest.\n"
    "train, cv and tune run as background jobs: the view pane draws the newest\n"
    "job's curve while you type; `jobs` lists them, `stop [JOB]` cancels one.\n"
    "aiwb --plain starts the line interface instead; --ascii draws charts without\n"
    "Unicode; NO_COLOR=1 turns colours off.\n";

/* One rendered line of the view pane: cells as wide as the pane. */
struct vrow {
    struct chart_cell *cells;
    int w;
};

struct tui {
    struct session *s;
    SCREEN *scr;
    FILE *tty_out;
    int tty_fd;            /* the terminal, for curses and for restoring it */
    int saved_out, saved_err;
    struct termios saved_termios;
    int have_termios;
    cc_t intr_char;        /* the terminal's interrupt key (Ctrl-C) */
    int repaint;           /* a SIGINT may have cost the screen some output */
    int rows, cols;
    int colour;
    enum chart_glyphs glyphs;
    /* The output pane: a ring of lines filled by the reader thread. */
    pthread_t reader;
    int reader_started;
    int pipe_rd;
    int wake[2];
    pthread_mutex_t lock;
    char **lines;
    size_t first, count;
    struct strbuf partial;
    int scroll;            /* lines back from the newest */
    int out_rows, view_rows; /* the panes' heights at the last draw */
    int dirty;             /* new output since the last draw */
    /* The view pane: the view shown (NULL: the newest job's curve, if any). */
    struct view *view;
    struct vrow *vrows;
    size_t nvrows;
    int view_scroll;       /* rows scrolled; of a paged table, its first row shown */
    int view_hscroll;      /* columns scrolled to the right (wide tables) */
    int paged;             /* the view is a table read a page at a time */
    int64_t paged_total;
    int focus_view;
    int live_id;           /* the job whose curve is drawn, 0 none */
    uint64_t drawn_gen;
    /* Readline. */
    const char *histfile;
    char *typed;
    int typed_eof;
    const unsigned char *feed; /* the bytes of a key, handed to readline */
    int feed_len, feed_pos;
    FILE *devnull;
};

static struct tui *the_tui;   /* for readline's hooks and the signal handler */
static int resized;           /* curses said KEY_RESIZE */

/* ---- the output pane's scrollback ---- */

static void
push_line(struct tui *t, const char *text, size_t len)
{
    char *line = xmalloc(len + 1);

    memcpy(line, text, len);
    line[len] = '\0';
    if (t->count == SCROLLBACK) {
        free(t->lines[t->first]);
        t->lines[t->first] = line;
        t->first = (t->first + 1) % SCROLLBACK;
    } else {
        t->lines[(t->first + t->count) % SCROLLBACK] = line;
        t->count++;
    }
    if (t->scroll > 0)
        t->scroll++; /* keep looking at the same place */
}

/* Take BUF's bytes into the scrollback: '\n' ends a line, '\r' starts it
 * again (progress lines), ANSI escape sequences and other controls are left
 * out. Called with t->lock held. */
static void
take_output(struct tui *t, const char *buf, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)buf[i];

        if (c == '\n') {
            push_line(t, t->partial.len ? t->partial.buf : "", t->partial.len);
            strbuf_reset(&t->partial);
        } else if (c == '\r') {
            strbuf_reset(&t->partial);
        } else if (c == 0x1b) {
            /* CSI: ESC [ parameters final-byte */
            if (i + 1 < n && buf[i + 1] == '[') {
                i += 2;
                while (i < n && !((unsigned char)buf[i] >= 0x40 && (unsigned char)buf[i] <= 0x7e))
                    i++;
            }
        } else if (c == '\t') {
            do
                strbuf_addch(&t->partial, ' ');
            while (t->partial.len % 8 != 0);
        } else if (c >= 0x20 && c != 0x7f) {
            strbuf_addch(&t->partial, (char)c);
        }
    }
    t->dirty = 1;
}

static void
say(struct tui *t, const char *text)
{
    pthread_mutex_lock(&t->lock);
    take_output(t, text, strlen(text));
    pthread_mutex_unlock(&t->lock);
}

/* The reader thread: the commands' output, from the pipe into the scrollback. */
static void *
reader_main(void *arg)
{
    struct tui *t = arg;
    char buf[8192];
    ssize_t got;

    while ((got = read(t->pipe_rd, buf, sizeof buf)) != 0) {
        if (got < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        pthread_mutex_lock(&t->lock);
        take_output(t, buf, (size_t)got);
        pthread_mutex_unlock(&t->lock);
        if (write(t->wake[1], "", 1) < 0) {
            /* the loop wakes at its next tick anyway */
        }
    }
    return NULL;
}

/* ---- restoring the terminal on every way out ---- */

static void
restore_terminal_raw(void)
{
    static const char reset[] = "\033[0m\033[?25h\033[?1049l";
    struct tui *t = the_tui;

    if (t == NULL || t->tty_fd < 0)
        return;
    if (t->have_termios)
        tcsetattr(t->tty_fd, TCSAFLUSH, &t->saved_termios);
    if (write(t->tty_fd, reset, sizeof reset - 1) < 0) {
        /* nothing more to do in a dying process */
    }
}

static void
on_fatal(int sig)
{
    restore_terminal_raw();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void
catch_fatal(void)
{
    static const int sigs[] = {SIGTERM, SIGHUP, SIGQUIT, SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL};
    struct sigaction sa;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_fatal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND;
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaction(sigs[i], &sa, NULL);
}

static void
uncatch_fatal(void)
{
    static const int sigs[] = {SIGTERM, SIGHUP, SIGQUIT, SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL};

    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        signal(sigs[i], SIG_DFL);
}

/* ---- drawing ---- */

enum { PAIR_STATUS = 8, PAIR_FOCUS = 9, PAIR_SHADE = 10 /* .. 13 */ };

static void
init_colours(struct tui *t)
{
    static const short series[CHART_NCOLOURS] = {COLOR_BLUE, COLOR_RED, COLOR_GREEN,
                                                 COLOR_MAGENTA, COLOR_YELLOW, COLOR_CYAN};

    if (!t->colour || !has_colors()) {
        t->colour = 0;
        return;
    }
    start_color();
    use_default_colors();
    for (short i = 0; i < CHART_NCOLOURS; i++)
        init_pair((short)(i + 1), series[i], -1);
    init_pair(PAIR_STATUS, COLOR_BLACK, COLOR_CYAN);
    init_pair(PAIR_FOCUS, COLOR_BLACK, COLOR_YELLOW);
    if (COLORS >= 256) {
        static const short shade[4] = {153, 111, 69, 27};

        for (short i = 0; i < 4; i++)
            init_pair((short)(PAIR_SHADE + i), i < 2 ? COLOR_BLACK : COLOR_WHITE, shade[i]);
    } else {
        init_pair(PAIR_SHADE, -1, -1);
        init_pair(PAIR_SHADE + 1, COLOR_BLACK, COLOR_CYAN);
        init_pair(PAIR_SHADE + 2, COLOR_WHITE, COLOR_BLUE);
        init_pair(PAIR_SHADE + 3, COLOR_WHITE, COLOR_BLUE);
    }
}

static void
put_cell(struct tui *t, int y, int x, const struct chart_cell *c)
{
    wchar_t wc[2] = {(wchar_t)(c->ch != 0 ? c->ch : ' '), 0};
    attr_t attr = A_NORMAL;
    short pair = 0;
    cchar_t cc;

    if (c->shade > 0) {
        if (t->colour)
            pair = (short)(PAIR_SHADE + (c->shade > 4 ? 3 : c->shade - 1));
        else
            attr |= c->shade >= 3 ? A_REVERSE : A_DIM;
    } else if (c->colour == CHART_DIM) {
        attr |= A_DIM;
    } else if (c->colour >= CHART_SERIES1 && c->colour < CHART_SERIES1 + CHART_NCOLOURS &&
               t->colour) {
        pair = c->colour;
    }
    if (c->bold)
        attr |= A_BOLD;
    if (setcchar(&cc, wc, attr, pair, NULL) == OK)
        mvadd_wch(y, x, &cc);
}

/* Text at (Y, X), clipped to WIDTH columns; the columns used. */
static int
put_text(int y, int x, const char *text, int width)
{
    wchar_t wbuf[1024];
    mbstate_t st;
    const char *p = text;
    size_t n;
    int used = 0;

    memset(&st, 0, sizeof st);
    n = mbsrtowcs(wbuf, &p, sizeof wbuf / sizeof wbuf[0] - 1, &st);
    if (n == (size_t)-1) { /* not valid in this locale: show the bytes as they are */
        mvaddnstr(y, x, text, width);
        return (int)strlen(text) < width ? (int)strlen(text) : width;
    }
    wbuf[n] = 0;
    move(y, x);
    for (size_t i = 0; i < n; i++) {
        int w = wcwidth(wbuf[i]);

        if (w < 0)
            w = 1;
        if (used + w > width)
            break;
        addnwstr(&wbuf[i], 1);
        used += w;
    }
    return used;
}

/* The size of the panes: rows of the view pane (0: none) and of the output pane. */
static void
layout(const struct tui *t, int has_view, int *view_rows, int *out_rows)
{
    int body = t->rows - 2; /* status line and prompt */

    if (!has_view) {
        *view_rows = 0;
        *out_rows = body;
        return;
    }
    *view_rows = body * 55 / 100;
    if (*view_rows < 7)
        *view_rows = body - 3 > 7 ? 7 : body - 3;
    *out_rows = body - *view_rows;
}

static void
free_vrows(struct tui *t)
{
    for (size_t i = 0; i < t->nvrows; i++)
        free(t->vrows[i].cells);
    free(t->vrows);
    t->vrows = NULL;
    t->nvrows = 0;
}

static void
add_vrow(struct tui *t, const struct chart_cell *cells, int w)
{
    struct vrow *r;

    t->vrows = xrealloc(t->vrows, (t->nvrows + 1) * sizeof *t->vrows);
    r = &t->vrows[t->nvrows++];
    r->w = w;
    r->cells = xcalloc((size_t)(w > 0 ? w : 1), sizeof *r->cells);
    if (cells != NULL)
        memcpy(r->cells, cells, (size_t)w * sizeof *cells);
    else
        for (int i = 0; i < w; i++)
            r->cells[i].ch = ' ';
}

/* A text line as a row of cells (one per character; wide ones take two). */
static void
add_text_vrow(struct tui *t, const char *text, size_t len, int w, int bold)
{
    struct chart_cell *cells = xcalloc((size_t)w, sizeof *cells);
    mbstate_t st;
    size_t i = 0;
    int x = 0, skip = t->paged ? t->view_hscroll : 0;

    memset(&st, 0, sizeof st);
    for (int k = 0; k < w; k++)
        cells[k].ch = ' ';
    while (i < len && x < w) {
        wchar_t wc;
        size_t got = mbrtowc(&wc, text + i, len - i, &st);

        if (got == (size_t)-1 || got == (size_t)-2) {
            wc = (unsigned char)text[i];
            got = 1;
            memset(&st, 0, sizeof st);
        } else if (got == 0) {
            break;
        }
        if (skip > 0) { /* scrolled off to the left */
            skip -= wcwidth(wc) == 2 ? 2 : 1;
            i += got;
            continue;
        }
        cells[x].ch = (uint32_t)wc;
        cells[x].bold = (uint8_t)bold;
        x += wcwidth(wc) == 2 && x + 1 < w ? 2 : 1;
        if (wcwidth(wc) == 2 && x - 1 < w)
            cells[x - 1].ch = 0; /* the second half of a wide character */
        i += got;
    }
    add_vrow(t, cells, w);
    free(cells);
}

static void
add_text_block(struct tui *t, const char *text, int w)
{
    const char *p = text;

    while (*p != '\0') {
        const char *nl = strchr(p, '\n');
        size_t len = nl != NULL ? (size_t)(nl - p) : strlen(p);

        add_text_vrow(t, p, len, w, 0);
        p += len + (nl != NULL);
    }
}

/* A table as aligned text, through the output layer; WIDTH 0: one block of
 * columns however wide (the pane scrolls sideways). */
static char *
table_as_text(const struct tui *t, const struct aiwb_table *tab, int width)
{
    struct output out;
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);

    if (fp == NULL)
        return xstrdup("(cannot show the table: out of memory)\n");
    output_init(&out, OUTPUT_TABLE);
    out.data = out.msg = out.err = fp;
    out.width = width;
    out.ascii = t->s->out.ascii;
    output_table(&out, tab);
    fclose(fp);
    return buf;
}

static void
add_chart(struct tui *t, const struct chart *c, int w, int h)
{
    struct canvas *cv = canvas_new(w, h);

    chart_draw(c, cv, t->glyphs);
    for (int y = 0; y < cv->h; y++)
        add_vrow(t, cv->cells + (size_t)y * (size_t)cv->w, cv->w);
    canvas_free(cv);
}

/* Render the view (or the live curve) into rows of cells WIDTH wide; charts
 * take the pane's height HEIGHT so one fits without scrolling. */
/* The rows of paged table PG that fit HEIGHT rows under its header, from row
 * t->view_scroll: one indexed query a draw, never the whole table. */
static void
render_pages(struct tui *t, const struct view_pages *pg, int width, int height)
{
    struct aiwb_table *tab = table_new(NULL);
    int rows = height > 2 ? height - 1 : 1;
    char *cause = NULL, *text;

    t->paged = 1;
    t->paged_total = pg->total;
    if (t->view_scroll > pg->total - rows)
        t->view_scroll = pg->total - rows > 0 ? (int)(pg->total - rows) : 0;
    if (pg->fetch(pg->ctx, t->view_scroll, rows, tab, &cause) < 0) {
        add_text_block(t, cause != NULL ? cause : "cannot read the table", width);
        free(cause);
    } else {
        text = table_as_text(t, tab, 0);
        add_text_block(t, text, width);
        free(text);
    }
    table_free(tab);
}

static void
render_view(struct tui *t, int width, int height)
{
    free_vrows(t);
    t->paged = 0;
    if (t->view != NULL) {
        for (size_t i = 0; i < t->view->n; i++)
            if (t->view->blocks[i].pages != NULL && t->view->blocks[i].table == NULL) {
                render_pages(t, t->view->blocks[i].pages, width, height);
                return; /* a paged table has the pane to itself */
            }
        for (size_t i = 0; i < t->view->n; i++) {
            const struct view_block *b = &t->view->blocks[i];

            if (b->kind == VIEW_TEXT) {
                add_text_block(t, b->text, width);
            } else if (b->kind == VIEW_TABLE) {
                char *text = table_as_text(t, b->table, width);

                add_text_block(t, text, width);
                free(text);
            } else {
                add_chart(t, b->chart, width, height > 6 ? height : 6);
            }
            if (i + 1 < t->view->n)
                add_vrow(t, NULL, width);
        }
        return;
    }
    if (t->live_id > 0) {
        struct chart *c = jobs_curve(t->live_id);

        if (c != NULL) {
            add_chart(t, c, width, height);
            chart_free(c);
        } else {
            add_text_vrow(t, "waiting for the first iteration...", 34, width, 0);
        }
    }
}

/* The title of the view pane. */
static char *
view_title(const struct tui *t)
{
    if (t->view != NULL)
        return xstrdup(t->view->title != NULL ? t->view->title : "view");
    if (t->live_id > 0) {
        struct job_info *v;
        size_t n;
        char *title = NULL;

        v = jobs_list(&n);
        for (size_t i = 0; i < n; i++)
            if (v[i].id == t->live_id)
                title = xasprintf("job %d%s: %s%s%s", v[i].id,
                                  v[i].running ? (v[i].stopping ? " (stopping)" : "") : " (ended)",
                                  v[i].command, *v[i].title ? " - " : "", v[i].title);
        jobs_info_free(v, n);
        if (title != NULL)
            return title;
        return xasprintf("job %d", t->live_id);
    }
    return xstrdup("");
}

static void
draw_view(struct tui *t, int top, int rows)
{
    char *title = view_title(t);
    int body = rows - 1;

    render_view(t, t->cols, body);
    if (!t->paged && t->view_scroll > (int)t->nvrows - body)
        t->view_scroll = (int)t->nvrows - body > 0 ? (int)t->nvrows - body : 0;
    move(top, 0);
    clrtoeol();
    attron(A_BOLD | (t->focus_view && t->colour ? COLOR_PAIR(PAIR_FOCUS) : 0) |
           (t->focus_view && !t->colour ? A_REVERSE : 0));
    put_text(top, 0, title, t->cols);
    attroff(A_BOLD | A_REVERSE | (t->colour ? COLOR_PAIR(PAIR_FOCUS) : 0));
    if (t->view != NULL && !t->focus_view) {
        static const char hint[] = " (F6: scroll, q: close)";
        int used = (int)strlen(title);

        if (used + (int)sizeof hint < t->cols / 2 + 20)
            put_text(top, used, hint, t->cols - used);
    }
    if (t->paged || (int)t->nvrows > body) {
        int64_t total = t->paged ? t->paged_total : (int64_t)t->nvrows;
        int64_t shown = t->paged ? (int64_t)t->nvrows - 1 : body;
        char more[64];

        snprintf(more, sizeof more, " %s%d-%lld of %lld ", t->paged ? "rows " : "",
                 t->view_scroll + 1,
                 (long long)(t->view_scroll + shown < total ? t->view_scroll + shown : total),
                 (long long)total);
        if ((int)strlen(more) < t->cols)
            mvaddstr(top, t->cols - (int)strlen(more), more);
    }
    free(title);
    for (int y = 0; y < body; y++) {
        size_t r = (size_t)((t->paged ? 0 : t->view_scroll) + y);

        move(top + 1 + y, 0);
        clrtoeol();
        if (r >= t->nvrows)
            continue;
        for (int x = 0; x < t->vrows[r].w && x < t->cols; x++)
            if (t->vrows[r].cells[x].ch != 0)
                put_cell(t, top + 1 + y, x, &t->vrows[r].cells[x]);
    }
}

/*
 * Where LINE breaks to fit COLS columns: *STARTS gets the byte offset of each
 * piece and, last, the line's length (a new array); the number of pieces (at
 * least 1). Columns are counted with wcwidth, so a multibyte character is
 * never split and a wide one takes two.
 */
static size_t
wrap_line(const char *line, int cols, size_t **starts)
{
    size_t len = strlen(line), n = 1, alloc = 4, i = 0;
    size_t *v = xmalloc(alloc * sizeof *v);
    mbstate_t st;
    int used = 0;

    memset(&st, 0, sizeof st);
    v[0] = 0;
    while (i < len) {
        wchar_t wc;
        size_t got = mbrtowc(&wc, line + i, len - i, &st);
        int w;

        if (got == (size_t)-1 || got == (size_t)-2 || got == 0) {
            got = 1; /* a stray byte: one column */
            w = 1;
            memset(&st, 0, sizeof st);
        } else {
            w = wcwidth(wc) < 0 ? 1 : wcwidth(wc);
        }
        if (used + w > cols && used > 0) {
            if (n + 1 >= alloc)
                v = xrealloc(v, (alloc *= 2) * sizeof *v);
            v[n++] = i;
            used = 0;
        }
        used += w;
        i += got;
    }
    if (n + 1 > alloc)
        v = xrealloc(v, (n + 1) * sizeof *v);
    v[n] = len;
    *starts = v;
    return n;
}

/* The output pane: the newest lines (less SCROLL), wrapped to the width. */
static void
draw_output(struct tui *t, int top, int rows)
{
    char **shown = xcalloc((size_t)rows, sizeof *shown);
    int filled = 0;
    size_t back;

    pthread_mutex_lock(&t->lock);
    if (t->scroll > (int)t->count - 1)
        t->scroll = t->count > 0 ? (int)t->count - 1 : 0;
    back = (size_t)t->scroll;
    /* From the newest line shown upwards, each line's wrapped pieces. */
    for (size_t k = back; k < t->count && filled < rows; k++) {
        const char *line = t->lines[(t->first + t->count - 1 - k) % SCROLLBACK];
        size_t *starts, npieces = wrap_line(line, t->cols, &starts);

        for (size_t p = npieces; p-- > 0 && filled < rows;)
            shown[filled++] = xstrndup(line + starts[p], starts[p + 1] - starts[p]);
        free(starts);
    }
    t->dirty = 0;
    pthread_mutex_unlock(&t->lock);
    for (int y = 0; y < rows; y++) {
        int row = top + rows - 1 - y;

        move(row, 0);
        clrtoeol();
        if (y < filled)
            put_text(row, 0, shown[y], t->cols);
    }
    if (t->scroll > 0) {
        char more[40];

        snprintf(more, sizeof more, " %d lines below (PgDn) ", t->scroll);
        attron(A_REVERSE);
        mvaddstr(top + rows - 1, t->cols - (int)strlen(more) > 0 ? t->cols - (int)strlen(more) : 0,
                 more);
        attroff(A_REVERSE);
    }
    for (int i = 0; i < filled; i++)
        free(shown[i]);
    free(shown);
}

static void
draw_status(struct tui *t, int row)
{
    struct strbuf sb = STRBUF_INIT;
    struct job_info *v;
    size_t n, running = 0;

    strbuf_addf(&sb, " %s", store_path(t->s->store));
    v = jobs_list(&n);
    for (size_t i = 0; i < n; i++) {
        if (!v[i].running)
            continue;
        running++;
        if (running == 1) {
            unsigned secs = (unsigned)v[i].elapsed;

            strbuf_addf(&sb, " | job %d: %.40s%s | %u:%02u | %lld it", v[i].id, v[i].command,
                        strlen(v[i].command) > 40 ? "..." : "", secs / 60, secs % 60,
                        (long long)v[i].iterations);
            if (v[i].rate > 0)
                strbuf_addf(&sb, ", %.4g it/s", v[i].rate);
            if (*v[i].title)
                strbuf_addf(&sb, " | %s", v[i].title);
            if (v[i].stopping)
                strbuf_adds(&sb, " | stopping");
        }
    }
    if (running > 1)
        strbuf_addf(&sb, " | %zu jobs", running);
    if (running == 0 && n > 0)
        strbuf_adds(&sb, " | no job running");
    strbuf_adds(&sb, t->focus_view ? " | focus: view (F6)" : "");
    strbuf_adds(&sb, " | F1 keys");
    jobs_info_free(v, n);
    move(row, 0);
    attron(t->colour ? COLOR_PAIR(PAIR_STATUS) : A_REVERSE);
    for (int x = 0; x < t->cols; x++)
        mvaddch(row, x, ' ');
    put_text(row, 0, strbuf_str(&sb), t->cols);
    attroff(t->colour ? COLOR_PAIR(PAIR_STATUS) : A_REVERSE);
    strbuf_release(&sb);
}

/* The prompt line: readline's prompt and buffer, scrolled so the cursor shows. */
static void
draw_prompt(struct tui *t)
{
    const char *prompt = rl_display_prompt != NULL ? rl_display_prompt : "";
    int row = t->rows - 1, pw, cur, start = 0;
    wchar_t wbuf[4096];
    char *upto;
    size_t n;

    move(row, 0);
    clrtoeol();
    pw = put_text(row, 0, prompt, t->cols - 1);
    upto = xstrndup(rl_line_buffer, (size_t)rl_point);
    n = mbstowcs(wbuf, upto, sizeof wbuf / sizeof wbuf[0] - 1);
    cur = n == (size_t)-1 ? rl_point : wcswidth(wbuf, n);
    if (cur < 0)
        cur = (int)n;
    free(upto);
    if (pw + cur >= t->cols - 1)
        start = pw + cur - (t->cols - 2);
    {
        /* skip START columns of the line (by characters) */
        mbstate_t st;
        const char *p = rl_line_buffer;
        int skipped = 0;

        memset(&st, 0, sizeof st);
        while (*p != '\0' && skipped < start) {
            wchar_t wc;
            size_t got = mbrtowc(&wc, p, strlen(p), &st);

            if (got == (size_t)-1 || got == (size_t)-2 || got == 0)
                got = 1;
            skipped += wcwidth(wc) > 0 ? wcwidth(wc) : 1;
            p += got;
        }
        put_text(row, pw, p, t->cols - pw);
        move(row, pw + cur - start < t->cols ? pw + cur - start : t->cols - 1);
    }
}

static void
draw(struct tui *t, int full)
{
    int view_rows, out_rows;
    int has_view = t->view != NULL || t->live_id > 0;

    getmaxyx(stdscr, t->rows, t->cols);
    if (full)
        clear();
    if (t->rows < 4 || t->cols < 10) {
        erase();
        mvaddstr(0, 0, "aiwb: window too small");
        refresh();
        return;
    }
    layout(t, has_view, &view_rows, &out_rows);
    t->out_rows = out_rows;
    t->view_rows = view_rows;
    if (view_rows > 0)
        draw_view(t, 0, view_rows);
    draw_output(t, view_rows, out_rows);
    draw_status(t, t->rows - 2);
    draw_prompt(t);
    if (t->focus_view)
        curs_set(0);
    else
        curs_set(1);
    refresh();
    t->drawn_gen = jobs_generation();
}

/* ---- readline's hooks ---- */

static int
rl_getc_hook(FILE *fp)
{
    struct tui *t = the_tui;

    (void)fp;
    if (t->feed_pos < t->feed_len)
        return t->feed[t->feed_pos++];
    return EOF;
}

static int
rl_available_hook(void)
{
    return the_tui->feed_pos < the_tui->feed_len;
}

static void
rl_redisplay_hook(void)
{
    draw_prompt(the_tui);
    refresh();
}

static void
rl_prep_hook(int meta)
{
    (void)meta; /* curses owns the terminal's modes */
}

static void
rl_deprep_hook(void)
{
}

static void
on_line(char *line)
{
    if (line == NULL)
        the_tui->typed_eof = 1;
    else
        the_tui->typed = line;
}

/* Tab with several matches: list them in the output pane, as readline would
 * below the prompt. */
static void
show_matches(char **matches, int n, int longest)
{
    struct tui *t = the_tui;
    struct strbuf sb = STRBUF_INIT;
    int per = t->cols / (longest + 2) > 0 ? t->cols / (longest + 2) : 1;

    for (int i = 1; i <= n; i++) {
        strbuf_addf(&sb, "%-*s", longest + 2, matches[i]);
        if (i % per == 0 || i == n)
            strbuf_addch(&sb, '\n');
    }
    say(t, strbuf_str(&sb));
    strbuf_release(&sb);
    draw(t, 0);
}

/* Hand the bytes of a key to readline. */
static void
feed_bytes(struct tui *t, const char *bytes, size_t n)
{
    t->feed = (const unsigned char *)bytes;
    t->feed_len = (int)n;
    t->feed_pos = 0;
    while (t->feed_pos < t->feed_len && t->typed == NULL && !t->typed_eof)
        rl_callback_read_char();
    t->feed = NULL;
    t->feed_len = t->feed_pos = 0;
}

static void
feed_key(struct tui *t, int is_key, wint_t k)
{
    static const struct {
        int key;
        const char *seq;
    } keys[] = {
        {KEY_UP, "\033[A"},   {KEY_DOWN, "\033[B"}, {KEY_RIGHT, "\033[C"}, {KEY_LEFT, "\033[D"},
        {KEY_HOME, "\033[H"}, {KEY_END, "\033[F"},  {KEY_DC, "\033[3~"},   {KEY_BACKSPACE, "\177"},
        {KEY_ENTER, "\r"},
    };

    if (is_key) {
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
            if (keys[i].key == (int)k) {
                feed_bytes(t, keys[i].seq, strlen(keys[i].seq));
                return;
            }
        return; /* a key readline has no use for */
    }
    {
        char mb[MB_LEN_MAX];
        mbstate_t st;
        size_t n;

        memset(&st, 0, sizeof st);
        n = wcrtomb(mb, (wchar_t)k, &st);
        if (n != (size_t)-1)
            feed_bytes(t, mb, n);
    }
}

/* ---- the view pane ---- */

static void
tui_show(struct session *s, struct view *v)
{
    struct tui *t = s->tui;

    view_free(t->view);
    t->view = v;
    t->view_scroll = 0;
    t->view_hscroll = 0;
    t->live_id = 0;
}

/* The newest running job's number, or 0. */
static int
newest_running(void)
{
    struct job_info *v;
    size_t n;
    int id = 0;

    v = jobs_list(&n);
    for (size_t i = 0; i < n; i++)
        if (v[i].running)
            id = v[i].id;
    jobs_info_free(v, n);
    return id;
}

/* Close the view; the pane goes back to a running job's curve, if any. */
static void
close_view(struct tui *t)
{
    view_free(t->view);
    t->view = NULL;
    t->live_id = t->view == NULL && t->s->tui != NULL ? newest_running() : 0;
    t->focus_view = 0;
    t->view_scroll = 0;
}

static void
show_keys(struct tui *t)
{
    struct view *v = view_new("keys (Esc or q closes; F6 back to the prompt)");

    view_text(v, tui_keys_help);
    tui_show(t->s, v);
    t->focus_view = 1;
}

/* A key pressed while the view pane has focus; whether it was used. */
static int
view_key(struct tui *t, int is_key, wint_t k)
{
    int page = t->view_rows > 3 ? t->view_rows - 2 : 1;

    if (!is_key && k == 27) {
        wint_t next;

        /* A lone Esc closes the view; an escape sequence curses did not know
         * (a terminal whose TERM says otherwise) is swallowed whole. */
        if (get_wch(&next) == ERR) {
            close_view(t);
        } else {
            while (!(next >= 0x40 && next <= 0x7e && next != '[' && next != 'O') &&
                   get_wch(&next) != ERR)
                ;
        }
        return 1;
    }
    if (!is_key && k == 'q') {
        close_view(t);
        return 1;
    }
    if (!is_key)
        return 0;
    switch (k) {
    case KEY_UP:
        t->view_scroll = t->view_scroll > 0 ? t->view_scroll - 1 : 0;
        return 1;
    case KEY_DOWN:
        t->view_scroll++;
        return 1;
    case KEY_PPAGE:
        t->view_scroll = t->view_scroll > page ? t->view_scroll - page : 0;
        return 1;
    case KEY_NPAGE:
        t->view_scroll += page;
        return 1;
    case KEY_HOME:
        t->view_scroll = 0;
        t->view_hscroll = 0;
        return 1;
    case KEY_END:
        t->view_scroll = INT_MAX / 2; /* drawing brings it back to the last page */
        return 1;
    case KEY_LEFT:
        t->view_hscroll = t->view_hscroll > 8 ? t->view_hscroll - 8 : 0;
        return 1;
    case KEY_RIGHT:
        t->view_hscroll += 8;
        return 1;
    default:
        return 0;
    }
}

/* ---- the loop ---- */

/* At the prompt, Ctrl-C is a key, read in order with the keys typed before
 * and after it. As a signal it would make the terminal throw away what is
 * queued both ways: the keys not read yet, which the prompt would otherwise
 * see after the interrupt, and the screen updates not shown yet, which would
 * leave curses drawing over a screen it no longer knows. While a command runs
 * in the foreground Ctrl-C is SIGINT again, which the command polls. */
static void
intr_is_key(struct tui *t, int yes)
{
    struct termios tio;

    if (t->intr_char == _POSIX_VDISABLE || tcgetattr(STDIN_FILENO, &tio) != 0)
        return;
    tio.c_cc[VINTR] = yes ? _POSIX_VDISABLE : t->intr_char;
    tcsetattr(STDIN_FILENO, TCSANOW, &tio);
    def_prog_mode(); /* what curses restores after Ctrl-Z */
}

/* Ctrl-C: drop the line typed, or stop the newest job at an empty prompt. */
static void
on_interrupt(struct tui *t)
{
    if (rl_end > 0) {
        rl_free_line_state();
        rl_callback_sigcleanup();
        rl_replace_line("", 0);
        rl_point = 0;
        return;
    }
    {
        int id = jobs_stop(0);

        if (id > 0) {
            char msg[96];

            snprintf(msg, sizeof msg, "stopping job %d after its current step\n", id);
            say(t, msg);
        } else {
            say(t, "(nothing to stop; quit or Ctrl-D leaves aiwb)\n");
        }
    }
}

/* A key from curses: the interface's own keys, else the prompt's. */
static void
on_key(struct tui *t, int is_key, wint_t k)
{
    int page = t->out_rows > 2 ? t->out_rows - 1 : 1;

    if (is_key && k == KEY_RESIZE) {
        resized = 1;
        return;
    }
    if ((is_key && k == KEY_F(6)) || (!is_key && k == 0x0f /* Ctrl-O */)) {
        if (t->view != NULL || t->live_id > 0)
            t->focus_view = !t->focus_view;
        return;
    }
    if (is_key && k == KEY_F(1)) {
        show_keys(t);
        return;
    }
    if (!is_key && t->intr_char != _POSIX_VDISABLE && k == t->intr_char) {
        on_interrupt(t);
        return;
    }
    if (!is_key && k == 0x0c /* Ctrl-L */) {
        draw(t, 1);
        return;
    }
    if (t->focus_view && view_key(t, is_key, k))
        return;
    if (is_key && k == KEY_PPAGE) {
        pthread_mutex_lock(&t->lock);
        t->scroll += page;
        pthread_mutex_unlock(&t->lock);
        return;
    }
    if (is_key && k == KEY_NPAGE) {
        pthread_mutex_lock(&t->lock);
        t->scroll = t->scroll > page ? t->scroll - page : 0;
        pthread_mutex_unlock(&t->lock);
        return;
    }
    if (t->focus_view) /* typing goes to the prompt again */
        t->focus_view = 0;
    feed_key(t, is_key, k);
}

/* Run the line the user typed; whether to go on. */
static int
run_typed(struct tui *t)
{
    char *line = t->typed;
    enum cmd_retval rc = CMD_OK;

    t->typed = NULL;
    /* As in plain mode: readline starts afresh after each line (its history
     * position included). */
    rl_callback_handler_remove();
    pthread_mutex_lock(&t->lock);
    t->scroll = 0;
    pthread_mutex_unlock(&t->lock);
    if (line[strspn(line, " \t")] != '\0') {
        struct strbuf echo = STRBUF_INIT;

        strbuf_addf(&echo, "aiwb> %s\n", line);
        say(t, strbuf_str(&echo));
        strbuf_release(&echo);
        repl_history_add(t->histfile, line);
        draw(t, 0);
        jobs_lock();
        intr_is_key(t, 0);
        rc = repl_run_line(t->s, line);
        intr_is_key(t, 1);
        fflush(stdout);
        fflush(stderr);
        jobs_unlock();
        if (session_interrupted)
            t->repaint = 1;
        session_interrupted = 0;
        /* a new job's curve takes the view pane unless a view is open */
        if (t->view == NULL && newest_running() > 0)
            t->live_id = newest_running();
    }
    free(line);
    if (rc != CMD_EXIT)
        rl_callback_handler_install("aiwb> ", on_line);
    return rc != CMD_EXIT;
}

/* Give the output that is still in the pipe a moment to arrive. */
static void
settle_output(struct tui *t)
{
    struct timespec ts = {0, 2000000};

    nanosleep(&ts, NULL);
    (void)t;
}

static int
loop(struct tui *t)
{
    int go = 1;

    while (go && !t->typed_eof) {
        fd_set in;
        struct timeval tv = {0, FRAME_NS / 1000};
        int busy = jobs_running() > 0, n, maxfd;

        FD_ZERO(&in);
        FD_SET(STDIN_FILENO, &in);
        FD_SET(t->wake[0], &in);
        maxfd = t->wake[0] > STDIN_FILENO ? t->wake[0] : STDIN_FILENO;
        /* one wake-up a second keeps the status line's clock going */
        if (!busy)
            tv.tv_sec = 1, tv.tv_usec = 0;
        n = select(maxfd + 1, &in, NULL, NULL, &tv);
        if (n < 0 && errno != EINTR)
            break;
        if (session_interrupted) { /* a SIGINT from elsewhere (kill -INT) */
            session_interrupted = 0;
            t->repaint = 1;
            on_interrupt(t);
        }
        if (n > 0 && FD_ISSET(t->wake[0], &in)) {
            char buf[256];

            while (read(t->wake[0], buf, sizeof buf) > 0)
                ;
        }
        /* Keys, and KEY_RESIZE after SIGWINCH interrupted select(). */
        {
            wint_t k;
            int got, pending = 0;

            /* Readable with nothing to read: the terminal hung up (its
             * window closed without SIGHUP reaching us). Leave as Ctrl-D. */
            if (n > 0 && FD_ISSET(STDIN_FILENO, &in) &&
                ioctl(STDIN_FILENO, FIONREAD, &pending) == 0 && pending == 0) {
                t->typed_eof = 1;
                break;
            }
            while ((got = get_wch(&k)) != ERR) {
                on_key(t, got == KEY_CODE_YES, k);
                if (t->typed != NULL) {
                    go = run_typed(t);
                    settle_output(t);
                    if (!go)
                        break;
                }
                if (t->typed_eof)
                    break;
            }
        }
        jobs_reap(); /* a finished job's curve stays until the next view or job */
        {
            int dirty;

            pthread_mutex_lock(&t->lock);
            dirty = t->dirty;
            pthread_mutex_unlock(&t->lock);
            /* Draw on a key, new output, a job's step, a resize; while a job
             * runs, at every tick (its clock); idle, not at all. */
            if (n != 0 || dirty || busy || resized || t->repaint ||
                jobs_generation() != t->drawn_gen)
                draw(t, resized || t->repaint);
        }
        resized = 0;
        t->repaint = 0;
    }
    return go; /* 0 after quit: readline's handler is already removed */
}

/* ---- starting and leaving ---- */

static int
start(struct tui *t, char **why)
{
    sigset_t all, old;
    int p[2];

    t->tty_fd = dup(STDOUT_FILENO);
    if (t->tty_fd < 0 || (t->tty_out = fdopen(t->tty_fd, "w")) == NULL) {
        *why = xasprintf("cannot open the terminal: %s", strerror(errno));
        return -1;
    }
    fcntl(t->tty_fd, F_SETFD, FD_CLOEXEC);
    t->have_termios = tcgetattr(STDIN_FILENO, &t->saved_termios) == 0;
    if ((t->scr = newterm(NULL, t->tty_out, stdin)) == NULL) {
        *why = xasprintf("no terminal description for TERM=%s", getenv("TERM") ? getenv("TERM")
                                                                               : "(unset)");
        return -1;
    }
    getmaxyx(stdscr, t->rows, t->cols);
    if (t->rows < MIN_ROWS || t->cols < MIN_COLS) {
        endwin();
        delscreen(t->scr);
        t->scr = NULL;
        *why = xasprintf("the terminal is %dx%d; the full-screen interface needs %dx%d",
                         t->cols, t->rows, MIN_COLS, MIN_ROWS);
        return -1;
    }
    cbreak(); /* Ctrl-Z stays a signal; Ctrl-C is one only while a command runs */
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    set_escdelay(50);
    init_colours(t);
    t->intr_char = t->have_termios ? t->saved_termios.c_cc[VINTR] : _POSIX_VDISABLE;
    intr_is_key(t, 1);
    /* From here the commands' output goes to the output pane. */
    if (pipe(p) < 0 || pipe(t->wake) < 0) {
        endwin();
        *why = xasprintf("cannot make a pipe: %s", strerror(errno));
        return -1;
    }
    fcntl(t->wake[0], F_SETFL, O_NONBLOCK);
    fcntl(t->wake[1], F_SETFL, O_NONBLOCK);
    fflush(stdout);
    fflush(stderr);
    t->saved_out = dup(STDOUT_FILENO);
    t->saved_err = dup(STDERR_FILENO);
    dup2(p[1], STDOUT_FILENO);
    dup2(p[1], STDERR_FILENO);
    close(p[1]);
    t->pipe_rd = p[0];
    setvbuf(stdout, NULL, _IOLBF, 0);
    /* Signals are the loop's (Ctrl-C, resizing): the reader blocks them all. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    if (pthread_create(&t->reader, NULL, reader_main, t) == 0)
        t->reader_started = 1;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    repl_wake_on_interrupt(t->wake[1]);
    return 0;
}

static void
finish(struct tui *t)
{
    repl_wake_on_interrupt(-1);
    fflush(stdout);
    fflush(stderr);
    if (t->scr != NULL) {
        endwin();
        delscreen(t->scr);
    }
    /* Give the terminal back to stdout and stderr: the pipe's writers close,
     * the reader sees its end. */
    if (t->saved_out >= 0) {
        dup2(t->saved_out, STDOUT_FILENO);
        close(t->saved_out);
    }
    if (t->saved_err >= 0) {
        dup2(t->saved_err, STDERR_FILENO);
        close(t->saved_err);
    }
    if (t->reader_started)
        pthread_join(t->reader, NULL);
    if (t->pipe_rd >= 0)
        close(t->pipe_rd);
    if (t->wake[0] >= 0) {
        close(t->wake[0]);
        close(t->wake[1]);
    }
    if (t->tty_out != NULL)
        fclose(t->tty_out);
    t->tty_fd = -1;
}

int
tui_run(struct session *s, void (*greet)(struct session *s, void *arg), void *arg,
        const char *histfile)
{
    struct tui t;
    char *why = NULL;
    size_t stopped;

    memset(&t, 0, sizeof t);
    t.s = s;
    t.saved_out = t.saved_err = t.pipe_rd = t.wake[0] = t.wake[1] = t.tty_fd = -1;
    t.histfile = histfile;
    t.colour = getenv("NO_COLOR") == NULL || *getenv("NO_COLOR") == '\0';
    t.glyphs = s->out.ascii || strcmp(nl_langinfo(CODESET), "UTF-8") != 0 ? GLYPHS_ASCII
                                                                          : GLYPHS_BRAILLE;
    t.lines = xcalloc(SCROLLBACK, sizeof *t.lines);
    pthread_mutex_init(&t.lock, NULL);
    the_tui = &t;
    if (start(&t, &why) < 0) {
        fprintf(stderr, "aiwb: %s; using the line interface\n", why);
        free(why);
        if (t.tty_out != NULL)
            fclose(t.tty_out);
        free(t.lines);
        the_tui = NULL;
        return -1;
    }
    catch_fatal();
    s->tui = &t;
    s->show = tui_show;
    s->colour = 0;   /* the pane shows text; colour is the view pane's */
    if (greet != NULL) {
        jobs_lock();
        greet(s, arg);
        fflush(stdout);
        jobs_unlock();
    }

    t.devnull = fopen("/dev/null", "w");
    rl_readline_name = "aiwb";
    rl_catch_signals = 0;
    rl_catch_sigwinch = 0;
    rl_change_environment = 0;
    rl_instream = stdin;
    rl_outstream = t.devnull != NULL ? t.devnull : stderr;
    rl_getc_function = rl_getc_hook;
    rl_input_available_hook = rl_available_hook;
    rl_redisplay_function = rl_redisplay_hook;
    rl_prep_term_function = rl_prep_hook;
    rl_deprep_term_function = rl_deprep_hook;
    rl_completion_display_matches_hook = show_matches;
    complete_init(s);
    repl_history_start(histfile);
    rl_callback_handler_install("aiwb> ", on_line);
    draw(&t, 1);

    if (loop(&t) != 0)
        rl_callback_handler_remove();
    if (histfile != NULL)
        history_truncate_file(histfile, 2000);
    stopped = jobs_running();
    jobs_shutdown(); /* each stops after its step; train keeps its model */
    s->tui = NULL;
    s->show = NULL;
    close_view(&t);
    free_vrows(&t);
    uncatch_fatal();
    finish(&t);
    pthread_mutex_lock(&t.lock);
    for (size_t i = 0; i < t.count; i++)
        free(t.lines[(t.first + i) % SCROLLBACK]);
    pthread_mutex_unlock(&t.lock);
    free(t.lines);
    strbuf_release(&t.partial);
    free(t.typed);
    if (t.devnull != NULL)
        fclose(t.devnull);
    pthread_mutex_destroy(&t.lock);
    the_tui = NULL;
    if (stopped > 0)
        fprintf(stderr, "aiwb: stopped %zu running job%s on leaving (`runs` shows %s cancelled)\n",
                stopped, stopped == 1 ? "" : "s", stopped == 1 ? "it" : "them");
    return 0;
}
