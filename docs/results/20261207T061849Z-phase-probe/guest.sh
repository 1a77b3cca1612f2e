# Phase probe (issue #28): does a fixed-rate load phase-lock with the tick under the virtual clock?
# Open-loop HTTP at 50/s (20 ms = 5 ticks at HZ=250) under CPU hogs, fixed and Poisson arrivals interleaved,
# every request's due time and latency dumped (RAW lines); cyclictest at -i 1000 and -i 1013 under hogs.
. /opt/lsf/guest_lib.sh
. /opt/lsf/guest_bench.sh
N=$(nproc) QS="50 90 99 99.9" CT_H=20000
echo "CLOCK $(sed -n 's/.*lsf\.clock=\([a-z]*\).*/\1/p' /proc/cmdline) HZ-probe jiffies-per-s: $(awk '{print $1}' /proc/uptime)"
cp "$LSF_BIN/lsf-httpload" /tmp/httpload
nginx_start || exit 1
stress-ng --cpu "$N" --timeout 200s > /dev/null 2>&1 & hp=$!; sleep 1
for k in 1 2 3 4; do
  for mode in fixed poisson; do
    /tmp/httpload --rate 50 --duration 8 --arrivals $mode --seed $k --connections 32 --name http --raw /tmp/raw > /tmp/out 2>&1
    echo "HTTP $mode $k $(sed -n 's/^LAT http //p' /tmp/out)"
    sed "s/^/RAW $mode $k /" /tmp/raw
  done
done
kill $hp; wait $hp 2>/dev/null
nginx_stop
cp /usr/bin/cyclictest /tmp/cyclictest
for k in 1 2 3; do
  for i in 1000 1013; do
    stress-ng --cpu "$N" --timeout 12s > /dev/null 2>&1 & hp=$!; sleep 1
    /tmp/cyclictest -q -m -p 0 --policy=other -t "$N" -i $i -D 6 -h 20000 > /tmp/out 2>&1
    kill $hp; wait $hp 2>/dev/null
    echo "CYC $i $k $(ct_quantiles /tmp/out)"
  done
done
echo DONE
finish
