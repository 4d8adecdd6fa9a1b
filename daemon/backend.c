/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdio.h>

#include "backend.h"

int build_state_add_loop(BuildState *s, const LoopDevice *l) {
        LoopDevice *n;

        n = reallocarray(s->loops, s->n_loops + 1, sizeof(LoopDevice));
        if (!n)
                return -ENOMEM;
        s->loops = n;
        s->loops[s->n_loops++] = *l;
        return 0;
}

static void build_state_free(BuildState *s, bool undo) {
        for (size_t i = 0; i < s->n_loops; i++)
                safe_close(s->loops[i].fd);
        s->loops = mfree(s->loops);
        s->n_loops = 0;

        for (size_t i = 0; i < s->n_files; i++)
                if (undo)
                        backing_file_undo(&s->files[i]);
                else
                        backing_file_done(&s->files[i]);
        s->files = mfree(s->files);
        s->n_files = 0;
}

void build_state_commit(BuildState *s) {
        build_state_free(s, false);
}

void build_state_rollback(BuildState *s) {
        build_state_free(s, true);
}

/* Opens one file into the state; on failure nothing is left open or made. */
int backend_open_file(BuildState *s, const char *path, uint64_t size, BackingFlags flags) {
        BackingFile *l;
        int r;

        l = reallocarray(s->files, s->n_files + 1, sizeof(BackingFile));
        if (!l)
                return -ENOMEM;
        s->files = l;
        s->files[s->n_files] = BACKING_FILE_NULL;
        r = backing_open(path, s->allowed_dirs, size, flags | (s->confined ? BACKING_CONFINED : 0),
                         &s->files[s->n_files]);
        if (r < 0)
                return r;
        s->n_files++;
        return 0;
}

int backend_prepare_backing_files(const DeviceConfig *c, BuildState *state) {
        BackingFlags flags = (c->create_backing ? BACKING_CREATE : 0) | (c->read_only ? BACKING_READ_ONLY : 0);
        int r;

        for (size_t i = 0; i < c->n_segments; i++) {
                r = backend_open_file(state, c->segments[i].path, c->segments[i].size, flags);
                if (r < 0)
                        return r;
        }
        return 0;
}

int backend_ram_file_path(const char *ram_dir, const char *name, char **ret) {
        if (asprintf(ret, "%s/%s", ram_dir, name) < 0)
                return -ENOMEM;
        return 0;
}
