/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <systemd/sd-daemon.h>

#include "bus-manager.h"
#include "config.h"
#include "config-load.h"
#include "dm.h"
#include "log.h"
#include "manager-ops.h"
#include "manager.h"
#include "ram-dir.h"
#include "size-util.h"

int manager_new(Manager **ret) {
        _cleanup_(manager_freep) Manager *m = NULL;
        int r;

        m = calloc(1, sizeof(Manager));
        if (!m)
                return -ENOMEM;

        m->state_dir = strdup(DMLOOP_STATE_DIR);
        m->ram_dir = strdup(DMLOOP_RAM_DIR);
        m->daemon_config_path = strdup(DMLOOP_DAEMON_CONFIG);
        if (!m->state_dir || !m->ram_dir || !m->daemon_config_path)
                return -ENOMEM;

        r = sd_event_default(&m->event);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(m);
        return 0;
}

Manager *manager_free(Manager *m) {
        if (!m)
                return NULL;
        while (m->operations)
                operation_free(m->operations);
        polkit_registry_free(m->polkit);
        sd_bus_flush_close_unref(m->bus);
        udev_watch_free(m->udev);
        sd_event_source_disable_unref(m->mount_watch);
        for (size_t i = 0; i < m->n_devices; i++)
                device_free(m->devices[i]);
        free(m->devices);
        daemon_config_done(&m->config);
        free(m->config_root);
        free(m->state_dir);
        free(m->ram_dir);
        free(m->daemon_config_path);
        sd_event_unref(m->event);
        free(m);
        return NULL;
}

Device *manager_find_device(Manager *m, const char *name) {
        for (size_t i = 0; i < m->n_devices; i++)
                if (streq(m->devices[i]->name, name))
                        return m->devices[i];
        return NULL;
}

int manager_add_device(Manager *m, Device *d) {
        Device **l;

        l = reallocarray(m->devices, m->n_devices + 1, sizeof(Device *));
        if (!l)
                return -ENOMEM;
        m->devices = l;
        m->devices[m->n_devices++] = d;
        return 0;
}

void manager_forget_device(Manager *m, Device *d) {
        for (size_t i = 0; i < m->n_devices; i++)
                if (m->devices[i] == d) {
                        memmove(m->devices + i, m->devices + i + 1, (m->n_devices - i - 1) * sizeof(Device *));
                        m->n_devices--;
                        break;
                }
        device_free(d);
}

uint64_t manager_ram_in_use(Manager *m) {
        uint64_t sum = 0;

        for (size_t i = 0; i < m->n_devices; i++)
                if (m->devices[i]->type == DEVICE_TYPE_RAM)
                        sum += m->devices[i]->size;
        return sum;
}

static const char *manager_backend_label(const Backend *b) {
        return b == &backend_kernel_file || b == &backend_kernel_ram ? "kernel" : "fallback";
}

/* Chooses, per device type, dmloop's own target when the kernel has it. */
static void manager_pick_backends(Manager *m) {
        int r;

        r = dm_target_present("loop");
        if (r < 0)
                log_warning_errno(r, "Failed to ask device-mapper for its targets, using fallbacks: %m");
        m->file_backend = r > 0 ? &backend_kernel_file : &backend_fallback_file;

        r = dm_target_present("ram");
        m->ram_backend = r > 0 ? &backend_kernel_ram : &backend_fallback_ram;

        log_info("File devices use the %s backend (dm target %s), RAM devices the %s backend (dm target %s).",
                 manager_backend_label(m->file_backend), m->file_backend->target,
                 manager_backend_label(m->ram_backend), m->ram_backend->target);
}

/* Takes over dmloop devices that already exist, from an earlier run. */
static int manager_adopt_devices(Manager *m) {
        _cleanup_strv_free_ char **names = NULL;
        int r;

        r = dm_list_names(&names);
        if (r < 0)
                return log_error_errno(r, "Failed to list device-mapper devices: %m");

        for (char **n = names; *n; n++) {
                _cleanup_(device_freep) Device *d = NULL;

                if (!startswith(*n, DMLOOP_DM_NAME_PREFIX))
                        continue;

                r = device_probe(*n, m->ram_dir, &d);
                if (r == -ENODEV || r == -EUCLEAN) {
                        log_debug("Device-mapper device %s is not a dmloop device, ignoring.", *n);
                        continue;
                }
                if (r < 0) {
                        log_warning_errno(r, "Failed to read device-mapper device %s, ignoring: %m", *n);
                        continue;
                }
                if (manager_find_device(m, d->name))
                        continue;

                log_device_info(d->name, "Adopted existing device %s (%s, %" PRIu64 " bytes, dm %u:%u, target %s).",
                                d->name, device_type_to_string(d->type), d->size, d->major, d->minor, d->target);
                r = manager_add_device(m, d);
                if (r < 0)
                        return log_oom();
                TAKE_PTR(d);
        }
        return 0;
}

/* Creates one device; everything it made is undone when it fails. */
static int manager_create_device(Manager *m, const DeviceConfig *c) {
        _cleanup_free_ char *dm_name = NULL, *uuid = NULL, *symlink = NULL;
        _cleanup_(device_freep) Device *d = NULL;
        _cleanup_dm_table_ DmTable table = {};
        BuildState state = {};
        const Backend *backend;
        int r;

        if (m->n_devices >= m->config.max_devices)
                return log_device_error_errno(c->name, -EUSERS,
                                              "%s: Cannot create device %s, the limit of %u devices is reached.",
                                              c->origin, c->name, m->config.max_devices);
        if (c->type == DEVICE_TYPE_RAM &&
            c->size > m->config.ram_limit - MIN(manager_ram_in_use(m), m->config.ram_limit))
                return log_device_error_errno(c->name, -ENOSPC,
                                              "%s: Cannot create RAM device %s, it would exceed RamLimit=%" PRIu64 ".",
                                              c->origin, c->name, m->config.ram_limit);

        if (device_dm_name(c->name, &dm_name) < 0 || device_dm_uuid(c->name, &uuid) < 0 ||
            device_symlink_path(c->name, &symlink) < 0)
                return log_oom();

        backend = c->type == DEVICE_TYPE_RAM ? m->ram_backend : m->file_backend;
        r = backend->build(c, m->ram_dir, &state, &table);
        if (r < 0) {
                build_state_rollback(&state);
                return log_device_error_errno(c->name, r, "%s: Failed to prepare device %s: %m", c->origin, c->name);
        }

        r = dm_create(dm_name, uuid, &table, c->read_only, 0, NULL);
        if (r < 0) {
                build_state_rollback(&state);
                return log_device_error_errno(c->name, r, "%s: Failed to create device-mapper device %s: %m",
                                              c->origin, dm_name);
        }
        build_state_commit(&state);

        r = device_probe(dm_name, m->ram_dir, &d);
        if (r < 0) {
                /* It exists, but we cannot manage what we cannot read. */
                (void) dm_remove(dm_name, false, NULL);
                return log_device_error_errno(c->name, r, "%s: Failed to read back device %s: %m", c->origin, dm_name);
        }
        d->origin = strdup(c->origin);
        if (!d->origin)
                return log_oom();

        if (access(symlink, F_OK) < 0)
                log_device_warning(c->name,
                                   "Device %s exists, but udev did not create %s; is the dmloop udev rule installed?",
                                   c->name, symlink);

        log_device_info(c->name,
                        "Created device %s from %s (%s, %" PRIu64 " bytes, %s backend, dm target %s, dm %u:%u).",
                        c->name, c->origin, device_type_to_string(c->type), c->size, backend->name, backend->target,
                        d->major, d->minor);

        r = manager_add_device(m, d);
        if (r < 0)
                return log_oom();
        /* At boot the bus is not connected yet and this does nothing. */
        bus_emit_device_added(m, TAKE_PTR(d));
        return 0;
}

/* Removes a device that came from a config file that is gone, unless it is in use. */
static int manager_remove_stale_device(Manager *m, Device *d) {
        _cleanup_dm_info_ DmInfo info = {};
        _cleanup_free_ char *dm_name = NULL;
        DeviceType type = d->type;
        int r;

        if (device_dm_name(d->name, &dm_name) < 0)
                return log_oom();

        r = dm_get_info(dm_name, &info);
        if (r == -ENODEV) {
                manager_forget_device(m, d);
                return 0;
        }
        if (r < 0)
                return log_device_warning_errno(d->name, r, "Failed to query device %s, keeping it: %m", d->name);
        if (info.open_count > 0) {
                log_device_warning(d->name, "Config file of device %s is gone, but the device is in use, keeping it.",
                                   d->name);
                return 0;
        }

        r = dm_remove(dm_name, false, NULL);
        if (r < 0)
                return log_device_warning_errno(d->name, r, "Failed to remove device %s, keeping it: %m", d->name);

        log_device_info(d->name, "Removed device %s, its config file %s is gone.", d->name, strempty(d->origin));
        if (type == DEVICE_TYPE_RAM && d->n_segments > 0 && startswith(d->segments[0].path, m->ram_dir))
                (void) unlink(d->segments[0].path);
        bus_emit_device_removed(m, d);
        manager_forget_device(m, d);
        return 0;
}

/* A device's config file still counts when it is there but broken: a
 * typo must not cost the device (and a RAM device its data). */
static bool config_set_has_origin(const ConfigSet *set, const char *origin) {
        for (size_t i = 0; i < set->n_devices; i++)
                if (streq(set->devices[i]->origin, origin))
                        return true;
        for (size_t i = 0; i < set->n_diagnostics; i++)
                if (streq(set->diagnostics[i].path, origin))
                        return true;
        return false;
}

static int manager_apply_config(Manager *m, bool remove_stale) {
        _cleanup_(config_set_freep) ConfigSet *set = NULL;
        unsigned failed = 0, waiting_for_mounts = 0;
        int r;

        r = config_load(m->config_root, m->state_dir, &set);
        if (r < 0)
                return log_error_errno(r, "Failed to read the dmloop.d config directories: %m");

        for (size_t i = 0; i < set->n_diagnostics; i++)
                log_error("%s:%u: %s", set->diagnostics[i].path, set->diagnostics[i].line,
                          set->diagnostics[i].message);

        for (size_t i = 0; i < set->n_devices; i++) {
                DeviceConfig *c = set->devices[i];
                Device *d = manager_find_device(m, c->name);

                if (d) {
                        /* An adopted device gets its config file back. */
                        if (!d->origin || !streq(d->origin, c->origin)) {
                                free(d->origin);
                                d->origin = strdup(c->origin);
                                if (!d->origin)
                                        return log_oom();
                        }
                        if (d->type != c->type)
                                log_device_warning(c->name, "%s: Device %s exists as a %s device, not %s, ignoring.",
                                                   c->origin, c->name, device_type_to_string(d->type),
                                                   device_type_to_string(c->type));
                        else if (c->size > d->size) {
                                _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;

                                log_device_info(c->name,
                                                "%s: Growing device %s from %" PRIu64 " to %" PRIu64 " bytes.",
                                                c->origin, c->name, d->size, c->size);
                                r = operation_resize(m, NULL, d, c->size, false, &error);
                                if (r < 0)
                                        log_device_warning_errno(c->name, r, "%s: Failed to grow device %s: %s",
                                                                 c->origin, c->name, error.message ?: strerror(-r));
                        } else if (c->size < d->size)
                                log_device_warning(c->name,
                                                   "%s: Device %s has %" PRIu64
                                                   " bytes, more than Size=; dmloopd never shrinks a device on its "
                                                   "own, ignoring.",
                                                   c->origin, c->name, d->size);
                        continue;
                }

                r = manager_create_device(m, c);
                if (r < 0)
                        failed++;
                /* A backing file that is not there may be on a file system
                 * that is not mounted yet: try again when one is. */
                if (IN_SET(r, -ENOENT, -ENOTDIR))
                        waiting_for_mounts++;
        }
        m->waiting_for_mounts = waiting_for_mounts;

        if (remove_stale)
                for (size_t i = m->n_devices; i > 0; i--) {
                        Device *d = m->devices[i - 1];

                        if (d->origin && !streq(d->origin, "bus") && !config_set_has_origin(set, d->origin))
                                (void) manager_remove_stale_device(m, d);
                }

        return (int) (set->n_diagnostics + failed);
}

static int manager_load_daemon_config(Manager *m) {
        ConfigError error = {};
        struct sysinfo si;
        int r;

        if (sysinfo(&si) < 0)
                return log_error_errno(-errno, "Failed to read the memory size: %m");

        r = daemon_config_load(m->daemon_config_path, (uint64_t) si.totalram * si.mem_unit, &m->config, &error);
        if (r < 0)
                return log_error_errno(r, "%s:%u: %s", m->daemon_config_path, error.line, error.message);
        return 0;
}

int manager_persistent_config_path(Manager *m, const char *name, char **ret) {
        const char *root = m->config_root && !streq(m->config_root, "/") ? m->config_root : "";

        return asprintf(ret, "%s/etc/dmloop.d/%s.conf", root, name) < 0 ? -ENOMEM : 0;
}

void manager_sync_devices(Manager *m) {
        for (size_t i = m->n_devices; i > 0; i--) {
                _cleanup_free_ char *dm_name = NULL;
                _cleanup_dm_info_ DmInfo info = {};
                Device *d = m->devices[i - 1];

                /* A pending operation owns the device's fate. */
                if (manager_name_is_pending(m, d->name) || device_dm_name(d->name, &dm_name) < 0)
                        continue;
                if (dm_get_info(dm_name, &info) != -ENODEV)
                        continue;

                log_device_info(d->name, "Device %s was removed outside of dmloopd, forgetting it.", d->name);
                if (d->type == DEVICE_TYPE_RAM && d->n_segments > 0 && startswith(d->segments[0].path, m->ram_dir))
                        (void) unlink(d->segments[0].path);
                bus_emit_device_removed(m, d);
                manager_forget_device(m, d);
        }
}

static void on_dm_removed(void *userdata) {
        manager_sync_devices(userdata);
}

static int on_mount_table_changed(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Manager *m = userdata;

        if (m->waiting_for_mounts == 0)
                return 0;
        log_info("The mount table changed, retrying %u device(s) whose backing files were missing.",
                 m->waiting_for_mounts);
        (void) manager_apply_config(m, false);
        return 0;
}

/* The kernel flags /proc/self/mountinfo with POLLPRI on every mount and unmount. */
static int manager_watch_mounts(Manager *m) {
        int fd, r;

        fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        r = sd_event_add_io(m->event, &m->mount_watch, fd, EPOLLPRI, on_mount_table_changed, m);
        if (r < 0) {
                safe_close(fd);
                return r;
        }
        (void) sd_event_source_set_io_fd_own(m->mount_watch, true);
        return 0;
}

int manager_startup(Manager *m) {
        int r;

        r = manager_load_daemon_config(m);
        if (r < 0)
                return r;

        dm_setup();
        manager_pick_backends(m);

        if (m->ram_backend == &backend_fallback_ram) {
                r = ram_dir_setup(m->ram_dir, m->config.ram_limit);
                if (r < 0)
                        return r;
        }

        /* Listening before anything changes, so no uevent is missed. */
        r = udev_watch_new(m->event, on_dm_removed, m, &m->udev);
        if (r < 0)
                return log_error_errno(r, "Failed to watch udev: %m");

        r = manager_watch_mounts(m);
        if (r < 0)
                log_warning_errno(
                        r, "Failed to watch the mount table, devices with missing backing files are not retried: %m");

        r = manager_adopt_devices(m);
        if (r < 0)
                return r;

        r = manager_apply_config(m, false);
        if (r < 0)
                return r;
        if (r > 0)
                log_warning("%i device(s) from the config files were skipped, see above.", r);

        /* Not fatal: the devices matter more than the bus API. */
        r = manager_connect_bus(m);
        if (r < 0)
                log_error_errno(r, "Failed to set up the system bus connection, the bus API is unavailable: %m");
        return 0;
}

int manager_reload(Manager *m) {
        int r;

        (void) sd_notify(false, "RELOADING=1\nSTATUS=Reloading the config files.");
        r = manager_apply_config(m, true);
        (void) sd_notifyf(false, "READY=1\nSTATUS=%zu device(s).", m->n_devices);
        return r < 0 ? r : 0;
}

static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        log_info("Reloading the config files.");
        (void) manager_reload(userdata);
        return 0;
}

int manager_run(Manager *m) {
        int r;

        /* sd-event needs the signals blocked before it can watch them. */
        sigset_t mask;
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return log_error_errno(-errno, "Failed to block signals: %m");

        r = sd_event_add_signal(m->event, NULL, SIGTERM, NULL, NULL);
        if (r >= 0)
                r = sd_event_add_signal(m->event, NULL, SIGINT, NULL, NULL);
        if (r >= 0)
                r = sd_event_add_signal(m->event, NULL, SIGHUP, on_sighup, m);
        if (r < 0)
                return log_error_errno(r, "Failed to watch signals: %m");

        (void) sd_notifyf(false, "READY=1\nSTATUS=%zu device(s).", m->n_devices);
        log_info("Ready, managing %zu device(s).", m->n_devices);

        r = sd_event_loop(m->event);
        if (r < 0)
                return log_error_errno(r, "Event loop failed: %m");

        (void) sd_notify(false, "STOPPING=1");
        return 0;
}
