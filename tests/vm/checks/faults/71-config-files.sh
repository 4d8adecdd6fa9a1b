# Issue 9, items 2 and 3: a resize or a remove acts on the config file the
# device came from (here a.conf with Name=zzz), keeps every other setting
# and comment, and fails the call if the file cannot be written.
source "$CHECK_DIR/lib.bash"

# The size a.conf says, in bytes.
a_conf_size() {
	size_in_bytes "$(sed -n 's/^Size=[[:space:]]*//p' "$CONF_DIR/a.conf")"
}

cfg_setup() {
	rm -f "$CONF_DIR/zzz.conf"
	truncate -s 4M "$STATE_DIR/zzz-data.img"
	cat >"$CONF_DIR/a.conf" <<-CONF
		# The administrator's note about a.conf.
		[Device]
		Name=zzz
		Type=file
		Size=4M
		; where the data lives
		Backing=$STATE_DIR/zzz-data.img
		CreateBacking=no
	CONF
	cp "$CONF_DIR/a.conf" "$FAULTS/a.conf.orig"
	busctl call --timeout=60 "${MGR[@]}" Reload
	wait_for 30 test -L /dev/dmloop/zzz || { echo "zzz was not created from a.conf"; return 1; }
	test "$(blockdev --getsize64 /dev/dmloop/zzz)" = 4194304
	# Data to find again after the resize and the restart.
	head -c 1M /dev/urandom >"$FAULTS/zzz-pattern"
	dd if="$FAULTS/zzz-pattern" of=/dev/dmloop/zzz bs=1M seek=1 oflag=direct conv=fsync status=none
}

cfg_resize_writes_origin() {
	mgr ResizeDevice sta{sv} zzz 8388608 0 || return 1
	echo "--- a.conf now:"
	cat "$CONF_DIR/a.conf"
	[ ! -e "$CONF_DIR/zzz.conf" ] || { echo "the resize wrote zzz.conf:"; cat "$CONF_DIR/zzz.conf"; return 1; }
	[ "$(a_conf_size)" = 8388608 ] || { echo "a.conf does not say the new size"; return 1; }
	grep -qx "# The administrator's note about a.conf." "$CONF_DIR/a.conf" || { echo "a comment was lost"; return 1; }
	grep -qx "; where the data lives" "$CONF_DIR/a.conf" || { echo "a comment was lost"; return 1; }
	grep -qx "CreateBacking=no" "$CONF_DIR/a.conf" || { echo "CreateBacking=no was lost"; return 1; }
	grep -qx "Name=zzz" "$CONF_DIR/a.conf" || { echo "Name=zzz was lost"; return 1; }
	grep -qx "Backing=$STATE_DIR/zzz-data.img" "$CONF_DIR/a.conf" || { echo "Backing= was changed"; return 1; }
}

cfg_resize_survives() {
	systemctl restart dmloopd || return 1
	busctl call --timeout=60 "${MGR[@]}" Reload || return 1
	udevadm settle -t 30
	test "$(blockdev --getsize64 /dev/dmloop/zzz)" = 8388608 ||
		{ echo "zzz is $(blockdev --getsize64 /dev/dmloop/zzz) bytes after restart and reload"; return 1; }
	[ "$(listed_size zzz)" = 8388608 ] || { echo "dmloopd lists zzz at $(listed_size zzz)"; return 1; }
	dd if=/dev/dmloop/zzz bs=1M skip=1 count=1 iflag=direct status=none | cmp - "$FAULTS/zzz-pattern"
}

# As after a reboot: the device is gone and dmloopd makes it from the
# config files again (a restart alone adopts the device at its size).
cfg_resize_after_reboot() {
	local l
	systemctl stop dmloopd
	dmsetup remove --retry dmloop-zzz || return 1
	for l in $(loops_backing "$STATE_DIR/zzz-data.img"); do losetup -d "$l"; done
	udevadm settle -t 30
	start_dmloopd || return 1
	wait_for 60 test -L /dev/dmloop/zzz || { echo "zzz did not come back"; return 1; }
	test "$(blockdev --getsize64 /dev/dmloop/zzz)" = 8388608 ||
		{ echo "zzz came back at $(blockdev --getsize64 /dev/dmloop/zzz) bytes"; ls -l "$CONF_DIR"; return 1; }
	dd if=/dev/dmloop/zzz bs=1M skip=1 count=1 iflag=direct status=none | cmp - "$FAULTS/zzz-pattern"
}

cfg_resize_write_fails() {
	local before out
	trap 'umount /etc/dmloop.d 2>/dev/null' EXIT
	before=$(blockdev --getsize64 /dev/dmloop/zzz)
	cp -a "$CONF_DIR/a.conf" "$FAULTS/a.conf.before"
	# The config directory becomes read-only: writing the new size fails.
	mount --bind "$CONF_DIR" "$CONF_DIR" && mount -o remount,bind,ro "$CONF_DIR" || return 1
	if out=$(busctl call --timeout=60 "${MGR[@]}" ResizeDevice sta{sv} zzz 12582912 0 2>&1); then
		echo "the resize succeeded although a.conf cannot be written: $out"
		umount "$CONF_DIR"
		return 1
	fi
	echo "refused: $out"
	umount "$CONF_DIR"
	[ "$(blockdev --getsize64 /dev/dmloop/zzz)" = "$before" ] ||
		{ echo "the size changed to $(blockdev --getsize64 /dev/dmloop/zzz)"; return 1; }
	[ "$(listed_size zzz)" = "$before" ] || { echo "dmloopd lists $(listed_size zzz)"; return 1; }
	cmp "$CONF_DIR/a.conf" "$FAULTS/a.conf.before"
}

cfg_remove_stays_gone() {
	mgr RemoveDevice sa{sv} zzz 0 || return 1
	wait_for 30 sh -c '! dmsetup info dmloop-zzz >/dev/null 2>&1' || { echo "zzz still exists"; return 1; }
	busctl call --timeout=60 "${MGR[@]}" Reload
	udevadm settle -t 30
	sleep 1
	if dmsetup info dmloop-zzz >/dev/null 2>&1; then
		echo "zzz came back at the reload; the config files:"
		ls -l "$CONF_DIR"
		return 1
	fi
	systemctl restart dmloopd
	udevadm settle -t 30
	! dmsetup info dmloop-zzz >/dev/null 2>&1 || { echo "zzz came back at the restart"; ls -l "$CONF_DIR"; return 1; }
	# The backing file is not touched by a remove.
	test -f "$STATE_DIR/zzz-data.img"
}

check "config file: a.conf with Name=zzz makes device zzz" cfg_setup
check "config file: ResizeDevice zzz updates a.conf (not zzz.conf), keeps comments and CreateBacking=no" \
	cfg_resize_writes_origin
check "config file: the new size survives a restart and a reload" cfg_resize_survives
check "config file: made again from the config files (as after a reboot), zzz has the new size" cfg_resize_after_reboot
check "config file: a resize whose config write fails fails the call and keeps the size" cfg_resize_write_fails
check "config file: RemoveDevice zzz from a.conf: zzz does not come back at reload or restart" cfg_remove_stays_gone
mountpoint -q "$CONF_DIR" && umount "$CONF_DIR"
rm -f "$CONF_DIR/a.conf" "$CONF_DIR/zzz.conf" "$STATE_DIR/zzz-data.img"
busctl call --timeout=60 "${MGR[@]}" Reload >/dev/null 2>&1
force_absent zzz
