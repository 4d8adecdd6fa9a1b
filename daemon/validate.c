/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <limits.h>
#include <stdint.h>
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

bool utf8_is_valid(const char *s) {
        const unsigned char *p = (const unsigned char *) s;

        assert(s);

        while (*p) {
                uint32_t c;
                size_t n;

                if (*p < 0x80) {
                        p++;
                        continue;
                }
                if (*p >= 0xc2 && *p <= 0xdf) {
                        n = 1;
                        c = *p & 0x1f;
                } else if (*p >= 0xe0 && *p <= 0xef) {
                        n = 2;
                        c = *p & 0x0f;
                } else if (*p >= 0xf0 && *p <= 0xf4) {
                        n = 3;
                        c = *p & 0x07;
                } else
                        return false; /* a continuation byte, 0xc0/0xc1 or above 0xf4 */

                for (size_t i = 1; i <= n; i++) {
                        if ((p[i] & 0xc0) != 0x80)
                                return false; /* also stops at the NUL */
                        c = c << 6 | (p[i] & 0x3f);
                }
                /* The shortest form only, and no UTF-16 surrogates. */
                if ((n == 2 && c < 0x800) || (n == 3 && (c < 0x10000 || c > 0x10ffff)) || (c >= 0xd800 && c <= 0xdfff))
                        return false;
                p += n + 1;
        }
        return true;
}

bool string_has_control_chars(const char *s) {
        assert(s);

        for (const unsigned char *p = (const unsigned char *) s; *p; p++)
                if (*p < 0x20 || *p == 0x7f)
                        return true;
        return false;
}

const char *path_not_normalized_reason(const char *p) {
        const char *c;

        if (!p || !*p)
                return "is empty";
        if (strlen(p) >= PATH_MAX)
                return "is too long";
        if (string_has_control_chars(p))
                return "contains a control character";
        if (!utf8_is_valid(p))
                return "is not valid UTF-8";
        if (streq(p, "/"))
                return NULL;

        /* Walk the components; an empty one means "//" or a trailing slash
         * (a leading slash is skipped first). */
        c = p[0] == '/' ? p + 1 : p;
        for (;;) {
                size_t n = strcspn(c, "/");

                if (n == 0)
                        return "contains \"//\" or ends in \"/\"";
                if ((n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
                        return "contains a \".\" or \"..\" component";
                if (c[n] == '\0')
                        return NULL;
                c += n + 1;
        }
}

bool path_is_normalized(const char *p) {
        return !path_not_normalized_reason(p);
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
