# Issue 9, item 6: after "systemctl restart dbus", dmloopd is back on the
# bus (or gone, so that activation starts it) within 10 s.
source "$CHECK_DIR/lib.bash"

dbus_restart() {
	local t0
	bus_answers 10 || { echo "dmloopd does not answer before the test"; return 1; }
	systemctl restart dbus.service || return 1
	t0=$SECONDS
	if ! bus_answers 10; then
		echo "ListDevices got no answer within 10 s of the bus restart"
		systemctl status --no-pager dmloopd | head -5
		return 1
	fi
	echo "ListDevices answered $((SECONDS - t0)) s after the bus restart"
	busctl call --timeout=10 "${MGR[@]}" ListDevices
}

check "dbus restart: ListDevices answers within 10 s" dbus_restart
# A daemon that stayed off the bus would spoil what follows.
bus_answers 20 || { systemctl restart dmloopd; bus_answers 30; }
