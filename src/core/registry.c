/*
 * registry.c - plugin loading, the host table plugins call, and the
 * registry of the components they register.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include "core/registry.h"

#include <ctype.h>
#include <dirent.h>
#include <dlfcn.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/codec.h"
#include "core/frame.h"
#include "core/log.h"
#include "core/mapguard.h"
#include "core/options.h"
#include "core/pipeline.h"
#include "core/source.h"
#include "core/strbuf.h"
#include "core/table.h"
#include "core/xalloc.h"

/* A module while its aiwb_plugin_init runs. */
struct aiwb_plugin {
    const char *path;
    int begun;
    char *name, *version;
    char *error;               /* the first thing that went wrong */
    size_t ncomp;
    struct component *comp;    /* registered, not yet committed */
};

static struct module **modules;
static size_t nmodules;
static struct component **components; /* pointers stay valid as more load */
static size_t ncomponents;

const char *
registry_kind_name(enum component_kind kind)
{
    switch (kind) {
    case COMPONENT_SOURCE:
        return "source";
    case COMPONENT_TRANSFORM:
        return "transform";
    case COMPONENT_ALGORITHM:
        return "algorithm";
    case COMPONENT_DRIFT:
        return "drift statistic";
    }
    return "?";
}

static void
plugin_error(struct aiwb_plugin *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
plugin_error(struct aiwb_plugin *p, const char *fmt, ...)
{
    va_list ap;

    if (p->error != NULL)
        return;
    va_start(ap, fmt);
    p->error = xvasprintf(fmt, ap);
    va_end(ap);
}

static int
host_plugin_begin(struct aiwb_plugin *p, unsigned abi, unsigned minor, const char *name,
                  const char *version)
{
    if (abi != AIWB_ABI_VERSION) {
        plugin_error(p, "built for ABI %u, this aiwb speaks ABI %u", abi, AIWB_ABI_VERSION);
        return AIWB_EABI;
    }
    if (minor > AIWB_ABI_MINOR) {
        plugin_error(p, "built for ABI %u.%u, this aiwb speaks ABI %u.%u (too old for it)", abi,
                     minor, AIWB_ABI_VERSION, AIWB_ABI_MINOR);
        return AIWB_EABI;
    }
    if (name == NULL || *name == '\0') {
        plugin_error(p, "declares no module name");
        return AIWB_EINVAL;
    }
    for (size_t i = 0; i < nmodules; i++) {
        if (strcmp(modules[i]->name, name) == 0) {
            plugin_error(p, "module '%s' is already loaded from '%s'", name, modules[i]->path);
            return AIWB_EINVAL;
        }
    }
    free(p->name);
    free(p->version);
    p->name = xstrdup(name);
    p->version = xstrdup(version != NULL ? version : "");
    p->begun = 1;
    return AIWB_OK;
}

/* Component names are lowercase identifiers; option names may use capitals ("C"). */
static int
valid_name(const char *s, int upper)
{
    if (s == NULL || !(islower((unsigned char)*s) || (upper && isupper((unsigned char)*s))))
        return 0;
    for (; *s; s++)
        if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '_' &&
            !(upper && isupper((unsigned char)*s)))
            return 0;
    return 1;
}

/* Why option spec SPEC of component NAME is unusable, or NULL. */
static char *
check_spec(const char *name, const struct aiwb_option_spec *spec)
{
    char *cause = NULL;
    struct aiwb_options *o;

    for (size_t i = 0; spec != NULL && spec[i].name != NULL; i++) {
        if (!valid_name(spec[i].name, 1))
            return xasprintf("%s: bad option name '%s'", name, spec[i].name);
        if (spec[i].type < AIWB_OPT_INT || spec[i].type > AIWB_OPT_CHOICE)
            return xasprintf("%s: option '%s' has an unknown type", name, spec[i].name);
        if (spec[i].type == AIWB_OPT_CHOICE && (spec[i].choices == NULL || !*spec[i].choices))
            return xasprintf("%s: option '%s' has no choices", name, spec[i].name);
        for (size_t j = 0; j < i; j++)
            if (strcmp(spec[i].name, spec[j].name) == 0)
                return xasprintf("%s: option '%s' is declared twice", name, spec[i].name);
    }
    o = options_parse(name, spec, 0, NULL, &cause); /* parses every default */
    options_free(o);
    if (cause != NULL) {
        char *msg = xasprintf("bad default: %s", cause);

        free(cause);
        return msg;
    }
    return NULL;
}

/*
 * Register a component of KIND whose descriptor T (SIZE bytes as the plugin
 * declares, FULL bytes in this host) starts with ABI and NAME. The host
 * keeps its own zero-padded copy, so members an older plugin lacks are NULL.
 */
static int
add_component(struct aiwb_plugin *p, enum component_kind kind, const void *t, size_t size,
              size_t full, size_t min_size, unsigned abi)
{
    struct component *c;
    void *copy;
    const char *name, *summary, *help;
    const struct aiwb_option_spec *options;
    unsigned flags;
    char *why;

    if (!p->begun) {
        plugin_error(p, "registers a %s before AIWB_PLUGIN_BEGIN", registry_kind_name(kind));
        return AIWB_EINVAL;
    }
    if (t == NULL) {
        plugin_error(p, "registers a NULL %s descriptor", registry_kind_name(kind));
        return AIWB_EINVAL;
    }
    if (abi != AIWB_ABI_VERSION) {
        plugin_error(p, "registers a %s descriptor for ABI %u; this aiwb speaks ABI %u",
                     registry_kind_name(kind), abi, AIWB_ABI_VERSION);
        return AIWB_EABI;
    }
    if (size < min_size) {
        plugin_error(p, "registers a %s descriptor of %zu bytes, too small to hold its "
                     "name and flags", registry_kind_name(kind), size);
        return AIWB_EINVAL;
    }
    copy = xcalloc(1, full);
    memcpy(copy, t, size < full ? size : full);
    switch (kind) {
    case COMPONENT_SOURCE: {
        const struct aiwb_source_type *s = copy;

        name = s->name, summary = s->summary, help = s->help, options = s->options;
        flags = s->flags;
        why = s->open == NULL || s->next == NULL ? xstrdup("it lacks open or next") : NULL;
        break;
    }
    case COMPONENT_TRANSFORM: {
        const struct aiwb_transform_type *s = copy;

        name = s->name, summary = s->summary, help = s->help, options = s->options;
        flags = s->flags;
        why = s->apply == NULL ? xstrdup("it lacks apply")
              : (s->flags & AIWB_TF_FIT) && s->fit == NULL ? xstrdup("it declares AIWB_TF_FIT but lacks fit")
                                                          : NULL;
        break;
    }
    case COMPONENT_DRIFT: {
        const struct aiwb_drift_type *s = copy;

        name = s->name, summary = s->summary, help = s->help, options = s->options;
        flags = s->flags;
        why = s->compare == NULL ? xstrdup("it lacks compare")
              : (s->flags & (AIWB_DRIFT_NUMERIC | AIWB_DRIFT_CATEGORICAL)) == 0
                  ? xstrdup("it declares neither AIWB_DRIFT_NUMERIC nor AIWB_DRIFT_CATEGORICAL")
                  : NULL;
        break;
    }
    default: {
        const struct aiwb_algorithm_type *s = copy;

        name = s->name, summary = s->summary, help = s->help, options = s->options;
        flags = s->flags;
        why = s->init == NULL || s->iterate == NULL || s->n_outputs == NULL ||
                      s->predict == NULL || s->save == NULL || s->load == NULL
                  ? xstrdup("it lacks one of init, iterate, n_outputs, predict, save, load")
                  : (s->flags & AIWB_TASK_MASK) == 0 ? xstrdup("it declares no task")
                  : (s->flags & AIWB_TASK_RANKING) && s->recommend == NULL
                      ? xstrdup("it declares AIWB_TASK_RANKING but lacks recommend")
                  : (s->flags & AIWB_CAP_INCREMENTAL) && s->update == NULL
                      ? xstrdup("it declares AIWB_CAP_INCREMENTAL but lacks update")
                      : NULL;
        break;
    }
    }
    if (why == NULL && !valid_name(name, 0))
        why = xasprintf("its name '%s' is not a lowercase identifier", name ? name : "");
    if (why == NULL)
        why = check_spec(name, options);
    if (why == NULL && registry_find(kind, name) != NULL)
        why = xasprintf("a %s named '%s' is already loaded from '%s'", registry_kind_name(kind),
                        name, registry_find(kind, name)->module->path);
    for (size_t i = 0; why == NULL && i < p->ncomp; i++)
        if (p->comp[i].kind == kind && strcmp(p->comp[i].name, name) == 0)
            why = xasprintf("registers the %s '%s' twice", registry_kind_name(kind), name);
    if (why != NULL) {
        plugin_error(p, "%s '%s' refused: %s", registry_kind_name(kind), name ? name : "?", why);
        free(why);
        free(copy);
        return AIWB_EINVAL;
    }
    p->comp = xreallocarray(p->comp, p->ncomp + 1, sizeof *p->comp);
    c = &p->comp[p->ncomp++];
    memset(c, 0, sizeof *c);
    c->kind = kind;
    c->name = name;
    c->summary = summary != NULL ? summary : "";
    c->help = help;
    c->options = options;
    c->flags = flags;
    c->type.source = copy;
    return AIWB_OK;
}

#define MIN_SIZE(type, member) (offsetof(type, member) + sizeof(((type *)0)->member))

static int
host_register_source(struct aiwb_plugin *p, const struct aiwb_source_type *t)
{
    return add_component(p, COMPONENT_SOURCE, t, t ? t->size : 0, sizeof *t,
                         MIN_SIZE(struct aiwb_source_type, state_size), t ? t->abi_version : 0);
}

static int
host_register_transform(struct aiwb_plugin *p, const struct aiwb_transform_type *t)
{
    return add_component(p, COMPONENT_TRANSFORM, t, t ? t->size : 0, sizeof *t,
                         MIN_SIZE(struct aiwb_transform_type, state_size), t ? t->abi_version : 0);
}

static int
host_register_algorithm(struct aiwb_plugin *p, const struct aiwb_algorithm_type *t)
{
    return add_component(p, COMPONENT_ALGORITHM, t, t ? t->size : 0, sizeof *t,
                         MIN_SIZE(struct aiwb_algorithm_type, state_size), t ? t->abi_version : 0);
}

static int
host_register_drift(struct aiwb_plugin *p, const struct aiwb_drift_type *t)
{
    return add_component(p, COMPONENT_DRIFT, t, t ? t->size : 0, sizeof *t,
                         MIN_SIZE(struct aiwb_drift_type, compare), t ? t->abi_version : 0);
}

static char *
host_format(const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    s = xvasprintf(fmt, ap);
    va_end(ap);
    return s;
}

static void
host_log(enum aiwb_log_level level, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_vmsg(level, fmt, ap);
    va_end(ap);
}

static int
host_step_value(struct aiwb_step *s, const char *name, double v)
{
    size_t i;

    for (i = 0; i < s->n; i++)
        if (strcmp(s->names[i], name) == 0)
            break;
    if (i == STEP_MAX_VALUES || strlen(name) >= sizeof s->names[0])
        return AIWB_EINVAL;
    if (i == s->n) {
        strcpy(s->names[i], name);
        s->n++;
    }
    s->values[i] = v;
    return AIWB_OK;
}

static int
host_source_read(const char *source, const char *uri, size_t n, char *const *opts,
                 struct aiwb_frame **out, char **cause)
{
    const struct component *c = source != NULL ? registry_find(COMPONENT_SOURCE, source)
                                               : registry_source_for(uri);

    *out = NULL;
    if (c == NULL) {
        *cause = source != NULL ? xasprintf("no source '%s' is loaded", source)
                                : xasprintf("no source reads '%s'", uri);
        return AIWB_EINVAL;
    }
    *out = source_read(c, uri, n, opts, cause);
    return *out != NULL ? AIWB_OK : AIWB_EDATA;
}

static volatile sig_atomic_t *interrupt_flag;
/* A background job's own flag, read instead of the global one in its thread. */
static _Thread_local volatile int *thread_flag;

void
registry_set_interrupt_flag(volatile sig_atomic_t *flag)
{
    interrupt_flag = flag;
}

void
registry_set_thread_interrupt_flag(volatile int *flag)
{
    thread_flag = flag;
}

static int
host_interrupted(void)
{
    if (thread_flag != NULL)
        return *thread_flag != 0;
    return interrupt_flag != NULL && *interrupt_flag != 0;
}

static void
host_free(void *p)
{
    free(p);
}

static void
host_table_title(struct aiwb_table *t, const char *title)
{
    table_set_title(t, title);
}

static const struct aiwb_host_api host_api = {
    .abi_version = AIWB_ABI_VERSION,
    .abi_minor = AIWB_ABI_MINOR,
    .size = sizeof(struct aiwb_host_api),
    .plugin_begin = host_plugin_begin,
    .register_source = host_register_source,
    .register_transform = host_register_transform,
    .register_algorithm = host_register_algorithm,
    .alloc = xmalloc,
    .calloc = xcalloc,
    .realloc = xrealloc,
    .free = host_free,
    .strdup = xstrdup,
    .format = host_format,
    .log = host_log,
    .frame_new = frame_new,
    .frame_free = frame_free,
    .frame_rows = frame_rows,
    .frame_cols = frame_cols,
    .frame_col_name = frame_col_name,
    .frame_col_type = frame_col_type,
    .frame_find = frame_find,
    .frame_add_numeric = frame_add_numeric,
    .frame_add_categorical = frame_add_categorical,
    .frame_level_intern = frame_level_intern,
    .frame_nlevels = frame_nlevels,
    .frame_level = frame_level,
    .frame_numeric = frame_numeric,
    .frame_codes = frame_codes,
    .frame_numeric_mut = frame_numeric_mut,
    .frame_codes_mut = frame_codes_mut,
    .frame_copy_col = frame_copy_col,
    .opt_int = options_int,
    .opt_real = options_real,
    .opt_bool = options_bool,
    .opt_str = options_str,
    .opt_given = options_given,
    .put_int = codec_put_int,
    .put_real = codec_put_real,
    .put_str = codec_put_str,
    .put_reals = codec_put_reals,
    .put_ints = codec_put_ints,
    .put_strs = codec_put_strs,
    .get_int = codec_get_int,
    .get_real = codec_get_real,
    .get_str = codec_get_str,
    .get_reals = codec_get_reals,
    .get_ints = codec_get_ints,
    .get_strs = codec_get_strs,
    .table_title = host_table_title,
    .table_column = table_column,
    .table_text = table_text,
    .table_real = table_real,
    .table_int = table_int,
    .table_note = table_note,
    .step_value = host_step_value,
    .frame_level_find = frame_level_find,
    .frame_take = frame_take,
    .source_read = host_source_read,
    .interrupted = host_interrupted,
    .register_drift = host_register_drift,
    .map_guard = mapguard_begin,
    .map_unguard = mapguard_end,
};

const struct aiwb_host_api *
registry_api(void)
{
    return &host_api;
}

static void
plugin_release(struct aiwb_plugin *p)
{
    for (size_t i = 0; i < p->ncomp; i++)
        free((void *)p->comp[i].type.source);
    free(p->comp);
    free(p->name);
    free(p->version);
    free(p->error);
}

static void
unload(void *handle)
{
#ifndef AIWB_SANITIZE
    /* Sanitizers lose the symbols of unloaded modules, so keep them there. */
    dlclose(handle);
#else
    (void)handle;
#endif
}

int
registry_load_file(const char *path, char **cause)
{
    struct aiwb_plugin p = {.path = path};
    int (*init)(struct aiwb_plugin *, const struct aiwb_host_api *);
    struct module *m;
    void *handle;
    int rc;

    if (strchr(path, '/') == NULL) {
        /* dlopen() would search the library folders for a bare name. */
        char *local = xasprintf("./%s", path);

        handle = dlopen(local, RTLD_NOW | RTLD_LOCAL);
        free(local);
    } else {
        handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    }
    if (handle == NULL) {
        *cause = xasprintf("cannot load plugin '%s': %s", path, dlerror());
        return AIWB_EIO;
    }
    *(void **)&init = dlsym(handle, "aiwb_plugin_init");
    if (init == NULL) {
        *cause = xasprintf("'%s' is not an aiwb plugin (it has no aiwb_plugin_init)", path);
        unload(handle);
        return AIWB_EINVAL;
    }
    rc = init(&p, &host_api);
    if (rc == AIWB_OK && !p.begun)
        plugin_error(&p, "did not declare itself with AIWB_PLUGIN_BEGIN");
    if (rc == AIWB_OK && p.ncomp == 0)
        plugin_error(&p, "registers no components");
    if (rc != AIWB_OK || p.error != NULL) {
        if (p.error != NULL)
            *cause = xasprintf("plugin '%s' refused: %s", path, p.error);
        else
            *cause = xasprintf("plugin '%s' refused: its initialisation failed (status %d)",
                               path, rc);
        plugin_release(&p);
        unload(handle);
        return rc < 0 ? rc : AIWB_EINVAL;
    }
    m = xcalloc(1, sizeof *m);
    m->path = xstrdup(path);
    m->name = p.name;
    m->version = p.version;
    m->handle = handle;
    modules = xreallocarray(modules, nmodules + 1, sizeof *modules);
    modules[nmodules++] = m;
    components = xreallocarray(components, ncomponents + p.ncomp, sizeof *components);
    for (size_t i = 0; i < p.ncomp; i++) {
        struct component *c = xmalloc(sizeof *c);

        *c = p.comp[i];
        c->module = m;
        components[ncomponents++] = c;
    }
    free(p.comp);
    free(p.error);
    return AIWB_OK;
}

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Whether the file at PATH is already loaded (under any name of the file). */
static int
already_loaded(const char *path)
{
    struct stat st, other;

    if (stat(path, &st) != 0)
        return 0;
    for (size_t i = 0; i < nmodules; i++)
        if (stat(modules[i]->path, &other) == 0 && other.st_dev == st.st_dev &&
            other.st_ino == st.st_ino)
            return 1;
    return 0;
}

/* Load every *.so in DIR, by name; returns how many loaded. A file already
 * loaded (the same folder named twice in the path) is passed over quietly. */
static size_t
load_dir(const char *dir, void (*report)(void *, const char *), void *arg)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, loaded = 0;

    if (d == NULL)
        return 0;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);

        if (len > 3 && strcmp(e->d_name + len - 3, ".so") == 0) {
            names = xreallocarray(names, n + 1, sizeof *names);
            names[n++] = xasprintf("%s/%s", dir, e->d_name);
        }
    }
    closedir(d);
    if (n > 0)
        qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n; i++) {
        char *cause = NULL;

        if (already_loaded(names[i]))
            ;
        else if (registry_load_file(names[i], &cause) == AIWB_OK)
            loaded++;
        else if (report != NULL)
            report(arg, cause);
        free(cause);
        free(names[i]);
    }
    free(names);
    return loaded;
}

size_t
registry_load_path(const char *path, void (*report)(void *, const char *), void *arg)
{
    char *copy = xstrdup(path), *save = NULL;
    size_t loaded = 0;

    for (char *dir = strtok_r(copy, ":", &save); dir != NULL; dir = strtok_r(NULL, ":", &save))
        loaded += load_dir(dir, report, arg);
    free(copy);
    return loaded;
}

int
registry_in_build_tree(void)
{
    char exe[PATH_MAX], dir[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    char *slash;

    if (n <= 0)
        return 0;
    exe[n] = '\0';
    slash = strrchr(exe, '/');
    if (slash == NULL)
        return 0;
    *slash = '\0';
    if (realpath(AIWB_BUILD_BINDIR, dir) == NULL)
        return 0;
    return strcmp(exe, dir) == 0;
}

char *
registry_default_path(void)
{
    const char *env = getenv("AIWB_PLUGIN_PATH");
    const char *dir = registry_in_build_tree() ? AIWB_BUILD_PLUGINDIR : AIWB_PLUGINDIR;

    if (env != NULL && *env != '\0')
        return xasprintf("%s:%s", env, dir);
    return xstrdup(dir);
}

const struct component *
registry_find(enum component_kind kind, const char *name)
{
    for (size_t i = 0; i < ncomponents; i++)
        if (components[i]->kind == kind && strcmp(components[i]->name, name) == 0)
            return components[i];
    return NULL;
}

/* Whether LIST ("csv,tsv") holds WORD (LEN bytes), ignoring case. */
static int
list_has(const char *list, const char *word, size_t len)
{
    for (const char *p = list; p != NULL && *p;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);

        if (n == len && strncasecmp(p, word, n) == 0)
            return 1;
        p = comma ? comma + 1 : NULL;
    }
    return 0;
}

const struct component *
registry_source_for(const char *uri)
{
    const struct component *best = NULL;
    const char *base, *colon = strchr(uri, ':');
    size_t best_len = 0;

    /* "file:" names a file like any other: its extension chooses. */
    if (strncmp(uri, "file:", 5) == 0)
        colon = NULL;
    /* A scheme is letters before a colon, as in "sqlite:x.db" or "http://". */
    if (colon != NULL && colon - uri >= 2) {
        size_t len = (size_t)(colon - uri);
        int scheme = 1;

        for (const char *p = uri; p < colon; p++)
            scheme &= isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.';
        for (size_t i = 0; scheme && i < ncomponents; i++)
            if (components[i]->kind == COMPONENT_SOURCE &&
                list_has(components[i]->type.source->schemes, uri, len))
                return components[i];
    }
    base = strrchr(uri, '/');
    base = base ? base + 1 : uri;
    /* The longest matching extension wins: "x.csv.gz" over "x.gz". */
    for (size_t i = 0; i < ncomponents; i++) {
        const char *exts;

        if (components[i]->kind != COMPONENT_SOURCE)
            continue;
        exts = components[i]->type.source->extensions;
        for (const char *dot = strchr(base, '.'); dot != NULL; dot = strchr(dot + 1, '.')) {
            size_t len = strlen(dot + 1);

            if (len > best_len && list_has(exts, dot + 1, len)) {
                best = components[i];
                best_len = len;
            }
        }
    }
    return best;
}

size_t
registry_count(void)
{
    return ncomponents;
}

const struct component *
registry_at(size_t i)
{
    return i < ncomponents ? components[i] : NULL;
}

size_t
registry_module_count(void)
{
    return nmodules;
}

const struct module *
registry_module_at(size_t i)
{
    return i < nmodules ? modules[i] : NULL;
}

void
registry_shutdown(void)
{
    for (size_t i = 0; i < ncomponents; i++) {
        free((void *)components[i]->type.source);
        free(components[i]);
    }
    free(components);
    components = NULL;
    ncomponents = 0;
    for (size_t i = 0; i < nmodules; i++) {
        unload(modules[i]->handle);
        free(modules[i]->path);
        free(modules[i]->name);
        free(modules[i]->version);
        free(modules[i]);
    }
    free(modules);
    modules = NULL;
    nmodules = 0;
}
