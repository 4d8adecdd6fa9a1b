/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "bus-options.h"
#include "bus-util.h"

void bus_options_done(BusOptions *o) {
        backing_segments_free(o->backing, o->n_backing);
        o->backing = NULL;
        o->n_backing = 0;
}

static bool key_known(const char *const *keys, const char *key) {
        for (const char *const *k = keys; *k; k++)
                if (streq(*k, key))
                        return true;
        return false;
}

static int read_bool(sd_bus_message *m, const char *key, int *ret, sd_bus_error *error) {
        int b, r;

        r = sd_bus_message_enter_container(m, 'v', "b");
        if (r <= 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Option '%s' in argument 'options' must be a boolean (b).", key);
        r = sd_bus_message_read(m, "b", &b);
        if (r < 0)
                return r;
        *ret = !!b;
        return sd_bus_message_exit_container(m);
}

static int read_backing(sd_bus_message *m, BusOptions *o, sd_bus_error *error) {
        int r;

        r = sd_bus_message_enter_container(m, 'v', "a(st)");
        if (r <= 0)
                return sd_bus_error_set(
                        error, SD_BUS_ERROR_INVALID_ARGS,
                        "Option 'Backing' in argument 'options' must be an array of (path, size) (a(st)).");
        r = bus_message_read_backing(m, &o->backing, &o->n_backing);
        if (r < 0)
                return r;
        o->has_backing = true;
        return sd_bus_message_exit_container(m);
}

int bus_read_options(sd_bus_message *m, const char *const *keys, BusOptions *ret, sd_bus_error *error) {
        BusOptions o = {
                .read_only = -1,
                .persistent = -1,
                .create_backing = -1,
                .force = -1,
                .delete_backing = -1,
                .allow_shrink = -1,
        };
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;

        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                const char *key;
                int *flag = NULL;

                r = sd_bus_message_read(m, "s", &key);
                if (r < 0)
                        goto fail;
                if (!key_known(keys, key)) {
                        r = sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                              "Unknown option '%s' in argument 'options'.", key);
                        goto fail;
                }

                if (streq(key, "Backing")) {
                        if (o.has_backing) {
                                r = sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS,
                                                     "Option 'Backing' given twice in argument 'options'.");
                                goto fail;
                        }
                        r = read_backing(m, &o, error);
                } else {
                        if (streq(key, "ReadOnly"))
                                flag = &o.read_only;
                        else if (streq(key, "Persistent"))
                                flag = &o.persistent;
                        else if (streq(key, "CreateBacking"))
                                flag = &o.create_backing;
                        else if (streq(key, "Force"))
                                flag = &o.force;
                        else if (streq(key, "DeleteBacking"))
                                flag = &o.delete_backing;
                        else if (streq(key, "AllowShrink"))
                                flag = &o.allow_shrink;
                        else {
                                r = sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                      "Unknown option '%s' in argument 'options'.", key);
                                goto fail;
                        }
                        if (*flag >= 0) {
                                r = sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                      "Option '%s' given twice in argument 'options'.", key);
                                goto fail;
                        }
                        r = read_bool(m, key, flag, error);
                }
                if (r < 0)
                        goto fail;

                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        goto fail;
        }
        if (r < 0)
                goto fail;

        r = sd_bus_message_exit_container(m);
        if (r < 0)
                goto fail;

        *ret = o;
        return 0;

fail:
        bus_options_done(&o);
        return r;
}
