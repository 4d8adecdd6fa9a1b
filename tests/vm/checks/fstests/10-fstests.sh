# fstests (xfstests), the file system developers' test suite, on ext4 with
# TEST_DEV and SCRATCH_DEV on each kind of device in turn: dm-loop (the dm
# "loop" target over files on tmpfs), dm-ram (the dm "ram" target), and as
# the baseline the loop driver (over files on tmpfs) and brd. The tests are
# those of tests.list; each test on each kind is one check, and a test that
# does not run ("notrun") fails like one that fails.
#
# /etc/dmloop-vm/fstests.conf (from tests/vm/run --etc) sets FSTESTS_TREE,
# the tree tools/build-fstests built; it may set FSTESTS_TESTS and
# FSTESTS_KINDS (space-separated) to run fewer. Results, the output of
# failed tests and summary.tsv (kind, test, verdict, seconds) go to
# $VM_OUT/fstests/.

FST_CONF=/etc/dmloop-vm/fstests.conf
FST_RUN=/run/fstests
FST_OUT=$VM_OUT/fstests
FST_MB_TEST=1536
FST_MB_SCRATCH=1024
FSTESTS_TREE=
FSTESTS_TESTS=
FSTESTS_KINDS="dm-loop dm-ram loop brd"
# shellcheck disable=SC1090
[ -f "$FST_CONF" ] && . "$FST_CONF"
[ -n "$FSTESTS_TESTS" ] || FSTESTS_TESTS=$(sed -e 's/#.*//' "$CHECK_DIR/tests.list" | xargs)
export FST_RUN FST_OUT FSTESTS_TREE
mkdir -p "$FST_RUN" "$FST_OUT"
: >"$FST_OUT/summary.tsv"

# fstests runs some tests as these users; the guest's /etc is writable.
fst_users() {
	local u
	test -x "$FSTESTS_TREE/check" || {
		echo "no fstests tree at '$FSTESTS_TREE' (tools/build-fstests; $FST_CONF)"
		return 1
	}
	for u in fsgqa fsgqa2 123456-fsgqa; do
		id "$u" >/dev/null 2>&1 || useradd -m "$u" || return 1
	done
	mkdir -p /mnt/fst-test /mnt/fst-scratch
}

# fst_devices KIND: makes the TEST and SCRATCH devices of KIND and writes
# the fstests config naming them to $FST_RUN/KIND.config.
fst_devices() {
	local kind=$1 test scratch
	case $kind in
	dm-loop | loop)
		mkdir -p "$FST_RUN/backing"
		mountpoint -q "$FST_RUN/backing" ||
			mount -t tmpfs -o size=$((FST_MB_TEST + FST_MB_SCRATCH + 64))M tmpfs "$FST_RUN/backing" || return 1
		truncate -s ${FST_MB_TEST}M "$FST_RUN/backing/test.img" || return 1
		truncate -s ${FST_MB_SCRATCH}M "$FST_RUN/backing/scratch.img" || return 1
		if [ "$kind" = dm-loop ]; then
			dmsetup create fst-test --table "0 $((FST_MB_TEST * 2048)) loop $FST_RUN/backing/test.img 0" &&
				dmsetup create fst-scratch --table "0 $((FST_MB_SCRATCH * 2048)) loop $FST_RUN/backing/scratch.img 0" ||
				return 1
			test=/dev/mapper/fst-test scratch=/dev/mapper/fst-scratch
		else
			test=$(losetup -f --show "$FST_RUN/backing/test.img") &&
				scratch=$(losetup -f --show "$FST_RUN/backing/scratch.img") || return 1
		fi
		;;
	dm-ram)
		dmsetup create fst-test --table "0 $((FST_MB_TEST * 2048)) ram" &&
			dmsetup create fst-scratch --table "0 $((FST_MB_SCRATCH * 2048)) ram" || return 1
		test=/dev/mapper/fst-test scratch=/dev/mapper/fst-scratch
		;;
	brd)
		# brd makes all its disks one size: the larger one.
		modprobe brd rd_nr=2 rd_size=$((FST_MB_TEST * 1024)) || return 1
		test=/dev/ram0 scratch=/dev/ram1
		;;
	*) echo "unknown device kind $kind"; return 1 ;;
	esac
	udevadm settle
	cat >"$FST_RUN/$kind.config" <<-EOF
		FSTYP=ext4
		TEST_DEV=$test
		TEST_DIR=/mnt/fst-test
		SCRATCH_DEV=$scratch
		SCRATCH_MNT=/mnt/fst-scratch
		RESULT_BASE=$FST_RUN/results-$kind
	EOF
	cat "$FST_RUN/$kind.config"
	mkfs.ext4 -q -F "$test"
}

# fst_run KIND: the devices, then fstests' check over the whole list. Fails
# only when check did not get to its summary; the verdicts are per test.
fst_run() {
	local kind=$1 log=$FST_RUN/$kind.log
	echo "$kind start $(cut -d' ' -f1 /proc/uptime)" >>"$FST_OUT/uptime"
	fst_devices "$kind" || return 1
	# The host can follow the run in --out DIR/guest/fstests/KIND.log.
	# shellcheck disable=SC2086 # one test per word
	(cd "$FSTESTS_TREE" && HOST_OPTIONS=$FST_RUN/$kind.config ./check $FSTESTS_TESTS) 2>&1 |
		tee "$FST_OUT/$kind.log" >"$log"
	echo "$kind end $(cut -d' ' -f1 /proc/uptime)" >>"$FST_OUT/uptime"
	cat "$log"
	grep -q -E '^(Ran|Passed all|Not run):? ' "$log"
}

# fst_verdict KIND TEST: TEST ran and passed on KIND. Prints why not, with
# the output diff, dmesg and the end of the test's .full log.
fst_verdict() {
	local kind=$1 t=$2 log=$FST_RUN/$kind.log
	local res=$FST_RUN/results-$kind verdict secs f
	secs=$(awk -v t="$t" '$1 == t { s = $2 } END { print s }' "$res/check.time" 2>/dev/null)
	if [ -f "$res/$t.notrun" ]; then
		verdict=notrun
		echo "$t did not run on $kind: $(cat "$res/$t.notrun")"
	elif grep -q -E "^Failures:.* $t( |\$)" "$log" 2>/dev/null; then
		verdict=fail
		echo "$t failed on $kind; check said:"
		grep -E "^$t " "$log"
		if [ -f "$res/$t.out.bad" ]; then
			echo "--- output diff:"
			diff -u "$FSTESTS_TREE/tests/$t.out" "$res/$t.out.bad" | head -40
		fi
		if [ -f "$res/$t.dmesg" ]; then
			echo "--- dmesg:"
			head -40 "$res/$t.dmesg"
		fi
		echo "--- end of $t.full:"
		tail -20 "$res/$t.full" 2>/dev/null
	elif grep -q -E "^(Ran:.* $t( |\$)|Passed all)" "$log" 2>/dev/null && [ -n "$secs" ]; then
		verdict=pass
		echo "$t passed on $kind in ${secs}s"
	else
		verdict=missing
		echo "$t has no result on $kind (did the run stop early?)"
		tail -20 "$log" 2>/dev/null
	fi
	printf '%s\t%s\t%s\t%s\n' "$kind" "$t" "$verdict" "${secs:--}" >>"$FST_OUT/summary.tsv"
	if [ "$verdict" != pass ]; then
		mkdir -p "$FST_OUT/$kind/${t%/*}"
		for f in "$res/$t".*; do
			[ -e "$f" ] && cp "$f" "$FST_OUT/$kind/${t%/*}/"
		done
	fi
	[ "$verdict" = pass ]
}

# fst_teardown KIND: unmount and remove KIND's devices.
fst_teardown() {
	local kind=$1 d r=0
	umount /mnt/fst-test 2>/dev/null
	umount /mnt/fst-scratch 2>/dev/null
	mountpoint -q /mnt/fst-test || mountpoint -q /mnt/fst-scratch && { echo "still mounted"; r=1; }
	case $kind in
	dm-loop | dm-ram) dmsetup remove fst-test fst-scratch || r=1 ;;
	loop)
		for d in $(losetup -j "$FST_RUN/backing/test.img" -O NAME -n) \
			 $(losetup -j "$FST_RUN/backing/scratch.img" -O NAME -n); do
			losetup -d "$d" || r=1
		done
		;;
	brd) rmmod brd || r=1 ;;
	esac
	if mountpoint -q "$FST_RUN/backing"; then
		umount "$FST_RUN/backing" || r=1
	fi
	return $r
}

check "fstests: users and mount points" fst_users
for kind in $FSTESTS_KINDS; do
	CHECK_TIMEOUT=${FSTESTS_RUN_TIMEOUT:-3600} check "fstests: run on $kind" fst_run "$kind"
	for t in $FSTESTS_TESTS; do
		check "fstests $t on $kind" fst_verdict "$kind" "$t"
	done
	check "fstests: $kind devices removed" fst_teardown "$kind"
done
