# Self-test: the kernel pieces dmloopd relies on work in this guest.

check "modprobe dm-mod" modprobe dm-mod
check "modprobe loop" modprobe loop
check "dm udev rules are installed" test -f /lib/udev/rules.d/55-dm.rules -a -f /lib/udev/rules.d/95-dm-notify.rules

check_sh "dmsetup create a zero device (udev sync)" '
	dmsetup create vm-selftest-zero --table "0 2048 zero"
	test -b /dev/mapper/vm-selftest-zero
	test "$(blockdev --getsize64 /dev/mapper/vm-selftest-zero)" = 1048576
'
check_sh "udev knows the dm device" '
	udevadm info /dev/mapper/vm-selftest-zero | grep -q "DM_NAME=vm-selftest-zero"
'
check "dmsetup remove" dmsetup remove vm-selftest-zero

check_sh "loop device over a tmpfs file" '
	f=$(mktemp /run/selftest.XXXXXX)
	truncate -s 8M "$f"
	dev=$(losetup --find --show "$f")
	test "$(blockdev --getsize64 "$dev")" = 8388608
	losetup -d "$dev"
	rm -f "$f"
'

slow() { sleep 5; }
check "a check that sleeps finishes (function as command)" slow
check "wait_for polls until a condition holds" wait_for 5 test -d /

# --modules: the extra .ko files are indexed by depmod and load by name.
load_extra_modules() {
	local ko
	for ko in "/lib/modules/$(uname -r)/extra/"*.ko; do
		echo "modprobe $(basename "$ko" .ko)"
		modprobe "$(basename "$ko" .ko)" || return 1
	done
	lsmod
}
if compgen -G "/lib/modules/$(uname -r)/extra/*.ko" >/dev/null; then
	check "extra modules from --modules load with modprobe" load_extra_modules
else
	skip "extra modules from --modules load with modprobe" "no --modules given"
fi
