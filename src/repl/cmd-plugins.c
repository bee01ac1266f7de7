/*
 * cmd-plugins.c - "plugins": the components loaded (sources, transforms,
 * algorithms, drift statistics), and from where.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include "core/registry.h"
#include "core/table.h"
#include "repl/cmd.h"
#include "repl/session.h"

static enum cmd_retval
cmd_plugins_exec(struct session *s, int argc, char **argv)
{
    struct aiwb_table *t = table_new(NULL);
    static const enum component_kind kinds[] = {COMPONENT_SOURCE, COMPONENT_TRANSFORM,
                                                COMPONENT_ALGORITHM, COMPONENT_DRIFT};

    (void)argc, (void)argv;
    table_column(t, "name", AIWB_TABLE_TEXT);
    table_column(t, "kind", AIWB_TABLE_TEXT);
    table_column(t, "version", AIWB_TABLE_TEXT);
    table_column(t, "summary", AIWB_TABLE_TEXT);
    table_column(t, "file", AIWB_TABLE_TEXT);
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        for (size_t i = 0; i < registry_count(); i++) {
            const struct component *c = registry_at(i);

            if (c->kind != kinds[k])
                continue;
            table_text(t, c->name);
            table_text(t, registry_kind_name(c->kind));
            table_text(t, c->module->version);
            table_text(t, c->summary);
            table_text(t, c->module->path);
        }
    }
    if (table_rows(t) == 0)
        output_say(&s->out, "no plugins are loaded (see AIWB_PLUGIN_PATH in `aiwb --help`)");
    else
        output_table(&s->out, t);
    table_free(t);
    return CMD_OK;
}

const struct cmd_entry cmd_plugins_entry = {
    .name = "plugins",
    .usage = "plugins",
    .summary = "list the loaded sources, transforms, algorithms and drift statistics",
    .min_args = 0,
    .max_args = 0,
    .exec = cmd_plugins_exec,
};
