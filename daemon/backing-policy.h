/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Where bus callers may put backing files. The config files are root's
 * and may name any path; a bus caller's path must resolve to a regular
 * file (or a file still to be created) inside one of the allowed
 * directories of dmloopd.conf(5), without ".." and without any symlink,
 * the same walk backing_open() makes. These checks come first, so that a
 * refusal has a clear message and costs nothing; the guarantee is that
 * backing_open() opens the file once, beneath its directory, and that
 * descriptor is used.
 */

#include "device-config.h"
#include "macro.h"

/*
 * Returns 0 when path is allowed: an existing regular file, or (with
 * may_create) a missing file whose directory is inside, or whose allowed
 * directory is missing itself but can be made (its parent exists).
 * Returns -EPERM when it is not allowed, -ENOENT when it is missing (and
 * may not be created, or its allowed directory cannot be), and another
 * negative errno for other failures.
 */
int backing_path_check_for_caller(char *const *allowed_dirs, const char *path, bool may_create);

/*
 * For the kernel "loop" target, which opens each backing file by path in
 * the kernel: returns -EPERM when a user other than root could change
 * what path leads to, that is when a directory on the way from "/" to the
 * file (the allowed directory's real path, then the components below it)
 * is not owned by root, is group-writable by a group other than root's,
 * or is world-writable without the sticky bit; a sticky world-writable
 * directory passes only if the next component is root's. The file itself
 * must be root's when its directory is sticky. ACLs are not looked at.
 * *ret_offender (when given) is the path that fails. A missing component
 * is fine (0): backing_open() makes it, root's and 0700.
 */
int backing_path_check_kernel(char *const *allowed_dirs, const char *path, char **ret_offender);

/*
 * Every check of a bus caller's resolved file device config in one call,
 * before any work: each backing path with backing_path_check_for_caller()
 * (may_create from CreateBacking and ReadOnly), and with
 * kernel_opens_by_path (the kernel "loop" target is in use) with
 * backing_path_check_kernel(). Returns 0, or a negative errno with a
 * sentence in *ret_message naming the file and what to do:
 *   -EPERM   -> org.dmloop1.Error.BackingNotAllowed
 *   -ENOENT  -> InvalidArgs (missing and not to be created)
 *   other    -> Failed
 */
int backing_policy_check_config(char *const *allowed_dirs, const DeviceConfig *c, bool kernel_opens_by_path,
                                char **ret_message);

/* What backing_path_check_for_caller() falls back to where openat2() is
 * refused: opens path below dir_fd one component at a time, following no
 * symlink. Returns an fd, -ELOOP for a symlink, or another -errno.
 * Exported for the unit tests. */
int backing_open_beneath_by_hand(int dir_fd, const char *path, int flags);
