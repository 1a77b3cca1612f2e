# Guest side of bench/vm/soak: switch sched_ext schedulers on and off under load, many times, one boot.
# usage: soak_guest.sh SWITCHES
# Each switch loads one scheduler (in turn: luasched-fast with policies/workload.lua, the project's smoke
# scheduler, and scx_simple when it was shipped), lets it run 1 s under hackbench and a CPU hog per
# vCPU, and stops it. Loading and unloading a sched_ext scheduler patches kernel text (static keys)
# while the other vCPUs run: the window in which an emulator that runs a stale translation oopses.
# Output: "SWITCH i sched ok|fail what" per switch, then "SOAK switches=N ok=K".
. /opt/lsf/guest_lib.sh
M=${1:-10}
scheds="lsf smoke"
command -v scx_simple > /dev/null && scheds="$scheds simple"
set -- $scheds; nsched=$#
ok=0 sw=0
load() {  # load SCHED: start it in the background (sets SP), wait until it is in charge
  case $1 in
    lsf) luasched-fast --cpu 0 --policy /opt/lsf/policies/workload.lua --stats 0 > /tmp/s.log 2>&1 & ;;
    smoke) lsf-smoke --seconds 30 > /tmp/s.log 2>&1 & ;;
    simple) scx_simple > /tmp/s.log 2>&1 & ;;
  esac
  SP=$!
  wait_state enabled $LSF_START_S
}
while [ $sw -lt "$M" ]; do
  sw=$((sw + 1))
  k=$(( (sw - 1) % nsched + 1 )); eval "s=\${$k}"
  ( while :; do hackbench -g 2 -l 20 > /dev/null 2>&1; done ) & bp=$!
  hog_all 4   # (uses $i: the loop here counts in $sw)
  if ! load "$s"; then
    echo "SWITCH $sw $s fail did not load (state $(scx_state))"; tail -3 /tmp/s.log
  else
    sleep 1
    kill -INT $SP; wait $SP 2>/dev/null
    if wait_state disabled 20; then
      echo "SWITCH $sw $s ok"; ok=$((ok + 1))
    else
      echo "SWITCH $sw $s fail still $(scx_state) 20 s after stop"
    fi
  fi
  kill $bp 2>/dev/null; wait $bp 2>/dev/null
  killall -q hackbench 2>/dev/null
  wait
done
echo "SOAK switches=$M ok=$ok"
[ "$ok" = "$M" ]
