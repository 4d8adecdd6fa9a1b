# 56-dm-dmloop.rules: dm devices get their name, type, symlink and systemd
# tag; the fallback's loop devices under them are hidden from systemd,
# UDisks2, LVM's autoactivation and the by-* links.
source "$CHECK_DIR/lib.bash"

check_sh "the udev rule is 56-dm-dmloop.rules, after device-mapper's own" '
	rules=$(udevadm test --action=change /sys/class/mem/null 2>&1 | grep -o "[^/ ]*\.rules" | grep -E "^(55-dm|56-dm-dmloop|61-dmloop)\.rules$" | uniq)
	echo "$rules"
	test "$(echo $rules)" = "55-dm.rules 56-dm-dmloop.rules"
'
check "a file device for the neighbours" nb_create nbfile --type file --size 64M
check "a RAM device for the neighbours" nb_create nbram --type ram --size 64M

for spec in nbfile:file nbram:ram; do
	name=${spec%%:*} type=${spec#*:}
	check_sh "$name: DMLOOP_NAME, DMLOOP_TYPE, the symlink and the systemd tag" "
		udevadm info /dev/dmloop/$name | tee /dev/stderr | grep -qx 'E: DMLOOP_NAME=$name'
		udevadm info /dev/dmloop/$name | grep -qx 'E: DMLOOP_TYPE=$type'
		udevadm info /dev/dmloop/$name | grep -qE '^E: TAGS=.*:systemd:'
		test \"\$(readlink -f /dev/dmloop/$name)\" = /dev/\$(nb_dm $name)
	"
	check_sh "$name: name and type survive a change event (taken from the udev database)" "
		udevadm trigger --settle --action=change /dev/dmloop/$name
		udevadm info /dev/dmloop/$name | grep -qx 'E: DMLOOP_TYPE=$type'
		test -L /dev/dmloop/$name
	"
done

if [ "$(nb_backend)" = kernel ]; then
	check_sh "kernel targets: no loop device under nbfile and nbram" '
		test -z "$(nb_components nbfile)$(nb_components nbram)"
		losetup -a | tee /dev/stderr | { ! grep -q -e /var/lib/dmloop/nbfile -e /run/dmloop/ram/nbram; }
	'
else
	# Its first event comes before the dm device above it exists: only
	# dmloopd's mark in lo_file_name tells then. Without it, systemd, blkid
	# and udisksd take the loop device in at once.
	# Fails unless every "change" event of DEV in FILE (udevadm monitor -p)
	# has DMLOOP_COMPONENT=1; prints how many there were.
	change_events_are_components() {
		awk -v dev="$2" 'BEGIN { RS = "" }
			/\nACTION=change(\n|$)/ && index($0 "\n", "\nDEVNAME=" dev "\n") {
				n++
				if ($0 !~ /\nDMLOOP_COMPONENT=1(\n|$)/) { print "not a component:"; print; bad = 1 }
			}
			END { print n + 0, "change events of", dev; exit (bad || n == 0) }' "$1"
	}
	export -f change_events_are_components
	check_sh "nbmark: a file device's loop device is a component from its first event on" '
		udevadm monitor -u -p -s block >$VM_OUT/udev-nbmark.txt 2>&1 & mon=$!
		sleep 2
		nb_create nbmark --type file --size 8M || { kill $mon; exit 1; }
		sleep 1
		kill $mon
		loops=$(nb_components nbmark)
		echo "components: $loops"
		test -n "$loops"
		for l in $loops; do
			change_events_are_components $VM_OUT/udev-nbmark.txt /dev/$l
			# The mark itself: udev usually gets to the event after the dm
			# device exists, and then the holder tells without it.
			python3 -c "
import fcntl, sys
info = bytearray(232)  # struct loop_info64
with open(sys.argv[1], \"rb\") as f:
    fcntl.ioctl(f, 0x4C05, info)  # LOOP_GET_STATUS64
name = bytes(info[56:120]).split(b\"\\0\")[0]
print(\"lo_file_name:\", name)
sys.exit(name != b\"dmloop\")" /dev/$l
		done
		dmloopctl remove nbmark
	'
	for name in nbfile nbram; do
		check_sh "$name: its loop devices are marked components" "
			loops=\$(nb_components $name)
			echo \"components: \$loops\"
			test -n \"\$loops\"
			for l in \$loops; do
				udevadm info /dev/\$l | tee /dev/stderr >\$VM_OUT/udev-\$l.txt
				grep -qx 'E: DMLOOP_COMPONENT=1' \$VM_OUT/udev-\$l.txt
				grep -qx 'E: SYSTEMD_READY=0' \$VM_OUT/udev-\$l.txt
				grep -qx 'E: DM_UDEV_DISABLE_OTHER_RULES_FLAG=1' \$VM_OUT/udev-\$l.txt
				grep -qx 'E: UDISKS_IGNORE=1' \$VM_OUT/udev-\$l.txt
				test \"\$(readlink -f /dev/dmloop-component/\$l)\" = /dev/\$l
				! systemctl is-active -q dev-\$l.device
			done
		"
	done
fi

check_sh "/var/lib/dmloop is there with mode 0700 (tmpfiles.d), for a first file device" '
	test -f /usr/lib/tmpfiles.d/dmloop.conf
	stat -c "%a %U" /var/lib/dmloop | tee /dev/stderr | grep -qx "700 root"
'
