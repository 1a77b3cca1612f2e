. /opt/lsf/guest_lib.sh
N=$(nproc)
ct() {  # ct LABEL
  cyclictest -q -m -p 0 --policy=other -t "$N" -i 1013 -D 10 -h 100000 > /tmp/ct.out 2>&1
  echo "CT $1 $(grep -E '^# (Max|Avg|Min) Lat' /tmp/ct.out | tr '\n' ' ')"
}
ct warm
for rep in 1 2 3; do
for mode in eevdf default nofile; do
  if [ $mode = eevdf ]; then ct eevdf; continue; fi
  extra=
  [ $mode = nofile ] && extra="--stats-file="
  $LSF_BIN/luasched-fast --cpu 0 --policy /opt/lsf/policies/workload.lua --stats 0 $extra > /tmp/lsf.log 2>&1 & sp=$!
  wait_state enabled 30 || { echo "FAIL load $mode"; cat /tmp/lsf.log; continue; }
  sleep 1
  ct lsf-$mode
  kill -INT $sp; wait $sp; wait_state disabled 20
done
done
finish
