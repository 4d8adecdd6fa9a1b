/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>

#include "daemon-config.h"
#include "size-util.h"
#include "validate.h"

typedef enum DaemonKey {
        KEY_ALLOWED_BACKING_DIRECTORIES,
        KEY_RAM_LIMIT,
        KEY_MAX_DEVICES,
        KEY_UDEV_TIMEOUT,
        _KEY_MAX,
} DaemonKey;

typedef struct ParseState {
        DaemonConfig config;
        uint64_t mem_total;
        unsigned seen[_KEY_MAX];
} ParseState;

uint64_t percent_of(uint64_t total, unsigned percent) {
        assert(percent <= 100);

        /* total * percent / 100, split so that the product cannot overflow. */
        return total / 100 * percent + total % 100 * percent / 100;
}

void daemon_config_done(DaemonConfig *c) {
        assert(c);

        c->allowed_backing_dirs = strv_free(c->allowed_backing_dirs);
        c->ram_limit = 0;
        c->max_devices = 0;
        c->udev_timeout_usec = 0;
}

static bool strv_contains(char **l, const char *s) {
        for (char **i = l; i && *i; i++)
                if (streq(*i, s))
                        return true;
        return false;
}

static int parse_directories(IniReader *r, const char *value, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        size_t n = 0;

        l = calloc(1, sizeof(char *));
        if (!l)
                return ini_reader_error(r, -ENOMEM, "Out of memory");

        for (const char *p = value + strspn(value, WHITESPACE); *p; p += strspn(p, WHITESPACE)) {
                _cleanup_free_ char *d = NULL;
                size_t k = strcspn(p, WHITESPACE);
                char **grown;

                d = strndup(p, k);
                if (!d)
                        return ini_reader_error(r, -ENOMEM, "Out of memory");
                p += k;

                if (!path_is_absolute_normalized(d))
                        return ini_reader_error(r, -EINVAL,
                                                "Invalid directory \"%.80s\" in AllowedBackingDirectories=, expected "
                                                "an absolute normalized path",
                                                d);
                if (strv_contains(l, d))
                        continue;

                grown = reallocarray(l, n + 2, sizeof(char *));
                if (!grown)
                        return ini_reader_error(r, -ENOMEM, "Out of memory");
                l = grown;
                l[n++] = TAKE_PTR(d);
                l[n] = NULL;
        }

        *ret = TAKE_PTR(l);
        return 0;
}

static int parse_ram_limit(IniReader *r, const char *value, uint64_t mem_total, uint64_t *ret) {
        const char *pct;
        unsigned v = 0;
        int k;

        pct = strchr(value, '%');
        if (pct) {
                /* Plain digits, then "%" and nothing else. */
                if (pct == value || pct[1] != '\0' || pct - value > 3)
                        goto invalid;
                for (const char *p = value; p < pct; p++) {
                        if (*p < '0' || *p > '9')
                                goto invalid;
                        v = v * 10 + (*p - '0');
                }
                if (v > 100)
                        return ini_reader_error(r, -EINVAL, "Percentage \"%s\" in RamLimit= is above 100%%", value);

                *ret = percent_of(mem_total, v);
                return 0;
        }

        k = parse_size(value, ret);
        if (k == -ERANGE)
                return ini_reader_error(r, -EINVAL, "Size \"%.80s\" in RamLimit= is too large", value);
        if (k < 0)
                goto invalid;
        return 0;

invalid:
        return ini_reader_error(r, -EINVAL, "Invalid RamLimit= \"%.80s\", expected a size or a percentage", value);
}

static int parse_max_devices(IniReader *r, const char *value, unsigned *ret) {
        uint64_t v = 0;

        /* Digits only; parse_size() would accept suffixes. */
        if (!*value || strlen(value) > 10)
                goto invalid;
        for (const char *p = value; *p; p++) {
                if (*p < '0' || *p > '9')
                        goto invalid;
                v = v * 10 + (*p - '0');
        }
        if (v < 1 || v > DAEMON_CONFIG_MAX_DEVICES_LIMIT)
                return ini_reader_error(r, -EINVAL, "MaxDevices= must be between 1 and %u, got %s",
                                        DAEMON_CONFIG_MAX_DEVICES_LIMIT, value);

        *ret = (unsigned) v;
        return 0;

invalid:
        return ini_reader_error(r, -EINVAL, "Invalid number \"%.80s\" in MaxDevices=", value);
}

static int parse_udev_timeout(IniReader *r, const char *value, uint64_t *ret) {
        unsigned long long n;
        char *end;

        errno = 0;
        n = strtoull(value, &end, 10);
        if (errno == 0 && end != value && !*end && value[0] >= '0' && value[0] <= '9') {
                if (n < 1 || n > DAEMON_CONFIG_MAX_UDEV_TIMEOUT_SEC)
                        return ini_reader_error(r, -EINVAL, "UdevTimeoutSec= must be between 1 and %u, got %s",
                                                DAEMON_CONFIG_MAX_UDEV_TIMEOUT_SEC, value);
                *ret = (uint64_t) n * 1000000ULL;
                return 0;
        }
        return ini_reader_error(r, -EINVAL, "Invalid number of seconds \"%.80s\" in UdevTimeoutSec=", value);
}

static int handle_daemon_key(IniReader *r, const char *key, const char *value, void *userdata) {
        static const char *const keys[_KEY_MAX] = {
                [KEY_ALLOWED_BACKING_DIRECTORIES] = "AllowedBackingDirectories",
                [KEY_RAM_LIMIT] = "RamLimit",
                [KEY_MAX_DEVICES] = "MaxDevices",
                [KEY_UDEV_TIMEOUT] = "UdevTimeoutSec",
        };
        ParseState *s = userdata;
        DaemonKey k;

        for (k = 0; k < _KEY_MAX; k++)
                if (streq(key, keys[k]))
                        break;
        if (k == _KEY_MAX)
                return ini_reader_error(r, -EINVAL, "Unknown key \"%s\" in section [Daemon]", key);

        if (s->seen[k] > 0)
                return ini_reader_error(r, -EINVAL, "%s= given twice, first on line %u", key, s->seen[k]);
        s->seen[k] = ini_reader_line(r);

        switch (k) {
        case KEY_ALLOWED_BACKING_DIRECTORIES: {
                char **l = NULL;
                int q;

                /* Empty is allowed here: bus callers get no backing files. */
                q = parse_directories(r, value, &l);
                if (q < 0)
                        return q;
                strv_free(s->config.allowed_backing_dirs);
                s->config.allowed_backing_dirs = l;
                return 0;
        }

        case KEY_RAM_LIMIT:
                if (!*value)
                        return ini_reader_error(r, -EINVAL, "Empty value for RamLimit=");
                return parse_ram_limit(r, value, s->mem_total, &s->config.ram_limit);

        case KEY_MAX_DEVICES:
                return parse_max_devices(r, value, &s->config.max_devices);

        case KEY_UDEV_TIMEOUT:
                return parse_udev_timeout(r, value, &s->config.udev_timeout_usec);

        default:
                assert(false);
                return -EINVAL;
        }
}

int daemon_config_load(const char *path, uint64_t mem_total, DaemonConfig *ret, ConfigError *ret_error) {
        ParseState s = {
                .mem_total = mem_total,
                .config = {
                        .ram_limit = percent_of(mem_total, DAEMON_CONFIG_DEFAULT_RAM_PERCENT),
                        .max_devices = DAEMON_CONFIG_DEFAULT_MAX_DEVICES,
                        .udev_timeout_usec = DAEMON_CONFIG_DEFAULT_UDEV_TIMEOUT_SEC * 1000000ULL,
                },
        };
        FILE *f;
        int r;

        assert(path);
        assert(ret);
        assert(ret_error);

        f = fopen(path, "re");
        if (!f && errno != ENOENT) {
                r = -errno;
                return config_error_set(ret_error, r, 0, "Failed to open file: %s", strerror(-r));
        }

        if (f) {
                r = ini_reader_parse(f, "Daemon", handle_daemon_key, &s, NULL, ret_error);
                fclose(f);
                if (r < 0) {
                        daemon_config_done(&s.config);
                        return r;
                }
        }

        if (!s.config.allowed_backing_dirs) {
                s.config.allowed_backing_dirs = calloc(2, sizeof(char *));
                if (!s.config.allowed_backing_dirs ||
                    !(s.config.allowed_backing_dirs[0] = strdup(DAEMON_CONFIG_DEFAULT_BACKING_DIR))) {
                        daemon_config_done(&s.config);
                        return config_error_set(ret_error, -ENOMEM, 0, "Out of memory");
                }
        }

        *ret = s.config;
        return 0;
}
