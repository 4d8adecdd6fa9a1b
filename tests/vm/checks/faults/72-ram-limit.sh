# Issue 9, item 7: RamLimit holds for concurrent grows and creates, from the
# bus and from a reload alike. udev is held, so that every call is pending
# at once; then it is released and the RAM devices must total no more than
# the limit.
source "$CHECK_DIR/lib.bash"

LIMIT=$((64 * 1024 * 1024))

ram_total() {
	busctl call --timeout=20 --json=short "${MGR[@]}" ListDevices |
		jq '[.data[0][] | select(.[1] == "ram") | .[2]] | add // 0'
}

ramlimit_setup() {
	cp -a /etc/dmloopd.conf "$FAULTS/dmloopd.conf.orig" 2>/dev/null || : >"$FAULTS/dmloopd.conf.orig"
	printf '[Daemon]\nRamLimit=64M\n' >/etc/dmloopd.conf
	systemctl restart dmloopd || return 1
	bus_answers 20 || return 1
	echo "RAM in use before: $(ram_total)"
	[ "$(ram_total)" = 0 ] || { echo "this check needs no other RAM devices"; return 1; }
	mgr CreateDevice ssta{sv} holdgrow ram 8388608 0
}

ramlimit_concurrent() {
	local i pids=() total
	# Without the device to grow, this would prove nothing.
	dmsetup info dmloop-holdgrow >/dev/null || { echo "no device holdgrow (see the setup check)"; return 1; }
	trap unhold_udev EXIT
	rm -f "$FAULTS/held"
	hold_udev
	# A grow by 32M, seven creates of 8M (8 + 32 + 56 = 96M > 64M) and a
	# reload that makes one more of 8M: all in flight together.
	busctl call --timeout=200 "${MGR[@]}" ResizeDevice sta{sv} holdgrow 41943040 0 >"$FAULTS/rl-grow.out" 2>&1 &
	pids+=($!)
	sleep 0.5
	for i in $(seq 7); do
		busctl call --timeout=200 "${MGR[@]}" CreateDevice ssta{sv} "holdc$i" ram 8388608 0 >"$FAULTS/rl-$i.out" 2>&1 &
		pids+=($!)
	done
	printf '[Device]\nType=ram\nSize=8M\n' >"$CONF_DIR/holdcfg.conf"
	sleep 0.5
	busctl call --timeout=200 "${MGR[@]}" Reload >"$FAULTS/rl-reload.out" 2>&1 &
	pids+=($!)
	sleep 3
	release_udev
	for i in "${pids[@]}"; do wait "$i"; done
	unhold_udev
	udevadm settle -t 60
	head -v "$FAULTS"/rl-*.out
	busctl call --timeout=20 "${MGR[@]}" ListDevices
	total=$(ram_total)
	echo "RAM devices total $total bytes, RamLimit $LIMIT"
	[ "$total" -le "$LIMIT" ] || { echo "the RAM devices exceed RamLimit"; return 1; }
	# What the kernel has, not just what dmloopd says.
	total=0
	for i in holdgrow holdcfg $(seq -f 'holdc%g' 7); do
		[ -e "/dev/mapper/dmloop-$i" ] && total=$((total + $(blockdev --getsize64 "/dev/mapper/dmloop-$i")))
	done
	echo "device-mapper: $total bytes"
	[ "$total" -le "$LIMIT" ]
}

ramlimit_cleanup() {
	local i
	rm -f "$CONF_DIR/holdcfg.conf"
	busctl call --timeout=60 "${MGR[@]}" Reload
	for i in holdgrow $(seq -f 'holdc%g' 7); do
		busctl call --timeout=60 "${MGR[@]}" RemoveDevice sa{sv} "$i" 0 >/dev/null 2>&1
	done
	cp "$FAULTS/dmloopd.conf.orig" /etc/dmloopd.conf
	systemctl restart dmloopd
	for i in holdgrow holdcfg $(seq -f 'holdc%g' 7); do force_absent "$i"; done
	bus_answers 20
}

check "RAM limit: RamLimit=64M and an 8M RAM device" ramlimit_setup
CHECK_TIMEOUT=300 check "RAM limit: concurrent grow, creates and reload together stay within RamLimit" ramlimit_concurrent
unhold_udev
check "RAM limit: cleanup" ramlimit_cleanup
