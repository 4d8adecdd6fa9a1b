/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Which dmloop.d(5) files are in effect. The directories are searched in
 * this order, highest priority first; a file name found in an earlier
 * directory hides the same name in the later ones.
 */

#include "config.h"

/* The first is the administrator's directory, sysconfdir/dmloop.d; the
 * others are fixed, like systemd's own search paths. */
#define DMLOOP_CONFIG_DIRS DMLOOP_CONFIG_ETC_DIR, "/run/dmloop.d", "/usr/local/lib/dmloop.d", "/usr/lib/dmloop.d"

/* Lists the effective "*.conf" files below "root" (NULL or "/" for the real
 * root; otherwise prepended to every directory, for tests). Returns 0 and a
 * NULL-terminated list of full paths (including "root"), sorted by file
 * name, in "ret_paths".
 *
 * - Only regular files (or symlinks to them) named "<something>.conf" are
 *   considered; hidden files (".foo.conf") are ignored.
 * - An empty file or a symlink to /dev/null masks its name: it is not
 *   returned, and neither is the same name from a later directory.
 * - A dangling symlink is returned, so that opening it reports the error.
 * - Directories that do not exist are skipped.
 *
 * Returns -ENOMEM, or -errno if a directory exists but cannot be read. */
int config_enumerate(const char *root, char ***ret_paths);
