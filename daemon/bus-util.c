/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "bus-util.h"
#include "validate.h"

/*
 * The dmloop errors carry their own errnos, so that code below the bus
 * layer can return -errno and the reply still gets the right name. The
 * errnos are ones no library call below us returns for these cases.
 */
static const sd_bus_error_map dmloop_errors[] = { SD_BUS_ERROR_MAP(DMLOOP_ERROR_NO_SUCH_DEVICE, ENODEV),
                                                  SD_BUS_ERROR_MAP(DMLOOP_ERROR_DEVICE_EXISTS, EEXIST),
                                                  SD_BUS_ERROR_MAP(DMLOOP_ERROR_DEVICE_BUSY, EBUSY),
                                                  SD_BUS_ERROR_MAP(DMLOOP_ERROR_BACKING_NOT_ALLOWED, EPERM),
                                                  SD_BUS_ERROR_MAP(DMLOOP_ERROR_LIMIT_EXCEEDED, EUSERS),
                                                  SD_BUS_ERROR_MAP_END };

void bus_error_map_register(void) {
        (void) sd_bus_error_add_map(dmloop_errors);
}

int bus_message_read_backing(sd_bus_message *m, BackingSegment **segments, size_t *n) {
        const char *path;
        uint64_t size;
        int r;

        r = sd_bus_message_enter_container(m, 'a', "(st)");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_read(m, "(st)", &path, &size)) > 0) {
                r = backing_segments_append(segments, n, path, size);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

int bus_device_path(const char *name, char **ret) {
        return sd_bus_path_encode(DMLOOP_DEVICE_PATH_PREFIX, name, ret);
}

int bus_device_name_from_path(const char *path, char **ret) {
        _cleanup_free_ char *name = NULL;
        int r;

        _cleanup_free_ char *canonical = NULL;

        r = sd_bus_path_decode(path, DMLOOP_DEVICE_PATH_PREFIX, &name);
        if (r <= 0 || !name || !device_name_is_valid(name))
                return -ENXIO;
        /* One device, one path: refuse other spellings of the same name. */
        if (bus_device_path(name, &canonical) < 0)
                return -ENOMEM;
        if (!streq(canonical, path))
                return -ENXIO;
        *ret = TAKE_PTR(name);
        return 0;
}
