# The example devices exist, with the right identity, size, symlink, udev
# properties and systemd device unit.
. "$CHECK_DIR/lib.bash"

check "udev queue settles" udevadm settle --timeout=30

dev_identity() {
	local name=$1 uuid
	dmsetup info "dmloop-$name" || return 1
	uuid=$(dmsetup info -c --noheadings -o uuid "dmloop-$name")
	[ "$uuid" = "DMLOOP-$name" ] || { echo "dm UUID is '$uuid', want DMLOOP-$name"; return 1; }
}

dev_size() {
	local name=$1 want=$2 got
	got=$(blockdev --getsize64 "/dev/mapper/dmloop-$name") || return 1
	echo "size $got, want $want"
	[ "$got" = "$want" ]
}

dev_symlink() {
	local name=$1 link target
	link=/dev/dmloop/$name
	ls -l "$link" || return 1
	[ -L "$link" ] || { echo "$link is not a symlink"; return 1; }
	target=$(readlink -f "$link")
	[ "$target" = "$(readlink -f "/dev/mapper/dmloop-$name")" ] ||
		{ echo "$link -> $target, but /dev/mapper/dmloop-$name is elsewhere"; return 1; }
	[[ $target == /dev/dm-* ]] || { echo "$link -> $target is not a dm node"; return 1; }
}

dev_udev() {
	local name=$1 type=$2 props
	props=$(udevadm info --query=property "/dev/mapper/dmloop-$name") || return 1
	echo "$props"
	grep -qx "DMLOOP_NAME=$name" <<<"$props" || { echo "no DMLOOP_NAME=$name"; return 1; }
	grep -qx "DMLOOP_TYPE=$type" <<<"$props" || { echo "no DMLOOP_TYPE=$type"; return 1; }
}

dev_unit() {
	local name=$1 unit props
	unit=$(systemd-escape --path --suffix=device "/dev/dmloop/$name")
	props=$(systemctl show -p Id -p ActiveState "$unit")
	echo "$props"
	grep -qx ActiveState=active <<<"$props"
}

for spec in $BOOT_DEVICES; do
	IFS=: read -r name type size <<<"$spec"
	check "$name: dm device dmloop-$name with UUID DMLOOP-$name" dev_identity "$name"
	check "$name: size is $size bytes" dev_size "$name" "$size"
	check "$name: /dev/dmloop/$name points to its dm node" dev_symlink "$name"
	check "$name: udev sets DMLOOP_NAME=$name DMLOOP_TYPE=$type" dev_udev "$name" "$type"
	check "$name: dev-dmloop-$name.device is active" dev_unit "$name"
done
