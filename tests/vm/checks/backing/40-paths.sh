# Issue 9 items 9 and 10: backing files are opened once, beneath their
# allowed directory and without symlinks; control characters and
# non-UTF-8 paths are refused; the Backing array is bounded.
source "$VM_SRC/tests/vm/checks/bus/lib.bash"
IA=org.freedesktop.DBus.Error.InvalidArgs

check_sh "a resize does not follow a directory swapped for a symlink" '
	mkdir -p /var/lib/dmloop/sub /var/tmp/victim
	truncate -s 1M /var/tmp/victim/grow.img
	busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager CreateDevice ssta{sv} grow file 0 1 Backing "a(st)" 1 /var/lib/dmloop/sub/grow.img 4194304
	mv /var/lib/dmloop/sub /var/lib/dmloop/sub-moved
	ln -s /var/tmp/victim /var/lib/dmloop/sub
	if busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager ResizeDevice sta{sv} grow 8388608 0; then exit 1; fi
	test "$(stat -c %s /var/tmp/victim/grow.img)" = 1048576
	test "$(blockdev --getsize64 /dev/dmloop/grow)" = 4194304
	busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager RemoveDevice sa{sv} grow 0
	rm -rf /var/lib/dmloop/sub /var/lib/dmloop/sub-moved /var/tmp/victim
'
check_sh "a config device does not follow a symlink inside an allowed directory" '
	mkdir -p /var/lib/dmloop
	truncate -s 1M /var/tmp/outside.img
	ln -sfn /var/tmp/outside.img /var/lib/dmloop/linked.img
	printf "[Device]\nType=file\nSize=4M\nBacking=linked.img\n" >/etc/dmloop.d/linked.conf
	systemctl reload dmloopd
	sleep 1
	test ! -e /dev/dmloop/linked
	test "$(stat -c %s /var/tmp/outside.img)" = 1048576
	rm -f /etc/dmloop.d/linked.conf /var/lib/dmloop/linked.img /var/tmp/outside.img
'
check "a newline in a Backing path is InvalidArgs naming Backing" \
	expect_error $IA "Backing" CreateDevice ctl file 0 "{'Backing': <[('/var/lib/dmloop/a\nb.img', uint64 1048576)]>}"
check "a vertical tab in a Backing path is InvalidArgs naming Backing" \
	expect_error $IA "Backing" CreateDevice ctl file 0 "{'Backing': <[('/var/lib/dmloop/a\u000b0 8 linear', uint64 1048576)]>}"
many=$(for i in $(seq 65); do printf "('/var/lib/dmloop/m%d.img', uint64 512)," "$i"; done)
check "65 Backing entries are InvalidArgs" \
	expect_error $IA "more than 64" CreateDevice many file 0 "{'Backing': <[${many%,}]>}"
check "a Backing path listed twice is InvalidArgs" \
	expect_error $IA "twice" CreateDevice dup file 0 "{'Backing': <[('/var/lib/dmloop/d.img', uint64 512), ('/var/lib/dmloop/d.img', uint64 512)]>}"
check_sh "config files with a control character or non-UTF-8 in Backing= are refused with file:line" '
	printf "[Device]\nType=file\nSize=1M\nBacking=/var/lib/dmloop/a\\vb.img\n" >/etc/dmloop.d/ctl.conf
	printf "[Device]\nType=file\nSize=1M\nBacking=/var/lib/dmloop/caf\\xe9.img\n" >/etc/dmloop.d/latin1.conf
	systemctl reload dmloopd
	sleep 1
	# -a: the messages quote the raw bytes, which journalctl would
	# otherwise show as "[blob data]".
	journalctl -a -u dmloopd --no-pager | grep -a "/etc/dmloop.d/ctl.conf:4:"
	journalctl -a -u dmloopd --no-pager | grep -a "/etc/dmloop.d/latin1.conf:4:"
	test ! -e /dev/dmloop/ctl
	test ! -e /dev/dmloop/latin1
	dmloopctl list
	rm -f /etc/dmloop.d/ctl.conf /etc/dmloop.d/latin1.conf
	systemctl reload dmloopd
'
