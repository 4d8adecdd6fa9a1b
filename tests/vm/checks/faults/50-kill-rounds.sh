# Issue 9, "crash-safe operations": rounds of kill -9 at a random moment
# during 20 parallel creates and removes. Every round also kills dmloopd
# while polkit holds a create by an unprivileged user and while a
# configured device waits for a mount point that is not mounted. After each
# restart every name is whole or absent (faults/lib.bash:
# invariant_whole_or_absent), nothing is stray, and the journal says what
# the start finished or undid. The last check counts the kills at each wait
# point.
source "$CHECK_DIR/lib.bash"

# Three rounds kill each time at the mount wait, mostly at polkit,
# and at udev's cookie wait a few times in all (creates and removes);
# kills in the synchronous part (journal entry, config file, backing file,
# table) come by chance. See the tally of the last check. A round takes
# 1-2 min idle, 4 min on a loaded host.
ROUNDS=3

# A create by user nobody waits for polkit until the hold ends, and then
# succeeds: the rule and the unprivileged path the rounds rely on work.
polkit_hold_works() {
	local pid rc=0
	force_absent kpok
	rm -f "$FAULTS/polkit/held"
	hold_polkit
	as_fault_user busctl call --timeout=60 "${MGR[@]}" CreateDevice ssta{sv} kpok ram 1048576 0 >"$FAULTS/kpok.out" 2>&1 &
	pid=$!
	wait_for 30 polkit_holds || { echo "polkit was never asked: $(cat "$FAULTS/kpok.out")"; release_polkit; return 1; }
	sleep 1
	dmsetup info dmloop-kpok >/dev/null 2>&1 && { echo "kpok was made while polkit held the call"; rc=1; }
	release_polkit
	wait "$pid" || { echo "the create by $FAULT_USER failed: $(cat "$FAULTS/kpok.out")"; return 1; }
	test -L /dev/dmloop/kpok || { echo "no /dev/dmloop/kpok"; rc=1; }
	mgr RemoveDevice sa{sv} kpok 0 >/dev/null
	return "$rc"
}

rounds_cursor=$(journal_cursor)
rm -f "$FAULTS/interrupted" "$FAULTS/kill-points"
check "kill -9 rounds: a create by $FAULT_USER waits while polkit holds it, then succeeds" polkit_hold_works
KILL_POLKIT=1
check "kill -9 rounds: a configured device waits for the unmounted $KM_MNT" kill_mount_setup && KILL_MOUNT=1
for round in $(seq "$ROUNDS"); do
	CHECK_TIMEOUT=600 check "kill -9 round $round: every device whole or absent, nothing stray" kill_round "$round" 20
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

# The wait points the kills hit: the mount wait in every round, polkit at
# least once (a polkit hold lasts 7 s at most, so a slow round can miss
# it). Kills during udev's cookie wait are counted, not required: on a
# loaded host a round's calls may all be done or not yet sent at the kill;
# 40-interrupted-create.sh and 73-remove-kill.sh kill there every time.
kill_tally() {
	local t
	t=$(grep -v '^$' "$FAULTS/kill-points" | sort | uniq -c)
	echo "operations in flight at the $ROUNDS kills, by wait point:"
	echo "$t"
	grep -qx polkit "$FAULTS/kill-points" || { echo "no kill hit a polkit wait"; return 1; }
	[ "$(grep -cx mount "$FAULTS/kill-points")" = "$ROUNDS" ] || { echo "not every kill hit the mount wait"; return 1; }
	grep -Eqx '(create|remove)-udev' "$FAULTS/kill-points" || echo "(no kill hit a udev wait in these rounds)"
}
check "kill -9 rounds: the kills hit polkit and the mount wait; kills per wait point" kill_tally
unhold_polkit
kill_mount_cleanup
force_absent kp
kill_rounds_cleanup 20
