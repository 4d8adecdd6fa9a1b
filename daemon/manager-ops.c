/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/stat.h>

#include "backing.h"
#include "bus-manager.h"
#include "bus-util.h"
#include "config-write.h"
#include "dm.h"
#include "log.h"
#include "loop.h"
#include "manager-ops.h"

/* Well below D-Bus's 25 s default, so the caller hears from us first. */
#define UDEV_TIMEOUT_USEC (15ULL * 1000000ULL)

typedef enum OperationType {
        OPERATION_CREATE,
        OPERATION_REMOVE,
        OPERATION_RESIZE,
} OperationType;

struct Operation {
        Manager *manager;
        OperationType type;
        char *name;
        char *dm_name;
        sd_bus_message *call; /* NULL when dmloopd itself started it */
        uint32_t cookie;

        DeviceConfig *config; /* create */
        BuildState build; /* create: what to undo on failure */
        bool persistent; /* create */
        bool delete_backing; /* remove */
        uint64_t new_size; /* resize */

        Operation *next;
};

Operation *operation_free(Operation *op) {
        if (!op)
                return NULL;
        for (Operation **p = &op->manager->operations; *p; p = &(*p)->next)
                if (*p == op) {
                        *p = op->next;
                        break;
                }
        build_state_rollback(&op->build);
        device_config_free(op->config);
        sd_bus_message_unref(op->call);
        free(op->name);
        free(op->dm_name);
        free(op);
        return NULL;
}

bool manager_name_is_pending(Manager *m, const char *name) {
        for (Operation *op = m->operations; op; op = op->next)
                if (streq(op->name, name))
                        return true;
        return false;
}

static int operation_new(Manager *m, OperationType type, const char *name, sd_bus_message *call, Operation **ret) {
        Operation *op;

        op = calloc(1, sizeof(Operation));
        if (!op)
                return -ENOMEM;
        op->manager = m;
        op->type = type;
        op->call = sd_bus_message_ref(call);
        op->name = strdup(name);
        if (!op->name || device_dm_name(name, &op->dm_name) < 0) {
                operation_free(op);
                return -ENOMEM;
        }
        op->next = m->operations;
        m->operations = op;
        *ret = op;
        return 0;
}

/* An operation on an existing device; one at a time per device. */
static int operation_begin_on_device(Manager *m, OperationType type, Device *d, sd_bus_message *call, Operation **ret,
                                     sd_bus_error *error) {
        if (manager_name_is_pending(m, d->name))
                return sd_bus_error_setf(error, DMLOOP_ERROR_DEVICE_BUSY, "Device \"%s\" is busy with another call.",
                                         d->name);
        return operation_new(m, type, d->name, call, ret);
}

/* Sends the error to the caller, or logs it when there is no caller. */
static void operation_fail(Operation *op, const char *error_name, int error, const char *format, ...) _printf_(4, 5);
static void operation_fail(Operation *op, const char *error_name, int error, const char *format, ...) {
        char message[512];
        va_list ap;

        errno = error < 0 ? -error : 0;
        va_start(ap, format);
        vsnprintf(message, sizeof(message), format, ap);
        va_end(ap);

        log_device_warning(op->name, "%s", message);
        if (op->call)
                (void) sd_bus_reply_method_errorf(op->call, error_name, "%s", message);
        operation_free(op);
}

static int operation_wait(Operation *op, UdevCookieHandler handler) {
        if (!op->manager->udev)
                return -EOPNOTSUPP;
        return udev_watch_cookie(op->manager->udev, op->cookie, UDEV_TIMEOUT_USEC, handler, op);
}

/* For operations whose dm work is already done: when the event loop cannot
 * wait for udev, wait here and finish at once. */
static void operation_wait_or_finish(Operation *op, UdevCookieHandler handler) {
        if (operation_wait(op, handler) < 0) {
                (void) dm_cookie_wait(op->cookie);
                handler(0, op);
        }
}

/* Finishes the cookie: on time, or by giving up on udev. */
static void operation_settle_cookie(Operation *op, int error) {
        if (error < 0)
                (void) dm_cookie_abandon(op->cookie);
        else
                (void) dm_cookie_wait(op->cookie);
}

/* ---- create ---- */

static void create_undo(Operation *op) {
        uint32_t cookie;

        if (dm_remove(op->dm_name, false, &cookie) >= 0)
                (void) dm_cookie_wait(cookie);
        build_state_rollback(&op->build);
}

static void create_done(int error, void *userdata) {
        _cleanup_free_ char *symlink = NULL, *path = NULL, *config_path = NULL;
        _cleanup_(device_freep) Device *d = NULL;
        Operation *op = userdata;
        Manager *m = op->manager;
        int r;

        operation_settle_cookie(op, error);
        if (error < 0) {
                create_undo(op);
                return operation_fail(op, SD_BUS_ERROR_TIMEOUT, error,
                                      "udev did not finish setting up device %s in time.", op->name);
        }

        if (device_symlink_path(op->name, &symlink) < 0 || bus_device_path(op->name, &path) < 0)
                goto oom;
        if (access(symlink, F_OK) < 0) {
                create_undo(op);
                return operation_fail(op, SD_BUS_ERROR_FAILED, -ENOENT,
                                      "udev did not create %s; is the dmloop udev rule installed?", symlink);
        }

        r = device_probe(op->dm_name, m->ram_dir, &d);
        if (r < 0) {
                create_undo(op);
                return operation_fail(op, SD_BUS_ERROR_FAILED, r, "Failed to read back device %s: %m", op->dm_name);
        }

        if (op->persistent) {
                r = manager_persistent_config_path(m, op->name, &config_path);
                if (r >= 0)
                        r = config_write_device(config_path, op->config);
                if (r < 0) {
                        create_undo(op);
                        return operation_fail(op, SD_BUS_ERROR_FAILED, r,
                                              "Failed to write the config file of device %s: %m", op->name);
                }
                d->origin = TAKE_PTR(config_path);
        } else
                d->origin = strdup("bus");
        if (!d->origin)
                goto oom;

        build_state_commit(&op->build);
        log_device_info(op->name, "Created device %s over the bus (%s, %" PRIu64 " bytes, dm target %s, dm %u:%u%s).",
                        op->name, device_type_to_string(d->type), d->size, d->target, d->major, d->minor,
                        op->persistent ? ", persistent" : "");

        r = manager_add_device(m, d);
        if (r < 0)
                goto oom;
        bus_emit_device_added(m, TAKE_PTR(d));

        if (op->call)
                (void) sd_bus_reply_method_return(op->call, "o", path);
        operation_free(op);
        return;

oom:
        create_undo(op);
        operation_fail(op, SD_BUS_ERROR_NO_MEMORY, -ENOMEM, "Out of memory.");
}

static const char *create_error_name(int r) {
        switch (r) {
        case -ENOENT:
        case -EFBIG:
        case -EISDIR:
        case -EINVAL:
                return SD_BUS_ERROR_INVALID_ARGS;
        case -EEXIST:
        case -EBUSY:
                return DMLOOP_ERROR_DEVICE_EXISTS;
        default:
                return SD_BUS_ERROR_FAILED;
        }
}

int operation_create(Manager *m, sd_bus_message *call, DeviceConfig *c, bool persistent, sd_bus_error *error) {
        _cleanup_(device_config_freep) DeviceConfig *config = c;
        _cleanup_free_ char *uuid = NULL, *config_path = NULL;
        _cleanup_dm_table_ DmTable table = {};
        size_t pending = 0;
        uint64_t ram_pending = 0;
        const Backend *backend;
        Operation *op;
        int r;

        for (Operation *o = m->operations; o; o = o->next)
                if (o->type == OPERATION_CREATE) {
                        pending++;
                        if (o->config->type == DEVICE_TYPE_RAM)
                                ram_pending += o->config->size;
                }

        if (manager_find_device(m, c->name) || manager_name_is_pending(m, c->name))
                return sd_bus_error_setf(error, DMLOOP_ERROR_DEVICE_EXISTS, "Device \"%s\" already exists.", c->name);
        if (m->n_devices + pending >= m->config.max_devices)
                return sd_bus_error_setf(error, DMLOOP_ERROR_LIMIT_EXCEEDED,
                                         "Cannot create device \"%s\": the limit of %u devices is reached.", c->name,
                                         m->config.max_devices);
        if (c->type == DEVICE_TYPE_RAM && (manager_ram_in_use(m) + ram_pending > m->config.ram_limit ||
                                           c->size > m->config.ram_limit - manager_ram_in_use(m) - ram_pending))
                return sd_bus_error_setf(error, DMLOOP_ERROR_LIMIT_EXCEEDED,
                                         "Cannot create RAM device \"%s\": %" PRIu64
                                         " bytes would exceed RamLimit=%" PRIu64 " (in use: %" PRIu64 ").",
                                         c->name, c->size, m->config.ram_limit, manager_ram_in_use(m) + ram_pending);
        if (persistent) {
                r = manager_persistent_config_path(m, c->name, &config_path);
                if (r < 0)
                        return r;
                if (access(config_path, F_OK) >= 0)
                        return sd_bus_error_setf(error, DMLOOP_ERROR_DEVICE_EXISTS, "Config file %s already exists.",
                                                 config_path);
        }

        r = operation_new(m, OPERATION_CREATE, c->name, call, &op);
        if (r < 0)
                return r;
        op->config = TAKE_PTR(config);
        op->persistent = persistent;

        r = device_dm_uuid(c->name, &uuid);
        if (r < 0)
                goto fail;

        backend = c->type == DEVICE_TYPE_RAM ? m->ram_backend : m->file_backend;
        op->build.allowed_dirs = m->config.allowed_backing_dirs;
        op->build.confined = true; /* only the bus creates through here */
        r = backend->build(c, m->ram_dir, &op->build, &table);
        if (r < 0) {
                sd_bus_error_setf(error, create_error_name(r), "Failed to prepare device \"%s\": %s", c->name,
                                  strerror(-r));
                goto fail;
        }

        r = dm_create(op->dm_name, uuid, &table, c->read_only, 0, &op->cookie);
        if (r < 0) {
                sd_bus_error_setf(error, create_error_name(r), "Failed to create device-mapper device %s: %s",
                                  op->dm_name, strerror(-r));
                goto fail;
        }

        r = operation_wait(op, create_done);
        if (r < 0) {
                (void) dm_cookie_wait(op->cookie);
                create_undo(op);
                goto fail;
        }
        return 1;

fail:
        operation_free(op); /* rolls the build back */
        return r;
}

/* ---- remove ---- */

/* A removed device must not come back at the next boot: its config file
 * goes, or is masked from /etc (config-write.h). */
static void remove_config_file(Manager *m, Device *d) {
        _cleanup_free_ char *etc_dir = NULL, *written = NULL;
        int r;

        if (asprintf(&etc_dir, "%s/etc/dmloop.d",
                     m->config_root && !streq(m->config_root, "/") ? m->config_root : "") < 0)
                return (void) log_oom();
        r = config_file_remove(d->origin, etc_dir, m->config_root, &written);
        if (r < 0)
                log_device_warning_errno(d->name, r, "Failed to remove or mask config file %s: %m", d->origin);
        else if (!streq(written, d->origin))
                log_device_info(d->name, "Masked config file %s with %s -> /dev/null.", d->origin, written);
}

/* What goes with a device: its RAM file, its config file, and on request
 * its backing files. */
static void remove_leftovers(Manager *m, Device *d, bool delete_backing) {
        if (d->type == DEVICE_TYPE_RAM && d->n_segments > 0 && startswith(d->segments[0].path, m->ram_dir))
                (void) unlink(d->segments[0].path);
        if (delete_backing && d->type == DEVICE_TYPE_FILE)
                for (size_t i = 0; i < d->n_segments; i++) {
                        int r = backing_unlink(d->segments[i].path, m->config.allowed_backing_dirs, NULL);

                        if (r < 0 && r != -ENOENT)
                                log_device_warning_errno(d->name, r, "Failed to delete backing file %s: %m",
                                                         d->segments[i].path);
                }
        if (d->origin && d->origin[0] == '/')
                remove_config_file(m, d);
}

static void remove_done(int error, void *userdata) {
        Operation *op = userdata;
        Manager *m = op->manager;
        Device *d;

        operation_settle_cookie(op, error);

        d = manager_find_device(m, op->name);
        if (d) {
                remove_leftovers(m, d, op->delete_backing);
                log_device_info(op->name, "Removed device %s.", op->name);
                bus_emit_device_removed(m, d);
                manager_forget_device(m, d);
        }

        if (op->call)
                (void) sd_bus_reply_method_return(op->call, "");
        operation_free(op);
}

int operation_remove(Manager *m, sd_bus_message *call, Device *d, bool force, bool delete_backing,
                     sd_bus_error *error) {
        _cleanup_dm_info_ DmInfo info = {};
        Operation *op;
        int r;

        r = operation_begin_on_device(m, OPERATION_REMOVE, d, call, &op, error);
        if (r < 0)
                return r;
        op->delete_backing = delete_backing;

        r = dm_get_info(op->dm_name, &info);
        if (r == -ENODEV) {
                bus_emit_device_removed(m, d);
                manager_forget_device(m, d);
                r = sd_bus_error_setf(error, DMLOOP_ERROR_NO_SUCH_DEVICE, "Device \"%s\" does not exist.", op->name);
                goto fail;
        }
        if (r < 0)
                goto fail;

        if (info.open_count > 0 && !force) {
                r = sd_bus_error_setf(
                        error, DMLOOP_ERROR_DEVICE_BUSY,
                        "Device \"%s\" is in use (open %i times); use the Force option for deferred removal.", d->name,
                        info.open_count);
                goto fail;
        }

        if (info.open_count > 0) {
                /* The kernel removes it on last close; the udev remove
                 * event then drops it from the bus. */
                r = dm_remove(op->dm_name, true, NULL);
                if (r < 0)
                        goto fail_dm;
                remove_leftovers(m, d, delete_backing);
                free(d->origin);
                d->origin = strdup("bus"); /* its config file is gone */
                bus_emit_device_changed(m, d);
                log_device_info(d->name, "Device %s is in use; it will be removed when it is closed.", d->name);
                if (call)
                        (void) sd_bus_reply_method_return(call, "");
                operation_free(op);
                return 1;
        }

        r = dm_remove(op->dm_name, false, &op->cookie);
        if (r < 0)
                goto fail_dm;
        operation_wait_or_finish(op, remove_done);
        return 1;

fail_dm:
        if (r == -EBUSY)
                r = sd_bus_error_setf(error, DMLOOP_ERROR_DEVICE_BUSY, "Device \"%s\" is in use.", op->name);
        else
                r = sd_bus_error_setf(error, SD_BUS_ERROR_FAILED, "Failed to remove device \"%s\": %s", op->name,
                                      strerror(-r));
fail:
        operation_free(op);
        return r;
}

/* ---- resize ---- */

static void resize_done(int error, void *userdata) {
        Operation *op = userdata;
        Manager *m = op->manager;
        Device *d;

        operation_settle_cookie(op, error);

        d = manager_find_device(m, op->name);
        if (d) {
                uint64_t old = d->size;

                if (d->n_segments > 0)
                        d->segments[d->n_segments - 1].size += op->new_size - old;
                d->size = op->new_size;

                if (d->origin && d->origin[0] == '/') {
                        _cleanup_free_ char *etc_dir = NULL, *written = NULL;
                        int r;

                        /* The file the device came from; a vendor one gets
                         * an override of the same name in /etc. */
                        if (asprintf(&etc_dir, "%s/etc/dmloop.d",
                                     m->config_root && !streq(m->config_root, "/") ? m->config_root : "") < 0)
                                etc_dir = NULL;
                        r = etc_dir ? config_file_set_size(d->origin, etc_dir, op->new_size, &written) : -ENOMEM;
                        if (r < 0)
                                log_device_warning_errno(d->name, r, "Failed to write the new size to %s: %m",
                                                         d->origin);
                        else if (!streq(d->origin, written)) {
                                log_device_info(d->name, "Wrote the new size to %s, which overrides %s.", written,
                                                d->origin);
                                free(d->origin);
                                d->origin = TAKE_PTR(written);
                        }
                }

                log_device_info(op->name, "Resized device %s from %" PRIu64 " to %" PRIu64 " bytes.", op->name, old,
                                op->new_size);
                bus_emit_device_changed(m, d);
        }

        if (op->call)
                (void) sd_bus_reply_method_return(op->call, "");
        operation_free(op);
}

/* Makes room for the new size in the storage under the last target. */
static int resize_backing(Manager *m, Device *d, const DmTarget *last, uint64_t new_length) {
        dev_t dev;
        uint64_t offset;
        int r;

        if (streq(last->type, "ram"))
                return 0;
        if (d->n_segments == 0)
                return -EUCLEAN;

        if (streq(last->type, "linear")) {
                BackingId id;

                r = dm_linear_params_parse(last->params, &dev, &offset);
                if (r < 0)
                        return r;
                /* Grow the very file the loop device holds. */
                r = loop_get_backing_id(dev, &id.dev, &id.ino);
                if (r < 0)
                        return r;
                r = backing_grow(d->segments[d->n_segments - 1].path, m->config.allowed_backing_dirs, &id,
                                 new_length * SECTOR_SIZE);
                if (r < 0)
                        return r;
                return loop_refresh_capacity(dev);
        }
        return backing_grow(d->segments[d->n_segments - 1].path, m->config.allowed_backing_dirs, NULL,
                            new_length * SECTOR_SIZE);
}

int operation_resize(Manager *m, sd_bus_message *call, Device *d, uint64_t size, bool allow_shrink,
                     sd_bus_error *error) {
        _cleanup_dm_table_ DmTable table = {};
        DmTarget *last;
        uint64_t new_length;
        Operation *op;
        int r;

        if (size == d->size) {
                if (call)
                        (void) sd_bus_reply_method_return(call, "");
                return 1;
        }
        if (size < d->size && !allow_shrink)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Argument 'size' (%" PRIu64 ") is smaller than the device (%" PRIu64
                                         "); shrinking needs the AllowShrink option.",
                                         size, d->size);
        if (d->type == DEVICE_TYPE_RAM && size > d->size &&
            size - d->size > m->config.ram_limit - MIN(manager_ram_in_use(m), m->config.ram_limit))
                return sd_bus_error_setf(error, DMLOOP_ERROR_LIMIT_EXCEEDED,
                                         "Growing RAM device \"%s\" to %" PRIu64
                                         " bytes would exceed RamLimit=%" PRIu64 ".",
                                         d->name, size, m->config.ram_limit);
        r = operation_begin_on_device(m, OPERATION_RESIZE, d, call, &op, error);
        if (r < 0)
                return r;
        op->new_size = size;

        r = dm_get_table(op->dm_name, &table);
        if (r < 0)
                goto fail_errno;
        last = &table.targets[table.n_targets - 1];
        if (size / SECTOR_SIZE <= last->start) {
                r = sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                      "Argument 'size' (%" PRIu64 ") would cut off the last backing segment.", size);
                goto fail;
        }
        new_length = size / SECTOR_SIZE - last->start;

        if (size > d->size) {
                r = resize_backing(m, d, last, new_length);
                if (r < 0)
                        goto fail_errno;
        }
        last->length = new_length;

        r = dm_reload(op->dm_name, &table, d->read_only, 0, &op->cookie);
        if (r < 0)
                goto fail_errno;
        operation_wait_or_finish(op, resize_done);
        return 1;

fail_errno:
        r = sd_bus_error_setf(error, SD_BUS_ERROR_FAILED, "Failed to resize device \"%s\": %s", d->name, strerror(-r));
fail:
        operation_free(op);
        return r;
}
