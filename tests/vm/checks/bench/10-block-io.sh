# Block I/O benchmark (bench/run), not a test: fio 4K and 32K randrw,
# libaio, direct=1, iodepth 12, numjobs = vCPUs, on the same 1 GiB tmpfs
# file for every file-backed device. Each run's JSON goes to $VM_OUT/bench.
# A check fails only when a device could not be set up or fio failed.

BENCH=$VM_OUT/bench
mkdir -p "$BENCH"
SECS=${BENCH_SECONDS:-10}
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
			--size=$((SIZE_MB - 64))M --output-format=json >"$BENCH/$label-$bs.json" || return 1
	done
}
export -f fio_run
export BENCH SECS SIZE_MB

CHECK_TIMEOUT=600

check_sh "bench: loop driver (default)" '
	dev=$(losetup -f --show /bench/file.img)
	fio_run loop "$dev"; r=$?
	losetup -d "$dev"; exit $r
'
check_sh "bench: loop driver --direct-io=on" '
	if dev=$(losetup -f --show --direct-io=on /bench/file.img 2>/dev/null) &&
	   [ "$(cat /sys/block/${dev#/dev/}/loop/dio)" = 1 ]; then
		fio_run loop-dio "$dev"; r=$?
	else
		echo "tmpfs refuses direct I/O here" >"$BENCH/loop-dio.na"; r=0
	fi
	[ -z "${dev:-}" ] || losetup -d "$dev"
	exit $r
'
check_sh "bench: dm loop target" '
	if ! modprobe dm-loop 2>/dev/null; then echo "dm-loop not installed" >"$BENCH/dm-loop.na"; exit 0; fi
	size=$(( $(stat -c %s /bench/file.img) / 512 ))
	dmsetup create bench-loop --table "0 $size loop /bench/file.img 0"
	udevadm settle
	fio_run dm-loop /dev/mapper/bench-loop; r=$?
	dmsetup remove bench-loop; exit $r
'
check_sh "bench: fallback file device (loop + dm linear)" '
	dev=$(losetup -f --show /bench/file.img)
	size=$(blockdev --getsz "$dev")
	dmsetup create bench-linear --table "0 $size linear $dev 0"
	udevadm settle
	fio_run fallback /dev/mapper/bench-linear; r=$?
	dmsetup remove bench-linear; losetup -d "$dev"; exit $r
'
check_sh "bench: dm ram target" '
	if ! modprobe dm-ram 2>/dev/null; then echo "dm-ram not installed" >"$BENCH/dm-ram.na"; exit 0; fi
	dmsetup create bench-ram --table "0 $((SIZE_MB * 2048)) ram"
	udevadm settle
	dd if=/dev/zero of=/dev/mapper/bench-ram bs=1M oflag=direct status=none || true
	fio_run dm-ram /dev/mapper/bench-ram; r=$?
	dmsetup remove bench-ram; exit $r
'
check_sh "bench: brd" '
	modprobe brd rd_nr=1 rd_size=$((SIZE_MB * 1024))
	dd if=/dev/zero of=/dev/ram0 bs=1M oflag=direct status=none || true
	fio_run brd /dev/ram0; r=$?
	rmmod brd; exit $r
'
check_sh "bench: null_blk memory_backed=0" '
	modprobe null_blk nr_devices=1 gb=1 memory_backed=0 queue_mode=2
	fio_run null_blk /dev/nullb0; r=$?
	rmmod null_blk; exit $r
'
