/*
 * mapguard.h - read a mapped file that another program may shorten meanwhile
 *
 * Copyright (C) 2026 the aiwb authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef AIWB_CORE_MAPGUARD_H
#define AIWB_CORE_MAPGUARD_H

#include <stddef.h>

/* Guard the LEN bytes at ADDR, where the start of file FD is mapped: until
 * mapguard_end, a read there that lies past the end of a file that shrank
 * reads zeros instead of raising SIGBUS. The guard keeps a copy of FD (-1:
 * none) to check the file's size at the end. Returns a handle, or -1 when
 * no guard is free (64 at once) or the handler cannot be installed. Any
 * thread may call it. */
int mapguard_begin(const void *addr, size_t len, int fd);
/* End guard HANDLE (-1: nothing); 1 if the file shrank under it (some of
 * what was read there may have been zeros), else 0. Call it before
 * unmapping. */
int mapguard_end(int handle);

#endif
