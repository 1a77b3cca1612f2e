# Guest: one unprivileged user floods the scheduler with misses (threads that rename themselves and
# yield in a loop, processes that fork and exec in a loop); another user's new nginx-worker must still
# get its REALTIME verdict within BOUND_MS of its start (time-to-verdict: its exec to the dispatcher
# sending the verdict, both CLOCK_MONOTONIC, from lsf-ident's JSON and the JSON verdict log). The flooder is held to its per-user miss budget (fallback_budget), and loses nothing: once
# the flood stops, each flooding thread gets the verdict for the name it ends with.
# usage: miss_flood.sh BOUND_MS [luasched-fast options...]
. /opt/lsf/guest_lib.sh
BOUND_MS=${1:-150}
shift
FLOOD_S=8
VICTIMS=6
THREADS=8
cp "$LSF_BIN/lsf-probe" /tmp/nginx-worker && chmod 755 /tmp/nginx-worker
as_user() { "$LSF_BIN/lsf-ident" as "$@"; }  # as_user UID PROG ARGS: PROG as uid and gid UID
luasched-fast --cpu 0 --policy /opt/lsf/policies/workload.lua --log-verdicts --stats-json --stats 0 "$@" \
  > /tmp/lsf.log 2> /tmp/lsf.err &
lp=$!
wait_state enabled $LSF_START_S
check_eq "scheduler enabled" "$(scx_state)" enabled
sleep 1

# victim NAME: a new nginx-worker of uid 2000 that runs 0.3 s; its pid and exec time go to /tmp/NAME.json
victim() { as_user 2000 /tmp/nginx-worker 0.3 2> "/tmp/$1.json" > /dev/null; }

say "3 victims without a flood (baseline)"
for i in 1 2 3; do victim base$i; sleep 0.2; done

say "flood: uid 1000, $THREADS renaming threads + 2 exec loops for ${FLOOD_S} s; $VICTIMS victims of uid 2000 meanwhile"
as_user 1000 "$LSF_BIN/lsf-flood" rename $THREADS $FLOOD_S nginx-worker > /tmp/flood-rename.json 2> /dev/null &
fr=$!
as_user 1000 "$LSF_BIN/lsf-flood" exec 2 $FLOOD_S > /tmp/flood-exec.json 2> /dev/null &
fe=$!
sleep 1
i=1
while [ $i -le $VICTIMS ]; do victim flood$i; sleep 0.5; i=$((i + 1)); done
cp /run/luasched-fast.stats.json /tmp/during.json
wait $fr $fe
cat /tmp/flood-rename.json /tmp/flood-exec.json
sleep 1.5
cat /run/luasched-fast.stats.json; echo
kill -INT $lp; wait $lp; rc=$?   # the verdict log is complete once the dispatcher stopped

# ttv NAME: ms from the victim's start to its first REALTIME verdict ("none" if it got none)
ttv() {
  pid=$(json_num exec_pid "/tmp/$1.json"); start=$(json_num exec_ns "/tmp/$1.json")
  grep "\"verdict_pid\": $pid," /tmp/lsf.log | grep '"class": "REALTIME"' | head -1 > /tmp/v.json
  sent=$(json_num sent_ns /tmp/v.json)
  if [ -z "$pid" ] || [ -z "$start" ] || [ -z "$sent" ]; then echo none; return; fi
  awk -v s="$sent" -v t="$start" 'BEGIN { printf "%d", (s - t) / 1e6 }'
}
worst=0 base_worst=0 got=0 list=
for i in 1 2 3; do
  t=$(ttv base$i); say "baseline victim $i: time-to-verdict ${t} ms"
  [ "$t" != none ] && [ "$t" -gt $base_worst ] && base_worst=$t
done
i=1
while [ $i -le $VICTIMS ]; do
  t=$(ttv flood$i); say "victim $i during the flood: time-to-verdict ${t} ms"
  list="$list $t"
  if [ "$t" = none ]; then worst=999999; else got=$((got + 1)); [ "$t" -gt $worst ] && worst=$t; fi
  i=$((i + 1))
done
echo "{\"baseline_worst_ms\": $base_worst, \"flood_worst_ms\": $worst, \"flood_victims_classified\": $got}"
check_eq "every victim got its REALTIME verdict during the flood" "$got" "$VICTIMS"
check "each within ${BOUND_MS} ms of its start (worst ${worst} ms:${list})" [ "$worst" -le "$BOUND_MS" ]
check_ge "the flood was large (misses during it)" "$(json_num misses /tmp/during.json)" 1000
check_ge "the flooding user was held to its budget (fallback_budget)" "$(json_num fallback_budget /tmp/during.json)" 1
# nothing lost: each flooding thread ends as nginx-worker and gets that verdict once the flood is over
n=0 tids=0
for tid in $(sed -n 's/.*"tid": \([0-9]*\).*/\1/p' /tmp/flood-rename.json); do
  tids=$((tids + 1))
  grep "\"verdict_pid\": $tid," /tmp/lsf.log | grep -q '"comm": "nginx-worker".*"class": "REALTIME"' && n=$((n + 1))
done
check_eq "every flooding thread got its last verdict after the flood ($n of $tids)" "$n" $THREADS
check_eq "no ejection (dispatcher exit 0)" "$rc" 0
finish
