# UDisks2 (and so Cockpit and desktop file managers) shows dmloop's devices
# and none of the fallback's loop devices below them. Devices made while
# udisksd runs, and the ones it finds when it starts, both count.
source "$CHECK_DIR/lib.bash"

export UD=/org/freedesktop/UDisks2/block_devices

# UDisks2's object path for dmloop device NAME ("-" is escaped as "_2d").
ud_path() {
	echo "$UD/$(nb_dm "$1" | sed "s/-/_2d/g")"
}

# Fails if UDisks2 has an object for a loop device under a dmloop device.
no_udisks_components() {
	local name l objects
	objects=$(busctl tree --list org.freedesktop.UDisks2) || return 1
	echo "$objects" >"$VM_OUT/udisks-objects.txt"
	for name in "$@"; do
		grep -qx "$(ud_path "$name")" <<<"$objects" || { echo "UDisks2 has no object for $name"; return 1; }
		for l in $(nb_components "$name"); do
			echo "$name: component $l"
			! grep -qx "$UD/$l" <<<"$objects" || { echo "UDisks2 has $UD/$l"; return 1; }
			! udisksctl status | grep -qw "$l" || { echo "udisksctl status shows $l"; return 1; }
		done
	done
}
export -f ud_path no_udisks_components

# tests/vm/run masks every unit the host enabled, udisks2.service too.
check "udisks2.service unmasked" systemctl unmask udisks2.service
check "udisksd runs (D-Bus activation)" udisksctl status
check "devices made while udisksd runs" bash -c '
	nb_create nbu-file --type file --size 32M && nb_create nbu-ram --type ram --size 32M'
for name in nbfile nbram nbu-file nbu-ram; do
	check_sh "$name: udisksctl info -b /dev/dmloop/$name shows the device" "
		udevadm settle
		out=\$(udisksctl info -b /dev/dmloop/$name) || exit 1
		echo \"\$out\"
		grep -qx \"\$(ud_path $name):\" <<<\"\$out\"
		grep -qE '(Symlinks: | )+/dev/dmloop/$name\$' <<<\"\$out\"
		grep -qE '^ +Size: +[1-9]' <<<\"\$out\"
	"
done
check_sh "the UDisks2 object list and udisksctl status have no loop device of dmloop's" '
	udevadm settle
	no_udisks_components nbfile nbram nbu-file nbu-ram
	if [ "$(nb_backend)" = fallback ]; then
		test -n "$(nb_components nbu-file)"
	fi
'
check_sh "... nor after udisksd restarts and finds the devices already there" '
	systemctl restart udisks2.service
	udisksctl status >/dev/null
	sleep 2
	udevadm settle
	no_udisks_components nbfile nbram nbu-file nbu-ram
	busctl tree --list org.freedesktop.UDisks2 | grep -qx "$(ud_path nbu-file)"
'
check "remove the UDisks2 test devices" bash -c '
	dmloopctl remove nbu-file --delete-backing && dmloopctl remove nbu-ram'
