/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * dmloopctl's view of a device: the properties of org.dmloop1.Device as
 * read from the bus, and the three ways of printing them (the "list"
 * table, the "status" block and JSON). Nothing here talks to the bus
 * beyond reading one property dictionary out of a message.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <systemd/sd-bus.h>

#include "device-config.h"

typedef struct DeviceInfo {
        char *name;
        char *type;
        uint64_t size;
        char *target;
        char *device_node;
        char *symlink;
        uint32_t major;
        uint32_t minor;
        int read_only;
        int persistent;
        char *origin;
        BackingSegment *backing;
        size_t n_backing;
} DeviceInfo;

void device_info_done(DeviceInfo *d);

/* Reads an a{sv} of org.dmloop1.Device properties (as GetAll returns it,
 * or one interface's entry of GetManagedObjects) into "d". Properties
 * dmloopctl does not know, or with an unexpected type, are skipped, so a
 * newer daemon does not break an older client. */
int device_info_read(sd_bus_message *m, DeviceInfo *d);

/* Sorts by name, for a stable "list". */
void device_info_sort(DeviceInfo *devices, size_t n);

/* A JSON string literal with everything JSON requires escaped. */
void json_print_string(FILE *f, const char *s);

/* One device as a JSON object on one line, without a newline. */
void device_info_print_json(FILE *f, const DeviceInfo *d);

/* --json=, as systemd's tools have it: "pretty" (indented, one key per
 * line), "short" (one line, no spaces) or "off". */
typedef enum JsonFormat {
        JSON_FORMAT_OFF,
        JSON_FORMAT_PRETTY,
        JSON_FORMAT_SHORT,
} JsonFormat;

/* Returns the JsonFormat named by "s", or -EINVAL. */
int json_format_from_string(const char *s);

/* Prints the devices as a JSON array ("list"), or, with "single" and n == 1,
 * the one device as an object ("status"), then a newline. */
int device_info_print_json_format(FILE *f, const DeviceInfo *devices, size_t n, bool single, JsonFormat format);

/* The "list" table: NAME TYPE SIZE TARGET DEVICE SYMLINK ORIGIN, with a
 * header and a "N devices listed." footer when "legend" is set. */
int device_info_print_table(FILE *f, const DeviceInfo *devices, size_t n, bool legend);

/* The "status" block: one "Label: value" line per property. */
int device_info_print_status(FILE *f, const DeviceInfo *d);
