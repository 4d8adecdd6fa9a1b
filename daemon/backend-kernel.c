/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Devices from dmloop's own dm targets: "loop" maps each segment straight
 * to its backing file, "ram" keeps the data in kernel pages. */

#include "backend.h"
#include "backing-policy.h"

static int kernel_build_file(const DeviceConfig *c, const char *ram_dir, BuildState *state, DmTable *ret_table) {
        _cleanup_dm_table_ DmTable table = {};
        int r;

        r = backend_prepare_backing_files(c, state);
        if (r < 0)
                return r;

        for (size_t i = 0; i < c->n_segments; i++) {
                _cleanup_free_ char *params = NULL;

                /* The target opens the file by path in the kernel, so the
                 * path must stay what was opened here: no user may be
                 * able to swap a component of it. */
                if (state->confined) {
                        r = backing_path_check_kernel(state->allowed_dirs, c->segments[i].path, NULL);
                        if (r < 0)
                                return r;
                }

                r = dm_loop_params_format(c->segments[i].path, 0, &params);
                if (r < 0)
                        return r;
                r = dm_table_append(&table, c->segments[i].size / SECTOR_SIZE, "loop", params);
                if (r < 0)
                        return r;
        }

        *ret_table = table;
        table = (DmTable){};
        return 0;
}

static int kernel_build_ram(const DeviceConfig *c, const char *ram_dir, BuildState *state, DmTable *ret_table) {
        _cleanup_dm_table_ DmTable table = {};
        int r;

        r = dm_table_append(&table, c->size / SECTOR_SIZE, "ram", "");
        if (r < 0)
                return r;

        *ret_table = table;
        table = (DmTable){};
        return 0;
}

const Backend backend_kernel_file = {
        .name = "kernel",
        .target = "loop",
        .build = kernel_build_file,
};

const Backend backend_kernel_ram = {
        .name = "kernel",
        .target = "ram",
        .build = kernel_build_ram,
};
