# cost2.sh BIN...: per binary: bpf_stats over lsf-wakeup (4 s), rounds; then quick rows
. /opt/lsf/guest_lib.sh
N=$(nproc)
sed -e 's/ctx:dsq(REALTIME)/ctx:dsq(DEFAULT)/' -e 's/ctx:dsq(BATCH)/ctx:dsq(DEFAULT)/' /opt/lsf/policies/workload.lua > /tmp/def.lua
lsf-wakeup --message-threads 2 --workers "$N" --runtime 4 --work-us 200 > /dev/null 2>&1
for rep in 1 2; do
for v in "$@"; do
  $LSF_BIN/$v --cpu 0 --policy /tmp/def.lua --stats 0 > /tmp/lsf.log 2>&1 & sp=$!
  wait_state enabled 30 || { echo "FAIL load $v"; cat /tmp/lsf.log; continue; }
  sleep 1
  echo 1 > /proc/sys/kernel/bpf_stats_enabled
  lsf-wakeup --message-threads 2 --workers "$N" --runtime 4 --work-us 200 > /tmp/wk.out 2>&1
  $LSF_BIN/bpftool prog show -j > /tmp/p.json
  echo 0 > /proc/sys/kernel/bpf_stats_enabled
  echo "Q $v wk $(grep -E '^(LAT|VAL)' /tmp/wk.out | tr '\n' ' ')"
  echo "PROGS $v $(tr -d '\n' < /tmp/p.json)"
  stress-ng --cpu "$N" --timeout 8s > /dev/null 2>&1 & hp=$!; sleep 1
  cyclictest -q -m -p 0 --policy=other -t "$N" -i 1013 -D 5 -h 100000 > /tmp/ct.out 2>&1
  kill $hp; wait $hp 2>/dev/null
  echo "Q $v ct $(grep -E '^# (Max|Avg) Lat' /tmp/ct.out | tr '\n' ' ')"
  hackbench -g 4 -l 100 > /tmp/hb.out 2>&1; echo "Q $v hb $(grep Time /tmp/hb.out)"
  kill -INT $sp; wait $sp; wait_state disabled 20
done
done
finish
