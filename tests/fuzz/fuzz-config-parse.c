/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * libFuzzer entry point for the dmloop.d(5) parser. Build by hand with:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Idaemon \
 *         tests/fuzz/fuzz-config-parse.c daemon/{size-util,validate,device-config,ini-reader,config-parse}.c \
 *         -linih -o fuzz-config-parse
 *   ./fuzz-config-parse -max_total_time=60 corpus
 * where corpus is a scratch directory (libFuzzer writes into it) seeded
 * with the .conf files of tests/unit/golden/good and .../bad.
 *
 * Besides memory errors it checks the parser's promises: an error has a
 * message and a line within the input; a success is a resolved config
 * that device_config_format() writes back into the same config.
 */

#include <assert.h>
#include <stdio.h>

#include "config-parse.h"
#include "size-util.h"
#include "validate.h"

static unsigned count_lines(const uint8_t *data, size_t size) {
        unsigned n = 1;

        for (size_t i = 0; i + 1 < size; i++)
                if (data[i] == '\n')
                        n++;
        return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(device_config_freep) DeviceConfig *c = NULL, *back = NULL;
        _cleanup_free_ char *text = NULL;
        ConfigError e = {};
        uint64_t sum = 0;
        FILE *f;
        int r;

        if (size == 0)
                return 0; /* fmemopen() refuses an empty buffer */

        f = fmemopen((void *) data, size, "r");
        if (!f)
                return 0;
        r = config_parse_stream(f, "/etc/dmloop.d/fuzz.conf", "fuzz", "/var/lib/dmloop", &c, &e);
        fclose(f);

        if (r < 0) {
                assert(!c);
                assert(e.message[0] != '\0');
                assert(e.line >= 1 && e.line <= count_lines(data, size));
                return 0;
        }

        assert(device_name_is_valid(c->name));
        assert(size_is_valid_device_size(c->size));
        assert(c->type == DEVICE_TYPE_RAM ? c->n_segments == 0 : c->n_segments >= 1);
        for (size_t i = 0; i < c->n_segments; i++) {
                assert(path_is_absolute_normalized(c->segments[i].path));
                assert(size_is_valid_device_size(c->segments[i].size));
                sum += c->segments[i].size;
        }
        assert(c->type == DEVICE_TYPE_RAM || sum == c->size);

        /* Round trip, unless a path is too long to be written back. */
        r = device_config_format(c, &text);
        if (r == -EINVAL)
                return 0;
        assert(r == 0);
        f = fmemopen(text, strlen(text), "r");
        assert(f);
        r = config_parse_stream(f, "/etc/dmloop.d/fuzz.conf", "other", "/var/lib/dmloop", &back, &e);
        fclose(f);
        assert(r == 0);
        assert(streq(back->name, c->name));
        assert(back->type == c->type && back->size == c->size && back->read_only == c->read_only);
        assert(back->n_segments == c->n_segments);
        for (size_t i = 0; i < c->n_segments; i++)
                assert(streq(back->segments[i].path, c->segments[i].path) &&
                       back->segments[i].size == c->segments[i].size);
        return 0;
}
