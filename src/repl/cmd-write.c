/*
 * cmd-write.c - "write": a dataset (or predictions) to a CSV file.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/frame.h"
#include "core/numfmt.h"
#include "core/xalloc.h"
#include "repl/cmd.h"
#include "repl/session.h"

static void
field(FILE *fp, const char *s)
{
    if (*s != '\0' && strpbrk(s, ",\"\r\n") == NULL && s[0] != ' ' && s[strlen(s) - 1] != ' ') {
        fputs(s, fp);
        return;
    }
    fputc('"', fp);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', fp);
        fputc(*s, fp);
    }
    fputc('"', fp);
}

/* Write F as CSV to FP: header, then rows; numbers exact, missing as NA. */
static void
write_csv(FILE *fp, const struct aiwb_frame *f)
{
    size_t nc = frame_cols(f), n = frame_rows(f);
    char buf[NUMFMT_BUFSZ];

    for (size_t c = 0; c < nc; c++) {
        if (c)
            fputc(',', fp);
        field(fp, frame_col_name(f, c));
    }
    fputc('\n', fp);
    for (size_t r = 0; r < n; r++) {
        for (size_t c = 0; c < nc; c++) {
            if (c)
                fputc(',', fp);
            if (frame_is_missing(f, c, r))
                fputs("NA", fp);
            else if (frame_col_type(f, c) == AIWB_NUMERIC)
                fputs(numfmt_exact(buf, frame_numeric(f, c)[r]), fp);
            else
                field(fp, frame_level(f, c, frame_codes(f, c)[r]));
        }
        fputc('\n', fp);
    }
}

static enum cmd_retval
cmd_write_exec(struct session *s, int argc, char **argv)
{
    struct dataset *d = session_need_dataset(s, argv[0]);
    const char *path = argv[1];
    char *tmp;
    FILE *fp;
    int err;

    (void)argc;
    if (d == NULL)
        return CMD_ERROR;
    /* Write beside the target, then rename: a failure never leaves half a file. */
    tmp = xasprintf("%s.tmp%ld", path, (long)getpid());
    if ((fp = fopen(tmp, "w")) == NULL) {
        cmd_error(s, "cannot write '%s': %s", path, strerror(errno));
        free(tmp);
        return CMD_ERROR;
    }
    write_csv(fp, d->frame);
    err = ferror(fp) ? errno : 0;
    if (fclose(fp) != 0 && err == 0)
        err = errno ? errno : EIO;
    if (err == 0 && rename(tmp, path) != 0)
        err = errno;
    if (err != 0) {
        unlink(tmp);
        cmd_error(s, "cannot write '%s': %s", path, strerror(err));
        free(tmp);
        return CMD_ERROR;
    }
    free(tmp);
    output_say(&s->out, "wrote '%s': %zu rows to '%s'", d->name, frame_rows(d->frame), path);
    return CMD_OK;
}

const struct cmd_entry cmd_write_entry = {
    .name = "write",
    .usage = "write NAME PATH",
    .summary = "write a dataset (or predictions) to a CSV file",
    .help = "Numbers are written in their shortest exact form, so they read back\n"
            "bit for bit; missing values as NA.",
    .min_args = 2,
    .max_args = 2,
    .complete = {COMPLETE_DATASET, COMPLETE_FILE},
    .exec = cmd_write_exec,
};
