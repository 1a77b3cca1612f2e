# Guest: the harness works and the project's smoke scheduler loads, schedules and unloads.
# usage: smoke.sh [lsf-smoke flags]   (with --broken the scheduler never dispatches: this test must
# then FAIL, printing the watchdog's exit reason; tests/vm/expect_failure checks exactly that)
. /opt/lsf/guest_lib.sh

check_eq "sched_ext present and idle before load" "$(scx_state)" disabled
lsf-smoke --seconds 8 "$@" > /tmp/smoke.log 2>&1 &
lp=$!
wait_state enabled 5
check_eq "state enabled after load" "$(scx_state)" enabled
check_eq "root ops name" "$(scx_ops)" lsf_smoke
say "running a busy loop on each of $(nproc) vCPUs for 3 s"
start=$(date +%s)
hog_all 3
for j in $(jobs -p); do [ "$j" = "$lp" ] || wait "$j"; done
took=$(( $(date +%s) - start ))
check "hogs finished in time under the smoke scheduler (${took}s)" [ "$took" -lt 6 ]
wait $lp; rc=$?
cat /tmp/smoke.log
check_eq "loader exit status" "$rc" 0
check "tasks were dispatched" grep -qE 'dispatched=[1-9]' /tmp/smoke.log
check "clean unregister" grep -q 'unregistered from user space' /tmp/smoke.log
check_eq "state disabled after unload" "$(scx_state)" disabled
finish
