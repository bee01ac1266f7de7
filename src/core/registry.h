/*
 * registry.h - plugin loading and the registry of components.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Modules are found on a search path (AIWB_PLUGIN_PATH, then the installed
 * plugin folder, or the build tree's when the program runs from it), opened
 * with dlopen(RTLD_NOW | RTLD_LOCAL), and their aiwb_plugin_init() is called
 * with the host table. A module that fails to load, is built for another
 * ABI, or registers a bad component is refused with a message naming the
 * file and the reason; loading goes on with the next one.
 */
#ifndef AIWB_REGISTRY_H
#define AIWB_REGISTRY_H

#include <signal.h>
#include <stddef.h>

#include <aiwb/plugin.h>

enum component_kind {
    COMPONENT_SOURCE = 1,
    COMPONENT_TRANSFORM = 2,
    COMPONENT_ALGORITHM = 3,
    COMPONENT_DRIFT = 4 /* a drift statistic (issue 5) */
};

struct module {
    char *path;     /* the file it was loaded from */
    char *name;     /* as declared in plugin_begin */
    char *version;
    void *handle;   /* from dlopen */
};

struct component {
    enum component_kind kind;
    const char *name;
    const char *summary;
    const char *help; /* NULL if none */
    const struct aiwb_option_spec *options;
    unsigned flags;
    const struct module *module;
    union {
        const struct aiwb_source_type *source;
        const struct aiwb_transform_type *transform;
        const struct aiwb_algorithm_type *algorithm;
        const struct aiwb_drift_type *drift;
    } type;
};

/* The host table handed to plugins (also used by tests that call plugins). */
const struct aiwb_host_api *registry_api(void);

/*
 * Load the module at PATH. Returns 0, or a negative status with *cause set
 * (the caller frees it), naming the file: "'x.so': built for ABI 2, this aiwb
 * speaks ABI 1". A module that registered nothing is refused too.
 */
int registry_load_file(const char *path, char **cause);

/*
 * Load every *.so in the folders of the colon-separated list PATH, in order,
 * each folder's files sorted by name. Each refusal is passed to REPORT (with
 * ARG) and loading goes on. Returns the number of modules loaded.
 */
size_t registry_load_path(const char *path, void (*report)(void *arg, const char *msg),
                          void *arg);

/*
 * The default search path: $AIWB_PLUGIN_PATH, then the build tree's plugin
 * folder when the program runs from the build tree, else the installed one.
 * The caller frees the string.
 */
char *registry_default_path(void);

/* Whether this program is the one built in the build tree (not installed). */
int registry_in_build_tree(void);

/* The loaded component of KIND named NAME, or NULL. */
const struct component *registry_find(enum component_kind kind, const char *name);
/* The source that reads URI: by its scheme ("sqlite:...") or else by the
 * file name's extension ("x.csv", "x.csv.gz"); NULL if none does. */
const struct component *registry_source_for(const char *uri);

/* All components, in the order loaded (kind by kind is up to the caller). */
size_t registry_count(void);
const struct component *registry_at(size_t i);
size_t registry_module_count(void);
const struct module *registry_module_at(size_t i);

/* A name for KIND: "source", "transform", "algorithm", "drift statistic". */
const char *registry_kind_name(enum component_kind kind);

/* The flag api->interrupted reads (set by Ctrl-C); NULL: never interrupted. */
void registry_set_interrupt_flag(volatile sig_atomic_t *flag);
/* The flag api->interrupted reads in the calling thread instead (a
 * background job's stop flag); NULL: the global one again. */
void registry_set_thread_interrupt_flag(volatile int *flag);

/* Unload everything (dlclose, except in sanitizer builds). */
void registry_shutdown(void);

#endif
