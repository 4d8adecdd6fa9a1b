/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Byte sizes as users write them in dmloop.d(5), dmloopd.conf(5) and on
 * the dmloopctl command line.
 *
 * Accepted: decimal digits, optionally followed by one suffix:
 *   (none), "B"      bytes
 *   "K", "KiB"       1024
 *   "M", "MiB"       1024^2
 *   "G", "GiB"       1024^3
 *   "T", "TiB"       1024^4
 * Suffixes are case-sensitive. There are no fractions, signs, spaces or
 * decimal (1000-based) units: "1.5G", "-1", " 1K", "1K ", "1kb" and "1KB" are
 * all invalid. Values are exact; nothing is rounded.
 */

#include <stdbool.h>
#include <stdint.h>

/* Parses "s" into bytes. Returns 0, -EINVAL for malformed input, or
 * -ERANGE when the value does not fit into 64 bits. "ret" is only written
 * on success. */
int parse_size(const char *s, uint64_t *ret);

/* True for sizes a block device can have: positive and a multiple of 512. */
bool size_is_valid_device_size(uint64_t bytes);

/* Large enough for any uint64_t plus a suffix and the NUL. */
#define FORMAT_SIZE_MAX 32

/* Formats "bytes" with the largest of the suffixes T, G, M, K that divides
 * it exactly, or as plain bytes otherwise: 67108864 -> "64M",
 * 1610612736 -> "1536M", 1000 -> "1000". The result is never rounded, so
 * it always round-trips through parse_size(). Returns "buf". */
char *format_size(uint64_t bytes, char buf[static FORMAT_SIZE_MAX]);
