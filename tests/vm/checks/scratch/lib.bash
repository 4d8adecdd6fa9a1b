# Shared by the scratch suite's check files (sourced, not run).

read -r SCRATCH_MODE SCRATCH_BOOT <"/etc/dmloop-scratch/phase" 2>/dev/null || SCRATCH_MODE=none
export SCRATCH_MODE SCRATCH_BOOT

# mounted_from MOUNTPOINT NAME FSTYPE: MOUNTPOINT holds an FSTYPE file system
# on /dev/dmloop/NAME.
mounted_from() {
	local dev
	dev=$(readlink -f "/dev/dmloop/$2") || return 1
	test "$(findmnt -n -o FSTYPE --mountpoint "$1")" = "$3" &&
		test "$(readlink -f "$(findmnt -n -o SOURCE --mountpoint "$1")")" = "$dev"
}
export -f mounted_from

# systemd's own messages of this boot (not the checks' progress lines,
# which name what they look for).
pid1_journal() {
	journalctl -b --no-pager _PID=1
}
export -f pid1_journal

# The journal of this boot has no ordering cycle and no device timeout.
no_cycles_or_timeouts() {
	! pid1_journal | grep -E -i 'ordering cycle|Timed out waiting for device'
}
export -f no_cycles_or_timeouts

# verify_units UNIT...: "systemd-analyze verify" is clean for the units,
# which are looked up where systemd loaded them from.
verify_units() {
	local u path paths=() out
	for u in "$@"; do
		path=$(systemctl show -P FragmentPath "$u")
		[ -n "$path" ] || { echo "$u: no unit file"; return 1; }
		paths+=("$path")
	done
	echo "verifying ${paths[*]}"
	out=$(timeout 240 systemd-analyze verify "${paths[@]}" 2>&1) || { echo "$out"; return 1; }
	echo "$out"
	# Warnings about other units (the host's) are not ours to fix.
	! grep -E 'dmloop|scratch|keep|swapdisk|fast' <<<"$out"
}
export -f verify_units

# write_and_read MOUNTPOINT: 8 MiB of random data written, dropped from the
# page cache and read back.
write_and_read() {
	local sum
	mountpoint -q "$1" || { echo "$1 is not mounted"; return 1; }
	head -c 8M /dev/urandom >"$1/data"
	sum=$(sha256sum <"$1/data")
	sync
	echo 3 >/proc/sys/vm/drop_caches
	test "$(sha256sum <"$1/data")" = "$sum"
}
export -f write_and_read
