# Issue 9 item 1: with the default CreateBacking=yes, a backing file under
# a mount point that fstab will mount, but that is not mounted yet, is not
# created on the file system below (where the mount would hide it). The
# device comes up once the file system is mounted, with its file on it.
check_sh "set up a file system that fstab mounts on /srv/late, not mounted yet" '
	rm -f /var/tmp/late-fs.img
	truncate -s 64M /var/tmp/late-fs.img
	mkfs.ext4 -q -F /var/tmp/late-fs.img
	mkdir -p /srv/late
	sed -i "\|/srv/late|d" /etc/fstab
	echo "/var/tmp/late-fs.img /srv/late ext4 loop,nofail 0 0" >>/etc/fstab
	! mountpoint -q /srv/late
'
check_sh "a CreateBacking=yes device there waits, and makes no shadow file" '
	printf "[Device]\nType=file\nSize=8M\nBacking=/srv/late/data/disk.img\n" >/etc/dmloop.d/late-yes.conf
	systemctl reload dmloopd
	sleep 2
	test ! -e /dev/dmloop/late-yes
	test ! -e /srv/late/data
	journalctl -u dmloopd --no-pager | grep "late-yes"
'
check_sh "it is created on the file system once that is mounted" '
	mount /srv/late
	wait_for 30 test -e /dev/dmloop/late-yes
	test "$(blockdev --getsize64 /dev/dmloop/late-yes)" = 8388608
	test -f /srv/late/data/disk.img
	printf "late data" | dd of=/dev/dmloop/late-yes conv=fsync status=none
'
check_sh "clean up: the file was on the mounted file system only" '
	rm /etc/dmloop.d/late-yes.conf
	systemctl reload dmloopd
	wait_for 20 test ! -e /dev/dmloop/late-yes
	grep -q "late data" /srv/late/data/disk.img
	wait_for 20 umount /srv/late
	test ! -e /srv/late/data
	sed -i "\|/srv/late|d" /etc/fstab
	rm -f /var/tmp/late-fs.img
'
