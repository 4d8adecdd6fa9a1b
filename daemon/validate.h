/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Pure checks of names and paths, shared by the config parser, the bus
 * methods and dmloopctl. None of them touches the file system.
 */

#include <stdbool.h>

#define DEVICE_NAME_MAX 64

/* 1 to DEVICE_NAME_MAX characters from [A-Za-z0-9_.-], not starting with
 * '.' or '-'. This rules out "", ".", "..", anything with '/' and anything
 * that looks like an option. */
bool device_name_is_valid(const char *name);

/* Valid UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
 * D-Bus strings must be UTF-8, so a path that is not cannot be shown on
 * the bus. */
bool utf8_is_valid(const char *s);

/* True if s holds a control character (0x01-0x1f or 0x7f). In a backing
 * path a newline is cut off by sysfs, and \v, \f and \r split dm tables. */
bool string_has_control_chars(const char *s);

/* A path without "." or ".." components, without "//" and without a
 * trailing slash, shorter than PATH_MAX, valid UTF-8 and without control
 * characters. May be absolute or relative; "/" itself is accepted, "" is
 * not. */
bool path_is_normalized(const char *p);

/* Why path_is_normalized(p) is false, as a phrase that follows the path in
 * a message ("contains a control character", ...); NULL when it is true. */
const char *path_not_normalized_reason(const char *p);

/* path_is_normalized() and starting with '/'. */
bool path_is_absolute_normalized(const char *p);

/* True if "path" lies strictly below "dir", comparing whole components
 * ("/var/lib/dmloopx/a" is not in "/var/lib/dmloop", nor is the directory
 * itself). Both must be absolute and normalized; symlinks are not looked
 * at, so this is a first check only. */
bool path_is_in_directory(const char *path, const char *dir);

/* "yes", "true", "on", "1" -> 1; "no", "false", "off", "0" -> 0 (words are
 * case-insensitive); anything else -> -EINVAL. */
int parse_boolean(const char *s);
