# CPU profiles of the block I/O benchmark (bench/profile), not a test:
# the fio run of tests/vm/checks/bench/10-block-io.sh on each device, with
# "perf record -a -g" over the whole guest (cpu-clock: TCG has no PMU; at
# 250 Hz, since at perf's default of 4000 Hz fio ran 10 times slower).
# For each device and block size: $VM_OUT/profile/<device>-<bs>.txt, perf
# report by symbol (self time), and the fio figure it ran beside.
# /etc/dmloop-vm/profile.conf may set PROFILE_DEVICES and PROFILE_SECONDS.

PROF=$VM_OUT/profile
mkdir -p "$PROF"
[ ! -r /etc/dmloop-vm/profile.conf ] || . /etc/dmloop-vm/profile.conf
DEVICES=${PROFILE_DEVICES:-loop dm-loop dm-ram brd null_blk}
SECS=${PROFILE_SECONDS:-10}
SIZE_MB=1024
mkdir -p /bench
mountpoint -q /bench || mount -t tmpfs -o size=$((SIZE_MB + 64))M tmpfs /bench
truncate -s ${SIZE_MB}M /bench/file.img
dd if=/dev/zero of=/bench/file.img bs=1M count=$SIZE_MB conv=notrunc status=none

# profile_fio LABEL DEVICE: fio as the benchmark runs it, under perf.
profile_fio() {
	local label=$1 dev=$2 bs iops
	for bs in 4k 32k; do
		perf record -q -e cpu-clock -F "${PROFILE_HZ:-250}" -a -g -o /run/perf-$label-$bs.data -- \
			fio --name="$label-$bs" --filename="$dev" --rw=randrw --bs=$bs --ioengine=libaio --direct=1 \
			--iodepth=12 --numjobs="$(nproc)" --group_reporting --time_based --runtime="$SECS" \
			--size=$((SIZE_MB - 64))M --output-format=json >/run/fio-$label-$bs.json || return 1
		iops=$(jq '[.jobs[] | .read.iops + .write.iops] | add | floor' /run/fio-$label-$bs.json)
		{
			echo "$label $bs: $iops IOPS under perf"
			perf report -i /run/perf-$label-$bs.data --no-children --sort sym --stdio -g none \
				--percent-limit 0.7 2>/dev/null | grep -v '^#' | grep -v '^$'
			# Time spent in and under the block layer's entry points:
			# what a device costs per I/O beside fio's own work.
			echo "--- including callees"
			perf report -i /run/perf-$label-$bs.data --children --sort sym --stdio -g none 2>/dev/null |
				grep -E '\] (blkdev_direct_IO|__submit_bio|dm_submit_bio|brd_submit_bio|ram_map|loop_map|loop_work|loop_queue_rq|lo_rw_aio|null_queue_rq|blk_mq_submit_bio|bio_endio|clone_endio|dm_io_dec_pending|bio_alloc_clone|shmem_file_write_iter|shmem_file_read_iter|copy_page_from_iter_atomic|_copy_to_iter|rwsem_spin_on_owner|pv_native_safe_halt)[[:space:]]*$'
			echo "--- by command"
			perf report -i /run/perf-$label-$bs.data --no-children --sort comm --stdio -g none \
				--percent-limit 1 2>/dev/null | grep -v '^#' | grep -v '^$'
		} >"$PROF/$label-$bs.txt"
		rm -f /run/perf-$label-$bs.data
	done
}

profile_loop() {
	local dev r
	dev=$(losetup -f --show /bench/file.img) || return 1
	profile_fio loop "$dev"; r=$?
	losetup -d "$dev"; return $r
}
profile_loop-dio() {
	local dev r
	dev=$(losetup -f --show --direct-io=on /bench/file.img) || return 1
	[ "$(cat /sys/block/${dev#/dev/}/loop/dio)" = 1 ] || { losetup -d "$dev"; echo "no direct I/O here"; return 0; }
	profile_fio loop-dio "$dev"; r=$?
	losetup -d "$dev"; return $r
}
profile_dm-loop() {
	local r
	modprobe dm-loop || return 1
	dmsetup create prof-loop --table "0 $((SIZE_MB * 2048)) loop /bench/file.img 0" || return 1
	udevadm settle
	profile_fio dm-loop /dev/mapper/prof-loop; r=$?
	dmsetup remove prof-loop; return $r
}
profile_dm-ram() {
	local r
	modprobe dm-ram || return 1
	dmsetup create prof-ram --table "0 $((SIZE_MB * 2048)) ram" || return 1
	udevadm settle
	dd if=/dev/zero of=/dev/mapper/prof-ram bs=1M oflag=direct status=none || true
	profile_fio dm-ram /dev/mapper/prof-ram; r=$?
	dmsetup remove prof-ram; return $r
}
profile_brd() {
	local r
	modprobe brd rd_nr=1 rd_size=$((SIZE_MB * 1024)) || return 1
	dd if=/dev/zero of=/dev/ram0 bs=1M oflag=direct status=none || true
	profile_fio brd /dev/ram0; r=$?
	rmmod brd; return $r
}
profile_null_blk() {
	local r
	modprobe null_blk nr_devices=1 gb=1 memory_backed=0 queue_mode=2 || return 1
	profile_fio null_blk /dev/nullb0; r=$?
	rmmod null_blk; return $r
}

CHECK_TIMEOUT=600
for dev in $DEVICES; do
	check "profile: $dev" "profile_$dev"
done
