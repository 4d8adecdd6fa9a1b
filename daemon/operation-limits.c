/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <stdbool.h>

#include "operation-limits.h"

int operation_limits_check(const OperationUsage *u, unsigned max_devices, uint64_t ram_limit, bool new_device,
                           uint64_t ram_more) {
        uint64_t used;

        if (new_device && u->n_devices + u->n_pending >= max_devices)
                return -EUSERS;

        /* Written so that no sum can wrap around. */
        if (u->ram_in_use > ram_limit || u->ram_pending > ram_limit - u->ram_in_use)
                return ram_more > 0 ? -ENOSPC : 0;
        used = u->ram_in_use + u->ram_pending;
        if (ram_more > ram_limit - used)
                return -ENOSPC;
        return 0;
}
