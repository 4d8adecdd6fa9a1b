# A/B of two builds of the targets in one boot (bench/ab), not a test: "A"
# is dm-loop.ko and dm-ram.ko as usual, "B" the same sources built as
# dm-loopb.ko and dm-ramb.ko with the targets renamed "loopb" and "ramb".
# Both run the benchmark's fio job (bench/lib.bash) on the same file, A and
# B in turns, the order swapped every round, so that each round's B/A ratio
# compares runs seconds apart: the host's speed drifts by up to 2x between
# minutes under TCG, which drowns a 10% change between two boots.
# JSON to $VM_OUT/ab/<label>-<bs>-r<round>.json, label dm-loop, dm-loopb,
# dm-ram or dm-ramb. /etc/dmloop-vm/ab.conf (from bench/ab) may set
# AB_ROUNDS, AB_SECONDS and AB_TARGETS (loop, ram or both).

source "$VM_SRC/tests/vm/checks/bench/lib.bash"
bench_setup ab ab.conf
ROUNDS=${AB_ROUNDS:-8}
BENCH_SECONDS=${AB_SECONDS:-5}
TARGETS=${AB_TARGETS:-loop ram}

CHECK_TIMEOUT=600
for ROUND in $(seq "$ROUNDS"); do
	if ((ROUND % 2)); then sides="a b"; else sides="b a"; fi
	for target in $TARGETS; do
		for side in $sides; do
			label=dm-$target
			[ "$side" = a ] || label=${label}b
			check "ab round $ROUND of $ROUNDS: $label" with_device "$label" bench_round
		done
	done
done
