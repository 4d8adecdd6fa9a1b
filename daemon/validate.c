/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <limits.h>
#include <strings.h>

#include "macro.h"
#include "validate.h"

bool device_name_is_valid(const char *name) {
        size_t n;

        if (!name)
                return false;

        n = strlen(name);
        if (n < 1 || n > DEVICE_NAME_MAX)
                return false;

        /* A leading '-' would be read as an option by dmsetup and busctl, a
         * leading '.' makes hidden files and covers "." and "..". */
        if (name[0] == '.' || name[0] == '-')
                return false;

        for (const char *p = name; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_' ||
                      *p == '.' || *p == '-'))
                        return false;

        return true;
}

bool path_is_normalized(const char *p) {
        const char *c;

        if (!p || !*p)
                return false;
        if (strlen(p) >= PATH_MAX)
                return false;
        if (streq(p, "/"))
                return true;

        /* Walk the components; an empty one means "//" or a trailing slash
         * (a leading slash is skipped first). */
        c = p[0] == '/' ? p + 1 : p;
        for (;;) {
                size_t n = strcspn(c, "/");

                if (n == 0)
                        return false;
                if ((n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
                        return false;
                if (c[n] == '\0')
                        return true;
                c += n + 1;
        }
}

bool path_is_absolute_normalized(const char *p) {
        return p && p[0] == '/' && path_is_normalized(p);
}

bool path_is_in_directory(const char *path, const char *dir) {
        const char *rest;

        if (!path_is_absolute_normalized(path) || !path_is_absolute_normalized(dir))
                return false;

        if (streq(dir, "/"))
                return !streq(path, "/");

        rest = startswith(path, dir);
        return rest && rest[0] == '/';
}

int parse_boolean(const char *s) {
        assert(s);

        if (streq(s, "1") || strcasecmp(s, "yes") == 0 || strcasecmp(s, "true") == 0 || strcasecmp(s, "on") == 0)
                return 1;
        if (streq(s, "0") || strcasecmp(s, "no") == 0 || strcasecmp(s, "false") == 0 || strcasecmp(s, "off") == 0)
                return 0;

        return -EINVAL;
}
