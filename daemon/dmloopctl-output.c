/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>

#include "bus-util.h"
#include "dmloopctl-output.h"
#include "macro.h"
#include "size-util.h"

void device_info_done(DeviceInfo *d) {
        free(d->name);
        free(d->type);
        free(d->target);
        free(d->device_node);
        free(d->symlink);
        free(d->origin);
        backing_segments_free(d->backing, d->n_backing);
        *d = (DeviceInfo){};
}

static const struct {
        const char *name;
        char type;
        size_t offset;
} device_properties[] = {
        { "Name", 's', offsetof(DeviceInfo, name) },
        { "Type", 's', offsetof(DeviceInfo, type) },
        { "Size", 't', offsetof(DeviceInfo, size) },
        { "Target", 's', offsetof(DeviceInfo, target) },
        { "DeviceNode", 's', offsetof(DeviceInfo, device_node) },
        { "Symlink", 's', offsetof(DeviceInfo, symlink) },
        { "Major", 'u', offsetof(DeviceInfo, major) },
        { "Minor", 'u', offsetof(DeviceInfo, minor) },
        { "ReadOnly", 'b', offsetof(DeviceInfo, read_only) },
        { "Persistent", 'b', offsetof(DeviceInfo, persistent) },
        { "Origin", 's', offsetof(DeviceInfo, origin) },
};

static int read_property(sd_bus_message *m, DeviceInfo *d, const char *key) {
        const char *contents;
        char type;
        int r;

        r = sd_bus_message_peek_type(m, &type, &contents);
        if (r < 0)
                return r;

        if (streq(key, "Backing") && streq(contents, "a(st)")) {
                r = sd_bus_message_enter_container(m, 'v', contents);
                if (r < 0)
                        return r;
                r = bus_message_read_backing(m, &d->backing, &d->n_backing);
                if (r < 0)
                        return r;
                return sd_bus_message_exit_container(m);
        }

        for (size_t i = 0; i < ELEMENTSOF(device_properties); i++) {
                void *p = (uint8_t *) d + device_properties[i].offset;
                const char *s;

                if (!streq(key, device_properties[i].name) || contents[0] != device_properties[i].type ||
                    contents[1] != '\0')
                        continue;

                r = sd_bus_message_enter_container(m, 'v', contents);
                if (r < 0)
                        return r;
                if (device_properties[i].type == 's') {
                        char *copy;

                        r = sd_bus_message_read_basic(m, 's', &s);
                        if (r < 0)
                                return r;
                        copy = strdup(s);
                        if (!copy)
                                return -ENOMEM;
                        free(*(char **) p);
                        *(char **) p = copy;
                } else {
                        r = sd_bus_message_read_basic(m, device_properties[i].type, p);
                        if (r < 0)
                                return r;
                }
                return sd_bus_message_exit_container(m);
        }

        /* Unknown, or not the type we know it by: leave it to newer clients. */
        return sd_bus_message_skip(m, "v");
}

int device_info_read(sd_bus_message *m, DeviceInfo *d) {
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                const char *key;

                r = sd_bus_message_read_basic(m, 's', &key);
                if (r < 0)
                        return r;
                r = read_property(m, d, key);
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

static int device_info_compare(const void *a, const void *b) {
        const DeviceInfo *x = a, *y = b;

        return strcmp(strempty(x->name), strempty(y->name));
}

void device_info_sort(DeviceInfo *devices, size_t n) {
        if (n > 1)
                qsort(devices, n, sizeof(DeviceInfo), device_info_compare);
}

/* ---- JSON ---- */

void json_print_string(FILE *f, const char *s) {
        fputc('"', f);
        /* D-Bus strings are valid UTF-8 already, so only the characters
         * JSON reserves need escaping; everything else is copied. */
        for (const unsigned char *p = (const unsigned char *) strempty(s); *p; p++)
                switch (*p) {
                case '"':
                        fputs("\\\"", f);
                        break;
                case '\\':
                        fputs("\\\\", f);
                        break;
                case '\n':
                        fputs("\\n", f);
                        break;
                case '\t':
                        fputs("\\t", f);
                        break;
                case '\r':
                        fputs("\\r", f);
                        break;
                default:
                        if (*p < 0x20 || *p == 0x7f)
                                fprintf(f, "\\u%04x", *p);
                        else
                                fputc(*p, f);
                }
        fputc('"', f);
}

static void json_print_key(FILE *f, const char *key, bool first) {
        if (!first)
                fputs(", ", f);
        json_print_string(f, key);
        fputs(": ", f);
}

void device_info_print_json(FILE *f, const DeviceInfo *d) {
        fputc('{', f);
        json_print_key(f, "name", true);
        json_print_string(f, d->name);
        json_print_key(f, "type", false);
        json_print_string(f, d->type);
        json_print_key(f, "size", false);
        fprintf(f, "%" PRIu64, d->size);
        json_print_key(f, "target", false);
        json_print_string(f, d->target);
        json_print_key(f, "device_node", false);
        json_print_string(f, d->device_node);
        json_print_key(f, "symlink", false);
        json_print_string(f, d->symlink);
        json_print_key(f, "major", false);
        fprintf(f, "%" PRIu32, d->major);
        json_print_key(f, "minor", false);
        fprintf(f, "%" PRIu32, d->minor);
        json_print_key(f, "read_only", false);
        fputs(d->read_only ? "true" : "false", f);
        json_print_key(f, "persistent", false);
        fputs(d->persistent ? "true" : "false", f);
        json_print_key(f, "origin", false);
        json_print_string(f, d->origin);
        json_print_key(f, "backing", false);
        fputc('[', f);
        for (size_t i = 0; i < d->n_backing; i++) {
                if (i > 0)
                        fputs(", ", f);
                fputc('{', f);
                json_print_key(f, "path", true);
                json_print_string(f, d->backing[i].path);
                json_print_key(f, "size", false);
                fprintf(f, "%" PRIu64 "}", d->backing[i].size);
        }
        fputs("]}", f);
}

int json_format_from_string(const char *s) {
        if (streq(s, "pretty"))
                return JSON_FORMAT_PRETTY;
        if (streq(s, "short"))
                return JSON_FORMAT_SHORT;
        if (streq(s, "off"))
                return JSON_FORMAT_OFF;
        return -EINVAL;
}

static void json_indent(FILE *f, unsigned level) {
        fputc('\n', f);
        for (unsigned i = 0; i < level; i++)
                fputs("        ", f);
}

/* Re-spaces valid JSON text: all whitespace outside strings goes, and
 * "pretty" puts every member and element on a line of its own. Empty
 * objects and arrays stay "{}" and "[]". */
static void json_reformat(FILE *f, const char *json, JsonFormat format) {
        bool pretty = format == JSON_FORMAT_PRETTY, in_string = false;
        unsigned level = 0;

        for (const char *p = json; *p; p++) {
                if (in_string) {
                        fputc(*p, f);
                        if (*p == '\\' && p[1])
                                fputc(*++p, f);
                        else if (*p == '"')
                                in_string = false;
                        continue;
                }
                switch (*p) {
                case ' ':
                case '\n':
                case '\t':
                        break;
                case '"':
                        in_string = true;
                        fputc(*p, f);
                        break;
                case '{':
                case '[':
                        fputc(*p, f);
                        p += strspn(p + 1, " \n\t");
                        if (p[1] == '}' || p[1] == ']')
                                fputc(*++p, f);
                        else if (pretty)
                                json_indent(f, ++level);
                        break;
                case '}':
                case ']':
                        if (pretty)
                                json_indent(f, --level);
                        fputc(*p, f);
                        break;
                case ',':
                        fputc(',', f);
                        if (pretty)
                                json_indent(f, level);
                        break;
                case ':':
                        fputs(pretty ? ": " : ":", f);
                        break;
                default:
                        fputc(*p, f);
                }
        }
        fputc('\n', f);
}

int device_info_print_json_format(FILE *f, const DeviceInfo *devices, size_t n, bool single, JsonFormat format) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        FILE *mem;

        assert(f);
        assert(!single || n == 1);

        mem = open_memstream(&buf, &size);
        if (!mem)
                return -ENOMEM;
        if (!single)
                fputc('[', mem);
        for (size_t i = 0; i < n; i++) {
                if (i > 0)
                        fputc(',', mem);
                device_info_print_json(mem, &devices[i]);
        }
        if (!single)
                fputc(']', mem);
        if (fclose(mem) != 0)
                return -ENOMEM;

        json_reformat(f, buf, format);
        return 0;
}

/* ---- human output ---- */

/* Control characters would break the table or the terminal: show them
 * C-style. NULL (the property was missing) becomes "-". */
static char *human_escape(const char *s) {
        char *buf, *q;

        if (!s || !s[0])
                return strdup("-");
        buf = malloc(strlen(s) * 4 + 1);
        if (!buf)
                return NULL;
        q = buf;
        for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
                if (*p == '\n')
                        q = stpcpy(q, "\\n");
                else if (*p == '\t')
                        q = stpcpy(q, "\\t");
                else if (*p < 0x20 || *p == 0x7f)
                        q += sprintf(q, "\\x%02x", *p);
                else
                        *q++ = (char) *p;
        }
        *q = '\0';
        return buf;
}

/* Columns on a terminal, counting each UTF-8 sequence as one. */
static size_t text_width(const char *s) {
        size_t n = 0;

        for (const unsigned char *p = (const unsigned char *) s; *p; p++)
                if ((*p & 0xc0) != 0x80)
                        n++;
        return n;
}

enum {
        COLUMN_NAME,
        COLUMN_TYPE,
        COLUMN_SIZE,
        COLUMN_TARGET,
        COLUMN_DEVICE,
        COLUMN_SYMLINK,
        COLUMN_ORIGIN,
        _COLUMN_MAX,
};

static const char *const column_headers[_COLUMN_MAX] = {
        "NAME", "TYPE", "SIZE", "TARGET", "DEVICE", "SYMLINK", "ORIGIN",
};

static void print_row(FILE *f, char *const *cells, const size_t *widths) {
        for (size_t c = 0; c < _COLUMN_MAX; c++) {
                size_t pad = widths[c] - text_width(cells[c]);

                /* Sizes line up on their last digit. */
                if (c == COLUMN_SIZE)
                        fprintf(f, "%*s%s", (int) pad, "", cells[c]);
                else if (c == _COLUMN_MAX - 1)
                        fputs(cells[c], f);
                else
                        fprintf(f, "%s%*s", cells[c], (int) pad, "");
                fputs(c == _COLUMN_MAX - 1 ? "\n" : " ", f);
        }
}

int device_info_print_table(FILE *f, const DeviceInfo *devices, size_t n, bool legend) {
        size_t widths[_COLUMN_MAX] = {};
        char *(*cells)[_COLUMN_MAX];
        int r = 0;

        cells = calloc(n ?: 1, sizeof(*cells));
        if (!cells)
                return -ENOMEM;

        for (size_t i = 0; i < n; i++) {
                char buf[FORMAT_SIZE_MAX];

                cells[i][COLUMN_NAME] = human_escape(devices[i].name);
                cells[i][COLUMN_TYPE] = human_escape(devices[i].type);
                cells[i][COLUMN_SIZE] = strdup(format_size(devices[i].size, buf));
                cells[i][COLUMN_TARGET] = human_escape(devices[i].target);
                cells[i][COLUMN_DEVICE] = human_escape(devices[i].device_node);
                cells[i][COLUMN_SYMLINK] = human_escape(devices[i].symlink);
                cells[i][COLUMN_ORIGIN] = human_escape(devices[i].origin);
                for (size_t c = 0; c < _COLUMN_MAX; c++)
                        if (!cells[i][c])
                                r = -ENOMEM;
        }
        if (r < 0)
                goto finish;

        for (size_t c = 0; c < _COLUMN_MAX; c++) {
                if (legend)
                        widths[c] = strlen(column_headers[c]);
                for (size_t i = 0; i < n; i++)
                        widths[c] = MAX(widths[c], text_width(cells[i][c]));
        }

        if (legend)
                print_row(f, (char *const *) column_headers, widths);
        for (size_t i = 0; i < n; i++)
                print_row(f, cells[i], widths);
        if (legend)
                fprintf(f, "\n%zu device%s listed.\n", n, n == 1 ? "" : "s");

finish:
        for (size_t i = 0; i < n; i++)
                for (size_t c = 0; c < _COLUMN_MAX; c++)
                        free(cells[i][c]);
        free(cells);
        return r;
}

static int print_field(FILE *f, const char *label, const char *value) {
        _cleanup_free_ char *e = human_escape(value);

        if (!e)
                return -ENOMEM;
        fprintf(f, "%11s: %s\n", label, e);
        return 0;
}

int device_info_print_status(FILE *f, const DeviceInfo *d) {
        _cleanup_free_ char *node = NULL;
        char size[FORMAT_SIZE_MAX];
        int r;

        r = print_field(f, "Name", d->name);
        if (r >= 0)
                r = print_field(f, "Type", d->type);
        if (r < 0)
                return r;
        fprintf(f, "%11s: %s (%" PRIu64 " bytes)\n", "Size", format_size(d->size, size), d->size);
        r = print_field(f, "Target", d->target);
        if (r < 0)
                return r;
        node = human_escape(d->device_node);
        if (!node)
                return -ENOMEM;
        fprintf(f, "%11s: %s (%" PRIu32 ":%" PRIu32 ")\n", "Device", node, d->major, d->minor);
        r = print_field(f, "Symlink", d->symlink);
        if (r >= 0)
                r = print_field(f, "Read-only", d->read_only ? "yes" : "no");
        if (r >= 0)
                r = print_field(f, "Persistent", d->persistent ? "yes" : "no");
        if (r >= 0)
                r = print_field(f, "Origin", d->origin);
        if (r < 0)
                return r;

        for (size_t i = 0; i < d->n_backing; i++) {
                _cleanup_free_ char *e = human_escape(d->backing[i].path);

                if (!e)
                        return -ENOMEM;
                /* Further segments line up under the first one. */
                fprintf(f, "%11s%c %s (%s)\n", i == 0 ? "Backing" : "", i == 0 ? ':' : ' ', e,
                        format_size(d->backing[i].size, size));
        }
        return 0;
}
