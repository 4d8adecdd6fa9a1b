/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * One device as configured: by a dmloop.d(5) file or by a bus call. The
 * parser fills in what the file says; device_config_resolve() then fills
 * in the defaults and checks that the whole is consistent. Everything that
 * creates devices works on resolved configs only.
 */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"

typedef enum DeviceType {
        DEVICE_TYPE_FILE,
        DEVICE_TYPE_RAM,
        _DEVICE_TYPE_MAX,
        _DEVICE_TYPE_INVALID = -EINVAL,
} DeviceType;

/* "file", "ram"; NULL for anything else. */
const char *device_type_to_string(DeviceType t);
/* The reverse; _DEVICE_TYPE_INVALID for unknown strings (and NULL). */
DeviceType device_type_from_string(const char *s);

/* How a device is formatted by dmloop-generator(8): FileSystem= in dmloop.d(5). */
typedef enum FileSystem {
        FILE_SYSTEM_NONE, /* not formatted: mounted as it is, if at all */
        FILE_SYSTEM_EXT4,
        FILE_SYSTEM_XFS,
        FILE_SYSTEM_BTRFS,
        FILE_SYSTEM_SWAP,
        _FILE_SYSTEM_MAX,
        _FILE_SYSTEM_INVALID = -EINVAL,
} FileSystem;

/* "ext4", "xfs", "btrfs", "swap"; NULL for FILE_SYSTEM_NONE and anything else. */
const char *file_system_to_string(FileSystem fs);
/* The reverse; _FILE_SYSTEM_INVALID for unknown strings (and NULL). */
FileSystem file_system_from_string(const char *s);

typedef struct BackingSegment {
        char *path; /* absolute after resolution */
        uint64_t size; /* bytes; 0 = "the rest" before resolution, > 0 after */
} BackingSegment;

/* Appends a copy of path to a segment array; 0 or -ENOMEM. */
int backing_segments_append(BackingSegment **segments, size_t *n, const char *path, uint64_t size);
/* Frees the paths and the array; fine on NULL. */
void backing_segments_free(BackingSegment *segments, size_t n);

typedef struct DeviceConfig {
        char *name;
        DeviceType type;
        uint64_t size; /* total bytes, positive multiple of 512 (0 = unset before resolution) */
        bool read_only;
        bool create_backing; /* default true */
        BackingSegment *segments; /* file devices: >= 1 segment after resolution; ram: none */
        size_t n_segments;
        char *origin; /* config file path, or "bus" */
        unsigned origin_line; /* line of Name= (or of [Device] if Name= is defaulted) */

        /* Boot-time use, carried out by dmloop-generator(8); dmloopd only
         * validates these. Config files only: the bus never sets them. */
        char *mount_point; /* absolute, normalized, not "/"; NULL = not mounted */
        unsigned mount_point_line; /* line of MountPoint=, for messages */
        FileSystem file_system; /* FILE_SYSTEM_SWAP: used as swap, never with a mount point */
        char *mount_options; /* mount(8) or swapon(8) options; NULL = none */
} DeviceConfig;

/* A config with the defaults: type _DEVICE_TYPE_INVALID, size 0,
 * read_only false, create_backing true, no segments, not mounted, no file
 * system. NULL on OOM. */
DeviceConfig *device_config_new(void);
DeviceConfig *device_config_free(DeviceConfig *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(DeviceConfig *, device_config_free);

/* Appends a segment; "size" 0 means "the rest of Size=". Copies "path".
 * Returns 0 or -ENOMEM. */
int device_config_add_segment(DeviceConfig *c, const char *path, uint64_t size);

/* Fills in defaults and checks consistency:
 *  - the name is valid and the type is known;
 *  - a ram device has no segments and a valid Size=;
 *  - a file device without segments gets "<state_dir>/<name>.img";
 *  - relative segment paths are made absolute under "state_dir";
 *  - every segment but the last has a size; the last one without a size
 *    takes the rest of Size=; Size= is derived when every segment has one;
 *  - the segment sizes sum up to Size=, every one a positive multiple of
 *    512, and no backing file is listed twice.
 * The boot-time keys are checked separately, by device_config_check_mount().
 * On failure returns -EINVAL with a static, sentence-style message in
 * "ret_message" and leaves "c" untouched; -ENOMEM leaves it untouched too.
 * Resolving a resolved config is a no-op. */
int device_config_resolve(DeviceConfig *c, const char *state_dir, const char **ret_message);

/* True if dmloop-generator(8) writes units for this device: it has a
 * mount point, or is swap. */
bool device_config_is_mounted(const DeviceConfig *c);

/* Checks the boot-time keys of a resolved config (config_parse_stream()
 * does, for every config file):
 *  - MountPoint= is absolute, normalized, not "/", without whitespace or
 *    control characters, and short enough for a unit name;
 *  - FileSystem=swap has no MountPoint=; any other FileSystem= needs one;
 *  - a ram device with MountPoint= needs FileSystem= (it is blank);
 *  - MountOptions= needs MountPoint= or swap, and holds no whitespace or
 *    control characters;
 *  - FileSystem= is not combined with ReadOnly=yes (it would format);
 *  - no backing file lies below the mount point, which would hide it.
 * Returns 0, -ENOMEM, or -EINVAL with a static message; "ret_key" (may be NULL) gets
 * the key the message is about ("MountPoint", "FileSystem" or
 * "MountOptions"), for the parser to point at its line. */
int device_config_check_mount(const DeviceConfig *c, const char **ret_message, const char **ret_key);

/* Formats a resolved config as a dmloop.d(5) file that parses back into the
 * same config (used for Persistent=true and for golden tests). Returns
 * -EINVAL if it cannot be written as such a file (a path with whitespace,
 * or a line too long for the parser), -ENOMEM, or 0. */
int device_config_format(const DeviceConfig *c, char **ret);
