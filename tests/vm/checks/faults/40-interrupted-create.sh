# Issue 9, item 4 and "crash-safe operations": a restart and a kill -9 while
# a CreateDevice waits for udev (udev is held by a rule that sleeps). The
# device must end whole with its backing file (not on an unlinked inode), or
# absent with nothing left.
source "$CHECK_DIR/lib.bash"

# A whole device must also survive a plain restart and a reload with its data file.
still_whole_after_restart() {
	local name
	systemctl restart dmloopd
	busctl call --timeout=60 "${MGR[@]}" Reload
	udevadm settle -t 30
	refresh_listed || return 1
	for name in holdrs holdkl; do invariant_whole_or_absent "$name" || return 1; done
}

CHECK_TIMEOUT=300 check "restart while a create waits for udev: the device is whole or absent" interrupted_create holdrs restart
CHECK_TIMEOUT=300 check "kill -9 while a create waits for udev: whole or absent, and the journal says Recovery:" \
	interrupted_create holdkl kill
CHECK_TIMEOUT=120 check "interrupted creates: still whole or absent after another restart and a reload" \
	still_whole_after_restart
unhold_udev
for n in holdrs holdkl; do
	busctl call --timeout=60 "${MGR[@]}" RemoveDevice sa{sv} "$n" 1 DeleteBacking b true >/dev/null 2>&1
	force_absent "$n"
done
