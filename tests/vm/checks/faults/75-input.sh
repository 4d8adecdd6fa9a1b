# Issue 9, item 10: smaller points, each its own check.
source "$CHECK_DIR/lib.bash"

# \n is truncated by sysfs; \v, \f and \r split dm tables.
control_chars() {
	local c rc=0
	for c in '\n' '\v' '\f' '\r'; do
		echo "--- a Backing path with $c"
		expect_error org.freedesktop.DBus.Error.InvalidArgs CreateDevice ctl file 1048576 \
			"{'Backing': <[('$STATE_DIR/ctl${c}x.img', uint64 0)]>}" || rc=1
		! dmsetup info dmloop-ctl >/dev/null 2>&1 || { echo "dmloop-ctl was made"; rc=1; }
		busctl call --timeout=60 "${MGR[@]}" RemoveDevice sa{sv} ctl 1 DeleteBacking b true >/dev/null 2>&1
	done
	compgen -G "$STATE_DIR/ctl*" && { echo "a backing file was made"; rc=1; }
	return "$rc"
}

non_utf8() {
	local out
	mgr CreateDevice ssta{sv} okdev ram 1048576 0 || return 1
	printf '[Device]\nType=file\nSize=1M\nBacking=%s/bad-\xff\xfe.img\n' "$STATE_DIR" >"$CONF_DIR/nonutf8.conf"
	busctl call --timeout=60 "${MGR[@]}" Reload
	udevadm settle -t 30
	busctl call --timeout=20 --json=short org.dmloop1 /org/dmloop1 org.freedesktop.DBus.ObjectManager \
		GetManagedObjects >"$FAULTS/gmo.json" || { echo "GetManagedObjects failed"; return 1; }
	jq -e '.data[0] | has("/org/dmloop1/device/okdev")' "$FAULTS/gmo.json" || return 1
	out=$(dmloopctl list) || { echo "dmloopctl list failed: $out"; return 1; }
	echo "$out"
	grep -q '^okdev ' <<<"$out"
}

same_backing() {
	local rc=0
	mgr CreateDevice ssta{sv} dup1 file 1048576 0 || return 1
	echo "--- the same path"
	if mgr_gdbus CreateDevice dup2 file 1048576 "{'Backing': <[('$STATE_DIR/dup1.img', uint64 0)]>}"; then
		echo "a second device on $STATE_DIR/dup1.img was accepted"
		rc=1
	fi
	! dmsetup info dmloop-dup2 >/dev/null 2>&1 || rc=1
	return "$rc"
}

same_backing_hardlink() {
	local rc=0
	ln -f "$STATE_DIR/dup1.img" "$STATE_DIR/dup1-link.img" || return 1
	if mgr_gdbus CreateDevice dup3 file 1048576 "{'Backing': <[('$STATE_DIR/dup1-link.img', uint64 0)]>}"; then
		echo "a second device on a hard link of dup1.img was accepted"
		rc=1
	fi
	! dmsetup info dmloop-dup3 >/dev/null 2>&1 || rc=1
	return "$rc"
}

rename_in_file() {
	printf '[Device]\nName=ren1\nType=ram\nSize=1M\n' >"$CONF_DIR/ren.conf"
	busctl call --timeout=60 "${MGR[@]}" Reload
	wait_for 30 test -L /dev/dmloop/ren1 || { echo "ren1 was not made"; return 1; }
	sed -i 's/^Name=ren1$/Name=ren2/' "$CONF_DIR/ren.conf"
	busctl call --timeout=60 "${MGR[@]}" Reload
	wait_for 30 test -L /dev/dmloop/ren2 || { echo "ren2 was not made"; return 1; }
	udevadm settle -t 30
	refresh_listed || return 1
	cat "$FAULTS/listed"
	! dmsetup info dmloop-ren1 >/dev/null 2>&1 && ! grep -qx ren1 "$FAULTS/listed" ||
		{ echo "the old device ren1 is kept"; return 1; }
}

huge_backing() {
	timeout 120 /usr/bin/python3 "$CHECK_DIR/huge-backing.py" 100000
}

# SIGHUP while dmloopd starts (udev holds a configured device, so the start
# takes a while) must not kill it.
hup_before_ready() {
	local pid state restarts
	trap unhold_udev EXIT
	systemctl stop dmloopd
	printf '[Device]\nType=ram\nSize=1M\n' >"$CONF_DIR/holdboot.conf"
	rm -f "$FAULTS/held"
	hold_udev
	restarts=$(systemctl show -p NRestarts --value dmloopd)
	systemctl start --no-block dmloopd
	wait_for 60 sh -c 'p=$(systemctl show -p MainPID --value dmloopd); [ -n "$p" ] && [ "$p" != 0 ]' ||
		{ echo "dmloopd did not start"; return 1; }
	pid=$(dmloopd_pid)
	sleep 1
	state=$(systemctl show -p ActiveState --value dmloopd)
	echo "PID $pid, $state; sending SIGHUP"
	[ "$state" = activating ] || { echo "dmloopd was already $state: the test missed the start"; return 1; }
	kill -HUP "$pid"
	sleep 1
	release_udev
	wait_for 60 sh -c '[ "$(systemctl show -p ActiveState --value dmloopd)" != activating ]'
	systemctl status --no-pager dmloopd | head -5
	[ "$(dmloopd_pid)" = "$pid" ] || { echo "dmloopd (PID $pid) died; now PID $(dmloopd_pid)"; return 1; }
	[ "$(systemctl show -p NRestarts --value dmloopd)" = "$restarts" ] || { echo "dmloopd was restarted"; return 1; }
	systemctl is-active -q dmloopd
}

check "input: control characters in a bus Backing path are refused with InvalidArgs" control_chars
check "input: a non-UTF-8 Backing= path does not break GetManagedObjects or dmloopctl list" non_utf8
check "input: a second device on the same backing file is refused" same_backing
check "input: a second device on a hard link of a backing file is refused" same_backing_hardlink
check "input: renaming Name= in a config file and reloading drops the old device" rename_in_file
CHECK_TIMEOUT=150 check "input: a Backing array of 100000 entries is refused quickly with InvalidArgs" huge_backing
# A daemon still busy with that array would spoil everything after it.
bus_answers 5 || kill9_and_start
CHECK_TIMEOUT=120 check "input: SIGHUP before READY does not kill dmloopd" hup_before_ready
unhold_udev
systemctl is-active -q dmloopd || start_dmloopd
rm -f "$CONF_DIR/nonutf8.conf" "$CONF_DIR/ren.conf" "$CONF_DIR/holdboot.conf" "$STATE_DIR/dup1-link.img"
busctl call --timeout=60 "${MGR[@]}" Reload >/dev/null 2>&1
for n in okdev dup1 dup2 dup3 ren1 ren2 holdboot ctl; do
	busctl call --timeout=60 "${MGR[@]}" RemoveDevice sa{sv} "$n" 1 DeleteBacking b true >/dev/null 2>&1
	force_absent "$n"
done
rm -f "$STATE_DIR"/bad-*
udevadm settle -t 30
