/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "config-dirs.h"
#include "macro.h"

typedef struct ConfigEntry {
        char *name; /* file name, the key for precedence */
        char *path;
        unsigned priority; /* index into the directory list, lower wins */
        bool masked;
} ConfigEntry;

static void entries_free(ConfigEntry *e, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(e[i].name);
                free(e[i].path);
        }
        free(e);
}

static int entry_compare(const void *a, const void *b) {
        const ConfigEntry *x = a, *y = b;
        int c;

        c = strcmp(x->name, y->name);
        if (c != 0)
                return c;
        return (x->priority > y->priority) - (x->priority < y->priority);
}

static bool conf_name_is_interesting(const char *name) {
        size_t n = strlen(name);

        return name[0] != '.' && n > strlen(".conf") && streq(name + n - strlen(".conf"), ".conf");
}

/* Returns 1 if the entry should be listed (masked or not), 0 to skip it. */
static int classify(int dir_fd, const char *name, bool *ret_masked) {
        struct stat st;
        char target[sizeof("/dev/null")];
        ssize_t n;

        if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return 0; /* raced with removal */

        if (S_ISLNK(st.st_mode)) {
                /* Compare the link text rather than stat the target: with
                 * a test root, "/dev/null" must still mean the real one. */
                n = readlinkat(dir_fd, name, target, sizeof(target));
                if (n == (ssize_t) strlen("/dev/null") && memcmp(target, "/dev/null", n) == 0) {
                        *ret_masked = true;
                        return 1;
                }
                if (fstatat(dir_fd, name, &st, 0) < 0) {
                        /* Dangling: list it, the parser reports why it
                         * cannot be opened. */
                        *ret_masked = false;
                        return 1;
                }
        }

        if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3)) {
                *ret_masked = true;
                return 1;
        }
        if (!S_ISREG(st.st_mode))
                return 0;

        *ret_masked = st.st_size == 0;
        return 1;
}

int config_enumerate(const char *root, char ***ret_paths) {
        static const char *const dirs[] = { DMLOOP_CONFIG_DIRS };
        ConfigEntry *entries = NULL;
        size_t n_entries = 0, n_paths = 0;
        char **paths = NULL;
        int r = 0;

        assert(ret_paths);

        if (root && streq(root, "/"))
                root = NULL;

        for (unsigned i = 0; i < ELEMENTSOF(dirs); i++) {
                _cleanup_free_ char *dir = NULL;
                struct dirent *de;
                DIR *d;

                if (asprintf(&dir, "%s%s", strempty(root), dirs[i]) < 0) {
                        dir = NULL;
                        r = -ENOMEM;
                        goto finish;
                }

                d = opendir(dir);
                if (!d) {
                        if (errno == ENOENT || errno == ENOTDIR)
                                continue;
                        r = -errno;
                        goto finish;
                }

                for (;;) {
                        ConfigEntry *grown;
                        bool masked = false;

                        errno = 0;
                        de = readdir(d);
                        if (!de) {
                                r = -errno;
                                break;
                        }
                        if (!conf_name_is_interesting(de->d_name))
                                continue;
                        if (classify(dirfd(d), de->d_name, &masked) == 0)
                                continue;

                        grown = reallocarray(entries, n_entries + 1, sizeof(ConfigEntry));
                        if (!grown) {
                                r = -ENOMEM;
                                break;
                        }
                        entries = grown;
                        entries[n_entries] = (ConfigEntry){
                                .name = strdup(de->d_name),
                                .priority = i,
                                .masked = masked,
                        };
                        n_entries++;
                        if (!entries[n_entries - 1].name ||
                            asprintf(&entries[n_entries - 1].path, "%s/%s", dir, de->d_name) < 0) {
                                entries[n_entries - 1].path = NULL;
                                r = -ENOMEM;
                                break;
                        }
                }
                closedir(d);
                if (r < 0)
                        goto finish;
        }

        /* Sorting by (name, priority) puts the winner of every name first
         * in its run, and leaves the winners in lexical order. */
        if (n_entries > 0)
                qsort(entries, n_entries, sizeof(ConfigEntry), entry_compare);

        paths = calloc(n_entries + 1, sizeof(char *));
        if (!paths) {
                r = -ENOMEM;
                goto finish;
        }

        for (size_t i = 0; i < n_entries; i++) {
                if (i > 0 && streq(entries[i].name, entries[i - 1].name))
                        continue;
                if (entries[i].masked)
                        continue;
                paths[n_paths++] = TAKE_PTR(entries[i].path);
        }

        *ret_paths = TAKE_PTR(paths);
        r = 0;

finish:
        entries_free(entries, n_entries);
        return r;
}
