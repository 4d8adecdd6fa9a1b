# With dmloop's kernel targets installed, dmloopd uses them: a "loop"
# table for file devices and a "ram" table for RAM devices, says so in
# the journal and on the bus, and still finds its devices after a restart.

check_sh "dmloopd picked the kernel backend for both device types" '
	journalctl -b -u dmloopd --no-pager | grep "File devices use the kernel backend (dm target loop), RAM devices the kernel backend (dm target ram)" >/dev/null
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

# The bus operations whose device-mapper work depends on the backend (the
# bus suite, which runs in the fallback boot only, covers the rest).
check_sh "a multi-segment file device made over the bus is a loop table per file; a write lands in its file" '
	busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager CreateDevice ssta{sv} kmulti file 25165824 \
		1 Backing "a(st)" 2 /var/lib/dmloop/kmulti-a.img 8388608 /var/lib/dmloop/kmulti-b.img 0
	dmsetup table dmloop-kmulti | tee /dev/stderr
	test "$(dmsetup table dmloop-kmulti | awk "{print \$3}" | sort -u)" = loop
	test "$(dmsetup table dmloop-kmulti | awk "{print \$4}" | paste -sd" ")" = "/var/lib/dmloop/kmulti-a.img /var/lib/dmloop/kmulti-b.img"
	head -c 4096 /dev/urandom >/run/kpat
	dd if=/run/kpat of=/dev/dmloop/kmulti bs=4096 seek=$((10 * 256)) oflag=direct conv=fsync status=none
	cmp /run/kpat <(dd if=/var/lib/dmloop/kmulti-b.img bs=4096 skip=$((2 * 256)) count=1 status=none)
'
check_sh "a mounted ext4 file device grown over the bus keeps its files; resize2fs online" '
	busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager CreateDevice ssta{sv} kfile file 16777216 0
	dmsetup table dmloop-kfile | grep -q "^0 32768 loop /var/lib/dmloop/kfile.img 0$"
	mkfs.ext4 -q -F /dev/dmloop/kfile
	mkdir -p /mnt/kfile
	mount /dev/dmloop/kfile /mnt/kfile
	head -c 3M /dev/urandom >/mnt/kfile/data
	sum=$(sha256sum </mnt/kfile/data)
	busctl call org.dmloop1 /org/dmloop1/device/kfile org.dmloop1.Device Resize ta{sv} 67108864 0
	test "$(blockdev --getsize64 /dev/dmloop/kfile)" = 67108864
	dmsetup table dmloop-kfile | grep -q "^0 131072 loop /var/lib/dmloop/kfile.img 0$"
	resize2fs /dev/dmloop/kfile
	sync; echo 3 >/proc/sys/vm/drop_caches
	test "$(sha256sum </mnt/kfile/data)" = "$sum"
	umount /mnt/kfile
	e2fsck -fn /dev/dmloop/kfile
'
check_sh "removing the bus file devices with DeleteBacking leaves no table, symlink or file" '
	busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager RemoveDevice sa{sv} kfile 1 DeleteBacking b true
	busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager RemoveDevice sa{sv} kmulti 1 DeleteBacking b true
	dmsetup info dmloop-kfile >/dev/null 2>&1 && exit 1
	dmsetup info dmloop-kmulti >/dev/null 2>&1 && exit 1
	udevadm settle
	test ! -e /dev/dmloop/kfile && test ! -e /dev/dmloop/kmulti
	test ! -e /var/lib/dmloop/kfile.img
	test ! -e /var/lib/dmloop/kmulti-a.img && test ! -e /var/lib/dmloop/kmulti-b.img
'
CHECK_TIMEOUT=300 check_sh "20 parallel file CreateDevice calls give 20 loop tables, 20 parallel removes leave nothing" '
	before=$(dmsetup ls | grep -c "^dmloop-" || true)
	for i in $(seq 20); do
		busctl call --timeout=180 org.dmloop1 /org/dmloop1 org.dmloop1.Manager CreateDevice ssta{sv} kpar$i file 1048576 0 >/run/kpar-$i.out 2>&1 &
	done
	fail=0
	for j in $(jobs -p); do wait $j || fail=$((fail + 1)); done
	cat /run/kpar-*.out | sort | uniq -c | head
	test $fail = 0
	for i in $(seq 20); do
		dmsetup table dmloop-kpar$i | grep -q "^0 2048 loop /var/lib/dmloop/kpar$i.img 0$"
		test -L /dev/dmloop/kpar$i
	done
	for i in $(seq 20); do
		busctl call --timeout=180 org.dmloop1 /org/dmloop1 org.dmloop1.Manager RemoveDevice sa{sv} kpar$i 1 DeleteBacking b true >/run/kparrm-$i.out 2>&1 &
	done
	for j in $(jobs -p); do wait $j || fail=$((fail + 1)); done
	cat /run/kparrm-*.out | sort | uniq -c | head
	test $fail = 0
	test "$(dmsetup ls | grep -c "^dmloop-" || true)" = "$before"
	test "$(losetup -a | wc -l)" = 0
	test -z "$(ls /var/lib/dmloop | grep "^kpar")"
	systemctl is-active -q dmloopd
'
