# D-Bus activation: with dmloopd stopped, a call to org.dmloop1 starts it
# (org.dmloop1.service names dmloopd.service), and it adopts the devices.
check_sh "a bus call starts a stopped dmloopd" '
	systemctl stop dmloopd
	! systemctl is-active -q dmloopd
	busctl call --timeout=60 org.dmloop1 /org/dmloop1 org.dmloop1.Manager GetDevice s single
	systemctl is-active -q dmloopd
	busctl call org.dmloop1 /org/dmloop1 org.dmloop1.Manager ListDevices | grep -q "\"joined\""
'
