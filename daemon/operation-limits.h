/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The limits of dmloopd.conf(5), checked in one place for every create
 * and grow, from the config files and the bus alike. What is still under
 * way counts as if it were done: concurrent calls cannot pass a limit
 * together.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct OperationUsage {
        size_t n_devices; /* devices that exist */
        size_t n_pending; /* creates still under way */
        uint64_t ram_in_use; /* bytes of existing RAM devices */
        uint64_t ram_pending; /* bytes of RAM creates and grows under way */
} OperationUsage;

/* May a call add one device (new_device) and ram_more bytes of RAM?
 * 0 if so, -EUSERS when MaxDevices= would be passed, -ENOSPC when
 * RamLimit= would. */
int operation_limits_check(const OperationUsage *u, unsigned max_devices, uint64_t ram_limit, bool new_device,
                           uint64_t ram_more);
