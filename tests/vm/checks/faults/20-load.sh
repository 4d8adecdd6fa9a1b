# Issue 9, "parallel calls fail under load": 30 parallel creates, then 30
# parallel removes, while two CPU hogs run. All must succeed (no fixed udev
# limit that a busy machine exceeds), and udev must not report "File exists"
# (libdevmapper made nodes of other devices while udev worked on them).
source "$CHECK_DIR/lib.bash"

load_cursor=$(journal_cursor)
yes >/dev/null &
hog1=$!
yes >/dev/null &
hog2=$!

load_create() {
	local i fail=0 pids=()
	for i in $(seq 30); do
		if [ $((i % 2)) = 0 ]; then
			busctl call --timeout=170 "${MGR[@]}" CreateDevice ssta{sv} "load$i" ram 1048576 0 \
				>"$FAULTS/load-$i.out" 2>&1 &
		else
			busctl call --timeout=170 "${MGR[@]}" CreateDevice ssta{sv} "load$i" file 1048576 0 \
				>"$FAULTS/load-$i.out" 2>&1 &
		fi
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i" || fail=$((fail + 1)); done
	sort "$FAULTS"/load-*.out | uniq -c | sort -rn | head -20
	echo "$fail of 30 creates failed"
	[ "$fail" = 0 ] || return 1
	refresh_listed || return 1
	for i in $(seq 30); do
		test -L "/dev/dmloop/load$i" || { echo "no /dev/dmloop/load$i"; return 1; }
		grep -qx "load$i" "$FAULTS/listed" || { echo "load$i not listed"; return 1; }
	done
}

load_remove() {
	local i fail=0 pids=()
	for i in $(seq 30); do
		busctl call --timeout=170 "${MGR[@]}" RemoveDevice sa{sv} "load$i" 1 DeleteBacking b true \
			>"$FAULTS/loadrm-$i.out" 2>&1 &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i" || fail=$((fail + 1)); done
	sort "$FAULTS"/loadrm-*.out | uniq -c | sort -rn | head -20
	echo "$fail of 30 removes failed"
	[ "$fail" = 0 ] || return 1
	udevadm settle -t 60
	refresh_listed || return 1
	for i in $(seq 30); do
		expect_set "load$i" "$([ $((i % 2)) = 0 ] && echo ram || echo file)" 1048576 no no
		device_is_absent "load$i" "$(cut -d' ' -f1 "$FAULTS_EXPECT/load$i")" no || return 1
	done
	no_strays
}

no_file_exists() {
	local hits
	hits=$(journal_since "$load_cursor" | grep -v "run-checks" | grep -E "udev.*File exists")
	[ -z "$hits" ] && return 0
	echo "$(wc -l <<<"$hits") \"File exists\" messages since the load began:"
	head -20 <<<"$hits"
	return 1
}

CHECK_TIMEOUT=400 check "load: 30 parallel CreateDevice calls with two CPU hogs all succeed" load_create
check "load: udev reports no existing symlinks or nodes (File exists) during the creates" no_file_exists
CHECK_TIMEOUT=400 check "load: 30 parallel RemoveDevice calls with two CPU hogs all succeed, nothing left" load_remove
check "load: udev reports no existing symlinks or nodes (File exists) during creates and removes" no_file_exists
kill "$hog1" "$hog2" 2>/dev/null
wait "$hog1" "$hog2" 2>/dev/null
# Whatever a failed check left must not disturb the next files.
for i in $(seq 30); do force_absent "load$i"; done
