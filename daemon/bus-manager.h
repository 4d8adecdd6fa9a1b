/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The org.dmloop1.Manager interface on /org/dmloop1, and the bus connection. */

#include "manager.h"

/* Joins the system bus once it is up (sd_bus_set_watch_bind), without
 * holding anything up until then, and asks for the name org.dmloop1. */
int manager_connect_bus(Manager *m);

/* Signals; they do nothing while the bus is not connected. */
void bus_emit_device_added(Manager *m, Device *d);
void bus_emit_device_removed(Manager *m, Device *d); /* call before forgetting d */
/* PropertiesChanged for the properties that change: Size, Backing, Origin, Persistent. */
void bus_emit_device_changed(Manager *m, Device *d);
