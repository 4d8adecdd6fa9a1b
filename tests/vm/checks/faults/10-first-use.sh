# Issue 9, "a first command fails": on a system that never had a file
# device there is no /var/lib/dmloop. dmloopctl and busctl must still make a
# file device there (the unit owns the directory through StateDirectory=,
# and a missing parent inside an allowed directory is created).
source "$CHECK_DIR/lib.bash"

# No device may use /var/lib/dmloop: this suite boots without devices.
no_state_dir() {
	if [ -d "$STATE_DIR" ]; then
		if [ -n "$(losetup -a | grep "$STATE_DIR/")" ]; then
			echo "cannot test: loop devices use $STATE_DIR"
			losetup -a
			return 1
		fi
		rm -rf "$STATE_DIR"
	fi
	# As after installing the package: the service starts on a system
	# without the directory.
	systemctl restart dmloopd
	systemctl is-active -q dmloopd
	bus_answers 20
}

# first_file_device NAME HOW: creates a 32M file device, checks it, removes it.
first_file_device() {
	local name=$1 how=$2 out
	case $how in
	dmloopctl) out=$(dmloopctl create "$name" --type file --size 32M 2>&1) ;;
	busctl) out=$(busctl call --timeout=60 "${MGR[@]}" CreateDevice ssta{sv} "$name" file 33554432 1 CreateBacking b true 2>&1) ;;
	esac || { echo "create failed: $out"; ls -ld "$STATE_DIR"; return 1; }
	echo "$out"
	wait_for 10 test -L "/dev/dmloop/$name" || { echo "no /dev/dmloop/$name"; return 1; }
	refresh_listed || return 1
	expect_set "$name" file 33554432 no no
	device_is_whole "$name" file 33554432 no || return 1
	test -f "$STATE_DIR/$name.img"
	stat -c '%n %s %a' "$STATE_DIR/$name.img"
	mgr RemoveDevice sa{sv} "$name" 1 DeleteBacking b true
}

check "first use: /var/lib/dmloop is gone and dmloopd runs" no_state_dir
check "first use: dmloopctl create fresh --type file --size 32M works without /var/lib/dmloop" \
	first_file_device fresh dmloopctl
# The same on a second system without the directory.
rm -rf "$STATE_DIR"
check "first use: busctl CreateDevice with CreateBacking=true works without /var/lib/dmloop" \
	first_file_device fresh2 busctl
