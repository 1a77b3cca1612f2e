. /opt/lsf/guest_lib.sh
N=$(nproc)
T=/sys/kernel/tracing
mount -t tracefs nodev $T 2>/dev/null
wk() {  # wk LABEL
  lsf-wakeup --message-threads 2 --workers "$N" --runtime 4 --work-us 200 > /tmp/wk.out 2>&1 &
  wp=$!
  sleep 2
  echo > $T/trace; echo 8192 > $T/buffer_size_kb
  echo 1 > $T/events/sched/sched_switch/enable; echo 1 > $T/events/sched/sched_wakeup/enable
  echo 1 > $T/tracing_on; sleep 0.3; echo 0 > $T/tracing_on
  echo 0 > $T/events/sched/sched_switch/enable; echo 0 > $T/events/sched/sched_wakeup/enable
  wait $wp
  echo "WK $1 $(tr '\n' ' ' < /tmp/wk.out)"
  echo "TRACE-BEGIN $1"; grep -v '^#' $T/trace | head -20000; echo "TRACE-END $1"
}
wk warm
wk eevdf
$LSF_BIN/luasched-fast --cpu 0 --policy /opt/lsf/policies/workload.lua --stats 0 --stats-file=/tmp/st.json > /tmp/lsf.log 2>&1 & sp=$!
wait_state enabled 30 || { echo "FAIL load"; cat /tmp/lsf.log; }
sleep 1
cp /tmp/st.json /tmp/st0.json
wk lsf
cp /tmp/st.json /tmp/st1.json
echo "ST0 $(tr -d '\n' < /tmp/st0.json)"
echo "ST1 $(tr -d '\n' < /tmp/st1.json)"
kill -INT $sp; wait $sp; wait_state disabled 20
finish
