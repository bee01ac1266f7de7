/*
 * log.c - the one place messages from the core and from plugins go through.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include "core/log.h"

#include <stdio.h>
#include <stdlib.h>

#include "core/xalloc.h"

static log_sink_fn *sink;
static void *sink_arg;
static enum aiwb_log_level min_level = AIWB_LOG_INFO;

void
log_set_sink(log_sink_fn *fn, void *arg, enum aiwb_log_level level)
{
    sink = fn;
    sink_arg = arg;
    min_level = level;
}

void
log_vmsg(enum aiwb_log_level level, const char *fmt, va_list ap)
{
    char *msg;

    if (level < min_level)
        return;
    msg = xvasprintf(fmt, ap);
    if (sink != NULL)
        sink(sink_arg, level, msg);
    else
        fprintf(stderr, "aiwb: %s%s\n",
                level >= AIWB_LOG_ERROR  ? "error: "
                : level == AIWB_LOG_WARN ? "warning: "
                                         : "",
                msg);
    free(msg);
}

void
log_msg(enum aiwb_log_level level, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_vmsg(level, fmt, ap);
    va_end(ap);
}
