/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Reading the a{sv} "options" argument of the bus methods. Every method
 * names the keys it knows; an unknown key, or a known key with a value of
 * the wrong type, is refused with InvalidArgs naming the key.
 */

#include <systemd/sd-bus.h>

#include "device-config.h"

typedef struct BusOptions {
        /* Booleans: -1 when not given. */
        int read_only;
        int persistent;
        int create_backing;
        int force;
        int delete_backing;
        int allow_shrink;
        /* Backing a(st): path and size (0 = the rest). */
        BackingSegment *backing;
        size_t n_backing;
        bool has_backing;
} BusOptions;

void bus_options_done(BusOptions *o);

/* keys: NULL-terminated list of the option names this method accepts. */
int bus_read_options(sd_bus_message *m, const char *const *keys, BusOptions *ret, sd_bus_error *error);
