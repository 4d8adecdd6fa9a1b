# "systemctl restart dmloopd" adopts the existing devices: same minors, same
# data, nothing created twice.
. "$CHECK_DIR/lib.bash"

check "restart: write a pattern to every device" write_patterns
check "restart: record the device state" save_snapshot "$BOOT_STATE/before-restart"
restart_pid=$(dmloopd_pid)
check "restart: systemctl restart dmloopd" systemctl restart dmloopd.service
check "restart: dmloopd.service is active and running" dmloopd_active
check_sh "restart: dmloopd has a new main PID" "
	now=\$(systemctl show -p MainPID --value dmloopd.service)
	echo \"before $restart_pid, now \$now\"
	test \"\$now\" != '$restart_pid' && test \"\$now\" != 0
"
check "restart: devices kept (same minors, no second device or loop)" \
	compare_snapshot "$BOOT_STATE/before-restart"
check "restart: data intact" verify_patterns
check_sh "restart: symlinks still there" '
	for n in single joined scratch; do
		test -L /dev/dmloop/$n || { echo "no /dev/dmloop/$n"; exit 1; }
	done
'
