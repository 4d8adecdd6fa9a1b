/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * dmloopctl: the command-line client of dmloopd's bus API (org.dmloop1,
 * see org.dmloop1(5) and dmloopctl(1)). Every command is one or two bus
 * calls; the daemon does all the checking that matters, and its error
 * message is what the user sees.
 */

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/wait.h>

#include <systemd/sd-bus.h>

#include "bus-util.h"
#include "config.h"
#include "dmloopctl-output.h"
#include "macro.h"
#include "size-util.h"

/* Exit codes, documented in dmloopctl(1). */
enum {
        EXIT_USAGE = 2, /* bad command line, or InvalidArgs from the daemon */
        EXIT_NO_DEVICE = 3, /* NoSuchDevice */
        EXIT_EXISTS = 4, /* DeviceExists */
        EXIT_BUSY = 5, /* DeviceBusy */
        EXIT_DENIED = 6, /* AccessDenied, BackingNotAllowed, LimitExceeded */
};

/* Options that only some commands take. */
enum {
        OPT_TYPE = 1 << 0,
        OPT_SIZE = 1 << 1,
        OPT_BACKING = 1 << 2,
        OPT_PERSISTENT = 1 << 3,
        OPT_READ_ONLY = 1 << 4,
        OPT_NO_CREATE_BACKING = 1 << 5,
        OPT_ALLOW_SHRINK = 1 << 6,
        OPT_FORCE = 1 << 7,
        OPT_DELETE_BACKING = 1 << 8,
};

static JsonFormat arg_json = JSON_FORMAT_OFF;
static bool arg_legend = true;
static bool arg_ask_password = true;
static unsigned arg_options = 0;
static const char *arg_type = NULL;
static uint64_t arg_size = 0;
static BackingSegment *arg_backing = NULL;
static size_t arg_n_backing = 0;

static void arg_free(void) {
        backing_segments_free(arg_backing, arg_n_backing);
        arg_backing = NULL;
        arg_n_backing = 0;
}

/* Prints "dmloopctl: message" to stderr and returns "error". Not log.h:
 * a command-line tool reports to its caller's stderr even when that
 * caller runs under systemd. */
static int log_error_errno(int error, const char *format, ...) _printf_(2, 3);
static int log_error_errno(int error, const char *format, ...) {
        va_list ap;

        errno = error < 0 ? -error : error;
        fprintf(stderr, "%s: ", program_invocation_short_name);
        va_start(ap, format);
        vfprintf(stderr, format, ap);
        va_end(ap);
        fputc('\n', stderr);
        return error;
}

/* The daemon is missing: say what to do rather than D-Bus's words. Returns
 * 1 if the error was one of those and has been printed. */
static int log_daemon_missing(const sd_bus_error *error, int r) {
        if (sd_bus_error_has_name(error, SD_BUS_ERROR_SERVICE_UNKNOWN))
                /* No activation file: not installed, or installed where
                 * dbus-daemon does not look (another prefix). */
                return log_error_errno(-ENOENT,
                                       "dmloopd is not running, and the system bus does not know how to start it "
                                       "(no activation file for %s). Install dmloop, or if it is installed, start it "
                                       "with \"systemctl start dmloopd\".",
                                       DMLOOP_BUS_NAME);
        if (sd_bus_error_has_name(error, SD_BUS_ERROR_NAME_HAS_NO_OWNER))
                return log_error_errno(-ENOENT, "dmloopd is not running. Start it with \"systemctl start dmloopd\".");
        if (startswith(error->name, "org.freedesktop.systemd1.") ||
            startswith(error->name, "org.freedesktop.DBus.Error.Spawn."))
                /* Activation through systemd failed: masked, failed, ... */
                return log_error_errno(r,
                                       "dmloopd is not running, and starting it failed: %s See \"systemctl status "
                                       "dmloopd\" and \"journalctl -u dmloopd\".",
                                       error->message ?: error->name);
        return 0;
}

/* A failed bus call: the daemon's message is the one to show. */
static int log_bus_error(const sd_bus_error *error, int r, const char *what) {
        if (sd_bus_error_is_set(error) && error->name) {
                int q = log_daemon_missing(error, r);

                if (q != 0)
                        return q;
        }
        /* sd-bus names local failures (no connection, ...) "System.Error.E*":
         * those get context, the daemon's own messages stand alone. */
        if (sd_bus_error_is_set(error) && error->message && !startswith(error->name, "System.Error."))
                return log_error_errno(r, "%s", error->message);
        return log_error_errno(r, "Failed to call %s: %m", what);
}

static int exit_status_from_error(int r) {
        switch (-r) {
        case 0:
                return EXIT_SUCCESS;
        case EINVAL:
                return EXIT_USAGE;
        case ENODEV:
                return EXIT_NO_DEVICE;
        case EEXIST:
                return EXIT_EXISTS;
        case EBUSY:
                return EXIT_BUSY;
        case EACCES: /* AccessDenied, InteractiveAuthorizationRequired */
        case EPERM: /* BackingNotAllowed */
        case EUSERS: /* LimitExceeded */
                return EXIT_DENIED;
        default:
                return EXIT_FAILURE;
        }
}

/* ---- the polkit agent ---- */

/* Like systemctl: when a person at a terminal may be asked for a password,
 * run pkttyagent for the length of the call, so that polkit has someone to
 * ask. Without an agent polkit just says no. */
static pid_t polkit_agent_open(void) {
        static const char agent[] = "/usr/bin/pkttyagent";
        int pipe_fd[2];
        char fd_str[16];
        char c;
        pid_t pid;

        if (!arg_ask_password || geteuid() == 0 || !isatty(STDIN_FILENO) || access(agent, X_OK) < 0)
                return 0;
        if (pipe2(pipe_fd, O_CLOEXEC) < 0)
                return 0;

        pid = fork();
        if (pid < 0) {
                safe_close(pipe_fd[0]);
                safe_close(pipe_fd[1]);
                return 0;
        }
        if (pid == 0) {
                /* The notify fd must survive exec. */
                int fd = fcntl(pipe_fd[1], F_DUPFD, 3);

                if (fd < 0)
                        _exit(EXIT_FAILURE);
                snprintf(fd_str, sizeof(fd_str), "%i", fd);
                execl(agent, agent, "--notify-fd", fd_str, "--fallback", (char *) NULL);
                _exit(EXIT_FAILURE);
        }

        /* The agent writes to, or closes, the fd once it is registered. */
        safe_close(pipe_fd[1]);
        while (read(pipe_fd[0], &c, 1) < 0 && errno == EINTR)
                ;
        safe_close(pipe_fd[0]);
        return pid;
}

static void polkit_agent_close(pid_t pid) {
        if (pid <= 0)
                return;
        (void) kill(pid, SIGTERM);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                ;
}

/* ---- bus helpers ---- */

static int bus_connect(sd_bus **ret) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r;

        /* Honours $DBUS_SYSTEM_BUS_ADDRESS. */
        r = sd_bus_open_system(&bus);
        if (r < 0)
                return log_error_errno(r, "Failed to connect to the system bus: %m");

        (void) sd_bus_set_allow_interactive_authorization(bus, arg_ask_password);
        /* An authentication dialog takes longer than D-Bus's 25 s; dmloopd
         * waits up to 120 s for polkit, so wait a little longer. Root is
         * never asked, and keeps the default. */
        if (arg_ask_password && geteuid() != 0)
                (void) sd_bus_set_method_call_timeout(bus, 125ULL * 1000000ULL);

        *ret = TAKE_PTR(bus);
        return 0;
}

static int bus_new_manager_call(sd_bus *bus, const char *member, sd_bus_message **ret) {
        int r;

        r = sd_bus_message_new_method_call(bus, ret, DMLOOP_BUS_NAME, DMLOOP_MANAGER_PATH, DMLOOP_MANAGER_INTERFACE,
                                           member);
        if (r < 0)
                return log_error_errno(r, "Failed to create a bus message: %m");
        return 0;
}

/* A mutating call: the polkit agent runs while we wait. */
static int bus_call_mutating(sd_bus *bus, sd_bus_message *m, sd_bus_message **reply) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        pid_t agent;
        int r;

        agent = polkit_agent_open();
        r = sd_bus_call(bus, m, 0, &error, reply);
        polkit_agent_close(agent);
        if (r < 0)
                return log_bus_error(&error, r, sd_bus_message_get_member(m));
        return 0;
}

static int append_bool_option(sd_bus_message *m, const char *key, bool value) {
        return sd_bus_message_append(m, "{sv}", key, "b", value);
}

static int get_device_properties(sd_bus *bus, const char *name, DeviceInfo *ret) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL, *props = NULL;
        const char *path;
        int r;

        r = sd_bus_call_method(bus, DMLOOP_BUS_NAME, DMLOOP_MANAGER_PATH, DMLOOP_MANAGER_INTERFACE, "GetDevice",
                               &error, &reply, "s", name);
        if (r < 0)
                return log_bus_error(&error, r, "GetDevice");
        r = sd_bus_message_read(reply, "o", &path);
        if (r < 0)
                return log_error_errno(r, "Failed to parse the reply to GetDevice: %m");

        r = sd_bus_call_method(bus, DMLOOP_BUS_NAME, path, "org.freedesktop.DBus.Properties", "GetAll", &error, &props,
                               "s", DMLOOP_DEVICE_INTERFACE);
        /* The device went away between the two calls. */
        if (r < 0 && sd_bus_error_has_name(&error, SD_BUS_ERROR_UNKNOWN_OBJECT))
                return log_error_errno(-ENODEV, "Device \"%s\" does not exist.", name);
        if (r < 0)
                return log_bus_error(&error, r, "GetAll");
        r = device_info_read(props, ret);
        if (r < 0)
                return log_error_errno(r, "Failed to parse the properties of device %s: %m", name);
        return 0;
}

/* GetManagedObjects: a{oa{sa{sv}}}; every org.dmloop1.Device is one device. */
static int get_all_devices(sd_bus *bus, DeviceInfo **ret, size_t *ret_n) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        DeviceInfo *devices = NULL;
        size_t n = 0;
        int r;

        r = sd_bus_call_method(bus, DMLOOP_BUS_NAME, DMLOOP_MANAGER_PATH, "org.freedesktop.DBus.ObjectManager",
                               "GetManagedObjects", &error, &reply, NULL);
        if (r < 0)
                return log_bus_error(&error, r, "GetManagedObjects");

        r = sd_bus_message_enter_container(reply, 'a', "{oa{sa{sv}}}");
        if (r < 0)
                goto fail;
        while ((r = sd_bus_message_enter_container(reply, 'e', "oa{sa{sv}}")) > 0) {
                r = sd_bus_message_skip(reply, "o");
                if (r < 0)
                        goto fail;
                r = sd_bus_message_enter_container(reply, 'a', "{sa{sv}}");
                if (r < 0)
                        goto fail;
                while ((r = sd_bus_message_enter_container(reply, 'e', "sa{sv}")) > 0) {
                        const char *interface;

                        r = sd_bus_message_read(reply, "s", &interface);
                        if (r < 0)
                                goto fail;
                        if (streq(interface, DMLOOP_DEVICE_INTERFACE)) {
                                DeviceInfo *l = reallocarray(devices, n + 1, sizeof(DeviceInfo));

                                if (!l) {
                                        r = -ENOMEM;
                                        goto fail;
                                }
                                devices = l;
                                devices[n++] = (DeviceInfo){};
                                r = device_info_read(reply, &devices[n - 1]);
                        } else
                                r = sd_bus_message_skip(reply, "a{sv}");
                        if (r < 0)
                                goto fail;
                        r = sd_bus_message_exit_container(reply);
                        if (r < 0)
                                goto fail;
                }
                if (r < 0)
                        goto fail;
                r = sd_bus_message_exit_container(reply);
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
                if (r < 0)
                        goto fail;
        }
        if (r < 0)
                goto fail;

        device_info_sort(devices, n);
        *ret = devices;
        *ret_n = n;
        return 0;

fail:
        for (size_t i = 0; i < n; i++)
                device_info_done(&devices[i]);
        free(devices);
        return log_error_errno(r, "Failed to parse the reply to GetManagedObjects: %m");
}

/* ---- commands ---- */

static int verb_list(sd_bus *bus, char **args) {
        DeviceInfo *devices = NULL;
        size_t n = 0;
        int r;

        r = get_all_devices(bus, &devices, &n);
        if (r < 0)
                return r;

        if (arg_json != JSON_FORMAT_OFF)
                r = device_info_print_json_format(stdout, devices, n, false, arg_json);
        else
                r = device_info_print_table(stdout, devices, n, arg_legend);

        for (size_t i = 0; i < n; i++)
                device_info_done(&devices[i]);
        free(devices);
        if (r < 0)
                return log_error_errno(r, "Failed to print the device list: %m");
        return 0;
}

static int verb_status(sd_bus *bus, char **args) {
        DeviceInfo d = {};
        int r;

        r = get_device_properties(bus, args[0], &d);
        if (r >= 0) {
                if (arg_json != JSON_FORMAT_OFF)
                        r = device_info_print_json_format(stdout, &d, 1, true, arg_json);
                else {
                        r = device_info_print_status(stdout, &d);
                        if (r < 0)
                                log_error_errno(r, "Failed to print the device status: %m");
                }
        }
        device_info_done(&d);
        return r;
}

static int verb_create(sd_bus *bus, char **args) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        int r;

        r = bus_new_manager_call(bus, "CreateDevice", &m);
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "sst", args[0], arg_type, arg_size);
        if (r < 0)
                goto fail;
        r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r < 0)
                goto fail;
        if (arg_n_backing > 0) {
                r = sd_bus_message_open_container(m, 'e', "sv");
                if (r >= 0)
                        r = sd_bus_message_append(m, "s", "Backing");
                if (r >= 0)
                        r = sd_bus_message_open_container(m, 'v', "a(st)");
                if (r >= 0)
                        r = sd_bus_message_open_container(m, 'a', "(st)");
                for (size_t i = 0; r >= 0 && i < arg_n_backing; i++)
                        r = sd_bus_message_append(m, "(st)", arg_backing[i].path, arg_backing[i].size);
                if (r >= 0)
                        r = sd_bus_message_close_container(m);
                if (r >= 0)
                        r = sd_bus_message_close_container(m);
                if (r >= 0)
                        r = sd_bus_message_close_container(m);
                if (r < 0)
                        goto fail;
        }
        /* Only what the user asked for: the daemon's defaults apply to the rest. */
        if (arg_options & OPT_READ_ONLY) {
                r = append_bool_option(m, "ReadOnly", true);
                if (r < 0)
                        goto fail;
        }
        if (arg_options & OPT_PERSISTENT) {
                r = append_bool_option(m, "Persistent", true);
                if (r < 0)
                        goto fail;
        }
        if (arg_options & OPT_NO_CREATE_BACKING) {
                r = append_bool_option(m, "CreateBacking", false);
                if (r < 0)
                        goto fail;
        }
        r = sd_bus_message_close_container(m);
        if (r < 0)
                goto fail;

        /* Quiet on success, like mkdir: the device is /dev/dmloop/NAME. */
        return bus_call_mutating(bus, m, &reply);

fail:
        return log_error_errno(r, "Failed to build the CreateDevice call: %m");
}

static int verb_resize(sd_bus *bus, char **args) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = bus_new_manager_call(bus, "ResizeDevice", &m);
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "st", args[0], arg_size);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r >= 0 && (arg_options & OPT_ALLOW_SHRINK))
                r = append_bool_option(m, "AllowShrink", true);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r < 0)
                return log_error_errno(r, "Failed to build the ResizeDevice call: %m");

        return bus_call_mutating(bus, m, NULL);
}

static int verb_remove(sd_bus *bus, char **args) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = bus_new_manager_call(bus, "RemoveDevice", &m);
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "s", args[0]);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r >= 0 && (arg_options & OPT_FORCE))
                r = append_bool_option(m, "Force", true);
        if (r >= 0 && (arg_options & OPT_DELETE_BACKING))
                r = append_bool_option(m, "DeleteBacking", true);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r < 0)
                return log_error_errno(r, "Failed to build the RemoveDevice call: %m");

        return bus_call_mutating(bus, m, NULL);
}

static int verb_reload(sd_bus *bus, char **args) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = bus_new_manager_call(bus, "Reload", &m);
        if (r < 0)
                return r;
        return bus_call_mutating(bus, m, NULL);
}

typedef struct Verb {
        const char *name;
        unsigned n_args; /* exactly this many */
        const char *args_help; /* for "expects ..." messages */
        unsigned options; /* the OPT_* it accepts */
        int (*run)(sd_bus *bus, char **args);
} Verb;

static const Verb verbs[] = {
        { "list", 0, "no arguments", 0, verb_list },
        { "status", 1, "NAME", 0, verb_status },
        { "create", 1, "NAME",
          OPT_TYPE | OPT_SIZE | OPT_BACKING | OPT_PERSISTENT | OPT_READ_ONLY | OPT_NO_CREATE_BACKING, verb_create },
        { "resize", 2, "NAME SIZE", OPT_ALLOW_SHRINK, verb_resize },
        { "remove", 1, "NAME", OPT_FORCE | OPT_DELETE_BACKING, verb_remove },
        { "reload", 0, "no arguments", 0, verb_reload },
};

/* ---- the command line ---- */

static void help(void) {
        printf("%s [OPTIONS...] COMMAND ...\n"
               "\n"
               "Create, resize, remove and list dmloop block devices.\n"
               "\n"
               "Commands:\n"
               "  list                     List the devices (the default command)\n"
               "  status NAME              Show all properties of one device\n"
               "  create NAME --type TYPE [--size SIZE] [--backing PATH[:SIZE]]...\n"
               "                           Create a device\n"
               "  resize NAME SIZE         Grow (or, with --allow-shrink, shrink) a device\n"
               "  remove NAME              Remove a device\n"
               "  reload                   Re-read the config files, like systemctl reload\n"
               "\n"
               "Options:\n"
               "  -h --help                Show this help\n"
               "     --version             Show the version\n"
               "     --json=pretty|short|off\n"
               "                           list, status: print JSON\n"
               "     --no-legend           list: no header and footer\n"
               "     --no-ask-password     Do not ask for a password for authorization\n"
               "  -t --type=ram|file       create: the device type\n"
               "  -s --size=SIZE           create: the size (suffixes K M G T, 1024-based)\n"
               "  -b --backing=PATH[:SIZE] create: a backing file segment (repeatable)\n"
               "     --persistent          create: also write " DMLOOP_CONFIG_ETC_DIR "/NAME.conf\n"
               "     --read-only           create: a read-only device\n"
               "     --no-create-backing   create: fail if a backing file is missing\n"
               "     --allow-shrink        resize: allow making the device smaller\n"
               "  -f --force               remove: remove a busy device when it is closed\n"
               "     --delete-backing      remove: also delete the backing files\n"
               "\n"
               "Use \"--\" before a NAME that starts with \"-\". See dmloopctl(1).\n",
               program_invocation_short_name);
}

/* "a//b/./c/" -> "a/b/c". ".." is kept: dmloopd refuses it, and says so. */
static void path_simplify(char *p) {
        char *w = p;

        for (char *r = p; *r;) {
                if (*r == '/' && w > p && w[-1] == '/') {
                        r++;
                        continue;
                }
                if (*r == '.' && (r == p || r[-1] == '/') && (r[1] == '/' || r[1] == '\0') && w > p) {
                        r += r[1] == '/' ? 2 : 1;
                        continue;
                }
                *w++ = *r++;
        }
        while (w > p + 1 && w[-1] == '/')
                w--;
        *w = '\0';
}

/* Bus callers must give absolute paths; on the command line a relative
 * path means what it means to every other tool: relative to the current
 * directory (and not to /var/lib/dmloop as in dmloop.d(5)). */
static int backing_path_absolute(const char *path, char **ret) {
        _cleanup_free_ char *cwd = NULL;
        char *p;

        if (path[0] == '/')
                p = strdup(path);
        else {
                cwd = getcwd(NULL, 0);
                if (!cwd)
                        return -errno;
                if (asprintf(&p, "%s/%s", cwd, path) < 0)
                        p = NULL;
        }
        if (!p)
                return -ENOMEM;
        path_simplify(p);
        *ret = p;
        return 0;
}

/* PATH[:SIZE], split at the last colon. A PATH with a colon in it needs
 * the :SIZE part (":0" for "the rest of the device"). */
static int parse_backing(const char *arg) {
        _cleanup_free_ char *path = NULL, *absolute = NULL;
        const char *colon = strrchr(arg, ':');
        uint64_t size = 0;
        int r;

        path = colon ? strndup(arg, colon - arg) : strdup(arg);
        if (!path)
                return log_error_errno(-ENOMEM, "Out of memory.");
        if (colon) {
                r = parse_size(colon + 1, &size);
                if (r < 0)
                        return log_error_errno(-EINVAL, "Invalid size \"%s\" in --backing=%s.", colon + 1, arg);
        }
        if (!path[0])
                return log_error_errno(-EINVAL, "Empty path in --backing=%s.", arg);

        r = backing_path_absolute(path, &absolute);
        if (r < 0)
                return log_error_errno(r, "Failed to make backing path %s absolute: %m", path);

        r = backing_segments_append(&arg_backing, &arg_n_backing, absolute, size);
        if (r < 0)
                return log_error_errno(r, "Out of memory.");
        return 0;
}

/* Returns > 0 to go on, 0 to exit successfully (--help, --version), or a
 * negative errno (-EINVAL for usage errors) after printing why. */
static int parse_argv(int argc, char *argv[]) {
        enum {
                ARG_VERSION = 0x100,
                ARG_JSON,
                ARG_NO_LEGEND,
                ARG_NO_ASK_PASSWORD,
                ARG_PERSISTENT,
                ARG_READ_ONLY,
                ARG_NO_CREATE_BACKING,
                ARG_ALLOW_SHRINK,
                ARG_DELETE_BACKING,
        };
        static const struct option options[] = { { "help", no_argument, NULL, 'h' },
                                                 { "version", no_argument, NULL, ARG_VERSION },
                                                 { "json", required_argument, NULL, ARG_JSON },
                                                 { "no-legend", no_argument, NULL, ARG_NO_LEGEND },
                                                 { "no-ask-password", no_argument, NULL, ARG_NO_ASK_PASSWORD },
                                                 { "type", required_argument, NULL, 't' },
                                                 { "size", required_argument, NULL, 's' },
                                                 { "backing", required_argument, NULL, 'b' },
                                                 { "persistent", no_argument, NULL, ARG_PERSISTENT },
                                                 { "read-only", no_argument, NULL, ARG_READ_ONLY },
                                                 { "no-create-backing", no_argument, NULL, ARG_NO_CREATE_BACKING },
                                                 { "allow-shrink", no_argument, NULL, ARG_ALLOW_SHRINK },
                                                 { "force", no_argument, NULL, 'f' },
                                                 { "delete-backing", no_argument, NULL, ARG_DELETE_BACKING },
                                                 {} };
        int c, r;

        /* Our own messages only; and options may come after the command. */
        opterr = 0;
        while ((c = getopt_long(argc, argv, ":ht:s:b:f", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("dmloopctl %s\n", PACKAGE_VERSION);
                        return 0;
                case ARG_JSON:
                        r = json_format_from_string(optarg);
                        if (r < 0)
                                return log_error_errno(-EINVAL, "Invalid --json=%s, expected pretty, short or off.",
                                                       optarg);
                        arg_json = r;
                        break;
                case ARG_NO_LEGEND:
                        arg_legend = false;
                        break;
                case ARG_NO_ASK_PASSWORD:
                        arg_ask_password = false;
                        break;
                case 't':
                        if (!streq(optarg, "ram") && !streq(optarg, "file"))
                                return log_error_errno(-EINVAL, "Invalid --type=%s, expected \"ram\" or \"file\".",
                                                       optarg);
                        arg_type = optarg;
                        arg_options |= OPT_TYPE;
                        break;
                case 's':
                        r = parse_size(optarg, &arg_size);
                        if (r < 0)
                                return log_error_errno(-EINVAL, "Invalid --size=%s%s.", optarg,
                                                       r == -ERANGE ? ": too large"
                                                                    : ", expected bytes or a K, M, G or T suffix");
                        arg_options |= OPT_SIZE;
                        break;
                case 'b':
                        r = parse_backing(optarg);
                        if (r < 0)
                                return r;
                        arg_options |= OPT_BACKING;
                        break;
                case ARG_PERSISTENT:
                        arg_options |= OPT_PERSISTENT;
                        break;
                case ARG_READ_ONLY:
                        arg_options |= OPT_READ_ONLY;
                        break;
                case ARG_NO_CREATE_BACKING:
                        arg_options |= OPT_NO_CREATE_BACKING;
                        break;
                case ARG_ALLOW_SHRINK:
                        arg_options |= OPT_ALLOW_SHRINK;
                        break;
                case 'f':
                        arg_options |= OPT_FORCE;
                        break;
                case ARG_DELETE_BACKING:
                        arg_options |= OPT_DELETE_BACKING;
                        break;
                case ':':
                        return log_error_errno(-EINVAL, "Option %s needs an argument.", argv[optind - 1]);
                case '?':
                        if (optopt != 0)
                                return log_error_errno(-EINVAL, "Unknown option -%c, see --help.", optopt);
                        return log_error_errno(-EINVAL, "Unknown option %s, see --help.", argv[optind - 1]);
                default:
                        assert(!"Unhandled option");
                }
        return 1;
}

static const Verb *find_verb(int argc, char *argv[], char ***ret_args) {
        const char *name = optind < argc ? argv[optind] : "list";
        unsigned n_args = optind < argc ? (unsigned) (argc - optind - 1) : 0;

        for (size_t i = 0; i < ELEMENTSOF(verbs); i++) {
                if (!streq(verbs[i].name, name))
                        continue;
                if (n_args != verbs[i].n_args) {
                        log_error_errno(-EINVAL, "Command %s expects %s, got %u argument%s.", name, verbs[i].args_help,
                                        n_args, n_args == 1 ? "" : "s");
                        return NULL;
                }
                *ret_args = argv + optind + 1;
                return &verbs[i];
        }
        log_error_errno(-EINVAL, "Unknown command \"%s\", see --help.", name);
        return NULL;
}

/* Command-specific options given to the wrong command are mistakes, not
 * something to ignore: "remove x --delete-backing" vs "--delete-backing". */
static int check_options(const Verb *v, char **args) {
        static const struct {
                unsigned flag;
                const char *name;
        } names[] = {
                { OPT_TYPE, "--type" },
                { OPT_SIZE, "--size" },
                { OPT_BACKING, "--backing" },
                { OPT_PERSISTENT, "--persistent" },
                { OPT_READ_ONLY, "--read-only" },
                { OPT_NO_CREATE_BACKING, "--no-create-backing" },
                { OPT_ALLOW_SHRINK, "--allow-shrink" },
                { OPT_FORCE, "--force" },
                { OPT_DELETE_BACKING, "--delete-backing" },
        };

        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if ((arg_options & names[i].flag) && !(v->options & names[i].flag))
                        return log_error_errno(-EINVAL, "Option %s does not apply to command %s.", names[i].name,
                                               v->name);

        /* Before connecting: a typo should not depend on the bus being there. */
        if (streq(v->name, "resize")) {
                int r = parse_size(args[1], &arg_size);

                if (r < 0)
                        return log_error_errno(-EINVAL, "Invalid size \"%s\"%s.", args[1],
                                               r == -ERANGE ? ": too large"
                                                            : ", expected bytes or a K, M, G or T suffix");
        }

        if (streq(v->name, "create")) {
                if (!arg_type)
                        return log_error_errno(-EINVAL, "Command create needs --type=ram or --type=file.");
                /* Size 0 asks the daemon to add up the segment sizes. */
                if (!(arg_options & OPT_SIZE) && (arg_n_backing == 0 || arg_backing[arg_n_backing - 1].size == 0))
                        return log_error_errno(-EINVAL,
                                               "Command create needs --size, unless every --backing has a size.");
        }
        return 0;
}

static int run(int argc, char *argv[]) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        const Verb *verb;
        char **args;
        int r;

        verb = find_verb(argc, argv, &args);
        if (!verb)
                return -EINVAL;
        r = check_options(verb, args);
        if (r < 0)
                return r;

        /* dmloop's error names become errnos, and those exit codes. */
        bus_error_map_register();

        r = bus_connect(&bus);
        if (r < 0)
                return r;
        return verb->run(bus, args);
}

int main(int argc, char *argv[]) {
        int r;

        r = parse_argv(argc, argv);
        if (r > 0)
                r = run(argc, argv);

        arg_free();
        if (fflush(stdout) != 0 && r >= 0)
                r = log_error_errno(-EIO, "Failed to write to standard output: %m");
        return exit_status_from_error(r);
}
