# After "kill -9" of dmloopd and a start (by Restart= or by hand), the new
# daemon adopts the devices: same minors, same data, nothing created twice.
. "$CHECK_DIR/lib.bash"

# kill -9, then wait until systemd has noticed (MainPID changes: to 0 while
# failed or waiting for Restart=, or straight to the restarted daemon's PID),
# so that "systemctl start" cannot see the dead daemon as still active.
kill_and_start() {
	local old=$1
	if [ -z "$old" ] || [ "$old" = 0 ]; then
		echo "dmloopd has no main PID"
		return 1
	fi
	kill -9 "$old"
	wait_for 20 sh -c '[ "$(systemctl show -p MainPID --value dmloopd.service)" != "$1" ]' _ "$old" ||
		{ echo "systemd did not notice that PID $old died"; return 1; }
	# Starts it if it failed (no Restart=), waits for a pending auto-restart,
	# and is a no-op if Restart= already brought it back.
	systemctl start dmloopd.service
}

check "kill -9: write a fresh pattern to every device" write_patterns
check "kill -9: record the device state" save_snapshot "$BOOT_STATE/before-kill"
kill_pid=$(dmloopd_pid)
check "kill -9: kill dmloopd (PID $kill_pid) and start it again" kill_and_start "$kill_pid"
check "kill -9: dmloopd.service is active and running" dmloopd_active
check "kill -9: devices kept (same minors, no second device or loop)" \
	compare_snapshot "$BOOT_STATE/before-kill"
check "kill -9: data intact" verify_patterns
check_sh "kill -9: symlinks still there" '
	for n in single joined scratch; do
		test -L /dev/dmloop/$n || { echo "no /dev/dmloop/$n"; exit 1; }
	done
'
