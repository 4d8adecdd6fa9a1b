/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Writing a device's dmloop.d(5) file, for persistent bus devices. */

#include "device-config.h"

/* Writes the file atomically: a temporary file in the same directory,
 * fsync, rename over path, fsync of the directory. A crash leaves either
 * the old file or the new one, never half of one. */
int config_write_device(const char *path, const DeviceConfig *c);
