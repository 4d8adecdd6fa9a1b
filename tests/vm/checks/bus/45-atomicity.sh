# A create that fails halfway leaves nothing it made: no dm device, loop
# device, config file or backing file.
source "$VM_SRC/tests/vm/checks/bus/lib.bash"

check_sh "a full backing directory: the failed create leaves nothing" '
	source $VM_SRC/tests/vm/checks/bus/lib.bash
	mkdir -p /var/lib/dmloop/full
	mount -t tmpfs -o size=1M,nr_inodes=1 tmpfs /var/lib/dmloop/full
	loops=$(losetup -a | wc -l)
	# The first segment fits, the second cannot be made: the first must go too.
	out=$(mgr_gdbus CreateDevice halfway file 0 "{'"'"'Backing'"'"': <[('"'"'/var/lib/dmloop/halfway-a.img'"'"', uint64 1048576), ('"'"'/var/lib/dmloop/full/b.img'"'"', uint64 1048576)]>, '"'"'Persistent'"'"': <true>}") && exit 1
	echo "$out"
	no_trace_of halfway
	test ! -e /var/lib/dmloop/halfway-a.img
	test ! -e /etc/dmloop.d/halfway.conf
	test "$(losetup -a | wc -l)" = "$loops"
	umount /var/lib/dmloop/full
'
check_sh "a read-only backing directory: the failed create leaves nothing" '
	source $VM_SRC/tests/vm/checks/bus/lib.bash
	mkdir -p /var/lib/dmloop/ro
	mount -t tmpfs -o ro tmpfs /var/lib/dmloop/ro
	loops=$(losetup -a | wc -l)
	out=$(mgr_gdbus CreateDevice rofail file 0 "{'"'"'Backing'"'"': <[('"'"'/var/lib/dmloop/rofail-a.img'"'"', uint64 1048576), ('"'"'/var/lib/dmloop/ro/b.img'"'"', uint64 1048576)]>}") && exit 1
	echo "$out"
	no_trace_of rofail
	test ! -e /var/lib/dmloop/rofail-a.img
	test "$(losetup -a | wc -l)" = "$loops"
	umount /var/lib/dmloop/ro
'
