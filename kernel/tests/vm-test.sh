#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build dm-loop.ko and dm-ram.ko, boot Debian's stock kernel under qemu
# (TCG) with a busybox initramfs, and run guest-checks.sh inside it.
#
#	kernel/tests/vm-test.sh [--bench] [--only NAME...]
#
# The guest mounts the host's / read-only over 9p and chroots into it, so
# fio, dmsetup, losetup and mkfs come from the host unchanged; /tmp, /run
# and /dev are the guest's own.  Output is TAP-like: "ok N - ..." and
# "not ok N - ..." lines, then the benchmark table with --bench.
# Exit status: 0 when no check failed.
#
# Environment: KVER (default: what tools/guest-kernel prints, Debian 12's
# own kernel; the running kernel outside a dmloop checkout), WORK (default
# /tmp/kvm-dev), MEM (guest MiB, default 6144), SMP (default 2), SCRIPT
# (guest script, default guest-checks.sh next to this file), TIMEOUT (seconds
# the guest may run, default 1800).

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
kdir=$(dirname "$here")
KVER=${KVER:-$("$kdir/../tools/guest-kernel" 2>/dev/null || uname -r)}
WORK=${WORK:-/tmp/kvm-dev}
MEM=${MEM:-6144}
SMP=${SMP:-2}
args="$*"

make -s -C "$kdir" KDIR="/lib/modules/$KVER/build" W=1 >&2

rm -rf "$WORK/root"
mkdir -p "$WORK/root"/{bin,sbin,dev,proc,sys,host,mods,t}
cp /bin/busybox "$WORK/root/bin/busybox"
for a in sh mount umount insmod mkdir cat poweroff sleep chroot; do
	ln -s busybox "$WORK/root/bin/$a"
done
# modprobe knows the load order and which of these are built in (6.12
# builds virtio in); it repeats shared dependencies.  busybox's insmod
# wants plain .ko files, and 6.12 ships them xz-compressed.
: > "$WORK/root/mods/order"
for ko in $(modprobe -S "$KVER" --show-depends -a virtio_pci 9pnet_virtio 9p |
	    awk '$1 == "insmod" && !seen[$2]++ { print $2 }'); do
	name=$(basename "$ko")
	case $ko in
	*.ko.xz) xz -dc "$ko" > "$WORK/root/mods/${name%.xz}"; name=${name%.xz} ;;
	*) cp "$ko" "$WORK/root/mods/$name" ;;
	esac
	echo "$name" >> "$WORK/root/mods/order"
done
cp "$kdir/dm-loop.ko" "$kdir/dm-ram.ko" "$WORK/root/t/"
cp "${SCRIPT:-$here/guest-checks.sh}" "$WORK/root/t/guest-checks.sh"
printf '%s\n' "$args" > "$WORK/root/t/args"

cat > "$WORK/root/init" <<'INIT'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /mods/order); do
	insmod /mods/$m
done
mount -t 9p -o trans=virtio,version=9p2000.L,ro hostroot /host
mount -t devtmpfs dev /host/dev
mount -t proc proc /host/proc
mount -t sysfs sys /host/sys
mount -t tmpfs -o size=90% tmp /host/tmp
mount -t tmpfs run /host/run
mkdir -p /host/run/t
cat /t/dm-loop.ko > /host/run/t/dm-loop.ko
cat /t/dm-ram.ko > /host/run/t/dm-ram.ko
cat /t/guest-checks.sh > /host/run/t/guest-checks.sh
chroot /host /bin/bash /run/t/guest-checks.sh $(cat /t/args)
echo "GUEST-EXIT $?"
poweroff -f
INIT
chmod 755 "$WORK/root/init"

# The kernel runs modprobe in the initramfs root; let it use the host's.
cat > "$WORK/root/sbin/modprobe" <<'MODPROBE'
#!/bin/sh
exec chroot /host /sbin/modprobe "$@"
MODPROBE
chmod 755 "$WORK/root/sbin/modprobe"

(cd "$WORK/root" && find . | cpio -o -H newc --quiet | gzip -1) > "$WORK/initramfs.gz"

log="$WORK/console.log"
boot() {
	timeout "${TIMEOUT:-1800}" qemu-system-x86_64 -nographic -no-reboot -m "$MEM" -smp "$SMP" \
		-kernel "/boot/vmlinuz-$KVER" -initrd "$WORK/initramfs.gz" \
		-append "console=ttyS0 loglevel=4 panic=-1 oops=panic no_timer_check" \
		-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
		</dev/null 2>&1 | sed -u 's/\r$//' | tee "$log" | grep -E '^(ok|not ok|#|GUEST-EXIT|BENCH)|Call Trace|BUG|WARNING' || true
}

# Under TCG the guest kernel now and then oopses on an int3 while it
# patches its own code early in boot (qemu's cross-vCPU code modification).
# A crash before the first check boots once more; any later one counts.
boot
if ! grep -q -E '^(ok|not ok) ' "$log" && grep -q -E 'Oops|Kernel panic' "$log"; then
	mv "$log" "$WORK/console-crashed.log"
	echo "# the kernel crashed during boot, before any check; booting once more (crash log: $WORK/console-crashed.log)"
	boot
fi

grep -q '^GUEST-EXIT 0$' "$log"
