# Issue 9, item 5: with udev's queue stopped, dmloopd keeps answering. A
# bus create and a reload that creates a device both wait for udev; no wait
# may block the event loop. Once the queue runs again, the pending create
# ends whole, or absent with nothing left.
source "$CHECK_DIR/lib.bash"

CHECK_TIMEOUT=200 check "udev stalled: systemctl reload returns, and so does a Reload call" stall_begin
check "udev stalled: ListDevices answers within 1 s while a create and a reload wait for udev" stall_answers
CHECK_TIMEOUT=300 check "udev stalled: the pending CreateDevice ends whole or absent once the queue restarts" stall_end
udevadm control --start-exec-queue
check "udev stalled: cleanup leaves nothing behind" stall_cleanup
udevadm control --start-exec-queue
force_absent stallbus
force_absent stallcfg
