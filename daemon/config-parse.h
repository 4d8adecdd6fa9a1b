/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Parses one dmloop.d(5) file into a resolved DeviceConfig:
 *
 *   [Device]
 *   Name=NAME                  optional, defaults to the file name without ".conf"
 *   Type=file|ram              required
 *   Size=SIZE                  see size-util.h; positive multiple of 512
 *   Backing=PATH [SIZE]        file devices, repeatable, in order
 *   ReadOnly=BOOL              default no
 *   CreateBacking=BOOL         file devices, default yes
 *   MountPoint=PATH            mounted there at boot by dmloop-generator(8)
 *   FileSystem=ext4|xfs|btrfs|swap   made on a blank device at boot
 *   MountOptions=OPTIONS       for the mount (or for swapon)
 *
 * Every key but Backing= may be given once. Errors carry the line they are
 * on; errors about the file as a whole (a missing Type=, sizes that do not
 * add up) carry the line of the [Device] header, or 1 if there is none;
 * those about the boot-time keys (see device_config_check_mount()) carry
 * the line of the key they are about.
 * See ini-reader.h for the syntax rules.
 */

#include <stdio.h>

#include "device-config.h"
#include "ini-reader.h"

/* Parses "f". "path" becomes the config's origin. "default_name" is the
 * name used when there is no Name= (may be NULL, then Name= is required);
 * the name must be valid either way. "state_dir" is where relative and
 * default backing files go. Returns 0 and a resolved config in "ret", or
 * -EINVAL with "ret_error" filled, or -ENOMEM / -EIO (with "ret_error"
 * filled too). */
int config_parse_stream(FILE *f, const char *path, const char *default_name, const char *state_dir, DeviceConfig **ret,
                        ConfigError *ret_error);

/* Opens "path" and calls config_parse_stream() with the file name minus
 * ".conf" as the default name. If the file cannot be opened, returns
 * -errno and sets "ret_error" with line 0. */
int config_parse_file(const char *path, const char *state_dir, DeviceConfig **ret, ConfigError *ret_error);
