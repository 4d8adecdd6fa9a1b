/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * dmloop-generator: writes mount and swap units for the dmloop.d(5) devices
 * with MountPoint= or FileSystem=swap, at boot and at every daemon-reload
 * (systemd.generator(7)). It reads the config files through the same code
 * as dmloopd, and never talks to the bus or to device-mapper: generators
 * run before either is there.
 */

#include <fcntl.h>
#include <stdio.h>
#include <syslog.h>

#include "config.h"
#include "config-load.h"
#include "generator-units.h"

#ifndef SYSTEMD_MAKEFS_PATH
#define SYSTEMD_MAKEFS_PATH "/lib/systemd/systemd-makefs"
#endif

/* Under systemd, generators log to the kernel log (the journal is not up
 * yet); run by hand, to stderr. */
static void log_line(int level, const char *line, void *userdata) {
        FILE *kmsg = userdata;

        if (kmsg) {
                fprintf(kmsg, "<%d>dmloop-generator[%d]: %s\n", LOG_DAEMON | level, (int) getpid(), line);
                fflush(kmsg);
        } else
                fprintf(stderr, "dmloop-generator: %s\n", line);
}

static int run(const char *dir, FILE *kmsg) {
        _cleanup_(config_set_freep) ConfigSet *set = NULL;
        _cleanup_close_ int dir_fd = -EBADF;
        const GeneratorSettings settings = {
                .makefs_path = SYSTEMD_MAKEFS_PATH,
        };
        char buf[512];
        int r;

        dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd < 0) {
                r = -errno;
                snprintf(buf, sizeof(buf), "Cannot open the output directory %s: %s", dir, strerror(-r));
                log_line(LOG_ERR, buf, kmsg);
                return r;
        }

        r = config_load(NULL, DMLOOP_STATE_DIR, &set);
        if (r < 0) {
                snprintf(buf, sizeof(buf), "Cannot read the dmloop.d config directories: %s", strerror(-r));
                log_line(LOG_ERR, buf, kmsg);
                return r;
        }

        r = generator_units_write(set, dir_fd, &settings, log_line, kmsg);
        if (r < 0) {
                snprintf(buf, sizeof(buf), "Cannot write units: %s", strerror(-r));
                log_line(LOG_ERR, buf, kmsg);
        }
        return r;
}

int main(int argc, char *argv[]) {
        FILE *kmsg = NULL;
        int r;

        /* systemd passes three directories; the units go to the first. */
        if (argc != 2 && argc != 4) {
                fprintf(stderr, "Usage: %s NORMAL-DIR [EARLY-DIR LATE-DIR]\n", program_invocation_short_name);
                return EXIT_FAILURE;
        }

        /* The scratch disks belong to the real root: in an initrd, whose
         * units mount below /sysroot, there is nothing to do. */
        if (streq_ptr(getenv("SYSTEMD_IN_INITRD"), "1") || access("/etc/initrd-release", F_OK) == 0)
                return EXIT_SUCCESS;

        if (getenv("SYSTEMD_SCOPE"))
                kmsg = fopen("/dev/kmsg", "we");

        r = run(argv[1], kmsg);

        if (kmsg)
                fclose(kmsg);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
