/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * systemd unit names for paths, as "systemd-escape --path" makes them.
 * libsystemd has no public API for this, and the names must match exactly:
 * systemd refuses a mount unit whose name is not the escaped Where=, and a
 * dependency on "dev-dmloop-x.device" only works if that is the name
 * systemd gives the device.
 *
 * The rules (systemd.unit(5), "String Escaping for Inclusion in Unit
 * Names"): "/" alone becomes "-"; otherwise the leading and trailing "/"
 * are dropped, every other "/" becomes "-", a leading "." and every byte
 * outside [A-Za-z0-9:_.] becomes "\xNN" (lower-case hex).
 */

/* The longest unit name systemd accepts, in bytes. */
#define UNIT_NAME_MAX 255

/* "path" escaped, plus "suffix" (e.g. ".mount"). "path" must be absolute
 * and normalized (see validate.h). Returns 0, -EINVAL for a path that is
 * not, -ENAMETOOLONG if the name would exceed UNIT_NAME_MAX, or -ENOMEM. */
int unit_name_from_path(const char *path, const char *suffix, char **ret);

/* "prefix@<escaped path>suffix", e.g. "systemd-makefs@dev-sda.service".
 * Errors as above. */
int unit_name_from_path_instance(const char *prefix, const char *path, const char *suffix, char **ret);
