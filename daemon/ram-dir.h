/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The tmpfs that holds the files of fallback RAM devices.
 *
 * It must live in the host's mount namespace, so that its files outlive a
 * restart or a kill -9 of dmloopd and the next dmloopd can still grow them.
 * The shipped unit has it mounted by run-dmloop-ram.mount; dmloopd only
 * sets its size.
 */

#include <stdint.h>

/*
 * Makes DIR (an absolute path) a tmpfs of SIZE bytes with mode 0700.
 *
 * - DIR is a tmpfs mount point already (the mount unit, or an earlier
 *   dmloopd): it is remounted with size=SIZE. A failed remount is logged
 *   and ignored: dmloopd counts RAM against its limit by itself, the size
 *   is a second fence.
 * - DIR is a mount point of another file system: -EMEDIUMTYPE.
 * - DIR is not a mount point (dmloopd run by hand, outside the unit): the
 *   missing directories are created and a tmpfs is mounted on DIR.
 *
 * Logs its decisions. Returns 0, or a negative errno.
 */
int ram_dir_setup(const char *dir, uint64_t size);
