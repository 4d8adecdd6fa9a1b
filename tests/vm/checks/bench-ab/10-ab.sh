# A/B of two builds of the targets in one boot (bench/ab), not a test: "A"
# is dm-loop.ko and dm-ram.ko as usual, "B" the same sources built as
# dm-loopb.ko and dm-ramb.ko with the targets renamed "loopb" and "ramb".
# Both run the benchmark's fio job (bench/lib.bash) on the same file, A and
# B in turns, the order swapped every round, so that each round's B/A ratio
# compares runs seconds apart: the host's speed drifts by up to 2x between
# minutes under TCG, which drowns a 10% change between two boots.
# JSON to $VM_OUT/ab/<a|b>-<loop|ram>-<bs>-r<round>.json.
# /etc/dmloop-vm/ab.conf (from bench/ab) may set AB_ROUNDS, AB_SECONDS and
# AB_TARGETS (loop, ram or both).

source "$VM_SRC/tests/vm/checks/bench/lib.bash"
AB=$VM_OUT/ab
mkdir -p "$AB"
[ ! -r /etc/dmloop-vm/ab.conf ] || . /etc/dmloop-vm/ab.conf
ROUNDS=${AB_ROUNDS:-8}
BENCH_SECONDS=${AB_SECONDS:-5}
TARGETS=${AB_TARGETS:-loop ram}
bench_file

# ab_run SIDE TARGET: a device of TARGET ("loop" or "ram") from side a or b,
# fio at 4K and 32K.
ab_run() {
	local side=$1 target=$2 name=ab-$1-$2 type=$2 table bs r=0
	[ "$side" = a ] || type=${target}b
	modprobe "dm-$type" || return 1
	if [ "$target" = loop ]; then
		table="0 $((BENCH_SIZE_MB * 2048)) $type /bench/file.img 0"
	else
		table="0 $((BENCH_SIZE_MB * 2048)) $type"
	fi
	dmsetup create "$name" --table "$table" || return 1
	udevadm settle
	# As in the benchmark: filled first, so that no run measures allocation.
	[ "$target" = loop ] || dd if=/dev/zero of="/dev/mapper/$name" bs=1M oflag=direct status=none || true
	for bs in 4k 32k; do
		bench_fio "$side-$target" "/dev/mapper/$name" $bs "$AB/$side-$target-$bs-r$ROUND.json" || r=1
	done
	dmsetup remove "$name"
	return $r
}

CHECK_TIMEOUT=600
for ROUND in $(seq "$ROUNDS"); do
	if ((ROUND % 2)); then order="a b"; else order="b a"; fi
	for target in $TARGETS; do
		for side in $order; do
			check "ab round $ROUND of $ROUNDS: $target, side $side" ab_run "$side" "$target"
		done
	done
done
