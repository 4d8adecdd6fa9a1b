/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The daemon's own settings, dmloopd.conf(5):
 *
 *   [Daemon]
 *   AllowedBackingDirectories=DIR...   where bus callers may put backing
 *                                      files: space-separated absolute
 *                                      normalized paths; empty = nowhere.
 *                                      Default: DMLOOP_STATE_DIR,
 *                                      localstatedir/lib/dmloop
 *   RamLimit=SIZE|PERCENT%             cap on the total size of ram
 *                                      devices; a size (size-util.h) or an
 *                                      integer percentage 0..100 of
 *                                      MemTotal. Default: 50%
 *   MaxDevices=N                       1..4096. Default: 256
 *   UdevTimeoutSec=N                   how long an operation waits for udev
 *                                      to finish a device's event, 1..3600
 *                                      seconds. Default: 180, udev's own
 *                                      event timeout, so udev's verdict
 *                                      normally comes first.
 *
 * Each key may be given once. A missing file means all defaults. The
 * syntax rules are those of ini-reader.h.
 */

#include <stdint.h>

#include "config.h"
#include "ini-reader.h"

#define DAEMON_CONFIG_DEFAULT_BACKING_DIR DMLOOP_STATE_DIR
#define DAEMON_CONFIG_DEFAULT_RAM_PERCENT 50U
#define DAEMON_CONFIG_DEFAULT_MAX_DEVICES 256U
#define DAEMON_CONFIG_MAX_DEVICES_LIMIT 4096U
#define DAEMON_CONFIG_DEFAULT_UDEV_TIMEOUT_SEC 180U
#define DAEMON_CONFIG_MAX_UDEV_TIMEOUT_SEC 3600U

typedef struct DaemonConfig {
        char **allowed_backing_dirs; /* NULL-terminated, never NULL after a successful load */
        uint64_t ram_limit; /* bytes */
        unsigned max_devices;
        uint64_t udev_timeout_usec;
} DaemonConfig;

/* Loads "path" (-ENOENT is not an error: defaults). "mem_total" is the
 * host's MemTotal in bytes, for percentages. On success fills "ret", which
 * is treated as uninitialized (call daemon_config_done() on an old value
 * first). On failure returns -EINVAL (or -EIO, -ENOMEM, -errno of fopen())
 * and fills "ret_error"; "ret" is untouched. */
int daemon_config_load(const char *path, uint64_t mem_total, DaemonConfig *ret, ConfigError *ret_error);

/* Frees the contents and zeroes "c". Fine on a zeroed struct. */
void daemon_config_done(DaemonConfig *c);

/* Percent of "total", rounded down, without overflow. */
uint64_t percent_of(uint64_t total, unsigned percent);
