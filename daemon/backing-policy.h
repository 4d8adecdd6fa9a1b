/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Where bus callers may put backing files. The config files are root's
 * and may name any path; a bus caller's path must resolve to a regular
 * file (or a file still to be created) inside one of the allowed
 * directories of dmloopd.conf(5), without ".." and without a symlink that
 * leads out. The kernel does the resolving (openat2 with RESOLVE_BENEATH),
 * so a check and the walk it checks cannot disagree.
 */

#include "macro.h"

/*
 * Returns 0 when path is allowed: an existing regular file, or (with
 * may_create) a missing file whose directory is inside. Returns -EPERM
 * when it is not allowed, and another negative errno for other failures.
 */
int backing_path_check_for_caller(char *const *allowed_dirs, const char *path, bool may_create);

/* What backing_path_check_for_caller() falls back to where openat2() is
 * refused: opens path below dir_fd one component at a time, following no
 * symlink. Returns an fd, -ELOOP for a symlink, or another -errno.
 * Exported for the unit tests. */
int backing_open_beneath_by_hand(int dir_fd, const char *path, int flags);
