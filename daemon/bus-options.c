/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "bus-options.h"
#include "validate.h"

void bus_options_done(BusOptions *o) {
        backing_segments_free(o->backing, o->n_backing);
        o->backing = NULL;
        o->n_backing = 0;
}

static bool key_known(const char *const *keys, const char *key) {
        for (const char *const *k = keys; *k; k++)
                if (streq(*k, key))
                        return true;
        return false;
}

static int read_bool(sd_bus_message *m, const char *key, int *ret, sd_bus_error *error) {
        int b, r;

        r = sd_bus_message_enter_container(m, 'v', "b");
        if (r <= 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Option '%s' in argument 'options' must be a boolean (b).", key);
        r = sd_bus_message_read(m, "b", &b);
        if (r < 0)
                return r;
        *ret = !!b;
        return sd_bus_message_exit_container(m);
}

static int segment_path_compare(const void *a, const void *b) {
        const BackingSegment *const *x = a, *const *y = b;

        return strcmp((*x)->path, (*y)->path);
}

/* Sorted, so a long list costs n log n and not n². */
static int check_duplicates(const BackingSegment *segments, size_t n, sd_bus_error *error) {
        _cleanup_free_ const BackingSegment **sorted = NULL;

        if (n < 2)
                return 0;
        sorted = calloc(n, sizeof(BackingSegment *));
        if (!sorted)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                sorted[i] = segments + i;
        qsort(sorted, n, sizeof(BackingSegment *), segment_path_compare);
        for (size_t i = 1; i < n; i++)
                if (streq(sorted[i]->path, sorted[i - 1]->path))
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                 "Option 'Backing' in argument 'options' lists the backing file "
                                                 "\"%.200s\" twice.",
                                                 sorted[i]->path);
        return 0;
}

static int read_backing(sd_bus_message *m, BusOptions *o, sd_bus_error *error) {
        const char *path;
        uint64_t size;
        int r;

        r = sd_bus_message_enter_container(m, 'v', "a(st)");
        if (r <= 0)
                return sd_bus_error_set(
                        error, SD_BUS_ERROR_INVALID_ARGS,
                        "Option 'Backing' in argument 'options' must be an array of (path, size) (a(st)).");
        r = sd_bus_message_enter_container(m, 'a', "(st)");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_read(m, "(st)", &path, &size)) > 0) {
                if (o->n_backing >= BUS_BACKING_MAX)
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                 "Option 'Backing' in argument 'options' has more than %u entries.",
                                                 BUS_BACKING_MAX);
                /* Not quoted: the path would carry the control character
                 * into the message. */
                if (string_has_control_chars(path))
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                 "Entry %zu of option 'Backing' in argument 'options' has a path "
                                                 "with a control character in it.",
                                                 o->n_backing + 1);
                r = backing_segments_append(&o->backing, &o->n_backing, path, size);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        r = check_duplicates(o->backing, o->n_backing, error);
        if (r < 0)
                return r;
        o->has_backing = true;
        return sd_bus_message_exit_container(m);
}

int bus_read_options(sd_bus_message *m, const char *const *keys, BusOptions *ret, sd_bus_error *error) {
        BusOptions o = {
                .read_only = -1,
                .persistent = -1,
                .create_backing = -1,
                .force = -1,
                .delete_backing = -1,
                .allow_shrink = -1,
        };
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;

        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                const char *key;
                int *flag = NULL;

                r = sd_bus_message_read(m, "s", &key);
                if (r < 0)
                        goto fail;
                if (!key_known(keys, key)) {
                        r = sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                              "Unknown option '%s' in argument 'options'.", key);
                        goto fail;
                }

                if (streq(key, "Backing")) {
                        if (o.has_backing) {
                                r = sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS,
                                                     "Option 'Backing' given twice in argument 'options'.");
                                goto fail;
                        }
                        r = read_backing(m, &o, error);
                } else {
                        if (streq(key, "ReadOnly"))
                                flag = &o.read_only;
                        else if (streq(key, "Persistent"))
                                flag = &o.persistent;
                        else if (streq(key, "CreateBacking"))
                                flag = &o.create_backing;
                        else if (streq(key, "Force"))
                                flag = &o.force;
                        else if (streq(key, "DeleteBacking"))
                                flag = &o.delete_backing;
                        else if (streq(key, "AllowShrink"))
                                flag = &o.allow_shrink;
                        else {
                                r = sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                      "Unknown option '%s' in argument 'options'.", key);
                                goto fail;
                        }
                        if (*flag >= 0) {
                                r = sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                      "Option '%s' given twice in argument 'options'.", key);
                                goto fail;
                        }
                        r = read_bool(m, key, flag, error);
                }
                if (r < 0)
                        goto fail;

                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        goto fail;
        }
        if (r < 0)
                goto fail;

        r = sd_bus_message_exit_container(m);
        if (r < 0)
                goto fail;

        *ret = o;
        return 0;

fail:
        bus_options_done(&o);
        return r;
}
