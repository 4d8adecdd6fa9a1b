#!/bin/bash
# Demo hook: run inside the guest by "tests/vm/run --demo" (instead of the
# check suites); everything it prints ends up on the host's stdout.
# >>> Extend below: e.g. busctl calls against org.dmloop1. <<<

show() {
	echo "\$ $*"
	"$@" 2>&1
	echo
}

show lsblk
show ls -l /dev/dmloop
show systemctl status dmloopd --no-pager
# show busctl tree org.dmloop1
