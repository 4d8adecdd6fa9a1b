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
#include "daemon-config.h"
#include "device.h"
#include "udev-watch.h"

typedef struct Operation Operation;
typedef struct PolkitRegistry PolkitRegistry;

/* How state changes reach the outside (the bus): installed by whoever
 * publishes them; every member may be NULL. */
typedef struct ManagerHooks {
        void (*device_added)(Device *d, void *userdata);
        void (*device_removed)(Device *d, void *userdata); /* d is freed right after */
        void (*device_changed)(Device *d, void *userdata); /* Size, Backing, Origin, Persistent */
        void *userdata;
} ManagerHooks;

typedef struct Manager {
        sd_event *event;

        /* Paths, overridable for tests. */
        char *config_root; /* prefix for the dmloop.d directories; NULL = "/" */
        char *state_dir; /* relative backing paths resolve here */
        char *ram_dir; /* dmloopd's tmpfs for fallback RAM devices */
        char *daemon_config_path;
        char *journal_dir; /* operations in flight, operation-journal.h */

        DaemonConfig config;

        const Backend *file_backend;
        const Backend *ram_backend;

        Device **devices;
        size_t n_devices;

        /* Operations under way (operation.h); their names are taken. */
        Operation *operations;

        /* Creates of the config files at startup still waiting for udev;
         * READY=1 goes out when the last one is done. */
        unsigned startup_pending;
        bool startup_done;
        bool running;

        /* Devices whose backing file was missing; retried on mount changes. */
        unsigned waiting_for_mounts;
        sd_event_source *mount_watch;

        UdevWatch *udev;
        ManagerHooks hooks;

        /* Owned by the bus layer (bus-manager.h), which sets them up and
         * frees them; the core never uses them. */
        sd_bus *bus;
        PolkitRegistry *polkit;
        sd_event_source *bus_reconnect;
} Manager;

int manager_new(Manager **ret);
Manager *manager_free(Manager *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(Manager *, manager_free);

/* Picks backends, adopts existing devices, finishes or undoes what a
 * crash interrupted, and starts creating the configured devices (all at
 * once; READY=1 is sent when the last one is done). Fails only when
 * dmloopd cannot work at all; a bad device is logged and skipped. */
int manager_startup(Manager *m);

/* Re-applies the config files: starts creating new devices, growing
 * grown ones and removing idle devices whose config file is gone, and
 * returns without waiting for udev (READY=1 goes to systemd at once).
 * With done, it is called once all those operations are over, on the
 * event loop or before manager_reload() returns; not at all when
 * manager_reload() fails. */
typedef void (*ManagerReloadDone)(void *userdata);
int manager_reload(Manager *m, ManagerReloadDone done, void *userdata);

Device *manager_find_device(Manager *m, const char *name);
int manager_add_device(Manager *m, Device *d);
/* Drops d from the list (telling the hooks) and frees it. */
void manager_forget_device(Manager *m, Device *d);
uint64_t manager_ram_in_use(Manager *m);

/* Tell the hooks. */
void manager_device_added(Manager *m, Device *d);
void manager_device_changed(Manager *m, Device *d);

/* The directory persistent devices' config files go to, and a file there. */
int manager_etc_dir(Manager *m, char **ret);
int manager_persistent_config_path(Manager *m, const char *name, char **ret);

/* Drops devices that were removed behind dmloopd's back (dmsetup remove). */
void manager_sync_devices(Manager *m);

/* Runs the event loop until SIGTERM or SIGINT. The caller blocks SIGTERM,
 * SIGINT and SIGHUP first thing in main(), so that a signal that comes
 * early waits for the loop instead of killing dmloopd. */
int manager_run(Manager *m);
