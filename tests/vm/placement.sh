# Guest (-smp 4, 2 sockets x 2 cores): hwloc sees the topology, and ctx:llc(n) puts tasks on CPUs
# of that LLC, where they then run.
. /opt/lsf/guest_lib.sh

echo "LLCs (index3 shared_cpu_list per CPU): $(cat /sys/devices/system/cpu/cpu*/cache/index3/shared_cpu_list | tr '\n' ' ')"
llc_a=$(cat /sys/devices/system/cpu/cpu0/cache/index3/shared_cpu_list)
other=$(cat /sys/devices/system/cpu/cpu*/cache/index3/shared_cpu_list | grep -vx "$llc_a" | head -1)
check "the guest has two LLCs" [ -n "$other" ]
in_list() {  # in_list CPU LIST ("2-3" or "2,3")
  for part in $(echo "$2" | tr ',' ' '); do
    lo=${part%-*}; hi=${part#*-}
    [ "$1" -ge "$lo" ] && [ "$1" -le "$hi" ] && return 0
  done
  return 1
}

mkdir -p /tmp/pol && chmod 755 /tmp/pol
cat > /tmp/pol/p.lua <<'EOP'
local sched = require("sched")
local linux = require("linux")
-- "far-*" tasks go to the LLC that does not hold CPU 0, "near-*" to the one that does
local far = linux.llc_of(0) == 0 and 1 or 0
sched.attach(function(ctx)
  local comm = ctx:task():comm()
  if comm:find("^far") then ctx:dsq(BATCH); ctx:llc(far)
  elseif comm:find("^near") then ctx:dsq(BATCH); ctx:llc(1 - far)
  else ctx:dsq(DEFAULT) end
end)
EOP
chmod 644 /tmp/pol/p.lua
for n in far-a far-b near-a; do cp "$LSF_BIN/lsf-spin" /tmp/$n; done
luasched-fast --cpu 0 --policy /tmp/pol/p.lua --log-verdicts --stats 0 > /tmp/lsf.log 2>&1 &
lp=$!
wait_state enabled $LSF_START_S
/tmp/far-a 60 > /dev/null & fa=$!
/tmp/far-b 60 > /dev/null & fb=$!
/tmp/near-a 60 > /dev/null & na=$!
sleep 2
# sample where each task runs (field 39 of /proc/PID/stat: the CPU it last ran on)
cpu_of() { awk '{print $39}' /proc/$1/stat; }
bad_far=0 bad_near=0 samples=0
for i in 1 2 3 4 5 6 7 8 9 10; do
  for p in $fa $fb; do in_list "$(cpu_of $p)" "$other" || bad_far=$((bad_far + 1)); done
  in_list "$(cpu_of $na)" "$llc_a" || bad_near=$((bad_near + 1))
  samples=$((samples + 1))
  sleep 0.2
done
kill $fa $fb $na; wait $fa $fb $na 2>/dev/null
kill -INT $lp; wait $lp; rc=$?
grep -E "^luasched-fast|^verdict pid=($fa|$fb|$na) |^stats" /tmp/lsf.log
check "hwloc saw 2 LLCs" grep -q "2 LLCs" /tmp/lsf.log
for p in $fa $fb; do
  c=$(sed -n "s/^verdict pid=$p .*-> BATCH .* cpu=\([0-9]*\).*/\1/p" /tmp/lsf.log | tail -1)
  check "far task $p got a CPU of the far LLC ($c in $other)" in_list "${c:--1}" "$other"
done
c=$(sed -n "s/^verdict pid=$na .*-> BATCH .* cpu=\([0-9]*\).*/\1/p" /tmp/lsf.log | tail -1)
check "near task got a CPU of CPU 0's LLC ($c in $llc_a)" in_list "${c:--1}" "$llc_a"
check_eq "sampled while running" "$samples" 10
check_eq "far tasks ran only in the far LLC (bad samples)" "$bad_far" 0
check_eq "near task ran only in CPU 0's LLC (bad samples)" "$bad_near" 0
check_eq "dispatcher exit status" "$rc" 0
finish
