# Issue 9, "the sanitizer build runs the fault checks with no report": the
# unit tests' dmloopd built with ASan and UBSan (tests/run-all puts it in the
# guest as /usr/local/sbin/dmloopd-asan) goes through kill -9 rounds, a udev
# stall and interrupted creates. Any sanitizer report fails.
source "$CHECK_DIR/lib.bash"

ASAN_BIN=/usr/local/sbin/dmloopd-asan
ASAN_DROPIN=/run/systemd/system/dmloopd.service.d/90-faults-asan.conf

if [ ! -x "$ASAN_BIN" ]; then
	skip "sanitizer build: fault checks" "no $ASAN_BIN in this guest"
	return 0
fi

asan_cursor=$(journal_cursor)

asan_swap_in() {
	# A build for another prefix (meson's default /usr/local) reads other
	# config files and refuses /var/lib/dmloop: the checks would prove little.
	grep -aq "/var/lib/dmloop" "$ASAN_BIN" && grep -aq "/etc/dmloopd.conf" "$ASAN_BIN" &&
		! grep -aq "/usr/local/etc/dmloopd.conf" "$ASAN_BIN" ||
		{ echo "$ASAN_BIN is not built for prefix /usr (meson setup -Dprefix=/usr)"; return 1; }
	mkdir -p "${ASAN_DROPIN%/*}"
	printf '[Service]\nExecStart=\nExecStart=%s\nEnvironment=ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1\nTimeoutStartSec=300\n# LeakSanitizer stops the threads with ptrace, which the unit filters out.\nSystemCallFilter=@debug\n' \
		"$ASAN_BIN" >"$ASAN_DROPIN"
	systemctl daemon-reload
	systemctl restart dmloopd || return 1
	[ "$(readlink -f "/proc/$(dmloopd_pid)/exe")" = "$ASAN_BIN" ] || { echo "not running $ASAN_BIN"; return 1; }
	bus_answers 60
}

asan_clean() {
	local report
	systemctl stop dmloopd
	report=$(journal_since "$asan_cursor" | sanitizer_report)
	[ -z "$report" ] || { echo "sanitizer reports:"; journal_since "$asan_cursor" | grep -A30 -E 'ERROR:|runtime error' | head -80; return 1; }
	[ "$(systemctl show -p Result --value dmloopd)" = success ] || { echo "dmloopd-asan did not stop cleanly"; return 1; }
}

CHECK_TIMEOUT=300 check "sanitizer build: dmloopd-asan takes over" asan_swap_in
for round in 1 2 3; do
	CHECK_TIMEOUT=300 check "sanitizer build: kill -9 round $round, every device whole or absent" kill_round "$round" 10
done
kill_rounds_cleanup 10
CHECK_TIMEOUT=300 check "sanitizer build: udev stalled, reload and Reload return" stall_begin
CHECK_TIMEOUT=60 check "sanitizer build: udev stalled, ListDevices answers" stall_answers
CHECK_TIMEOUT=300 check "sanitizer build: udev stalled, the pending create ends whole or absent" stall_end
udevadm control --start-exec-queue
CHECK_TIMEOUT=200 check "sanitizer build: cleanup after the stall" stall_cleanup
udevadm control --start-exec-queue
force_absent stallbus
force_absent stallcfg
CHECK_TIMEOUT=300 check "sanitizer build: restart while a create waits for udev" interrupted_create holdas restart
unhold_udev
busctl call --timeout=60 "${MGR[@]}" RemoveDevice sa{sv} holdas 1 DeleteBacking b true >/dev/null 2>&1
force_absent holdas
CHECK_TIMEOUT=300 check "sanitizer build: no sanitizer report, clean stop" asan_clean
rm -f "$ASAN_DROPIN"
systemctl daemon-reload
systemctl reset-failed dmloopd
systemctl start dmloopd
