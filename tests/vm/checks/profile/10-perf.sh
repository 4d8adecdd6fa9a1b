# CPU profiles of the block I/O benchmark (BENCH_PROFILE=1 bench/run), not a test:
# the fio runs of tests/vm/checks/bench/10-block-io.sh on the same devices
# (bench/lib.bash), under "perf record -a -g" over the whole guest
# (cpu-clock: TCG has no PMU; at 250 Hz, since at perf's default of
# 4000 Hz fio ran 10 times slower).
# For each device and block size: $VM_OUT/profile/<device>-<bs>.txt, perf
# report by symbol (self time), and the fio figure it ran beside.
# /etc/dmloop-vm/bench.conf (from bench/run) may set BENCH_DEVICES and
# BENCH_SECONDS.

source "$VM_SRC/tests/vm/checks/bench/lib.bash"
bench_setup profile bench.conf
DEVICES=${BENCH_DEVICES:-loop loop-dio dm-loop dm-ram brd dm-zero null_blk}

profile_fio() { # label device
	local label=$1 bs iops data
	for bs in 4k 32k; do
		data=/run/perf-$label-$bs.data
		bench_fio "$label" "$2" $bs /run/fio-$label-$bs.json \
			perf record -q -e cpu-clock -F "${PROFILE_HZ:-250}" -a -g -o "$data" -- || return 1
		iops=$(jq '[.jobs[] | .read.iops + .write.iops] | add | floor' /run/fio-$label-$bs.json)
		{
			echo "$label $bs: $iops IOPS under perf"
			perf report -i "$data" --no-children --sort sym --stdio -g none \
				--percent-limit 0.7 2>/dev/null | grep -v '^#' | grep -v '^$'
			# Time spent in and under the block layer's entry points:
			# what a device costs per I/O beside fio's own work.
			echo "--- including callees"
			perf report -i "$data" --children --sort sym --stdio -g none 2>/dev/null |
				grep -E '\] (blkdev_direct_IO|__submit_bio|dm_submit_bio|brd_submit_bio|ram_map|loop_map|loop_work|loop_queue_rq|lo_rw_aio|null_queue_rq|blk_mq_submit_bio|bio_endio|clone_endio|dm_io_dec_pending|bio_alloc_clone|shmem_file_write_iter|shmem_file_read_iter|copy_page_from_iter_atomic|_copy_to_iter|rwsem_spin_on_owner|pv_native_safe_halt)[[:space:]]*$'
			echo "--- by command"
			perf report -i "$data" --no-children --sort comm --stdio -g none \
				--percent-limit 1 2>/dev/null | grep -v '^#' | grep -v '^$'
		} >"$BENCH/$label-$bs.txt"
		rm -f "$data"
	done
}

CHECK_TIMEOUT=600
for dev in $DEVICES; do
	check "profile: $dev" with_device "$dev" profile_fio
done
