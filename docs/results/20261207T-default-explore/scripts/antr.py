import re,sys,collections
pat=re.compile(r'\[(\d+)\].*?\s([\d.]+): (sched_\w+): (.*)')
for fn in sys.argv[1:]:
    ev=[]
    for l in open(fn):
        m=pat.search(l)
        if m: ev.append((int(m.group(1)),float(m.group(2)),m.group(3),m.group(4)))
    pids=collections.Counter()
    pre=collections.Counter(); sw=0; idle=collections.Counter(); mig=0
    lastcpu={}
    t0=ev[0][1]; t1=ev[-1][1]
    busy=collections.defaultdict(float); cur={}
    for cpu,t,k,a in ev:
        if k=='sched_switch':
            d=dict(x.split('=',1) for x in re.findall(r'\S+=\S+',a))
            sw+=1
            if d['prev_state'].startswith('R'):
                pre[(d['prev_comm'],d['next_comm'])]+=1
            if d['next_comm'].startswith('swapper'): idle[cpu]+=1
            if cpu in cur and not cur[cpu][1].startswith('swapper'): busy[cpu]+=t-cur[cpu][0]
            cur[cpu]=(t,d['next_comm'])
            p=d['next_pid']
            if p in lastcpu and lastcpu[p]!=cpu: mig+=1
            lastcpu[p]=cpu
    span=t1-t0
    print(fn, 'span %.3f switches %d migrations %d'%(span,sw,mig), 'busy', {c:round(v/span,3) for c,v in busy.items()}, 'to-idle', dict(idle))
    for k,v in pre.most_common(8): print('   preempted',k,v)
