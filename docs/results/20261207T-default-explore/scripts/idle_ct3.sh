# idle_ct3.sh REPS BIN...: idle cyclictest (10 s) per binary, rotated; stats file checks
. /opt/lsf/guest_lib.sh
N=$(nproc); reps=$1; shift
ct() {
  cyclictest -q -m -p 0 --policy=other -t "$N" -i 1013 -D 10 -h 100000 > /tmp/ct.out 2>&1
  echo "CT $1 $(grep -E '^# (Max|Avg|Min) Lat' /tmp/ct.out | tr '\n' ' ')"
}
ct warm
r=0
while [ $r -lt $reps ]; do
  r=$((r + 1))
  for v in eevdf "$@"; do
    [ $v = eevdf ] && { ct eevdf; continue; }
    $LSF_BIN/$v --cpu 0 --policy /opt/lsf/policies/workload.lua --stats 1 --stats-file=/tmp/st.json > /tmp/lsf.log 2>&1 & sp=$!
    wait_state enabled 30 || { echo "FAIL load $v"; cat /tmp/lsf.log; continue; }
    sleep 1
    ct $v
    for t in /proc/$sp/task/*; do echo "TASK $v $(cat $t/comm) $(awk '{print $39}' $t/stat)"; done
    echo "ST $v misses=$(json_num misses /tmp/st.json) uptime=$(json_num uptime_s /tmp/st.json) decisions=$(json_num policy_decisions /tmp/st.json)"
    kill -INT $sp; wait $sp; wait_state disabled 20
    echo "LINES $v $(grep -c '^' /tmp/lsf.log) $(tail -2 /tmp/lsf.log | head -1 | cut -c1-150)"
  done
done
finish
