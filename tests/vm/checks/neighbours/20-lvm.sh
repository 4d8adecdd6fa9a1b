# LVM on dmloop devices: a PV, a VG, an LV, ext4 and a mount, on a file
# device and on a RAM device. With the kernel targets this works with
# Debian's stock lvm.conf. On the fallback, LVM also finds the PV on the
# loop device below (LVM reads no udev property with the stock
# external_device_info_source="none"), refuses the duplicate, and needs
# the global_filter that dmloopd(8) documents.
source "$CHECK_DIR/lib.bash"

LVM_FILTER='r|^/dev/dmloop-component/|'

# lvm_stack NAME: the whole stack on /dev/dmloop/NAME, then taken down.
lvm_stack() {
	local name=$1 vg=vg_$1 mnt=/mnt/lvm-$1
	set -x
	pvcreate -y "/dev/dmloop/$name" || return 1
	vgcreate "$vg" "/dev/dmloop/$name" || return 1
	lvcreate -y -L 16M -n data "$vg" || return 1
	udevadm settle
	mkfs.ext4 -q "/dev/$vg/data" || return 1
	mkdir -p "$mnt"
	mount "/dev/$vg/data" "$mnt" || return 1
	head -c 1M /dev/urandom >"$mnt/blob"
	sum=$(sha256sum <"$mnt/blob")
	umount "$mnt"
	mount "/dev/$vg/data" "$mnt" || return 1
	test "$(sha256sum <"$mnt/blob")" = "$sum" || return 1
	# The PV is on the dmloop device, and only there.
	pvs --noheadings -o pv_name,vg_name | tee /dev/stderr | grep -q "$vg" || return 1
	test "$(pvs --noheadings -o pv_name | grep -c .)" = 1 || return 1
	umount "$mnt"
	vgchange -an "$vg" && vgremove -y "$vg" && pvremove -y "/dev/dmloop/$name"
}
export -f lvm_stack

if [ "$(nb_backend)" = fallback ]; then
	check_sh "fallback, stock lvm.conf: LVM sees the PV twice and vgcreate refuses it" '
		pvcreate -y /dev/dmloop/nbfile
		udevadm settle
		rc=0; out=$(vgcreate vg_stock /dev/dmloop/nbfile 2>&1) || rc=$?
		echo "$out"
		pvremove -y /dev/dmloop/nbfile >/dev/null 2>&1 || wipefs -a /dev/dmloop/nbfile
		test $rc != 0 && grep -q duplicate <<<"$out"
	'
	check_sh "fallback: the global_filter of dmloopd(8), in lvmlocal.conf, takes effect" "
		printf 'devices {\n\tglobal_filter = [ \"$LVM_FILTER\" ]\n}\n' >/etc/lvm/lvmlocal.conf
		lvmconfig --type current devices/global_filter | tee /dev/stderr | grep -qF '$LVM_FILTER'
	"
fi

for name in nbfile nbram; do
	check_sh "$name: pvcreate, vgcreate, lvcreate, mkfs.ext4, mount" "lvm_stack $name"
done
