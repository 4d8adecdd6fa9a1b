/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The one place that logs. Only code that makes a decision logs; helpers
 * return -errno and let their caller decide. Messages go to the journal
 * (with CODE_FILE, CODE_LINE and, when given, DMLOOP_DEVICE=) when
 * running under systemd, and to stderr otherwise.
 */

#include <syslog.h>

#include "macro.h"

/* Chooses the sink: LOG_TARGET_AUTO picks the journal when JOURNAL_STREAM
 * or INVOCATION_ID says we run under systemd. */
typedef enum LogTarget {
        LOG_TARGET_AUTO,
        LOG_TARGET_JOURNAL,
        LOG_TARGET_STDERR,
} LogTarget;

void log_setup(LogTarget target, int max_level);
int log_get_max_level(void);

/* Logs and returns "error" (a negative errno, or 0), so callers can write
 * "return log_error_errno(r, ...);". A negative error is appended as %m. */
int log_internal(int level, int error, const char *device, const char *file, int line, const char *func,
                 const char *format, ...) _printf_(7, 8);

#define log_full_errno(level, error, ...) \
        log_internal((level), (error), NULL, __FILE__, __LINE__, __func__, __VA_ARGS__)
#define log_device_full_errno(level, error, device, ...) \
        log_internal((level), (error), (device), __FILE__, __LINE__, __func__, __VA_ARGS__)

#define log_debug(...) log_full_errno(LOG_DEBUG, 0, __VA_ARGS__)
#define log_info(...) log_full_errno(LOG_INFO, 0, __VA_ARGS__)
#define log_notice(...) log_full_errno(LOG_NOTICE, 0, __VA_ARGS__)
#define log_warning(...) log_full_errno(LOG_WARNING, 0, __VA_ARGS__)
#define log_error(...) log_full_errno(LOG_ERR, 0, __VA_ARGS__)

#define log_debug_errno(e, ...) log_full_errno(LOG_DEBUG, (e), __VA_ARGS__)
#define log_info_errno(e, ...) log_full_errno(LOG_INFO, (e), __VA_ARGS__)
#define log_warning_errno(e, ...) log_full_errno(LOG_WARNING, (e), __VA_ARGS__)
#define log_error_errno(e, ...) log_full_errno(LOG_ERR, (e), __VA_ARGS__)

#define log_device_info(d, ...) log_device_full_errno(LOG_INFO, 0, (d), __VA_ARGS__)
#define log_device_warning(d, ...) log_device_full_errno(LOG_WARNING, 0, (d), __VA_ARGS__)
#define log_device_debug(d, ...) log_device_full_errno(LOG_DEBUG, 0, (d), __VA_ARGS__)
#define log_device_error_errno(d, e, ...) log_device_full_errno(LOG_ERR, (e), (d), __VA_ARGS__)
#define log_device_warning_errno(d, e, ...) log_device_full_errno(LOG_WARNING, (e), (d), __VA_ARGS__)

#define log_oom() log_error_errno(-ENOMEM, "Out of memory.")
