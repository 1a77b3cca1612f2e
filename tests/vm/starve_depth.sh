# Guest: the starvation bound holds whatever the depth of a queue. A nice-19 probe starts first, then
# N nice-0 spinners (any user can start them): the probe's vtime sits behind all of them. Phase
# "shared": everything in DEFAULT's shared queue; phase "targeted": the policy sends the spinners and
# a second nice-19 probe to CPU 1's own queue. Each probe keeps running, never waits past the bound
# (bpf/starve.bpf.h: ~160 ms; the rest is slack for software emulation) and the scheduler stays
# loaded. Usage: starve_depth.sh [N] [SECS] [BOUND_MS]
. /opt/lsf/guest_lib.sh
N=${1:-320}
SECS=${2:-12}
BOUND_MS=${3:-1000}
cat > /tmp/depth.lua <<'LUA'
local sched = require("sched")
sched.attach(function(ctx)
  local comm = ctx:task():comm()
  ctx:dsq(DEFAULT)
  if comm == "tspin" or comm == "tprobe" then ctx:cpu(1) end
end)
LUA
start_lsf /tmp/depth.lua

# run_phase NAME SPINNER_COMM PROBE_COMM: N nice-0 spinners forked and held at a gate, the nice-19
# probe started, the spinners released a second later (all at once)
run_phase() {
  say "$1: $N nice-0 spinners ($2) and a nice-19 probe ($3) for ${SECS}s"
  rm -f /tmp/ready /tmp/go
  lsf-probe "$SECS" --name "$2" --procs "$N" --ready /tmp/ready --go /tmp/go > /dev/null & spins=$!
  while [ ! -e /tmp/ready ]; do sleep 0.2; done
  lsf-probe $((SECS + 1)) --name "$3" --nice 19 > /tmp/$1.json & probe=$!
  sleep 1
  say "$1: spinners released"
  touch /tmp/go
  wait $probe
  say "$1: probe done"
  cat /tmp/$1.json
  wait $spins
  gap=$(int "$(json_num max_gap_ms /tmp/$1.json)")
  check_ge "$1: probe ran (cpu ms)" "$(int "$(json_num cpu_ms /tmp/$1.json)")" 20
  check "$1: probe's longest wait ${gap} ms <= ${BOUND_MS} ms (left its CPU $(json_num max_gap_switches /tmp/$1.json) times in it)" \
    [ "$gap" -le "$BOUND_MS" ]
  check "$1: at most 2 waits over 500 ms ($(json_num gaps_over_500ms /tmp/$1.json))" \
    [ "$(json_num gaps_over_500ms /tmp/$1.json)" -le 2 ]
  check_eq "$1: still enabled" "$(scx_state)" enabled
}
run_phase shared spin probe
run_phase targeted tspin tprobe
stop_lsf
finish
