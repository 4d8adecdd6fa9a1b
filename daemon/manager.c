/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <systemd/sd-daemon.h>

#include "config-load.h"
#include "config.h"
#include "dm.h"
#include "log.h"
#include "manager.h"
#include "operation-journal.h"
#include "operation.h"
#include "recovery.h"
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
        m->journal_dir = strdup(DMLOOP_JOURNAL_DIR);
        if (!m->state_dir || !m->ram_dir || !m->daemon_config_path || !m->journal_dir)
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
        /* The bus layer let go of m->bus and m->polkit already. */
        operation_abandon_all(m);
        udev_watch_free(m->udev);
        sd_event_source_disable_unref(m->mount_watch);
        m->hooks = (ManagerHooks){};
        for (size_t i = 0; i < m->n_devices; i++)
                device_free(m->devices[i]);
        free(m->devices);
        daemon_config_done(&m->config);
        free(m->config_root);
        free(m->state_dir);
        free(m->ram_dir);
        free(m->daemon_config_path);
        free(m->journal_dir);
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
        if (m->hooks.device_removed)
                m->hooks.device_removed(d, m->hooks.userdata);
        for (size_t i = 0; i < m->n_devices; i++)
                if (m->devices[i] == d) {
                        memmove(m->devices + i, m->devices + i + 1, (m->n_devices - i - 1) * sizeof(Device *));
                        m->n_devices--;
                        break;
                }
        device_free(d);
}

void manager_device_added(Manager *m, Device *d) {
        if (m->hooks.device_added)
                m->hooks.device_added(d, m->hooks.userdata);
}

void manager_device_changed(Manager *m, Device *d) {
        if (m->hooks.device_changed)
                m->hooks.device_changed(d, m->hooks.userdata);
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
                _cleanup_free_ char *expected = NULL;

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
                /* The UUID alone does not make it ours: dmloopd names the
                 * dm device after it, and works on it by that name. */
                if (device_dm_name(d->name, &expected) < 0)
                        return log_oom();
                if (!streq(expected, *n)) {
                        log_warning("Device-mapper device %s has the UUID of dmloop device %s, but not its name %s, "
                                    "ignoring.",
                                    *n, d->name, expected);
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

/* A device's config file still counts when it is there but broken: a
 * typo must not cost the device (and a RAM device its data). */
static bool config_set_is_broken(const ConfigSet *set, const char *origin) {
        for (size_t i = 0; i < set->n_diagnostics; i++)
                if (streq(set->diagnostics[i].path, origin))
                        return true;
        return false;
}

/* 90 s, as TimeoutStartSec= in dmloopd.service. */
#define STARTUP_PROGRESS_TIMEOUT_USEC (90ULL * 1000 * 1000)

static void manager_check_startup_done(Manager *m) {
        if (m->startup_done || !m->running || m->startup_pending > 0)
                return;
        m->startup_done = true;
        (void) sd_notifyf(false, "READY=1\nSTATUS=%zu device(s).", m->n_devices);
        log_info("Ready, managing %zu device(s).", m->n_devices);
}

/* The result of a create or grow from a config file; operation.c logged it. */
static void on_config_operation_done(int error, const char *message, void *userdata) {
        Manager *m = userdata;

        /* A backing file that is not there may be on a file system that is
         * not mounted yet: try again when one is. */
        if (IN_SET(error, -ENOENT, -ENOTDIR, -ENOMEDIUM))
                m->waiting_for_mounts++;
}

static void on_startup_operation_done(int error, const char *message, void *userdata) {
        Manager *m = userdata;

        on_config_operation_done(error, message, userdata);
        assert(m->startup_pending > 0);
        m->startup_pending--;
        /* Each device done buys the start another TimeoutStartSec= (90 s in
         * the unit): a slow machine with many devices still gets there, and
         * only a start that makes no progress times out. */
        if (m->running && m->startup_pending > 0)
                (void) sd_notifyf(false, "EXTEND_TIMEOUT_USEC=%llu\nSTATUS=Creating devices, %u to go.",
                                  STARTUP_PROGRESS_TIMEOUT_USEC, m->startup_pending);
        manager_check_startup_done(m);
}

/* The operations of one reload whose caller wants to hear when all are done. */
typedef struct ApplyContext {
        Manager *manager;
        unsigned pending;
        bool started;
        ManagerReloadDone done;
        void *userdata;
} ApplyContext;

static void apply_context_maybe_done(ApplyContext *ctx) {
        if (!ctx->started || ctx->pending > 0)
                return;
        ctx->done(ctx->userdata);
        free(ctx);
}

static void on_apply_operation_done(int error, const char *message, void *userdata) {
        ApplyContext *ctx = userdata;

        on_config_operation_done(error, message, ctx->manager);
        assert(ctx->pending > 0);
        ctx->pending--;
        apply_context_maybe_done(ctx);
}

/* The callback and userdata for one operation of an apply. */
#define APPLY_CALLBACK(ctx, other) ((ctx) ? on_apply_operation_done : (other))
#define APPLY_USERDATA(ctx, other) ((ctx) ? (void *) (ctx) : (void *) (other))

/* Starts what the config files ask for. Returns the number of problems
 * known at once (broken files), or a negative errno. With done, it is
 * called once every operation started here is over (not at all on
 * failure). */
static int manager_apply_config(Manager *m, bool remove_stale, bool startup, ManagerReloadDone done, void *userdata) {
        _cleanup_(config_set_freep) ConfigSet *set = NULL;
        ApplyContext *ctx = NULL;
        int r;

        r = config_load(m->config_root, m->state_dir, &set);
        if (r < 0)
                return log_error_errno(r, "Failed to read the dmloop.d config directories: %m");

        if (done) {
                ctx = calloc(1, sizeof(ApplyContext));
                if (!ctx)
                        return log_oom();
                *ctx = (ApplyContext){ .manager = m, .done = done, .userdata = userdata };
        }

        for (size_t i = 0; i < set->n_diagnostics; i++)
                log_error("%s:%u: %s", set->diagnostics[i].path, set->diagnostics[i].line,
                          set->diagnostics[i].message);

        /* A device whose file is gone, or whose file now names another
         * device (Name= was changed), goes when it is idle. First, while
         * the set is whole: the creates below take their configs out. */
        if (remove_stale)
                for (size_t i = m->n_devices; i > 0; i--) {
                        Device *d = m->devices[i - 1];

                        if (!d->origin || d->origin[0] != '/' || operation_is_pending(m, d->name))
                                continue;
                        if (config_set_find(set, d->name) || config_set_is_broken(set, d->origin))
                                continue;
                        log_device_info(d->name, "Removing device %s, its config file %s no longer defines it.",
                                        d->name, d->origin);
                        if (ctx)
                                ctx->pending++;
                        operation_remove(m, d->name, OPERATION_KEEP_CONFIG, APPLY_CALLBACK(ctx, NULL),
                                         APPLY_USERDATA(ctx, NULL));
                }

        m->waiting_for_mounts = 0;
        for (size_t i = 0; i < set->n_devices; i++) {
                DeviceConfig *c = set->devices[i];
                Device *d = manager_find_device(m, c->name);

                /* A call under way owns the device's fate until it is done. */
                if (operation_is_pending(m, c->name))
                        continue;

                if (!d) {
                        set->devices[i] = NULL; /* the operation takes it */
                        if (startup)
                                m->startup_pending++;
                        if (ctx)
                                ctx->pending++;
                        operation_create(
                                m, c, 0,
                                APPLY_CALLBACK(ctx, startup ? on_startup_operation_done : on_config_operation_done),
                                APPLY_USERDATA(ctx, m));
                        continue;
                }

                /* An adopted device gets its config file back. */
                if (!d->origin || !streq(d->origin, c->origin)) {
                        free(d->origin);
                        d->origin = strdup(c->origin);
                        if (!d->origin) {
                                log_oom();
                                continue;
                        }
                        manager_device_changed(m, d);
                }
                if (d->type != c->type)
                        log_device_warning(c->name, "%s: Device %s exists as a %s device, not %s, ignoring.",
                                           c->origin, c->name, device_type_to_string(d->type),
                                           device_type_to_string(c->type));
                else if (c->size > d->size) {
                        log_device_info(c->name, "%s: Growing device %s from %" PRIu64 " to %" PRIu64 " bytes.",
                                        c->origin, c->name, d->size, c->size);
                        if (ctx)
                                ctx->pending++;
                        operation_resize(m, c->name, c->size, OPERATION_KEEP_CONFIG, APPLY_CALLBACK(ctx, NULL),
                                         APPLY_USERDATA(ctx, NULL));
                } else if (c->size < d->size)
                        log_device_warning(c->name,
                                           "%s: Device %s has %" PRIu64
                                           " bytes, more than Size=; dmloopd never shrinks a device on its own, "
                                           "ignoring.",
                                           c->origin, c->name, d->size);
        }

        r = (int) set->n_diagnostics;
        if (ctx) {
                ctx->started = true;
                apply_context_maybe_done(ctx); /* frees it when nothing is pending */
        }
        return r;
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

int manager_etc_dir(Manager *m, char **ret) {
        const char *root = m->config_root && !streq(m->config_root, "/") ? m->config_root : "";

        return asprintf(ret, "%s" DMLOOP_CONFIG_ETC_DIR, root) < 0 ? -ENOMEM : 0;
}

int manager_persistent_config_path(Manager *m, const char *name, char **ret) {
        const char *root = m->config_root && !streq(m->config_root, "/") ? m->config_root : "";

        return asprintf(ret, "%s" DMLOOP_CONFIG_ETC_DIR "/%s.conf", root, name) < 0 ? -ENOMEM : 0;
}

void manager_sync_devices(Manager *m) {
        for (size_t i = m->n_devices; i > 0; i--) {
                _cleanup_free_ char *dm_name = NULL;
                _cleanup_dm_info_ DmInfo info = {};
                Device *d = m->devices[i - 1];

                /* A pending operation owns the device's fate. */
                if (operation_is_pending(m, d->name) || device_dm_name(d->name, &dm_name) < 0)
                        continue;
                if (dm_get_info(dm_name, &info) != -ENODEV)
                        continue;

                log_device_info(d->name, "Device %s was removed outside of dmloopd, forgetting it.", d->name);
                if (d->type == DEVICE_TYPE_RAM && d->n_segments > 0 && startswith(d->segments[0].path, m->ram_dir))
                        (void) unlink(d->segments[0].path);
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
        (void) manager_apply_config(m, false, false, NULL, NULL);
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

        /* Every device whole or absent before anything new starts. */
        recovery_run(m);

        r = manager_apply_config(m, false, true, NULL, NULL);
        if (r < 0)
                return r;
        if (r > 0)
                log_warning("%i config file(s) have errors, see above.", r);
        return 0;
}

int manager_reload(Manager *m, ManagerReloadDone done, void *userdata) {
        int r;

        (void) sd_notify(false, "RELOADING=1\nSTATUS=Reloading the config files.");
        r = manager_apply_config(m, true, false, done, userdata);
        /* The reload is done once its changes are under way; creates still
         * waiting for udev finish later and log their outcome. */
        (void) sd_notifyf(false, "READY=1\nSTATUS=%zu device(s).", m->n_devices);
        return r < 0 ? r : 0;
}

static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        log_info("Reloading the config files.");
        (void) manager_reload(userdata, NULL, NULL);
        return 0;
}

int manager_run(Manager *m) {
        int r;

        r = sd_event_add_signal(m->event, NULL, SIGTERM, NULL, NULL);
        if (r >= 0)
                r = sd_event_add_signal(m->event, NULL, SIGINT, NULL, NULL);
        if (r >= 0)
                r = sd_event_add_signal(m->event, NULL, SIGHUP, on_sighup, m);
        if (r < 0)
                return log_error_errno(r, "Failed to watch signals: %m");

        /* Pings systemd's watchdog from the loop when WatchdogSec= is set. */
        r = sd_event_set_watchdog(m->event, true);
        if (r < 0)
                log_warning_errno(r, "Failed to set up the watchdog, ignoring: %m");

        m->running = true;
        if (m->startup_pending > 0)
                log_info("Waiting for udev to set up %u device(s).", m->startup_pending);
        manager_check_startup_done(m);

        r = sd_event_loop(m->event);
        m->running = false;
        if (r < 0)
                return log_error_errno(r, "Event loop failed: %m");

        (void) sd_notify(false, "STOPPING=1");
        return 0;
}
