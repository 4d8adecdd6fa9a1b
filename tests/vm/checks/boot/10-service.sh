# dmloopd.service itself: installed, enabled, started early, and READY.
. "$CHECK_DIR/lib.bash"

check "dmloopd.service is enabled" systemctl is-enabled dmloopd.service
check_sh "dmloopd.service is Type=notify (active means READY=1 was sent)" '
	out=$(systemctl show -p Type dmloopd.service)
	echo "$out"
	test "$out" = Type=notify
'
check "dmloopd.service is active and running (reached READY)" dmloopd_active
check_sh "dmloopd.service did not restart during boot" '
	out=$(systemctl show -p NRestarts dmloopd.service)
	echo "$out"
	test "$out" = NRestarts=0
'
check_sh "dmloopd.service is ordered before local-fs-pre.target" '
	out=$(systemctl show -p Before dmloopd.service)
	echo "$out"
	grep -qw local-fs-pre.target <<<"$out"
'
check_sh "dmloopd.service finished starting before local-fs-pre.target was reached" '
	started=$(systemctl show -p ActiveEnterTimestampMonotonic --value dmloopd.service)
	reached=$(systemctl show -p ActiveEnterTimestampMonotonic --value local-fs-pre.target)
	echo "dmloopd active at $started us, local-fs-pre.target at $reached us"
	test "$started" -gt 0 && test "$started" -le "$reached"
'
check "dmloopd owns org.dmloop1 on the system bus" \
	wait_for 20 busctl --timeout=10 status org.dmloop1
