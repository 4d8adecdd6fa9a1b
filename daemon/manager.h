/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The manager owns the event loop and every device dmloopd knows about.
 * It decides what to create, adopt and remove, and it is the one place
 * that logs those decisions.
 */

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "backend.h"
#include "bus-polkit.h"
#include "daemon-config.h"
#include "device.h"
#include "udev-watch.h"

typedef struct Operation Operation;

typedef struct Manager {
        sd_event *event;

        /* Paths, overridable for tests. */
        char *config_root; /* prefix for the dmloop.d directories; NULL = "/" */
        char *state_dir; /* relative backing paths resolve here */
        char *ram_dir; /* dmloopd's tmpfs for fallback RAM devices */
        char *daemon_config_path;

        DaemonConfig config;

        const Backend *file_backend;
        const Backend *ram_backend;

        Device **devices;
        size_t n_devices;

        /* Bus calls whose dm work waits for udev; their names are taken. */
        Operation *operations;

        /* Devices whose backing file was missing; retried on mount changes. */
        unsigned waiting_for_mounts;
        sd_event_source *mount_watch;

        sd_bus *bus;
        PolkitRegistry *polkit;
        UdevWatch *udev;
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
int manager_add_device(Manager *m, Device *d);
void manager_forget_device(Manager *m, Device *d);
uint64_t manager_ram_in_use(Manager *m);

/* The directory persistent devices' config files go to. */
int manager_persistent_config_path(Manager *m, const char *name, char **ret);

/* Drops devices that were removed behind dmloopd's back (dmsetup remove). */
void manager_sync_devices(Manager *m);

/* Runs the event loop until SIGTERM or SIGINT. */
int manager_run(Manager *m);
