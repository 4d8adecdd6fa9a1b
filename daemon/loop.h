/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The kernel loop driver adapter, for the fallback backend. A loop device
 * is attached with autoclear set: the caller keeps the returned fd open
 * until the dm table holds the loop device, then closes it. If anything
 * fails before that, closing the fd is the rollback, because the kernel
 * detaches an autoclear loop device on its last close.
 */

#include <sys/types.h>

#include "macro.h"

typedef struct LoopDevice {
        int fd; /* open on /dev/loopN */
        dev_t devno;
        bool direct_io; /* whether the kernel accepted direct I/O */
} LoopDevice;

/* Attaches path (whole file) to a free loop device. Tries direct I/O
 * first and falls back to buffered I/O when the file system refuses it. */
int loop_attach(const char *path, bool read_only, LoopDevice *ret);

/* The path of a loop device's backing file, from sysfs. */
int loop_get_backing_file(dev_t devno, char **ret);

/* Tells the loop device its backing file changed size. */
int loop_refresh_capacity(dev_t devno);
