# dmloopctl(1) against the real dmloopd, with the example devices single
# (file, 64M), joined (file, 48M in two segments) and scratch (ram, 128M).
# The examples are only read here; every device this file makes is called
# ctl-* and is removed again, so later check files see the same state.

check_sh "dmloopctl --help and --version" '
	dmloopctl --help | grep -q "^  create NAME"
	dmloopctl --version | grep -q "^dmloopctl [0-9]"
'

# ---- reading ----

check_sh "list shows the example devices in a table" '
	out=$(dmloopctl list)
	echo "$out"
	echo "$out" | head -n1 | grep -q "^NAME  *TYPE  *SIZE  *TARGET  *DEVICE  *SYMLINK  *ORIGIN$"
	echo "$out" | grep -Eq "^single +file +64M +(loop|linear) +/dev/dm-[0-9]+ +/dev/dmloop/single +/.*single\.conf$"
	echo "$out" | grep -Eq "^joined +file +48M "
	echo "$out" | grep -Eq "^scratch +ram +128M +(ram|linear) "
	echo "$out" | grep -Eq "^[0-9]+ devices? listed\.$"
'
check_sh "list --no-legend has one line per device" '
	dmloopctl list --no-legend | tee /dev/stderr | grep -q "^single "
	! dmloopctl list --no-legend | grep -q -e "^NAME" -e "listed"
	test "$(dmloopctl list --no-legend | wc -l)" = "$(busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager ListDevices | cut -d" " -f2)"
'
check_sh "list --json | jq" '
	dmloopctl --json=pretty list | tee /dev/stderr | jq -e "type == \"array\""
	dmloopctl --json=pretty list | jq -e ".[] | select(.name == \"single\") |
		.type == \"file\" and .size == 67108864 and .symlink == \"/dev/dmloop/single\" and
		.persistent == true and .read_only == false and (.device_node | startswith(\"/dev/dm-\")) and
		(.origin | endswith(\"/single.conf\")) and .backing == [{\"path\": \"/var/lib/dmloop/single.img\", \"size\": 67108864}]"
	dmloopctl --json=pretty list | jq -e ".[] | select(.name == \"joined\") |
		.size == 50331648 and (.backing | map(.size)) == [16777216, 33554432] and
		(.backing[0].path | endswith(\"/joined-a.img\")) and (.backing[1].path | endswith(\"/joined-b.img\"))"
	dmloopctl --json=pretty list | jq -e ".[] | select(.name == \"scratch\") | .type == \"ram\" and .size == 134217728 and .backing == []"
	test "$(dmloopctl --json=pretty list | jq -r ".[].name" | sort | tr "\n" " ")" = "$(dmloopctl --json=pretty list | jq -r ".[].name" | tr "\n" " ")"
'
check_sh "status NAME" '
	dmloopctl status joined | tee /dev/stderr | grep -Eq "^ +Size: 48M \(50331648 bytes\)$"
	dmloopctl status joined | grep -Eq "^ +Backing: /var/lib/dmloop/joined-a\.img \(16M\)$"
	dmloopctl status joined | grep -Eq "^ +/var/lib/dmloop/joined-b\.img \(32M\)$"
	dmloopctl status scratch | grep -Eq "^ +Type: ram$"
'
check_sh "status --json | jq, and it matches the device node" '
	json=$(dmloopctl status --json=pretty single)
	echo "$json"
	echo "$json" | jq -e ".name == \"single\" and .size == 67108864"
	node=$(echo "$json" | jq -r .device_node)
	test -b "$node"
	test "$(readlink -f /dev/dmloop/single)" = "$node"
	test "$(stat -c "%t:%T" "$node")" = "$(echo "$json" | jq -r "\"\(.major):\(.minor)\"" | awk -F: "{ printf \"%x:%x\", \$1, \$2 }")"
	test "$(blockdev --getsize64 "$node")" = "$(echo "$json" | jq .size)"
'
check_sh "reading works for an unprivileged user" '
	runuser -u nobody -- dmloopctl list --no-legend | grep -q "^single "
	runuser -u nobody -- dmloopctl --json=pretty status scratch | jq -e ".size == 134217728"
'

# ---- errors and exit codes ----

check_sh "missing device: exit 3 with the daemon message" '
	rc=0; dmloopctl status ctl-nosuch 2>"$VM_OUT/ctl-err" || rc=$?
	cat "$VM_OUT/ctl-err"; test "$rc" = 3
	grep -qx "dmloopctl: Device \"ctl-nosuch\" does not exist." "$VM_OUT/ctl-err"
	rc=0; dmloopctl resize ctl-nosuch 1G || rc=$?; test "$rc" = 3
	rc=0; dmloopctl remove ctl-nosuch || rc=$?; test "$rc" = 3
'
check_sh "usage errors and bad sizes: exit 2" '
	for args in "" "bogus" "status" "status a b" "--bogus list" "create ctl-x --size 1M" \
		"create ctl-x --type disk --size 1M" "create ctl-x --type ram --size 12X" \
		"create ctl-x --type ram --size 1.5G" "resize single 12X" "remove single --allow-shrink"; do
		[ -n "$args" ] || continue
		rc=0; dmloopctl $args || rc=$?
		echo "dmloopctl $args -> $rc"; test "$rc" = 2
	done
	# sizes that parse but that the daemon refuses (InvalidArgs) are usage errors too
	rc=0; dmloopctl create ctl-x --type ram --size 1000 || rc=$?; test "$rc" = 2
	rc=0; dmloopctl resize single 1000 || rc=$?; test "$rc" = 2
	# a name that starts with "-" reaches the daemon after "--", which refuses it
	rc=0; dmloopctl status -- -single 2>"$VM_OUT/ctl-err" || rc=$?
	cat "$VM_OUT/ctl-err"; test "$rc" = 2; grep -q "not a valid device name" "$VM_OUT/ctl-err"
	! dmloopctl status ctl-x 2>/dev/null
'
check_sh "duplicate create: exit 4" '
	rc=0; dmloopctl create single --type ram --size 16M 2>"$VM_OUT/ctl-err" || rc=$?
	cat "$VM_OUT/ctl-err"; test "$rc" = 4
	grep -q "^dmloopctl: Device \"single\" already exists\.$" "$VM_OUT/ctl-err"
	dmloopctl --json=pretty status single | jq -e ".type == \"file\" and .size == 67108864"
'
check_sh "backing outside the allowed directories: exit 6" '
	rc=0; dmloopctl create ctl-x --type file --size 16M --backing /tmp/ctl-x.img || rc=$?
	test "$rc" = 6
	test ! -e /tmp/ctl-x.img
	! dmloopctl status ctl-x 2>/dev/null
'
check_sh "unprivileged mutating call without polkit consent: exit 6" '
	rc=0; runuser -u nobody -- dmloopctl --no-ask-password create ctl-x --type ram --size 16M || rc=$?
	test "$rc" = 6
	rc=0; runuser -u nobody -- dmloopctl --no-ask-password remove scratch || rc=$?
	test "$rc" = 6
	dmloopctl status scratch >/dev/null
'

# ---- create, resize, remove ----

check_sh "create a ram device" '
	out=$(dmloopctl create ctl-ram --type ram --size 16M)
	test -z "$out"
	test -b /dev/dmloop/ctl-ram
	test "$(blockdev --getsize64 /dev/dmloop/ctl-ram)" = 16777216
	dmloopctl --json=pretty status ctl-ram | jq -e ".type == \"ram\" and .origin == \"bus\" and .persistent == false"
	dmloopctl list --no-legend | grep -Eq "^ctl-ram +ram +16M "
'
check_sh "resize grows, shrinking needs --allow-shrink" '
	dmloopctl resize ctl-ram 32M
	test "$(blockdev --getsize64 /dev/dmloop/ctl-ram)" = 33554432
	dmloopctl --json=pretty status ctl-ram | jq -e ".size == 33554432"
	rc=0; dmloopctl resize ctl-ram 8M || rc=$?; test "$rc" = 2
	test "$(blockdev --getsize64 /dev/dmloop/ctl-ram)" = 33554432
	dmloopctl resize ctl-ram 8M --allow-shrink
	test "$(blockdev --getsize64 /dev/dmloop/ctl-ram)" = 8388608
'
check_sh "remove of a busy device: exit 5; then it goes" '
	exec 3</dev/dmloop/ctl-ram
	rc=0; dmloopctl remove ctl-ram 2>"$VM_OUT/ctl-err" || rc=$?
	cat "$VM_OUT/ctl-err"; test "$rc" = 5
	exec 3<&-
	dmloopctl remove ctl-ram
	wait_for 10 test ! -e /dev/dmloop/ctl-ram
	rc=0; dmloopctl status ctl-ram || rc=$?; test "$rc" = 3
'
check_sh "create a file device with two segments, then remove it with its backing" '
	rm -f /var/lib/dmloop/ctl-a.img /var/lib/dmloop/ctl-b.img
	dmloopctl create ctl-file --type file --backing /var/lib/dmloop/ctl-a.img:8M --backing /var/lib/dmloop/ctl-b.img:16M
	test "$(blockdev --getsize64 /dev/dmloop/ctl-file)" = 25165824
	dmloopctl --json=pretty status ctl-file | tee /dev/stderr | jq -e "
		.size == 25165824 and .backing == [{\"path\": \"/var/lib/dmloop/ctl-a.img\", \"size\": 8388608},
		                                    {\"path\": \"/var/lib/dmloop/ctl-b.img\", \"size\": 16777216}]"
	test -f /var/lib/dmloop/ctl-a.img -a -f /var/lib/dmloop/ctl-b.img
	dmloopctl resize ctl-file 32M
	test "$(stat -c %s /var/lib/dmloop/ctl-b.img)" -ge 25165824
	dmloopctl remove ctl-file --delete-backing
	test ! -e /var/lib/dmloop/ctl-a.img -a ! -e /var/lib/dmloop/ctl-b.img
'
check_sh "relative --backing is relative to the current directory" '
	cd /var/lib/dmloop
	dmloopctl create ctl-rel --type file --size 8M --backing ctl-rel-data.img
	dmloopctl --json=pretty status ctl-rel | jq -e ".backing[0].path == \"/var/lib/dmloop/ctl-rel-data.img\""
	dmloopctl remove ctl-rel --delete-backing
	test ! -e /var/lib/dmloop/ctl-rel-data.img
'
check_sh "--no-create-backing refuses a missing file; --read-only" '
	rm -f /var/lib/dmloop/ctl-ro.img
	rc=0; dmloopctl create ctl-ro --type file --size 8M --no-create-backing || rc=$?
	test "$rc" = 2
	test ! -e /var/lib/dmloop/ctl-ro.img
	truncate -s 8M /var/lib/dmloop/ctl-ro.img
	dmloopctl create ctl-ro --type file --size 8M --no-create-backing --read-only
	test "$(blockdev --getro /dev/dmloop/ctl-ro)" = 1
	dmloopctl --json=pretty status ctl-ro | jq -e ".read_only == true"
	dmloopctl remove ctl-ro --delete-backing
'
check_sh "--persistent writes /etc/dmloop.d/NAME.conf; remove deletes it" '
	dmloopctl create ctl-persist --type ram --size 8M --persistent
	test -f /etc/dmloop.d/ctl-persist.conf
	dmloopctl --json=pretty status ctl-persist | jq -e ".persistent == true and .origin == \"/etc/dmloop.d/ctl-persist.conf\""
	dmloopctl reload
	dmloopctl status ctl-persist >/dev/null
	dmloopctl remove ctl-persist
	test ! -e /etc/dmloop.d/ctl-persist.conf
'
check_sh "reload keeps the example devices" '
	dmloopctl reload
	dmloopctl --json=pretty list | jq -e "[.[].name] | contains([\"single\", \"joined\", \"scratch\"])"
	! dmloopctl list --no-legend | grep -q "^ctl-"
'
