# Daemon benchmark (bench/run), not a test: dmloopd's start with 100
# configured devices against a shell script that makes the same devices
# with losetup and dmsetup; CreateDevice latency up to the symlink; peak RSS.

BENCH=$VM_OUT/bench
mkdir -p "$BENCH"
CHECK_TIMEOUT=900
export BENCH
mkdir -p /etc/dmloop.d /var/lib/dmloop

check_sh "bench: dmloopd start with 100 file devices" '
	systemctl stop dmloopd
	for d in $(dmsetup ls | awk "/^dmloop-/ {print \$1}"); do dmsetup remove "$d"; done
	mkdir -p /run/bench-saved && mv /etc/dmloop.d/*.conf /run/bench-saved/ 2>/dev/null || true
	for i in $(seq -w 100); do printf "[Device]\nType=file\nSize=1M\n" >/etc/dmloop.d/b$i.conf; done
	t0=$(date +%s.%N)
	systemctl start dmloopd
	t1=$(date +%s.%N)
	test "$(ls /dev/dmloop | grep -c "^b")" = 100
	echo "dmloopd_start_s=$(echo "$t1 - $t0" | bc)" >>"$BENCH/daemon.txt"
	echo "dmloopd_peak_rss_kib=$(awk "/VmHWM/ {print \$2}" /proc/$(systemctl show -p MainPID --value dmloopd)/status)" >>"$BENCH/daemon.txt"
'
check_sh "bench: losetup + dmsetup script with the same 100 devices" '
	systemctl stop dmloopd
	for d in $(dmsetup ls | awk "/^dmloop-/ {print \$1}"); do dmsetup remove "$d"; done
	t0=$(date +%s.%N)
	for i in $(seq -w 100); do
		f=/var/lib/dmloop/s$i.img
		truncate -s 1M "$f"
		dev=$(losetup -f --show "$f")
		dmsetup create "script-$i" --table "0 2048 linear $dev 0"
		losetup -d "$dev"
	done
	udevadm settle
	t1=$(date +%s.%N)
	echo "script_start_s=$(echo "$t1 - $t0" | bc)" >>"$BENCH/daemon.txt"
	for i in $(seq -w 100); do dmsetup remove "script-$i"; done
'
check_sh "bench: CreateDevice latency" '
	rm -f /etc/dmloop.d/b*.conf
	mv /run/bench-saved/*.conf /etc/dmloop.d/ 2>/dev/null || true
	systemctl start dmloopd
	total=0
	for i in $(seq 20); do
		t0=$(date +%s%N)
		busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager CreateDevice ssta{sv} lat$i ram 1048576 0 >/dev/null
		t1=$(date +%s%N)
		test -e /dev/dmloop/lat$i
		total=$((total + (t1 - t0) / 1000))
	done
	echo "create_latency_ms=$(echo "scale=1; $total / 20 / 1000" | bc)" >>"$BENCH/daemon.txt"
	for i in $(seq 20); do busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager RemoveDevice sa{sv} lat$i 0; done
'
check_sh "bench: dmsetup create + udevadm settle latency" '
	total=0
	for i in $(seq 20); do
		truncate -s 1M /run/lat-ref.img
		dev=$(losetup -f --show /run/lat-ref.img)
		t0=$(date +%s%N)
		dmsetup create "latref-$i" --table "0 2048 linear $dev 0"
		udevadm settle
		t1=$(date +%s%N)
		total=$((total + (t1 - t0) / 1000))
		dmsetup remove "latref-$i"
		losetup -d "$dev"
	done
	rm -f /run/lat-ref.img
	echo "dmsetup_settle_latency_ms=$(echo "scale=1; $total / 20 / 1000" | bc)" >>"$BENCH/daemon.txt"
'
# ListDevices with 100 and with 1000 devices (4 KiB RAM devices, all made
# over the bus at once).
list_time_us() {
	local t0 t1 total=0
	for i in $(seq 20); do
		t0=$(date +%s%N)
		busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager ListDevices >/dev/null
		t1=$(date +%s%N)
		total=$((total + (t1 - t0) / 1000))
	done
	echo $((total / 20))
}
make_devices() {
	local from=$1 to=$2
	for i in $(seq "$from" "$to"); do
		busctl call --timeout=300 org.dmloop1 /org/dmloop1 org.dmloop1.Manager CreateDevice ssta{sv} \
			many$i ram 4096 0 >/dev/null &
		[ $((i % 50)) = 0 ] && wait
	done
	wait
}
export -f list_time_us make_devices
CHECK_TIMEOUT=1800 check_sh "bench: ListDevices with 100 and with 1000 devices" '
	cp -a /etc/dmloopd.conf /run/dmloopd.conf.bench 2>/dev/null || true
	printf "[Daemon]\nMaxDevices=1100\n" >/etc/dmloopd.conf
	systemctl restart dmloopd
	make_devices 1 100
	echo "list_100_us=$(list_time_us)" >>"$BENCH/daemon.txt"
	make_devices 101 1000
	test "$(dmsetup ls | grep -c "^dmloop-many")" = 1000
	echo "list_1000_us=$(list_time_us)" >>"$BENCH/daemon.txt"
	echo "dmloopd_rss_1000_kib=$(awk "/VmHWM/ {print \$2}" /proc/$(systemctl show -p MainPID --value dmloopd)/status)" >>"$BENCH/daemon.txt"
	for i in $(seq 1000); do
		busctl call --timeout=300 org.dmloop1 /org/dmloop1 org.dmloop1.Manager RemoveDevice sa{sv} many$i 0 >/dev/null &
		[ $((i % 50)) = 0 ] && wait
	done
	wait
	if test -e /run/dmloopd.conf.bench; then mv /run/dmloopd.conf.bench /etc/dmloopd.conf; else rm /etc/dmloopd.conf; fi
	systemctl restart dmloopd
	cat "$BENCH/daemon.txt"
'
