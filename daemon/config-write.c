/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "config-write.h"

static int write_all(int fd, const char *text) {
        size_t left = strlen(text);

        while (left > 0) {
                ssize_t n = write(fd, text, left);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                text += n;
                left -= (size_t) n;
        }
        return 0;
}

int config_write_device(const char *path, const DeviceConfig *c) {
        _cleanup_free_ char *text = NULL, *dir = NULL, *tmp = NULL;
        _cleanup_close_ int fd = -EBADF, dir_fd = -EBADF;
        char *slash;
        int r;

        r = device_config_format(c, &text);
        if (r < 0)
                return r;

        dir = strdup(path);
        if (!dir)
                return -ENOMEM;
        slash = strrchr(dir, '/');
        if (!slash)
                return -EINVAL;
        *slash = '\0';
        if (mkdir(dir[0] ? dir : "/", 0755) < 0 && errno != EEXIST)
                return -errno;

        /* A dot file: config_enumerate() never picks it up half-written. */
        if (asprintf(&tmp, "%s/.#%s.XXXXXX", dir, slash + 1) < 0)
                return -ENOMEM;
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return -errno;

        r = write_all(fd, text);
        if (r >= 0 && fchmod(fd, 0644) < 0)
                r = -errno;
        if (r >= 0 && fsync(fd) < 0)
                r = -errno;
        if (r >= 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0) {
                (void) unlink(tmp);
                return r;
        }

        dir_fd = open(dir[0] ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd >= 0)
                (void) fsync(dir_fd);
        return 0;
}
