# Data lands where the config says: segments in order, default backing file.
. "$CHECK_DIR/lib.bash"

check_sh "single: default backing /var/lib/dmloop/single.img, 64M, sparse, mode 0600" '
	f=/var/lib/dmloop/single.img
	stat -c "%n size=%s blocks=%b mode=%a" "$f"
	test "$(stat -c %s "$f")" = 67108864
	test "$(stat -c %a "$f")" = 600
	# sparse: far fewer than 64 MiB worth of blocks allocated
	test "$(stat -c %b "$f")" -lt 65536
'
check_sh "joined: backing files are 16M and 32M" '
	stat -c "%n size=%s" /var/lib/dmloop/joined-a.img /var/lib/dmloop/joined-b.img
	test "$(stat -c %s /var/lib/dmloop/joined-a.img)" = 16777216
	test "$(stat -c %s /var/lib/dmloop/joined-b.img)" = 33554432
'
check_sh "joined: data at 20M of the device is at 4M of joined-b.img" '
	p=$(mktemp /run/joined-pattern.XXXXXX)
	head -c 1M /dev/urandom >"$p"
	dd if="$p" of=/dev/dmloop/joined bs=1M seek=20 oflag=direct conv=fsync status=none
	sync
	dd if=/var/lib/dmloop/joined-b.img bs=1M skip=4 count=1 status=none | cmp - "$p"
	rm -f "$p"
'
check_sh "joined: data at 15M of the device is at 15M of joined-a.img" '
	p=$(mktemp /run/joined-pattern.XXXXXX)
	head -c 1M /dev/urandom >"$p"
	dd if="$p" of=/dev/dmloop/joined bs=1M seek=15 oflag=direct conv=fsync status=none
	sync
	dd if=/var/lib/dmloop/joined-a.img bs=1M skip=15 count=1 status=none | cmp - "$p"
	rm -f "$p"
'
check_sh "scratch: reads back what was written, last sector included" '
	p=$(mktemp /run/scratch-pattern.XXXXXX)
	head -c 512 /dev/urandom >"$p"
	last=$((134217728 / 512 - 1))
	dd if="$p" of=/dev/dmloop/scratch bs=512 seek=$last oflag=direct status=none
	dd if=/dev/dmloop/scratch bs=512 skip=$last count=1 iflag=direct status=none | cmp - "$p"
	rm -f "$p"
'
