/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <stdio.h>

#include "device-config.h"
#include "ini-reader.h"
#include "size-util.h"
#include "unit-name.h"
#include "validate.h"

static const char *const device_type_table[_DEVICE_TYPE_MAX] = {
        [DEVICE_TYPE_FILE] = "file",
        [DEVICE_TYPE_RAM] = "ram",
};

const char *device_type_to_string(DeviceType t) {
        if (t < 0 || t >= _DEVICE_TYPE_MAX)
                return NULL;
        return device_type_table[t];
}

DeviceType device_type_from_string(const char *s) {
        if (!s)
                return _DEVICE_TYPE_INVALID;
        for (DeviceType t = 0; t < _DEVICE_TYPE_MAX; t++)
                if (streq(s, device_type_table[t]))
                        return t;
        return _DEVICE_TYPE_INVALID;
}

static const char *const file_system_table[_FILE_SYSTEM_MAX] = {
        [FILE_SYSTEM_EXT4] = "ext4",
        [FILE_SYSTEM_XFS] = "xfs",
        [FILE_SYSTEM_BTRFS] = "btrfs",
        [FILE_SYSTEM_SWAP] = "swap",
};

const char *file_system_to_string(FileSystem fs) {
        if (fs < 0 || fs >= _FILE_SYSTEM_MAX)
                return NULL;
        return file_system_table[fs];
}

FileSystem file_system_from_string(const char *s) {
        if (!s)
                return _FILE_SYSTEM_INVALID;
        for (FileSystem fs = 0; fs < _FILE_SYSTEM_MAX; fs++)
                if (file_system_table[fs] && streq(s, file_system_table[fs]))
                        return fs;
        return _FILE_SYSTEM_INVALID;
}

DeviceConfig *device_config_new(void) {
        DeviceConfig *c;

        c = calloc(1, sizeof(DeviceConfig));
        if (!c)
                return NULL;

        c->type = _DEVICE_TYPE_INVALID;
        c->create_backing = true;
        return c;
}

static void segments_free(BackingSegment *s, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(s[i].path);
        free(s);
}

DeviceConfig *device_config_free(DeviceConfig *c) {
        if (!c)
                return NULL;

        free(c->name);
        segments_free(c->segments, c->n_segments);
        free(c->origin);
        free(c->mount_point);
        free(c->mount_options);
        free(c);
        return NULL;
}

int backing_segments_append(BackingSegment **segments, size_t *n, const char *path, uint64_t size) {
        _cleanup_free_ char *p = NULL;
        BackingSegment *s;

        assert(segments);
        assert(n);
        assert(path);

        p = strdup(path);
        if (!p)
                return -ENOMEM;

        s = reallocarray(*segments, *n + 1, sizeof(BackingSegment));
        if (!s)
                return -ENOMEM;
        *segments = s;

        s[(*n)++] = (BackingSegment){
                .path = TAKE_PTR(p),
                .size = size,
        };
        return 0;
}

void backing_segments_free(BackingSegment *segments, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(segments[i].path);
        free(segments);
}

int device_config_add_segment(DeviceConfig *c, const char *path, uint64_t size) {
        assert(c);
        return backing_segments_append(&c->segments, &c->n_segments, path, size);
}

static bool endswith_slash(const char *s) {
        size_t n = strlen(s);
        return n > 0 && s[n - 1] == '/';
}

static char *path_join_under(const char *dir, const char *path) {
        char *j;

        if (path[0] == '/')
                return strdup(path);

        /* Avoid "//x" when the state directory is "/". */
        if (asprintf(&j, "%s%s%s", dir, endswith_slash(dir) ? "" : "/", path) < 0)
                return NULL;
        return j;
}

bool device_config_is_mounted(const DeviceConfig *c) {
        assert(c);
        return c->mount_point || c->file_system == FILE_SYSTEM_SWAP;
}

/* Whitespace and control characters would not survive a unit file or an
 * fstab-style option string unescaped; nobody needs them there. */
static bool string_is_plain(const char *s) {
        for (const char *p = s; *p; p++)
                if ((unsigned char) *p <= ' ' || *p == 0x7f)
                        return false;
        return true;
}

int device_config_check_mount(const DeviceConfig *c, const char **ret_message, const char **ret_key) {
        const char *msg, *key = "MountPoint";

        assert(c);
        assert(ret_message);

        if (c->file_system < 0 || c->file_system >= _FILE_SYSTEM_MAX) {
                msg = "Invalid FileSystem=";
                key = "FileSystem";
                goto fail;
        }

        if (c->mount_point) {
                _cleanup_free_ char *unit = NULL;
                int r;

                if (!path_is_absolute_normalized(c->mount_point)) {
                        msg = "MountPoint= must be an absolute, normalized path";
                        goto fail;
                }
                if (streq(c->mount_point, "/")) {
                        msg = "MountPoint= cannot be the root directory";
                        goto fail;
                }
                if (!string_is_plain(c->mount_point)) {
                        msg = "MountPoint= may not contain whitespace or control characters";
                        goto fail;
                }
                r = unit_name_from_path(c->mount_point, ".mount", &unit);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        msg = "MountPoint= is too long for a systemd mount unit name";
                        goto fail;
                }
                if (c->file_system == FILE_SYSTEM_SWAP) {
                        msg = "MountPoint= is not allowed with FileSystem=swap";
                        goto fail;
                }
                /* A RAM device is blank on every boot: without a file
                 * system to make, the mount could never succeed. */
                if (c->type == DEVICE_TYPE_RAM && c->file_system == FILE_SYSTEM_NONE) {
                        msg = "MountPoint= on a ram device needs FileSystem=, the device is blank on every boot";
                        goto fail;
                }
                for (size_t i = 0; i < c->n_segments; i++)
                        if (path_is_in_directory(c->segments[i].path, c->mount_point)) {
                                msg = "A backing file lies below MountPoint=, where the mount would hide it";
                                goto fail;
                        }
        } else if (c->file_system != FILE_SYSTEM_NONE && c->file_system != FILE_SYSTEM_SWAP) {
                msg = "FileSystem= needs MountPoint= (only swap goes without one)";
                key = "FileSystem";
                goto fail;
        }

        if (c->file_system != FILE_SYSTEM_NONE && c->read_only) {
                msg = "FileSystem= formats a blank device, which ReadOnly=yes forbids";
                key = "FileSystem";
                goto fail;
        }

        if (c->mount_options) {
                key = "MountOptions";
                if (!device_config_is_mounted(c)) {
                        msg = "MountOptions= needs MountPoint= or FileSystem=swap";
                        goto fail;
                }
                if (!*c->mount_options || !string_is_plain(c->mount_options)) {
                        msg = "MountOptions= may not be empty or contain whitespace or control characters";
                        goto fail;
                }
        }

        return 0;

fail:
        *ret_message = msg;
        if (ret_key)
                *ret_key = key;
        return -EINVAL;
}

int device_config_resolve(DeviceConfig *c, const char *state_dir, const char **ret_message) {
        BackingSegment *segs = NULL;
        uint64_t size, sum = 0;
        size_t n;
        const char *msg;

        assert(c);
        assert(state_dir);
        assert(ret_message);

        if (!device_name_is_valid(c->name)) {
                *ret_message = "Invalid device name";
                return -EINVAL;
        }
        if (!device_type_to_string(c->type)) {
                *ret_message = "Missing or invalid Type=";
                return -EINVAL;
        }

        if (c->type == DEVICE_TYPE_RAM) {
                if (c->n_segments > 0) {
                        *ret_message = "Backing= is not allowed for ram devices";
                        return -EINVAL;
                }
                if (c->size == 0) {
                        *ret_message = "Missing Size=";
                        return -EINVAL;
                }
                if (!size_is_valid_device_size(c->size)) {
                        *ret_message = "Size= must be a positive multiple of 512 bytes";
                        return -EINVAL;
                }
                return 0;
        }

        /* Work on a copy and only replace c's segments once everything
         * checks out, so that a failure leaves "c" as it was. */
        n = c->n_segments > 0 ? c->n_segments : 1;
        segs = calloc(n, sizeof(BackingSegment));
        if (!segs)
                return -ENOMEM;

        if (c->n_segments == 0) {
                if (asprintf(&segs[0].path, "%s%s%s.img", state_dir, endswith_slash(state_dir) ? "" : "/", c->name) <
                    0) {
                        segs[0].path = NULL;
                        goto oom;
                }
        } else
                for (size_t i = 0; i < n; i++) {
                        segs[i].path = path_join_under(state_dir, c->segments[i].path);
                        if (!segs[i].path)
                                goto oom;
                        segs[i].size = c->segments[i].size;
                }

        for (size_t i = 0; i < n; i++) {
                if (!path_is_absolute_normalized(segs[i].path)) {
                        msg = "Backing file path is not a normalized path";
                        goto fail;
                }
                for (size_t j = 0; j < i; j++)
                        if (streq(segs[i].path, segs[j].path)) {
                                msg = "The same backing file is listed twice in Backing=";
                                goto fail;
                        }

                if (segs[i].size == 0) {
                        if (i < n - 1) {
                                msg = "Every Backing= but the last needs a SIZE";
                                goto fail;
                        }
                        continue;
                }
                if (!size_is_valid_device_size(segs[i].size)) {
                        msg = "Backing= sizes must be positive multiples of 512 bytes";
                        goto fail;
                }
                if (segs[i].size > UINT64_MAX - sum) {
                        msg = "The Backing= sizes add up to more than 2^64 bytes";
                        goto fail;
                }
                sum += segs[i].size;
        }

        if (segs[n - 1].size == 0) {
                /* The last segment takes the rest of Size=. */
                if (c->size == 0) {
                        msg = "Missing Size= (or a SIZE on the last Backing=)";
                        goto fail;
                }
                if (!size_is_valid_device_size(c->size)) {
                        msg = "Size= must be a positive multiple of 512 bytes";
                        goto fail;
                }
                if (c->size <= sum) {
                        msg = "Size= leaves no room for the last Backing= segment";
                        goto fail;
                }
                segs[n - 1].size = c->size - sum;
                size = c->size;
        } else if (c->size == 0)
                size = sum;
        else if (c->size != sum) {
                msg = "Size= does not match the sum of the Backing= sizes";
                goto fail;
        } else
                size = c->size;

        segments_free(c->segments, c->n_segments);
        c->segments = segs;
        c->n_segments = n;
        c->size = size;
        return 0;

fail:
        segments_free(segs, n);
        *ret_message = msg;
        return -EINVAL;
oom:
        segments_free(segs, n);
        return -ENOMEM;
}

int device_config_format(const DeviceConfig *c, char **ret) {
        _cleanup_free_ char *buf = NULL;
        char sz[FORMAT_SIZE_MAX];
        size_t len = 0;
        FILE *f;
        int r = 0;

        assert(c);
        assert(ret);

        if (!device_name_is_valid(c->name) || !device_type_to_string(c->type) || !size_is_valid_device_size(c->size))
                return -EINVAL;

        /* Every line must get through our own parser again, so refuse what
         * it would refuse rather than write a file that fails at boot. */
        for (size_t i = 0; i < c->n_segments; i++) {
                const char *p = c->segments[i].path;

                if (!p || p[strcspn(p, WHITESPACE)] != '\0' || !path_is_absolute_normalized(p))
                        return -EINVAL;
                if (strlen("Backing=") + strlen(p) + 1 + strlen(format_size(c->segments[i].size, sz)) >
                    INI_READER_LINE_MAX)
                        return -EINVAL;
        }
        if ((c->mount_point && strlen("MountPoint=") + strlen(c->mount_point) > INI_READER_LINE_MAX) ||
            (c->mount_options && strlen("MountOptions=") + strlen(c->mount_options) > INI_READER_LINE_MAX))
                return -EINVAL;

        f = open_memstream(&buf, &len);
        if (!f)
                return -ENOMEM;

        fprintf(f, "[Device]\nName=%s\nType=%s\nSize=%s\nReadOnly=%s\n", c->name, device_type_to_string(c->type),
                format_size(c->size, sz), c->read_only ? "yes" : "no");
        if (c->type == DEVICE_TYPE_FILE) {
                fprintf(f, "CreateBacking=%s\n", c->create_backing ? "yes" : "no");
                for (size_t i = 0; i < c->n_segments; i++)
                        fprintf(f, "Backing=%s %s\n", c->segments[i].path, format_size(c->segments[i].size, sz));
        }
        if (c->mount_point)
                fprintf(f, "MountPoint=%s\n", c->mount_point);
        if (c->file_system != FILE_SYSTEM_NONE)
                fprintf(f, "FileSystem=%s\n", file_system_to_string(c->file_system));
        if (c->mount_options)
                fprintf(f, "MountOptions=%s\n", c->mount_options);

        if (ferror(f))
                r = -ENOMEM;
        if (fclose(f) != 0 && r == 0)
                r = -ENOMEM;
        if (r < 0)
                return r;

        *ret = TAKE_PTR(buf);
        return 0;
}
