# With dmloop's kernel targets installed, dmloopd uses them: a "loop"
# table for file devices and a "ram" table for RAM devices, says so in
# the journal and on the bus, and still finds its devices after a restart.

check_sh "dmloopd picked the kernel backend for both device types" '
	journalctl -b -u dmloopd --no-pager | grep -q "File devices use the kernel backend (dm target loop), RAM devices the kernel backend (dm target ram)"
	test "$(busctl get-property org.dmloop1 /org/dmloop1 org.dmloop1.Manager LoopTarget)" = "s \"kernel\""
	test "$(busctl get-property org.dmloop1 /org/dmloop1 org.dmloop1.Manager RamTarget)" = "s \"kernel\""
'
check_sh "file devices have loop tables, RAM devices a ram table" '
	dmsetup table dmloop-single | tee /dev/stderr | grep -q "^0 131072 loop /var/lib/dmloop/single.img 0$"
	test "$(dmsetup table dmloop-joined | awk "{print \$3}" | sort -u)" = loop
	test "$(dmsetup table dmloop-joined | wc -l)" = 2
	dmsetup table dmloop-scratch | grep -q "^0 262144 ram"
	test "$(busctl get-property org.dmloop1 /org/dmloop1/device/scratch org.dmloop1.Device Target)" = "s \"ram\""
'
check_sh "no loop devices are used" '
	test "$(losetup -a | wc -l)" = 0
'
check_sh "a RAM device made over the bus is a ram table and keeps data when grown" '
	busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager CreateDevice ssta{sv} kram ram 8388608 0
	dmsetup table dmloop-kram | grep -q " ram"
	head -c 1M /dev/urandom >/run/kram
	dd if=/run/kram of=/dev/dmloop/kram bs=1M seek=6 oflag=direct status=none
	busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager ResizeDevice sta{sv} kram 33554432 0
	test "$(blockdev --getsize64 /dev/dmloop/kram)" = 33554432
	cmp /run/kram <(dd if=/dev/dmloop/kram bs=1M skip=6 count=1 iflag=direct status=none)
	busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager RemoveDevice sa{sv} kram 0
'
