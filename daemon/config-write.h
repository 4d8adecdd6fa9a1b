/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Writing dmloop.d(5) files: a new one for a persistent bus device, and
 * changes to the file a device came from when it is resized or removed.
 * Every write is atomic: a temporary file in the same directory, fsync,
 * rename, fsync of the directory. A crash or a failure leaves the old
 * file or the new one, never half of one.
 */

#include "device-config.h"

/* Writes the file atomically: a temporary file in the same directory,
 * fsync, rename over path, fsync of the directory. A crash leaves either
 * the old file or the new one, never half of one. */
int config_write_device(const char *path, const DeviceConfig *c);

/*
 * Changes the size of the device defined in origin to size bytes, keeping
 * every other line, key and comment byte for byte:
 *  - with Size=, its value is rewritten;
 *  - when the last Backing= has a SIZE (so every segment has one), that
 *    SIZE becomes what the other segments leave of the new size;
 *  - both, when the file has both.
 * The edited text must parse back (config_parse_stream()) with the new
 * size, or nothing is written (-EINVAL); -EINVAL too when there is no
 * size to change or the other segments leave no room.
 *
 * An origin directly inside etc_dir is rewritten in place (its mode
 * kept). An origin anywhere else (/run/dmloop.d, /usr/local/lib/dmloop.d,
 * /usr/lib/dmloop.d) is left alone and overridden by etc_dir/<its file
 * name>, mode 0644, which holds the edited text; etc_dir is made (0755)
 * when missing. *ret_written is the path written.
 *
 * Call it before the table changes, and fail the resize if it fails.
 */
int config_file_set_size(const char *origin, const char *etc_dir, uint64_t size, char **ret_written);

/*
 * After a device is removed, makes sure that it does not come back:
 *  - an origin directly inside etc_dir is unlinked, unless a file of the
 *    same name exists in a lower-precedence dmloop.d directory (see
 *    config-dirs.h; config_root prefixes them, NULL means "/"), which would
 *    then take its place: then it is replaced by a symlink to /dev/null;
 *  - an origin anywhere else is masked by etc_dir/<its file name> ->
 *    /dev/null.
 * *ret_written is the path removed or written. Returns -errno; an origin
 * that is gone already is no error.
 */
int config_file_remove(const char *origin, const char *etc_dir, const char *config_root, char **ret_written);
