# Guest: miss round trip (BPF enqueue -> verdict applied) of luasched-fast, sleeping vs always
# busy-polling dispatcher, in one boot. Run from the host with:
#   tests/vm/run --name rtt --timeout 300 --bin build/dispatcher/luasched-fast --bin build/tests/vm/lsf-spin \
#     --file policies:/opt/lsf/policies --tool hackbench bench/rtt_guest.sh
. /opt/lsf/guest_lib.sh
POLICY=/opt/lsf/policies/workload.lua
for n in nginx-worker firefox other; do cp "$LSF_BIN/lsf-spin" /tmp/$n; done
for round in 1 2; do
  for spin in 200 -1; do
    t0=$(cut -d' ' -f1 /proc/uptime)
    luasched-fast --cpu 0 --policy $POLICY --stats 0 --spin-us $spin > /tmp/lsf.log 2>&1 &
    lp=$!
    wait_state enabled 20
    t1=$(cut -d' ' -f1 /proc/uptime)
    # misses: 200 short processes (each one is a first enqueue) next to a running load
    /tmp/other 6 > /dev/null & op=$!
    i=0; while [ $i -lt 200 ]; do /tmp/nginx-worker 0.005 > /dev/null; i=$((i + 1)); done
    timeout 60 hackbench -g 1 -l 50 > /dev/null 2>&1
    wait $op
    kill -INT $lp; wait $lp
    echo "RTT round=$round spin_us=$spin start_s=$(awk "BEGIN{print $t1 - $t0}") $(grep '^stats:' /tmp/lsf.log | tail -1 | grep -o 'miss_to_verdict_us.*')"
  done
done
