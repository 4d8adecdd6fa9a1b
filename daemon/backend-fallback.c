/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Devices from stock parts: one loop device per backing file, joined by a
 * dm "linear" table. RAM devices are files in dmloopd's own tmpfs. */

#include "backend.h"

/* Attaches the open file to a loop device and maps size bytes of it. */
static int linear_append_file(DmTable *table, BuildState *state, int file_fd, uint64_t size, bool read_only) {
        _cleanup_free_ char *params = NULL;
        LoopDevice loop;
        int r;

        r = loop_attach_fd(file_fd, read_only, &loop);
        if (r < 0)
                return r;
        r = build_state_add_loop(state, &loop);
        if (r < 0) {
                safe_close(loop.fd);
                return r;
        }

        r = dm_linear_params_format(loop.devno, 0, &params);
        if (r < 0)
                return r;
        return dm_table_append(table, size / SECTOR_SIZE, "linear", params);
}

static int fallback_build_file(const DeviceConfig *c, const char *ram_dir, BuildState *state, DmTable *ret_table) {
        _cleanup_dm_table_ DmTable table = {};
        int r;

        r = backend_prepare_backing_files(c, state);
        if (r < 0)
                return r;

        for (size_t i = 0; i < c->n_segments; i++) {
                r = linear_append_file(&table, state, state->files[i].fd, c->segments[i].size, c->read_only);
                if (r < 0)
                        return r;
        }

        *ret_table = table;
        table = (DmTable){};
        return 0;
}

static int fallback_build_ram(const DeviceConfig *c, const char *ram_dir, BuildState *state, DmTable *ret_table) {
        _cleanup_dm_table_ DmTable table = {};
        _cleanup_free_ char *path = NULL;
        char *const dirs[] = { (char *) ram_dir, NULL };
        BuildState ram_state = { .allowed_dirs = dirs, .confined = true };
        int r;

        r = backend_ram_file_path(ram_dir, c->name, &path);
        if (r < 0)
                return r;

        /* A leftover file of a device that no longer exists holds stale
         * data; a new RAM device starts out zeroed. */
        (void) unlink(path);
        /* Opened beneath dmloopd's own RAM directory, whatever the
         * caller's allowed directories are. */
        r = backend_open_file(&ram_state, path, c->size, BACKING_CREATE);
        if (r < 0)
                return r;
        state->files = TAKE_PTR(ram_state.files);
        state->n_files = ram_state.n_files;

        r = linear_append_file(&table, state, state->files[0].fd, c->size, c->read_only);
        if (r < 0)
                return r;

        *ret_table = table;
        table = (DmTable){};
        return 0;
}

const Backend backend_fallback_file = {
        .name = "fallback",
        .target = "linear",
        .build = fallback_build_file,
};

const Backend backend_fallback_ram = {
        .name = "fallback",
        .target = "linear",
        .build = fallback_build_ram,
};
