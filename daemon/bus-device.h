/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The org.dmloop1.Device interface on /org/dmloop1/device/<name>. */

#include <systemd/sd-bus.h>

extern const sd_bus_vtable bus_device_vtable[];

/* Fallback vtable lookup: the object exists while the device does. */
int bus_device_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                    sd_bus_error *error);

/* Lists every device's object path, for introspection and "busctl tree". */
int bus_device_enumerate(sd_bus *bus, const char *path, void *userdata, char ***nodes, sd_bus_error *error);
