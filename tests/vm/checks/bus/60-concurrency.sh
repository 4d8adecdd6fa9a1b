# 50 CreateDevice calls in parallel, then 50 RemoveDevice calls in
# parallel, leave exactly the expected state.
source "$VM_SRC/tests/vm/checks/bus/lib.bash"

CHECK_TIMEOUT=300
before=$(count_dmloop)
loops_before=$(losetup -a | wc -l)

check_sh "50 parallel CreateDevice calls all succeed" '
	for i in $(seq 50); do
		busctl call --timeout=180 org.dmloop1 /org/dmloop1 org.dmloop1.Manager CreateDevice ssta{sv} par$i ram 1048576 0 >/run/par-$i.out 2>&1 &
	done
	fail=0
	for j in $(jobs -p); do wait $j || fail=$((fail + 1)); done
	cat /run/par-*.out | sort | uniq -c | head
	test $fail = 0
'
check_sh "exactly 50 new devices with symlinks and bus objects" "
	test \"\$(dmsetup ls | grep -c '^dmloop-par')\" = 50
	test \"\$(ls /dev/dmloop | grep -c '^par')\" = 50
	test \"\$(busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager ListDevices | grep -o '\"par[0-9]*\"' | wc -l)\" = 50
"
check_sh "50 parallel RemoveDevice calls all succeed" '
	for i in $(seq 50); do
		busctl call --timeout=180 org.dmloop1 /org/dmloop1 org.dmloop1.Manager RemoveDevice sa{sv} par$i 0 >/run/parrm-$i.out 2>&1 &
	done
	fail=0
	for j in $(jobs -p); do wait $j || fail=$((fail + 1)); done
	cat /run/parrm-*.out | sort | uniq -c | head
	test $fail = 0
'
check_sh "the state is exactly as before" "
	test \"\$(dmsetup ls | grep -c '^dmloop-' || true)\" = '$before'
	test \"\$(losetup -a | wc -l)\" = '$loops_before'
	! ls /dev/dmloop | grep -q '^par'
	! busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager ListDevices | grep -q par
	systemctl is-active -q dmloopd
"
