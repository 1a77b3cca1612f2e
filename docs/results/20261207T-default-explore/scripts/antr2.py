import re,sys,collections,statistics as st
pat=re.compile(r'\[(\d+)\].*?\s([\d.]+): (sched_\w+): (.*)')
for fn in sys.argv[1:]:
    ev=[]
    for l in open(fn):
        m=pat.search(l)
        if m: ev.append((int(m.group(1)),float(m.group(2)),m.group(3),dict(x.split('=',1) for x in re.findall(r'\S+=\S+',m.group(4)))))
    # identify workload pids
    pids=sorted({int(d['pid']) for c,t,k,d in ev if k=='sched_wakeup' and d['comm']=='lsf-wakeup'})
    req={}  # pid -> dict(wake,first,segs,ran)
    out=[]
    running={}
    for cpu,t,k,d in ev:
        if k=='sched_wakeup' and d['comm']=='lsf-wakeup':
            req[d['pid']]=dict(wake=t,first=None,segs=0,ran=0.0,start=None)
        elif k=='sched_switch':
            p=d['prev_pid']; n=d['next_pid']
            if p in req and req[p]['start'] is not None:
                r=req[p]; r['ran']+=t-r['start']; r['start']=None
                if d['prev_state']=='S':
                    out.append((p,r['first']-r['wake'],t-r['wake'],r['segs'],r['ran'])); del req[p]
            if n in req:
                r=req[n]
                if r['first'] is None: r['first']=t
                r['segs']+=1; r['start']=t
    # split by role: pids that wake >=2 others are message threads; use counts
    by=collections.defaultdict(list)
    for o in out: by[o[0]].append(o)
    print(fn)
    for p,v in sorted(by.items()):
        w=[x[1]*1e6 for x in v]; tot=[x[2]*1e6 for x in v]; seg=[x[3] for x in v]; ran=[x[4]*1e6 for x in v]
        print('  pid %s n=%d wait p50 %.0f max %.0f | total p50 %.0f p90 %.0f | segs mean %.2f | ran p50 %.0f'%(p,len(v),st.median(w),max(w),st.median(tot),sorted(tot)[int(.9*len(tot))],st.mean(seg),st.median(ran)))
