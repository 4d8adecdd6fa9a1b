/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>

#include "backing-policy.h"
#include "bus-device.h"
#include "bus-manager.h"
#include "bus-methods.h"
#include "bus-options.h"
#include "bus-polkit.h"
#include "bus-util.h"
#include "config.h"
#include "log.h"
#include "operation.h"
#include "size-util.h"
#include "validate.h"

static inline void bus_options_donep(BusOptions *o) {
        bus_options_done(o);
}

static int bus_check_name(const char *name, sd_bus_error *error) {
        if (device_name_is_valid(name))
                return 0;
        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                 "Argument 'name' is not a valid device name: \"%.80s\" (1 to 64 characters from "
                                 "A-Z a-z 0-9 _ . -, not starting with '.' or '-').",
                                 name);
}

static int property_get_version(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", PACKAGE_VERSION);
}

static int property_get_target(sd_bus *bus, const char *path, const char *interface, const char *property,
                               sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const Backend *b = streq(property, "LoopTarget") ? m->file_backend : m->ram_backend;

        return sd_bus_message_append(reply, "s", streq(b->name, "kernel") ? "kernel" : "fallback");
}

/* Builds the config of a bus-created device and checks its backing paths. */
static int bus_build_config(Manager *m, const char *name, DeviceType type, uint64_t size, const BusOptions *o,
                            DeviceConfig **ret, sd_bus_error *error) {
        _cleanup_(device_config_freep) DeviceConfig *c = NULL;
        _cleanup_free_ char *message_buf = NULL;
        const char *message = NULL;
        int r;

        c = device_config_new();
        if (!c)
                return -ENOMEM;
        c->name = strdup(name);
        c->origin = strdup("bus");
        if (!c->name || !c->origin)
                return -ENOMEM;
        c->type = type;
        c->size = size;
        c->read_only = o->read_only > 0;
        c->create_backing = o->create_backing != 0;

        for (size_t i = 0; i < o->n_backing; i++) {
                const char *path = o->backing[i].path;

                /* Relative paths would resolve under the state directory,
                 * which may not be an allowed one: bus callers say where. */
                if (!path_is_absolute_normalized(path))
                        return sd_bus_error_setf(error, DMLOOP_ERROR_BACKING_NOT_ALLOWED,
                                                 "Backing path \"%.200s\" in option 'Backing' must be absolute and "
                                                 "normalized (no \"..\", \".\" or \"//\").",
                                                 path);
                if (o->backing[i].size % SECTOR_SIZE != 0)
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                 "Size %" PRIu64
                                                 " of backing file %s in option 'Backing' is not a multiple of 512.",
                                                 o->backing[i].size, path);
                r = device_config_add_segment(c, path, o->backing[i].size);
                if (r < 0)
                        return r;
        }

        r = device_config_resolve(c, m->state_dir, &message);
        if (r == -EINVAL)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Arguments 'size' and 'options': %s",
                                         message);
        if (r < 0)
                return r;

        r = backing_policy_check_config(m->config.allowed_backing_dirs, c, m->file_backend == &backend_kernel_file,
                                        &message_buf);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return sd_bus_error_set(error,
                                        r == -EPERM    ? DMLOOP_ERROR_BACKING_NOT_ALLOWED
                                        : r == -ENOENT ? SD_BUS_ERROR_INVALID_ARGS
                                                       : SD_BUS_ERROR_FAILED,
                                        message_buf);

        *ret = TAKE_PTR(c);
        return 0;
}

static int method_create_device(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        static const char *const keys[] = { "Backing", "ReadOnly", "Persistent", "CreateBacking", NULL };
        _cleanup_(device_config_freep) DeviceConfig *c = NULL;
        BusCall *call;
        _cleanup_(bus_options_donep) BusOptions o = {};
        Manager *m = userdata;
        const char *name, *type_string;
        DeviceType type;
        uint64_t size;
        int r;

        r = sd_bus_message_read(msg, "sst", &name, &type_string, &size);
        if (r < 0)
                return r;
        r = bus_read_options(msg, keys, &o, error);
        if (r < 0)
                return r;

        r = bus_check_name(name, error);
        if (r < 0)
                return r;
        type = device_type_from_string(type_string);
        if (type < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Argument 'type' must be \"file\" or \"ram\", not \"%.80s\".", type_string);
        /* 0 is allowed for a file device whose Backing sizes add up. */
        if (!(size == 0 && type == DEVICE_TYPE_FILE && o.n_backing > 0) && !size_is_valid_device_size(size))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Argument 'size' must be a positive multiple of 512, not %" PRIu64 ".", size);
        if (type == DEVICE_TYPE_RAM && (o.has_backing || o.create_backing >= 0))
                return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS,
                                        "Options 'Backing' and 'CreateBacking' apply to file devices only.");
        if (o.has_backing && o.n_backing == 0)
                return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS, "Option 'Backing' must not be empty.");

        r = bus_verify_polkit_async(msg, DMLOOP_POLKIT_ACTION, method_create_device, m, &m->polkit, error);
        if (r <= 0)
                return r < 0 ? r : 1;

        r = bus_build_config(m, name, type, size, &o, &c, error);
        if (r < 0)
                return r;

        r = bus_call_new(msg, c->name, &call);
        if (r < 0)
                return r;
        operation_create(m, TAKE_PTR(c), o.persistent > 0 ? OPERATION_PERSISTENT : 0, bus_call_done, call);
        return 1;
}

static int method_remove_device(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        const char *name;
        int r;

        r = sd_bus_message_read(msg, "s", &name);
        if (r < 0)
                return r;
        r = bus_check_name(name, error);
        if (r < 0)
                return r;
        return bus_method_remove(msg, userdata, name, method_remove_device, error);
}

static int method_resize_device(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        const char *name;
        int r;

        r = sd_bus_message_read(msg, "s", &name);
        if (r < 0)
                return r;
        r = bus_check_name(name, error);
        if (r < 0)
                return r;
        return bus_method_resize(msg, userdata, name, method_resize_device, error);
}

static int method_list_devices(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = userdata;
        int r;

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "(ssto)");
        if (r < 0)
                return r;
        for (size_t i = 0; i < m->n_devices; i++) {
                _cleanup_free_ char *path = NULL;
                Device *d = m->devices[i];

                r = bus_device_path(d->name, &path);
                if (r < 0)
                        return r;
                r = sd_bus_message_append(reply, "(ssto)", d->name, device_type_to_string(d->type), d->size, path);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_get_device(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_free_ char *path = NULL;
        const char *name;
        int r;

        r = sd_bus_message_read(msg, "s", &name);
        if (r < 0)
                return r;
        r = bus_check_name(name, error);
        if (r < 0)
                return r;
        if (!manager_find_device(userdata, name))
                return sd_bus_error_setf(error, DMLOOP_ERROR_NO_SUCH_DEVICE, "Device \"%s\" does not exist.", name);

        r = bus_device_path(name, &path);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(msg, "o", path);
}

static void on_reload_done(void *userdata) {
        sd_bus_message *msg = userdata;

        (void) sd_bus_reply_method_return(msg, "");
        sd_bus_message_unref(msg);
}

static int method_reload(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        int r;

        r = bus_verify_polkit_async(msg, DMLOOP_POLKIT_ACTION, method_reload, m, &m->polkit, error);
        if (r <= 0)
                return r < 0 ? r : 1;

        log_info("Reloading the config files, as asked over the bus.");
        /* The reply waits, on the event loop, until the reload's creates,
         * grows and removes are over, so the caller can use the devices. */
        sd_bus_message_ref(msg);
        r = manager_reload(m, on_reload_done, msg);
        if (r < 0) {
                sd_bus_message_unref(msg);
                return sd_bus_error_set_errnof(error, r, "Failed to reload: %m");
        }
        return 1;
}

static const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Version", "s", property_get_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("LoopTarget", "s", property_get_target, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("RamTarget", "s", property_get_target, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_METHOD_WITH_NAMES("CreateDevice", "ssta{sv}",
                                 SD_BUS_PARAM(name) SD_BUS_PARAM(type) SD_BUS_PARAM(size) SD_BUS_PARAM(options), "o",
                                 SD_BUS_PARAM(device), method_create_device, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("RemoveDevice", "sa{sv}", SD_BUS_PARAM(name) SD_BUS_PARAM(options), "", ,
                                 method_remove_device, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("ResizeDevice", "sta{sv}",
                                 SD_BUS_PARAM(name) SD_BUS_PARAM(size) SD_BUS_PARAM(options), "", ,
                                 method_resize_device, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("ListDevices", "", , "a(ssto)", SD_BUS_PARAM(devices), method_list_devices,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("GetDevice", "s", SD_BUS_PARAM(name), "o", SD_BUS_PARAM(device), method_get_device,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Reload", "", "", method_reload, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_SIGNAL_WITH_NAMES("DeviceAdded", "so", SD_BUS_PARAM(name) SD_BUS_PARAM(device), 0),
        SD_BUS_SIGNAL_WITH_NAMES("DeviceRemoved", "so", SD_BUS_PARAM(name) SD_BUS_PARAM(device), 0),
        SD_BUS_VTABLE_END
};

static int on_name_acquired(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        const sd_bus_error *e = sd_bus_message_get_error(reply);

        if (e)
                log_error("Failed to take the bus name " DMLOOP_BUS_NAME ", the bus API is unavailable: %s",
                          e->message ?: e->name);
        else
                log_info("Joined the system bus as " DMLOOP_BUS_NAME ".");
        return 0;
}

static void bus_device_added(Device *d, void *userdata);
static void bus_device_removed(Device *d, void *userdata);
static void bus_device_changed(Device *d, void *userdata);
static int bus_manager_open(Manager *m);

static int on_reconnect(sd_event_source *s, void *userdata) {
        Manager *m = userdata;
        int r;

        m->bus_reconnect = sd_event_source_disable_unref(m->bus_reconnect);
        polkit_registry_free(TAKE_PTR(m->polkit));
        sd_bus_flush_close_unref(TAKE_PTR(m->bus));
        r = bus_manager_open(m);
        if (r < 0) {
                /* Without the bus API we are of little use: let systemd
                 * restart us (Restart=on-failure); the devices stay. */
                log_error_errno(r, "Failed to reconnect to the system bus, exiting: %m");
                return sd_event_exit(sd_event_source_get_event(s), r);
        }
        log_info("Reconnecting to the system bus.");
        return 0;
}

/* dbus was restarted: join the new one (watch_bind waits for its socket).
 * A filter sees sd-bus's local Disconnected message without asking the
 * bus for a match, which a bus that is not up yet could not answer. */
static int on_bus_message(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        int r;

        if (!sd_bus_message_is_signal(msg, "org.freedesktop.DBus.Local", "Disconnected"))
                return 0;
        log_warning("Lost the system bus connection, reconnecting.");
        if (m->bus_reconnect)
                return 0;
        /* Not here: the bus must not be freed from its own callback. */
        r = sd_event_add_defer(m->event, &m->bus_reconnect, on_reconnect, m);
        if (r < 0) {
                log_error_errno(r, "Failed to schedule a reconnect to the system bus, exiting: %m");
                return sd_event_exit(m->event, r);
        }
        return 0;
}

static int bus_manager_open(Manager *m) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        const char *address;
        int r;

        r = sd_bus_new(&bus);
        if (r < 0)
                return r;
        address = getenv("DBUS_SYSTEM_BUS_ADDRESS") ?: "unix:path=/run/dbus/system_bus_socket";
        r = sd_bus_set_address(bus, address);
        if (r < 0)
                return r;
        (void) sd_bus_set_bus_client(bus, true);
        /* Connect once the socket appears: at boot, dbus starts after us. */
        (void) sd_bus_set_watch_bind(bus, true);
        (void) sd_bus_set_description(bus, "system-bus");

        /* Objects first, so nobody sees the name without them. */
        r = sd_bus_add_object_vtable(bus, NULL, DMLOOP_MANAGER_PATH, DMLOOP_MANAGER_INTERFACE, manager_vtable, m);
        if (r < 0)
                return r;
        r = sd_bus_add_fallback_vtable(bus, NULL, DMLOOP_DEVICE_PATH_PREFIX, DMLOOP_DEVICE_INTERFACE,
                                       bus_device_vtable, bus_device_find, m);
        if (r < 0)
                return r;
        r = sd_bus_add_node_enumerator(bus, NULL, DMLOOP_DEVICE_PATH_PREFIX, bus_device_enumerate, m);
        if (r < 0)
                return r;
        r = sd_bus_add_object_manager(bus, NULL, DMLOOP_MANAGER_PATH);
        if (r < 0)
                return r;
        r = sd_bus_add_filter(bus, NULL, on_bus_message, m);
        if (r < 0)
                return r;

        r = sd_bus_start(bus);
        if (r < 0)
                return r;
        r = sd_bus_attach_event(bus, m->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return r;
        r = sd_bus_request_name_async(bus, NULL, DMLOOP_BUS_NAME, 0, on_name_acquired, m);
        if (r < 0)
                return r;

        m->bus = TAKE_PTR(bus);
        return 0;
}

int bus_manager_connect(Manager *m) {
        int r;

        assert(m);

        bus_error_map_register();
        r = bus_manager_open(m);
        if (r < 0)
                return r;
        m->hooks = (ManagerHooks){
                .device_added = bus_device_added,
                .device_removed = bus_device_removed,
                .device_changed = bus_device_changed,
                .userdata = m,
        };
        return 0;
}

void bus_manager_disconnect(Manager *m) {
        assert(m);

        m->hooks = (ManagerHooks){};
        m->bus_reconnect = sd_event_source_disable_unref(m->bus_reconnect);
        m->polkit = polkit_registry_free(m->polkit);
        m->bus = sd_bus_flush_close_unref(m->bus);
}

static void emit_device_signal(Manager *m, Device *d, const char *member) {
        _cleanup_free_ char *path = NULL;

        if (!m->bus || bus_device_path(d->name, &path) < 0)
                return;
        (void) sd_bus_emit_signal(m->bus, DMLOOP_MANAGER_PATH, DMLOOP_MANAGER_INTERFACE, member, "so", d->name, path);
}

static void bus_device_added(Device *d, void *userdata) {
        _cleanup_free_ char *path = NULL;
        Manager *m = userdata;

        if (!m->bus || bus_device_path(d->name, &path) < 0)
                return;
        (void) sd_bus_emit_object_added(m->bus, path);
        emit_device_signal(m, d, "DeviceAdded");
}

static void bus_device_removed(Device *d, void *userdata) {
        _cleanup_free_ char *path = NULL;
        Manager *m = userdata;

        if (!m->bus || bus_device_path(d->name, &path) < 0)
                return;
        (void) sd_bus_emit_object_removed(m->bus, path);
        emit_device_signal(m, d, "DeviceRemoved");
}

static void bus_device_changed(Device *d, void *userdata) {
        _cleanup_free_ char *path = NULL;
        Manager *m = userdata;

        if (!m->bus || bus_device_path(d->name, &path) < 0)
                return;
        (void) sd_bus_emit_properties_changed(m->bus, path, DMLOOP_DEVICE_INTERFACE, "Size", "Backing", "Origin",
                                              "Persistent", NULL);
}
