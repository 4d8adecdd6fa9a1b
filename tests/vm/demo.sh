#!/bin/bash
# Demo hook: run inside the guest by "tests/vm/run --demo" (instead of the
# check suites); everything it prints ends up on the host's stdout.

show() {
	echo "\$ $*"
	"$@" 2>&1
	echo
}

show systemctl status dmloopd --no-pager --lines=12
# Which backend: "kernel" when dm-loop.ko and dm-ram.ko are loaded (tools/demo),
# "fallback" on a stock kernel (tools/demo --fallback).
show busctl get-property org.dmloop1 /org/dmloop1 org.dmloop1.Manager LoopTarget RamTarget
show sh -c 'lsmod | grep -E "^(dm_loop|dm_ram|loop|dm_mod) "'
show dmloopctl list
show dmsetup table
show lsblk
show ls -l /dev/dmloop

# A busctl round trip: create a RAM device over the bus, look at it, grow
# it, remove it.
show busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager CreateDevice ssta{sv} demo ram 67108864 0
show ls -l /dev/dmloop/demo
show busctl get-property org.dmloop1 /org/dmloop1/device/demo org.dmloop1.Device Size Target Symlink
show busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager ResizeDevice sta{sv} demo 134217728 0
show blockdev --getsize64 /dev/dmloop/demo
show busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager ListDevices
show busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager RemoveDevice sa{sv} demo 0
show ls -l /dev/dmloop
