# Helpers of the neighbours suite: dmloop's devices as LVM, UDisks2 and
# systemd see them, and dmloopctl's conventions. The suite runs in the
# fallback boot and in the boot with the kernel targets.

# The backend of file devices: kernel or fallback.
nb_backend() {
	busctl get-property org.dmloop1 /org/dmloop1 org.dmloop1.Manager LoopTarget | awk '{print $2}' | tr -d '"'
}

# The kernel name (dm-N) of dmloop device NAME.
nb_dm() {
	basename "$(readlink -f "/dev/dmloop/$1")"
}

# The loop devices under dmloop device NAME (the fallback's components).
nb_components() {
	ls "/sys/block/$(nb_dm "$1")/slaves" 2>/dev/null | grep '^loop' || true
}

# Makes a device with dmloopctl, unless it is there.
nb_create() {
	local name=$1
	shift
	[ -e "/dev/dmloop/$name" ] || dmloopctl create "$name" "$@" || return 1
	udevadm settle
	test -b "/dev/dmloop/$name"
}

export -f nb_backend nb_dm nb_components nb_create
