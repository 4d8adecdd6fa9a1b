/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A device as it exists in the kernel; device-name.h says how dmloopd
 * recognises its own devices.
 */

#include "device-config.h"
#include "device-name.h"

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

/*
 * Reads a dmloop device back from the kernel: its size, read-only flag,
 * target and backing files. The type follows from the table: "ram" is a
 * RAM device, "loop" a file device, and for "linear" the loop devices'
 * backing files tell: files under ram_dir are RAM devices.
 * Returns -ENODEV when the device is missing and -EUCLEAN when the dm
 * device exists but is not one dmloopd could have made.
 */
int device_probe(const char *dm_name, const char *ram_dir, Device **ret);
