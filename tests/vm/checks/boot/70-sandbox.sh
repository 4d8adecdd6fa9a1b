# The unit is sandboxed as far as device-mapper work allows; the score of
# systemd-analyze security is recorded. It was 5.3 ("MEDIUM") when the
# sandbox was set up; this guards against losing it (unsandboxed: 9.6).
check_sh "systemd-analyze security dmloopd.service" '
	systemd-analyze security --no-pager dmloopd.service | tee "$VM_OUT/dmloopd-security.txt" | tail -n 3
	score=$(sed -n "s/.*Overall exposure level for dmloopd.service: \([0-9.]*\).*/\1/p" "$VM_OUT/dmloopd-security.txt")
	echo "exposure: $score"
	test -n "$score"
	awk -v s="$score" "BEGIN { exit !(s <= 6.0) }"
'
