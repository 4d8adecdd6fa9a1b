# dmloopctl's conventions: --json=pretty|short|off as systemd's tools
# have it, bash completion of commands, options and device names, and an
# error that says what to do when dmloopd is not there.
source "$CHECK_DIR/lib.bash"

check_sh "--json=short: one line of JSON; --json=pretty: the same, indented" '
	short=$(dmloopctl list --json=short)
	echo "$short"
	test "$(wc -l <<<"$short")" = 1
	! grep -q " " <<<"$short"
	jq -e "any(.[]; .name == \"nbfile\" and .type == \"file\")" <<<"$short"
	pretty=$(dmloopctl --json=pretty list)
	echo "$pretty"
	test "$(wc -l <<<"$pretty")" -gt 10
	grep -q "^        \"name\": \"nbram\",$" <<<"$pretty" || grep -q "^                \"name\": \"nbram\",$" <<<"$pretty"
	test "$(jq -c . <<<"$pretty")" = "$(jq -c . <<<"$short")"
	dmloopctl status --json=short nbram | jq -e ".name == \"nbram\" and .type == \"ram\""
'
check_sh "--json=off is the table; --json without a value or with a bad one is a usage error" '
	test "$(dmloopctl --json=off list)" = "$(dmloopctl list)"
	rc=0; out=$(dmloopctl list --json 2>&1) || rc=$?
	echo "$out"; test $rc = 2; grep -q -- "--json" <<<"$out"
	rc=0; out=$(dmloopctl --json=yaml list 2>&1) || rc=$?
	echo "$out"; test $rc = 2; grep -q "pretty, short or off" <<<"$out"
'

# complete WORD...: the completions bash offers for the command line WORD...
# (the last word is the one being completed).
complete_words() {
	bash -c '
		source /usr/share/bash-completion/bash_completion
		source /usr/share/bash-completion/completions/dmloopctl
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_dmloopctl dmloopctl "${COMP_WORDS[-1]}" "${COMP_WORDS[-2]}" 2>/dev/null
		printf "%s\n" "${COMPREPLY[@]}"
	' complete "$@"
}
export -f complete_words

check_sh "bash completion: commands, options, option values and device names from the bus" '
	test "$(complete_words dmloopctl "" | sort | tr "\n" " ")" = "create list reload remove resize status "
	complete_words dmloopctl create x --ty | grep -qx -- --type=
	test "$(complete_words dmloopctl create x --type "" | tr "\n" " ")" = "ram file "
	complete_words dmloopctl --json= | grep -qx short
	names=$(complete_words dmloopctl status "")
	echo "status: $names"
	grep -qx nbfile <<<"$names" && grep -qx nbram <<<"$names"
	test "$(complete_words dmloopctl remove nbr)" = nbram
	test -z "$(complete_words dmloopctl status nbfile "")"
'

# Last: these stop dmloopd, and start it again.
check_sh "dmloopd stopped and masked: the error says so and names systemctl" '
	systemctl mask --runtime --now dmloopd.service
	rc=0; out=$(dmloopctl list 2>&1) || rc=$?
	systemctl unmask --runtime dmloopd.service
	echo "$out"
	test $rc != 0
	grep -q "dmloopd is not running" <<<"$out"
	grep -q "systemctl status dmloopd" <<<"$out"
'
check_sh "no activation file (not installed): the error says what to do, not what D-Bus says" '
	f=/usr/share/dbus-1/system-services/org.dmloop1.service
	systemctl stop dmloopd.service
	mv $f /run/org.dmloop1.service.saved
	busctl call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus ReloadConfig
	rc=0; out=$(dmloopctl list 2>&1) || rc=$?
	mv /run/org.dmloop1.service.saved $f
	busctl call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus ReloadConfig
	echo "$out"
	test $rc != 0
	grep -q "dmloopd is not running" <<<"$out"
	grep -q "systemctl start dmloopd" <<<"$out"
	! grep -q "was not provided by any .service files" <<<"$out"
'
check_sh "dmloopd back, with the devices" '
	systemctl start dmloopd.service
	dmloopctl status nbfile >/dev/null
'
