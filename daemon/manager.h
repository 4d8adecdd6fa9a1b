/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The manager owns the event loop and every device dmloopd knows about.
 * It decides what to create, adopt and remove, and it is the one place
 * that logs those decisions.
 */

#include <systemd/sd-event.h>

#include "backend.h"
#include "daemon-config.h"
#include "device.h"

typedef struct Manager {
        sd_event *event;

        /* Paths, overridable for tests. */
        char *config_root;     /* prefix for the dmloop.d directories; NULL = "/" */
        char *state_dir;       /* relative backing paths resolve here */
        char *ram_dir;         /* dmloopd's tmpfs for fallback RAM devices */
        char *daemon_config_path;

        DaemonConfig config;

        const Backend *file_backend;
        const Backend *ram_backend;

        Device **devices;
        size_t n_devices;
} Manager;

int manager_new(Manager **ret);
Manager *manager_free(Manager *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(Manager *, manager_free);

/* Picks backends, adopts existing devices and creates the configured
 * ones. Fails only when dmloopd cannot work at all; a bad device is
 * logged and skipped. */
int manager_startup(Manager *m);

/* Re-applies the config files: creates new devices and removes idle
 * devices whose config file is gone. */
int manager_reload(Manager *m);

Device *manager_find_device(Manager *m, const char *name);

/* Runs the event loop until SIGTERM or SIGINT. */
int manager_run(Manager *m);
