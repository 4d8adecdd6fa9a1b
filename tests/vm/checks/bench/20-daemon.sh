# Daemon benchmark (bench/run), not a test: dmloopd's start with 100
# configured devices against a shell script that makes the same devices
# with losetup and dmsetup; CreateDevice latency up to the symlink; peak RSS.

BENCH=$VM_OUT/bench
mkdir -p "$BENCH"
[ ! -r /etc/dmloop-vm/bench.conf ] || . /etc/dmloop-vm/bench.conf
# BENCH_DAEMON=0 (bench.conf): a block-I/O-only run, such as the one with
# an older build of the targets.
[ "${BENCH_DAEMON:-1}" = 1 ] || return 0
CHECK_TIMEOUT=900
export BENCH
mkdir -p /etc/dmloop.d /var/lib/dmloop

# The three starts run in 3 interleaved rounds, and the medians count: the
# first start after boot is slower (cold caches), whichever comes first.
# "fallback" unloads dmloop's targets first, "kernel" loads them (when this
# kernel has them; dmloopd picks its backends when it starts).
daemon_start() { # backend round
	local t0 t1 pid
	systemctl stop dmloopd
	for d in $(dmsetup ls | awk "/^dmloop-/ {print \$1}"); do dmsetup remove "$d"; done
	udevadm settle
	if [ "$1" = fallback ]; then
		modprobe -r dm-loop dm-ram 2>/dev/null || true
		# Still loaded (a device of another bench holds it): not the fallback.
		! grep -qE "^dm_(loop|ram) " /proc/modules || return 1
	else
		modprobe dm-loop && modprobe dm-ram || return 2
	fi
	rm -f /var/lib/dmloop/b*.img
	t0=$(date +%s.%N)
	systemctl start dmloopd
	t1=$(date +%s.%N)
	test "$(ls /dev/dmloop | grep -c "^b")" = 100 || return 1
	pid=$(systemctl show -p MainPID --value dmloopd)
	echo "dmloopd_start_$1_s_$2=$(echo "$t1 - $t0" | bc)" >>"$BENCH/daemon-rounds.txt"
	echo "dmloopd_peak_rss_$1_kib_$2=$(awk "/VmHWM/ {print \$2}" /proc/$pid/status)" >>"$BENCH/daemon-rounds.txt"
	echo "dmloopd_anon_rss_$1_kib_$2=$(awk "/RssAnon/ {print \$2}" /proc/$pid/status)" >>"$BENCH/daemon-rounds.txt"
}
script_start() { # round
	local t0 t1 i f dev
	systemctl stop dmloopd
	for d in $(dmsetup ls | awk "/^dmloop-/ {print \$1}"); do dmsetup remove "$d"; done
	udevadm settle
	rm -f /var/lib/dmloop/s*.img
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
	echo "script_start_s_$1=$(echo "$t1 - $t0" | bc)" >>"$BENCH/daemon-rounds.txt"
	for i in $(seq -w 100); do dmsetup remove "script-$i"; done
}
# The median of KEY_1..KEY_3 in daemon-rounds.txt.
median_of() {
	grep "^$1_[0-9]*=" "$BENCH/daemon-rounds.txt" | cut -d= -f2 | sort -g | awk "{ v[NR] = \$1 } END { if (NR) print v[int((NR + 1) / 2)] }"
}
export -f daemon_start script_start median_of
CHECK_TIMEOUT=2400 check_sh "bench: dmloopd start with 100 file devices (fallback and kernel targets) against the losetup + dmsetup script, 3 rounds" '
	mkdir -p /run/bench-saved && mv /etc/dmloop.d/*.conf /run/bench-saved/ 2>/dev/null || true
	for i in $(seq -w 100); do printf "[Device]\nType=file\nSize=1M\n" >/etc/dmloop.d/b$i.conf; done
	rm -f "$BENCH/daemon-rounds.txt"
	kernel=1
	for r in 1 2 3; do
		script_start $r
		daemon_start fallback $r
		if [ $kernel = 1 ]; then daemon_start kernel $r || { [ $? = 2 ] && kernel=0; }; fi
	done
	s=$(median_of script_start_s)
	echo "script_start_s=$s" >>"$BENCH/daemon.txt"
	for b in fallback kernel; do
		d=$(median_of dmloopd_start_${b}_s)
		[ -n "$d" ] || continue
		echo "dmloopd_start_${b}_s=$d" >>"$BENCH/daemon.txt"
		echo "dmloopd_start_${b}_over_script=$(echo "scale=3; $d / $s" | bc)" >>"$BENCH/daemon.txt"
		echo "dmloopd_peak_rss_${b}_kib=$(median_of dmloopd_peak_rss_${b}_kib)" >>"$BENCH/daemon.txt"
		echo "dmloopd_anon_rss_${b}_kib=$(median_of dmloopd_anon_rss_${b}_kib)" >>"$BENCH/daemon.txt"
	done
	cat "$BENCH/daemon-rounds.txt"
'
check_sh "bench: CreateDevice latency" '
	rm -f /etc/dmloop.d/b*.conf
	mv /run/bench-saved/*.conf /etc/dmloop.d/ 2>/dev/null || true
	systemctl stop dmloopd
	# The fallback, loop device and dm linear, like the reference below.
	modprobe -r dm-loop dm-ram 2>/dev/null || true
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
# over the bus at once, on dm-ram when this kernel has it). Per call: the
# wall time of busctl, most of it busctl's own start, and the CPU time
# dmloopd spent (schedstat, in ns), which is the daemon's share.
list_time() { # label
	local t0 t1 c0 c1 pid
	pid=$(systemctl show -p MainPID --value dmloopd)
	c0=$(cut -d" " -f1 /proc/$pid/schedstat)
	t0=$(date +%s%N)
	for i in $(seq 20); do
		busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager ListDevices >/dev/null
	done
	t1=$(date +%s%N)
	c1=$(cut -d" " -f1 /proc/$pid/schedstat)
	echo "list_$1_us=$(((t1 - t0) / 20 / 1000))" >>"$BENCH/daemon.txt"
	echo "list_$1_dmloopd_cpu_us=$(((c1 - c0) / 20 / 1000))" >>"$BENCH/daemon.txt"
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
export -f list_time make_devices
CHECK_TIMEOUT=1800 check_sh "bench: ListDevices with 100 and with 1000 devices" '
	cp -a /etc/dmloopd.conf /run/dmloopd.conf.bench 2>/dev/null || true
	printf "[Daemon]\nMaxDevices=1100\n" >/etc/dmloopd.conf
	modprobe dm-ram 2>/dev/null || true
	systemctl restart dmloopd
	make_devices 1 100
	list_time 100
	make_devices 101 1000
	test "$(dmsetup ls | grep -c "^dmloop-many")" = 1000
	list_time 1000
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
