# Guest: miss round trip (BPF enqueue -> verdict applied) of luasched-fast for each transport
# (ringbuf, arena), sleeping vs always busy-polling dispatcher, alternating, in one boot. From the host:
#   tests/vm/run --name rtt --timeout 600 --bin build/dispatcher/luasched-fast --bin build/tests/vm/lsf-spin \
#     --file policies:/opt/lsf/policies --tool hackbench bench/rtt_guest.sh [ROUNDS]
. /opt/lsf/guest_lib.sh
POLICY=/opt/lsf/policies/workload.lua
for n in nginx-worker firefox other; do cp "$LSF_BIN/lsf-spin" /tmp/$n; done
rounds=${1:-2}
round=1
while [ $round -le "$rounds" ]; do
  order="ringbuf arena"
  [ $((round % 2)) = 0 ] && order="arena ringbuf"
  for transport in $order; do
    for spin in 200 -1; do
      t0=$(cut -d' ' -f1 /proc/uptime)
      luasched-fast --cpu 0 --policy $POLICY --stats 0 --spin-us $spin --transport $transport > /tmp/lsf.log 2>&1 &
      lp=$!
      wait_state enabled 20 || { cat /tmp/lsf.log; echo "FAIL: $transport did not start"; exit 1; }
      t1=$(cut -d' ' -f1 /proc/uptime)
      # misses: 200 short processes (each one is a first enqueue) next to a running load
      /tmp/other 6 > /dev/null & op=$!
      i=0; while [ $i -lt 200 ]; do /tmp/nginx-worker 0.005 > /dev/null; i=$((i + 1)); done
      timeout 60 hackbench -g 1 -l 50 > /dev/null 2>&1
      wait $op
      kill -INT $lp; wait $lp; rc=$?
      [ $rc = 0 ] || { cat /tmp/lsf.log; echo "FAIL: $transport exited $rc"; exit 1; }
      echo "RTT round=$round transport=$transport spin_us=$spin start_s=$(awk "BEGIN{print $t1 - $t0}") $(grep '^stats:' /tmp/lsf.log | tail -1 | grep -o 'miss_to_verdict_us.*')"
    done
  done
  round=$((round + 1))
done
