/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Backing files: creating, growing and checking the regular files that
 * hold a file device's data. */

#include "macro.h"

/*
 * Makes sure path is a regular file of at least size bytes.
 * A missing file is created sparse with mode 0600 (and its parent
 * directory with 0700) when create is set; a short file is grown when
 * create is set and the device is writable. *ret_created tells the caller
 * whether the file is new, so a failed call can remove what it made.
 * Returns -ENOENT for a missing file without create, -EFBIG for a short
 * file that may not be grown, -EISDIR for a directory and -EINVAL for
 * anything else that is not a regular file.
 */
int backing_prepare(const char *path, uint64_t size, bool create, bool read_only, bool *ret_created);

/* Grows a regular file to size bytes, never shrinking it. */
int backing_grow(const char *path, uint64_t size);
