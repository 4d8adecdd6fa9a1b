/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "loop.h"

/* Another process may grab the device LOOP_CTL_GET_FREE handed us; the
 * kernel then says EBUSY and we ask for the next free one. */
#define LOOP_ATTACH_ATTEMPTS 64

static int loop_configure(int loop_fd, int file_fd, bool read_only, bool direct_io) {
        struct loop_config config = {
                .fd = (uint32_t) file_fd,
                .info.lo_flags = LO_FLAGS_AUTOCLEAR | (read_only ? LO_FLAGS_READ_ONLY : 0) |
                                 (direct_io ? LO_FLAGS_DIRECT_IO : 0),
                .info.lo_file_name = DMLOOP_LOOP_MARK,
        };

        if (ioctl(loop_fd, LOOP_CONFIGURE, &config) < 0)
                return -errno;
        return 0;
}

/* LOOP_CONFIGURE exists since 5.8; older kernels answer EINVAL or ENOTTY. */
static int loop_set_fd_legacy(int loop_fd, int file_fd, bool read_only) {
        struct loop_info64 info = {
                .lo_flags = LO_FLAGS_AUTOCLEAR | (read_only ? LO_FLAGS_READ_ONLY : 0),
                .lo_file_name = DMLOOP_LOOP_MARK,
        };

        if (ioctl(loop_fd, LOOP_SET_FD, file_fd) < 0)
                return -errno;
        if (ioctl(loop_fd, LOOP_SET_STATUS64, &info) < 0) {
                int r = -errno;
                (void) ioctl(loop_fd, LOOP_CLR_FD);
                return r;
        }
        return 0;
}

static bool loop_uses_direct_io(int loop_fd) {
        struct loop_info64 info;

        return ioctl(loop_fd, LOOP_GET_STATUS64, &info) >= 0 && (info.lo_flags & LO_FLAGS_DIRECT_IO);
}

/*
 * Whether the file really does direct I/O. Accepting O_DIRECT is not
 * proof: overlayfs accepts it and then fails every direct read with
 * EINVAL when the file below it is on tmpfs, and a loop device set up for
 * direct I/O on such a file fails all its I/O. O_DIRECT is switched on
 * the caller's descriptor, which is the one the loop device gets, and
 * switched off again when it does not work.
 */
static bool file_try_direct_io(int fd) {
        _cleanup_free_ void *buf = NULL;
        int flags;

        flags = fcntl(fd, F_GETFL);
        if (flags < 0)
                return false;
        if (fcntl(fd, F_SETFL, flags | O_DIRECT) < 0)
                return false;
        if (posix_memalign(&buf, 4096, 4096) == 0 && pread(fd, buf, 4096, 0) >= 0)
                return true;
        (void) fcntl(fd, F_SETFL, flags & ~O_DIRECT);
        return false;
}

static int loop_attach_one(int control_fd, int file_fd, bool read_only, bool direct_io, LoopDevice *ret) {
        _cleanup_close_ int loop_fd = -EBADF;
        char path[64];
        struct stat st;
        int nr, r;

        nr = ioctl(control_fd, LOOP_CTL_GET_FREE);
        if (nr < 0)
                return -errno;

        snprintf(path, sizeof(path), "/dev/loop%i", nr);
        loop_fd = open(path, (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
        if (loop_fd < 0)
                return -errno;
        if (fstat(loop_fd, &st) < 0)
                return -errno;

        r = loop_configure(loop_fd, file_fd, read_only, direct_io);
        if (r == -EINVAL && direct_io)
                /* Some kernels refuse the whole configuration when direct
                 * I/O is impossible, instead of falling back themselves. */
                r = loop_configure(loop_fd, file_fd, read_only, false);
        if (r == -EINVAL || r == -ENOTTY)
                r = loop_set_fd_legacy(loop_fd, file_fd, read_only);
        if (r < 0)
                return r;

        *ret = (LoopDevice){
                .direct_io = loop_uses_direct_io(loop_fd),
                .devno = st.st_rdev,
                .fd = TAKE_FD(loop_fd),
        };
        return 0;
}

int loop_attach_fd(int file_fd, bool read_only, LoopDevice *ret) {
        _cleanup_close_ int control_fd = -EBADF;
        bool direct_io;
        int r = -EBUSY;

        assert(file_fd >= 0);
        assert(ret);

        /* Direct I/O where the file system really does it, buffered I/O
         * everywhere else; never a device that fails. */
        direct_io = file_try_direct_io(file_fd);

        control_fd = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
        if (control_fd < 0)
                return -errno;

        for (unsigned i = 0; i < LOOP_ATTACH_ATTEMPTS; i++) {
                r = loop_attach_one(control_fd, file_fd, read_only, direct_io, ret);
                if (r != -EBUSY)
                        break;
        }
        return r;
}

int loop_get_backing_id(dev_t devno, dev_t *ret_dev, ino_t *ret_ino) {
        struct loop_info64 info;
        _cleanup_close_ int fd = -EBADF;
        char path[128];

        assert(ret_dev);
        assert(ret_ino);

        snprintf(path, sizeof(path), "/dev/block/%u:%u", major(devno), minor(devno));
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (ioctl(fd, LOOP_GET_STATUS64, &info) < 0)
                return -errno;
        /* The kernel encodes the device number as stat() does. */
        *ret_dev = (dev_t) info.lo_device;
        *ret_ino = (ino_t) info.lo_inode;
        return 0;
}

int loop_get_backing_file(dev_t devno, char **ret) {
        char sysfs[128], buf[4096];
        _cleanup_close_ int fd = -EBADF;
        ssize_t n;
        char *p;

        snprintf(sysfs, sizeof(sysfs), "/sys/dev/block/%u:%u/loop/backing_file", major(devno), minor(devno));
        fd = open(sysfs, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        n = read(fd, buf, sizeof(buf) - 1);
        if (n < 0)
                return -errno;
        buf[n] = '\0';
        buf[strcspn(buf, "\n")] = '\0';
        if (buf[0] != '/')
                return -EINVAL;

        p = strdup(buf);
        if (!p)
                return -ENOMEM;
        *ret = p;
        return 0;
}

int loop_refresh_capacity(dev_t devno) {
        _cleanup_close_ int fd = -EBADF;
        char path[128];

        snprintf(path, sizeof(path), "/dev/block/%u:%u", major(devno), minor(devno));
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (ioctl(fd, LOOP_SET_CAPACITY, 0) < 0)
                return -errno;
        return 0;
}
