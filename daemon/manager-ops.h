/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Create, remove and resize as asynchronous operations: each does its dm
 * work at once, then waits on the event loop until udev has processed the
 * device, and only then replies to the bus call (or, without a call, logs
 * the result). A failed operation undoes everything it made.
 */

#include "manager.h"

Operation *operation_free(Operation *op);

/* True while an operation on this device name is under way. */
bool manager_name_is_pending(Manager *m, const char *name);

/* Takes ownership of c, which must be resolved. */
int operation_create(Manager *m, sd_bus_message *call, DeviceConfig *c, bool persistent, sd_bus_error *error);

int operation_remove(Manager *m, sd_bus_message *call, Device *d, bool force, bool delete_backing,
                     sd_bus_error *error);

int operation_resize(Manager *m, sd_bus_message *call, Device *d, uint64_t size, bool allow_shrink,
                     sd_bus_error *error);
