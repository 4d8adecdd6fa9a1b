/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdarg.h>
#include <stdio.h>
#include <sys/uio.h>

#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

#include "log.h"

static LogTarget log_target = LOG_TARGET_STDERR;
static int log_max_level = LOG_INFO;

void log_setup(LogTarget target, int max_level) {
        if (target == LOG_TARGET_AUTO)
                /* systemd sets these for services; a terminal user wants stderr. */
                target = getenv("JOURNAL_STREAM") || getenv("INVOCATION_ID") ? LOG_TARGET_JOURNAL : LOG_TARGET_STDERR;
        log_target = target;
        log_max_level = max_level;
}

int log_get_max_level(void) {
        return log_max_level;
}

static void log_write_journal(int level, int error, const char *device, const char *file, int line, const char *func,
                              const char *message) {
        char prio[32], errno_field[32], line_field[32];
        _cleanup_free_ char *msg = NULL, *file_field = NULL, *func_field = NULL, *dev_field = NULL;
        struct iovec iov[7];
        size_t n = 0;

        if (asprintf(&msg, "MESSAGE=%s", message) < 0 || asprintf(&file_field, "CODE_FILE=%s", file) < 0 ||
            asprintf(&func_field, "CODE_FUNC=%s", func) < 0)
                return;
        snprintf(prio, sizeof(prio), "PRIORITY=%i", level);
        snprintf(line_field, sizeof(line_field), "CODE_LINE=%i", line);

        iov[n++] = (struct iovec){ msg, strlen(msg) };
        iov[n++] = (struct iovec){ prio, strlen(prio) };
        iov[n++] = (struct iovec){ file_field, strlen(file_field) };
        iov[n++] = (struct iovec){ line_field, strlen(line_field) };
        iov[n++] = (struct iovec){ func_field, strlen(func_field) };
        if (error != 0) {
                snprintf(errno_field, sizeof(errno_field), "ERRNO=%i", -error);
                iov[n++] = (struct iovec){ errno_field, strlen(errno_field) };
        }
        if (device && asprintf(&dev_field, "DMLOOP_DEVICE=%s", device) >= 0)
                iov[n++] = (struct iovec){ dev_field, strlen(dev_field) };

        (void) sd_journal_sendv(iov, n);
}

int log_internal(int level, int error, const char *device, const char *file, int line, const char *func,
                 const char *format, ...) {
        char buf[2048];
        va_list ap;
        int saved_errno = errno;

        if (level > log_max_level)
                return error;

        /* Make %m in the format string refer to the error being reported. */
        if (error < 0)
                errno = -error;
        va_start(ap, format);
        vsnprintf(buf, sizeof(buf), format, ap);
        va_end(ap);

        if (log_target == LOG_TARGET_JOURNAL)
                log_write_journal(level, error, device, file, line, func, buf);
        else if (device)
                fprintf(stderr, "%s: %s\n", device, buf);
        else
                fprintf(stderr, "%s\n", buf);

        errno = saved_errno;
        return error;
}
