/*
 * mapguard.c - read a mapped file that another program may shorten meanwhile
 *
 * Copyright (C) 2026 the aiwb authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A read of a file mapping past the end of the file raises SIGBUS, which
 * would end aiwb and the session with it: a server log that logrotate's
 * copytruncate empties while `load live` parses it is enough. While a
 * mapping is guarded, the handler puts a zero page where the file's page
 * was and notes it; the reader then reports that the file shrank instead
 * of anything it parsed from the zeros. A SIGBUS outside every guarded
 * range is left to what handled it before (by default, the end of aiwb).
 */
#include <config.h>

#include "core/mapguard.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAPGUARD_SLOTS 64

struct guard {
    atomic_int used;         /* 0 free, 1 taking it, 2 guarding */
    atomic_uintptr_t start, end;
    atomic_int faulted;
    int fd;                  /* the file, to see a shrink within its last page */
};

static struct guard guards[MAPGUARD_SLOTS];
static pthread_mutex_t install_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sigaction previous;
static uintptr_t page_size;

static void
on_sigbus(int sig, siginfo_t *si, void *context)
{
    uintptr_t addr = (uintptr_t)si->si_addr;

    for (int i = 0; i < MAPGUARD_SLOTS; i++) {
        struct guard *g = &guards[i];
        uintptr_t page;

        if (atomic_load(&g->used) != 2 || addr < atomic_load(&g->start) ||
            addr >= atomic_load(&g->end))
            continue;
        /* mmap is a plain system call here; the faulting read runs again
         * and finds zeros. Writable, for a page a reader made its own. */
        page = addr / page_size * page_size;
        if (mmap((void *)page, page_size, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != MAP_FAILED) {
            atomic_store(&g->faulted, 1);
            return;
        }
        break;
    }
    /* Not ours: as if this handler were not there. */
    if (previous.sa_flags & SA_SIGINFO) {
        previous.sa_sigaction(sig, si, context);
    } else if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN) {
        previous.sa_handler(sig);
    } else {
        /* the read runs again and ends the process as SIGBUS does */
        signal(SIGBUS, SIG_DFL);
    }
}

/* Make on_sigbus the handler, unless it is already: whatever handled
 * SIGBUS before (a library's, a test framework's) is what it defers to. */
static int
install(void)
{
    struct sigaction sa, cur;
    int ok = 1;

    pthread_mutex_lock(&install_lock);
    if (page_size == 0)
        page_size = (uintptr_t)sysconf(_SC_PAGESIZE);
    if (sigaction(SIGBUS, NULL, &cur) != 0) {
        ok = 0;
    } else if (!(cur.sa_flags & SA_SIGINFO) || cur.sa_sigaction != on_sigbus) {
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = on_sigbus;
        sa.sa_flags = SA_SIGINFO | SA_NODEFER;
        sigemptyset(&sa.sa_mask);
        previous = cur;
        ok = sigaction(SIGBUS, &sa, NULL) == 0;
    }
    pthread_mutex_unlock(&install_lock);
    return ok;
}

int
mapguard_begin(const void *addr, size_t len, int fd)
{
    if (len == 0 || !install())
        return -1;
    for (int i = 0; i < MAPGUARD_SLOTS; i++) {
        struct guard *g = &guards[i];
        int expect = 0;

        if (!atomic_compare_exchange_strong(&g->used, &expect, 1))
            continue;
        atomic_store(&g->start, (uintptr_t)addr);
        atomic_store(&g->end, (uintptr_t)addr + len);
        atomic_store(&g->faulted, 0);
        g->fd = fd >= 0 ? fcntl(fd, F_DUPFD_CLOEXEC, 0) : -1;
        atomic_store(&g->used, 2);
        return i;
    }
    return -1;
}

int
mapguard_end(int handle)
{
    struct guard *g;
    struct stat st;
    int shrank;

    if (handle < 0 || handle >= MAPGUARD_SLOTS)
        return 0;
    g = &guards[handle];
    /* A shrink that leaves no whole page past the new end faults nowhere:
     * the rest of the last page just reads as zeros. The size tells. */
    shrank = atomic_load(&g->faulted) ||
             (g->fd >= 0 && fstat(g->fd, &st) == 0 &&
              (uintmax_t)st.st_size < (uintmax_t)(atomic_load(&g->end) - atomic_load(&g->start)));
    if (g->fd >= 0)
        close(g->fd);
    g->fd = -1;
    atomic_store(&g->used, 0);
    return shrank;
}
