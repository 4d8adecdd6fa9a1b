# Issue 9 (helper O): the operation layer, its journal and recovery, and
# the smaller points of the bus adapter. Fault injection (udev stalls,
# kill -9 during calls, dbus restarts under load) is in tests/vm/checks/faults/.
source "$VM_SRC/tests/vm/checks/bus/lib.bash"

CHECK_TIMEOUT=120

# Restarts dmloopd and waits until it answers on the bus again.
restart_dmloopd() {
	systemctl restart dmloopd
	for i in $(seq 100); do
		busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager ListDevices >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	echo "dmloopd does not answer after a restart"
	return 1
}
export -f restart_dmloopd

# A journal entry that a crash left behind: a create that never made its
# dm device. Recovery removes the backing file the call had created.
check_sh "recovery undoes an interrupted create and removes its backing file" '
	mkdir -p /run/dmloop/journal /var/lib/dmloop
	truncate -s 1M /var/lib/dmloop/rec-undo.img
	printf "Operation=create\nName=rec-undo\nOrigin=bus\nCreated=/var/lib/dmloop/rec-undo.img\n" \
		>/run/dmloop/journal/rec-undo
	since=$(date "+%F %T")
	restart_dmloopd
	test ! -e /var/lib/dmloop/rec-undo.img
	test ! -e /run/dmloop/journal/rec-undo
	! dmsetup info dmloop-rec-undo >/dev/null 2>&1
	journalctl -u dmloopd --since "$since" --no-pager -o verbose |
		grep "MESSAGE=Recovery: undid interrupted create of device rec-undo." >/dev/null
	journalctl -u dmloopd --since "$since" --no-pager -o verbose | grep "DMLOOP_DEVICE=rec-undo" >/dev/null
'

# A create whose dm device exists is finished: the device stays, with its
# backing file.
check_sh "recovery finishes an interrupted create whose device exists" '
	busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager CreateDevice ssta{sv} rec-keep file 1048576 0
	printf "Operation=create\nName=rec-keep\nOrigin=bus\nCreated=/var/lib/dmloop/rec-keep.img\n" \
		>/run/dmloop/journal/rec-keep
	since=$(date "+%F %T")
	restart_dmloopd
	test -e /var/lib/dmloop/rec-keep.img
	dmsetup info dmloop-rec-keep >/dev/null
	test -L /dev/dmloop/rec-keep
	journalctl -u dmloopd --since "$since" --no-pager |
		grep "Recovery: finished interrupted create of device rec-keep." >/dev/null
	busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager RemoveDevice sa{sv} rec-keep 1 DeleteBacking b true
'

# A remove that a crash interrupted before the dm device went: the
# config file goes (again), and so does the device.
check_sh "recovery finishes an interrupted remove" '
	printf "[Device]\nName=rec-rm\nType=ram\nSize=1M\n" >/etc/dmloop.d/rec-rm.conf
	systemctl reload dmloopd
	for i in $(seq 100); do test -e /dev/dmloop/rec-rm && break; sleep 0.2; done
	test -e /dev/dmloop/rec-rm
	# The symlink comes before the create is over, and the create then
	# deletes its own journal entry, of the same name: wait for that first
	# (CI lost the entry below to it once).
	for i in $(seq 100); do test -e /run/dmloop/journal/rec-rm || break; sleep 0.2; done
	test ! -e /run/dmloop/journal/rec-rm
	printf "Operation=remove\nName=rec-rm\nOrigin=/etc/dmloop.d/rec-rm.conf\n" >/run/dmloop/journal/rec-rm
	since=$(date "+%F %T")
	restart_dmloopd
	test ! -e /etc/dmloop.d/rec-rm.conf
	! dmsetup info dmloop-rec-rm >/dev/null 2>&1
	journalctl -u dmloopd --since "$since" --no-pager |
		grep "Recovery: finished interrupted remove of device rec-rm." >/dev/null
'

# Only the fallback RAM backend has the tmpfs.
if [ -d /run/dmloop/ram ]; then
	check_sh "orphaned files in the RAM directory are removed at start" '
		echo junk >/run/dmloop/ram/orphan-ram
		since=$(date "+%F %T")
		restart_dmloopd
		test ! -e /run/dmloop/ram/orphan-ram
		journalctl -u dmloopd --since "$since" --no-pager |
			grep "Recovery: removed orphaned RAM file /run/dmloop/ram/orphan-ram" >/dev/null
	'
else
	skip "orphaned files in the RAM directory are removed at start" "no fallback RAM directory"
fi

check_sh "a second device on the same backing file is refused, under any path" '
	busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager CreateDevice ssta{sv} share1 file 1048576 0
	ln -f /var/lib/dmloop/share1.img /var/lib/dmloop/share-link.img
	out=$(mgr_gdbus CreateDevice share2 file 0 "{\"Backing\": <[(\"/var/lib/dmloop/share1.img\", uint64 1048576)]>}") && exit 1
	echo "$out"; echo "$out" | grep -q "DeviceExists.*already used by device \"share1\""
	out=$(mgr_gdbus CreateDevice share3 file 0 "{\"Backing\": <[(\"/var/lib/dmloop/share-link.img\", uint64 1048576)]>}") && exit 1
	echo "$out"; echo "$out" | grep -q "already used by device \"share1\""
	no_trace_of share2 && no_trace_of share3
	rm /var/lib/dmloop/share-link.img
	busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager RemoveDevice sa{sv} share1 1 DeleteBacking b true
'

# A config file may not name a non-UTF-8 path (dmloop.d(5)): it is refused
# with file:line, and the bus, whose strings must be UTF-8, keeps working
# for every other device. (Paths read back from the kernel are escaped.)
check_sh "a non-UTF-8 backing path is refused with file:line and does not break GetManagedObjects" '
	dir=/var/lib/dmloop
	name=$(printf "$dir/bad-\\xff\\xfe.img")
	truncate -s 1M "$name"
	printf "[Device]\nName=badutf\nType=file\nSize=1M\nBacking=%s\nCreateBacking=no\n" "$name" >/etc/dmloop.d/badutf.conf
	since=$(date "+%Y-%m-%d %H:%M:%S")
	systemctl reload dmloopd
	for i in $(seq 100); do journalctl -u dmloopd --since "$since" -o cat | grep "badutf.conf:5:" >/dev/null && break; sleep 0.2; done
	journalctl -u dmloopd --since "$since" -o cat | grep "badutf.conf:5:"
	test ! -e /dev/dmloop/badutf
	busctl call org.dmloop1 /org/dmloop1 org.freedesktop.DBus.ObjectManager GetManagedObjects >/run/gmo.out
	grep -q single /run/gmo.out
	dmloopctl list | grep -q single
	rm /etc/dmloop.d/badutf.conf "$name"
	systemctl reload dmloopd
'

check_sh "renaming Name= in a file replaces the old device" '
	printf "[Device]\nName=before\nType=ram\nSize=1M\n" >/etc/dmloop.d/renamed.conf
	systemctl reload dmloopd
	for i in $(seq 100); do test -e /dev/dmloop/before && break; sleep 0.2; done
	test -e /dev/dmloop/before
	printf "[Device]\nName=after\nType=ram\nSize=1M\n" >/etc/dmloop.d/renamed.conf
	systemctl reload dmloopd
	for i in $(seq 100); do test -e /dev/dmloop/after && ! test -e /dev/dmloop/before && break; sleep 0.2; done
	test -e /dev/dmloop/after
	no_trace_of before
	rm /etc/dmloop.d/renamed.conf
	systemctl reload dmloopd
	for i in $(seq 100); do test -e /dev/dmloop/after || break; sleep 0.2; done
	no_trace_of after
'

check_sh "adoption refuses a dm device whose name does not match its UUID" '
	# A table dmloopd could have made (linear over a loop device), so
	# that only the name gives it away.
	truncate -s 1M /run/impostor.img
	loop=$(losetup -f --show /run/impostor.img)
	dmsetup create dmloop-impostor -u DMLOOP-victim --table "0 2048 linear $loop 0"
	since=$(date "+%F %T")
	restart_dmloopd
	! busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager GetDevice s victim 2>/dev/null
	journalctl -u dmloopd --since "$since" --no-pager | grep "dmloop-impostor has the UUID of dmloop device victim" >/dev/null
	dmsetup remove dmloop-impostor
	losetup -d "$loop"
	rm /run/impostor.img
'

check_sh "SIGHUP right after start does not kill dmloopd" '
	trap "systemctl stop dmloopd-hup 2>/dev/null || true; systemctl start dmloopd || true" EXIT
	systemctl stop dmloopd
	systemd-run --unit=dmloopd-hup --service-type=exec -p KillMode=mixed /usr/sbin/dmloopd
	pid=$(systemctl show -p MainPID --value dmloopd-hup)
	# As soon as main() has blocked SIGHUP, before the event loop runs.
	# Not earlier: no program can catch a signal while the dynamic linker
	# loads its libraries, which took 0.7 s on a loaded CI host.
	for i in $(seq 100); do
		blk=$(awk "/^SigBlk:/ { print \$2 }" /proc/$pid/status)
		(( 0x$blk & 1 )) && break
		sleep 0.05
	done
	echo "SigBlk $blk after $i look(s)"
	kill -HUP "$pid"
	sleep 3
	kill -0 "$pid"
	systemctl is-active -q dmloopd-hup
	systemctl stop dmloopd-hup
	systemctl start dmloopd
	restart_dmloopd
'

check_sh "a remove deletes the config file the device came from, under another name" '
	printf "[Device]\nName=other-name\nType=ram\nSize=1M\n" >/etc/dmloop.d/a-file.conf
	systemctl reload dmloopd
	# The symlink comes before the create is over (DeviceBusy until then).
	wait_for 20 busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager GetDevice s other-name
	busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager RemoveDevice sa{sv} other-name 0
	test ! -e /etc/dmloop.d/a-file.conf
	systemctl reload dmloopd
	sleep 1
	no_trace_of other-name
'

check_sh "a resize writes the file the device came from, keeping its other lines" '
	printf "# keep this comment\n[Device]\nName=zzz\nType=ram\nSize=1M\n" >/etc/dmloop.d/b-file.conf
	systemctl reload dmloopd
	# The symlink comes before the create is over (DeviceBusy until then).
	wait_for 20 busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager GetDevice s zzz
	busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager ResizeDevice sta{sv} zzz 2097152 0
	grep -q "^# keep this comment" /etc/dmloop.d/b-file.conf
	grep -Eq "^Size *= *(2097152|2M)" /etc/dmloop.d/b-file.conf
	test ! -e /etc/dmloop.d/zzz.conf
	restart_dmloopd
	test "$(blockdev --getsize64 /dev/dmloop/zzz)" = 2097152
	busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager RemoveDevice sa{sv} zzz 0
'

check_sh "UdevTimeoutSec= is read from dmloopd.conf and checked" '
	cp -a /etc/dmloopd.conf /run/dmloopd.conf.saved 2>/dev/null || true
	printf "[Daemon]\nUdevTimeoutSec=0\n" >/etc/dmloopd.conf
	! systemctl restart dmloopd
	journalctl -u dmloopd -n 20 --no-pager | grep "UdevTimeoutSec= must be between 1 and 3600" >/dev/null
	printf "[Daemon]\nUdevTimeoutSec=200\n" >/etc/dmloopd.conf
	systemctl reset-failed dmloopd
	restart_dmloopd
	if test -e /run/dmloopd.conf.saved; then mv /run/dmloopd.conf.saved /etc/dmloopd.conf; else rm /etc/dmloopd.conf; fi
	restart_dmloopd
'

check_sh "the journal directory is empty when nothing is under way" '
	test -z "$(ls -A /run/dmloop/journal 2>/dev/null)"
'
