# Bad config files (from make-boot-etc) skip only their own device, are
# reported as file:line in the journal, and leave the daemon running.
. "$CHECK_DIR/lib.bash"

check_sh "exactly the three good devices exist" '
	names=$(dmsetup ls | awk "/^dmloop-/ { print \$1 }" | sort)
	diff -u <(printf "%s\n" dmloop-joined dmloop-scratch dmloop-single) <(echo "$names")
'
check_sh "broken.conf: no device was made" '
	! dmsetup info dmloop-broken 2>/dev/null
	test ! -e /dev/dmloop/broken
'
check_sh "broken.conf: the journal names file and line (broken.conf:4:)" '
	wait_for 10 sh -c "journalctl -b -u dmloopd.service -o cat | grep -q \"broken.conf:4:\"" ||
		{ journalctl -b -u dmloopd.service -o cat | tail -n 30; exit 1; }
	journalctl -b -u dmloopd.service -o cat | grep "broken.conf:4:"
'
check_sh "longline.conf: the over-long line is rejected, no device" '
	! dmsetup info dmloop-longline 2>/dev/null
	test ! -e /dev/dmloop/longline
	# a line cut at 200 bytes would have made a backing file under here
	test -z "$(find /var/lib/dmloop/longline -type f 2>/dev/null)"
'
check_sh "longline.conf: the journal names file and line (longline.conf:4:)" '
	wait_for 10 sh -c "journalctl -b -u dmloopd.service -o cat | grep -q \"longline.conf:4:\"" ||
		{ journalctl -b -u dmloopd.service -o cat | tail -n 30; exit 1; }
	journalctl -b -u dmloopd.service -o cat | grep "longline.conf:4:"
'
check "dmloopd.service is still active" dmloopd_active
