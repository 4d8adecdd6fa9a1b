# The unit is sandboxed as far as device-mapper work allows, and
# systemd-analyze security scores it at most 3.5 (it was 5.3 with the
# ExecStartPre=modprobe unit and no mount namespace; unsandboxed 9.6).
# Every other check of the suites runs under this sandbox.
check_sh "systemd-analyze security dmloopd.service is at most 3.5" '
	systemd-analyze security --no-pager dmloopd.service | tee "$VM_OUT/dmloopd-security.txt" | grep -E "✗|Overall"
	score=$(sed -n "s/.*Overall exposure level for dmloopd.service: \([0-9.]*\).*/\1/p" "$VM_OUT/dmloopd-security.txt")
	echo "exposure: $score"
	test -n "$score"
	awk -v s="$score" "BEGIN { exit !(s <= 3.5) }"
'
check_sh "the modules come from modprobe@.service, not ExecStartPre=" '
	wants=$(systemctl show -p Wants --value dmloopd.service)
	after=$(systemctl show -p After --value dmloopd.service)
	for m in dm_mod loop dm_loop dm_ram; do
		grep -qw "modprobe@$m.service" <<<"$wants" || { echo "no Wants=modprobe@$m.service"; exit 1; }
		grep -qw "modprobe@$m.service" <<<"$after" || { echo "no After=modprobe@$m.service"; exit 1; }
	done
	test -z "$(systemctl show -p ExecStartPre --value dmloopd.service)"
'
check_sh "the unit has no ordering cycle" '
	# systemd (PID 1) only: the host name, dmloop-vm, is on every line.
	! journalctl -b --no-pager -o cat _PID=1 | grep -i "ordering cycle" | grep -i dmloop
'
# A namespace of dmloopd's would outlive nothing but the loop devices'
# files: once dmloopd is gone, /sys/block/loopN/loop/backing_file is then
# relative to the file's own file system, and a restarted dmloopd takes
# the fallback's RAM devices for file devices.
check_sh "dmloopd shares the host mount namespace" '
	pid=$(systemctl show -p MainPID --value dmloopd.service)
	test "$(readlink /proc/$pid/ns/mnt)" = "$(readlink /proc/1/ns/mnt)"
'
check_sh "/run/dmloop/ram is run-dmloop-ram.mount, a tmpfs of mode 0700 in the host namespace" '
	systemctl is-active run-dmloop-ram.mount
	findmnt -n -o FSTYPE /run/dmloop/ram | grep -qx tmpfs
	test "$(stat -c %a /run/dmloop/ram)" = 700
'
# dmloopd remounts the tmpfs with the size RamLimit= gives.
if busctl get-property org.dmloop1 /org/dmloop1 org.dmloop1.Manager RamTarget | grep -q kernel; then
	skip "dmloopd sizes the RAM tmpfs from RamLimit=, seen from the host" "the kernel RAM target uses no tmpfs"
else
	check_sh "dmloopd sizes the RAM tmpfs from RamLimit=, seen from the host" '
		conf=/etc/dmloopd.conf
		saved=$(cat $conf 2>/dev/null); had=$(test -e $conf && echo 1)
		printf "[Daemon]\nRamLimit=300M\n" >$conf
		systemctl restart dmloopd.service
		size=$(df -B1 --output=size /run/dmloop/ram | tail -n 1 | tr -d " ")
		echo "tmpfs size: $size"
		if [ -n "$had" ]; then printf "%s\n" "$saved" >$conf; else rm -f $conf; fi
		systemctl restart dmloopd.service
		systemctl is-active dmloopd.service
		test "$size" = $((300 * 1024 * 1024))
	'
fi
