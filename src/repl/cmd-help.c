/*
 * cmd-help.c - "help": generated from the command table and from the
 * plugins' declared options, so it cannot fall out of date.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "core/options.h"
#include "core/registry.h"
#include "core/strbuf.h"
#include "core/table.h"
#include "repl/cmd.h"
#include "repl/session.h"
#include "tui/tui.h"

static void
help_all(struct session *s)
{
    struct aiwb_table *t = table_new(NULL);
    static const enum component_kind kinds[] = {COMPONENT_SOURCE, COMPONENT_TRANSFORM,
                                                COMPONENT_ALGORITHM, COMPONENT_DRIFT};
    static const char *const plural[] = {"sources", "transforms", "algorithms", "drift stats"};

    table_column(t, "command", AIWB_TABLE_TEXT);
    table_column(t, "what it does", AIWB_TABLE_TEXT);
    for (size_t i = 0; cmd_table[i] != NULL; i++) {
        table_text(t, cmd_table[i]->name);
        table_text(t, cmd_table[i]->summary);
    }
    output_table(&s->out, t);
    table_free(t);
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        struct strbuf sb = STRBUF_INIT;

        for (size_t i = 0; i < registry_count(); i++)
            if (registry_at(i)->kind == kinds[k])
                strbuf_addf(&sb, "%s%s", sb.len ? ", " : "", registry_at(i)->name);
        output_say(&s->out, "%s%-11s %s", k == 0 ? "\n" : "", plural[k],
                   sb.len ? strbuf_str(&sb) : "(none loaded)");
        strbuf_release(&sb);
    }
    output_say(&s->out, "\n`help COMMAND` for its usage, `help NAME` for a plugin's options.");
}

static void
help_command(struct session *s, const struct cmd_entry *e)
{
    output_say(&s->out, "usage: %s", e->usage);
    output_say(&s->out, "%s%s%s", e->summary, e->alias ? "; also called " : "",
               e->alias ? e->alias : "");
    if (e->help != NULL)
        output_say(&s->out, "\n%s", e->help);
}

static const char *const opt_types[] = {"", "integer", "number", "bool", "text", "choice"};

static void
help_component(struct session *s, const struct component *c)
{
    struct strbuf caps = STRBUF_INIT;
    static const struct {
        unsigned flag;
        const char *text;
    } flags[] = {
        {AIWB_TASK_REGRESSION, "regression"},
        {AIWB_TASK_CLASSIFICATION, "classification"},
        {AIWB_TASK_CLUSTERING, "clustering"},
        {AIWB_TASK_RANKING, "ranking (recommends items)"},
        {AIWB_TASK_DECOMPOSITION, "decomposition"},
        {AIWB_CAP_MISSING, "accepts missing values"},
        {AIWB_CAP_CATEGORICAL, "accepts categorical columns"},
        {AIWB_CAP_WEIGHTS, "uses sample weights"},
        {AIWB_CAP_INCREMENTAL, "updates incrementally"},
        {AIWB_TF_NO_MISSING, "leaves no missing values"},
        {AIWB_TF_NUMERIC, "leaves only numeric columns"},
    };

    output_say(&s->out, "%s (%s, module %s %s): %s", c->name, registry_kind_name(c->kind),
               c->module->name, c->module->version, c->summary);
    /* A source's and a drift statistic's flags mean other things than a
     * transform's or an algorithm's. */
    for (size_t i = 0; c->kind != COMPONENT_SOURCE && c->kind != COMPONENT_DRIFT &&
                       i < sizeof flags / sizeof flags[0];
         i++)
        if (c->flags & flags[i].flag)
            strbuf_addf(&caps, "%s%s", caps.len ? ", " : "", flags[i].text);
    if (c->kind == COMPONENT_DRIFT)
        strbuf_addf(&caps, "compares %s columns",
                    (c->flags & AIWB_DRIFT_NUMERIC) && (c->flags & AIWB_DRIFT_CATEGORICAL)
                        ? "numeric and categorical"
                    : (c->flags & AIWB_DRIFT_NUMERIC) ? "numeric"
                                                      : "categorical");
    if (c->kind == COMPONENT_SOURCE && (c->flags & AIWB_SOURCE_FOLLOW))
        strbuf_addf(&caps, "%scan follow a growing file (follow=true)", caps.len ? ", " : "");
    if (c->kind == COMPONENT_TRANSFORM && (c->flags & AIWB_TF_ROWS))
        strbuf_addf(&caps, "%sdrops rows (in `train ... with`: at training only)",
                    caps.len ? ", " : "");
    if (c->kind == COMPONENT_SOURCE && c->type.source->extensions != NULL) {
        const char *e = c->type.source->extensions;

        strbuf_addf(&caps, "%sreads ", caps.len ? ", " : "");
        for (const char *comma; (comma = strchr(e, ',')) != NULL; e = comma + 1)
            strbuf_addf(&caps, ".%.*s, ", (int)(comma - e), e);
        strbuf_addf(&caps, ".%s files", e);
    }
    if (caps.len)
        output_say(&s->out, "%s", strbuf_str(&caps));
    output_say(&s->out, "from %s", c->module->path);
    strbuf_release(&caps);
    if (c->help != NULL)
        output_say(&s->out, "\n%s", c->help);
    if (c->options == NULL || c->options[0].name == NULL) {
        output_say(&s->out, "no options");
        return;
    }
    struct aiwb_table *t = table_new(NULL);
    table_column(t, "option", AIWB_TABLE_TEXT);
    table_column(t, "type", AIWB_TABLE_TEXT);
    table_column(t, "values", AIWB_TABLE_TEXT);
    table_column(t, "default", AIWB_TABLE_TEXT);
    table_column(t, "meaning", AIWB_TABLE_TEXT);
    for (size_t i = 0; c->options[i].name != NULL; i++) {
        const struct aiwb_option_spec *sp = &c->options[i];
        char *desc = options_spec_describe(sp);

        table_text(t, sp->name);
        table_text(t, opt_types[sp->type]);
        table_text(t, desc);
        table_text(t, sp->def);
        table_text(t, sp->help != NULL ? sp->help : "");
        free(desc);
    }
    output_say(&s->out, "%s", "");
    output_table(&s->out, t);
    table_free(t);
}

static enum cmd_retval
cmd_help_exec(struct session *s, int argc, char **argv)
{
    static const enum component_kind kinds[] = {COMPONENT_ALGORITHM, COMPONENT_TRANSFORM,
                                                COMPONENT_SOURCE, COMPONENT_DRIFT};
    const struct cmd_entry *e;
    char *cause = NULL;

    if (argc == 0) {
        help_all(s);
        return CMD_OK;
    }
    if (strcmp(argv[0], "keys") == 0) {
        output_say(&s->out, "%.*s", (int)strlen(tui_keys_help) - 1, tui_keys_help);
        return CMD_OK;
    }
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        const struct component *c = registry_find(kinds[k], argv[0]);

        if (c != NULL) {
            help_component(s, c);
            return CMD_OK;
        }
    }
    if ((e = cmd_find(argv[0], &cause)) == NULL) {
        cmd_error(s, "help: no command or plugin '%s' (`help` lists them)", argv[0]);
        free(cause);
        return CMD_ERROR;
    }
    help_command(s, e);
    return CMD_OK;
}

const struct cmd_entry cmd_help_entry = {
    .name = "help",
    .usage = "help [COMMAND | PLUGIN | keys]",
    .summary = "list the commands, or show a command's usage, a plugin's options or the keys",
    .min_args = 0,
    .max_args = 1,
    .complete = {COMPLETE_TOPIC},
    .exec = cmd_help_exec,
};
