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

static int check_in_dir(const char *dir, const char *relative, bool may_create) {
        _cleanup_close_ int dir_fd = -EBADF, fd = -EBADF;
        struct stat st;

        dir_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd < 0)
                return -errno;

        /* O_PATH opens nothing for I/O, so a FIFO or device cannot block
         * or react; the type check below refuses them. */
        fd = openat2_beneath(dir_fd, relative, O_PATH | O_NOFOLLOW);
        if (fd == -ENOENT && may_create) {
                _cleanup_free_ char *parent = strdup(relative);
                char *slash;

                if (!parent)
                        return -ENOMEM;
                slash = strrchr(parent, '/');
                if (!slash)
                        return 0; /* directly in dir */
                *slash = '\0';
                fd = openat2_beneath(dir_fd, parent, O_PATH | O_DIRECTORY);
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
