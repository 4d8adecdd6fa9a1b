/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <stdio.h>

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

static const struct {
        int error;
        const char *name;
} bus_errno_names[] = {
        { ENODEV, DMLOOP_ERROR_NO_SUCH_DEVICE }, { EEXIST, DMLOOP_ERROR_DEVICE_EXISTS },
        { EBUSY, DMLOOP_ERROR_DEVICE_BUSY },     { EPERM, DMLOOP_ERROR_BACKING_NOT_ALLOWED },
        { EUSERS, DMLOOP_ERROR_LIMIT_EXCEEDED }, { ENOSPC, DMLOOP_ERROR_LIMIT_EXCEEDED },
        { EINVAL, SD_BUS_ERROR_INVALID_ARGS },   { ENOENT, SD_BUS_ERROR_INVALID_ARGS },
        { ENOTDIR, SD_BUS_ERROR_INVALID_ARGS },  { EFBIG, SD_BUS_ERROR_INVALID_ARGS },
        { EISDIR, SD_BUS_ERROR_INVALID_ARGS },   { ELOOP, SD_BUS_ERROR_INVALID_ARGS },
        { ETIMEDOUT, SD_BUS_ERROR_TIMEOUT },     { ENOMEM, SD_BUS_ERROR_NO_MEMORY },
};

const char *bus_error_name_from_errno(int error) {
        for (size_t i = 0; i < ELEMENTSOF(bus_errno_names); i++)
                if (bus_errno_names[i].error == -error)
                        return bus_errno_names[i].name;
        return SD_BUS_ERROR_FAILED;
}

int bus_error_set_operation(sd_bus_error *error, int r, const char *message) {
        assert(r < 0);

        (void) sd_bus_error_set(error, bus_error_name_from_errno(r), message);
        return r;
}

/* Length of the valid UTF-8 sequence at s, or 0. */
static size_t utf8_sequence_length(const unsigned char *s) {
        size_t n;
        uint32_t c;

        if (s[0] < 0x80)
                return 1;
        if (s[0] >= 0xc2 && s[0] <= 0xdf)
                n = 2, c = s[0] & 0x1f;
        else if (s[0] >= 0xe0 && s[0] <= 0xef)
                n = 3, c = s[0] & 0x0f;
        else if (s[0] >= 0xf0 && s[0] <= 0xf4)
                n = 4, c = s[0] & 0x07;
        else
                return 0;
        for (size_t i = 1; i < n; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                c = (c << 6) | (s[i] & 0x3f);
        }
        /* Overlong forms, surrogates and values above U+10FFFF. */
        if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) || (c >= 0xd800 && c <= 0xdfff))
                return 0;
        return n;
}

const char *bus_utf8_safe(const char *s, char **buf) {
        const unsigned char *p;
        char *w;
        bool valid = true;

        assert(s);
        assert(buf);

        for (p = (const unsigned char *) s; *p;) {
                size_t n = utf8_sequence_length(p);

                if (n == 0) {
                        valid = false;
                        break;
                }
                p += n;
        }
        if (valid)
                return s;

        *buf = malloc(strlen(s) * 4 + 1);
        if (!*buf)
                return "";
        w = *buf;
        for (p = (const unsigned char *) s; *p;) {
                size_t n = utf8_sequence_length(p);

                if (n == 0) {
                        w += sprintf(w, "\\x%02x", *p);
                        p++;
                        continue;
                }
                memcpy(w, p, n);
                w += n;
                p += n;
        }
        *w = '\0';
        return *buf;
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
