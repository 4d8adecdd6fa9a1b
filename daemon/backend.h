/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A backend turns a device's configuration into a dm table, making any
 * parts the table needs on the way. The "kernel" backend uses dmloop's
 * own dm targets (loop, ram); the "fallback" backend builds the same
 * devices from the stock loop driver and the dm "linear" target.
 */

#include "backing.h"
#include "device-config.h"
#include "dm-table.h"
#include "loop.h"

/*
 * What a build opened and made, so that it can be dropped again on
 * failure. The caller sets the first two fields before build().
 */
typedef struct BuildState {
        /* dmloopd.conf's allowed directories: a backing path inside one is
         * opened beneath it without following symlinks (backing.h). */
        char *const *allowed_dirs;
        /* A bus caller's device: every backing path must lie inside an
         * allowed directory, and with the kernel "loop" target, which
         * opens the files by path itself, in none that a user other than
         * root can write to (backing-policy.h). */
        bool confined;

        LoopDevice *loops;
        size_t n_loops;
        /* Every backing file, open, in segment order (one for a fallback
         * RAM device). Read paths, ids and "created" from here before
         * committing, e.g. to journal them or keep the ids for a later
         * resize or DeleteBacking. */
        BackingFile *files;
        size_t n_files;
} BuildState;

/* After the dm device exists: its table holds the loop devices now, so
 * our own references are closed, and the files are kept. */
void build_state_commit(BuildState *s);

/* After a failure: closing our references detaches the autoclear loop
 * devices, and files this build created are removed (if their names still
 * name them). */
void build_state_rollback(BuildState *s);

int build_state_add_loop(BuildState *s, const LoopDevice *l);

/* backing_open() with the state's directories, appending to s->files. */
int backend_open_file(BuildState *s, const char *path, uint64_t size, BackingFlags flags);

typedef struct Backend {
        const char *name; /* "kernel" or "fallback", for logs and the bus */
        const char *target; /* the dm target the table uses */
        /* Makes the parts and the table. Besides backing_open()'s errors
         * (-ENOMEDIUM, -ENOENT and -ENOTDIR are worth a retry when the
         * mount table changes), the kernel file backend returns -EPERM for
         * a confined path in a directory a user may write to. On failure
         * the caller calls build_state_rollback(). */
        int (*build)(const DeviceConfig *c, const char *ram_dir, BuildState *state, DmTable *ret_table);
} Backend;

extern const Backend backend_fallback_file;
extern const Backend backend_fallback_ram;
extern const Backend backend_kernel_file;
extern const Backend backend_kernel_ram;

/* Opens (and creates or grows) every backing file of a file device into
 * state->files; shared by both backends. Errors as backing_open(). */
int backend_prepare_backing_files(const DeviceConfig *c, BuildState *state);

/* The path of a fallback RAM device's tmpfs file. */
int backend_ram_file_path(const char *ram_dir, const char *name, char **ret);
