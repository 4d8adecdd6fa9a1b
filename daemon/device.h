/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A device as it exists in the kernel, and how dmloopd recognises its own
 * devices: dm name "dmloop-<name>" and dm UUID "DMLOOP-<name>".
 */

#include "device-config.h"

#define DMLOOP_DM_NAME_PREFIX "dmloop-"
#define DMLOOP_UUID_PREFIX "DMLOOP-"
#define DMLOOP_SYMLINK_DIR "/dev/dmloop"

typedef struct Device {
        char *name;
        DeviceType type;
        uint64_t size; /* bytes */
        bool read_only;
        char *target; /* dm target of the table: "linear", "loop" or "ram" */
        BackingSegment *segments; /* file devices: the backing files, in order */
        size_t n_segments;
        uint32_t major;
        uint32_t minor;
        char *origin; /* config file path, "bus", or NULL while unknown */
} Device;

Device *device_free(Device *d);
DEFINE_TRIVIAL_CLEANUP_FUNC(Device *, device_free);

int device_dm_name(const char *name, char **ret);
int device_dm_uuid(const char *name, char **ret);
int device_symlink_path(const char *name, char **ret);

/* The device name in a dmloop dm UUID, or NULL when the UUID is not ours. */
const char *device_name_from_uuid(const char *uuid);

/*
 * Reads a dmloop device back from the kernel: its size, read-only flag,
 * target and backing files. The type follows from the table: "ram" is a
 * RAM device, "loop" a file device, and for "linear" the loop devices'
 * backing files tell: files under ram_dir are RAM devices.
 * Returns -ENODEV when the device is missing and -EUCLEAN when the dm
 * device exists but is not one dmloopd could have made.
 */
int device_probe(const char *dm_name, const char *ram_dir, Device **ret);
