/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <stdio.h>

#include "macro.h"
#include "unit-name.h"
#include "validate.h"

static bool char_is_plain(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':' || c == '_' ||
               c == '.';
}

/* Writes the escaped form of "path" to "f". */
static void escape_path(FILE *f, const char *path) {
        const char *p = path;

        if (streq(path, "/")) {
                fputc('-', f);
                return;
        }

        p += strspn(p, "/");
        for (const char *i = p; *i; i++) {
                if (*i == '/') {
                        /* No trailing "-" for a trailing "/". */
                        if (i[1] != '\0')
                                fputc('-', f);
                        continue;
                }
                /* A leading "." would make a hidden file name. */
                if (!char_is_plain(*i) || (i == p && *i == '.'))
                        fprintf(f, "\\x%02x", (unsigned char) *i);
                else
                        fputc(*i, f);
        }
}

int unit_name_from_path_instance(const char *prefix, const char *path, const char *suffix, char **ret) {
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        FILE *f;

        assert(path);
        assert(suffix);
        assert(ret);

        if (!path_is_absolute_normalized(path))
                return -EINVAL;

        f = open_memstream(&buf, &len);
        if (!f)
                return -ENOMEM;
        if (prefix)
                fprintf(f, "%s@", prefix);
        escape_path(f, path);
        fputs(suffix, f);
        if (fclose(f) != 0)
                return -ENOMEM;

        if (len > UNIT_NAME_MAX)
                return -ENAMETOOLONG;

        *ret = TAKE_PTR(buf);
        return 0;
}

int unit_name_from_path(const char *path, const char *suffix, char **ret) {
        return unit_name_from_path_instance(NULL, path, suffix, ret);
}
