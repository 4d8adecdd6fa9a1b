# Second boot (tests/run-all): the guest starts with the config file and
# backing file that the bus suite's 80-persistent.sh saved. The device
# created over the bus with Persistent=true is back, with its data.

check_sh "the persistent device is back after the reboot" '
	test -L /dev/dmloop/keeper
	test "$(blockdev --getsize64 /dev/dmloop/keeper)" = 8388608
	test "$(busctl get-property org.dmloop1 /org/dmloop1/device/keeper org.dmloop1.Device Origin)" = "s \"/etc/dmloop.d/keeper.conf\""
'
check_sh "its data survived the reboot" '
	test "$(dd if=/dev/dmloop/keeper bs=1M skip=5 count=1 iflag=direct status=none | sha256sum)" = "$(cat /var/lib/dmloop-test/keeper.sha256)"
'
