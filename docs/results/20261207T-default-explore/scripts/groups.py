# groups.py TRACE...: who wakes whom among lsf-wakeup threads, and on which CPUs each runs (sched_switch/sched_wakeup text)
import re,sys,collections
pat=re.compile(r'-(\d+)\s+\[(\d+)\].*?\s([\d.]+): (sched_\w+): (.*)')
for fn in sys.argv[1:]:
    waker=collections.Counter(); cpu_of=collections.defaultdict(collections.Counter)
    for l in open(fn):
        m=pat.search(l)
        if not m: continue
        cur,cpu,t,k,rest=int(m.group(1)),int(m.group(2)),float(m.group(3)),m.group(4),m.group(5)
        d=dict(x.split('=',1) for x in re.findall(r'\S+=\S+',rest))
        if k=='sched_wakeup' and d.get('comm')=='lsf-wakeup':
            waker[(cur,int(d['pid']))]+=1
        if k=='sched_switch' and d.get('next_comm')=='lsf-wakeup':
            cpu_of[int(d['next_pid'])][cpu]+=1
    print(fn)
    for (w,p),n in sorted(waker.items()):
        if n>20: print('  waker',w,'-> wakee',p,n)
    for p,c in sorted(cpu_of.items()): print('  pid',p,'runs on',dict(c))
