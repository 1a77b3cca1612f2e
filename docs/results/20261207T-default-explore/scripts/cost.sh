. /opt/lsf/guest_lib.sh
N=$(nproc)
wk() { lsf-wakeup --message-threads 2 --workers "$N" --runtime 4 --work-us 200 > /tmp/wk.out 2>&1; echo "WK $1 $(grep -E 'rounds|LAT request' /tmp/wk.out | tr '\n' ' ' | cut -c1-300)"; }
costs() {
  echo 1 > /proc/sys/kernel/bpf_stats_enabled
  wk $1
  $LSF_BIN/bpftool prog show -j > /tmp/p.json
  echo 0 > /proc/sys/kernel/bpf_stats_enabled
  echo "PROGS $1 $(tr -d '\n' < /tmp/p.json)"
}
wk warm
wk eevdf
sed -e 's/ctx:dsq(REALTIME)/ctx:dsq(DEFAULT)/' -e 's/ctx:dsq(BATCH)/ctx:dsq(DEFAULT)/' /opt/lsf/policies/workload.lua > /tmp/def.lua
$LSF_BIN/luasched-fast --cpu 0 --policy /tmp/def.lua --stats 0 > /tmp/lsf.log 2>&1 & sp=$!
wait_state enabled 30 || { echo "FAIL load"; cat /tmp/lsf.log; }
sleep 1; costs lsf
kill -INT $sp; wait $sp; wait_state disabled 20
$LSF_BIN/scx_simple > /tmp/simple.log 2>&1 & sp=$!
wait_state enabled 30 || { echo "FAIL simple"; cat /tmp/simple.log; }
sleep 1; costs simple
kill -INT $sp; wait $sp; wait_state disabled 20
wk eevdf
finish
