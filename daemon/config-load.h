/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Loads every effective dmloop.d(5) file (see config-dirs.h). A bad file
 * costs only its own device: it becomes a diagnostic, and every other
 * device is still loaded. Nothing here logs; the caller logs each
 * diagnostic as "<path>:<line>: <message>".
 */

#include <stddef.h>

#include "device-config.h"

typedef struct ConfigDiagnostic {
        char *path;
        unsigned line; /* 0 if not tied to a line (e.g. the file cannot be opened) */
        char *message;
} ConfigDiagnostic;

typedef struct ConfigSet {
        DeviceConfig **devices; /* valid, resolved devices, in file order */
        size_t n_devices;
        ConfigDiagnostic *diagnostics; /* one per skipped file / refused duplicate, in file order */
        size_t n_diagnostics;
} ConfigSet;

ConfigSet *config_set_free(ConfigSet *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(ConfigSet *, config_set_free);

/* Finds the device called "name", or NULL. */
DeviceConfig *config_set_find(const ConfigSet *s, const char *name);

/* "root" as for config_enumerate(); "state_dir" as for config_parse_file().
 * When two files define the same name, the first in lexical order wins and
 * the second becomes a diagnostic "Duplicate device name ..., ignoring";
 * the same goes for two devices with the same MountPoint=.
 * Returns 0, -ENOMEM, or -errno if a config directory cannot be read. */
int config_load(const char *root, const char *state_dir, ConfigSet **ret);
