/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Writing a device's dmloop.d(5) file, for persistent bus devices. */

#include "device-config.h"

/* Writes the file atomically: a temporary file in the same directory,
 * fsync, rename over path, fsync of the directory. A crash leaves either
 * the old file or the new one, never half of one. */
int config_write_device(const char *path, const DeviceConfig *c);

/* Agreed with helper S (issue 9); S's config-write.c implements them, and
 * until the merge daemon/config-write-shim.c stands in.
 * config_file_set_size: edits the device's size in the file it came from,
 * keeping every other line; an /etc file is edited in place atomically, a
 * vendor file gets an /etc override under the same file name. Returns the
 * path written. config_file_remove: deletes an /etc file, or masks with a
 * /dev/null symlink of the same name in /etc when a file of that name would
 * otherwise show through. */
int config_file_set_size(const char *origin, const char *etc_dir, uint64_t size, char **ret_written);
int config_file_remove(const char *origin, const char *etc_dir, char **ret_written);
