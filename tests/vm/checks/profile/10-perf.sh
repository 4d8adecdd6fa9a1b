# CPU profiles of the block I/O benchmark (BENCH_PROFILE=1 bench/run), not a test:
# the fio runs of tests/vm/checks/bench/10-block-io.sh on the same devices
# (bench/lib.bash), under "perf record -a -g" over the whole guest
# (cpu-clock: TCG has no PMU; at 250 Hz, since at perf's default of
# 4000 Hz fio ran 10 times slower).
# For each device and block size: $VM_OUT/profile/<device>-<bs>.txt, perf
# report by symbol (self time), and the fio figure it ran beside; before
# that, a run under perf stat alone gives the CPU time and context
# switches per I/O.
# /etc/dmloop-vm/bench.conf (from bench/run) may set BENCH_DEVICES and
# BENCH_SECONDS.

source "$VM_SRC/tests/vm/checks/bench/lib.bash"
source "$VM_SRC/bench/stats.bash"
bench_setup profile bench.conf
DEVICES=${BENCH_DEVICES:-loop loop-dio dm-loop dm-ram brd dm-zero null_blk}

# Busy and idle jiffies of all CPUs together, from /proc/stat.
cpu_ticks() {
	awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6 }' /proc/stat
}

# What one I/O costs the whole guest, from a fio run under software
# counters only (perf stat, lighter than perf record): CPU time busy and idle,
# context switches and migrations, per I/O. Idle time is where a CPU had
# nothing to run, as when a submitter waits for another thread.
profile_counts() { # label device bs
	local json=/run/fio-count-$1-$3.json stat=/run/perf-stat-$1-$3.csv t0 t1 ios
	t0=$(cpu_ticks)
	bench_fio "$1" "$2" "$3" "$json" perf stat -a -x, -e context-switches,cpu-migrations -o "$stat" -- || return 1
	t1=$(cpu_ticks)
	ios=$(jq '[.jobs[] | .read.total_ios + .write.total_ios] | add' "$json")
	awk -F, -v t0="$t0" -v t1="$t1" -v ios="$ios" -v hz="$(getconf CLK_TCK)" \
		-v secs="${BENCH_SECONDS:-10}" '
		$3 == "context-switches" { cs = $1 }
		$3 == "cpu-migrations" { mig = $1 }
		END {
			split(t0, a, " "); split(t1, b, " ")
			us = 1e6 / hz / ios
			printf "%d IOPS under perf stat; per I/O: CPU busy %.1f us, idle %.1f us, %.2f context switches, %.3f migrations\n",
				ios / secs, (b[1] - a[1]) * us, (b[2] - a[2]) * us, cs / ios, mig / ios
		}' "$stat"
	rm -f "$json" "$stat"
}

profile_fio() { # label device
	local label=$1 bs iops data counts
	for bs in 4k 32k; do
		counts=$(profile_counts "$label" "$2" $bs) || return 1
		data=/run/perf-$label-$bs.data
		bench_fio "$label" "$2" $bs /run/fio-$label-$bs.json \
			perf record -q -e cpu-clock -F "${PROFILE_HZ:-250}" -a -g -o "$data" -- || return 1
		iops=$(json_iops /run/fio-$label-$bs.json)
		{
			echo "$label $bs: $iops IOPS under perf"
			echo "--- $counts"
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
