/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What the bus interfaces share: the mutating methods both offer
 * (Manager.ResizeDevice and Device.Resize, Manager.RemoveDevice and
 * Device.Remove), and the adapter from an operation's callback
 * (operation.h) to the method reply. The message is positioned after the
 * device name; "handler" is the method handler to dispatch again once
 * polkit has answered.
 */

#include "manager.h"

/* A method call waiting for its operation. */
typedef struct BusCall BusCall;

/* With device_name, the reply carries that device's object path ("o");
 * without, it is empty. */
int bus_call_new(sd_bus_message *msg, const char *device_name, BusCall **ret);
/* An OperationCallback: replies to the call and frees it. */
void bus_call_done(int error, const char *message, void *userdata);

int bus_method_resize(sd_bus_message *msg, Manager *m, const char *name, sd_bus_message_handler_t handler,
                      sd_bus_error *error);
int bus_method_remove(sd_bus_message *msg, Manager *m, const char *name, sd_bus_message_handler_t handler,
                      sd_bus_error *error);
