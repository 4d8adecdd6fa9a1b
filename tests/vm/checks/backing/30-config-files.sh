# Issue 9 items 2 and 3: a resize and a remove act on the file the device
# came from, keep the administrator's comments and settings, and a vendor
# file gets an override of the same name in /etc.
source "$VM_SRC/tests/vm/checks/bus/lib.bash"

check_sh "a device named zzz in a.conf" '
	mkdir -p /var/lib/dmloop
	truncate -s 8M /var/lib/dmloop/zzz.img
	printf "# the admin wrote this\n[Device]\nName=zzz\nType=file\n; keep me\nSize=8M\nBacking=zzz.img\nCreateBacking=no\n" >/etc/dmloop.d/a.conf
	systemctl reload dmloopd
	# The symlink comes before dmloopd has finished the create, and a
	# resize meanwhile is DeviceBusy: wait for dmloopd to know the device.
	wait_for 20 busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager GetDevice s zzz
	test -e /dev/dmloop/zzz
'
check_sh "resizing it changes Size= in a.conf and nothing else" '
	dmloopctl resize zzz 16M
	test "$(blockdev --getsize64 /dev/dmloop/zzz)" = 16777216
	printf "# the admin wrote this\n[Device]\nName=zzz\nType=file\n; keep me\nSize=16M\nBacking=zzz.img\nCreateBacking=no\n" | cmp - /etc/dmloop.d/a.conf
	test ! -e /etc/dmloop.d/zzz.conf
	test "$(busctl get-property org.dmloop1 /org/dmloop1/device/zzz org.dmloop1.Device Origin)" = "s \"/etc/dmloop.d/a.conf\""
'
check_sh "after a restart and a reload it keeps the new size" '
	systemctl restart dmloopd
	systemctl reload dmloopd
	sleep 1
	test "$(blockdev --getsize64 /dev/dmloop/zzz)" = 16777216
'
check_sh "removing it removes a.conf, and a reload does not bring it back" '
	dmloopctl remove zzz
	test ! -e /etc/dmloop.d/a.conf
	systemctl reload dmloopd
	sleep 1
	test ! -e /dev/dmloop/zzz
	rm -f /var/lib/dmloop/zzz.img
'
check_sh "a vendor device: its resize goes to an /etc override" '
	mkdir -p /usr/lib/dmloop.d
	printf "# vendor\n[Device]\nType=ram\nSize=4M\n" >/usr/lib/dmloop.d/vend.conf
	systemctl reload dmloopd
	wait_for 20 busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager GetDevice s vend
	test -e /dev/dmloop/vend
	dmloopctl resize vend 8M
	printf "# vendor\n[Device]\nType=ram\nSize=4M\n" | cmp - /usr/lib/dmloop.d/vend.conf
	printf "# vendor\n[Device]\nType=ram\nSize=8M\n" | cmp - /etc/dmloop.d/vend.conf
'
check_sh "removing the vendor device masks it from /etc" '
	dmloopctl remove vend
	test "$(readlink /etc/dmloop.d/vend.conf)" = /dev/null
	test -f /usr/lib/dmloop.d/vend.conf
	systemctl reload dmloopd
	sleep 1
	test ! -e /dev/dmloop/vend
	rm -f /etc/dmloop.d/vend.conf /usr/lib/dmloop.d/vend.conf
'
