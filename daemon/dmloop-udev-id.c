/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * dmloop-udev-id: the program behind 56-dm-dmloop.rules. It answers from
 * sysfs and device-mapper alone, never from dmloopd, which may not be
 * running, and prints udev properties (KEY=value lines) or nothing.
 *
 *   dmloop-udev-id dm KERNEL DM_UUID
 *       For dm device KERNEL (dm-N) with that UUID: DMLOOP_NAME= and
 *       DMLOOP_TYPE=. The rule calls it once per dm device, on its first
 *       activation; later events take both from the udev database.
 *       The fallback's type comes from sysfs: one loop device whose file is
 *       in dmloopd's RAM tmpfs is a RAM device, anything else a file
 *       device. Only the kernel targets, which hold no block device, cost a
 *       device-mapper ioctl (the table's target type).
 *       It links libc only (see meson.build): udev runs it often.
 *       When udisksd runs, it then re-announces the loop devices under the
 *       new dm device (a "remove" and an "add" uevent each): udisksd made
 *       objects for them when they were added, still empty, and it only
 *       drops an object on "remove".
 *
 *   dmloop-udev-id loop KERNEL
 *       For loop device KERNEL: DMLOOP_COMPONENT=1 when it is a component
 *       of a dmloop device: its holder has a DMLOOP- dm UUID, its file is
 *       in dmloopd's RAM tmpfs, or its lo_file_name is dmloopd's mark
 *       (the only sign before the dm device exists).
 */

#include <dirent.h>
#include <fcntl.h>
#include <linux/dm-ioctl.h>
#include <linux/loop.h>
#include <sys/ioctl.h>
#include <stdio.h>
#include <unistd.h>

#include "config.h"
#include "device-name.h"
#include "loop.h"
#include "macro.h"
#include "validate.h"

#define SYS_BLOCK "/sys/block/"

/* udisksd makes it when it starts. */
#define UDISKSD_RUNTIME_DIR "/run/udisks2"

static int read_sysfs_line(const char *path, char *buf, size_t size) {
        _cleanup_close_ int fd = -1;
        ssize_t n;

        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        n = read(fd, buf, size - 1);
        if (n < 0)
                return -errno;
        buf[n] = '\0';
        buf[strcspn(buf, "\n")] = '\0';
        return 0;
}

static int write_sysfs(const char *path, const char *value) {
        _cleanup_close_ int fd = -1;

        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (write(fd, value, strlen(value)) < 0)
                return -errno;
        return 0;
}

/* The dmloop device name of a RAM tmpfs file, or NULL. */
static const char *ram_file_name(const char *backing) {
        const char *rest = startswith(backing, DMLOOP_RAM_DIR "/");

        return rest && device_name_is_valid(rest) ? rest : NULL;
}

/* Calls FN for every loop device in /sys/block/KERNEL/slaves; returns how many. */
static int for_each_loop_slave(const char *kernel, void (*fn)(const char *slave, void *userdata), void *userdata) {
        _cleanup_free_ char *dir = NULL;
        struct dirent *de;
        DIR *d;
        int n = 0;

        if (asprintf(&dir, SYS_BLOCK "%s/slaves", kernel) < 0)
                return -ENOMEM;
        d = opendir(dir);
        if (!d)
                return -errno;
        while ((de = readdir(d))) {
                if (!startswith(de->d_name, "loop"))
                        continue;
                if (fn)
                        fn(de->d_name, userdata);
                n++;
        }
        closedir(d);
        return n;
}

static void remember_slave(const char *slave, void *userdata) {
        char *first = userdata;

        if (!first[0])
                snprintf(first, NAME_MAX + 1, "%s", slave);
}

static void reannounce_slave(const char *slave, void *userdata) {
        _cleanup_free_ char *path = NULL;

        if (asprintf(&path, SYS_BLOCK "%s/uevent", slave) < 0)
                return;
        /* Best effort: without it, the loop device only stays visible. */
        if (write_sysfs(path, "remove") >= 0)
                (void) write_sysfs(path, "add");
}

/* The type of a device on dmloop's own targets, from its live table: one
 * DM_TABLE_STATUS ioctl, done here rather than with libdevmapper so that
 * this program needs libc only. NULL unless every target is "ram" or
 * every one is "loop". */
static const char *kernel_target_device_type(const char *name) {
        union {
                struct dm_ioctl io;
                char buf[16384];
        } u = {};
        _cleanup_free_ char *dm_name = NULL;
        _cleanup_close_ int fd = -1;
        const char *type = NULL;
        size_t offset = 0;

        if (device_dm_name(name, &dm_name) < 0 || strlen(dm_name) >= sizeof(u.io.name))
                return NULL;
        fd = open("/dev/mapper/control", O_RDWR | O_CLOEXEC);
        if (fd < 0)
                return NULL;

        u.io.version[0] = DM_VERSION_MAJOR;
        u.io.data_size = sizeof(u);
        u.io.data_start = sizeof(struct dm_ioctl);
        u.io.flags = DM_STATUS_TABLE_FLAG;
        strcpy(u.io.name, dm_name);
        if (ioctl(fd, DM_TABLE_STATUS, &u.io) < 0 || (u.io.flags & DM_BUFFER_FULL_FLAG))
                return NULL;

        /* Each spec's "next" is the offset of the next one from the start
         * of the data. */
        for (uint32_t i = 0; i < u.io.target_count; i++) {
                struct dm_target_spec *spec;
                const char *t;

                if (u.io.data_start + offset + sizeof(*spec) > MIN((size_t) u.io.data_size, sizeof(u)))
                        return NULL;
                spec = (struct dm_target_spec *) (u.buf + u.io.data_start + offset);
                spec->target_type[DM_MAX_TYPE_NAME - 1] = '\0';
                t = streq(spec->target_type, "ram") ? "ram" : streq(spec->target_type, "loop") ? "file" : NULL;
                if (!t || (type && !streq(type, t)))
                        return NULL;
                type = t;
                if (spec->next <= offset)
                        break;
                offset = spec->next;
        }
        return type;
}

static const char *dm_device_type(const char *kernel, const char *name) {
        _cleanup_free_ char *path = NULL;
        char first[NAME_MAX + 1] = "", backing[PATH_MAX];
        int n;

        n = for_each_loop_slave(kernel, remember_slave, first);
        if (n > 0) {
                if (asprintf(&path, SYS_BLOCK "%s/loop/backing_file", first) < 0)
                        return NULL;
                if (n == 1 && read_sysfs_line(path, backing, sizeof(backing)) >= 0 && ram_file_name(backing))
                        return "ram";
                return "file";
        }

        /* No block device below: one of the kernel targets. */
        return kernel_target_device_type(name);
}

static int run_dm(const char *kernel, const char *uuid) {
        const char *name = device_name_from_uuid(uuid), *type;

        if (!name)
                return 0;

        type = dm_device_type(kernel, name);
        printf("DMLOOP_NAME=%s\n", name);
        if (type)
                printf("DMLOOP_TYPE=%s\n", type);
        fflush(stdout);

        /* Two more uevents per loop device, each through every rule: only
         * worth it for a udisksd that already holds the loop devices. One
         * that starts later reads UDISKS_IGNORE from the udev database. */
        if (access(UDISKSD_RUNTIME_DIR, F_OK) >= 0)
                (void) for_each_loop_slave(kernel, reannounce_slave, NULL);
        return 0;
}

/* Whether dmloopd marked the loop device when it set it up: its
 * lo_file_name, which sysfs does not show, is DMLOOP_LOOP_MARK. */
static bool loop_has_mark(const char *kernel) {
        _cleanup_free_ char *node = NULL;
        _cleanup_close_ int fd = -1;
        struct loop_info64 info = {};

        if (asprintf(&node, "/dev/%s", kernel) < 0)
                return false;
        fd = open(node, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0 || ioctl(fd, LOOP_GET_STATUS64, &info) < 0)
                return false;
        return strneq((const char *) info.lo_file_name, DMLOOP_LOOP_MARK, sizeof(info.lo_file_name));
}

static bool loop_is_component(const char *kernel) {
        _cleanup_free_ char *path = NULL;
        char buf[PATH_MAX];
        struct dirent *de;
        bool found = false;
        DIR *d;

        if (asprintf(&path, SYS_BLOCK "%s/loop/backing_file", kernel) < 0)
                return false;
        if (read_sysfs_line(path, buf, sizeof(buf)) >= 0 && ram_file_name(buf))
                return true;

        free(path);
        if (asprintf(&path, SYS_BLOCK "%s/holders", kernel) < 0)
                return false;
        d = opendir(path);
        if (d) {
                while (!found && (de = readdir(d))) {
                        _cleanup_free_ char *uuid_path = NULL;

                        if (!startswith(de->d_name, "dm-"))
                                continue;
                        if (asprintf(&uuid_path, "%s/%s/dm/uuid", path, de->d_name) < 0)
                                break;
                        found = read_sysfs_line(uuid_path, buf, sizeof(buf)) >= 0 && device_name_from_uuid(buf);
                }
                closedir(d);
        }

        /* Before the dm device exists, only the mark tells. */
        return found || loop_has_mark(kernel);
}

static int run_loop(const char *kernel) {
        if (loop_is_component(kernel))
                printf("DMLOOP_COMPONENT=1\n");
        return 0;
}

static bool kernel_name_is_valid(const char *k) {
        return k[0] && k[0] != '.' && !strchr(k, '/');
}

int main(int argc, char *argv[]) {
        if (argc == 4 && streq(argv[1], "dm") && kernel_name_is_valid(argv[2]))
                return run_dm(argv[2], argv[3]) < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        if (argc == 3 && streq(argv[1], "loop") && kernel_name_is_valid(argv[2]))
                return run_loop(argv[2]) < 0 ? EXIT_FAILURE : EXIT_SUCCESS;

        fprintf(stderr, "Usage: %s dm KERNEL DM_UUID\n       %s loop KERNEL\n", program_invocation_short_name,
                program_invocation_short_name);
        return EXIT_FAILURE;
}
