# quick.sh REPS BIN...: lsf-wakeup (4 s) and cyclictest under hogs (5 s) per variant (eevdf = none), rotated
. /opt/lsf/guest_lib.sh
N=$(nproc); reps=$1; shift
one() {  # one VARIANT
  v=$1 sp=
  if [ $v != eevdf ]; then
    sed -e 's/ctx:dsq(REALTIME)/ctx:dsq(DEFAULT)/' -e 's/ctx:dsq(BATCH)/ctx:dsq(DEFAULT)/' /opt/lsf/policies/workload.lua > /tmp/def.lua
    $LSF_BIN/$v --cpu 0 --policy /tmp/def.lua --stats 0 --stats-file=/tmp/st.json > /tmp/lsf.log 2>&1 & sp=$!
    wait_state enabled 30 || { echo "FAIL load $v"; cat /tmp/lsf.log; return; }
    sleep 1
  fi
  lsf-wakeup --message-threads 2 --workers "$N" --runtime 4 --work-us 200 > /tmp/wk.out 2>&1
  echo "Q $v wk $(grep -E '^(LAT|VAL)' /tmp/wk.out | tr '\n' ' ')"
  stress-ng --cpu "$N" --timeout 8s > /dev/null 2>&1 & hp=$!; sleep 1
  cyclictest -q -m -p 0 --policy=other -t "$N" -i 1013 -D 5 -h 100000 > /tmp/ct.out 2>&1
  kill $hp; wait $hp 2>/dev/null
  echo "Q $v ct $(grep -E '^# (Max|Avg) Lat' /tmp/ct.out | tr '\n' ' ')"
  hackbench -g 4 -l 100 > /tmp/hb.out 2>&1; echo "Q $v hb $(grep Time /tmp/hb.out)"
  if [ -n "$sp" ]; then echo "S $v $(tr -d '\n' < /tmp/st.json)"; kill -INT $sp; wait $sp; wait_state disabled 20; fi
}
one eevdf > /dev/null  # warm
r=0
while [ $r -lt $reps ]; do
  r=$((r + 1))
  for v in "$@"; do one $v; done
  set -- $(echo "$@" | awk '{for(i=2;i<=NF;i++) printf "%s ", $i; print $1}')  # rotate
done
finish
