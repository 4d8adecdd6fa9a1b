# Issue 9, "crash-safe operations": 20 rounds of kill -9 at a random moment
# during 20 parallel creates and removes. After each restart every name is
# whole or absent (faults/lib.bash: invariant_whole_or_absent), nothing is
# stray, and the journal says what the start finished or undid.
source "$VM_SRC/tests/vm/checks/faults/lib.bash"

rounds_cursor=$(journal_cursor)
rm -f "$FAULTS/interrupted"
for round in $(seq "${FAULT_ROUNDS:-20}"); do
	CHECK_TIMEOUT=240 check "kill -9 round $round: every device whole or absent, nothing stray" kill_round "$round" 20
done

recovery_logged() {
	local lost lines
	lost=$(awk '{s += $1} END {print s + 0}' "$FAULTS/interrupted" 2>/dev/null)
	lines=$(journal_since "$rounds_cursor" | grep "Recovery:")
	echo "calls without a reply in all rounds: $lost"
	echo "Recovery: lines: $(grep -c . <<<"$lines")"
	head -30 <<<"$lines"
	[ "$lost" = 0 ] || [ -n "$lines" ]
}
check "kill -9 rounds: the journal shows what the starts finished or undid (Recovery:)" recovery_logged
kill_rounds_cleanup 20
