/*
 * log.h - where messages from the core and from plugins go. The REPL sets a
 * sink (stderr by default; the TUI's message pane later).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef AIWB_LOG_H
#define AIWB_LOG_H

#include <stdarg.h>

#include <aiwb/plugin.h>

typedef void log_sink_fn(void *arg, enum aiwb_log_level level, const char *msg);

/* Send messages of LEVEL and above to SINK (NULL: stderr as "aiwb: msg"). */
void log_set_sink(log_sink_fn *sink, void *arg, enum aiwb_log_level level);
void log_msg(enum aiwb_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_vmsg(enum aiwb_log_level level, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

#endif
