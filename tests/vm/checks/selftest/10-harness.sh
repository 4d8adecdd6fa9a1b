# Self-test of the VM harness itself: needs no dmloop at all. If these fail,
# suspect the harness or the guest setup, not the daemon.

check "systemd is PID 1" test "$(cat /proc/1/comm)" = systemd
check "systemd-udevd is running" systemctl is-active --quiet systemd-udevd.service
check "dbus is running" systemctl is-active --quiet dbus.service
check "polkit answers on the bus" \
	busctl --timeout=20 call org.freedesktop.PolicyKit1 /org/freedesktop/PolicyKit1/Authority \
	org.freedesktop.DBus.Properties Get ss org.freedesktop.PolicyKit1.Authority BackendName
check_sh "not in a container (/.dockerenv gone)" '
	test ! -e /.dockerenv
	test "$(systemd-detect-virt --container || true)" = none
'
check_sh "VM_OUT is writable and VM_SRC readable" '
	echo hello >"$VM_OUT/selftest.txt"
	test -f "$VM_SRC/tests/vm/run"
'
check_sh "no failed units" '
	failed=$(systemctl list-units --failed --no-legend --plain)
	echo "$failed"
	test -z "$failed"
'
