# Guest: `luasched-fast top` in a real terminal (tmux) shows live numbers of the running instance.
. /opt/lsf/guest_lib.sh
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts 2>/dev/null
export TERM=xterm TERMINFO=/opt/lsf/terminfo LC_ALL=C.UTF-8
luasched-fast --cpu 0 --policy /opt/lsf/policies/workload.lua --stats 0 > /tmp/lsf.log 2>&1 &
lp=$!
wait_state enabled $LSF_START_S
check_eq "scheduler enabled" "$(scx_state)" enabled
cp "$LSF_BIN/lsf-spin" /tmp/nginx-worker
/tmp/nginx-worker 8 > /dev/null &
( i=0; while [ $i -lt 200 ]; do /bin/true; i=$((i + 1)); done ) &
tmux -u new-session -d -s top -x 120 -y 40 "luasched-fast top" || fail "tmux could not start"
sleep 4
tmux capture-pane -p -t top > /tmp/screen1.txt
sleep 2
tmux capture-pane -p -t top > /tmp/screen2.txt
echo "--- what a person sees"; cat /tmp/screen2.txt
check "the screen names the instance's hit rate" grep -qi "hit" /tmp/screen2.txt
check "the screen shows misses per second" grep -qi "miss" /tmp/screen2.txt
check "the screen shows the classes" grep -qi "realtime" /tmp/screen2.txt
check "the view refreshes (two captures differ)" sh -c '! cmp -s /tmp/screen1.txt /tmp/screen2.txt'
tmux send-keys -t top q; sleep 1
check "q quits top" sh -c '! tmux has-session -t top 2>/dev/null'
kill -INT $lp; wait $lp; rc=$?
check_eq "no ejection (dispatcher exit 0)" "$rc" 0
finish
