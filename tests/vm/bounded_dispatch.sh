# Guest: a miss flood by four unprivileged users (renaming threads, exec loops) makes the dispatcher
# send verdicts in bursts; ops.dispatch, which runs under the run-queue lock, must apply at most 15 of
# them per call (the kick program and the timer apply the rest), and every flooding thread must still
# end with the verdict for its last name. dispatch_verdicts_max is the upper bound of the log2 bucket
# of the most verdicts one dispatch applied: <= 16 holds the bound, 32 or more breaks it.
# usage: bounded_dispatch.sh [luasched-fast options...]
. /opt/lsf/guest_lib.sh
FLOOD_S=6
as_user() { "$LSF_BIN/lsf-ident" as "$@"; }  # as_user UID PROG ARGS: PROG as uid and gid UID
luasched-fast --cpu 0 --policy /opt/lsf/policies/workload.lua --stats-json --stats 0 --miss-rate 0 "$@" \
  > /tmp/lsf.log 2> /tmp/lsf.err &
lp=$!
wait_state enabled $LSF_START_S
check_eq "scheduler enabled" "$(scx_state)" enabled
say "flood: uids 1000-1003, each 6 renaming threads and an exec loop, for ${FLOOD_S} s"
pids=
for u in 1000 1001 1002 1003; do
  as_user $u "$LSF_BIN/lsf-flood" rename 6 $FLOOD_S nginx-worker > /tmp/flood-rename-$u.json 2> /dev/null &
  pids="$pids $!"
  as_user $u "$LSF_BIN/lsf-flood" exec 1 $FLOOD_S > /tmp/flood-exec-$u.json 2> /dev/null &
  pids="$pids $!"
done
wait $pids
sleep 1.5
cp /run/luasched-fast.stats.json /tmp/stats.json
cat /tmp/stats.json; echo
check_eq "still enabled" "$(scx_state)" enabled
got=$(int "$(json_num verdicts_received /tmp/stats.json)")
check_ge "verdicts applied during the flood" "$got" 1000
most=$(int "$(json_num dispatch_verdicts_max /tmp/stats.json)")
in_bound() { [ -n "$1" ] && [ "$1" -ge 1 ] && [ "$1" -le 16 ]; }
check "most verdicts one ops.dispatch applied: below ${most:-?} (bound 15, so 16 at most)" in_bound "$most"
kill -INT $lp; wait $lp; rc=$?
check_eq "dispatcher exit status" "$rc" 0
finish
