/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <inttypes.h>

#include "bus-methods.h"
#include "bus-options.h"
#include "bus-polkit.h"
#include "bus-util.h"
#include "operation.h"
#include "size-util.h"

struct BusCall {
        sd_bus_message *msg;
        char *path;
};

static inline void bus_options_donep(BusOptions *o) {
        bus_options_done(o);
}

int bus_call_new(sd_bus_message *msg, const char *device_name, BusCall **ret) {
        BusCall *c;

        assert(msg);
        assert(ret);

        c = calloc(1, sizeof(BusCall));
        if (!c)
                return -ENOMEM;
        if (device_name && bus_device_path(device_name, &c->path) < 0) {
                free(c);
                return -ENOMEM;
        }
        c->msg = sd_bus_message_ref(msg);
        *ret = c;
        return 0;
}

void bus_call_done(int error, const char *message, void *userdata) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        BusCall *c = userdata;

        /* The bus may have gone away meanwhile; then the caller is gone too. */
        if (error < 0) {
                (void) bus_error_set_operation(&e, error, message ?: "Operation failed.");
                (void) sd_bus_reply_method_error(c->msg, &e);
        } else if (c->path)
                (void) sd_bus_reply_method_return(c->msg, "o", c->path);
        else
                (void) sd_bus_reply_method_return(c->msg, "");

        sd_bus_message_unref(c->msg);
        free(c->path);
        free(c);
}

int bus_method_resize(sd_bus_message *msg, Manager *m, const char *name, sd_bus_message_handler_t handler,
                      sd_bus_error *error) {
        static const char *const keys[] = { "AllowShrink", NULL };
        _cleanup_(bus_options_donep) BusOptions o = {};
        BusCall *call;
        uint64_t size;
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

        if (!manager_find_device(m, name) && !operation_is_pending(m, name))
                return sd_bus_error_setf(error, DMLOOP_ERROR_NO_SUCH_DEVICE, "Device \"%s\" does not exist.", name);

        r = bus_verify_polkit_async(msg, DMLOOP_POLKIT_ACTION, handler, m, &m->polkit, error);
        if (r <= 0)
                return r < 0 ? r : 1;

        r = bus_call_new(msg, NULL, &call);
        if (r < 0)
                return r;
        operation_resize(m, name, size, o.allow_shrink > 0 ? OPERATION_ALLOW_SHRINK : 0, bus_call_done, call);
        return 1;
}

int bus_method_remove(sd_bus_message *msg, Manager *m, const char *name, sd_bus_message_handler_t handler,
                      sd_bus_error *error) {
        static const char *const keys[] = { "Force", "DeleteBacking", NULL };
        _cleanup_(bus_options_donep) BusOptions o = {};
        OperationFlags flags = 0;
        BusCall *call;
        int r;

        r = bus_read_options(msg, keys, &o, error);
        if (r < 0)
                return r;

        if (!manager_find_device(m, name) && !operation_is_pending(m, name))
                return sd_bus_error_setf(error, DMLOOP_ERROR_NO_SUCH_DEVICE, "Device \"%s\" does not exist.", name);

        r = bus_verify_polkit_async(msg, DMLOOP_POLKIT_ACTION, handler, m, &m->polkit, error);
        if (r <= 0)
                return r < 0 ? r : 1;

        if (o.force > 0)
                flags |= OPERATION_FORCE;
        if (o.delete_backing > 0)
                flags |= OPERATION_DELETE_BACKING;
        r = bus_call_new(msg, NULL, &call);
        if (r < 0)
                return r;
        operation_remove(m, name, flags, bus_call_done, call);
        return 1;
}
