/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <inttypes.h>

#include "bus-methods.h"
#include "bus-options.h"
#include "bus-util.h"
#include "manager-ops.h"
#include "size-util.h"

static inline void bus_options_donep(BusOptions *o) {
        bus_options_done(o);
}

int bus_method_resize(sd_bus_message *msg, Manager *m, const char *name, sd_bus_message_handler_t handler,
                      sd_bus_error *error) {
        static const char *const keys[] = { "AllowShrink", NULL };
        _cleanup_(bus_options_donep) BusOptions o = {};
        uint64_t size;
        Device *d;
        int r;

        r = sd_bus_message_read(msg, "t", &size);
        if (r < 0)
                return r;
        r = bus_read_options(msg, keys, &o, error);
        if (r < 0)
                return r;

        if (!size_is_valid_device_size(size))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Argument 'size' must be a positive multiple of 512, not %" PRIu64 ".", size);

        d = manager_find_device(m, name);
        if (!d)
                return sd_bus_error_setf(error, DMLOOP_ERROR_NO_SUCH_DEVICE, "Device \"%s\" does not exist.", name);

        r = bus_verify_polkit_async(msg, DMLOOP_POLKIT_ACTION, handler, m, &m->polkit, error);
        if (r <= 0)
                return r < 0 ? r : 1;

        return operation_resize(m, msg, d, size, o.allow_shrink > 0, error);
}

int bus_method_remove(sd_bus_message *msg, Manager *m, const char *name, sd_bus_message_handler_t handler,
                      sd_bus_error *error) {
        static const char *const keys[] = { "Force", "DeleteBacking", NULL };
        _cleanup_(bus_options_donep) BusOptions o = {};
        Device *d;
        int r;

        r = bus_read_options(msg, keys, &o, error);
        if (r < 0)
                return r;

        d = manager_find_device(m, name);
        if (!d)
                return sd_bus_error_setf(error, DMLOOP_ERROR_NO_SUCH_DEVICE, "Device \"%s\" does not exist.", name);

        r = bus_verify_polkit_async(msg, DMLOOP_POLKIT_ACTION, handler, m, &m->polkit, error);
        if (r <= 0)
                return r < 0 ? r : 1;

        return operation_remove(m, msg, d, o.force > 0, o.delete_backing > 0, error);
}
