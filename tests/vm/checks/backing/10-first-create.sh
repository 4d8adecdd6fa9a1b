# A first file device on a system that never had one: no /var/lib/dmloop
# yet (issue 9). dmloopd makes the state directory (0700) and the file.
# The example devices' files are moved aside for the time being; their
# loop devices or kernel targets hold them open.
source "$VM_SRC/tests/vm/checks/bus/lib.bash"

check_sh "move /var/lib/dmloop aside" '
	rm -rf /var/lib/dmloop.backing-test
	if [ -e /var/lib/dmloop ]; then mv /var/lib/dmloop /var/lib/dmloop.backing-test; fi
	test ! -e /var/lib/dmloop
'
check_sh "dmloopctl create --type file works without /var/lib/dmloop" '
	dmloopctl create fresh --type file --size 32M
	test "$(blockdev --getsize64 /dev/dmloop/fresh)" = 33554432
	test "$(stat -c %a /var/lib/dmloop)" = 700
	test "$(stat -c %a:%s /var/lib/dmloop/fresh.img)" = 600:33554432
	dmloopctl remove fresh
	rm -rf /var/lib/dmloop
'
check_sh "CreateDevice with CreateBacking b true works without /var/lib/dmloop" '
	busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager CreateDevice ssta{sv} fresh2 file 33554432 1 CreateBacking b true
	test -b /dev/dmloop/fresh2
	test -f /var/lib/dmloop/fresh2.img
	busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager RemoveDevice sa{sv} fresh2 0
	rm -rf /var/lib/dmloop
'
check_sh "and in a new directory inside it" '
	busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager CreateDevice ssta{sv} fresh3 file 0 1 Backing "a(st)" 1 /var/lib/dmloop/new/dir/fresh3.img 1048576
	test "$(stat -c %a /var/lib/dmloop/new/dir)" = 700
	busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager RemoveDevice sa{sv} fresh3 0
	rm -rf /var/lib/dmloop
'
check_sh "CreateBacking false on a missing file says so, and nothing is made" '
	out=$(mgr_gdbus CreateDevice fresh4 file 33554432 "{\"CreateBacking\": <false>}") && exit 1
	echo "$out"
	echo "$out" | grep -q "GDBus.Error:org.freedesktop.DBus.Error.InvalidArgs:"
	echo "$out" | grep -q "does not exist, and option .CreateBacking. is false"
	no_trace_of fresh4
'
check_sh "put /var/lib/dmloop back" '
	rm -rf /var/lib/dmloop
	if [ -e /var/lib/dmloop.backing-test ]; then mv /var/lib/dmloop.backing-test /var/lib/dmloop; fi
	true
'
