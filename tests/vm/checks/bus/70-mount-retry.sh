# A device whose backing file is on a file system that is not mounted yet
# is created as soon as the mount table changes.
check_sh "a device with a missing backing file waits for a mount" '
	mkdir -p /mnt/later /var/tmp/later-src
	truncate -s 4M /var/tmp/later-src/disk.img
	printf "[Device]\nType=file\nBacking=/mnt/later/disk.img 4M\nCreateBacking=no\n" >/etc/dmloop.d/later.conf
	systemctl reload dmloopd
	sleep 1
	test ! -e /dev/dmloop/later
	journalctl -u dmloopd --no-pager | grep "later.conf" >/dev/null
	mount --bind /var/tmp/later-src /mnt/later
	for i in $(seq 100); do test -e /dev/dmloop/later && break; sleep 0.2; done
	test "$(blockdev --getsize64 /dev/dmloop/later)" = 4194304
'
check_sh "clean up the mount-retry device" '
	rm /etc/dmloop.d/later.conf
	systemctl reload dmloopd
	for i in $(seq 50); do test -e /dev/dmloop/later || break; sleep 0.2; done
	test ! -e /dev/dmloop/later
	umount /mnt/later
'
