# Backing paths from bus callers: only regular files inside the allowed
# directories (dmloopd.conf, default /var/lib/dmloop), reached without
# leaving them. Everything else is BackingNotAllowed, and no device appears.
source "$VM_SRC/tests/vm/checks/bus/lib.bash"

BNA=org.dmloop1.Error.BackingNotAllowed
mkdir -p /var/lib/dmloop
ln -sfn /etc/shadow /var/lib/dmloop/evil-link.img
ln -sfn /etc /var/lib/dmloop/evil-dir
rm -f /var/lib/dmloop/fifo.img
mkfifo /var/lib/dmloop/fifo.img
mknod /var/lib/dmloop/blk.img b 7 0 2>/dev/null || true
before=$(count_dmloop)

attack() {
	local path=$1
	expect_error $BNA "" CreateDevice attack file 0 "{'Backing': <[('$path', uint64 1048576)]>}" &&
		no_trace_of attack
}
check "Backing /etc/shadow is refused" attack /etc/shadow
check "Backing /var/lib/dmloop/../../etc/shadow is refused" attack /var/lib/dmloop/../../etc/shadow
check "a symlink inside that points out is refused" attack /var/lib/dmloop/evil-link.img
check "a path through a symlinked directory that leads out is refused" attack /var/lib/dmloop/evil-dir/shadow
check "Backing /dev/vda (a block device) is refused" attack /dev/vda
check "a block device node inside the allowed directory is refused" attack /var/lib/dmloop/blk.img
check "a FIFO inside the allowed directory is refused" attack /var/lib/dmloop/fifo.img
check "a relative path is refused" attack relative.img
check "a sibling directory with the same prefix is refused" attack /var/lib/dmloopx/a.img
check_sh "no device appeared and /etc/shadow is untouched" "
	test \"\$(dmsetup ls | grep -c '^dmloop-' || true)\" = '$before'
	test \"\$(stat -c %s /etc/shadow)\" -lt 1048576
	test ! -e /var/lib/dmloopx
"
rm -f /var/lib/dmloop/evil-link.img /var/lib/dmloop/evil-dir /var/lib/dmloop/fifo.img /var/lib/dmloop/blk.img
