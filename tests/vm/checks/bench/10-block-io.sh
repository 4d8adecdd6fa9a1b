# Block I/O benchmark (bench/run), not a test: fio 4K and 32K randrw,
# libaio, direct=1, iodepth 12, numjobs = vCPUs, on the same 1 GiB tmpfs
# file for every file-backed device. The devices take turns in
# BENCH_ROUNDS interleaved rounds (bench/run reports the medians), so a
# slow spell of the host does not land on one device only. Each run's
# JSON goes to $VM_OUT/bench/<device>-<bs>-r<round>.json. A check fails
# only when a device could not be set up or fio failed.
#
# /etc/dmloop-vm/bench.conf (from bench/run) may set BENCH_SECONDS,
# BENCH_ROUNDS and BENCH_DEVICES (a subset of the labels below).

BENCH=$VM_OUT/bench
mkdir -p "$BENCH"
[ ! -r /etc/dmloop-vm/bench.conf ] || . /etc/dmloop-vm/bench.conf
SECS=${BENCH_SECONDS:-10}
ROUNDS=${BENCH_ROUNDS:-3}
DEVICES=${BENCH_DEVICES:-loop loop-dio dm-loop fallback dm-ram brd null_blk}
SIZE_MB=1024
mkdir -p /bench
mountpoint -q /bench || mount -t tmpfs -o size=$((SIZE_MB + 64))M tmpfs /bench
truncate -s ${SIZE_MB}M /bench/file.img
# Fill it, so that no run measures hole reads.
dd if=/dev/zero of=/bench/file.img bs=1M count=$SIZE_MB conv=notrunc status=none

fio_run() { # label device
	local label=$1 dev=$2 bs
	for bs in 4k 32k; do
		fio --name="$label-$bs" --filename="$dev" --rw=randrw --bs=$bs --ioengine=libaio --direct=1 \
			--iodepth=12 --numjobs="$(nproc)" --group_reporting --time_based --runtime="$SECS" \
			--size=$((SIZE_MB - 64))M --output-format=json >"$BENCH/$label-$bs-r$ROUND.json" || return 1
	done
}

# One function per device label: set up, fio_run, tear down; the status
# is fio's, or 0 with a $BENCH/<label>.na file when this kernel lacks it.
bench_loop() {
	local dev r
	dev=$(losetup -f --show /bench/file.img) || return 1
	fio_run loop "$dev"; r=$?
	losetup -d "$dev"; return $r
}
bench_loop-dio() {
	local dev r=0
	if dev=$(losetup -f --show --direct-io=on /bench/file.img 2>/dev/null) &&
	   [ "$(cat /sys/block/${dev#/dev/}/loop/dio)" = 1 ]; then
		fio_run loop-dio "$dev"; r=$?
	else
		echo "tmpfs refuses direct I/O here" >"$BENCH/loop-dio.na"
	fi
	[ -z "${dev:-}" ] || losetup -d "$dev"
	return $r
}
bench_dm-loop() {
	local size r
	if ! modprobe dm-loop 2>/dev/null; then echo "dm-loop not installed" >"$BENCH/dm-loop.na"; return 0; fi
	size=$(( $(stat -c %s /bench/file.img) / 512 ))
	dmsetup create bench-loop --table "0 $size loop /bench/file.img 0" || return 1
	udevadm settle
	fio_run dm-loop /dev/mapper/bench-loop; r=$?
	dmsetup remove bench-loop; return $r
}
bench_fallback() {
	local dev size r
	dev=$(losetup -f --show /bench/file.img) || return 1
	size=$(blockdev --getsz "$dev")
	dmsetup create bench-linear --table "0 $size linear $dev 0" || { losetup -d "$dev"; return 1; }
	udevadm settle
	fio_run fallback /dev/mapper/bench-linear; r=$?
	dmsetup remove bench-linear; losetup -d "$dev"; return $r
}
bench_dm-ram() {
	local r
	if ! modprobe dm-ram 2>/dev/null; then echo "dm-ram not installed" >"$BENCH/dm-ram.na"; return 0; fi
	dmsetup create bench-ram --table "0 $((SIZE_MB * 2048)) ram" || return 1
	udevadm settle
	# Filled first, like brd below, so that no run measures allocation.
	dd if=/dev/zero of=/dev/mapper/bench-ram bs=1M oflag=direct status=none || true
	fio_run dm-ram /dev/mapper/bench-ram; r=$?
	dmsetup remove bench-ram; return $r
}
bench_brd() {
	local r
	modprobe brd rd_nr=1 rd_size=$((SIZE_MB * 1024)) || return 1
	dd if=/dev/zero of=/dev/ram0 bs=1M oflag=direct status=none || true
	fio_run brd /dev/ram0; r=$?
	rmmod brd; return $r
}
bench_null_blk() {
	local r
	modprobe null_blk nr_devices=1 gb=1 memory_backed=0 queue_mode=2 || return 1
	fio_run null_blk /dev/nullb0; r=$?
	rmmod null_blk; return $r
}
CHECK_TIMEOUT=600

# check runs each function in a subshell of this one, so it sees them
# and ROUND without exports.
for ROUND in $(seq "$ROUNDS"); do
	for dev in $DEVICES; do
		check "bench round $ROUND of $ROUNDS: $dev" "bench_$dev"
	done
done
