/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The mutating methods that both interfaces offer (Manager.ResizeDevice
 * and Device.Resize, Manager.RemoveDevice and Device.Remove). The message
 * is positioned after the device name; "handler" is the method handler to
 * dispatch again once polkit has answered.
 */

#include "manager.h"

int bus_method_resize(sd_bus_message *msg, Manager *m, const char *name, sd_bus_message_handler_t handler,
                      sd_bus_error *error);
int bus_method_remove(sd_bus_message *msg, Manager *m, const char *name, sd_bus_message_handler_t handler,
                      sd_bus_error *error);
