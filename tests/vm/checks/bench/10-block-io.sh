# Block I/O benchmark (bench/run), not a test: fio 4K and 32K randrw,
# libaio, direct=1, iodepth 12, numjobs = vCPUs, on the same 1 GiB tmpfs
# file for every file-backed device (the devices: lib.bash). The devices
# take turns in BENCH_ROUNDS interleaved rounds (bench/run reports the
# medians), so a slow spell of the host does not land on one device only.
# Each run's JSON goes to $VM_OUT/bench/<device>-<bs>-r<round>.json. A
# check fails only when a device could not be set up or fio failed.
#
# /etc/dmloop-vm/bench.conf (from bench/run) may set BENCH_SECONDS,
# BENCH_ROUNDS and BENCH_DEVICES (a subset of the labels below).

source "$VM_SRC/tests/vm/checks/bench/lib.bash"
bench_setup bench bench.conf
ROUNDS=${BENCH_ROUNDS:-3}
DEVICES=${BENCH_DEVICES:-loop loop-dio dm-loop fallback dm-ram brd dm-zero null_blk}

CHECK_TIMEOUT=600

# check runs each command in a subshell of this one, so it sees these
# functions and ROUND without exports.
for ROUND in $(seq "$ROUNDS"); do
	for dev in $DEVICES; do
		check "bench round $ROUND of $ROUNDS: $dev" with_device "$dev" bench_round
	done
done
