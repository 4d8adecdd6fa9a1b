/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The org.dmloop1.Manager interface on /org/dmloop1, and the bus connection. */

#include "manager.h"

/* Joins the system bus once it is up (sd_bus_set_watch_bind), without
 * holding anything up until then, asks for the name org.dmloop1, and
 * installs the manager's hooks so that state changes become signals.
 * When dbus goes away (systemctl restart dbus), it joins the new one. */
int bus_manager_connect(Manager *m);

/* Drops the connection and the hooks; call before manager_free(). */
void bus_manager_disconnect(Manager *m);
