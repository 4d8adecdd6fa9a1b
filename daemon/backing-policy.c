/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <fcntl.h>
#include <stdio.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "backing-policy.h"
#include "backing.h"
#include "validate.h"

static int openat2_beneath(int dir_fd, const char *path, int flags) {
        struct open_how how = {
                .flags = (uint64_t) (flags | O_CLOEXEC),
                /* No "..", no symlinks, no /proc magic links: nothing
                 * that walks out of dir_fd, and the same walk as the one
                 * by hand below and as backing_open(). */
                .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
        };
        int fd;

        fd = (int) syscall(SYS_openat2, dir_fd, path, &how, sizeof(how));
        if (fd < 0 && errno == ELOOP)
                return -ELOOP;
        return fd < 0 ? -errno : fd;
}

/*
 * The same walk by hand, one component at a time, for where openat2() is
 * not to be had: systemd's RestrictSUIDSGID= makes it fail with ENOSYS,
 * because seccomp cannot look into its open_how. Like RESOLVE_NO_SYMLINKS,
 * it follows no symlink at all. path is normalized, so there is no ".."
 * to climb out with.
 */
int backing_open_beneath_by_hand(int dir_fd, const char *path, int flags) {
        _cleanup_free_ char *copy = strdup(path);
        _cleanup_close_ int cur = -EBADF;
        char *component, *next;

        if (!copy)
                return -ENOMEM;

        cur = fcntl(dir_fd, F_DUPFD_CLOEXEC, 3);
        if (cur < 0)
                return -errno;

        for (component = copy; (next = strchr(component, '/')); component = next + 1) {
                int fd;

                *next = '\0';
                fd = openat(cur, component, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        /* A symlink where a directory should be: ENOTDIR. */
                        return errno == ENOTDIR ? -ELOOP : -errno;
                safe_close(cur);
                cur = fd;
        }

        {
                struct stat st;
                int fd = openat(cur, component, flags | O_NOFOLLOW | O_CLOEXEC);

                if (fd < 0) {
                        int r = -errno;

                        /* O_DIRECTORY on a symlink says ENOTDIR; say what it is. */
                        if (r == -ENOTDIR && fstatat(cur, component, &st, AT_SYMLINK_NOFOLLOW) >= 0 &&
                            S_ISLNK(st.st_mode))
                                return -ELOOP;
                        return r;
                }
                if ((flags & O_PATH) && fstat(fd, &st) >= 0 && S_ISLNK(st.st_mode)) {
                        safe_close(fd);
                        return -ELOOP;
                }
                return fd;
        }
}

static int open_beneath(int dir_fd, const char *path, int flags) {
        int fd = openat2_beneath(dir_fd, path, flags);

        if (fd == -ENOSYS || fd == -EPERM)
                return backing_open_beneath_by_hand(dir_fd, path, flags);
        return fd;
}

static int check_in_dir(const char *dir, const char *relative, bool may_create) {
        _cleanup_close_ int dir_fd = -EBADF, fd = -EBADF;
        struct stat st;

        dir_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd < 0 && errno == ENOENT && may_create) {
                /* backing_open() makes the allowed directory when its
                 * parent exists: the state directory on a first run. */
                _cleanup_free_ char *parent = strdup(dir);
                struct stat pst;

                if (!parent)
                        return -ENOMEM;
                *strrchr(parent, '/') = '\0';
                if (stat(parent[0] ? parent : "/", &pst) >= 0 && S_ISDIR(pst.st_mode))
                        return 0;
                return -ENOENT;
        }
        if (dir_fd < 0)
                return -errno;

        /* O_PATH opens nothing for I/O, so a FIFO or device cannot block
         * or react; the type check below refuses them. */
        fd = open_beneath(dir_fd, relative, O_PATH | O_NOFOLLOW);
        if (fd == -ENOENT && may_create) {
                _cleanup_free_ char *parent = strdup(relative);
                char *slash;

                if (!parent)
                        return -ENOMEM;
                slash = strrchr(parent, '/');
                if (!slash)
                        return 0; /* directly in dir */
                *slash = '\0';
                fd = open_beneath(dir_fd, parent, O_PATH | O_DIRECTORY);
                if (fd == -ENOENT)
                        return 0; /* created with its parents, all inside dir */
                return fd < 0 ? (fd == -EXDEV || fd == -ELOOP ? -EPERM : fd) : 0;
        }
        if (fd == -EXDEV || fd == -ELOOP)
                return -EPERM;
        if (fd < 0)
                return fd;

        if (fstat(fd, &st) < 0)
                return -errno;
        return S_ISREG(st.st_mode) ? 0 : -EPERM;
}

int backing_path_check_for_caller(char *const *allowed_dirs, const char *path, bool may_create) {
        const char *dir;

        /* A backslash is an escape in a dm table: the kernel would open
         * another path than the one checked here. */
        if (!path_is_absolute_normalized(path) || strchr(path, '\\'))
                return -EPERM;

        dir = backing_allowed_dir(allowed_dirs, path);
        if (!dir)
                return -EPERM;
        return check_in_dir(dir, path + strlen(dir) + (streq(dir, "/") ? 0 : 1), may_create);
}

/* Whether st, a directory on the way, lets a user other than root change
 * its entries; next_st is the entry below it (NULL when missing). */
static bool dir_writable_by_user(const struct stat *st, const struct stat *next_st) {
        if (st->st_uid != 0)
                return true; /* its owner may chmod it */
        if (st->st_gid != 0 && (st->st_mode & S_IWGRP))
                return true;
        if (st->st_mode & S_IWOTH)
                /* Sticky: others may not rename or remove root's entries. */
                return !(st->st_mode & S_ISVTX) || (next_st && next_st->st_uid != 0);
        return false;
}

static int offender(const char *path, size_t len, char **ret) {
        if (ret) {
                *ret = len > 0 ? strndup(path, len) : strdup("/");
                if (!*ret)
                        return -ENOMEM;
        }
        return -EPERM;
}

/* Checks the directories of path ("/a/b/c"): "/", "/a" and "/a/b", each
 * together with the entry below it. */
static int check_chain(const char *path, char **ret_offender) {
        struct stat dir_st, st;
        size_t dir_len = 0; /* the directory is path[0, dir_len), "" for "/" */

        if (lstat("/", &dir_st) < 0)
                return -errno;
        for (;;) {
                const char *slash = strchr(path + dir_len + 1, '/');
                size_t entry_len = slash ? (size_t) (slash - path) : strlen(path);
                _cleanup_free_ char *entry = strndup(path, entry_len);
                bool have;

                if (!entry)
                        return -ENOMEM;
                have = lstat(entry, &st) >= 0;
                if (!have && errno != ENOENT)
                        return -errno;
                if (dir_writable_by_user(&dir_st, have ? &st : NULL))
                        return offender(path, dir_len, ret_offender);
                /* What is missing, backing_open() makes: root's, 0700. */
                if (!have || !slash)
                        return 0;
                if (!S_ISDIR(st.st_mode))
                        return offender(path, entry_len, ret_offender); /* a symlink on the way */
                dir_st = st;
                dir_len = entry_len;
        }
}

int backing_path_check_kernel(char *const *allowed_dirs, const char *path, char **ret_offender) {
        _cleanup_free_ char *real = NULL, *full = NULL;
        const char *dir;

        assert(path);

        if (!path_is_absolute_normalized(path))
                return -EPERM;
        dir = backing_allowed_dir(allowed_dirs, path);
        if (!dir)
                return -EPERM;

        /* Above the allowed directory, symlinks are root's (the admin
         * configured the directory): check where they lead. Below it,
         * backing_open() followed none. */
        real = realpath(dir, NULL);
        if (!real)
                return errno == ENOENT ? check_chain(path, ret_offender) : -errno;
        if (asprintf(&full, "%s%s", streq(real, "/") ? "" : real, path + strlen(dir) + (streq(dir, "/") ? -1 : 0)) < 0)
                return -ENOMEM;
        return check_chain(full, ret_offender);
}

int backing_policy_check_config(char *const *allowed_dirs, const DeviceConfig *c, bool kernel_opens_by_path,
                                char **ret_message) {
        bool may_create = c->create_backing && !c->read_only;
        int r;

        assert(c);
        assert(ret_message);

        for (size_t i = 0; i < c->n_segments; i++) {
                const char *path = c->segments[i].path;
                _cleanup_free_ char *writable = NULL;

                r = backing_path_check_for_caller(allowed_dirs, path, may_create);
                if (r == -EPERM) {
                        if (asprintf(ret_message,
                                     "Backing file %s is not allowed: it must be a regular file inside an allowed "
                                     "directory (see dmloopd.conf(5)), reached without symlinks.",
                                     path) < 0)
                                return -ENOMEM;
                        return r;
                }
                if (r == -ENOENT) {
                        if (asprintf(ret_message, "Backing file %s does not exist, and %s.", path,
                                     c->read_only         ? "a read-only device never creates its backing files"
                                     : !c->create_backing ? "option 'CreateBacking' is false"
                                                          : "its allowed directory cannot be created") < 0)
                                return -ENOMEM;
                        return r;
                }
                if (r < 0) {
                        if (asprintf(ret_message, "Cannot check backing file %s: %s", path, strerror(-r)) < 0)
                                return -ENOMEM;
                        return r;
                }

                if (!kernel_opens_by_path)
                        continue;
                r = backing_path_check_kernel(allowed_dirs, path, &writable);
                if (r == -EPERM) {
                        if (asprintf(ret_message,
                                     "Backing file %s is not allowed with the kernel loop target: %s may be "
                                     "changed by users other than root, and the kernel opens the file by its "
                                     "path. Make the allowed directory root's and not writable by others.",
                                     path, writable ?: path) < 0)
                                return -ENOMEM;
                        return r;
                }
                if (r < 0) {
                        if (asprintf(ret_message, "Cannot check backing file %s: %s", path, strerror(-r)) < 0)
                                return -ENOMEM;
                        return r;
                }
        }
        return 0;
}
