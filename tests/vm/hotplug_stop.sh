# Guest: stopping the scheduler during or after CPU hotplug churn finishes. ROUNDS times in one boot:
# the scheduler starts, CPUs 1..n-1 go offline and online every 0-200 ms each beside stress-ng
# cpu/fork/affinity workers and a policy that targets CPU 2, then SIGINT must end the dispatcher and
# leave sched_ext "disabled" within STOP_S seconds: in odd rounds while the churn still runs, in even
# ones after it ended (some CPUs left offline). A stop that hangs dumps the dispatcher's kernel
# stacks, the blocked tasks (sysrq-w) and every task (sysrq-t) to the console and fails.
# usage: hotplug_stop.sh [ROUNDS] [CHURN_S] [STOP_S] [lsf|smoke] [alt|after]
#   smoke: the control, the project's one-queue smoke scheduler (no-op hotplug callbacks) in place
#   of luasched-fast: a hang there too is the kernel's
#   after: every stop after the churn ended (the pattern of the reported hang), not every other one
. /opt/lsf/guest_lib.sh

ROUNDS=${1:-3}
CHURN_S=${2:-10}
STOP_S=${3:-30}
SCHED=${4:-lsf}
PATTERN=${5:-alt}
n=$(nproc)
[ -w /sys/devices/system/cpu/cpu1/online ] || { echo "no CPU hotplug in this kernel"; exit 1; }
# a hung stop is reported by the kernel too, well before the guard
echo 20 > /proc/sys/kernel/hung_task_timeout_secs 2>/dev/null
cat > /tmp/target.lua <<'LUA'
local sched = require("sched")
sched.attach(function(ctx)
  if ctx:task():comm() == "targeted" then ctx:dsq(DEFAULT); ctx:cpu(2) else ctx:dsq(DEFAULT) end
end)
LUA

# churn SECONDS: one flipper per CPU 1..n-1, each taking its CPU offline or online every 0-200 ms
# (at random), so a hotplug operation is nearly always in progress or waiting for the lock
churn() {
  end=$(( $(date +%s) + $1 ))
  c=1
  while [ $c -lt "$n" ]; do
    ( f=/sys/devices/system/cpu/cpu$c/online
      while [ "$(date +%s)" -lt $end ]; do
        if [ "$(cat $f)" = 1 ]; then echo 0 > $f; else echo 1 > $f; fi 2>/dev/null
        echo . >> /tmp/flips
        usleep $(( RANDOM % 200000 ))
      done ) &
    c=$((c + 1))
  done
  wait
}

all_online() { for f in /sys/devices/system/cpu/cpu[0-9]*/online; do echo 1 > "$f" 2>/dev/null; done; }

# hang_dump: where a stuck dispatcher ($lp) and the kernel wait: the hotplug state of every CPU; state,
# wchan and kernel stack of every D/R task and sched_ext kthread (3 samples; a task running on
# another CPU shows no stack: sysrq-l has it); sysrq-w, sysrq-l and sysrq-t from the kernel log
hang_dump() {
  echo "--- the dispatcher's threads: state, kernel stack ---"
  for t in /proc/$lp/task/*; do
    echo "$t $(cat $t/comm 2>/dev/null) state=$(cut -d' ' -f3 $t/stat 2>/dev/null)"; sed 's/^/    /' $t/stack 2>/dev/null
  done
  echo "--- sched_ext events ---"; cat /sys/kernel/sched_ext/root/events 2>/dev/null
  echo "--- online CPUs $(cat /sys/devices/system/cpu/online); hotplug state/target per CPU ---"
  for c in /sys/devices/system/cpu/cpu[0-9]*; do echo "$c $(cat $c/hotplug/state) $(cat $c/hotplug/target)"; done
  echo "--- tasks in D or R state, and the sched_ext kthreads: state, wchan, kernel stack (3 samples) ---"
  for k in 1 2 3; do
    for d in /proc/[0-9]*; do
      st=$(cut -d' ' -f3 $d/stat 2>/dev/null)
      comm=$(cat $d/comm 2>/dev/null)
      case "$st:$comm" in D:*|R:*|*:sched_ext*|*:scx*) ;; *) continue ;; esac
      echo "$d $comm state=$st wchan=$(cat $d/wchan 2>/dev/null) cpu=$(cut -d' ' -f39 $d/stat 2>/dev/null)"
      sed 's/^/    /' $d/stack 2>/dev/null
    done
    echo "---"; sleep 1
  done
  echo "--- sysrq-w (blocked tasks), sysrq-l (what each CPU runs), sysrq-t: the kernel log ---"
  dmesg -c > /dev/null
  echo w > /proc/sysrq-trigger; echo l > /proc/sysrq-trigger; sleep 2; dmesg -c
  echo t > /proc/sysrq-trigger; sleep 2; dmesg -c | grep -A28 -E 'task:(sched_ext|scx|luasched|cpuhp|kworker)' | head -400
}

# wait_exit PID SECONDS: true once PID has exited, false if it still runs after SECONDS
wait_exit() {
  i=0
  while kill -0 "$1" 2>/dev/null && [ $i -lt $(($2 * 10)) ]; do sleep 0.1; i=$((i + 1)); done
  ! kill -0 "$1" 2>/dev/null
}

r=1
while [ $r -le "$ROUNDS" ]; do
  say "round $r of $ROUNDS: load, ${CHURN_S} s of churn beside stress-ng, SIGINT"
  all_online
  if [ "$SCHED" = smoke ]; then
    lsf-smoke --seconds 86400 > /tmp/lsf.$r.log 2>&1 &
  else
    luasched-fast --cpu 0 --policy /tmp/target.lua --stats 0 > /tmp/lsf.$r.log 2>&1 &
  fi
  lp=$!
  if ! wait_state enabled $LSF_START_S; then
    fail "round $r: scheduler enabled (state $(scx_state))"; cat /tmp/lsf.$r.log; kill -INT $lp
    if ! wait_exit $lp "$STOP_S"; then
      fail "round $r: the dispatcher that did not attach stopped within ${STOP_S} s (sched_ext $(scx_state))"
      hang_dump; break
    fi
    r=$((r + 1)); continue
  fi
  : > /tmp/flips
  timeout $((CHURN_S + 30)) stress-ng --cpu "$n" --fork "$n" --affinity "$n" --timeout "$((CHURN_S + 5))s" \
    > /tmp/stress.log 2>&1 & sp=$!
  lsf-probe $((CHURN_S + 3)) --name targeted --sleep-us 1000 > /tmp/t.json & pp=$!
  if [ $((r % 2)) = 1 ] && [ "$PATTERN" != after ]; then
    churn $((CHURN_S + 4)) & cp=$!
    sleep "$CHURN_S"
    when="during the churn"
  else
    churn "$CHURN_S" & cp=$!
    wait $cp; sleep 1
    when="after the churn, CPUs $(cat /sys/devices/system/cpu/offline) left offline"
  fi
  check_eq "round $r: still enabled after ${CHURN_S} s of churn ($(wc -l < /tmp/flips) flips)" "$(scx_state)" enabled
  say "round $r: SIGINT $when"
  t0=$(date +%s)
  kill -INT $lp
  sleep 1
  if kill -0 $lp 2>/dev/null; then  # where a slow stop waits (the dispatcher, the kernel's helper)
    echo "--- 1 s after SIGINT, sched_ext $(scx_state): kernel stacks ---"
    for t in /proc/$lp/task/* $(grep -l 'sched_ext\|scx' /proc/[0-9]*/comm 2>/dev/null | sed 's,/comm$,,'); do
      echo "$t $(cat $t/comm 2>/dev/null)"; sed 's/^/    /' $t/stack 2>/dev/null | head -12
    done
  fi
  if ! wait_exit $lp "$STOP_S"; then
    fail "round $r: the dispatcher stopped within ${STOP_S} s (still running, sched_ext $(scx_state))"
    hang_dump
    break
  fi
  wait $lp; rc=$?
  grep -E '^(sched_ext exit|luasched-fast|lsf-smoke)' /tmp/lsf.$r.log
  check_eq "round $r: stopped in $(( $(date +%s) - t0 )) s, exit status" "$rc" 0
  check "round $r: clean unregister" grep -qE 'exit: kind=64' /tmp/lsf.$r.log
  check "round $r: sched_ext disabled" wait_state disabled 5
  wait $cp $pp $sp
  r=$((r + 1))
done
all_online
finish
