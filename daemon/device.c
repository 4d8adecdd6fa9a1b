/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdio.h>

#include "dm.h"
#include "device.h"
#include "loop.h"
#include "validate.h"

Device *device_free(Device *d) {
        if (!d)
                return NULL;
        free(d->name);
        free(d->target);
        backing_segments_free(d->segments, d->n_segments);
        free(d->origin);
        free(d);
        return NULL;
}

static bool path_is_below(const char *path, const char *dir) {
        const char *rest = startswith(path, dir);

        return rest && rest[0] == '/';
}

/* Fills type and backing files from the table, which must be uniform. */
static int device_read_table(Device *d, const DmTable *table, const char *ram_dir) {
        int r;

        if (table->n_targets == 0)
                return -EUCLEAN;

        if (dm_table_all_type(table, "ram")) {
                d->type = DEVICE_TYPE_RAM;
                return 0;
        }

        if (dm_table_all_type(table, "loop")) {
                d->type = DEVICE_TYPE_FILE;
                for (size_t i = 0; i < table->n_targets; i++) {
                        _cleanup_free_ char *path = NULL;
                        uint64_t offset;

                        r = dm_loop_params_parse(table->targets[i].params, &path, &offset);
                        if (r < 0)
                                return -EUCLEAN;
                        r = backing_segments_append(&d->segments, &d->n_segments, path,
                                                    table->targets[i].length * SECTOR_SIZE);
                        if (r < 0)
                                return r;
                }
                return 0;
        }

        if (dm_table_all_type(table, "linear")) {
                for (size_t i = 0; i < table->n_targets; i++) {
                        _cleanup_free_ char *path = NULL;
                        uint64_t offset;
                        dev_t dev;

                        r = dm_linear_params_parse(table->targets[i].params, &dev, &offset);
                        if (r < 0)
                                return -EUCLEAN;
                        r = loop_get_backing_file(dev, &path);
                        if (r < 0)
                                return -EUCLEAN;
                        r = backing_segments_append(&d->segments, &d->n_segments, path,
                                                    table->targets[i].length * SECTOR_SIZE);
                        if (r < 0)
                                return r;
                }
                d->type = d->n_segments == 1 && path_is_below(d->segments[0].path, ram_dir) ? DEVICE_TYPE_RAM
                                                                                            : DEVICE_TYPE_FILE;
                return 0;
        }

        return -EUCLEAN;
}

int device_probe(const char *dm_name, const char *ram_dir, Device **ret) {
        _cleanup_(device_freep) Device *d = NULL;
        _cleanup_dm_table_ DmTable table = {};
        _cleanup_dm_info_ DmInfo info = {};
        const char *name;
        int r;

        r = dm_get_info(dm_name, &info);
        if (r < 0)
                return r;
        name = device_name_from_uuid(info.uuid);
        if (!name)
                return -EUCLEAN;

        r = dm_get_table(dm_name, &table);
        if (r < 0)
                return r;

        d = calloc(1, sizeof(Device));
        if (!d)
                return -ENOMEM;
        d->name = strdup(name);
        d->target = strdup(table.n_targets > 0 ? table.targets[0].type : "");
        if (!d->name || !d->target)
                return -ENOMEM;
        d->size = dm_table_length(&table) * SECTOR_SIZE;
        d->read_only = info.read_only;
        d->major = info.major;
        d->minor = info.minor;

        r = device_read_table(d, &table, ram_dir);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(d);
        return 0;
}
