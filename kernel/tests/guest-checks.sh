#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Checks of the dm "loop" and "ram" targets, run as root inside a
# throwaway guest (see vm-test.sh).  Expects dm-loop.ko and dm-ram.ko next
# to this script, and fio, dmsetup, losetup, blkdiscard, mkfs.ext4 in PATH.
#
#	guest-checks.sh [--bench [--bench-devs DEV,...] [--bench-seconds N]] [--only NAME...]
#
# Prints "ok N - what" / "not ok N - what"; exits 1 if any check failed.

set -u
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
export DM_DISABLE_UDEV=1
dir=$(cd "$(dirname "$0")" && pwd)
T=/tmp/dmt
n=0
failed=0
bench=0
bench_devs="loop loop-dio dm-loop dm-ram brd null_blk"
only=""
stress_cycles=200

while [ $# -gt 0 ]; do
	case $1 in
	--bench) bench=1 ;;
	--bench-devs) bench_devs=${2//,/ }; shift ;;	# comma-separated: the harness splits args on spaces
	--bench-seconds) BENCH_RUNTIME=$2; shift ;;
	--only) only="$only $2"; shift ;;
	--stress-cycles) stress_cycles=$2; shift ;;
	esac
	shift
done

ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
# check "description" command...: ok if the command succeeds
check() { local d=$1; shift; if "$@" >/tmp/check.out 2>&1; then ok "$d"; else notok "$d"; sed 's/^/#   /' /tmp/check.out | tail -15; fi; }
# refuse "description" command...: ok if the command fails
refuse() { local d=$1; shift; if "$@" >/tmp/check.out 2>&1; then notok "$d"; else ok "$d"; fi; }
want() { [ -z "$only" ] || [[ " $only " == *" $1 "* ]]; }
# Opt-in groups run only when named with --only (too slow for every run yet).
want_explicit() { [[ " $only " == *" $1 "* ]]; }
# /sys/block name of a dm device
blkname() { echo dm-$(dmsetup info -c --noheadings -o minor "$1"); }
memfree() { awk '/^MemFree:/ { print $2 }' /proc/meminfo; }
dev_gone() { ! dmsetup info "$1" >/dev/null 2>&1; }
# last kernel message mentioning $1
klog_has() { dmesg | tail -20 | grep -q -- "$1"; }
sha() { sha256sum | cut -d' ' -f1; }
# what dm-loop's status should say for a file in directory $1: "direct"
# when a direct write there really works (tmpfs takes it from 6.6 on)
dio_mode() {
	if dd if=/dev/zero of="$1/dio-probe" bs=4k count=1 oflag=direct status=none 2>/dev/null; then
		echo direct
	else
		echo buffered
	fi
	rm -f "$1/dio-probe"
}
# in_time LIMIT CMD...: run CMD for at most LIMIT seconds.  A deadlocked
# command sits in D state and cannot be killed, so it is left behind and
# $stuck is set; later steps that would touch the same devices are skipped.
in_time() {
	local limit=$1 pid i
	shift
	"$@" &
	pid=$!
	for ((i = 0; i < limit * 2; i++)); do
		kill -0 $pid 2>/dev/null || { wait $pid; return; }
		sleep 0.5
	done
	echo "still running after $limit s"
	stuck=1
	return 1
}
# gone_in LIMIT PID: the background job PID ends within LIMIT seconds
gone_in() {
	local i
	for ((i = 0; i < $1 * 2; i++)); do
		kill -0 $2 2>/dev/null || return 0
		sleep 0.5
	done
	return 1
}
# refuse_reload WHAT DEVICE TABLE MESSAGE: the reload fails and the kernel says why
refuse_reload() {
	if dmsetup reload "$2" --table "$3" >/tmp/bad.out 2>&1; then
		notok "$1 refused"; dmsetup clear "$2"
	elif ! klog_has "$4"; then
		notok "$1 refused with \"$4\""; dmesg | tail -3 | sed 's/^/#   /'
	else
		ok "$1 refused: $(dmesg | grep -- "$4" | tail -1 | sed 's/^\[[^]]*\] //')"
	fi
}
# fio verify run over a whole device: mixed sizes cross segment boundaries
fio_verify() {
	fio --name=verify --filename="$1" --ioengine=libaio --direct=1 --iodepth=16 \
	    --rw=randwrite --bsrange=512-128k --size="${2:-100%}" \
	    --verify=crc32c --do_verify=1 --verify_fatal=1 --numjobs=1 \
	    --randrepeat=0 --output-format=terse ${3:-} >/dev/null
}

mkdir -p $T
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
modprobe dm-mod

# Install the modules where dkms puts them (in a tmpfs overlay over the
# read-only /lib/modules) and let dm load them on demand.
kver=$(uname -r)
if { modprobe overlay && mkdir -p /tmp/mods/upper /tmp/mods/work &&
     mount -t overlay overlay -o lowerdir=/lib/modules/$kver,upperdir=/tmp/mods/upper,workdir=/tmp/mods/work /lib/modules/$kver &&
     mkdir -p /lib/modules/$kver/updates/dkms &&
     cp "$dir/dm-loop.ko" "$dir/dm-ram.ko" /lib/modules/$kver/updates/dkms/ &&
     depmod -a; } >/tmp/depmod.out 2>&1; then
	truncate -s 1M $T/auto.img
	check "dm-loop loads on demand" dmsetup create auto1 --table "0 2048 loop $T/auto.img"
	check "dm-ram loads on demand" dmsetup create auto2 --table "0 2048 ram"
	dmsetup remove auto1 auto2
	rm -f $T/auto.img
else
	notok "install modules for on-demand loading"; sed 's/^/#   /' /tmp/depmod.out
	insmod "$dir/dm-loop.ko"
	insmod "$dir/dm-ram.ko"
fi

# ---------------------------------------------------------------- loop
if want loop; then
	truncate -s 64M $T/a.img $T/b.img $T/c.img
	table="0 40960 loop $T/a.img 2048
40960 40960 loop $T/b.img 0
81920 40960 loop $T/c.img 8192"
	check "create 3-segment loop table" dmsetup create t3 --table "$table"
	check "table round-trips" [ "$(dmsetup table t3)" = "$table" ]
	check "status INFO" [ "$(dmsetup status t3 | head -1)" = "0 40960 loop $(dio_mode $T)" ]
	# each segment has its own batch-class workers, one per online CPU
	# (max_workers is 4): a device only ever waits for itself, and a
	# worker does not preempt the submitter
	t3w="kdmloop$(dmsetup info -c --noheadings -o minor t3)/"
	check "a SCHED_BATCH worker per online CPU for each of t3's 3 segments" \
		[ "$(ps -eo cls=,comm= | grep -c "^ *B $t3w")" = "$((3 * $(nproc)))" ]
	check "fio verify=crc32c on 3 segments" fio_verify /dev/mapper/t3
	# io_submit of several iocbs runs under a plug: the batched path
	check "fio verify=crc32c, batched submission" fio_verify /dev/mapper/t3 100% \
		"--iodepth_batch_submit=8 --iodepth_batch_complete_min=4"
	# CPU hotplug: a CPU goes offline under I/O, its queued bios are still
	# served, and when it comes back its worker is still bound to it
	cpu1=/sys/devices/system/cpu/cpu1/online
	if [ -w $cpu1 ]; then
		fio_verify /dev/mapper/t3 16M "--numjobs=2" >/tmp/hotplug.out 2>&1 &
		fio_pid=$!
		sleep 1
		echo 0 > $cpu1
		check "fio verify while CPU 1 goes offline" wait $fio_pid
		echo 1 > $cpu1
		check "${t3w}1 is still bound to CPU 1 when it is back" \
			[ "$(taskset -pc "$(pgrep -x "${t3w}1" | head -1)" | sed 's/.*: //')" = 1 ]
	else
		notok "CPU hotplug: $cpu1 not writable"
	fi

	# a marker sector written through each segment lands at its file offset
	marks_ok=1
	for s in "5 a 2053" "40960 b 0" "41060 b 100" "122879 c 49151"; do
		set -- $s
		head -c 512 /dev/urandom > $T/mark
		dd if=$T/mark of=/dev/mapper/t3 bs=512 seek=$1 count=1 oflag=direct status=none
		dd if=$T/$2.img bs=512 skip=$3 count=1 status=none | cmp -s - $T/mark || marks_ok=0
	done
	check "writes land at file offsets" [ $marks_ok = 1 ]
	head -c 512 /dev/urandom > $T/mark
	dd if=$T/mark of=$T/c.img bs=512 seek=9000 conv=notrunc status=none
	check "reads come from file offsets" \
		cmp $T/mark <(dd if=/dev/mapper/t3 bs=512 skip=$((81920 + 808)) count=1 iflag=direct status=none)

	# flush reaches vfs_fsync
	check "device has a write-back cache" \
		grep -q "write back" /sys/block/$(blkname t3)/queue/write_cache
	tr=/sys/kernel/tracing
	[ -d $tr/events ] || mount -t tracefs none $tr
	if echo 'p:dmt_fsync vfs_fsync' > $tr/kprobe_events 2>/dev/null; then
		echo > $tr/trace
		echo 1 > $tr/events/kprobes/dmt_fsync/enable
		dd if=/dev/zero of=/dev/mapper/t3 bs=4k count=1 oflag=direct conv=fsync status=none
		echo 0 > $tr/events/kprobes/dmt_fsync/enable
		check "flush calls vfs_fsync from the device's worker" grep -q "$t3w[0-9]*-.*dmt_fsync" $tr/trace
		echo > $tr/kprobe_events
	else
		notok "flush calls vfs_fsync (no kprobe events)"
	fi
	check "remove 3-segment table" dmsetup remove t3
	check "its workers are gone" sh -c "! pgrep '^$t3w'"

	# discard and write-zeroes punch holes, and only inside the segment
	dd if=/dev/urandom of=$T/d.img bs=1M count=34 status=none
	before=$(head -c 1M $T/d.img | sha)
	dmsetup create disc --table "0 65536 loop $T/d.img 2048"
	check "discard is enabled" [ "$(cat /sys/block/$(blkname disc)/queue/discard_max_bytes)" -gt 0 ]
	du1=$(du -k $T/d.img | cut -f1)
	check "blkdiscard succeeds" blkdiscard /dev/mapper/disc
	du2=$(du -k $T/d.img | cut -f1)
	check "discard punched holes (du ${du1}K -> ${du2}K)" [ "$du2" -le 2100 ]
	check "discarded range reads zeros" cmp -s -n 32M /dev/mapper/disc /dev/zero
	check "data before the segment untouched" [ "$(head -c 1M $T/d.img | sha)" = "$before" ]
	dd if=/dev/urandom of=/dev/mapper/disc bs=1M count=8 oflag=direct status=none
	check "write-zeroes (blkdiscard -z) succeeds" blkdiscard -z -o 0 -l 4M /dev/mapper/disc
	check "write-zeroes range reads zeros" cmp -s -n 4M /dev/mapper/disc /dev/zero
	du3=$(du -k $T/d.img | cut -f1)
	check "write-zeroes punched holes (du ${du3}K)" [ "$du3" -le $((du2 + 4200)) ]
	dmsetup remove disc

	# read-only table: file opened read-only, writes refused
	mkdir -p $T/ro && mount -t tmpfs -o size=80M tmpfs $T/ro
	dd if=/dev/urandom of=$T/ro/r.img bs=1M count=16 status=none
	sum=$(sha < $T/ro/r.img)
	mount -o remount,ro $T/ro
	refuse "writable table on a read-only fs is refused" dmsetup create rw1 --table "0 32768 loop $T/ro/r.img"
	check "read-only table on a read-only fs" dmsetup create --readonly ro1 --table "0 32768 loop $T/ro/r.img"
	check "read-only table reads the file" [ "$(sha < /dev/mapper/ro1)" = "$sum" ]
	refuse "read-only table refuses writes" dd if=/dev/zero of=/dev/mapper/ro1 bs=4k count=1 oflag=direct
	dmsetup remove ro1
	mount -o remount,rw $T/ro
	dmsetup create --readonly ro2 --table "0 32768 loop $T/ro/r.img"
	refuse "read-only table refuses writes (rw fs)" dd if=/dev/zero of=/dev/mapper/ro2 bs=4k count=1 oflag=direct
	check "file unchanged" [ "$(sha < $T/ro/r.img)" = "$sum" ]
	dmsetup remove ro2
	check "no file left open (umount)" umount $T/ro

	# bad tables: refused with a reason, nothing left behind
	truncate -s 16M $T/small.img
	bad() {
		local what=$1 msg=$2 tbl=$3 ro=${4:-}
		if dmsetup create $ro bad --table "$tbl" >/tmp/bad.out 2>&1; then
			notok "$what refused"; dmsetup remove bad
		elif ! dev_gone bad; then
			notok "$what refused: device left behind"; dmsetup remove bad
		elif ! klog_has "$msg"; then
			notok "$what refused with \"$msg\""; dmesg | tail -3 | sed 's/^/#   /'
		else
			ok "$what refused: $(dmesg | grep -- "$msg" | tail -1 | sed 's/^\[[^]]*\] //')"
		fi
	}
	bad "missing file" "Cannot open backing file" "0 100 loop $T/nope.img"
	bad "relative path" "must be absolute" "0 100 loop tmp/small.img"
	bad "bad offset" "Invalid backing file offset" "0 100 loop $T/small.img 12x"
	bad "huge offset" "Invalid backing file offset" "0 100 loop $T/small.img 18446744073709551615"
	bad "no arguments" "Invalid argument count" "0 100 loop"
	bad "three arguments" "Invalid argument count" "0 100 loop $T/small.img 0 0"
	bad "not a regular file" "not a regular file" "0 100 loop /dev/null"
	bad "directory" "not a regular file" "0 100 loop $T"
	bad "len past EOF (read-only)" "smaller than offset" "0 32769 loop $T/small.img" --readonly
	bad "offset+len past EOF" "smaller than offset" "0 32768 loop $T/small.img 1"
	mkdir -p $T/bt && mount -t tmpfs -o size=20M tmpfs $T/bt && truncate -s 1M $T/bt/ok.img
	bad "second segment bad" "Cannot open backing file" "0 2048 loop $T/bt/ok.img
2048 100 loop $T/bt/missing.img"
	check "first segment's file released after a failed table (umount)" umount $T/bt

	rm -f $T/*.img
fi

# ------------------------------------------- loop: stacking, isolation, errors
# (part of the loop group; "--only robust" runs this part alone)
if want loop || want robust; then
	modprobe ext4
	modprobe loop
	stuck=0

	# A read-only open of a FIFO waits for a writer: the type must be
	# checked before the open, not after
	mkfifo $T/fifo
	fifo_refused() { ! dmsetup create --readonly fifo --table "0 100 loop $T/fifo"; }
	stuck=0
	check "a FIFO is refused without being opened" in_time 30 fifo_refused
	# a blocked open returns once a writer comes
	[ $stuck = 0 ] || { : > $T/fifo; wait; stuck=0; }
	dev_gone fifo || dmsetup remove fifo
	rm -f $T/fifo

	# direct I/O with async completions: a file on ext4 on null_blk
	# (memory backed, timer-completed, 4K sectors), where the filesystem
	# takes O_DIRECT
	if { modprobe ext4 && modprobe null_blk nr_devices=1 memory_backed=1 irqmode=2 completion_nsec=20000 gb=1 bs=4096 &&
	     mkfs.ext4 -q -F /dev/nullb0 && mkdir -p $T/ext && mount /dev/nullb0 $T/ext; } >/tmp/ext.out 2>&1; then
		fallocate -l 256M $T/ext/f.img
		dmsetup create dio --table "0 262144 loop $T/ext/f.img 4096"
		check "ext4 file uses direct I/O" [ "$(dmsetup status dio)" = "0 262144 loop direct" ]
		check "4K-sector backing device: the device has 4K logical blocks" \
			[ "$(blockdev --getss /dev/mapper/dio)" = 4096 ]
		check "fio verify=crc32c over direct I/O" fio_verify /dev/mapper/dio 128M --bsrange=4k-128k
		head -c 4096 /dev/urandom > $T/mark
		dd if=$T/mark of=/dev/mapper/dio bs=4096 seek=10 oflag=direct status=none
		check "direct writes land at file offsets" \
			cmp -s $T/mark <(dd if=$T/ext/f.img bs=4096 skip=$((10 + 512)) count=1 iflag=direct status=none)
		check "fsync through the device" dd if=/dev/zero of=/dev/mapper/dio bs=64k count=16 conv=fsync status=none
		check "discard on ext4" blkdiscard -o 0 -l 64M /dev/mapper/dio
		# the backing writes are charged to the writer's cgroup, not root
		cg=/sys/fs/cgroup
		if { mountpoint -q $cg || mount -t cgroup2 none $cg; } &&
		   echo +io > $cg/cgroup.subtree_control && mkdir -p $cg/dmt; then
			sh -c "echo \$\$ > $cg/dmt/cgroup.procs &&
			       exec dd if=/dev/zero of=/dev/mapper/dio bs=1M count=8 oflag=direct status=none"
			wb=$(awk -v d="$(cat /sys/block/nullb0/dev)" '$1 == d {
				for (i = 2; i <= NF; i++) if (sub("^wbytes=", "", $i)) print $i }' $cg/dmt/io.stat)
			check "backing writes are charged to the writer's cgroup (io.stat: ${wb:-0} bytes to nullb0)" \
				[ "${wb:-0}" -ge $((8 << 20)) ]
			rmdir $cg/dmt
		else
			notok "cgroup2 with the io controller for the cgroup check"
		fi
		dmsetup remove dio
		umount $T/ext
		rmmod null_blk
	else
		notok "ext4 on null_blk for direct I/O"; sed 's/^/#   /' /tmp/ext.out
	fi

	# A: ext4 on a dm-loop device; a table whose file lives on the device
	# itself would wait for itself: refused, as the loop driver does
	truncate -s 512M $T/sa.img
	mkdir -p $T/sa $T/sb
	dmsetup create sa --table "0 1048576 loop $T/sa.img"
	mkfs.ext4 -q -F /dev/mapper/sa && mount /dev/mapper/sa $T/sa
	fallocate -l 16M $T/sa/self.img
	refuse_reload "a table whose file lives on the device itself" sa \
		"0 32768 loop $T/sa/self.img" "lives on the device itself"

	# A frozen backing filesystem stalls its own device, and no other:
	# direct I/O to an unrelated device from the same CPU completes
	truncate -s 128M $T/fx.img
	lx=$(losetup -f --show $T/fx.img)
	mkdir -p $T/fx
	mkfs.ext4 -q -F $lx && mount $lx $T/fx && fallocate -l 32M $T/fx/a.img
	truncate -s 32M $T/fc.img
	dmsetup create fa --table "0 65536 loop $T/fx/a.img"
	dmsetup create fc --table "0 65536 loop $T/fc.img"
	fsfreeze -f $T/fx
	taskset -c 1 dd if=/dev/zero of=/dev/mapper/fa bs=4k count=16 oflag=direct status=none &
	frozen=$!
	sleep 2
	check "frozen backing fs: its device's writer waits" kill -0 $frozen
	# The worker now waits in the backing file's write, inside its work:
	# it must serve I/O with PF_MEMALLOC_NOIO (0x80000, field 9 of
	# /proc/PID/stat), or reclaim could recurse into I/O from there.
	# (Sampling workers under fio for the flag caught it after 54 to
	# 120 s on a loaded host; a worker that waits here holds it.)
	fa_workers=$(pgrep "^kdmloop$(dmsetup info -c --noheadings -o minor fa)/")
	noio_waiting() {
		local p
		for p in $fa_workers; do
			awk '{ sub(/.*\) /, ""); exit !($1 == "D" && int($7 / 524288) % 2) }' /proc/$p/stat && return 0
		done
		echo "no worker of fa waits with PF_MEMALLOC_NOIO:"
		for p in $fa_workers; do cat /proc/$p/stat; done
		return 1
	}
	check "a worker waiting on its frozen backing fs holds PF_MEMALLOC_NOIO" noio_waiting
	check "frozen backing fs: direct I/O to another device on the same CPU completes" \
		in_time 60 taskset -c 1 dd if=/dev/urandom of=/dev/mapper/fc bs=4k count=16 oflag=direct status=none
	fsfreeze -u $T/fx
	check "frozen backing fs: its writer completes after the thaw" gone_in 60 $frozen
	if [ $stuck = 0 ]; then
		dmsetup remove fa fc
		umount $T/fx
		losetup -d $lx
	fi

	# A bad block under the backing file: reads give EIO, never zeros.
	# The file is on ext4 with data=journal, which reads through the page
	# cache: such a read stops short before the page that fails.
	truncate -s 64M $T/eb.img
	le=$(losetup -f --show $T/eb.img)
	mkdir -p $T/eb
	head -c 1M /dev/urandom > $T/e.dat
	dmsetup create eb --table "0 131072 linear $le 0"
	if { mkfs.ext4 -q -F -b 4096 /dev/mapper/eb && mount -o data=journal /dev/mapper/eb $T/eb &&
	     cp $T/e.dat $T/eb/e.img && sync && umount $T/eb; } >/tmp/eb.out 2>&1; then
		# sector of the file's block 5, from its first extent
		start=$(debugfs -R "bmap /e.img 5" /dev/mapper/eb 2>/dev/null)
		bad=$((start * 8))
		dmsetup reload eb --table "0 $bad linear $le 0
$bad 8 error
$((bad + 8)) $((131072 - bad - 8)) linear $le $((bad + 8))"
		dmsetup resume eb
		mount -o data=journal /dev/mapper/eb $T/eb
		dmsetup create ee --table "0 2048 loop $T/eb/e.img"
		dd if=/dev/mapper/ee of=$T/e.out bs=64k count=1 iflag=direct 2>$T/e.err
		check "bad block in the file: a read across it fails with EIO" \
			grep -q "Input/output error" $T/e.err
		check "bad block in the file: the blocks before it read back" \
			cmp -s <(dd if=/dev/mapper/ee bs=4k count=5 iflag=direct status=none) <(head -c 20k $T/e.dat)
		refuse "bad block in the file: reading it alone fails" \
			dd if=/dev/mapper/ee of=/dev/null bs=4k skip=5 count=1 iflag=direct
		dmsetup remove ee
		umount $T/eb
	else
		notok "ext4 on dm linear for the bad-block check"; sed 's/^/#   /' /tmp/eb.out
	fi
	dmsetup remove eb
	losetup -d $le

	# A full backing filesystem: a direct writer gets ENOSPC, not EIO.  A
	# small filler file makes the filesystem fill up inside a bio.
	mkdir -p $T/full
	mount -t tmpfs -o size=8M tmpfs $T/full
	head -c 12k /dev/zero > $T/full/filler
	truncate -s 64M $T/full/f.img
	dmsetup create full --table "0 131072 loop $T/full/f.img"
	dd if=/dev/urandom of=/dev/mapper/full bs=64k count=256 oflag=direct 2>$T/full.err
	check "full backing fs: a direct writer gets \"No space left on device\"" \
		grep -q "No space left on device" $T/full.err
	sed 's/^/#   /' $T/full.err | head -3
	dmsetup remove full
	umount $T/full
	# B: a dm-loop device over a file in A's ext4, with ext4 of its own.
	# B's flushes call fsync on A's file from B's worker, which waits for
	# A's bios: with workers shared by all devices those would queue
	# behind the waiting worker, for good.  (Last of the group: on a
	# module with that bug it hangs.)
	stack_up() {
		fallocate -l 256M $T/sa/b.img &&
		dmsetup create sb --table "0 524288 loop $T/sa/b.img" &&
		mkfs.ext4 -q -F /dev/mapper/sb && mount /dev/mapper/sb $T/sb &&
		fio --name=stack --filename=$T/sb/f --size=64M --rw=randwrite --bs=4k \
		    --ioengine=psync --fsync=1 --verify=crc32c --verify_backlog=64 \
		    --verify_fatal=1 --runtime=20 --output-format=terse >/dev/null
	}
	check "stacked dm-loop: ext4 on B, B's file in ext4 on A; fio verify fsync=1 for 20 s (limit 900 s)" \
		in_time 900 stack_up
	if [ $stuck = 0 ]; then
		fallocate -l 16M $T/sb/cycle.img
		refuse_reload "a table whose file lives on a dm-loop device stacked on it" sa \
			"0 32768 loop $T/sb/cycle.img" "lives on the device itself"
		check "the refused reloads left the table alone" \
			[ "$(dmsetup table sa)" = "0 1048576 loop $T/sa.img 0" ]
		stack_down() {
			umount $T/sb && e2fsck -fn /dev/mapper/sb && dmsetup remove sb &&
			umount $T/sa && e2fsck -fn /dev/mapper/sa && dmsetup remove sa
		}
		check "stacked dm-loop: unmount both and e2fsck -fn both" in_time 120 stack_down
	fi
	rm -f $T/*.img $T/e.dat $T/e.out
fi

# ---------------------------------------------------------------- ram
if want ram; then
	check "create ram" dmsetup create r1 --table "0 262144 ram"
	check "unwritten ram reads zeros" cmp -s -n 128M /dev/mapper/r1 /dev/zero
	check "no pages before first write" [ "$(dmsetup status r1 | cut -d' ' -f4)" = 0 ]
	check "fio verify=crc32c on ram" fio_verify /dev/mapper/r1 64M
	dd if=/dev/urandom of=$T/r.dat bs=1M count=96 status=none
	dd if=$T/r.dat of=/dev/mapper/r1 bs=1M oflag=direct status=none
	sum=$(sha < $T/r.dat)
	check "data reads back" [ "$(head -c 96M /dev/mapper/r1 | sha)" = "$sum" ]
	tbl=$(dmsetup table r1)
	check "ram table round-trips" [ "${tbl% }" = "0 262144 ram" ]
	dmsetup reload r1 --table "0 524288 ram" && dmsetup resume r1
	check "grow by reload keeps data" [ "$(head -c 96M /dev/mapper/r1 | sha)" = "$sum" ]
	check "grown size" [ "$(blockdev --getsz /dev/mapper/r1)" = 524288 ]
	check "grown part reads zeros" cmp -s -i 128M:0 -n 128M /dev/mapper/r1 /dev/zero
	# a reload that is loaded and then cleared must not lose the store
	dmsetup reload r1 --table "0 524288 ram" && dmsetup clear r1
	check "cleared inactive table keeps data" [ "$(head -c 96M /dev/mapper/r1 | sha)" = "$sum" ]
	# shrink to 64M, grow again: the cut-off part must read zeros
	dmsetup reload r1 --table "0 131071 ram" && dmsetup resume r1
	dmsetup reload r1 --table "0 262144 ram" && dmsetup resume r1
	check "shrink keeps the rest" cmp -s -n $((131071 * 512)) /dev/mapper/r1 $T/r.dat
	check "shrink then grow reads zeros past the cut" cmp -s -i $((131071 * 512)):0 -n 1M /dev/mapper/r1 /dev/zero
	used1=$(dmsetup status r1 | cut -d' ' -f4)
	check "discard on ram" blkdiscard /dev/mapper/r1
	used2=$(dmsetup status r1 | cut -d' ' -f4)
	check "discard frees pages ($used1 -> $used2 bytes)" [ "$used2" = 0 ]
	check "discarded ram reads zeros" cmp -s -n 128M /dev/mapper/r1 /dev/zero
	dd if=$T/r.dat of=/dev/mapper/r1 bs=1M count=8 oflag=direct status=none
	check "partial discard" blkdiscard -o 2048 -l 1M /dev/mapper/r1
	check "partial discard zeroes its range only" cmp -s -n 2048 /dev/mapper/r1 $T/r.dat
	check "partial discard range reads zeros" cmp -s -i 2048:0 -n 1M /dev/mapper/r1 /dev/zero
	check "after partial discard data intact" cmp -s -i $((2048 + 1048576)) -n 1M /dev/mapper/r1 $T/r.dat
	check "remove ram" dmsetup remove r1

	refuse "two ram lines refused" dmsetup create r2 --table "0 100 ram
100 100 ram"
	check "two ram lines: kernel says why" klog_has "must appear alone"
	check "two ram lines: nothing left" dev_gone r2
	refuse "ram with another target refused" dmsetup create r3 --table "0 100 zero
100 100 ram"
	check "ram with another target: nothing left" dev_gone r3
	refuse "ram with arguments refused" dmsetup create r4 --table "0 100 ram 5"
	check "ram with arguments: kernel says why" klog_has "takes no arguments"

	# memory comes back on removal
	sync; echo 3 > /proc/sys/vm/drop_caches
	free0=$(memfree)
	dmsetup create r5 --table "0 1048576 ram"
	dd if=/dev/urandom of=/dev/mapper/r5 bs=1M count=384 oflag=direct status=none
	free1=$(memfree)
	# The target counts its pages exactly; MemFree moves with whatever
	# else the guest frees meanwhile, so it only shows the pages are real.
	allocated=$(dmsetup status r5 | awk '{print $4}')
	dmsetup remove r5
	sleep 1
	free2=$(memfree)
	check "ram holds exactly 384 MiB of pages ($allocated bytes)" [ "$allocated" = $((384 * 1048576)) ]
	# Measured across the remove, not from free0: on 6.12 the guest freed
	# about 100 MiB of its own between free0 and free1 (CI: 275 MiB seen).
	check "removing ram frees its pages ($(( (free2 - free1) / 1024 )) MiB for 384 MiB)" [ $((free2 - free1)) -gt $((300 * 1024)) ]
	check "MemFree recovers on remove ($(( (free0 - free2) / 1024 )) MiB short)" [ $((free0 - free2)) -lt $((16 * 1024)) ]

	rm -f $T/r.dat
fi

# (part of the ram group; "--only ramfull" runs it alone)
if want ram || want ramfull; then
	# A RAM device larger than the guest's memory, filled: the write ends
	# in an error once the system is short of memory; nothing is
	# OOM-killed, and the guest keeps working.
	memtotal=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)
	ooms=$(dmesg | grep -c -E "Out of memory|oom-kill")
	dmsetup create big --table "0 $(( (memtotal + 1048576) * 2 )) ram"
	fill() { dd if=/dev/zero of=/dev/mapper/big bs=1M oflag=direct 2>$T/big.err; }
	stuck=0
	in_time 600 fill
	check "ram larger than memory: the filling writer gets an error" \
		grep -q -E "No space left on device|Input/output error" $T/big.err
	sed 's/^/#   /' $T/big.err | head -2
	check "ram larger than memory: no task was OOM-killed" \
		[ "$(dmesg | grep -c -E "Out of memory|oom-kill")" = "$ooms" ]
	check "ram larger than memory: the guest still starts programs" sh -c 'echo alive | grep -q alive'
	held=$(dmsetup status big | awk '{ print $4 }')
	check "ram larger than memory: it held $(( ${held:-0} >> 20 )) MiB of $((memtotal >> 10)) MiB" \
		[ "${held:-0}" -gt 0 -a "${held:-0}" -lt $((memtotal * 1024)) ]
	[ $stuck = 1 ] || dmsetup remove big
fi

if want stress; then
	# Parallel fio on a loop and a ram device while other loop and ram
	# devices are created, written and removed 200 times (--stress-cycles);
	# the kernel log must stay clean (checked at the end). fio is
	# rate-limited so that, under TCG, the create/remove loop still gets
	# the CPUs.
	truncate -s 64M $T/s0.img $T/s1.img
	dmsetup create st-loop --table "0 131072 loop $T/s0.img 0"
	dmsetup create st-ram --table "0 131072 ram"
	fio --name=stress --ioengine=libaio --direct=1 --iodepth=8 --rw=randrw --bs=4k \
	    --rate_iops=500 --filename=/dev/mapper/st-loop:/dev/mapper/st-ram --numjobs=2 \
	    --time_based --runtime=900 --output=/dev/null &
	fio_pid=$!
	stress_ok=1
	start=$SECONDS
	for i in $(seq "$stress_cycles"); do
		dmsetup create st-l$i --table "0 2048 loop $T/s1.img $((i * 8))" &&
		dmsetup create st-r$i --table "0 2048 ram" &&
		dd if=/dev/urandom of=/dev/mapper/st-l$i bs=4k count=1 oflag=direct status=none &&
		dd if=/dev/urandom of=/dev/mapper/st-r$i bs=4k count=1 oflag=direct status=none &&
		dmsetup remove st-l$i && dmsetup remove st-r$i || { stress_ok=0; echo "# iteration $i failed"; break; }
	done
	kill $fio_pid 2>/dev/null
	wait $fio_pid 2>/dev/null
	check "stress: $stress_cycles create/write/remove cycles beside parallel fio ($((SECONDS - start)) s)" [ $stress_ok = 1 ]
	dmsetup remove st-loop
	dmsetup remove st-ram
	check "stress: no device left behind" sh -c '! dmsetup ls | grep -q "^st-"'
	rm -f $T/s0.img $T/s1.img
fi

if want overlay; then
	# On 6.1 overlayfs over tmpfs accepts an O_DIRECT open but fails
	# every direct read and write with EINVAL: the target must fall back
	# to buffered I/O rather than fail the device (dmloopd's guests keep
	# /var/lib/dmloop on exactly such an overlay).  From 6.6 on tmpfs
	# takes direct I/O and so does the overlay.
	mkdir -p $T/ovl/lower $T/ovl/upper $T/ovl/work $T/ovl/merged
	if mount -t overlay overlay -o lowerdir=$T/ovl/lower,upperdir=$T/ovl/upper,workdir=$T/ovl/work $T/ovl/merged; then
		truncate -s 16M $T/ovl/merged/o.img
		dmsetup create ov --table "0 32768 loop $T/ovl/merged/o.img 0"
		check "loop on overlayfs over tmpfs: fio verify" fio_verify /dev/mapper/ov 8M
		want_mode=$(dio_mode $T/ovl/merged)
		check "loop on overlayfs over tmpfs: status says $want_mode" \
			sh -c "dmsetup status ov | grep -q ' $want_mode\$'"
		dmsetup remove ov
		umount $T/ovl/merged
	else
		notok "mount an overlay for the overlayfs check"
	fi
fi

check "dm-loop unused" [ "$(cat /sys/module/dm_loop/refcnt)" = 0 ]
check "rmmod dm-loop" rmmod dm-loop
check "rmmod dm-ram" rmmod dm-ram
if dmesg | grep -E -q "BUG|WARNING|Call Trace|leak"; then
	notok "kernel log clean"; dmesg | grep -E -A5 "BUG|WARNING|Call Trace" | head -40 | sed 's/^/#   /'
else
	ok "kernel log clean"
fi

# ---------------------------------------------------------------- bench
# Devices are set up side by side and runs interleaved, REPS rounds, so
# that a noisy host hits all of them alike; the table shows medians.
if [ $bench = 1 ]; then
	modprobe dm-loop 2>/dev/null || insmod "$dir/dm-loop.ko"
	modprobe dm-ram 2>/dev/null || insmod "$dir/dm-ram.ko"
	modprobe loop
	rt=${BENCH_RUNTIME:-8}
	reps=${BENCH_REPS:-3}
	iops() { # dev bs -> total IOPS (read + write)
		fio --name=b --filename="$1" --ioengine=libaio --direct=1 --iodepth=12 \
		    --numjobs=$(nproc) --rw=randrw --bs="$2" --size=1G --time_based \
		    --runtime=$rt --ramp_time=1 --group_reporting --output-format=terse \
		    --randrepeat=0 | awk -F';' '{ printf "%d\n", $8 + $49 }'
	}
	median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

	declare -A DEV R
	fallocate -l 1G $T/bench.img
	DEV[loop]=$(losetup -f --show $T/bench.img)
	if lo=$(losetup -f --show --direct-io=on $T/bench.img 2>/dev/null); then
		DEV[loop-dio]=$lo
	else
		echo "# bench: losetup --direct-io=on refused on tmpfs, no loop-dio row"
	fi
	dmsetup create bl --table "0 2097152 loop $T/bench.img"
	DEV[dm-loop]=/dev/mapper/bl
	# the RAM disks are filled first (so no run reads holes), unless left out
	bwant() { [[ " $bench_devs " == *" $1 "* ]]; }
	dmsetup create br --table "0 2097152 ram"
	bwant dm-ram && dd if=/dev/zero of=/dev/mapper/br bs=1M count=1024 oflag=direct status=none
	DEV[dm-ram]=/dev/mapper/br
	modprobe brd rd_nr=1 rd_size=1048576
	bwant brd && dd if=/dev/zero of=/dev/ram0 bs=1M count=1024 oflag=direct status=none
	DEV[brd]=/dev/ram0
	modprobe null_blk nr_devices=1 memory_backed=0 gb=1
	DEV[null_blk]=/dev/nullb0

	devs=$bench_devs
	for r in $(seq $reps); do
		for bs in 4k 32k; do
			for d in $devs; do
				[ -n "${DEV[$d]:-}" ] || continue
				v=$(iops ${DEV[$d]} $bs)
				R[$d,$bs]="${R[$d,$bs]:-} $v"
				echo "# bench round $r $d $bs $v"
			done
		done
	done

	echo "BENCH | device | 4K IOPS | 32K IOPS | 4K vs loop | 32K vs loop | 4K vs brd | 32K vs brd |"
	for d in $devs; do
		[ -n "${DEV[$d]:-}" ] || continue
		a=$(echo ${R[$d,4k]} | median); b=$(echo ${R[$d,32k]} | median)
		la=$(echo ${R[loop,4k]} | median); lb=$(echo ${R[loop,32k]} | median)
		ba=$(echo ${R[brd,4k]} | median); bb=$(echo ${R[brd,32k]} | median)
		awk -v d=$d -v a=$a -v b=$b -v la=$la -v lb=$lb -v ba=$ba -v bb=$bb 'BEGIN {
			r = "BENCH | " d " | " a + 0 " | " b + 0 " |"
			base[1] = la; base[2] = lb; base[3] = ba; base[4] = bb
			for (i = 1; i <= 4; i++)
				r = r sprintf(" %s |", base[i] > 0 ? sprintf("%.2fx", (i % 2 ? a : b) / base[i]) : "n/a")
			print r }'
	done

	dmsetup remove bl br
	for d in ${DEV[loop]} ${DEV[loop-dio]:-}; do losetup -d $d; done
	rmmod brd null_blk
	rm -f $T/bench.img
fi

echo "# $n checks, $failed failed"
[ $failed = 0 ]
