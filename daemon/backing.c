/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <libgen.h>
#include <sys/stat.h>

#include "backing.h"

static int mkdir_parents(const char *path, mode_t mode) {
        _cleanup_free_ char *copy = strdup(path);
        char *slash;

        if (!copy)
                return -ENOMEM;
        /* Create every ancestor of path, top down; existing ones are fine. */
        for (slash = strchr(copy + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
                *slash = '\0';
                if (mkdir(copy, mode) < 0 && errno != EEXIST)
                        return -errno;
                *slash = '/';
        }
        return 0;
}

int backing_prepare(const char *path, uint64_t size, bool create, bool read_only, bool *ret_created) {
        _cleanup_close_ int fd = -EBADF;
        bool created = false;
        struct stat st;
        int r;

        if (size > INT64_MAX)
                return -EFBIG;

        fd = open(path, (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0 && errno == ENOENT && create && !read_only) {
                r = mkdir_parents(path, 0700);
                if (r < 0)
                        return r;
                fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
                created = fd >= 0;
        }
        if (fd < 0)
                return -errno;

        if (fstat(fd, &st) < 0) {
                r = -errno;
                goto fail;
        }
        if (!S_ISREG(st.st_mode)) {
                r = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
                goto fail;
        }

        if ((uint64_t) st.st_size < size) {
                if (!create || read_only) {
                        r = -EFBIG;
                        goto fail;
                }
                /* ftruncate leaves a hole: the file stays sparse. */
                if (ftruncate(fd, (off_t) size) < 0) {
                        r = -errno;
                        goto fail;
                }
        }

        if (ret_created)
                *ret_created = created;
        return 0;

fail:
        if (created)
                (void) unlink(path);
        return r;
}

int backing_grow(const char *path, uint64_t size) {
        _cleanup_close_ int fd = -EBADF;
        struct stat st;

        if (size > INT64_MAX)
                return -EFBIG;
        fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EINVAL;
        if ((uint64_t) st.st_size >= size)
                return 0;
        if (ftruncate(fd, (off_t) size) < 0)
                return -errno;
        return 0;
}
