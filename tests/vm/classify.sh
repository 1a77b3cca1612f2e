# Guest: luasched-fast with workload.lua classifies real tasks, reclassifies on exec, keeps the
# system responsive, and unloads cleanly. Arguments go to luasched-fast (e.g. --transport ringbuf).
. /opt/lsf/guest_lib.sh

POLICY=/opt/lsf/policies/workload.lua
for n in nginx-worker firefox other; do cp "$LSF_BIN/lsf-spin" /tmp/$n; done

check_eq "sched_ext idle before start" "$(scx_state)" disabled
luasched-fast --cpu 0 --policy $POLICY --log-verdicts --stats 2 "$@" > /tmp/lsf.log 2>&1 &
lp=$!
wait_state enabled $LSF_START_S
check_eq "scheduler enabled" "$(scx_state)" enabled
check_eq "root ops name" "$(scx_ops)" luasched_fast
transport=arena
case " $* " in *" --transport ringbuf "*) transport=ringbuf ;; esac
check "misses and verdicts go through the $transport transport" grep -q " $transport transport," /tmp/lsf.log
check "verdicts are applied by the kick program (it verified)" sh -c '! grep -q "no syscall kick" /tmp/lsf.log'

say "workload: 2x nginx-worker, firefox, other (busy 2 ms / sleep 1 ms, 6 s) + exec case + hackbench"
/tmp/nginx-worker 6 > /dev/null & n1=$!
/tmp/nginx-worker 6 > /dev/null & n2=$!
/tmp/firefox 6 > /dev/null & ff=$!
/tmp/other 6 > /dev/null & ot=$!
sh -c 'sleep 1; exec /tmp/nginx-worker 3 > /dev/null' & ex=$!
start=$(date +%s)
timeout 90 hackbench -g 2 -l 200 > /tmp/hackbench.log 2>&1
hb=$?
check_eq "hackbench completed under luasched-fast" "$hb" 0
wait $n1 $n2 $ff $ot $ex
took=$(( $(date +%s) - start ))
check "workload finished in bounded time (${took}s)" [ "$took" -lt 40 ]

say "warm-up burst of 50 execs, idle window: 8 s with nothing to schedule, then a warm burst of 50 execs"
# /proc/PID/stat read with shell builtins only (no process, so no miss of our own): field 10 is
# minflt, 12 majflt, 14 utime, 15 stime (ticks of 1/100 s).
proc_stat() { read -r l < /proc/$lp/stat; set -- ${l#*) }; pf=$(( $8 + ${10} )); ticks=$(( ${12} + ${13} )); }
# Per-thread faults into TF (tid:comm:minflt+majflt ...), to say which thread faulted. Builtins
# only, like proc_stat: a subshell would be a new task, so a miss of our own.
thread_faults() {
  TF=
  for t in /proc/$lp/task/*; do
    read -r l < $t/stat; c=${l#*(}; c=${c%%)*}; set -- ${l#*) }; TF="$TF ${t##*/}:$c:$(( $8 + ${10} ))"
  done
}
# exec_burst: 50 execs, each a miss
exec_burst() { i=0; while [ $i -lt 50 ]; do /tmp/other 0.001 > /dev/null; i=$((i + 1)); done; }
# Warm-up of the miss path (forks of a classified shell take its verdict without a miss, --fork
# inherit, so the workload above may have sent only a few dozen)
exec_burst
sleep 2  # let the workload's stragglers go
proc_stat; pf0=$pf; t0=$ticks; thread_faults; tf0=$TF
sleep 8
proc_stat; pf1=$pf; t1=$ticks; thread_faults; tf1=$TF
exec_burst
sleep 1
proc_stat; pf2=$pf; thread_faults; tf2=$TF
say "faults per thread (tid:comm:faults): before idle: $tf0"
say "after 8 s idle: $tf1"
say "after 50 execs: $tf2"
# 8 s idle at < 2% is < 16 ticks
check "idle dispatcher uses < 2% of a CPU ($((t1 - t0)) ticks in 8 s)" [ $((t1 - t0)) -lt 16 ]
check_eq "no page faults while idle after warm-up (/proc minflt+majflt, 8 s apart)" "$pf1" "$pf0"
check_eq "no page faults classifying 50 more tasks (warm)" "$pf2" "$pf1"

cp /run/luasched-fast.stats.json /tmp/final.json   # the counters (JSON stats file), before the stop removes it
kill -INT $lp
wait $lp; rc=$?
grep -v '^verdict' /tmp/lsf.log
echo "--- verdicts for the workload's pids"
grep -E "^verdict pid=($n1|$n2|$ff|$ot|$ex) " /tmp/lsf.log

check_eq "dispatcher exit status (0 = no ejection)" "$rc" 0
check "kernel saw a clean unregister" grep -q 'sched_ext exit: kind=64' /tmp/lsf.log
check_eq "sched_ext disabled after stop" "$(scx_state)" disabled
check "nginx-worker #1 -> REALTIME 1 ms" grep -qE "^verdict pid=$n1 .*comm=nginx-worker -> REALTIME slice_us=1000 " /tmp/lsf.log
check "nginx-worker #2 -> REALTIME 1 ms" grep -qE "^verdict pid=$n2 .*comm=nginx-worker -> REALTIME slice_us=1000 " /tmp/lsf.log
check "firefox -> BATCH 10 ms" grep -qE "^verdict pid=$ff .*comm=firefox -> BATCH slice_us=10000 " /tmp/lsf.log
check "other -> DEFAULT 20 ms" grep -qE "^verdict pid=$ot .*comm=other -> DEFAULT slice_us=20000 " /tmp/lsf.log
# the shell's comm in its verdict is "sh", or busybox's "exe" when its miss was read before the rename
# to "sh" landed (the rename tracepoint fires before the comm changes): any pre-exec name will do
shell_default() { grep -E "^verdict pid=$ex " /tmp/lsf.log | grep -v "comm=nginx-worker" | grep -q " -> DEFAULT "; }
check "exec case: first a shell in DEFAULT" shell_default
check "exec case: reclassified REALTIME after exec" \
  grep -qE "^verdict pid=$ex .*comm=nginx-worker -> REALTIME slice_us=1000 .*after exec" /tmp/lsf.log

hits=$(json_num hits /tmp/final.json); misses=$(json_num misses /tmp/final.json)
# REALTIME wakeups go to the REALTIME queue, or straight to a busy CPU's local queue (rt_direct)
check_ge "REALTIME inserts counted (ins_realtime + rt_direct)" \
  $(( $(json_num ins_realtime /tmp/final.json) + $(json_num rt_direct /tmp/final.json) )) 100
check_ge "BATCH inserts counted" "$(json_num ins_batch /tmp/final.json)" 50
check_ge "cache hits dominate (hits >= 5 x misses; misses=$misses)" "$hits" $(( misses * 5 ))
check_eq "no policy errors" "$(json_num policy_errors /tmp/final.json)" 0
if [ $transport = arena ]; then
  check_ge "the sleeping dispatcher was woken by doorbells" "$(json_num doorbells /tmp/final.json)" 1
fi
finish
