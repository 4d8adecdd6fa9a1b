/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdio.h>

#include "backend.h"
#include "backing.h"

int build_state_add_created_file(BuildState *s, const char *path) {
        char **l;

        l = reallocarray(s->created_files, s->n_created_files + 1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        s->created_files = l;
        s->created_files[s->n_created_files] = strdup(path);
        if (!s->created_files[s->n_created_files])
                return -ENOMEM;
        s->n_created_files++;
        return 0;
}

int build_state_add_loop(BuildState *s, const LoopDevice *l) {
        LoopDevice *n;

        n = reallocarray(s->loops, s->n_loops + 1, sizeof(LoopDevice));
        if (!n)
                return -ENOMEM;
        s->loops = n;
        s->loops[s->n_loops++] = *l;
        return 0;
}

static void build_state_free(BuildState *s, bool remove_files) {
        for (size_t i = 0; i < s->n_loops; i++)
                safe_close(s->loops[i].fd);
        s->loops = mfree(s->loops);
        s->n_loops = 0;

        for (size_t i = 0; i < s->n_created_files; i++) {
                if (remove_files)
                        (void) unlink(s->created_files[i]);
                free(s->created_files[i]);
        }
        s->created_files = mfree(s->created_files);
        s->n_created_files = 0;
}

void build_state_commit(BuildState *s) {
        build_state_free(s, false);
}

void build_state_rollback(BuildState *s) {
        build_state_free(s, true);
}

int backend_prepare_backing_files(const DeviceConfig *c, BuildState *state) {
        int r;

        for (size_t i = 0; i < c->n_segments; i++) {
                bool created = false;

                r = backing_prepare(c->segments[i].path, c->segments[i].size, c->create_backing, c->read_only,
                                    &created);
                if (r < 0)
                        return r;
                if (created) {
                        r = build_state_add_created_file(state, c->segments[i].path);
                        if (r < 0) {
                                (void) unlink(c->segments[i].path);
                                return r;
                        }
                }
        }
        return 0;
}

int backend_ram_file_path(const char *ram_dir, const char *name, char **ret) {
        if (asprintf(ret, "%s/%s", ram_dir, name) < 0)
                return -ENOMEM;
        return 0;
}
