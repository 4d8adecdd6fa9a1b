# A boot-time scratch disk from one file (make-etc DIR one-file N):
# Type=ram, Size=256M, MountPoint=/scratch, FileSystem=ext4. tests/run-all
# boots this guest three times; every boot must bring it back the same way.
. "$CHECK_DIR/lib.bash"

if [ "$SCRATCH_MODE" != one-file ]; then
	skip "one-file scratch disk" "not this boot ($SCRATCH_MODE)"
else
	check_sh "boot $SCRATCH_BOOT: dmloop-generator wrote the units of scratch.conf" '
		test -f /run/systemd/generator/scratch.mount
		test -f "/run/systemd/generator/systemd-makefs@dev-dmloop-scratch.service"
		test -L /run/systemd/generator/dev-dmloop-scratch.device.wants/scratch.mount
		grep -x "SourcePath=/etc/dmloop.d/scratch.conf" /run/systemd/generator/scratch.mount
	'
	# Generous limits: a loaded TCG guest takes minutes to mount it.
	CHECK_TIMEOUT=300 check_sh "boot $SCRATCH_BOOT: /scratch is a mounted ext4 on /dev/dmloop/scratch" '
		wait_for 280 mounted_from /scratch scratch ext4
		test "$(blockdev --getsize64 /dev/dmloop/scratch)" = 268435456
		systemctl is-active scratch.mount
	'
	# Freshly formatted means the ext4 was created during this boot. The
	# journal is no witness: systemd-makefs exits right after its "successfully
	# formatted" line, and journald then cannot always tie the line to the
	# unit (CI saw the line missing from -u on boot 1 and on boot 2).
	check_sh "boot $SCRATCH_BOOT: it comes back empty and freshly formatted" '
		echo "/scratch holds: $(ls -A /scratch | paste -sd" ")"
		test "$(ls -A /scratch)" = lost+found
		created=$(dumpe2fs -h /dev/dmloop/scratch 2>/dev/null | sed -n "s/^Filesystem created: *//p")
		booted=$(awk "/^btime/ {print \$2}" /proc/stat)
		echo "created $created, booted $(date -d @"$booted")"
		test "$(date -d "$created" +%s)" -ge "$booted"
	'
	check "boot $SCRATCH_BOOT: data written to /scratch reads back" write_and_read /scratch
	check "boot $SCRATCH_BOOT: no ordering cycle, no device timeout in the journal" no_cycles_or_timeouts
	# What critical-chain shows, from the timestamps: the device came up,
	# then makefs ran, then the mount.
	check_sh "boot $SCRATCH_BOOT: scratch.mount waited for makefs, which waited for dev-dmloop-scratch.device" '
		at() { systemctl show -P "$2" "$1"; }
		dev=$(at dev-dmloop-scratch.device ActiveEnterTimestampMonotonic)
		mkfs_start=$(at systemd-makefs@dev-dmloop-scratch.service InactiveExitTimestampMonotonic)
		mkfs_done=$(at systemd-makefs@dev-dmloop-scratch.service ActiveEnterTimestampMonotonic)
		mount_start=$(at scratch.mount InactiveExitTimestampMonotonic)
		echo "device $dev, makefs $mkfs_start-$mkfs_done, mount $mount_start (us)"
		test "$dev" -gt 0 && test "$dev" -le "$mkfs_start" && test "$mkfs_done" -le "$mount_start"
	'
	# systemd-analyze critical-chain reads every unit over the bus: four
	# minutes in a loaded TCG guest, so once, on boot 1.
	if [ "$SCRATCH_BOOT" = 1 ]; then
		CHECK_TIMEOUT=420 check_sh "boot 1: the critical chain of scratch.mount goes through dev-dmloop-scratch.device" '
			out=$(timeout 400 systemd-analyze critical-chain --no-pager scratch.mount)
			echo "$out"
			grep -q "dev-dmloop-scratch.device" <<<"$out"
		'
	fi
	# The same units on every boot: verified once (slow in a TCG guest).
	if [ "$SCRATCH_BOOT" = 1 ]; then
		CHECK_TIMEOUT=300 check "boot 1: systemd-analyze verify is clean for dmloopd.service and the generated units" \
			verify_units dmloopd.service scratch.mount systemd-makefs@dev-dmloop-scratch.service
	fi
fi
