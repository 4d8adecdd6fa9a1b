# Every argument of every method gets a wrong value. Each call gets its
# documented error, with a message that names the argument, leaves no
# device behind, and the daemon keeps running.
source "$VM_SRC/tests/vm/checks/bus/lib.bash"

IA=org.freedesktop.DBus.Error.InvalidArgs
before=$(count_dmloop)

long65=$(printf 'a%.0s' $(seq 65))
for bad in "" "$long65" "../x" "a/b" "-lead" ".hidden" "sp ace" "a*b"; do
	check "CreateDevice refuses name '${bad:0:20}'" expect_error $IA "'name'" CreateDevice "$bad" ram 1048576 "@a{sv} {}"
done
for bad in "" "$long65" "../x" "a/b" "-lead"; do
	check "RemoveDevice refuses name '${bad:0:20}'" expect_error $IA "'name'" RemoveDevice "$bad" "@a{sv} {}"
	check "ResizeDevice refuses name '${bad:0:20}'" expect_error $IA "'name'" ResizeDevice "$bad" 1048576 "@a{sv} {}"
	check "GetDevice refuses name '${bad:0:20}'" expect_error $IA "'name'" GetDevice "$bad"
done
check "CreateDevice refuses type 'disk'" expect_error $IA "'type'" CreateDevice badtype disk 1048576 "@a{sv} {}"
check "CreateDevice refuses type ''" expect_error $IA "'type'" CreateDevice badtype "" 1048576 "@a{sv} {}"
for size in 0 511 513 18446744073709551615; do
	check "CreateDevice refuses size $size" expect_error $IA "'size'" CreateDevice badsize ram "$size" "@a{sv} {}"
	check "ResizeDevice refuses size $size" expect_error $IA "'size'" ResizeDevice scratch "$size" "@a{sv} {}"
done
check "CreateDevice refuses an unknown option" expect_error $IA "Frobnicate" CreateDevice badopt ram 1048576 "{'Frobnicate': <true>}"
check "CreateDevice refuses ReadOnly of the wrong type" expect_error $IA "ReadOnly" CreateDevice badopt ram 1048576 "{'ReadOnly': <'yes'>}"
check "CreateDevice refuses Backing of the wrong type" expect_error $IA "Backing" CreateDevice badopt file 1048576 "{'Backing': <['/var/lib/dmloop/x.img']>}"
check "CreateDevice refuses Persistent of the wrong type" expect_error $IA "Persistent" CreateDevice badopt ram 1048576 "{'Persistent': <1>}"
check "CreateDevice refuses Backing on a RAM device" expect_error $IA "Backing" CreateDevice badopt ram 1048576 "{'Backing': <[('/var/lib/dmloop/x.img', uint64 0)]>}"
check "CreateDevice refuses a Backing size that is not a multiple of 512" expect_error $IA "512" CreateDevice badopt file 1048576 "{'Backing': <[('/var/lib/dmloop/x.img', uint64 1000), ('/var/lib/dmloop/y.img', uint64 0)]>}"
check "CreateDevice refuses Backing sizes that do not add up" expect_error $IA "" CreateDevice badopt file 1048576 "{'Backing': <[('/var/lib/dmloop/x.img', uint64 4194304)]>}"
check "RemoveDevice refuses an unknown option" expect_error $IA "AllowShrink" RemoveDevice scratch "{'AllowShrink': <true>}"
check "RemoveDevice refuses Force of the wrong type" expect_error $IA "Force" RemoveDevice scratch "{'Force': <'no'>}"
check "ResizeDevice refuses an unknown option" expect_error $IA "Force" ResizeDevice scratch 268435456 "{'Force': <true>}"
check "ResizeDevice refuses AllowShrink of the wrong type" expect_error $IA "AllowShrink" ResizeDevice scratch 268435456 "{'AllowShrink': <uint32 1>}"
check "ResizeDevice shrinking without AllowShrink" expect_error $IA "AllowShrink" ResizeDevice scratch 1048576 "@a{sv} {}"
check "CreateDevice of an existing name is DeviceExists" expect_error org.dmloop1.Error.DeviceExists "single" CreateDevice single ram 1048576 "@a{sv} {}"
check "RemoveDevice of a missing device is NoSuchDevice" expect_error org.dmloop1.Error.NoSuchDevice "nosuch" RemoveDevice nosuch "@a{sv} {}"
check "ResizeDevice of a missing device is NoSuchDevice" expect_error org.dmloop1.Error.NoSuchDevice "nosuch" ResizeDevice nosuch 1048576 "@a{sv} {}"
check "GetDevice of a missing device is NoSuchDevice" expect_error org.dmloop1.Error.NoSuchDevice "nosuch" GetDevice nosuch
check "a RAM device over RamLimit is LimitExceeded" expect_error org.dmloop1.Error.LimitExceeded "RamLimit" CreateDevice huge ram 1099511627776 "@a{sv} {}"
check "growing a RAM device over RamLimit is LimitExceeded" expect_error org.dmloop1.Error.LimitExceeded "RamLimit" ResizeDevice scratch 1099511627776 "@a{sv} {}"
check_sh "Device.Resize on a missing object is refused" '
	! busctl call org.dmloop1 /org/dmloop1/device/nosuch org.dmloop1.Device Resize ta{sv} 1048576 0
'
check_sh "the bad input left no device behind and the daemon runs" "
	test \"\$(dmsetup ls | grep -c '^dmloop-' || true)\" = '$before'
	systemctl is-active -q dmloopd
	! ls /var/lib/dmloop/ | grep -q -e badopt -e badsize -e badtype -e '^x.img' -e '^y.img'
"
