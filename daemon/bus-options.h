/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Reading the a{sv} "options" argument of the bus methods. Every method
 * names the keys it knows; an unknown key, or a known key with a value of
 * the wrong type, is refused with InvalidArgs naming the key.
 */

#include <systemd/sd-bus.h>

#include "device-config.h"

/* The most entries the Backing option may hold. The options are read
 * before the caller is authorised, so what anyone may send is bounded. */
#define BUS_BACKING_MAX 64

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

/*
 * keys: NULL-terminated list of the option names this method accepts.
 * Backing is refused (InvalidArgs) when it has more than BUS_BACKING_MAX
 * entries, when a path holds a control character, or when a path is
 * listed twice; its paths and sizes are otherwise the caller's to check.
 * On failure *ret is left alone.
 */
int bus_read_options(sd_bus_message *m, const char *const *keys, BusOptions *ret, sd_bus_error *error);
