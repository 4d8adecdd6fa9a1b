# Issue 9, item 8: a kill -9 during a remove must not bring the device back
# (its config file went with it), and RAM files in dmloopd's RAM directory
# that belong to no device are removed at start.
source "$CHECK_DIR/lib.bash"

remove_kill() {
	local cursor pid
	trap unhold_udev EXIT
	mgr CreateDevice ssta{sv} holdrm ram 2097152 1 Persistent b true || return 1
	mgr CreateDevice ssta{sv} holdrmf file 2097152 1 Persistent b true || return 1
	test -s "$CONF_DIR/holdrm.conf" && test -s "$CONF_DIR/holdrmf.conf" || { echo "no config files"; return 1; }
	rm -f "$FAULTS/held"
	hold_udev
	busctl call --timeout=200 "${MGR[@]}" RemoveDevice sa{sv} holdrm 0 >"$FAULTS/rmk.out" 2>&1 &
	pid=$!
	busctl call --timeout=200 "${MGR[@]}" RemoveDevice sa{sv} holdrmf 0 >"$FAULTS/rmkf.out" 2>&1 &
	# The kernel has removed both; udev still holds the events.
	wait_for 60 sh -c '! dmsetup info dmloop-holdrm && ! dmsetup info dmloop-holdrmf' >/dev/null 2>&1 ||
		{ echo "the removes did not reach device-mapper"; return 1; }
	kill9_and_start &
	sleep 2
	release_udev
	wait $! || return 1
	wait
	echo "remove calls: $(cat "$FAULTS/rmk.out") / $(cat "$FAULTS/rmkf.out")"
	grep -q "disconnected" "$FAULTS/rmk.out" "$FAULTS/rmkf.out" ||
		{ echo "both removes were answered before the kill: the fault was not exercised"; return 1; }
	udevadm settle -t 60
	busctl call --timeout=60 "${MGR[@]}" Reload || return 1
	udevadm settle -t 30
	sleep 1
	refresh_listed || return 1
	expect_set holdrm ram 2097152 no any
	expect_set holdrmf file 2097152 no any
	device_is_absent holdrm ram any && device_is_absent holdrmf file any || { ls -l "$CONF_DIR"; return 1; }
	echo "both stay removed"
}

ram_orphans() {
	local ramdir back
	mgr CreateDevice ssta{sv} keepram ram 1048576 0 || return 1
	# Where this daemon keeps its RAM files: the file under keepram's loop.
	back=$(backing_of_target "$(dmsetup table dmloop-keepram | tail -n 1)")
	case $back in
	"(ram)")
		echo "RAM devices use the kernel's ram target here: no RAM files"
		return 0
		;;
	esac
	ramdir=$(dirname "$back")
	echo "RAM files live in $ramdir"
	head -c 1M /dev/urandom >"$FAULTS/keepram-pattern"
	dd if="$FAULTS/keepram-pattern" of=/dev/dmloop/keepram bs=1M oflag=direct conv=fsync status=none
	head -c 2M /dev/zero >"$ramdir/orphan1"
	head -c 1M /dev/zero >"$ramdir/orphan2"
	systemctl restart dmloopd || return 1
	bus_answers 20 || return 1
	ls -la "$ramdir"
	[ ! -e "$ramdir/orphan1" ] && [ ! -e "$ramdir/orphan2" ] || { echo "orphaned RAM files were kept"; return 1; }
	[ -e "$back" ] || { echo "the RAM file of keepram was removed"; return 1; }
	dd if=/dev/dmloop/keepram bs=1M count=1 iflag=direct status=none | cmp - "$FAULTS/keepram-pattern"
}

CHECK_TIMEOUT=200 check "kill -9 during a remove: the removed devices do not come back at restart and reload" remove_kill
unhold_udev
check "orphaned RAM files are removed at start, a device's RAM file is kept" ram_orphans
for n in holdrm holdrmf keepram; do
	busctl call --timeout=60 "${MGR[@]}" RemoveDevice sa{sv} "$n" 1 DeleteBacking b true >/dev/null 2>&1
	force_absent "$n"
done
rm -f "$RAM_DIR/orphan1" "$RAM_DIR/orphan2"
