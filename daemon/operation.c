/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>

#include "backing.h"
#include "config-write.h"
#include "dm.h"
#include "log.h"
#include "loop.h"
#include "operation-journal.h"
#include "operation-limits.h"
#include "operation.h"

typedef enum OperationType {
        OPERATION_CREATE,
        OPERATION_REMOVE,
        OPERATION_RESIZE,
} OperationType;

struct Operation {
        Manager *manager;
        OperationType type;
        OperationFlags flags;
        char *name;
        char *dm_name;
        uint32_t cookie; /* 0 when not waiting for udev */
        OperationCallback callback;
        void *userdata;
        JournalEntry journal;
        bool journal_written;

        DeviceConfig *config; /* create */
        BuildState build; /* create: what to undo on failure */
        uint64_t ram_pending; /* bytes counted against RamLimit= while under way */
        uint64_t new_size; /* resize */
        uint64_t old_size; /* resize */
        unsigned busy_retries; /* remove: udev's workers may hold the device a moment */
        sd_event_source *retry;

        void (*udev_done)(Operation *op, int error);
        Operation *next;
};

static Operation *operation_free(Operation *op) {
        if (!op)
                return NULL;
        for (Operation **p = &op->manager->operations; *p; p = &(*p)->next)
                if (*p == op) {
                        *p = op->next;
                        break;
                }
        if (op->manager->udev)
                udev_watch_cancel(op->manager->udev, op);
        sd_event_source_disable_unref(op->retry);
        build_state_rollback(&op->build);
        device_config_free(op->config);
        journal_entry_done(&op->journal);
        free(op->name);
        free(op->dm_name);
        free(op);
        return NULL;
}

bool operation_is_pending(Manager *m, const char *name) {
        for (Operation *op = m->operations; op; op = op->next)
                if (streq(op->name, name))
                        return true;
        return false;
}

static int operation_new(Manager *m, OperationType type, const char *name, OperationFlags flags,
                         OperationCallback callback, void *userdata, Operation **ret) {
        Operation *op;

        op = calloc(1, sizeof(Operation));
        if (!op)
                return -ENOMEM;
        *op = (Operation){
                .manager = m,
                .type = type,
                .flags = flags,
                .callback = callback,
                .userdata = userdata,
        };
        op->name = strdup(name);
        op->journal.name = strdup(name);
        if (!op->name || !op->journal.name || device_dm_name(name, &op->dm_name) < 0) {
                free(op->name);
                journal_entry_done(&op->journal);
                free(op);
                return -ENOMEM;
        }
        op->next = m->operations;
        m->operations = op;
        *ret = op;
        return 0;
}

/* Reports a failure before any operation exists; logs it once. */
static void report_error(const char *name, OperationCallback callback, void *userdata, int error, const char *format,
                         ...) _printf_(5, 6);
static void report_error(const char *name, OperationCallback callback, void *userdata, int error, const char *format,
                         ...) {
        char message[1024];
        va_list ap;

        errno = -error;
        va_start(ap, format);
        vsnprintf(message, sizeof(message), format, ap);
        va_end(ap);

        log_device_warning(name, "%s", message);
        if (callback)
                callback(error, message, userdata);
}

/* Ends an operation: drops its journal entry, reports, frees it. */
/* The device a resize or remove works on. With none, or one that another
 * call is still working on, it reports the error and returns NULL. */
static Device *existing_device_or_report(Manager *m, const char *name, OperationCallback callback, void *userdata) {
        Device *d;

        /* A device still being created is busy, not missing. */
        if (operation_is_pending(m, name)) {
                report_error(name, callback, userdata, -EBUSY, "Device \"%s\" is busy with another call.", name);
                return NULL;
        }
        d = manager_find_device(m, name);
        if (!d)
                report_error(name, callback, userdata, -ENODEV, "Device \"%s\" does not exist.", name);
        return d;
}

static void operation_done(Operation *op, int error, const char *format, ...) _printf_(3, 4);
static void operation_done(Operation *op, int error, const char *format, ...) {
        OperationCallback callback = op->callback;
        void *userdata = op->userdata;
        char message[1024];
        int r;

        if (op->journal_written) {
                r = journal_remove(op->manager->journal_dir, op->name);
                if (r < 0)
                        log_device_warning_errno(op->name, r, "Failed to remove the journal entry of device %s: %m",
                                                 op->name);
        }

        if (error < 0) {
                va_list ap;

                errno = -error;
                va_start(ap, format);
                vsnprintf(message, sizeof(message), format, ap);
                va_end(ap);
                log_device_warning(op->name, "%s", message);
        }

        operation_free(op);
        if (callback)
                callback(error, error < 0 ? message : NULL, userdata);
}

static int operation_journal(Operation *op) {
        int r;

        r = journal_write(op->manager->journal_dir, &op->journal);
        if (r < 0)
                return r;
        op->journal_written = true;
        return 0;
}

static void on_cookie_released(int error, void *userdata) {
        (void) dm_cookie_release((uint32_t) (uintptr_t) userdata);
}

/* Lets udev finish with a cookie nobody waits for, without blocking. */
static void release_cookie_later(Manager *m, uint32_t cookie) {
        if (cookie == 0)
                return;
        if (!m->udev || udev_watch_cookie(m->udev, cookie, m->config.udev_timeout_usec, on_cookie_released,
                                          (void *) (uintptr_t) cookie) < 0)
                (void) dm_cookie_release(cookie);
}

static void on_operation_udev(int error, void *userdata) {
        Operation *op = userdata;
        int r;

        r = dm_cookie_release(op->cookie);
        op->cookie = 0;
        /* udev broadcasts the kernel's event unchanged when its worker
         * failed or was killed: the cookie then was not counted down. */
        if (error >= 0 && r == -ETIME)
                error = -EIO;
        op->udev_done(op, error);
}

/* Waits on the event loop until udev is done with the cookie, then calls
 * done; at once when there is nothing to wait for. */
static void operation_wait(Operation *op, uint32_t cookie, void (*done)(Operation *op, int error)) {
        Manager *m = op->manager;

        op->udev_done = done;
        if (cookie != 0 && m->udev) {
                op->cookie = cookie;
                if (udev_watch_cookie(m->udev, cookie, m->config.udev_timeout_usec, on_operation_udev, op) >= 0)
                        return;
                op->cookie = 0;
        }
        /* Nothing to watch it with: let it go, never block on it. */
        (void) dm_cookie_release(cookie);
        done(op, 0);
}

static void usage_of(Manager *m, OperationUsage *u) {
        *u = (OperationUsage){ .n_devices = m->n_devices, .ram_in_use = manager_ram_in_use(m) };
        for (Operation *op = m->operations; op; op = op->next) {
                if (op->type == OPERATION_CREATE)
                        u->n_pending++;
                u->ram_pending += op->ram_pending;
        }
}

/* ---- create ---- */

/* Messages about a config file's device start with the file's path. */
#define ORIGIN_FMT "%s%s"
#define ORIGIN_ARGS(o) ((o)[0] == '/' ? (o) : ""), ((o)[0] == '/' ? ": " : "")

/* Two devices on one file would corrupt each other's data. */
static int check_backing_unshared(Manager *m, const DeviceConfig *c, const char **ret_path, const char **ret_owner) {
        for (size_t i = 0; i < c->n_segments; i++) {
                struct stat st;

                if (stat(c->segments[i].path, &st) < 0)
                        st.st_ino = 0; /* new: only a pending create can name it too */

                for (size_t j = 0; j < m->n_devices; j++) {
                        const Device *d = m->devices[j];

                        if (d->type != DEVICE_TYPE_FILE)
                                continue;
                        for (size_t k = 0; k < d->n_segments; k++) {
                                struct stat other;

                                if (streq(d->segments[k].path, c->segments[i].path) ||
                                    (st.st_ino != 0 && stat(d->segments[k].path, &other) >= 0 &&
                                     other.st_dev == st.st_dev && other.st_ino == st.st_ino)) {
                                        *ret_path = c->segments[i].path;
                                        *ret_owner = d->name;
                                        return -EEXIST;
                                }
                        }
                }
                for (Operation *op = m->operations; op; op = op->next) {
                        if (op->type != OPERATION_CREATE || op->config->type != DEVICE_TYPE_FILE)
                                continue;
                        for (size_t k = 0; k < op->config->n_segments; k++) {
                                struct stat other;

                                if (streq(op->config->segments[k].path, c->segments[i].path) ||
                                    (st.st_ino != 0 && stat(op->config->segments[k].path, &other) >= 0 &&
                                     other.st_dev == st.st_dev && other.st_ino == st.st_ino)) {
                                        *ret_path = c->segments[i].path;
                                        *ret_owner = op->name;
                                        return -EEXIST;
                                }
                        }
                }
        }
        return 0;
}

/* What the journal needs to undo this create after a crash: every file
 * it may make. Listed before anything is made. */
static int create_journal_fill(Operation *op) {
        Manager *m = op->manager;
        DeviceConfig *c = op->config;
        int r;

        if (c->type == DEVICE_TYPE_RAM && m->ram_backend == &backend_fallback_ram)
                return backend_ram_file_path(m->ram_dir, c->name, &op->journal.ram_file);

        for (size_t i = 0; i < c->n_segments; i++) {
                struct stat st;

                if (lstat(c->segments[i].path, &st) >= 0 || errno != ENOENT)
                        continue;
                r = journal_strv_add(&op->journal.created, c->segments[i].path);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Undoes a create whose dm device may exist, without waiting for udev. */
static void create_undo(Operation *op, bool dm_made) {
        uint32_t cookie = 0;

        if (dm_made && dm_remove(op->dm_name, false, &cookie) >= 0)
                release_cookie_later(op->manager, cookie);
        build_state_rollback(&op->build);
        if (op->journal.config)
                (void) unlink(op->journal.config);
}

static void create_udev_done(Operation *op, int error) {
        _cleanup_free_ char *symlink = NULL;
        _cleanup_(device_freep) Device *d = NULL;
        Manager *m = op->manager;
        int r;

        if (error == -ETIMEDOUT) {
                create_undo(op, true);
                return operation_done(op, -ETIMEDOUT,
                                      "udev did not finish setting up device %s within %" PRIu64
                                      " s (UdevTimeoutSec=), undone.",
                                      op->name, m->config.udev_timeout_usec / 1000000);
        }
        if (error < 0) {
                create_undo(op, true);
                return operation_done(op, error, "udev failed to set up device %s, undone.", op->name);
        }

        r = device_probe(op->dm_name, m->ram_dir, &d);
        if (r < 0) {
                create_undo(op, true);
                return operation_done(op, r, "Failed to read back device %s: %m", op->dm_name);
        }
        d->origin = strdup(op->journal.origin);
        if (!d->origin) {
                create_undo(op, true);
                return operation_done(op, -ENOMEM, "Out of memory.");
        }

        if (device_symlink_path(op->name, &symlink) >= 0 && access(symlink, F_OK) < 0)
                log_device_warning(op->name,
                                   "Device %s exists, but udev did not create %s; is the dmloop udev rule installed?",
                                   op->name, symlink);

        r = manager_add_device(m, d);
        if (r < 0) {
                create_undo(op, true);
                return operation_done(op, r, "Out of memory.");
        }
        build_state_commit(&op->build);
        log_device_info(op->name, "Created device %s from %s (%s, %" PRIu64 " bytes, dm target %s, dm %u:%u).",
                        op->name, d->origin, device_type_to_string(d->type), d->size, d->target, d->major, d->minor);
        manager_device_added(m, TAKE_PTR(d));
        operation_done(op, 0, NULL);
}

void operation_create(Manager *m, DeviceConfig *c, OperationFlags flags, OperationCallback callback, void *userdata) {
        _cleanup_(device_config_freep) DeviceConfig *config = c;
        _cleanup_free_ char *uuid = NULL, *config_path = NULL;
        _cleanup_dm_table_ DmTable table = {};
        const char *path = NULL, *owner = NULL;
        const Backend *backend;
        OperationUsage usage;
        uint32_t cookie = 0;
        Operation *op;
        int r;

        assert(m);
        assert(c);

        if (manager_find_device(m, c->name) || operation_is_pending(m, c->name))
                return report_error(c->name, callback, userdata, -EEXIST, ORIGIN_FMT "Device \"%s\" already exists.",
                                    ORIGIN_ARGS(c->origin), c->name);

        usage_of(m, &usage);
        r = operation_limits_check(&usage, m->config.max_devices, m->config.ram_limit, true,
                                   c->type == DEVICE_TYPE_RAM ? c->size : 0);
        if (r == -EUSERS)
                return report_error(c->name, callback, userdata, -EUSERS,
                                    ORIGIN_FMT "Cannot create device \"%s\": the limit of %u devices (MaxDevices=) is "
                                               "reached.",
                                    ORIGIN_ARGS(c->origin), c->name, m->config.max_devices);
        if (r < 0)
                return report_error(c->name, callback, userdata, -EUSERS,
                                    ORIGIN_FMT "Cannot create RAM device \"%s\": %" PRIu64
                                               " bytes would exceed RamLimit=%" PRIu64 " (in use or pending: %" PRIu64
                                               ").",
                                    ORIGIN_ARGS(c->origin), c->name, c->size, m->config.ram_limit,
                                    usage.ram_in_use + usage.ram_pending);

        if (flags & OPERATION_PERSISTENT) {
                r = manager_persistent_config_path(m, c->name, &config_path);
                if (r < 0)
                        return report_error(c->name, callback, userdata, r, "Out of memory.");
                if (access(config_path, F_OK) >= 0)
                        return report_error(c->name, callback, userdata, -EEXIST, "Config file %s already exists.",
                                            config_path);
        }

        if (c->type == DEVICE_TYPE_FILE && check_backing_unshared(m, c, &path, &owner) < 0)
                return report_error(c->name, callback, userdata, -EEXIST,
                                    ORIGIN_FMT "Backing file %s of device \"%s\" is already used by device \"%s\".",
                                    ORIGIN_ARGS(c->origin), path, c->name, owner);

        r = operation_new(m, OPERATION_CREATE, c->name, flags, callback, userdata, &op);
        if (r < 0)
                return report_error(c->name, callback, userdata, r, "Out of memory.");
        op->config = TAKE_PTR(config);
        c = op->config;
        op->ram_pending = c->type == DEVICE_TYPE_RAM ? c->size : 0;
        op->journal.operation = JOURNAL_CREATE;
        op->journal.origin = strdup(config_path ?: c->origin);
        op->journal.config = TAKE_PTR(config_path);
        if (!op->journal.origin || device_dm_uuid(c->name, &uuid) < 0)
                return operation_done(op, -ENOMEM, "Out of memory.");
        r = create_journal_fill(op);
        if (r < 0)
                return operation_done(op, r, "Out of memory.");

        /* From here on, a crash leaves a journal entry that says what to undo. */
        r = operation_journal(op);
        if (r < 0)
                return operation_done(op, r, "Failed to write the journal entry of device %s to %s: %m", c->name,
                                      m->journal_dir);

        if (op->journal.config) {
                r = config_write_device(op->journal.config, c);
                if (r < 0) {
                        create_undo(op, false);
                        return operation_done(op, r, "Failed to write config file %s: %m", op->journal.config);
                }
        }

        backend = c->type == DEVICE_TYPE_RAM ? m->ram_backend : m->file_backend;
        op->build.allowed_dirs = m->config.allowed_backing_dirs;
        /* Only a bus caller's paths are confined to the allowed directories;
         * a config file is root's and may name any path. */
        op->build.confined = !(c->origin && c->origin[0] == '/');
        r = backend->build(c, m->ram_dir, &op->build, &table);
        if (r < 0) {
                create_undo(op, false);
                return operation_done(op, r, ORIGIN_FMT "Failed to prepare device \"%s\": %m", ORIGIN_ARGS(c->origin),
                                      c->name);
        }

        r = dm_create(op->dm_name, uuid, &table, c->read_only, &cookie);
        if (r < 0) {
                create_undo(op, false);
                return operation_done(op, r == -EBUSY ? -EEXIST : r,
                                      ORIGIN_FMT "Failed to create device-mapper device %s: %m",
                                      ORIGIN_ARGS(c->origin), op->dm_name);
        }

        operation_wait(op, cookie, create_udev_done);
}

/* ---- remove ---- */

static bool origin_is_file(const char *origin) {
        return origin && origin[0] == '/';
}

/* What goes with a device: its RAM file and, on request, its backing files. */
static void remove_leftovers(Operation *op) {
        if (op->journal.ram_file)
                (void) unlink(op->journal.ram_file);
        for (char **p = op->journal.delete; p && *p; p++) {
                int r = backing_unlink(*p, op->manager->config.allowed_backing_dirs, NULL);

                if (r < 0 && r != -ENOENT)
                        log_device_warning_errno(op->name, r, "Failed to delete backing file %s: %m", *p);
        }
}

static void remove_udev_done(Operation *op, int error) {
        Manager *m = op->manager;
        Device *d;

        /* The kernel has removed the device whatever udev did. */
        if (error < 0)
                log_device_warning(op->name, "udev did not finish removing device %s, ignoring.", op->name);
        remove_leftovers(op);
        d = manager_find_device(m, op->name);
        if (d)
                manager_forget_device(m, d);
        log_device_info(op->name, "Removed device %s.", op->name);
        operation_done(op, 0, NULL);
}

#define REMOVE_BUSY_RETRIES 20
#define REMOVE_BUSY_RETRY_USEC (100 * 1000ULL)

static int on_remove_retry(sd_event_source *s, uint64_t usec, void *userdata);

/* Removes the dm device of a remove that has done its config part. */
static void remove_dm(Operation *op) {
        Manager *m = op->manager;
        uint32_t cookie = 0;
        Device *d;
        int r;

        r = dm_remove(op->dm_name, false, &cookie);
        if (r == -EBUSY && op->busy_retries++ < REMOVE_BUSY_RETRIES) {
                /* udev's blkid may have the device open for a moment
                 * after a change event: try again soon, on the loop. */
                op->retry = sd_event_source_disable_unref(op->retry);
                r = sd_event_add_time_relative(m->event, &op->retry, CLOCK_MONOTONIC, REMOVE_BUSY_RETRY_USEC, 0,
                                               on_remove_retry, op);
                if (r >= 0)
                        return;
                r = -EBUSY;
        }
        if (r < 0) {
                d = manager_find_device(m, op->name);
                if (d && origin_is_file(d->origin) && !(op->flags & OPERATION_KEEP_CONFIG)) {
                        free(d->origin);
                        d->origin = strdup("bus");
                        manager_device_changed(m, d);
                }
                return operation_done(op, r,
                                      r == -EBUSY ? "Device \"%s\" is in use; its config file is gone, so it will "
                                                    "not return at the next boot."
                                                  : "Failed to remove device \"%s\": %m",
                                      op->name);
        }
        operation_wait(op, cookie, remove_udev_done);
}

static int on_remove_retry(sd_event_source *s, uint64_t usec, void *userdata) {
        remove_dm(userdata);
        return 0;
}

void operation_remove(Manager *m, const char *name, OperationFlags flags, OperationCallback callback, void *userdata) {
        _cleanup_free_ char *etc_dir = NULL, *written = NULL;
        _cleanup_dm_info_ DmInfo info = {};
        uint32_t cookie = 0;
        Operation *op;
        Device *d;
        int r;

        assert(m);
        assert(name);

        d = existing_device_or_report(m, name, callback, userdata);
        if (!d)
                return;

        r = operation_new(m, OPERATION_REMOVE, name, flags, callback, userdata, &op);
        if (r < 0)
                return report_error(name, callback, userdata, r, "Out of memory.");

        r = dm_get_info(op->dm_name, &info);
        if (r == -ENODEV) {
                manager_forget_device(m, d);
                return operation_done(op, -ENODEV, "Device \"%s\" does not exist.", name);
        }
        if (r < 0)
                return operation_done(op, r, "Failed to query device \"%s\": %m", name);
        if (info.open_count > 0 && !(flags & OPERATION_FORCE))
                return operation_done(op, -EBUSY,
                                      "Device \"%s\" is in use (open %i times); use the Force option for deferred "
                                      "removal.",
                                      name, info.open_count);

        op->journal.operation = JOURNAL_REMOVE;
        op->journal.origin = strdup(d->origin ?: "bus");
        if (!op->journal.origin)
                return operation_done(op, -ENOMEM, "Out of memory.");
        if (d->type == DEVICE_TYPE_RAM && d->n_segments > 0 && startswith(d->segments[0].path, m->ram_dir))
                op->journal.ram_file = strdup(d->segments[0].path);
        if (d->type == DEVICE_TYPE_FILE && (flags & OPERATION_DELETE_BACKING))
                for (size_t i = 0; i < d->n_segments; i++)
                        if (journal_strv_add(&op->journal.delete, d->segments[i].path) < 0)
                                return operation_done(op, -ENOMEM, "Out of memory.");

        r = operation_journal(op);
        if (r < 0)
                return operation_done(op, r, "Failed to write the journal entry of device %s to %s: %m", name,
                                      m->journal_dir);

        /* The config file goes first: after a crash from here on, the
         * device must not come back at the next boot. */
        if (origin_is_file(d->origin) && !(flags & OPERATION_KEEP_CONFIG)) {
                r = manager_etc_dir(m, &etc_dir);
                if (r >= 0)
                        r = config_file_remove(d->origin, etc_dir, m->config_root, &written);
                if (r < 0)
                        return operation_done(op, r, "Failed to remove config file %s of device %s: %m", d->origin,
                                              name);
                log_device_info(name, "Config file %s of device %s removed (%s).", d->origin, name, written);
        }

        if (info.open_count > 0) {
                /* The kernel removes it on last close; the udev remove
                 * event then drops it. */
                r = dm_remove(op->dm_name, true, &cookie);
                if (r < 0)
                        return operation_done(op, r, "Failed to remove device \"%s\": %m", name);
                release_cookie_later(m, cookie);
                remove_leftovers(op);
                free(d->origin);
                d->origin = strdup("bus"); /* its config file is gone */
                manager_device_changed(m, d);
                log_device_info(name, "Device %s is in use; it will be removed when it is closed.", name);
                return operation_done(op, 0, NULL);
        }

        remove_dm(op);
}

/* ---- resize ---- */

static void resize_udev_done(Operation *op, int error) {
        Manager *m = op->manager;
        Device *d;

        /* The new table is live whatever udev did. */
        if (error < 0)
                log_device_warning(op->name, "udev did not finish the change of device %s, ignoring.", op->name);

        d = manager_find_device(m, op->name);
        if (d) {
                if (d->n_segments > 0)
                        d->segments[d->n_segments - 1].size += op->new_size - d->size;
                d->size = op->new_size;
                manager_device_changed(m, d);
        }
        log_device_info(op->name, "Resized device %s from %" PRIu64 " to %" PRIu64 " bytes.", op->name, op->old_size,
                        op->new_size);
        operation_done(op, 0, NULL);
}

/* Makes room for the new size in the storage under the last target. */
static int resize_backing(Manager *m, Device *d, const DmTarget *last, uint64_t new_length) {
        const char *path;
        dev_t dev;
        uint64_t offset;
        int r;

        if (streq(last->type, "ram"))
                return 0;
        if (d->n_segments == 0)
                return -EUCLEAN;
        path = d->segments[d->n_segments - 1].path;

        if (streq(last->type, "linear")) {
                BackingId id;

                r = dm_linear_params_parse(last->params, &dev, &offset);
                if (r < 0)
                        return r;
                /* Grow the very file the loop device holds, not whatever
                 * the path names now. */
                r = loop_get_backing_id(dev, &id.dev, &id.ino);
                if (r < 0)
                        return r;
                r = backing_grow(path, m->config.allowed_backing_dirs, &id, new_length * SECTOR_SIZE);
                if (r < 0)
                        return r;
                return loop_refresh_capacity(dev);
        }
        return backing_grow(path, m->config.allowed_backing_dirs, NULL, new_length * SECTOR_SIZE);
}

/* A resize that failed after its config file changed puts the old size back. */
static void resize_restore_config(Operation *op, const char *written) {
        _cleanup_free_ char *etc_dir = NULL, *again = NULL;
        int r;

        if (!written)
                return;
        r = manager_etc_dir(op->manager, &etc_dir);
        if (r >= 0)
                r = config_file_set_size(written, etc_dir, op->old_size, &again);
        if (r < 0)
                log_device_warning_errno(op->name, r, "Failed to put the old size back into %s: %m", written);
}

void operation_resize(Manager *m, const char *name, uint64_t size, OperationFlags flags, OperationCallback callback,
                      void *userdata) {
        _cleanup_free_ char *etc_dir = NULL, *written = NULL;
        _cleanup_dm_table_ DmTable table = {};
        OperationUsage usage;
        uint32_t cookie = 0;
        uint64_t new_length;
        DmTarget *last;
        Operation *op;
        Device *d;
        int r;

        assert(m);
        assert(name);

        d = existing_device_or_report(m, name, callback, userdata);
        if (!d)
                return;
        if (size == d->size) {
                if (callback)
                        callback(0, NULL, userdata);
                return;
        }
        if (size < d->size && !(flags & OPERATION_ALLOW_SHRINK))
                return report_error(name, callback, userdata, -EINVAL,
                                    "Argument 'size' (%" PRIu64 ") is smaller than the device (%" PRIu64
                                    "); shrinking needs the AllowShrink option.",
                                    size, d->size);

        usage_of(m, &usage);
        if (d->type == DEVICE_TYPE_RAM && size > d->size &&
            operation_limits_check(&usage, m->config.max_devices, m->config.ram_limit, false, size - d->size) < 0)
                return report_error(name, callback, userdata, -EUSERS,
                                    "Growing RAM device \"%s\" to %" PRIu64 " bytes would exceed RamLimit=%" PRIu64
                                    " (in use or pending: %" PRIu64 ").",
                                    name, size, m->config.ram_limit, usage.ram_in_use + usage.ram_pending);

        r = operation_new(m, OPERATION_RESIZE, name, flags, callback, userdata, &op);
        if (r < 0)
                return report_error(name, callback, userdata, r, "Out of memory.");
        op->new_size = size;
        op->old_size = d->size;
        op->ram_pending = d->type == DEVICE_TYPE_RAM && size > d->size ? size - d->size : 0;

        r = dm_get_table(op->dm_name, &table);
        if (r < 0)
                return operation_done(op, r, "Failed to read the table of device \"%s\": %m", name);
        last = &table.targets[table.n_targets - 1];
        if (size / SECTOR_SIZE <= last->start)
                return operation_done(op, -EINVAL,
                                      "Argument 'size' (%" PRIu64 ") would cut off the last backing segment.", size);
        new_length = size / SECTOR_SIZE - last->start;

        op->journal.operation = JOURNAL_RESIZE;
        op->journal.origin = strdup(d->origin ?: "bus");
        op->journal.old_size = d->size;
        op->journal.new_size = size;
        if (!op->journal.origin)
                return operation_done(op, -ENOMEM, "Out of memory.");
        r = operation_journal(op);
        if (r < 0)
                return operation_done(op, r, "Failed to write the journal entry of device %s to %s: %m", name,
                                      m->journal_dir);

        /* The new size is written where the device comes from before the
         * table changes: it must come back at this size. */
        if (origin_is_file(d->origin) && !(flags & OPERATION_KEEP_CONFIG)) {
                r = manager_etc_dir(m, &etc_dir);
                if (r >= 0)
                        r = config_file_set_size(d->origin, etc_dir, size, &written);
                if (r < 0)
                        return operation_done(op, r, "Failed to write the new size of device %s to %s: %m", name,
                                              d->origin);
                if (!streq(written, d->origin)) {
                        log_device_info(name, "Wrote the new size of device %s to %s, which overrides %s.", name,
                                        written, d->origin);
                        free(d->origin);
                        d->origin = strdup(written);
                        manager_device_changed(m, d);
                }
        }

        if (size > d->size) {
                r = resize_backing(m, d, last, new_length);
                if (r < 0) {
                        resize_restore_config(op, written);
                        return operation_done(op, r, "Failed to grow the backing of device \"%s\": %m", name);
                }
        }
        last->length = new_length;

        r = dm_reload(op->dm_name, &table, d->read_only, &cookie);
        if (r < 0) {
                resize_restore_config(op, written);
                return operation_done(op, r, "Failed to resize device \"%s\": %m", name);
        }
        operation_wait(op, cookie, resize_udev_done);
}

void operation_abandon_all(Manager *m) {
        while (m->operations) {
                Operation *op = m->operations;

                /* The device may exist: keep what the build made. */
                build_state_commit(&op->build);
                if (op->cookie != 0)
                        (void) dm_cookie_release(op->cookie);
                OperationCallback callback = op->callback;
                void *userdata = op->userdata;

                log_device_info(op->name, "Leaving the %s of device %s to the next start of dmloopd.",
                                journal_operation_to_string(op->journal.operation) ?: "operation", op->name);
                operation_free(op);
                /* The caller hears of it (and a bus call's record is freed). */
                if (callback)
                        callback(-ESHUTDOWN, "dmloopd is stopping; its next start finishes or undoes the operation.",
                                 userdata);
        }
}
