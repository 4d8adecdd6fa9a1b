# Issue 9, item 1: a file device whose backing file lies under an fstab
# mount point that is not mounted yet. With the default CreateBacking=yes,
# dmloopd must not create the file on the root file system (the mount would
# hide it, and the real image would never be used). Once srv.mount starts,
# the device appears on the real file with its data, also after a kill -9
# of dmloopd while it waited. (The reboot form is in the scratch suite.)
source "$CHECK_DIR/lib.bash"

SRV_IMG=/var/tmp/dmloop-faults-srv.img

late_setup() {
	local mnt
	mountpoint -q /srv && { echo "/srv is already mounted"; return 1; }
	# The real file system with the real image and its data.
	truncate -s 64M "$SRV_IMG"
	mkfs.ext4 -q -F "$SRV_IMG" || return 1
	mnt=$(mktemp -d)
	mount -o loop "$SRV_IMG" "$mnt" || return 1
	mkdir -p "$mnt/data"
	head -c 8M /dev/urandom >"$mnt/data/x.img"
	cp "$mnt/data/x.img" "$FAULTS/late-pattern"
	umount "$mnt"
	rmdir "$mnt"
	mkdir -p /srv
	echo "$SRV_IMG /srv ext4 loop,nofail 0 0" >>/etc/fstab
	systemctl daemon-reload
	systemctl cat srv.mount >/dev/null || { echo "no srv.mount from fstab"; return 1; }
	! mountpoint -q /srv
}

late_not_shadowed() {
	printf '[Device]\nType=file\nSize=8M\nBacking=/srv/data/x.img\n' >"$CONF_DIR/late.conf"
	busctl call --timeout=60 "${MGR[@]}" Reload
	sleep 2
	! mountpoint -q /srv || { echo "/srv got mounted by someone"; return 1; }
	if [ -e /srv/data/x.img ]; then
		echo "dmloopd created /srv/data/x.img on the root file system:"
		ls -l /srv/data
		return 1
	fi
	[ ! -e /dev/dmloop/late ] || { echo "/dev/dmloop/late exists before /srv is mounted"; return 1; }
}

# kill -9 while the device waits for /srv: the next start waits again, and
# still makes nothing under the mount point.
late_kill_waiting() {
	local cursor
	cursor=$(journal_cursor)
	kill9_and_start || return 1
	bus_answers 30 || { echo "dmloopd does not answer after the restart"; return 1; }
	sleep 2
	journal_since "$cursor" | grep dmloopd | grep -w late
	! mountpoint -q /srv || { echo "/srv got mounted by someone"; return 1; }
	[ ! -e /srv/data/x.img ] || { echo "the restarted dmloopd created /srv/data/x.img on the root file system"; return 1; }
	refresh_listed || return 1
	# Absent, but its config file stays: the device is still to come.
	! dmsetup info dmloop-late >/dev/null 2>&1 || { echo "dmloop-late exists"; return 1; }
	[ ! -e /dev/dmloop/late ] || { echo "/dev/dmloop/late exists"; return 1; }
	! grep -qx late "$FAULTS/listed" || { echo "dmloopd lists late"; return 1; }
	no_strays
}

late_appears() {
	systemctl start srv.mount || return 1
	wait_for 60 test -L /dev/dmloop/late || { echo "/dev/dmloop/late did not appear after srv.mount"; return 1; }
	test "$(blockdev --getsize64 /dev/dmloop/late)" = 8388608
	# The device shows the real image's data: it is on /srv's file.
	dd if=/dev/dmloop/late bs=1M iflag=direct status=none | cmp - "$FAULTS/late-pattern" ||
		{ echo "the device does not hold the data of /srv/data/x.img"; return 1; }
	back=$(backing_of_target "$(dmsetup table dmloop-late | tail -n 1)")
	echo "backed by $back"
	[ "$back" = /srv/data/x.img ] || return 1
}

late_no_shadow() {
	local root
	root=$(mktemp -d)
	# A non-recursive bind of / shows what lies under the /srv mount.
	mount --bind / "$root" || return 1
	if [ -e "$root/srv/data" ]; then
		echo "a shadow under the /srv mount point:"
		find "$root/srv" -ls
		umount "$root"
		return 1
	fi
	umount "$root"
	rmdir "$root"
}

late_cleanup() {
	rm -f "$CONF_DIR/late.conf"
	busctl call --timeout=60 "${MGR[@]}" Reload
	wait_for 30 sh -c '! dmsetup info dmloop-late >/dev/null 2>&1' || force_absent late
	systemctl stop srv.mount
	sed -i "\|^$SRV_IMG |d" /etc/fstab
	systemctl daemon-reload
	rm -rf /srv/data "$SRV_IMG"
	! mountpoint -q /srv
}

check "late mount: setup (an ext4 image in fstab at /srv, not mounted)" late_setup
check "late mount: no backing file is created under the unmounted /srv" late_not_shadowed
check "late mount: kill -9 while the device waits for /srv: the restart waits again, makes nothing" late_kill_waiting
check "late mount: after srv.mount the device is on /srv's file, with its data" late_appears
check "late mount: no shadow file under /srv on the root file system" late_no_shadow
check "late mount: cleanup" late_cleanup
