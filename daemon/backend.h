/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A backend turns a device's configuration into a dm table, making any
 * parts the table needs on the way. The "kernel" backend uses dmloop's
 * own dm targets (loop, ram); the "fallback" backend builds the same
 * devices from the stock loop driver and the dm "linear" target.
 */

#include "device-config.h"
#include "dm-table.h"
#include "loop.h"

/* What a build made, so that it can be dropped again on failure. */
typedef struct BuildState {
        LoopDevice *loops;
        size_t n_loops;
        char **created_files;
        size_t n_created_files;
} BuildState;

/* After the dm device exists: its table holds the loop devices now, so
 * our own references are closed and the new files are kept. */
void build_state_commit(BuildState *s);

/* After a failure: closing our references detaches the autoclear loop
 * devices, and files this build created are removed. */
void build_state_rollback(BuildState *s);

int build_state_add_created_file(BuildState *s, const char *path);
int build_state_add_loop(BuildState *s, const LoopDevice *l);

typedef struct Backend {
        const char *name; /* "kernel" or "fallback", for logs and the bus */
        const char *target; /* the dm target the table uses */
        int (*build)(const DeviceConfig *c, const char *ram_dir, BuildState *state, DmTable *ret_table);
} Backend;

extern const Backend backend_fallback_file;
extern const Backend backend_fallback_ram;
extern const Backend backend_kernel_file;
extern const Backend backend_kernel_ram;

/* Prepares every backing file of a file device (shared by both backends). */
int backend_prepare_backing_files(const DeviceConfig *c, BuildState *state);

/* The path of a fallback RAM device's tmpfs file. */
int backend_ram_file_path(const char *ram_dir, const char *name, char **ret);
