# Issue 9, item 9: backing files are checked and used through one
# descriptor, so a symlink swapped in by someone who may write in the
# allowed directory cannot redirect a create, a resize or a DeleteBacking
# to a file outside it.
source "$CHECK_DIR/lib.bash"

OUT=/tmp/dmloop-faults-outside

sym_parent_refused() {
	local rc=0
	rm -rf "$OUT" "$STATE_DIR/evil-dir" "$STATE_DIR/evil-rel"
	mkdir -p "$OUT/dir" "$STATE_DIR"
	ln -s "$OUT/dir" "$STATE_DIR/evil-dir"
	ln -s ../../../tmp/dmloop-faults-outside/dir "$STATE_DIR/evil-rel"
	expect_error org.dmloop1.Error.BackingNotAllowed CreateDevice symp file 1048576 \
		"{'Backing': <[('$STATE_DIR/evil-dir/x.img', uint64 0)]>}" || rc=1
	expect_error org.dmloop1.Error.BackingNotAllowed CreateDevice symr file 1048576 \
		"{'Backing': <[('$STATE_DIR/evil-rel/x.img', uint64 0)]>}" || rc=1
	[ ! -e "$OUT/dir/x.img" ] || { echo "a file was created outside the allowed directory"; rc=1; }
	! dmsetup info dmloop-symp >/dev/null 2>&1 && ! dmsetup info dmloop-symr >/dev/null 2>&1 || rc=1
	rm -f "$STATE_DIR/evil-dir" "$STATE_DIR/evil-rel"
	return "$rc"
}

# swap_then_resize FORM(file|parent): create a device, then replace its
# backing path (the file itself, or its directory) by a symlink to a file
# outside, and resize. The outside file must not grow.
swap_then_resize() {
	local form=$1 name=symres-$1 path out
	rm -rf "$OUT" "$STATE_DIR/sub-$form"
	mkdir -p "$OUT/sub-$form" "$STATE_DIR/sub-$form"
	path=$STATE_DIR/sub-$form/$name.img
	mgr CreateDevice ssta{sv} "$name" file 1048576 1 Backing "a(st)" 1 "$path" 0 || return 1
	truncate -s 1M "$OUT/sub-$form/$name.img"
	case $form in
	file)
		mv "$path" "$STATE_DIR/sub-$form/$name.real"
		ln -s "$OUT/sub-$form/$name.img" "$path"
		;;
	parent)
		mv "$STATE_DIR/sub-$form" "$STATE_DIR/sub-$form.real"
		ln -s "$OUT/sub-$form" "$STATE_DIR/sub-$form"
		;;
	esac
	out=$(busctl call --timeout=60 "${MGR[@]}" ResizeDevice sta{sv} "$name" 4194304 0 2>&1)
	echo "ResizeDevice: status $?: $out"
	ls -l "$OUT/sub-$form"
	[ "$(stat -c %s "$OUT/sub-$form/$name.img")" = 1048576 ] || { echo "the file outside grew"; return 1; }
}

# After the parent swap, RemoveDevice with DeleteBacking must not delete the outside file.
swap_then_delete() {
	local name=symres-parent out
	out=$(busctl call --timeout=60 "${MGR[@]}" RemoveDevice sa{sv} "$name" 1 DeleteBacking b true 2>&1)
	echo "RemoveDevice: status $?: $out"
	[ -e "$OUT/sub-parent/$name.img" ] || { echo "DeleteBacking deleted the file outside"; return 1; }
}

check "symlinks: a Backing path whose directory is a symlink out of the allowed directory is refused" \
	sym_parent_refused
check "symlinks: resize after the backing file became a symlink to a file outside does not grow it" \
	swap_then_resize file
check "symlinks: resize after the backing directory became a symlink outside does not grow the file there" \
	swap_then_resize parent
check "symlinks: DeleteBacking after the directory became a symlink does not delete the file outside" swap_then_delete
for n in symres-file symres-parent symp symr; do
	busctl call --timeout=60 "${MGR[@]}" RemoveDevice sa{sv} "$n" 0 >/dev/null 2>&1
	dmsetup remove -f "dmloop-$n" >/dev/null 2>&1
done
for f in file parent; do
	rm -f "$STATE_DIR/sub-$f"
	rm -rf "$STATE_DIR/sub-$f.real" "$STATE_DIR/sub-$f"
done
rm -rf "$OUT"
udevadm settle -t 30
