/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "operation-limits.h"
#include "tests.h"

#define MiB (1024ULL * 1024ULL)

static void test_devices(void) {
        OperationUsage u = { .n_devices = 2, .n_pending = 1 };

        ASSERT_OK(operation_limits_check(&u, 4, 0, true, 0));
        /* Pending creates count: two calls cannot pass the limit together. */
        u.n_pending = 2;
        ASSERT_EQ(operation_limits_check(&u, 4, 0, true, 0), -EUSERS);
        /* A grow adds no device. */
        ASSERT_OK(operation_limits_check(&u, 4, 0, false, 0));
}

static void test_ram(void) {
        OperationUsage u = { .ram_in_use = 64 * MiB };

        ASSERT_OK(operation_limits_check(&u, 256, 128 * MiB, true, 64 * MiB));
        ASSERT_EQ(operation_limits_check(&u, 256, 128 * MiB, true, 64 * MiB + 512), -ENOSPC);

        /* Creates and grows under way count too. */
        u.ram_pending = 32 * MiB;
        ASSERT_OK(operation_limits_check(&u, 256, 128 * MiB, false, 32 * MiB));
        ASSERT_EQ(operation_limits_check(&u, 256, 128 * MiB, false, 32 * MiB + 512), -ENOSPC);

        /* No wrap-around near UINT64_MAX. */
        ASSERT_EQ(operation_limits_check(&u, 256, 128 * MiB, true, UINT64_MAX), -ENOSPC);
        u = (OperationUsage){ .ram_in_use = UINT64_MAX - 10, .ram_pending = 100 };
        ASSERT_EQ(operation_limits_check(&u, 256, UINT64_MAX, true, 1), -ENOSPC);

        /* Over the limit already (RamLimit= lowered): file devices still go. */
        u = (OperationUsage){ .ram_in_use = 256 * MiB };
        ASSERT_OK(operation_limits_check(&u, 256, 128 * MiB, true, 0));
        ASSERT_EQ(operation_limits_check(&u, 256, 128 * MiB, true, 512), -ENOSPC);
}

int main(void) {
        TEST_RUN(test_devices);
        TEST_RUN(test_ram);
        TEST_DONE();
}
