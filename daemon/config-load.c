/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <stdio.h>

#include "config-dirs.h"
#include "config-load.h"
#include "config-parse.h"

ConfigSet *config_set_free(ConfigSet *s) {
        if (!s)
                return NULL;

        for (size_t i = 0; i < s->n_devices; i++)
                device_config_free(s->devices[i]);
        free(s->devices);

        for (size_t i = 0; i < s->n_diagnostics; i++) {
                free(s->diagnostics[i].path);
                free(s->diagnostics[i].message);
        }
        free(s->diagnostics);

        free(s);
        return NULL;
}

DeviceConfig *config_set_find(const ConfigSet *s, const char *name) {
        assert(s);
        assert(name);

        for (size_t i = 0; i < s->n_devices; i++)
                if (streq(s->devices[i]->name, name))
                        return s->devices[i];
        return NULL;
}

static int add_diagnostic(ConfigSet *s, const char *path, unsigned line, const char *message) {
        _cleanup_free_ char *p = NULL, *m = NULL;
        ConfigDiagnostic *d;

        p = strdup(path);
        m = strdup(message);
        if (!p || !m)
                return -ENOMEM;

        d = reallocarray(s->diagnostics, s->n_diagnostics + 1, sizeof(ConfigDiagnostic));
        if (!d)
                return -ENOMEM;
        s->diagnostics = d;

        s->diagnostics[s->n_diagnostics++] = (ConfigDiagnostic){
                .path = TAKE_PTR(p),
                .line = line,
                .message = TAKE_PTR(m),
        };
        return 0;
}

static int add_device(ConfigSet *s, DeviceConfig *c) {
        DeviceConfig **d;

        d = reallocarray(s->devices, s->n_devices + 1, sizeof(DeviceConfig *));
        if (!d)
                return -ENOMEM;
        s->devices = d;
        s->devices[s->n_devices++] = c;
        return 0;
}

static const DeviceConfig *find_mount_point(const ConfigSet *s, const char *mount_point) {
        for (size_t i = 0; i < s->n_devices; i++)
                if (streq_ptr(s->devices[i]->mount_point, mount_point))
                        return s->devices[i];
        return NULL;
}

int config_load(const char *root, const char *state_dir, ConfigSet **ret) {
        _cleanup_(config_set_freep) ConfigSet *s = NULL;
        _cleanup_strv_free_ char **paths = NULL;
        int r;

        assert(state_dir);
        assert(ret);

        r = config_enumerate(root, &paths);
        if (r < 0)
                return r;

        s = calloc(1, sizeof(ConfigSet));
        if (!s)
                return -ENOMEM;

        for (char **p = paths; *p; p++) {
                _cleanup_(device_config_freep) DeviceConfig *c = NULL;
                ConfigError e = {};
                const DeviceConfig *other;

                r = config_parse_file(*p, state_dir, &c, &e);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        r = add_diagnostic(s, *p, e.line, e.message);
                        if (r < 0)
                                return r;
                        continue;
                }

                other = config_set_find(s, c->name);
                if (other) {
                        _cleanup_free_ char *m = NULL;

                        if (asprintf(&m, "Duplicate device name \"%s\", already defined in %s, ignoring", c->name,
                                     other->origin) < 0) {
                                m = NULL;
                                return -ENOMEM;
                        }
                        r = add_diagnostic(s, *p, c->origin_line, m);
                        if (r < 0)
                                return r;
                        continue;
                }

                /* Two mounts on one directory: the generator could write
                 * only one unit, so the first file wins here too. */
                other = c->mount_point ? find_mount_point(s, c->mount_point) : NULL;
                if (other) {
                        _cleanup_free_ char *m = NULL;

                        if (asprintf(&m, "MountPoint=%s is already used by device \"%s\" (%s), ignoring",
                                     c->mount_point, other->name, other->origin) < 0) {
                                m = NULL;
                                return -ENOMEM;
                        }
                        r = add_diagnostic(s, *p, c->mount_point_line, m);
                        if (r < 0)
                                return r;
                        continue;
                }

                r = add_device(s, c);
                if (r < 0)
                        return r;
                TAKE_PTR(c);
        }

        *ret = TAKE_PTR(s);
        return 0;
}
