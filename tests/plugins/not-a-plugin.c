/*
 * not-a-plugin.c - a test-only shared object without aiwb_plugin_init: the
 * host must refuse it as "not an aiwb plugin" rather than crash.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

int not_a_plugin_answer(void);

/* An exported function that is not the entry point; returns 42. */
int
not_a_plugin_answer(void)
{
    return 42;
}
