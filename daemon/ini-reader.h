/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A strict front end to inih, shared by the dmloop.d(5) and dmloopd.conf(5)
 * parsers.
 *
 * inih is lenient in ways that lose configuration silently: Debian's build
 * cuts lines at INI_MAX_LINE bytes, strips " ;comment" after values and
 * after "[section]", joins indented lines to the previous value, accepts
 * "key: value", and keeps going after an error. We feed inih through our
 * own line reader (ini_parse_stream()), which counts lines and refuses all
 * of that before inih sees the line:
 *
 *   - a line longer than INI_READER_LINE_MAX bytes (without its newline);
 *   - a NUL byte in a line;
 *   - an indented line that is not a comment (inih would take it as a
 *     continuation line);
 *   - a section header that is not exactly "[Name]", or any section but the
 *     expected one, or that section given twice;
 *   - a key line without "=", with a key that is not [A-Za-z0-9]+, or
 *     before the section header;
 *   - "#" or ";" after whitespace in a value: comments are whole lines that
 *     start with "#" or ";" (possibly indented), as in systemd.
 *
 * Parsing stops at the first error, which is reported with its line.
 */

#include <ini.h>
#include <stdio.h>

#include "macro.h"

#ifndef WHITESPACE
#define WHITESPACE " \t\n\r"
#endif

/* The longest line we accept, newline not counted. inih's buffer holds
 * INI_MAX_LINE bytes including the terminating NUL. */
#define INI_READER_LINE_MAX (INI_MAX_LINE - 1)

typedef struct ConfigError {
        unsigned line; /* 1-based; 0 if not tied to any line (e.g. the file cannot be opened) */
        char message[256]; /* one sentence, no trailing period, for "<path>:<line>: <message>" */
} ConfigError;

typedef struct IniReader IniReader;

/* Called for every "key=value" of the expected section, with whitespace
 * around key and value stripped. Returns 0, or a negative errno after
 * calling ini_reader_error(). */
typedef int (*IniKeyHandler)(IniReader *reader, const char *key, const char *value, void *userdata);

/* Parses "f", which may contain nothing but comments, blank lines, and one
 * "[section]" holding "key=value" lines. On success returns 0 and the line
 * of the section header in "ret_section_line" (0 if there was none). On
 * failure returns -EINVAL (syntax, or what the handler refused), -EIO or
 * -ENOMEM, and fills "ret_error". */
int ini_reader_parse(FILE *f, const char *section, IniKeyHandler handler, void *userdata, unsigned *ret_section_line,
                     ConfigError *ret_error);

/* Records an error at the line being parsed (only the first one counts) and
 * returns "error", for "return ini_reader_error(r, -EINVAL, ...);". */
int ini_reader_error(IniReader *r, int error, const char *format, ...) _printf_(3, 4);

/* The line being parsed, 1-based. */
unsigned ini_reader_line(const IniReader *r);

/* Fills "e" (vsnprintf-style, truncating) and returns "error". */
int config_error_set(ConfigError *e, int error, unsigned line, const char *format, ...) _printf_(4, 5);
