# dmloopd under AddressSanitizer and UndefinedBehaviorSanitizer: the unit
# test build's dmloopd (tests/run-all puts it in the guest as
# /usr/local/sbin/dmloopd-asan) takes over the running devices, serves a
# round of bus calls, good and bad, and stops. Any sanitizer report fails.
source "$VM_SRC/tests/vm/checks/bus/lib.bash"

ASAN_BIN=/usr/local/sbin/dmloopd-asan
DROPIN=/run/systemd/system/dmloopd.service.d/90-asan.conf

if [ ! -x "$ASAN_BIN" ]; then
	skip "dmloopd under ASan and UBSan" "no $ASAN_BIN in this guest"
	return 0
fi

check_sh "dmloopd-asan takes over the devices" "
	mkdir -p ${DROPIN%/*}
	printf '[Service]\nExecStart=\nExecStart=$ASAN_BIN\nEnvironment=ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1\nTimeoutStartSec=300\n# LeakSanitizer stops the threads with ptrace, which the unit filters out.\nSystemCallFilter=@debug\n' >$DROPIN
	systemctl daemon-reload
	systemctl restart dmloopd
	systemctl is-active -q dmloopd
	test \"\$(readlink -f /proc/\$(systemctl show -p MainPID --value dmloopd)/exe)\" = $ASAN_BIN
	busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager GetDevice s single
"
check_sh "dmloopd-asan serves create, resize, remove and bad input" '
	busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager CreateDevice ssta{sv} asanram ram 4194304 0
	busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager CreateDevice ssta{sv} asanfile file 0 \
		1 Backing "a(st)" 2 /var/lib/dmloop/asan-a.img 1048576 /var/lib/dmloop/asan-b.img 1048576
	busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager ResizeDevice sta{sv} asanram 8388608 0
	busctl call org.dmloop1 /org/dmloop1/device/asanfile org.dmloop1.Device Resize ta{sv} 4194304 0
	busctl call --json=short org.dmloop1 /org/dmloop1 org.freedesktop.DBus.ObjectManager GetManagedObjects >/dev/null
	! busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager CreateDevice ssta{sv} asanram ram 4194304 0
	! busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager CreateDevice ssta{sv} ../bad ram 4194304 0
	! busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager CreateDevice ssta{sv} bad ram 511 0
	! busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager CreateDevice ssta{sv} bad file 1048576 1 Backing "a(st)" 1 /etc/shadow 0
	! busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager RemoveDevice sa{sv} nosuch 0
	! busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager RemoveDevice sa{sv} asanram 1 Frob b true
	busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager Reload
	busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager RemoveDevice sa{sv} asanram 0
	busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager RemoveDevice sa{sv} asanfile 1 DeleteBacking b true
'
check_sh "dmloopd-asan stops cleanly with no sanitizer report" "
	systemctl stop dmloopd
	! journalctl -u dmloopd --no-pager | grep -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: (Address|Undefined|Leak)'
	systemctl show -p Result -p ExecMainStatus dmloopd
	journalctl -u dmloopd --no-pager -n 15
	test \"\$(systemctl show -p Result --value dmloopd)\" = success
"
check_sh "back to the plain dmloopd" "
	rm -f $DROPIN
	systemctl daemon-reload
	systemctl start dmloopd
	systemctl is-active -q dmloopd
"
