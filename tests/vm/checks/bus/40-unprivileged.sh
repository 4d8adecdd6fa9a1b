# A user who is not root: reading works, every mutation is refused by
# polkit (the default for org.dmloop1.manage is "no" without an active
# local session).
source "$VM_SRC/tests/vm/checks/bus/lib.bash"

id dmlooptest >/dev/null 2>&1 || useradd --system --no-create-home dmlooptest
as_user() { setpriv --reuid=dmlooptest --regid=dmlooptest --clear-groups -- "$@"; }
user_gdbus() {
	local method=$1
	shift
	as_user gdbus call --system --timeout 30 --dest org.dmloop1 --object-path /org/dmloop1 \
		--method "org.dmloop1.Manager.$method" -- "$@" 2>&1
}
denied() {
	local out
	out=$(user_gdbus "$@") && { echo "allowed: $out"; return 1; }
	echo "$out"
	echo "$out" | grep -Eq "GDBus.Error:org.freedesktop.DBus.Error.(AccessDenied|InteractiveAuthorizationRequired)"
}

check "an unprivileged user can ListDevices" as_user busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager ListDevices
check "an unprivileged user can GetDevice" as_user busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager GetDevice s single
check "an unprivileged user can read properties" as_user busctl get-property org.dmloop1 /org/dmloop1/device/single org.dmloop1.Device Size
check "an unprivileged user cannot CreateDevice" denied CreateDevice userdev ram 1048576 "@a{sv} {}"
check "an unprivileged user cannot RemoveDevice" denied RemoveDevice scratch "@a{sv} {}"
check "an unprivileged user cannot ResizeDevice" denied ResizeDevice scratch 268435456 "@a{sv} {}"
check "an unprivileged user cannot Reload" denied Reload
check_sh "an unprivileged user cannot Device.Resize or Device.Remove" '
	! setpriv --reuid=dmlooptest --regid=dmlooptest --clear-groups -- busctl call org.dmloop1 /org/dmloop1/device/scratch org.dmloop1.Device Resize ta{sv} 268435456 0
	! setpriv --reuid=dmlooptest --regid=dmlooptest --clear-groups -- busctl call org.dmloop1 /org/dmloop1/device/scratch org.dmloop1.Device Remove a{sv} 0
'
check_sh "nothing changed" '
	no_trace_of() { ! dmsetup info "dmloop-$1" >/dev/null 2>&1; }
	no_trace_of userdev
	test "$(blockdev --getsize64 /dev/dmloop/scratch)" = 134217728
	systemctl is-active -q dmloopd
'
