# Every member of org.dmloop1, through busctl, against the real daemon.
source "$VM_SRC/tests/vm/checks/bus/lib.bash"

check_sh "introspection names the arguments of every method" '
	x=$(busctl introspect --xml-interface org.dmloop1 /org/dmloop1)
	for m in CreateDevice RemoveDevice ResizeDevice ListDevices GetDevice Reload; do
		echo "$x" | grep -q "<method name=\"$m\">" || { echo "no $m"; exit 1; }
	done
	echo "$x" | grep -q "<arg type=\"s\" name=\"name\" direction=\"in\"/>"
	echo "$x" | grep -q "<arg type=\"a{sv}\" name=\"options\" direction=\"in\"/>"
	echo "$x" | grep -q "<signal name=\"DeviceAdded\">"
	echo "$x" | grep -q "org.freedesktop.DBus.ObjectManager"
'
check_sh "Version, LoopTarget and RamTarget properties" '
	busctl get-property org.dmloop1 /org/dmloop1 org.dmloop1.Manager Version | grep -q "^s \"[0-9]"
	busctl get-property org.dmloop1 /org/dmloop1 org.dmloop1.Manager LoopTarget | grep -Eq "^s \"(kernel|fallback)\""
	busctl get-property org.dmloop1 /org/dmloop1 org.dmloop1.Manager RamTarget | grep -Eq "^s \"(kernel|fallback)\""
'
check_sh "ListDevices lists the configured devices" '
	out=$(busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager ListDevices)
	echo "$out"
	echo "$out" | grep -q "\"single\" \"file\" 67108864 \"/org/dmloop1/device/single\""
	echo "$out" | grep -q "\"scratch\" \"ram\" 134217728 \"/org/dmloop1/device/scratch\""
'
check_sh "GetDevice and the Device properties" '
	test "$(busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager GetDevice s joined)" = "o \"/org/dmloop1/device/joined\""
	p=/org/dmloop1/device/joined
	get() { busctl get-property org.dmloop1 $p org.dmloop1.Device "$1"; }
	test "$(get Name)" = "s \"joined\""
	test "$(get Type)" = "s \"file\""
	test "$(get Size)" = "t 50331648"
	test "$(get Symlink)" = "s \"/dev/dmloop/joined\""
	test "$(get ReadOnly)" = "b false"
	test "$(get Persistent)" = "b true"
	test "$(get Origin)" = "s \"/etc/dmloop.d/joined.conf\""
	get Target | grep -Eq "^s \"(loop|linear)\""
	node=$(get DeviceNode | cut -d\" -f2)
	test "$(readlink -f /dev/dmloop/joined)" = "$node"
	minor=$(get Minor | cut -d" " -f2)
	test "$minor" = "$(dmsetup info -c --noheadings -o minor dmloop-joined | tr -d " ")"
	get Backing | grep -q "a(st) 2 \"/var/lib/dmloop/joined-a.img\" 16777216 \"/var/lib/dmloop/joined-b.img\" 33554432"
'
check_sh "busctl tree shows every device object" '
	busctl tree --list org.dmloop1 | tee /dev/stderr | grep -qx /org/dmloop1/device/single
	busctl tree --list org.dmloop1 | grep -qx /org/dmloop1/device/scratch
'
check_sh "ObjectManager GetManagedObjects lists the devices with properties" '
	busctl call --json=short org.dmloop1 /org/dmloop1 org.freedesktop.DBus.ObjectManager GetManagedObjects |
		jq -e ".data[0][\"/org/dmloop1/device/scratch\"][\"org.dmloop1.Device\"].Size.data == 134217728"
'

# Signals: a monitor runs while a device is created, resized and removed.
# Line-buffered: the monitor is killed at the end, and a block buffer would
# take the signals with it.
stdbuf -oL busctl monitor --json=short --match "sender=org.dmloop1" >/run/bus-monitor.json 2>/dev/null &
monitor_pid=$!
sleep 3

check_sh "CreateDevice ram returns the object path after the symlink exists" '
	out=$(busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager CreateDevice ssta{sv} busram ram 33554432 0)
	test "$out" = "o \"/org/dmloop1/device/busram\""
	test -L /dev/dmloop/busram
	test "$(blockdev --getsize64 /dev/dmloop/busram)" = 33554432
	test "$(busctl get-property org.dmloop1 /org/dmloop1/device/busram org.dmloop1.Device Origin)" = "s \"bus\""
	test "$(busctl get-property org.dmloop1 /org/dmloop1/device/busram org.dmloop1.Device Persistent)" = "b false"
'
check_sh "CreateDevice file with default backing, ReadOnly=false" '
	busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager CreateDevice ssta{sv} busfile file 16777216 1 ReadOnly b false
	test -f /var/lib/dmloop/busfile.img
	test "$(stat -c %s /var/lib/dmloop/busfile.img)" = 16777216
	test "$(blockdev --getsize64 /dev/dmloop/busfile)" = 16777216
'
check_sh "CreateDevice file with multi-segment Backing (size 0 = the rest)" '
	busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager CreateDevice ssta{sv} busmulti file 25165824 \
		1 Backing "a(st)" 2 /var/lib/dmloop/busmulti-a.img 8388608 /var/lib/dmloop/busmulti-b.img 0
	test "$(blockdev --getsize64 /dev/dmloop/busmulti)" = 25165824
	test "$(stat -c %s /var/lib/dmloop/busmulti-b.img)" = 16777216
	head -c 4096 /dev/urandom >/run/pat
	dd if=/run/pat of=/dev/dmloop/busmulti bs=4096 seek=$((10 * 256)) oflag=direct conv=fsync status=none
	cmp /run/pat <(dd if=/var/lib/dmloop/busmulti-b.img bs=4096 skip=$((2 * 256)) count=1 status=none)
'
check_sh "CreateDevice ReadOnly=true makes a read-only device" '
	truncate -s 8M /var/lib/dmloop/busro.img
	busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager CreateDevice ssta{sv} busro file 8388608 \
		2 ReadOnly b true CreateBacking b false
	test "$(blockdev --getro /dev/dmloop/busro)" = 1
	! dd if=/dev/zero of=/dev/dmloop/busro bs=4096 count=1 oflag=direct status=none
'
check_sh "ResizeDevice grows a RAM device and keeps its data" '
	head -c 1M /dev/urandom >/run/pat
	dd if=/run/pat of=/dev/dmloop/busram bs=1M seek=3 oflag=direct conv=fsync status=none
	busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager ResizeDevice sta{sv} busram 67108864 0
	test "$(blockdev --getsize64 /dev/dmloop/busram)" = 67108864
	test "$(busctl get-property org.dmloop1 /org/dmloop1/device/busram org.dmloop1.Device Size)" = "t 67108864"
	cmp /run/pat <(dd if=/dev/dmloop/busram bs=1M skip=3 count=1 iflag=direct status=none)
'
check_sh "Device.Resize grows a mounted ext4 file device; resize2fs online keeps the files" '
	mkfs.ext4 -q -F /dev/dmloop/busfile
	mkdir -p /mnt/busfile
	mount /dev/dmloop/busfile /mnt/busfile
	head -c 3M /dev/urandom >/mnt/busfile/data
	sum=$(sha256sum </mnt/busfile/data)
	busctl call org.dmloop1 /org/dmloop1/device/busfile org.dmloop1.Device Resize ta{sv} 67108864 0
	test "$(blockdev --getsize64 /dev/dmloop/busfile)" = 67108864
	resize2fs /dev/dmloop/busfile
	test "$(df -B1M --output=size /mnt/busfile | tail -n1 | tr -d " ")" -gt 50
	sync; echo 3 >/proc/sys/vm/drop_caches
	test "$(sha256sum </mnt/busfile/data)" = "$sum"
'
check_sh "shrinking without AllowShrink is refused, with it works" '
	! busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager ResizeDevice sta{sv} busram 16777216 0
	test "$(blockdev --getsize64 /dev/dmloop/busram)" = 67108864
	busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager ResizeDevice sta{sv} busram 16777216 1 AllowShrink b true
	test "$(blockdev --getsize64 /dev/dmloop/busram)" = 16777216
'
check_sh "RemoveDevice of a mounted device is DeviceBusy, the device stays" '
	out=$(mgr_gdbus RemoveDevice busfile "@a{sv} {}") && exit 1
	echo "$out" | grep -q "GDBus.Error:org.dmloop1.Error.DeviceBusy"
	test -L /dev/dmloop/busfile
'
check_sh "RemoveDevice with Force defers the removal until unmount" '
	busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager RemoveDevice sa{sv} busfile 1 Force b true
	test -L /dev/dmloop/busfile
	umount /mnt/busfile
	for i in $(seq 50); do dmsetup info dmloop-busfile >/dev/null 2>&1 || break; sleep 0.2; done
	! dmsetup info dmloop-busfile >/dev/null 2>&1
	for i in $(seq 50); do busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager GetDevice s busfile >/dev/null 2>&1 || break; sleep 0.2; done
	! busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager GetDevice s busfile
	test -f /var/lib/dmloop/busfile.img
'
check_sh "RemoveDevice removes the device; backing kept unless DeleteBacking" '
	busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager RemoveDevice sa{sv} busro 0
	test -f /var/lib/dmloop/busro.img
	busctl call org.dmloop1 /org/dmloop1/device/busmulti org.dmloop1.Device Remove a{sv} 1 DeleteBacking b true
	test ! -e /var/lib/dmloop/busmulti-a.img
	test ! -e /var/lib/dmloop/busmulti-b.img
	busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager RemoveDevice sa{sv} busram 0
	for n in busro busmulti busram; do test ! -e /dev/dmloop/$n; ! dmsetup info dmloop-$n >/dev/null 2>&1; done
	test -z "$(ls /run/dmloop/ram/busram 2>/dev/null)"
'
check_sh "a device removed with dmsetup disappears from the bus" '
	busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager CreateDevice ssta{sv} behind ram 1048576 0
	dmsetup remove dmloop-behind
	for i in $(seq 50); do busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager GetDevice s behind >/dev/null 2>&1 || break; sleep 0.2; done
	! busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager GetDevice s behind
	! busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager ListDevices | grep -q behind
'
check_sh "Reload picks up a new config file and drops a removed one" '
	printf "[Device]\nType=ram\nSize=4M\n" >/etc/dmloop.d/reloaded.conf
	busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager Reload
	test "$(blockdev --getsize64 /dev/dmloop/reloaded)" = 4194304
	rm /etc/dmloop.d/reloaded.conf
	systemctl reload dmloopd
	for i in $(seq 50); do test -e /dev/dmloop/reloaded || break; sleep 0.2; done
	test ! -e /dev/dmloop/reloaded
'

sleep 1
kill "$monitor_pid" 2>/dev/null
wait "$monitor_pid" 2>/dev/null

check_sh "signals: DeviceAdded, DeviceRemoved, InterfacesAdded/Removed, PropertiesChanged(Size)" '
	m=/run/bus-monitor.json
	cp $m "$VM_OUT/bus-monitor.json" 2>/dev/null || true
	# One JSON document per line: slurp them, then look for each signal.
	jq -se "any(.[]; .member == \"DeviceAdded\" and .payload.data[0] == \"busram\")" $m
	jq -se "any(.[]; .member == \"DeviceRemoved\" and .payload.data[0] == \"busram\")" $m
	jq -se "any(.[]; .member == \"InterfacesAdded\" and .payload.data[0] == \"/org/dmloop1/device/busram\")" $m
	jq -se "any(.[]; .member == \"InterfacesRemoved\" and .payload.data[0] == \"/org/dmloop1/device/busram\")" $m
	jq -se "any(.[]; .member == \"PropertiesChanged\" and .path == \"/org/dmloop1/device/busram\" and .payload.data[1].Size.data == 67108864)" $m
	jq -se "any(.[]; .member == \"DeviceAdded\" and .payload.data[0] == \"reloaded\")" $m
'
