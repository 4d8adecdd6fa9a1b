/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdio.h>

#include "bus-device.h"
#include "bus-methods.h"
#include "bus-util.h"
#include "manager.h"

/*
 * The vtable's userdata is the Manager, not the Device: a method call may
 * wait for polkit, and the device may be gone by the time it resumes, so
 * every handler looks the device up by its object path when it runs.
 */
static Device *device_from_path(Manager *m, const char *path) {
        _cleanup_free_ char *name = NULL;

        if (bus_device_name_from_path(path, &name) < 0)
                return NULL;
        return manager_find_device(m, name);
}

int bus_device_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                    sd_bus_error *error) {
        if (!device_from_path(userdata, path))
                return 0;
        *found = userdata;
        return 1;
}

int bus_device_enumerate(sd_bus *bus, const char *path, void *userdata, char ***nodes, sd_bus_error *error) {
        Manager *m = userdata;
        char **l;

        l = calloc(m->n_devices + 1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        for (size_t i = 0; i < m->n_devices; i++)
                if (bus_device_path(m->devices[i]->name, &l[i]) < 0) {
                        strv_free(l);
                        return -ENOMEM;
                }
        *nodes = l;
        return 0;
}

#define GET_DEVICE(d, m, path) \
        Device *d = device_from_path((m), (path)); \
        if (!d) \
        return sd_bus_error_setf(error, DMLOOP_ERROR_NO_SUCH_DEVICE, "No device at %s.", (path))

static int property_get_string(sd_bus *bus, const char *path, const char *interface, const char *property,
                               sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        char buf[64];
        const char *value = NULL;
        _cleanup_free_ char *symlink = NULL, *safe = NULL;
        GET_DEVICE(d, userdata, path);

        if (streq(property, "Name"))
                value = d->name;
        else if (streq(property, "Type"))
                value = device_type_to_string(d->type);
        else if (streq(property, "Target"))
                value = d->target;
        else if (streq(property, "Origin"))
                value = d->origin ?: "unknown";
        else if (streq(property, "DeviceNode")) {
                snprintf(buf, sizeof(buf), "/dev/dm-%u", d->minor);
                value = buf;
        } else if (streq(property, "Symlink")) {
                if (device_symlink_path(d->name, &symlink) < 0)
                        return -ENOMEM;
                value = symlink;
        }
        return sd_bus_message_append(reply, "s", bus_utf8_safe(strempty(value), &safe));
}

static int property_get_uint(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        GET_DEVICE(d, userdata, path);

        return sd_bus_message_append(reply, "u", streq(property, "Major") ? d->major : d->minor);
}

static int property_get_size(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        GET_DEVICE(d, userdata, path);

        return sd_bus_message_append(reply, "t", d->size);
}

static int property_get_bool(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        GET_DEVICE(d, userdata, path);

        if (streq(property, "ReadOnly"))
                return sd_bus_message_append(reply, "b", d->read_only);
        /* Persistent: the device has a config file, so it returns at boot. */
        return sd_bus_message_append(reply, "b", d->origin && d->origin[0] == '/');
}

static int property_get_backing(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        int r;
        GET_DEVICE(d, userdata, path);

        r = sd_bus_message_open_container(reply, 'a', "(st)");
        if (r < 0)
                return r;
        /* A RAM device's tmpfs file is an implementation detail, not backing. */
        if (d->type == DEVICE_TYPE_FILE)
                for (size_t i = 0; i < d->n_segments; i++) {
                        _cleanup_free_ char *safe = NULL;

                        r = sd_bus_message_append(reply, "(st)", bus_utf8_safe(d->segments[i].path, &safe),
                                                  d->segments[i].size);
                        if (r < 0)
                                return r;
                }
        return sd_bus_message_close_container(reply);
}

static int method_device_resize(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        GET_DEVICE(d, userdata, sd_bus_message_get_path(msg));

        return bus_method_resize(msg, userdata, d->name, method_device_resize, error);
}

static int method_device_remove(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        GET_DEVICE(d, userdata, sd_bus_message_get_path(msg));

        return bus_method_remove(msg, userdata, d->name, method_device_remove, error);
}

const sd_bus_vtable bus_device_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Name", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Type", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Size", "t", property_get_size, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("DeviceNode", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Symlink", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Major", "u", property_get_uint, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Minor", "u", property_get_uint, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("ReadOnly", "b", property_get_bool, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Persistent", "b", property_get_bool, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Origin", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Target", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Backing", "a(st)", property_get_backing, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_METHOD_WITH_NAMES("Resize", "ta{sv}", SD_BUS_PARAM(size) SD_BUS_PARAM(options), "", ,
                                 method_device_resize, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("Remove", "a{sv}", SD_BUS_PARAM(options), "", , method_device_remove,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END
};
