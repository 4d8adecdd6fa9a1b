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
} DeviceConfig;

/* A config with the defaults: type _DEVICE_TYPE_INVALID, size 0,
 * read_only false, create_backing true, no segments. NULL on OOM. */
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
 * On failure returns -EINVAL with a static, sentence-style message in
 * "ret_message" and leaves "c" untouched; -ENOMEM leaves it untouched too.
 * Resolving a resolved config is a no-op. */
int device_config_resolve(DeviceConfig *c, const char *state_dir, const char **ret_message);

/* Formats a resolved config as a dmloop.d(5) file that parses back into the
 * same config (used for Persistent=true and for golden tests). Returns
 * -EINVAL if it cannot be written as such a file (a path with whitespace,
 * or a line too long for the parser), -ENOMEM, or 0. */
int device_config_format(const DeviceConfig *c, char **ret);
