# Helpers shared by the bus suite's check files (sourced by them).
#
# busctl prints only an error's message, never its name, so the checks
# that want the error name use gdbus, which prints
# "GDBus.Error:<name>: <message>".

MGR=(org.dmloop1 /org/dmloop1 org.dmloop1.Manager)

# Calls a Manager method with gdbus; prints its output.
mgr_gdbus() {
	local method=$1
	shift
	# "--" so that an argument such as "-lead" is not read as an option.
	gdbus call --system --timeout 30 --dest org.dmloop1 --object-path /org/dmloop1 \
		--method "org.dmloop1.Manager.$method" -- "$@" 2>&1
}

# expect_error ERROR-NAME ARG-WORD METHOD ARGS...: the call fails with that
# error, and the message names ARG-WORD (e.g. 'name', 'size', the option).
expect_error() {
	local err=$1 word=$2 out
	shift 2
	out=$(mgr_gdbus "$@") && { echo "call succeeded: $out"; return 1; }
	echo "$out"
	echo "$out" | grep -q "GDBus.Error:$err:" || { echo "expected $err"; return 1; }
	[ -z "$word" ] || echo "$out" | grep -q -- "$word" || { echo "message does not name $word"; return 1; }
	# The daemon is still there after bad input.
	systemctl is-active -q dmloopd
}

# No device-mapper device, loop device or symlink for NAME.
no_trace_of() {
	local name=$1
	! dmsetup info "dmloop-$name" >/dev/null 2>&1 || { echo "dm device dmloop-$name exists"; return 1; }
	[ ! -e "/dev/dmloop/$name" ] || { echo "/dev/dmloop/$name exists"; return 1; }
	! losetup -a | grep -q "/$name" || { echo "a loop device refers to $name"; return 1; }
}

dev_path() {
	busctl call "${MGR[@]}" GetDevice s "$1" | awk '{print $2}' | tr -d '"'
}

count_dmloop() {
	dmsetup ls | grep -c '^dmloop-' || true
}

# check_sh snippets run in a new bash: hand the helpers down to them.
export -f mgr_gdbus expect_error no_trace_of dev_path count_dmloop
