#!/usr/bin/python3
# Sends CreateDevice with a Backing array of COUNT entries (busctl and gdbus
# cannot pass that many arguments) and prints the error's name, its message
# and how long the daemon took. Exit 0 only for a refusal with InvalidArgs.
import sys
import time

import dbus

count = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
bus = dbus.SystemBus()
manager = dbus.Interface(bus.get_object("org.dmloop1", "/org/dmloop1"), "org.dmloop1.Manager")
backing = dbus.Array(
    [dbus.Struct(("/var/lib/dmloop/huge-%d.img" % i, dbus.UInt64(512)), signature="st") for i in range(count)],
    signature="(st)",
)
start = time.monotonic()
try:
    manager.CreateDevice("huge", "file", dbus.UInt64(0), {"Backing": backing}, signature="ssta{sv}", timeout=30)
except dbus.exceptions.DBusException as e:
    print("%s: %s (after %.1f s)" % (e.get_dbus_name(), e.get_dbus_message()[:300], time.monotonic() - start))
    sys.exit(0 if e.get_dbus_name() == "org.freedesktop.DBus.Error.InvalidArgs" else 1)
print("CreateDevice with %d Backing entries was accepted" % count)
sys.exit(1)
