/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The units dmloop-generator(8) writes for the boot-time keys of dmloop.d(5)
 * (MountPoint=, FileSystem=, MountOptions=). Pure file writing: nothing here
 * talks to the bus or to device-mapper, and nothing logs; problems go to
 * the caller's log function.
 *
 * For a device NAME with MountPoint=/P (unit name P.mount, escaped):
 *   P.mount                          What=/dev/dmloop/NAME, Where=/P,
 *                                    Options=[ro,]MountOptions,nofail
 *   systemd-makefs@DEV.service       with FileSystem=: formats a blank
 *                                    device, leaves a used one alone
 *   DEV.device.wants/P.mount         pulled in by the device when it
 *                                    appears, whenever that is; nothing
 *                                    waits for it (nofail)
 * where DEV is dev-dmloop-NAME, escaped. File devices add
 * RequiresMountsFor= for the directories of their backing files.
 *
 * For FileSystem=swap: DEV.swap and systemd-mkswap@DEV.service, wanted by
 * the device the same way.
 */

#include "config-load.h"

typedef struct GeneratorSettings {
        const char *makefs_path; /* systemd-makefs, e.g. "/lib/systemd/systemd-makefs" */
        const char *strip_prefix; /* removed from config file paths (a test root); NULL for none */
} GeneratorSettings;

/* Receives one line, "path:line: message" or "path: message", without a
 * newline; "level" is a syslog level. */
typedef void (*GeneratorLogFunc)(int level, const char *line, void *userdata);

/* Writes the units for the device "c" into the directory "dir_fd" (the
 * generator's output directory). Devices that are neither mounted nor swap
 * get nothing. Returns 0 or -errno; on -EINVAL (a value that cannot be
 * written into a unit file) "ret_message" says why. */
int generator_units_write_device(int dir_fd, const DeviceConfig *c, const GeneratorSettings *settings,
                                 const char **ret_message);

/* Logs every diagnostic of "set" (the files dmloopd skips too, with the same
 * message), then writes the units of every device. A device whose units
 * cannot be written is logged and skipped. Returns 0, or -ENOMEM. */
int generator_units_write(const ConfigSet *set, int dir_fd, const GeneratorSettings *settings, GeneratorLogFunc log,
                          void *userdata);
