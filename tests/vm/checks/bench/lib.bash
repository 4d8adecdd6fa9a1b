# The devices of the block I/O benchmark, shared by the bench suite
# (10-block-io.sh) and the profile suite (tests/vm/checks/profile): each
# over the same 1 GiB file on tmpfs, or the same size in RAM.
#
# with_device LABEL CMD: sets up device LABEL, runs "CMD LABEL DEVNODE",
# tears the device down and returns CMD's status. A device this kernel
# cannot make (dm-loop or dm-ram not installed, tmpfs without direct I/O)
# writes the reason to $BENCH_NA/LABEL.na and returns 0 without CMD.

BENCH_SIZE_MB=1024

# bench_file: the backing file on tmpfs, filled, so that no run measures
# hole reads.
bench_file() {
	mkdir -p /bench
	mountpoint -q /bench || mount -t tmpfs -o size=$((BENCH_SIZE_MB + 64))M tmpfs /bench || return 1
	truncate -s ${BENCH_SIZE_MB}M /bench/file.img &&
		dd if=/dev/zero of=/bench/file.img bs=1M count=$BENCH_SIZE_MB conv=notrunc status=none
}

# bench_setup DIR CONF: the common start of a benchmark suite. Results go
# to $BENCH ($VM_OUT/DIR), as do the .na notes of with_device; settings
# come from /etc/dmloop-vm/CONF when bench/run or bench/ab wrote one; the
# backing file is made.
bench_setup() {
	BENCH=$VM_OUT/$1
	BENCH_NA=$BENCH
	mkdir -p "$BENCH"
	[ ! -r "/etc/dmloop-vm/$2" ] || . "/etc/dmloop-vm/$2"
	bench_file
}

_na() { echo "$2" >"$BENCH_NA/$1.na"; }

with_device() {
	local label=$1 cmd=$2 dev r=0
	case $label in
	loop)
		dev=$(losetup -f --show /bench/file.img) || return 1
		"$cmd" "$label" "$dev"; r=$?
		losetup -d "$dev"
		;;
	loop-dio)
		dev=$(losetup -f --show --direct-io=on /bench/file.img 2>/dev/null) || dev=
		if [ -n "$dev" ] && [ "$(cat /sys/block/${dev#/dev/}/loop/dio)" = 1 ]; then
			"$cmd" "$label" "$dev"; r=$?
		else
			_na "$label" "tmpfs refuses direct I/O here"
		fi
		[ -z "$dev" ] || losetup -d "$dev"
		;;
	dm-loop | dm-loopb)
		# dm-loopb: bench/ab's second build, its target renamed "loopb".
		modprobe "$label" 2>/dev/null || { _na "$label" "$label not installed"; return 0; }
		dev=bench-${label#dm-}
		dmsetup create "$dev" --table "0 $((BENCH_SIZE_MB * 2048)) ${label#dm-} /bench/file.img 0" || return 1
		udevadm settle
		"$cmd" "$label" "/dev/mapper/$dev"; r=$?
		dmsetup remove "$dev"
		;;
	fallback)
		dev=$(losetup -f --show /bench/file.img) || return 1
		if dmsetup create bench-linear --table "0 $(blockdev --getsz "$dev") linear $dev 0"; then
			udevadm settle
			"$cmd" "$label" /dev/mapper/bench-linear; r=$?
			dmsetup remove bench-linear
		else
			r=1
		fi
		losetup -d "$dev"
		;;
	dm-ram | dm-ramb)
		# dm-ramb: bench/ab's second build, its target renamed "ramb".
		modprobe "$label" 2>/dev/null || { _na "$label" "$label not installed"; return 0; }
		dev=bench-${label#dm-}
		dmsetup create "$dev" --table "0 $((BENCH_SIZE_MB * 2048)) ${label#dm-}" || return 1
		udevadm settle
		# Filled first, like brd below, so that no run measures allocation.
		dd if=/dev/zero of="/dev/mapper/$dev" bs=1M oflag=direct status=none || true
		"$cmd" "$label" "/dev/mapper/$dev"; r=$?
		dmsetup remove "$dev"
		;;
	brd)
		modprobe brd rd_nr=1 rd_size=$((BENCH_SIZE_MB * 1024)) || return 1
		dd if=/dev/zero of=/dev/ram0 bs=1M oflag=direct status=none || true
		"$cmd" "$label" /dev/ram0; r=$?
		rmmod brd
		;;
	dm-zero)
		# dm's zero target: dm's own path with no storage behind it, the
		# ceiling of any device-mapper target (dm-ram).
		modprobe dm-zero 2>/dev/null || true
		dmsetup create bench-zero --table "0 $((BENCH_SIZE_MB * 2048)) zero" || return 1
		udevadm settle
		"$cmd" "$label" /dev/mapper/bench-zero; r=$?
		dmsetup remove bench-zero
		;;
	null_blk)
		# irqmode=0: each request completes where it was issued, with no
		# softirq, so that this is the ceiling of any device here.
		modprobe null_blk nr_devices=1 gb=1 memory_backed=0 queue_mode=2 irqmode=0 || return 1
		"$cmd" "$label" /dev/nullb0; r=$?
		rmmod null_blk
		;;
	*)
		echo "unknown bench device $label"
		return 1
		;;
	esac
	return $r
}

# bench_fio LABEL DEVICE BS OUTPUT [FIO-PREFIX...]: the benchmark's fio job,
# 4K or 32K randrw, libaio, direct=1, iodepth 12, numjobs = vCPUs, for
# BENCH_SECONDS (default 10), JSON to OUTPUT; FIO-PREFIX (perf record ...)
# runs fio under another program.
bench_fio() {
	local label=$1 dev=$2 bs=$3 out=$4
	shift 4
	"$@" fio --name="$label-$bs" --filename="$dev" --rw=randrw --bs="$bs" --ioengine=libaio --direct=1 \
		--iodepth=12 --numjobs="$(nproc)" --group_reporting --time_based --runtime="${BENCH_SECONDS:-10}" \
		--size=$((BENCH_SIZE_MB - 64))M --output-format=json >"$out"
}

# bench_round LABEL DEVICE: bench_fio at 4K and 32K, JSON to
# $BENCH/<label>-<bs>-r$ROUND.json.
bench_round() {
	local bs
	for bs in 4k 32k; do
		bench_fio "$1" "$2" $bs "$BENCH/$1-$bs-r$ROUND.json" || return 1
	done
}
