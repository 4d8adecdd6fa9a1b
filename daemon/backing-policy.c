/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "backing-policy.h"
#include "validate.h"

static int openat2_beneath(int dir_fd, const char *path, int flags) {
        struct open_how how = {
                .flags = (uint64_t) (flags | O_CLOEXEC),
                /* No "..", no absolute symlinks, no /proc magic links:
                 * nothing that walks out of dir_fd. */
                .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
        };
        int fd;

        fd = (int) syscall(SYS_openat2, dir_fd, path, &how, sizeof(how));
        return fd < 0 ? -errno : fd;
}

/*
 * The same walk by hand, one component at a time, for where openat2() is
 * not to be had: systemd's RestrictSUIDSGID= makes it fail with ENOSYS,
 * because seccomp cannot look into its open_how. Stricter than
 * RESOLVE_BENEATH: it follows no symlink at all. path is normalized, so
 * there is no ".." to climb out with.
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
        /* A backslash is an escape in a dm table: the kernel would open
         * another path than the one checked here. */
        if (!path_is_absolute_normalized(path) || strchr(path, '\\'))
                return -EPERM;

        for (char *const *d = allowed_dirs; d && *d; d++)
                if (path_is_in_directory(path, *d))
                        return check_in_dir(*d, path + strlen(*d) + (streq(*d, "/") ? 0 : 1), may_create);

        return -EPERM;
}
