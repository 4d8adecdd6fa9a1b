/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>

#include "config-parse.h"
#include "size-util.h"
#include "validate.h"

typedef enum ConfigKey {
        KEY_NAME,
        KEY_TYPE,
        KEY_SIZE,
        KEY_BACKING,
        KEY_READ_ONLY,
        KEY_CREATE_BACKING,
        KEY_MOUNT_POINT,
        KEY_FILE_SYSTEM,
        KEY_MOUNT_OPTIONS,
        _KEY_MAX,
} ConfigKey;

typedef struct ParseState {
        DeviceConfig *config;
        unsigned seen[_KEY_MAX]; /* line of the first occurrence, 0 = not given */
} ParseState;

/* Values are quoted in messages, cut to keep the message readable. */
#define VALUE_FMT "\"%.80s%s\""
#define VALUE_ARG(v) (v), strlen(v) > 80 ? "..." : ""

static int parse_size_value(IniReader *r, const char *key, const char *value, uint64_t *ret) {
        uint64_t v;
        int k;

        k = parse_size(value, &v);
        if (k == -ERANGE)
                return ini_reader_error(r, -EINVAL, "Size " VALUE_FMT " in %s= is too large", VALUE_ARG(value), key);
        if (k < 0)
                return ini_reader_error(r, -EINVAL, "Invalid size " VALUE_FMT " in %s=", VALUE_ARG(value), key);
        if (!size_is_valid_device_size(v))
                return ini_reader_error(r, -EINVAL,
                                        "Size " VALUE_FMT " in %s= is not a positive multiple of 512 bytes",
                                        VALUE_ARG(value), key);

        *ret = v;
        return 0;
}

static int parse_bool_value(IniReader *r, const char *key, const char *value, bool *ret) {
        int b;

        b = parse_boolean(value);
        if (b < 0)
                return ini_reader_error(r, -EINVAL, "Invalid boolean " VALUE_FMT " in %s=", VALUE_ARG(value), key);

        *ret = b;
        return 0;
}

/* Backing=PATH [SIZE] */
static int parse_backing(IniReader *r, const char *value, DeviceConfig *c) {
        _cleanup_free_ char *path = NULL;
        const char *p = value, *size_str;
        uint64_t size = 0;
        size_t n;
        int k;

        n = strcspn(p, WHITESPACE);
        path = strndup(p, n);
        if (!path)
                return ini_reader_error(r, -ENOMEM, "Out of memory");
        p += n;
        p += strspn(p, WHITESPACE);
        size_str = p;

        if (!*path)
                return ini_reader_error(r, -EINVAL, "Missing path in Backing=");
        if (size_str[strcspn(size_str, WHITESPACE)] != '\0')
                return ini_reader_error(r, -EINVAL, "Invalid Backing= " VALUE_FMT ", expected PATH [SIZE]",
                                        VALUE_ARG(value));
        /* Relative paths are taken relative to the state directory; ".."
         * has no business there. */
        if (!path_is_normalized(path))
                return ini_reader_error(r, -EINVAL, "Invalid path " VALUE_FMT " in Backing=", VALUE_ARG(path));

        if (*size_str) {
                k = parse_size_value(r, "Backing", size_str, &size);
                if (k < 0)
                        return k;
        }

        k = device_config_add_segment(c, path, size);
        if (k < 0)
                return ini_reader_error(r, k, "Out of memory");
        return 0;
}

static int handle_device_key(IniReader *r, const char *key, const char *value, void *userdata) {
        static const char *const keys[_KEY_MAX] = {
                [KEY_NAME] = "Name",
                [KEY_TYPE] = "Type",
                [KEY_SIZE] = "Size",
                [KEY_BACKING] = "Backing",
                [KEY_READ_ONLY] = "ReadOnly",
                [KEY_CREATE_BACKING] = "CreateBacking",
                [KEY_MOUNT_POINT] = "MountPoint",
                [KEY_FILE_SYSTEM] = "FileSystem",
                [KEY_MOUNT_OPTIONS] = "MountOptions",
        };
        ParseState *s = userdata;
        DeviceConfig *c = s->config;
        ConfigKey k;

        for (k = 0; k < _KEY_MAX; k++)
                if (streq(key, keys[k]))
                        break;
        if (k == _KEY_MAX)
                return ini_reader_error(r, -EINVAL, "Unknown key \"%s\" in section [Device]", key);

        if (s->seen[k] > 0 && k != KEY_BACKING)
                return ini_reader_error(r, -EINVAL, "%s= given twice, first on line %u", key, s->seen[k]);
        if (s->seen[k] == 0)
                s->seen[k] = ini_reader_line(r);

        /* An empty value would reset a setting in systemd; here nothing
         * needs resetting, so it can only be a mistake. */
        if (!*value)
                return ini_reader_error(r, -EINVAL, "Empty value for %s=", key);

        switch (k) {
        case KEY_NAME:
                if (!device_name_is_valid(value))
                        return ini_reader_error(r, -EINVAL,
                                                "Invalid device name " VALUE_FMT " in Name=", VALUE_ARG(value));
                c->name = strdup(value);
                if (!c->name)
                        return ini_reader_error(r, -ENOMEM, "Out of memory");
                c->origin_line = ini_reader_line(r);
                return 0;

        case KEY_TYPE:
                c->type = device_type_from_string(value);
                if (c->type < 0)
                        return ini_reader_error(r, -EINVAL,
                                                "Invalid type " VALUE_FMT " in Type=, expected \"file\" or \"ram\"",
                                                VALUE_ARG(value));
                return 0;

        case KEY_SIZE:
                return parse_size_value(r, "Size", value, &c->size);

        case KEY_BACKING:
                return parse_backing(r, value, c);

        case KEY_READ_ONLY:
                return parse_bool_value(r, key, value, &c->read_only);

        case KEY_CREATE_BACKING:
                return parse_bool_value(r, key, value, &c->create_backing);

        /* The boot-time keys are checked as a whole once the file is read
         * (device_config_check_mount()); only the syntax is checked here. */
        case KEY_MOUNT_POINT:
                if (!path_is_absolute_normalized(value))
                        return ini_reader_error(r, -EINVAL,
                                                "Invalid path " VALUE_FMT
                                                " in MountPoint=, expected an absolute, normalized path",
                                                VALUE_ARG(value));
                c->mount_point = strdup(value);
                if (!c->mount_point)
                        return ini_reader_error(r, -ENOMEM, "Out of memory");
                c->mount_point_line = ini_reader_line(r);
                return 0;

        case KEY_FILE_SYSTEM:
                c->file_system = file_system_from_string(value);
                if (c->file_system < 0)
                        return ini_reader_error(r, -EINVAL,
                                                "Invalid file system " VALUE_FMT
                                                " in FileSystem=, expected ext4, xfs, btrfs or swap",
                                                VALUE_ARG(value));
                return 0;

        case KEY_MOUNT_OPTIONS:
                c->mount_options = strdup(value);
                if (!c->mount_options)
                        return ini_reader_error(r, -ENOMEM, "Out of memory");
                return 0;

        default:
                assert(false);
                return -EINVAL;
        }
}

/* The line a message about "key" belongs on: that of the key itself. */
static unsigned key_line(const ParseState *s, const char *key, unsigned fallback) {
        static const struct {
                const char *name;
                ConfigKey key;
        } map[] = {
                { "MountPoint", KEY_MOUNT_POINT },
                { "FileSystem", KEY_FILE_SYSTEM },
                { "MountOptions", KEY_MOUNT_OPTIONS },
        };

        for (size_t i = 0; key && i < ELEMENTSOF(map); i++)
                if (streq(key, map[i].name) && s->seen[map[i].key] > 0)
                        return s->seen[map[i].key];
        return fallback;
}

int config_parse_stream(FILE *f, const char *path, const char *default_name, const char *state_dir, DeviceConfig **ret,
                        ConfigError *ret_error) {
        _cleanup_(device_config_freep) DeviceConfig *c = NULL;
        ParseState s = {};
        ConfigError e;
        const char *msg, *key = NULL;
        unsigned section_line = 0, file_line;
        int r;

        assert(f);
        assert(path);
        assert(state_dir);
        assert(ret);
        assert(ret_error);

        c = device_config_new();
        if (!c)
                return config_error_set(ret_error, -ENOMEM, 0, "Out of memory");
        s.config = c;

        r = ini_reader_parse(f, "Device", handle_device_key, &s, &section_line, &e);
        if (r < 0) {
                *ret_error = e;
                return r;
        }

        /* Errors about the file as a whole are reported on the header. */
        file_line = section_line > 0 ? section_line : 1;

        if (section_line == 0)
                return config_error_set(ret_error, -EINVAL, 1, "Missing [Device] section");

        if (!c->name) {
                if (!default_name)
                        return config_error_set(ret_error, -EINVAL, file_line, "Missing Name=");
                if (!device_name_is_valid(default_name))
                        return config_error_set(ret_error, -EINVAL, file_line,
                                                "Invalid device name " VALUE_FMT
                                                " derived from the file name, set Name=",
                                                VALUE_ARG(default_name));
                c->name = strdup(default_name);
                if (!c->name)
                        return config_error_set(ret_error, -ENOMEM, 0, "Out of memory");
                c->origin_line = file_line;
        }

        if (s.seen[KEY_TYPE] == 0)
                return config_error_set(ret_error, -EINVAL, file_line, "Missing Type=, expected \"file\" or \"ram\"");

        /* These are on a line of their own, so report them there rather
         * than leave them to device_config_resolve(). */
        if (c->type == DEVICE_TYPE_RAM && s.seen[KEY_BACKING] > 0)
                return config_error_set(ret_error, -EINVAL, s.seen[KEY_BACKING],
                                        "Backing= is not allowed for ram devices");
        if (c->type == DEVICE_TYPE_RAM && s.seen[KEY_CREATE_BACKING] > 0)
                return config_error_set(ret_error, -EINVAL, s.seen[KEY_CREATE_BACKING],
                                        "CreateBacking= is not allowed for ram devices");

        c->origin = strdup(path);
        if (!c->origin)
                return config_error_set(ret_error, -ENOMEM, 0, "Out of memory");

        r = device_config_resolve(c, state_dir, &msg);
        if (r == -ENOMEM)
                return config_error_set(ret_error, r, 0, "Out of memory");
        if (r < 0)
                return config_error_set(ret_error, r, file_line, "%s", msg);

        /* After resolving, so that backing paths are absolute. */
        r = device_config_check_mount(c, &msg, &key);
        if (r == -ENOMEM)
                return config_error_set(ret_error, r, 0, "Out of memory");
        if (r < 0)
                return config_error_set(ret_error, r, key_line(&s, key, file_line), "%s", msg);

        *ret = TAKE_PTR(c);
        return 0;
}

int config_parse_file(const char *path, const char *state_dir, DeviceConfig **ret, ConfigError *ret_error) {
        _cleanup_free_ char *name = NULL;
        const char *base;
        FILE *f;
        size_t n;
        int r;

        assert(path);
        assert(ret_error);

        base = strrchr(path, '/');
        base = base ? base + 1 : path;
        n = strlen(base);
        if (n > strlen(".conf") && streq(base + n - strlen(".conf"), ".conf"))
                n -= strlen(".conf");
        name = strndup(base, n);
        if (!name)
                return config_error_set(ret_error, -ENOMEM, 0, "Out of memory");

        f = fopen(path, "re");
        if (!f) {
                r = -errno;
                return config_error_set(ret_error, r, 0, "Failed to open file: %s", strerror(-r));
        }

        r = config_parse_stream(f, path, name, state_dir, ret, ret_error);
        fclose(f);
        return r;
}
