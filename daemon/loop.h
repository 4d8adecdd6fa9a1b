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

/* What dmloopd puts in a loop device's lo_file_name: the one sign, before
 * the dm device above it exists, that the loop device is a component
 * (dmloop-udev-id reads it for 56-dm-dmloop.rules). */
#define DMLOOP_LOOP_MARK "dmloop"

typedef struct LoopDevice {
        int fd; /* open on /dev/loopN */
        dev_t devno;
        bool direct_io; /* whether the kernel accepted direct I/O */
} LoopDevice;

/*
 * Attaches the open regular file file_fd (whole file) to a free loop
 * device with LOOP_CONFIGURE (LOOP_SET_FD on kernels before 5.8), so the
 * loop device gets the very file that was opened and checked, never a
 * path looked up again. Tries direct I/O first (it sets O_DIRECT on
 * file_fd for that) and falls back to buffered I/O when the file system
 * does not do it. file_fd stays the caller's to close.
 */
int loop_attach_fd(int file_fd, bool read_only, LoopDevice *ret);

/* The device and inode numbers of a loop device's backing file, as
 * stat() gives them; for checking that a path still names that file. */
int loop_get_backing_id(dev_t devno, dev_t *ret_dev, ino_t *ret_ino);

/* The path of a loop device's backing file, from sysfs. */
int loop_get_backing_file(dev_t devno, char **ret);

/* Tells the loop device its backing file changed size. */
int loop_refresh_capacity(dev_t devno);
