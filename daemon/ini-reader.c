/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <stdarg.h>

#include "ini-reader.h"

struct IniReader {
        FILE *f;
        const char *section;
        IniKeyHandler handler;
        void *userdata;

        unsigned line; /* the physical line last handed to inih */
        unsigned section_line; /* line of the "[section]" header, 0 until seen */

        int error; /* first error, 0 if none */
        ConfigError err;
};

static int config_error_setv(ConfigError *e, int error, unsigned line, const char *format, va_list ap) _printf_(4, 0);

static int config_error_setv(ConfigError *e, int error, unsigned line, const char *format, va_list ap) {
        e->line = line;
        (void) vsnprintf(e->message, sizeof(e->message), format, ap);
        return error;
}

int config_error_set(ConfigError *e, int error, unsigned line, const char *format, ...) {
        va_list ap;

        assert(e);

        va_start(ap, format);
        config_error_setv(e, error, line, format, ap);
        va_end(ap);
        return error;
}

int ini_reader_error(IniReader *r, int error, const char *format, ...) {
        va_list ap;

        assert(r);
        assert(error < 0);

        if (r->error < 0)
                return error;

        r->error = error;
        va_start(ap, format);
        config_error_setv(&r->err, error, r->line, format, ap);
        va_end(ap);
        return error;
}

unsigned ini_reader_line(const IniReader *r) {
        assert(r);
        return r->line;
}

static bool key_is_valid(const char *k, size_t n) {
        if (n == 0)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= 'A' && k[i] <= 'Z') || (k[i] >= '0' && k[i] <= '9')))
                        return false;
        return true;
}

/* Refuses everything inih would accept in a way we do not want; see the
 * header. What passes is read by inih exactly as written. */
static int check_line(IniReader *r, const char *line) {
        const char *p, *eq, *key_end;

        p = line + strspn(line, WHITESPACE);
        if (*p == '\0' || *p == '#' || *p == ';')
                return 0;

        if (p != line)
                return ini_reader_error(r, -EINVAL,
                                        "Unexpected leading whitespace (continuation lines are not supported)");

        if (*p == '[') {
                const char *end = strchr(p, ']');
                size_t n;

                if (!end)
                        return ini_reader_error(r, -EINVAL, "Missing \"]\" in section header");
                if (end[strspn(end + 1, WHITESPACE) + 1] != '\0')
                        return ini_reader_error(r, -EINVAL, "Unexpected text after section header");

                n = end - p - 1;
                if (strlen(r->section) != n || strncmp(p + 1, r->section, n) != 0)
                        return ini_reader_error(r, -EINVAL, "Unknown section [%.*s], expected [%s]",
                                                (int) (n > 64 ? 64 : n), p + 1, r->section);
                if (r->section_line > 0)
                        return ini_reader_error(r, -EINVAL, "Section [%s] given twice, first on line %u", r->section,
                                                r->section_line);

                r->section_line = r->line;
                return 0;
        }

        eq = strchr(p, '=');
        if (!eq)
                return ini_reader_error(r, -EINVAL, "Expected \"Key=value\" or a section header");

        key_end = eq;
        while (key_end > p && strchr(WHITESPACE, key_end[-1]))
                key_end--;
        if (!key_is_valid(p, key_end - p))
                return ini_reader_error(r, -EINVAL, "Invalid key name \"%.*s\"",
                                        (int) (key_end - p > 64 ? 64 : key_end - p), p);

        if (r->section_line == 0)
                return ini_reader_error(r, -EINVAL, "Key \"%.*s\" outside of a section, expected [%s] first",
                                        (int) (key_end - p), p, r->section);

        /* inih would silently drop " ;..." here; " #..." would end up in
         * the value. Neither is a comment in our format. */
        for (const char *v = eq + 1; *v; v++)
                if ((*v == '#' || *v == ';') && strchr(" \t", v[-1]))
                        return ini_reader_error(
                                r, -EINVAL,
                                "Unexpected text after the value of %.*s=; comments must be on a line of their own",
                                (int) (key_end - p), p);

        return 0;
}

/* An fgets() look-alike that inih calls for every line. */
static char *reader_next_line(char *str, int num, void *stream) {
        IniReader *r = stream;
        size_t n = 0, max;
        bool any = false, nul = false;
        int c = EOF, last = EOF;

        assert(num > 1);
        max = (size_t) num - 1;

        if (r->error < 0)
                return NULL;

        /* Read the whole physical line, whatever its length, so that the
         * next line starts where it should; keep what fits. */
        for (;;) {
                c = getc(r->f);
                if (c == EOF || c == '\n')
                        break;
                any = true;
                if (c == '\0')
                        nul = true;
                if (n < max)
                        str[n] = (char) c;
                n++;
                last = c;
        }

        if (c == EOF && ferror(r->f)) {
                r->line++;
                (void) ini_reader_error(r, -EIO, "Read error");
                return NULL;
        }
        if (c == EOF && !any)
                return NULL;

        r->line++;

        /* Do not count the CR of a CRLF line ending; inih strips it as
         * whitespace anyway. */
        if (last == '\r')
                n--;

        if (n > max) {
                (void) ini_reader_error(r, -EINVAL, "Line too long (max %zu bytes)", max);
                return NULL;
        }
        if (nul) {
                (void) ini_reader_error(r, -EINVAL, "Line contains a NUL byte");
                return NULL;
        }
        str[n] = '\0';

        /* Handle a UTF-8 byte order mark here rather than in inih, so that
         * check_line() sees what inih sees. */
        if (r->line == 1 && startswith(str, "\xEF\xBB\xBF"))
                memmove(str, str + 3, n - 3 + 1);

        if (check_line(r, str) < 0)
                return NULL;

        return str;
}

static int handle_key(void *userdata, const char *section, const char *name, const char *value) {
        IniReader *r = userdata;
        int k;

        /* check_line() let only the expected section through. */
        assert(streq(section, r->section));

        if (r->error < 0)
                return 0;

        k = r->handler(r, name, value, r->userdata);
        if (k < 0) {
                /* Make sure an error is recorded even if the handler forgot. */
                if (r->error == 0)
                        (void) ini_reader_error(r, k, "Invalid value for %s=", name);
                return 0;
        }
        return 1;
}

int ini_reader_parse(FILE *f, const char *section, IniKeyHandler handler, void *userdata, unsigned *ret_section_line,
                     ConfigError *ret_error) {
        IniReader r = {
                .f = f,
                .section = section,
                .handler = handler,
                .userdata = userdata,
        };
        int k;

        assert(f);
        assert(section);
        assert(handler);
        assert(ret_error);

        k = ini_parse_stream(reader_next_line, &r, handle_key, &r);
        if (r.error < 0) {
                *ret_error = r.err;
                return r.error;
        }
        if (k == -2)
                return config_error_set(ret_error, -ENOMEM, 0, "Out of memory");
        if (k < 0)
                return config_error_set(ret_error, -EIO, 0, "Read error");
        if (k > 0)
                /* Should not happen: check_line() refuses what inih would. */
                return config_error_set(ret_error, -EINVAL, (unsigned) k, "Syntax error");

        if (ret_section_line)
                *ret_section_line = r.section_line;
        return 0;
}
