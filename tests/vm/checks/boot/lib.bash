# Helpers shared by the boot suite's check files (sourced by them; the runner
# only picks up *.sh, so this file is not a check file itself).
#
# The suite expects the --etc tree from tests/vm/make-boot-etc: the examples
# single (file, 64M), joined (file, 16M + 32M) and scratch (ram, 128M), plus
# broken.conf and longline.conf, which must be skipped.

BOOT_STATE=/run/dmloop-vm-boot
mkdir -p "$BOOT_STATE"

# name:type:size-in-bytes of every device the examples make
# shellcheck disable=SC2034 # used by the check files
BOOT_DEVICES="single:file:67108864 joined:file:50331648 scratch:ram:134217728"
BOOT_NAMES="single joined scratch"

# One line per dmloop dm device (name, minor, uuid, size) plus the number of
# loop devices: anything a restart must leave exactly as it was.
dmloop_snapshot() {
	local d
	for d in $(dmsetup ls | awk '$1 ~ /^dmloop-/ { print $1 }' | sort); do
		echo "$d minor=$(dmsetup info -c --noheadings -o minor "$d")" \
			"uuid=$(dmsetup info -c --noheadings -o uuid "$d")" \
			"size=$(blockdev --getsize64 "/dev/mapper/$d")"
	done
	echo "dm devices named dmloop-*: $(dmsetup ls | grep -c '^dmloop-')"
	echo "loop devices: $(losetup -a | wc -l)"
}

# Write 1 MiB of fresh random data at 2 MiB into every device and remember it.
# O_DIRECT both ways, so a read-back cannot be served from the page cache of
# a device that was swapped underneath.
write_patterns() {
	local name
	for name in $BOOT_NAMES; do
		head -c 1M /dev/urandom >"$BOOT_STATE/pattern-$name"
		dd if="$BOOT_STATE/pattern-$name" of="/dev/dmloop/$name" bs=1M seek=2 \
			oflag=direct conv=fsync status=none || { echo "$name: write failed"; return 1; }
	done
}

verify_patterns() {
	local name rc=0
	for name in $BOOT_NAMES; do
		if ! dd if="/dev/dmloop/$name" bs=1M skip=2 count=1 iflag=direct status=none |
			cmp - "$BOOT_STATE/pattern-$name"; then
			echo "$name: data at 2 MiB differs from the pattern written before"
			rc=1
		fi
	done
	return "$rc"
}

# save_snapshot FILE: record the state; fails unless all devices are there,
# so that "nothing changed" cannot pass on a daemon that made nothing.
save_snapshot() {
	local name
	dmloop_snapshot | tee "$1"
	for name in $BOOT_NAMES; do
		grep -q "^dmloop-$name " "$1" || { echo "dmloop-$name is missing"; return 1; }
	done
}

# compare_snapshot FILE: the current state equals the one saved in FILE.
compare_snapshot() {
	local now
	[ -s "$1" ] || { echo "no snapshot in $1"; return 1; }
	grep -q '^dmloop-' "$1" || { echo "the snapshot in $1 has no devices"; return 1; }
	now=$(dmloop_snapshot)
	if [ "$now" != "$(cat "$1")" ]; then
		echo "device state changed:"
		diff -u "$1" - <<<"$now"
		return 1
	fi
	echo "$now"
}

dmloopd_active() {
	local state
	state=$(systemctl show -p ActiveState -p SubState dmloopd.service)
	echo "$state"
	grep -qx ActiveState=active <<<"$state" && grep -qx SubState=running <<<"$state"
}

dmloopd_pid() { systemctl show -p MainPID --value dmloopd.service; }
