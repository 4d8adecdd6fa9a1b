# Helpers shared by the faults suite (issue 9: dmloopd under faults). Sourced
# by its check files; the runner only runs *.sh, so this is not a check file.
#
# The suite expects a boot of its own with no configured devices (tests/run-all
# passes only the sanitizer build through --etc), so that the first check can
# start from a system without /var/lib/dmloop. Every check file cleans up
# the devices it made.
#
# Error names: busctl prints only an error's message (design.md), so checks
# that need the name use gdbus or python3-dbus.

FAULTS=/run/dmloop-faults
FAULTS_SRC=$VM_SRC/tests/vm/checks/faults
FAULTS_EXPECT=$FAULTS/expect
STATE_DIR=/var/lib/dmloop
CONF_DIR=/etc/dmloop.d
RAM_DIR=${RAM_DIR:-/run/dmloop/ram}
HOLD_RULE=/run/udev/rules.d/99-dmloop-faults-hold.rules
MGR=(org.dmloop1 /org/dmloop1 org.dmloop1.Manager)
# The files after 10-first-use.sh need the state directory, whoever makes it.
mkdir -p "$FAULTS" "$FAULTS_EXPECT" "$CONF_DIR" "$STATE_DIR"

# ---- the bus ----

# mgr METHOD SIGNATURE ARGS...: a Manager call through busctl (60 s limit).
mgr() {
	busctl call --timeout=60 org.dmloop1 /org/dmloop1 org.dmloop1.Manager "$@"
}

# Calls a Manager method with gdbus, which prints the error's name; prints
# its output.
mgr_gdbus() {
	local method=$1
	shift
	gdbus call --system --timeout 60 --dest org.dmloop1 --object-path /org/dmloop1 \
		--method "org.dmloop1.Manager.$method" -- "$@" 2>&1
}

# expect_error ERROR-NAME METHOD ARGS...: the gdbus call fails with that error.
expect_error() {
	local err=$1 out
	shift
	out=$(mgr_gdbus "$@") && { echo "call succeeded: $out"; return 1; }
	echo "$out"
	grep -q "GDBus.Error:$err:" <<<"$out" || { echo "expected $err"; return 1; }
}

# The device names dmloopd lists, one a line; fails if it does not answer.
listed_names() {
	local out
	out=$(busctl call --timeout=20 --json=short org.dmloop1 /org/dmloop1 org.dmloop1.Manager ListDevices) || return 1
	jq -r '.data[0][] | .[0]' <<<"$out"
}

# listed_size NAME: the size dmloopd reports for NAME (empty if not listed).
listed_size() {
	busctl call --timeout=20 --json=short org.dmloop1 /org/dmloop1 org.dmloop1.Manager ListDevices |
		jq -r --arg n "$1" '.data[0][] | select(.[0] == $n) | .[2]'
}

# ---- the journal ----

journal_cursor() {
	journalctl --sync 2>/dev/null
	journalctl -q -n 0 --show-cursor | sed -n 's/^-- cursor: //p'
}

# journal_since CURSOR: everything logged after CURSOR.
journal_since() {
	journalctl --sync 2>/dev/null
	journalctl -q --no-pager -o short-monotonic --after-cursor="$1"
}

# Sanitizer reports in a journal excerpt on stdin.
sanitizer_report() {
	grep -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: (Address|Undefined|Leak)'
}

# ---- the service ----

dmloopd_pid() { systemctl show -p MainPID --value dmloopd.service; }

# kill -9 dmloopd, wait until systemd has noticed, then make sure it runs
# again (Restart= may already have started it).
kill9_and_start() {
	local old
	old=$(dmloopd_pid)
	[ -n "$old" ] && [ "$old" != 0 ] || { echo "dmloopd has no main PID"; return 1; }
	kill -9 "$old"
	# Whether dmloopd died while polkit still held a call of its (the
	# rounds' verdict on that call depends on it).
	rm -f "$FAULTS/polkit-held-at-kill"
	! polkit_holds || touch "$FAULTS/polkit-held-at-kill"
	wait_for 30 sh -c '[ "$(systemctl show -p MainPID --value dmloopd.service)" != "$1" ]' _ "$old" ||
		{ echo "systemd did not notice that PID $old died"; return 1; }
	start_dmloopd
}

# Starts dmloopd (or waits for a pending automatic restart) past any start
# limit that the kills of this suite ran into.
start_dmloopd() {
	systemctl reset-failed dmloopd.service 2>/dev/null
	timeout 120 systemctl start dmloopd.service || { systemctl status --no-pager dmloopd | tail -20; return 1; }
	systemctl is-active -q dmloopd.service
}

# Waits up to SECS (default 10) until ListDevices answers.
bus_answers() {
	wait_for "${1:-10}" busctl call --timeout=2 org.dmloop1 /org/dmloop1 org.dmloop1.Manager ListDevices >/dev/null 2>&1
}

# ---- holding udev ----

# hold_udev: from now on, udev events of dm devices whose dm name starts
# with "dmloop-hold" stay unfinished (a PROGRAM in a late rule sleeps, so
# the cookie is not completed and no symlink is made) until release_udev,
# or for at most 100 s. Other devices are not held.
hold_udev() {
	mkdir -p /run/udev/rules.d
	cat >"$FAULTS/hold.sh" <<-'EOF'
		# Run by udev for every dm event while the hold rule exists.
		name=$DM_NAME
		[ -n "$name" ] || name=$(cat "/sys/block/$DEVNAME_SHORT/dm/name" 2>/dev/null)
		case $name in dmloop-hold*) ;; *) exit 0 ;; esac
		echo "$ACTION $name" >>/run/dmloop-faults/held
		n=0
		while [ -e /run/dmloop-faults/hold ] && [ $n -lt 500 ]; do sleep 0.2; n=$((n + 1)); done
		exit 0
	EOF
	touch "$FAULTS/hold"
	echo 'SUBSYSTEM=="block", KERNEL=="dm-[0-9]*", ENV{DEVNAME_SHORT}="%k", PROGRAM=="/bin/sh /run/dmloop-faults/hold.sh"' >"$HOLD_RULE"
	udevadm control --reload
}

release_udev() {
	rm -f "$FAULTS/hold"
}

# Removes the hold rule altogether (and releases what it holds).
unhold_udev() {
	release_udev
	rm -f "$HOLD_RULE"
	udevadm control --reload
}

# True once udev has started holding an event of dm device dmloop-NAME.
udev_holds() {
	grep -q " dmloop-$1\$" "$FAULTS/held" 2>/dev/null
}

# ---- holding polkit ----

# Mutating calls from a user other than root go through polkit. The rule
# below answers dmloopd's query about user nobody (FAULT_USER) only once
# $FAULTS/polkit-hold is gone, and then says yes. polkit stops a rule (or
# its helper) after about 10 s and then denies, so the helper gives up
# after 7 s by itself; every start and end of a hold since hold_polkit is a
# line in $FAULTS/polkit/held ("start"/"end").
POLKIT_RULE=/etc/polkit-1/rules.d/10-dmloop-faults.rules
FAULT_USER=nobody

hold_polkit() {
	mkdir -p "$FAULTS/polkit"
	chmod 1777 "$FAULTS/polkit"
	cat >"$FAULTS/polkit-hold.sh" <<-'EOF'
		# Run by polkitd (as its own user) for each query about user nobody.
		PATH=/usr/sbin:/usr/bin:/sbin:/bin
		echo start >>/run/dmloop-faults/polkit/held
		stop_at=$(($(date +%s) + 7))
		while [ -e /run/dmloop-faults/polkit-hold ] && [ "$(date +%s)" -lt $stop_at ]; do sleep 0.2; done
		echo end >>/run/dmloop-faults/polkit/held
	EOF
	rm -f "$FAULTS/polkit/held"
	touch "$FAULTS/polkit-hold"
	if [ ! -e "$POLKIT_RULE" ]; then
		cat >"$POLKIT_RULE" <<-EOF
			polkit.addRule(function(action, subject) {
			        if (action.id != "org.dmloop1.manage" || subject.user != "$FAULT_USER")
			                return polkit.Result.NOT_HANDLED;
			        try {
			                polkit.spawn(["/bin/sh", "$FAULTS/polkit-hold.sh"]);
			        } catch (e) {
			        }
			        return polkit.Result.YES;
			});
		EOF
		# polkitd reads its rules again when the directory changes.
		sleep 2
	fi
}

release_polkit() {
	rm -f "$FAULTS/polkit-hold"
}

unhold_polkit() {
	release_polkit
	rm -f "$POLKIT_RULE"
}

# True while polkit holds a query (a hold started and has not ended).
polkit_holds() {
	local started ended
	started=$(grep -c '^start' "$FAULTS/polkit/held" 2>/dev/null)
	ended=$(grep -c '^end' "$FAULTS/polkit/held" 2>/dev/null)
	[ "${started:-0}" -gt "${ended:-0}" ]
}

# as_fault_user CMD...: CMD as user nobody (whose calls polkit decides).
as_fault_user() {
	setpriv --reuid="$FAULT_USER" --regid=nogroup --clear-groups -- "$@"
}

# ---- whole or absent ----

# expect_set NAME TYPE SIZE PERSISTENT(yes|no) BACKING_EXISTED(yes|no|any):
# what invariant_whole_or_absent checks NAME against. BACKING_EXISTED says
# whether the default backing file was there before the last call on NAME
# (only "no" is checked: then an absent device must have left no file).
expect_set() {
	printf '%s %s %s %s\n' "$2" "$3" "$4" "$5" >"$FAULTS_EXPECT/$1"
}

# Loop devices (by /dev name) whose backing file is PATH, deleted or not.
loops_backing() {
	local f back
	for f in /sys/block/loop*/loop/backing_file; do
		[ -e "$f" ] || continue
		back=$(cat "$f")
		back=${back% (deleted)}
		[ "$back" = "$1" ] && echo "/dev/$(basename "$(dirname "$(dirname "$f")")")"
	done
	return 0
}

# backing_of_target TABLE-LINE: the file under one line of a dm table
# ("linear MAJ:MIN OFF" over a loop device, or "loop PATH [OFF]"); prints
# the loop's backing_file as sysfs shows it, "(deleted)" included.
backing_of_target() {
	local target params
	target=$(awk '{print $3}' <<<"$1")
	params=$(cut -d' ' -f4- <<<"$1")
	case $target in
	linear) cat "/sys/dev/block/${params%% *}/loop/backing_file" 2>/dev/null || echo "(not a loop device: $params)" ;;
	loop) echo "${params%% *}" ;;
	ram) echo "(ram)" ;;
	*) echo "(unknown target $target)" ;;
	esac
}

device_is_whole() {
	local name=$1 type=$2 size=$3 persistent=$4
	local dm=dmloop-$name info minor node table line back want rc=0 tmp
	info=$(dmsetup info -c --noheadings -o uuid,suspended,minor --separator ' ' "$dm") || return 1
	[ "$(awk '{print $1}' <<<"$info")" = "DMLOOP-$name" ] || { echo "$name: dm UUID is not DMLOOP-$name: $info"; rc=1; }
	[ "$(awk '{print $2}' <<<"$info")" = Active ] || { echo "$name: dm device is suspended"; rc=1; }
	minor=$(awk '{print $3}' <<<"$info")
	node=$(readlink -f "/dev/dmloop/$name" 2>/dev/null)
	[ "$node" = "/dev/dm-$minor" ] || { echo "$name: /dev/dmloop/$name -> '$node', not /dev/dm-$minor"; rc=1; }
	[ "$(blockdev --getsize64 "/dev/mapper/$dm" 2>/dev/null)" = "$size" ] ||
		{ echo "$name: size $(blockdev --getsize64 "/dev/mapper/$dm" 2>&1), expected $size"; rc=1; }
	grep -qx "$name" "$FAULTS/listed" || { echo "$name: exists, but dmloopd does not list it"; rc=1; }

	# What lies under it: the right file, not a deleted one.
	if [ "$type" = file ]; then want=$STATE_DIR/$name.img; else want=$RAM_DIR/$name; fi
	table=$(dmsetup table "$dm")
	line=$(tail -n 1 <<<"$table")
	back=$(backing_of_target "$line")
	case $back in
	"(ram)") [ "$type" = ram ] || { echo "$name: a file device on a ram target"; rc=1; } ;;
	"$want") [ -f "$want" ] || { echo "$name: backing file $want is missing"; rc=1; } ;;
	*) echo "$name: backed by '$back', expected $want"; rc=1 ;;
	esac
	if [ "$persistent" = yes ]; then
		[ -s "$CONF_DIR/$name.conf" ] || { echo "$name: persistent, but $CONF_DIR/$name.conf is missing"; rc=1; }
	else
		[ ! -e "$CONF_DIR/$name.conf" ] || { echo "$name: not persistent, but $CONF_DIR/$name.conf exists"; rc=1; }
	fi
	[ "$rc" = 0 ] || return 1

	# Data: write, read back through the device and, for a file device,
	# from the backing file itself (not from an unlinked inode).
	tmp=$(mktemp)
	head -c 65536 /dev/urandom >"$tmp"
	if ! dd if="$tmp" of="/dev/dmloop/$name" bs=64K seek=1 count=1 oflag=direct conv=fsync status=none; then
		echo "$name: write failed"
		rc=1
	elif ! dd if="/dev/dmloop/$name" bs=64K skip=1 count=1 iflag=direct status=none | cmp -s - "$tmp"; then
		echo "$name: data read back differs"
		rc=1
	elif [ "$type" = file ] && ! dd if="$want" bs=64K skip=1 count=1 status=none | cmp -s - "$tmp"; then
		echo "$name: data written to the device is not in $want"
		rc=1
	fi
	rm -f "$tmp"
	return "$rc"
}

device_is_absent() {
	local name=$1 type=$2 existed=$3 rc=0 p
	if dmsetup info "dmloop-$name" >/dev/null 2>&1; then echo "$name: dm device dmloop-$name exists"; rc=1; fi
	if [ -e "/dev/dmloop/$name" ] || [ -L "/dev/dmloop/$name" ]; then echo "$name: /dev/dmloop/$name exists"; rc=1; fi
	if grep -qx "$name" "$FAULTS/listed"; then echo "$name: dmloopd still lists it"; rc=1; fi
	for p in "$STATE_DIR/$name.img" "$RAM_DIR/$name"; do
		[ -z "$(loops_backing "$p")" ] || { echo "$name: loop device $(loops_backing "$p") backs $p"; rc=1; }
	done
	[ ! -e "$CONF_DIR/$name.conf" ] || { echo "$name: config file $CONF_DIR/$name.conf is left"; rc=1; }
	[ ! -e "$RAM_DIR/$name" ] || { echo "$name: RAM file $RAM_DIR/$name is left"; rc=1; }
	if [ "$type" = file ] && [ "$existed" = no ] && [ -e "$STATE_DIR/$name.img" ]; then
		echo "$name: backing file $STATE_DIR/$name.img, made by the failed call, is left"
		rc=1
	fi
	return "$rc"
}

# invariant_whole_or_absent NAME: NAME is whole (dm device with its UUID,
# active, symlink, size, listed by dmloopd, on its own backing file or RAM
# file, config file iff persistent, data written reaches that file) or
# absent (no dm device, symlink, listing, loop device on its file, config
# file, RAM file, nor a backing file that the failed call made). Expects
# expect_set NAME ... before, and $FAULTS/listed fresh (refresh_listed).
# Prints "NAME: whole" or "NAME: absent" or what is wrong.
invariant_whole_or_absent() {
	local name=$1 type size persistent existed why
	read -r type size persistent existed <"$FAULTS_EXPECT/$name" || { echo "$name: no expectation recorded"; return 1; }
	if dmsetup info "dmloop-$name" >/dev/null 2>&1; then
		why=$(device_is_whole "$name" "$type" "$size" "$persistent") && { echo "$name: whole"; return 0; }
		echo "$name: neither whole nor absent: $why"
		return 1
	fi
	why=$(device_is_absent "$name" "$type" "$existed") && { echo "$name: absent"; return 0; }
	echo "$name: neither whole nor absent: $why"
	return 1
}

# Writes what dmloopd lists to $FAULTS/listed; fails if it does not answer.
refresh_listed() {
	listed_names >"$FAULTS/listed.new" || { echo "dmloopd does not answer ListDevices"; return 1; }
	mv "$FAULTS/listed.new" "$FAULTS/listed"
}

# Nothing stray at all: every dmloop-* dm device is listed by dmloopd, and
# every loop device on a file in $STATE_DIR or $RAM_DIR is held by a dm
# device; every RAM file belongs to a listed device.
no_strays() {
	local rc=0 d f back l
	for d in $(dmsetup ls | awk '$1 ~ /^dmloop-/ {print $1}'); do
		grep -qx "${d#dmloop-}" "$FAULTS/listed" || { echo "stray dm device $d (not listed by dmloopd)"; rc=1; }
	done
	for f in /sys/block/loop*/loop/backing_file; do
		[ -e "$f" ] || continue
		back=$(cat "$f")
		case $back in "$STATE_DIR"/* | "$RAM_DIR"/*) ;; *) continue ;; esac
		l=$(basename "$(dirname "$(dirname "$f")")")
		[ -n "$(ls "/sys/block/$l/holders" 2>/dev/null)" ] || { echo "stray loop device $l on $back"; rc=1; }
	done
	for f in "$RAM_DIR"/*; do
		[ -e "$f" ] || continue
		grep -qx "$(basename "$f")" "$FAULTS/listed" || { echo "stray RAM file $f"; rc=1; }
	done
	return "$rc"
}

# force_absent NAME: removes every trace of NAME by hand, so that a failed
# round does not spoil the next (never part of what a check asserts).
force_absent() {
	local name=$1 l
	dmsetup remove --retry -f "dmloop-$name" >/dev/null 2>&1
	for l in $(loops_backing "$STATE_DIR/$name.img") $(loops_backing "$RAM_DIR/$name"); do
		losetup -d "$l" 2>/dev/null
	done
	rm -f "$CONF_DIR/$name.conf" "$RAM_DIR/$name" "$STATE_DIR/$name.img" "/dev/dmloop/$name"
}

# ---- operations used by several files ----

# create_file_dev NAME SIZE [OPTIONS-COUNT OPTIONS...]: a file device on
# $STATE_DIR/NAME.img through busctl.
create_file_dev() {
	local name=$1 size=$2
	shift 2
	[ $# -gt 0 ] || set -- 0
	busctl call --timeout=120 org.dmloop1 /org/dmloop1 org.dmloop1.Manager CreateDevice ssta{sv} "$name" file "$size" "$@"
}

# size_in_bytes VALUE: a dmloop.d size (K M G T, KiB..., or bytes) in bytes.
size_in_bytes() {
	local v=$1 n mult=1
	n=${v%%[!0-9]*}
	case ${v#"$n"} in
	"") ;;
	K | KiB) mult=1024 ;;
	M | MiB) mult=$((1024 * 1024)) ;;
	G | GiB) mult=$((1024 * 1024 * 1024)) ;;
	T | TiB) mult=$((1024 * 1024 * 1024 * 1024)) ;;
	*) echo "?"; return 1 ;;
	esac
	echo $((n * mult))
}

# check_sh snippets run in a new bash: hand the helpers down to them.
export FAULTS FAULTS_EXPECT STATE_DIR CONF_DIR RAM_DIR HOLD_RULE POLKIT_RULE FAULT_USER
export -f mgr mgr_gdbus expect_error listed_names listed_size journal_cursor journal_since sanitizer_report \
	dmloopd_pid kill9_and_start start_dmloopd bus_answers hold_udev release_udev unhold_udev udev_holds \
	hold_polkit release_polkit unhold_polkit polkit_holds as_fault_user \
	expect_set loops_backing backing_of_target device_is_whole device_is_absent invariant_whole_or_absent \
	refresh_listed no_strays force_absent create_file_dev size_in_bytes

# ---- kill -9 rounds (50-kill-rounds.sh, 90-asan.sh) ----

# kill_round ROUND [COUNT]: COUNT (default 20) parallel calls on the names
# k1..kCOUNT (a remove of each device that exists, a create of each that
# does not: file and RAM, persistent or not), a kill -9 of dmloopd at a
# random moment, a start, then invariant_whole_or_absent for every name and
# no_strays. Calls that got no reply are counted in $FAULTS/interrupted.
kill_round() {
	local round=$1 count=${2:-20} i name type size persistent existed delete pid rc=0 lost=0 nap points
	local pids=() calls=() present
	refresh_listed || return 1
	present=$(dmsetup ls | awk '{print $1}')
	# Decide every call first, so that they all start within a moment.
	for i in $(seq "$count"); do
		name=k$i
		if grep -qx "dmloop-$name" <<<"$present"; then
			read -r type size persistent existed <"$FAULTS_EXPECT/$name"
			if [ $((RANDOM % 2)) = 0 ]; then delete=true; else delete=false; fi
			expect_set "$name" "$type" "$size" "$persistent" any
			calls+=("RemoveDevice sa{sv} $name 1 DeleteBacking b $delete")
		else
			if [ $((i % 2)) = 1 ]; then type="file"; else type="ram"; fi
			size=$(((RANDOM % 2 + 1) * 1048576))
			if [ $((RANDOM % 2)) = 0 ]; then persistent=yes; else persistent=no; fi
			if [ "$type" = file ] && [ -e "$STATE_DIR/$name.img" ]; then existed=yes; else existed=no; fi
			expect_set "$name" "$type" "$size" "$persistent" "$existed"
			calls+=("CreateDevice ssta{sv} $name $type $size 1 Persistent b $([ "$persistent" = yes ] && echo true || echo false)")
		fi
	done
	# Optional waits that every kill of the round then interrupts: a create
	# by user nobody that polkit holds (KILL_POLKIT=1), and a configured
	# device whose backing file lies under a mount point that is never
	# mounted (KILL_MOUNT=1, set up by kill_mount_setup).
	for i in $(seq "$count"); do
		# shellcheck disable=SC2086 # the words of the call
		busctl call --timeout=120 org.dmloop1 /org/dmloop1 org.dmloop1.Manager ${calls[$((i - 1))]} \
			>"$FAULTS/round-k$i.out" 2>&1 &
		pids+=($!)
	done
	# The random moment counts from the first operation in flight (or the
	# first reply): on a loaded host the clients take seconds to start.
	wait_for 60 sh -c 'ls /run/dmloop/journal 2>/dev/null | grep -q . ||
		[ -n "$(find "$1" -maxdepth 1 -name "round-k[0-9]*.out" -size +0)" ]' _ "$FAULTS"
	# The polkit hold lasts 7 s at most, so it starts now, just before the kill.
	if [ "${KILL_POLKIT:-0}" = 1 ]; then
		force_absent kp
		expect_set kp file 1048576 no no
		hold_polkit
		as_fault_user busctl call --timeout=120 org.dmloop1 /org/dmloop1 org.dmloop1.Manager CreateDevice \
			ssta{sv} kp file 1048576 0 >"$FAULTS/round-kp.out" 2>&1 &
		pids+=($!)
		wait_for 30 polkit_holds ||
			echo "round $round: the create by $FAULT_USER did not reach polkit in 30 s: $(cat "$FAULTS/round-kp.out")"
	fi
	nap=$((RANDOM % 2)).$((RANDOM % 10))
	sleep "$nap"
	echo "round $round: kill -9 after ${nap}s"
	points=$(kill_points)
	kill9_and_start || { release_polkit; return 1; }
	echo "$points" >>"$FAULTS/kill-points"
	[ -n "$points" ] || echo "round $round: no operation was in flight at the kill"
	grep -v '^$' <<<"$points" | sort | uniq -c | sed "s/^ */round $round: killed at: /"
	release_polkit
	echo "round $round: dmloopd runs again (${SECONDS}s)"
	for pid in "${pids[@]}"; do wait "$pid"; done
	echo "round $round: all calls ended (${SECONDS}s)"
	for i in $(seq "$count"); do
		# No reply: dbus-daemon says the daemon went away without one.
		if grep -Eqi "disconnected|no reply|NoReply|connection reset|timed out|broken pipe" "$FAULTS/round-k$i.out"; then
			lost=$((lost + 1))
			# Counted at once: a round that times out later still counts.
			echo 1 >>"$FAULTS/interrupted"
			echo "no reply: ${calls[$((i - 1))]}: $(cat "$FAULTS/round-k$i.out")"
		fi
	done
	echo "round $round: $lost call(s) got no reply"
	udevadm settle -t 60
	bus_answers 30 || { echo "dmloopd does not answer after the restart"; return 1; }
	refresh_listed || return 1
	echo "round $round: checking (${SECONDS}s)"
	for i in $(seq "$count"); do
		invariant_whole_or_absent "k$i" || { rc=1; force_absent "k$i"; }
	done
	if [ "${KILL_POLKIT:-0}" = 1 ]; then
		# Never authorised before the kill: nothing of it may exist.
		echo "kp (by $FAULT_USER, killed while polkit held it): $(cat "$FAULTS/round-kp.out")"
		# Decided at the kill itself: the 7 s hold can end between the
		# wait points read just before it and the kill (CI saw kp whole).
		if [ -e "$FAULTS/polkit-held-at-kill" ]; then
			device_is_absent kp file no || { rc=1; force_absent kp; }
		else
			echo "kp: polkit had already answered at the kill"
			invariant_whole_or_absent kp || rc=1
			force_absent kp
		fi
	fi
	if [ "${KILL_MOUNT:-0}" = 1 ]; then
		# Absent, but its config file stays: the device is still to come.
		! dmsetup info dmloop-km >/dev/null 2>&1 || { echo "km: dmloop-km exists"; rc=1; }
		! grep -qx km "$FAULTS/listed" || { echo "km: dmloopd lists it"; rc=1; }
		[ -z "$(loops_backing "$KM_MNT/km.img")" ] || { echo "km: a loop device is on $KM_MNT/km.img"; rc=1; }
		[ ! -e "$KM_MNT/km.img" ] || { echo "km: $KM_MNT/km.img was made under the unmounted mount point"; rc=1; }
	fi
	no_strays || rc=1
	return "$rc"
}

# What each operation in flight waits for, one word a line, from a quick
# look just before a kill: create-udev / remove-udev (the table is loaded
# or removed, udev has not finished), create-early (journal entry, config
# file, backing file or table being written; synchronous, so only hit by
# chance), remove-early, resize, polkit (a call held by polkit), mount (a
# configured device waiting for its mount point).
kill_points() {
	local dms links f op name
	dms=$(dmsetup ls 2>/dev/null | awk '{print $1}')
	links=$(ls /dev/dmloop 2>/dev/null)
	for f in /run/dmloop/journal/*; do
		op=$(sed -n 's/^Operation=//p' "$f" 2>/dev/null)
		name=$(sed -n 's/^Name=//p' "$f" 2>/dev/null)
		[ -n "$op" ] && [ -n "$name" ] || continue
		case $op in
		create)
			if ! grep -qx "dmloop-$name" <<<"$dms"; then echo create-early
			elif ! grep -qx "$name" <<<"$links"; then echo create-udev
			else echo create-finishing; fi
			;;
		remove)
			if grep -qx "dmloop-$name" <<<"$dms"; then echo remove-early; else echo remove-udev; fi
			;;
		*) echo "$op" ;;
		esac
	done
	[ "${KILL_POLKIT:-0}" != 1 ] || ! polkit_holds || echo polkit
	if [ "${KILL_MOUNT:-0}" = 1 ] && [ -e "$CONF_DIR/km.conf" ] && ! grep -qx dmloop-km <<<"$dms"; then
		echo mount
	fi
}

# kill_mount_setup: a configured file device km on $KM_MNT/km.img, where
# KM_MNT is an fstab mount point that is never mounted, so that dmloopd
# waits for the mount across every kill.
KM_MNT=/mnt/dmloop-faults-late
kill_mount_setup() {
	local cursor
	mkdir -p "$KM_MNT"
	mountpoint -q "$KM_MNT" && { echo "$KM_MNT is mounted"; return 1; }
	grep -q " $KM_MNT " /etc/fstab || echo "/var/tmp/dmloop-faults-never.img $KM_MNT ext4 loop,nofail 0 0" >>/etc/fstab
	cursor=$(journal_cursor)
	printf '[Device]\nType=file\nSize=1M\nBacking=%s/km.img\n' "$KM_MNT" >"$CONF_DIR/km.conf"
	busctl call --timeout=60 org.dmloop1 /org/dmloop1 org.dmloop1.Manager Reload || return 1
	sleep 1
	journal_since "$cursor" | grep dmloopd | grep -w km
	! dmsetup info dmloop-km >/dev/null 2>&1 || { echo "km was made although $KM_MNT is not mounted"; return 1; }
	[ ! -e "$KM_MNT/km.img" ] || { echo "$KM_MNT/km.img was made on the root file system"; return 1; }
}

kill_mount_cleanup() {
	rm -f "$CONF_DIR/km.conf"
	sed -i "\| $KM_MNT |d" /etc/fstab
	busctl call --timeout=60 org.dmloop1 /org/dmloop1 org.dmloop1.Manager Reload >/dev/null 2>&1
	force_absent km
	rmdir "$KM_MNT" 2>/dev/null
	return 0
}

# Removes what the rounds left.
kill_rounds_cleanup() {
	local i
	for i in $(seq "${1:-20}"); do
		busctl call --timeout=60 org.dmloop1 /org/dmloop1 org.dmloop1.Manager RemoveDevice sa{sv} "k$i" \
			1 DeleteBacking b true >/dev/null 2>&1
		force_absent "k$i"
	done
	udevadm settle -t 30
}

# ---- udev stalls (30-udev-stall.sh, 90-asan.sh) ----

# The three checks share one stall; the last restarts the queue, and so does
# a trap on a timeout and the top level after them.
stall_begin() {
	trap 'udevadm control --start-exec-queue' TERM INT
	rm -f "$FAULTS/stall-create.rc" "$FAULTS/stall-create.out"
	udevadm control --stop-exec-queue || return 1
	# A bus create that waits for udev; its caller allows a long time.
	setsid bash -c 'busctl call --timeout=600 org.dmloop1 /org/dmloop1 org.dmloop1.Manager CreateDevice ssta{sv} \
		stallbus file 4194304 0 >"$1/stall-create.out" 2>&1; echo $? >"$1/stall-create.rc"' _ "$FAULTS" </dev/null &
	expect_set stallbus file 4194304 no no
	wait_for 90 dmsetup info dmloop-stallbus >/dev/null 2>&1 || { echo "the create did not reach device-mapper"; return 1; }
	# A reload that has a device to create, which waits for udev too.
	printf '[Device]\nType=ram\nSize=1M\n' >"$CONF_DIR/stallcfg.conf"
	expect_set stallcfg ram 1048576 yes any
	local t0=$SECONDS
	timeout 20 systemctl reload dmloopd || { echo "systemctl reload did not return within 20 s"; return 1; }
	sleep 1
	# The reload is through when a Reload over the bus returns as well.
	timeout 20 busctl call --timeout=20 "${MGR[@]}" Reload ||
		{ echo "a Reload call after it did not return within 20 s"; return 1; }
	echo "reload and Reload returned after $((SECONDS - t0)) s"
}

stall_answers() {
	udevadm control --stop-exec-queue
	# The client connects first: only the call itself is timed.
	/usr/bin/python3 "$FAULTS_SRC/list-within.py" 1 3
}

stall_end() {
	udevadm control --start-exec-queue || return 1
	wait_for 200 test -s "$FAULTS/stall-create.rc" || { echo "the pending CreateDevice did not end"; return 1; }
	echo "CreateDevice ended with status $(cat "$FAULTS/stall-create.rc"): $(cat "$FAULTS/stall-create.out")"
	udevadm settle -t 60
	bus_answers 30 || { echo "dmloopd does not answer"; return 1; }
	refresh_listed || return 1
	invariant_whole_or_absent stallbus || return 1
	# Whole is only right if the caller heard success, absent only on failure.
	if [ "$(cat "$FAULTS/stall-create.rc")" = 0 ]; then
		grep -qx stallbus "$FAULTS/listed" || { echo "the call succeeded, but stallbus is gone"; return 1; }
	else
		! grep -qx stallbus "$FAULTS/listed" || { echo "the call failed, but stallbus exists"; return 1; }
	fi
	# The config file's device comes once udev runs (at the latest at the next reload).
	timeout 30 busctl call --timeout=30 "${MGR[@]}" Reload
	wait_for 30 test -L /dev/dmloop/stallcfg || { echo "stallcfg was never made"; return 1; }
}

stall_cleanup() {
	rm -f "$CONF_DIR/stallcfg.conf"
	busctl call --timeout=60 "${MGR[@]}" Reload
	busctl call --timeout=60 "${MGR[@]}" RemoveDevice sa{sv} stallbus 1 DeleteBacking b true 2>/dev/null
	udevadm settle -t 30
	refresh_listed || return 1
	expect_set stallcfg ram 1048576 no any
	invariant_whole_or_absent stallcfg && ! grep -qx stallcfg "$FAULTS/listed" &&
		invariant_whole_or_absent stallbus && ! grep -qx stallbus "$FAULTS/listed"
}

# ---- interrupted creates (40-interrupted-create.sh, 90-asan.sh) ----
# interrupted_create NAME HOW(restart|kill): a persistent file device whose
# create is interrupted while udev holds its event.
interrupted_create() {
	local name=$1 how=$2 cursor pid
	trap unhold_udev EXIT
	cursor=$(journal_cursor)
	rm -f "$FAULTS/held"
	hold_udev
	expect_set "$name" file 8388608 yes no
	busctl call --timeout=300 "${MGR[@]}" CreateDevice ssta{sv} "$name" file 8388608 1 Persistent b true \
		>"$FAULTS/$name.out" 2>&1 &
	pid=$!
	# Once the table is live, the call waits for udev (which the rule
	# holds). Act at once: the old code gave udev only 15 s.
	wait_for 120 sh -c 'dmsetup info -c --noheadings -o suspended "dmloop-$1" 2>/dev/null | grep -q Active' _ "$name" ||
		{ echo "$name never became active; CreateDevice: $(cat "$FAULTS/$name.out")"; return 1; }
	case $how in
	restart)
		timeout 120 systemctl restart dmloopd &
		sleep 2
		release_udev
		wait $! || { echo "systemctl restart failed"; return 1; }
		;;
	kill)
		kill9_and_start &
		sleep 2
		release_udev
		wait $! || return 1
		;;
	esac
	wait "$pid"
	echo "CreateDevice ended with status $?: $(cat "$FAULTS/$name.out")"
	udevadm settle -t 60
	bus_answers 30 || { echo "dmloopd does not answer"; return 1; }
	refresh_listed || return 1
	invariant_whole_or_absent "$name" || return 1
	no_strays || return 1
	journal_since "$cursor" | grep -E "Recovery:|$name" | grep dmloopd | tail -20
	if [ "$how" = kill ]; then
		# The create was in flight: the next start must say what it finished or undid.
		journal_since "$cursor" | grep "Recovery:" | grep -q "$name" ||
			{ echo "no \"Recovery:\" line about $name in the journal"; return 1; }
	fi
	return 0
}
