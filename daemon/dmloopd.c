/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* dmloopd: creates the devices of the dmloop.d config files and manages them. */

#include <getopt.h>
#include <signal.h>
#include <stdio.h>

#include "bus-manager.h"
#include "config.h"
#include "log.h"
#include "manager.h"

static int parse_argv(int argc, char *argv[]) {
        static const struct option options[] = { { "help", no_argument, NULL, 'h' },
                                                 { "version", no_argument, NULL, 'V' },
                                                 {} };
        int c;

        while ((c = getopt_long(argc, argv, "hV", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("%s [OPTIONS...]\n\n"
                               "Creates the block devices of the dmloop.d config files and manages them.\n\n"
                               "  -h --help     Show this help\n"
                               "  -V --version  Show the version\n\n"
                               "See dmloopd(8) and dmloop.d(5).\n",
                               program_invocation_short_name);
                        return 0;
                case 'V':
                        printf("dmloopd %s\n", PACKAGE_VERSION);
                        return 0;
                default:
                        return -EINVAL;
                }

        if (optind < argc) {
                fprintf(stderr, "%s takes no arguments.\n", program_invocation_short_name);
                return -EINVAL;
        }
        return 1;
}

static int run(int argc, char *argv[]) {
        _cleanup_(manager_freep) Manager *m = NULL;
        int r;

        log_setup(LOG_TARGET_AUTO, getenv("DMLOOP_DEBUG") ? LOG_DEBUG : LOG_INFO);

        r = parse_argv(argc, argv);
        if (r <= 0)
                return r;

        r = manager_new(&m);
        if (r < 0)
                return log_error_errno(r, "Failed to set up the manager: %m");

        r = manager_startup(m);
        if (r < 0)
                return r;

        /* Not fatal: the devices matter more than the bus API. */
        r = bus_manager_connect(m);
        if (r < 0)
                log_error_errno(r, "Failed to set up the system bus connection, the bus API is unavailable: %m");

        r = manager_run(m);
        bus_manager_disconnect(m);
        return r;
}

int main(int argc, char *argv[]) {
        sigset_t mask;

        /* First thing: a SIGHUP (reload) or SIGTERM that comes before the
         * event loop watches them must wait for it, not kill us. */
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        (void) sigprocmask(SIG_BLOCK, &mask, NULL);

        return run(argc, argv) < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
