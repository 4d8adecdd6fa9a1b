/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Device-mapper tables as plain data: building the lines dmloopd loads and
 * reading back the ones the kernel reports. Nothing here talks to the
 * kernel, so all of it is unit-tested.
 */

#include <sys/types.h>

#include "macro.h"

typedef struct DmTarget {
        uint64_t start; /* sectors */
        uint64_t length; /* sectors */
        char *type; /* "linear", "loop", "ram", ... */
        char *params;
} DmTarget;

typedef struct DmTable {
        DmTarget *targets;
        size_t n_targets;
} DmTable;

void dm_table_done(DmTable *t);
static inline void dm_table_donep(DmTable *t) {
        dm_table_done(t);
}
#define _cleanup_dm_table_ _cleanup_(dm_table_donep)

/* Appends a target that starts where the previous one ended. */
int dm_table_append(DmTable *t, uint64_t length, const char *type, const char *params);

/* Adds a target at an explicit start, as read back from the kernel. */
int dm_table_add(DmTable *t, uint64_t start, uint64_t length, const char *type, const char *params);

/* Total length in sectors (the end of the last target). */
uint64_t dm_table_length(const DmTable *t);

/* True when every target has the given type. */
bool dm_table_all_type(const DmTable *t, const char *type);

/* "start length type params" lines joined with '\n', as dmsetup prints them. */
int dm_table_to_string(const DmTable *t, char **ret);

/* Parameters of the stock "linear" target: "MAJ:MIN OFFSET". */
int dm_linear_params_format(dev_t dev, uint64_t offset_sectors, char **ret);
int dm_linear_params_parse(const char *params, dev_t *ret_dev, uint64_t *ret_offset_sectors);

/* Parameters of dmloop's "loop" target: "PATH [OFFSET]". */
int dm_loop_params_format(const char *path, uint64_t offset_sectors, char **ret);
int dm_loop_params_parse(const char *params, char **ret_path, uint64_t *ret_offset_sectors);
