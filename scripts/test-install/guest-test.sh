#!/bin/sh
# Runs inside the install test's guest (a clean Debian 12, systemd as PID 1),
# from the payload disk mounted at /payload. It only acts and collects: every
# step's exit status goes to results/steps, its output to results/NAME.out,
# copies of the logs to results/; the host judges them (judge.py).
R=/payload/results
rm -rf "$R"; mkdir -p "$R"
MARKER=$(cat /payload/marker)
LOG=/var/log/proctrace/events.jsonl

# step NAME COMMAND...: runs it, its output to NAME.out, "NAME STATUS" to steps.
step() {
	name=$1; shift
	"$@" > "$R/$name.out" 2>&1
	rc=$?
	echo "$name $rc" >> "$R/steps"
	echo "guest: $name -> $rc"
	return 0
}
# required: stops the test if the last step failed (the host reports the
# steps that did not run).
required() {
	[ "$rc" -eq 0 ] && return 0
	echo "guest: aborted after $name"; cat "$R/$name.out"
	exit 1
}
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
# wait_for N FILE: until the log holds N lines containing the text in FILE
# (5 min cap: emulated). The text is not an argument: the marker must appear
# in no process's argv but the workload's.
printf '"event":"start"\n' > /tmp/start.pattern
wait_for() {
	i=0
	while n=$(grep -c -F -f "$2" $LOG 2>/dev/null); [ "${n:-0}" -lt "$1" ]; do
		i=$((i + 1)); [ $i -gt 1500 ] && return 1
		sleep 0.2
	done
}
timed_stop() {
	t0=$(now_ms)
	systemctl stop proctrace
	rc=$?
	echo "$(( $(now_ms) - t0 ))" > "$R/$1.ms"
	systemctl show proctrace -p Result -p ExecMainCode -p ExecMainStatus -p ActiveState > "$R/$1.show"
	return $rc
}

step system sh -c 'uname -r; readlink /proc/1/exe; command -v swift || echo "no swift"; ls /opt 2>&1'
step install apt-get install -y /payload/proctrace.deb; required
step after-install sh -c 'systemctl is-enabled proctrace; systemctl is-active proctrace; ldd /usr/bin/proctrace; dpkg-query -W -f="\${Status}\n" proctrace'
step enable-now systemctl enable --now proctrace
step first-start wait_for 1 /tmp/start.pattern; required

# The known workload: a shell with a marker argument that runs /bin/true
# with another, then exits 3.
/bin/sh -c "/bin/true $MARKER-child; exit 3" sh "$MARKER-parent" &
pid=$!
wait $pid
echo "$pid $?" > "$R/workload"
step workload-logged wait_for 2 /payload/marker
sleep 2
step stop timed_stop stop
cp -L $LOG "$R/after-stop.jsonl"

# Capabilities: the main process as systemd started it, then once recording.
step start-again systemctl start --no-block proctrace
step capabilities sh -c '
	i=0; pid=0
	while [ "$pid" = 0 ] && [ $i -lt 3000 ]; do pid=$(systemctl show -P MainPID proctrace); i=$((i+1)); done
	[ "$pid" != 0 ] || { echo "no main process"; exit 1; }
	# Until systemd has executed proctrace in it (before, it is systemd'"'"'s own child).
	i=0; comm=
	while [ "$comm" != proctrace ] && [ $i -lt 100000 ]; do read -r comm < /proc/$pid/comm; i=$((i+1)); done
	while read -r key value; do case $key in Cap*|Uid:|NoNewPrivs:) echo "granted $key $value";; esac; done < /proc/$pid/status
	i=0
	while [ "$(grep -c -F -f /tmp/start.pattern '$LOG')" -lt 2 ]; do i=$((i+1)); [ $i -gt 3000 ] && exit 1; sleep 0.2; done
	# The drop follows the start snapshot, which hashes every running program
	# (seconds under tcg): wait for the effective set to change, at most 120 s.
	granted=$(sed -n "s/^CapEff:\t*//p" /proc/$pid/status)
	i=0
	while [ "$(sed -n "s/^CapEff:\t*//p" /proc/$pid/status)" = "$granted" ] && [ $i -lt 600 ]; do i=$((i+1)); sleep 0.2; done
	echo "waited $((i / 5)) s for the drop"
	sleep 0.5
	while read -r key value; do case $key in Cap*|Uid:|NoNewPrivs:) echo "running $key $value";; esac; done < /proc/$pid/status
	echo "main $pid"; head -1 /proc/$pid/cmdline | tr "\0" " "; echo
	grep "\"event\":\"start\"" '$LOG' | tail -1'

step restart systemctl restart proctrace
step restart-start wait_for 3 /tmp/start.pattern
sleep 2
step final-stop timed_stop final-stop
cp -L $LOG "$R/final.jsonl"
ls -l /var/log/proctrace/ > "$R/logdir.txt" 2>&1

step journal-errors journalctl -u proctrace -p err --no-pager -o short-monotonic
step journal journalctl -u proctrace --no-pager -o short-monotonic
step security systemd-analyze security --no-pager proctrace
step start-for-upgrade systemctl start proctrace
step upgrade-wait wait_for 4 /tmp/start.pattern
# Installing the same version again is an upgrade to dpkg (prerm upgrade,
# postinst configure OLD-VERSION): the maintainer scripts' upgrade path.
step upgrade apt-get install --reinstall -y /payload/proctrace.deb
step upgrade-start wait_for 5 /tmp/start.pattern
step after-upgrade sh -c 'systemctl is-enabled proctrace; systemctl is-active proctrace'

# Sealing (docs/sealing.md): the packaged configuration names the default key,
# so the service says it is not sealing until `seal init`, then seals.
step seal-before sh -c 'journalctl -u proctrace --no-pager -o cat | grep "not sealing: no key state at /var/lib/proctrace/seal.key"'
step seal-init sh -c 'proctrace seal init > /root/seal-verification.key'
step seal-restart systemctl restart proctrace
step seal-start wait_for 6 /tmp/start.pattern
/bin/sh -c "/bin/true $MARKER-sealed" sh &
wait $!
sleep 2
step seal-stop timed_stop seal-stop
step seal-key-state sh -c 'stat -L -c "%u %a %h %F" /var/lib/proctrace/seal.key; grep "^interval " /var/lib/proctrace/seal.key'
cp -L $LOG "$R/sealed.jsonl"
step seal-verify sh -c 'proctrace verify --ended --key /root/seal-verification.key /var/log/proctrace/events.jsonl*'
step seal-start-again systemctl start proctrace
step seal-start-again-wait wait_for 7 /tmp/start.pattern

# What remove and purge leave (README: "Installing").
state() {
	for p in /usr/bin/proctrace /lib/systemd/system/proctrace.service /etc/proctrace/proctrace.toml \
	         /var/log/proctrace /var/log/private/proctrace /var/log/proctrace/events.jsonl; do
		if [ -e "$p" ]; then echo "present $p"; else echo "absent $p"; fi
	done
	echo "active $(systemctl is-active proctrace)"
	echo "enabled $(systemctl is-enabled proctrace 2>&1)"
	echo "package $(dpkg-query -W -f='${Status}' proctrace 2>&1)"
	pgrep -x proctrace > /dev/null && echo "process running" || echo "process none"
}
step remove apt-get remove -y proctrace
cp -L $LOG "$R/after-remove.jsonl"
step after-remove state
step purge apt-get purge -y proctrace
step after-purge state
echo done > "$R/done"
