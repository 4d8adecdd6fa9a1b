#!/usr/bin/python3
# list-within.py SECONDS [TRIES]: connects to the system bus first, then calls
# ListDevices with a method-call timeout of SECONDS, up to TRIES times (3).
# Exit 0 as soon as one call is answered in time. The connection is made
# before the clock starts, so a slow process start in TCG does not count.
import sys
import time

import dbus

limit = float(sys.argv[1])
tries = int(sys.argv[2]) if len(sys.argv) > 2 else 3
bus = dbus.SystemBus()
proxy = bus.get_object("org.dmloop1", "/org/dmloop1", introspect=False)
for i in range(tries):
    start = time.monotonic()
    try:
        devices = proxy.ListDevices(dbus_interface="org.dmloop1.Manager", timeout=limit)
    except dbus.exceptions.DBusException as e:
        print("try %d: %s after %.2f s" % (i + 1, e.get_dbus_name(), time.monotonic() - start))
        continue
    print("ListDevices answered in %.3f s: %d device(s)" % (time.monotonic() - start, len(devices)))
    sys.exit(0)
sys.exit(1)
