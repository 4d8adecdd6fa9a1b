/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <inttypes.h>
#include <stdio.h>
#include <sys/sysmacros.h>

#include "dm-table.h"

void dm_table_done(DmTable *t) {
        if (!t)
                return;
        for (size_t i = 0; i < t->n_targets; i++) {
                free(t->targets[i].type);
                free(t->targets[i].params);
        }
        t->targets = mfree_array(t->targets);
        t->n_targets = 0;
}

int dm_table_add(DmTable *t, uint64_t start, uint64_t length, const char *type, const char *params) {
        _cleanup_free_ char *type_copy = NULL, *params_copy = NULL;
        DmTarget *n;

        if (length == 0 || !type || !params)
                return -EINVAL;
        if (start + length < start)
                return -EOVERFLOW;

        type_copy = strdup(type);
        params_copy = strdup(params);
        if (!type_copy || !params_copy)
                return -ENOMEM;

        n = reallocarray(t->targets, t->n_targets + 1, sizeof(DmTarget));
        if (!n)
                return -ENOMEM;
        t->targets = n;
        t->targets[t->n_targets++] = (DmTarget){
                .start = start,
                .length = length,
                .type = TAKE_PTR(type_copy),
                .params = TAKE_PTR(params_copy),
        };
        return 0;
}

int dm_table_append(DmTable *t, uint64_t length, const char *type, const char *params) {
        uint64_t start = dm_table_length(t);

        if (start + length < start)
                return -EOVERFLOW;
        return dm_table_add(t, start, length, type, params);
}

uint64_t dm_table_length(const DmTable *t) {
        if (t->n_targets == 0)
                return 0;
        return t->targets[t->n_targets - 1].start + t->targets[t->n_targets - 1].length;
}

bool dm_table_all_type(const DmTable *t, const char *type) {
        if (t->n_targets == 0)
                return false;
        for (size_t i = 0; i < t->n_targets; i++)
                if (!streq(t->targets[i].type, type))
                        return false;
        return true;
}

int dm_table_to_string(const DmTable *t, char **ret) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        FILE *f;

        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        for (size_t i = 0; i < t->n_targets; i++)
                fprintf(f, "%s%" PRIu64 " %" PRIu64 " %s %s", i > 0 ? "\n" : "", t->targets[i].start,
                        t->targets[i].length, t->targets[i].type, t->targets[i].params);
        if (fclose(f) != 0)
                return -ENOMEM;

        *ret = TAKE_PTR(buf);
        return 0;
}

int dm_linear_params_format(dev_t dev, uint64_t offset_sectors, char **ret) {
        if (asprintf(ret, "%u:%u %" PRIu64, major(dev), minor(dev), offset_sectors) < 0)
                return -ENOMEM;
        return 0;
}

/* Reads a decimal number the way the kernel prints one: digits only, no
 * sign or spaces, at most max. Moves *p past it. */
static int parse_decimal(const char **p, uint64_t max, uint64_t *ret) {
        const char *s = *p;
        uint64_t v = 0;

        if (*s < '0' || *s > '9')
                return -EINVAL;
        for (; *s >= '0' && *s <= '9'; s++) {
                unsigned digit = (unsigned) (*s - '0');

                if (v > (max - digit) / 10)
                        return -ERANGE;
                v = v * 10 + digit;
        }
        *p = s;
        *ret = v;
        return 0;
}

int dm_linear_params_parse(const char *params, dev_t *ret_dev, uint64_t *ret_offset_sectors) {
        uint64_t maj, min, offset;
        const char *p = params;

        if (parse_decimal(&p, UINT32_MAX, &maj) < 0 || *p++ != ':' || parse_decimal(&p, UINT32_MAX, &min) < 0 ||
            *p++ != ' ' || parse_decimal(&p, UINT64_MAX, &offset) < 0 || *p != '\0')
                return -EINVAL;

        *ret_dev = makedev((unsigned) maj, (unsigned) min);
        *ret_offset_sectors = offset;
        return 0;
}

int dm_loop_params_format(const char *path, uint64_t offset_sectors, char **ret) {
        /* The kernel splits table parameters on white space and treats a
         * backslash as an escape, so neither may appear in a path. */
        if (!path || path[0] != '/' || strpbrk(path, " \t\n\\"))
                return -EINVAL;
        if (asprintf(ret, "%s %" PRIu64, path, offset_sectors) < 0)
                return -ENOMEM;
        return 0;
}

int dm_loop_params_parse(const char *params, char **ret_path, uint64_t *ret_offset_sectors) {
        _cleanup_free_ char *path = NULL;
        const char *space;
        uint64_t offset = 0;

        space = strchr(params, ' ');
        path = space ? strndup(params, space - params) : strdup(params);
        if (!path)
                return -ENOMEM;
        if (path[0] != '/')
                return -EINVAL;
        if (space) {
                const char *p = space + 1;

                if (parse_decimal(&p, UINT64_MAX, &offset) < 0 || *p != '\0')
                        return -EINVAL;
        }

        *ret_path = TAKE_PTR(path);
        *ret_offset_sectors = offset;
        return 0;
}
