# A device created with Persistent=true gets a config file, and survives a
# reboot: tests/run-all boots the VM a second time with what this file
# saves in $VM_OUT/persist (the config file and the backing file, at their
# guest paths), and the "reboot" suite checks the device is back.
source "$VM_SRC/tests/vm/checks/bus/lib.bash"

check_sh "CreateDevice Persistent=true writes /etc/dmloop.d/<name>.conf atomically" '
	busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager CreateDevice ssta{sv} keeper file 8388608 1 Persistent b true
	test -f /etc/dmloop.d/keeper.conf
	! ls -a /etc/dmloop.d | grep -q "^\.#"
	grep -q "^Type=file" /etc/dmloop.d/keeper.conf
	test "$(busctl get-property org.dmloop1 /org/dmloop1/device/keeper org.dmloop1.Device Persistent)" = "b true"
	test "$(busctl get-property org.dmloop1 /org/dmloop1/device/keeper org.dmloop1.Device Origin)" = "s \"/etc/dmloop.d/keeper.conf\""
'
check_sh "write a pattern to the persistent device and save it for the second boot" '
	head -c 1M /dev/urandom >/run/keeper-pattern
	dd if=/run/keeper-pattern of=/dev/dmloop/keeper bs=1M seek=5 oflag=direct conv=fsync status=none
	p=$VM_OUT/persist
	rm -rf "$p"
	mkdir -p "$p/etc/dmloop.d" "$p/var/lib/dmloop" "$p/var/lib/dmloop-test"
	chmod 0755 "$p" "$p/etc" "$p/etc/dmloop.d" "$p/var" "$p/var/lib" "$p/var/lib/dmloop-test"
	chmod 0700 "$p/var/lib/dmloop"
	cp /etc/dmloop.d/keeper.conf "$p/etc/dmloop.d/"
	cp --sparse=always /var/lib/dmloop/keeper.img "$p/var/lib/dmloop/"
	sha256sum </run/keeper-pattern >"$p/var/lib/dmloop-test/keeper.sha256"
'
check_sh "a persistent device removed over the bus loses its config file" '
	busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager CreateDevice ssta{sv} shortlived ram 1048576 1 Persistent b true
	test -f /etc/dmloop.d/shortlived.conf
	busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager RemoveDevice sa{sv} shortlived 0
	test ! -e /etc/dmloop.d/shortlived.conf
'
check_sh "a non-persistent device has no config file" '
	busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager CreateDevice ssta{sv} transient ram 1048576 0
	test ! -e /etc/dmloop.d/transient.conf
	busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager RemoveDevice sa{sv} transient 0
'
