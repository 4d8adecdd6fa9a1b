/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The journal of operations in flight: one small file per device with an
 * operation under way, in dmloopd's runtime directory, written atomically
 * before the operation touches anything and removed once it is over. What
 * is in the directory when dmloopd starts was interrupted by a crash or a
 * stop, and recovery (recovery.h) finishes or undoes it.
 *
 * The file is text, one "Key=value" per line, in this order:
 *
 *   Operation=create|remove|resize
 *   Name=NAME                   the device
 *   Origin=PATH|bus             where the device's config lives
 *   Config=PATH                 create: the config file this call wrote
 *   RamFile=PATH                create: the tmpfs file of a fallback RAM device
 *   Created=PATH                create: a backing file that did not exist yet (repeated)
 *   Delete=PATH                 remove: a backing file to delete (repeated)
 *   OldSize=BYTES               resize
 *   NewSize=BYTES               resize
 *
 * In values, '\' is written as "\\" and a newline as "\n". Parsing refuses
 * unknown keys, a missing Operation= or Name=, and repeated single keys.
 */

#include <stdint.h>

#include "macro.h"

#ifndef DMLOOP_JOURNAL_DIR
#define DMLOOP_JOURNAL_DIR "/run/dmloop/journal"
#endif

typedef enum JournalOperation {
        JOURNAL_CREATE,
        JOURNAL_REMOVE,
        JOURNAL_RESIZE,
        _JOURNAL_OPERATION_MAX,
        _JOURNAL_OPERATION_INVALID = -EINVAL,
} JournalOperation;

typedef struct JournalEntry {
        JournalOperation operation;
        char *name;
        char *origin;
        char *config;
        char *ram_file;
        char **created; /* NULL-terminated, may be NULL */
        char **delete; /* NULL-terminated, may be NULL */
        uint64_t old_size;
        uint64_t new_size;
} JournalEntry;

const char *journal_operation_to_string(JournalOperation o);

/* Frees the contents and zeroes e. */
void journal_entry_done(JournalEntry *e);

/* Appends a copy of path to *list. */
int journal_strv_add(char ***list, const char *path);

int journal_entry_format(const JournalEntry *e, char **ret);
/* -EINVAL for anything that is not a well-formed entry; ret untouched then. */
int journal_entry_parse(const char *text, JournalEntry *ret);

/* Writes dir/<name> atomically (temporary file, fsync, rename, fsync of
 * the directory), creating dir when needed. */
int journal_write(const char *dir, const JournalEntry *e);
/* Removes dir/<name>; a missing file is fine. */
int journal_remove(const char *dir, const char *name);
/* Reads dir/<name> into ret. */
int journal_read(const char *dir, const char *name, JournalEntry *ret);
/* The names of all entries in dir (an empty list when dir is missing). */
int journal_list(const char *dir, char ***ret);
