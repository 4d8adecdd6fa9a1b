/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>

#include "macro.h"
#include "size-util.h"

static const struct {
        const char *suffix;
        uint64_t factor;
} size_suffixes[] = {
        { "", 1 },
        { "B", 1 },
        { "K", UINT64_C(1) << 10 },
        { "KiB", UINT64_C(1) << 10 },
        { "M", UINT64_C(1) << 20 },
        { "MiB", UINT64_C(1) << 20 },
        { "G", UINT64_C(1) << 30 },
        { "GiB", UINT64_C(1) << 30 },
        { "T", UINT64_C(1) << 40 },
        { "TiB", UINT64_C(1) << 40 },
};

int parse_size(const char *s, uint64_t *ret) {
        uint64_t v = 0, factor = 0;
        bool overflow = false;
        const char *p;

        assert(s);
        assert(ret);

        /* Hand-rolled instead of strtoull(): strtoull() skips leading
         * whitespace, accepts signs (and negates "-1" into 2^64-1) and a
         * "0x" prefix, none of which we want. */
        for (p = s; *p >= '0' && *p <= '9'; p++) {
                unsigned d = *p - '0';

                if (v > (UINT64_MAX - d) / 10)
                        overflow = true;
                else
                        v = v * 10 + d;
        }
        if (p == s)
                return -EINVAL;

        for (size_t i = 0; i < ELEMENTSOF(size_suffixes); i++)
                if (streq(p, size_suffixes[i].suffix)) {
                        factor = size_suffixes[i].factor;
                        break;
                }
        if (factor == 0)
                return -EINVAL;

        /* Only report overflow once the string is known to be well-formed,
         * so "99999999999999999999Q" is -EINVAL, not -ERANGE. */
        if (overflow || v > UINT64_MAX / factor)
                return -ERANGE;

        *ret = v * factor;
        return 0;
}

bool size_is_valid_device_size(uint64_t bytes) {
        return bytes > 0 && bytes % SECTOR_SIZE == 0;
}

char *format_size(uint64_t bytes, char buf[static FORMAT_SIZE_MAX]) {
        static const struct {
                char suffix;
                unsigned shift;
        } units[] = {
                { 'T', 40 },
                { 'G', 30 },
                { 'M', 20 },
                { 'K', 10 },
        };

        assert(buf);

        if (bytes > 0)
                for (size_t i = 0; i < ELEMENTSOF(units); i++) {
                        uint64_t factor = UINT64_C(1) << units[i].shift;

                        if (bytes % factor == 0) {
                                snprintf(buf, FORMAT_SIZE_MAX, "%" PRIu64 "%c", bytes / factor, units[i].suffix);
                                return buf;
                        }
                }

        snprintf(buf, FORMAT_SIZE_MAX, "%" PRIu64, bytes);
        return buf;
}
