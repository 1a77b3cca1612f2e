import json,sys,collections
agg=collections.defaultdict(lambda: collections.defaultdict(list))
for l in open(sys.argv[1]):
    if not l.startswith('PROGS'): continue
    _,name,js=l.split(' ',2)
    tot=0
    for p in json.loads(js):
        rc=p.get('run_cnt',0); rt=p.get('run_time_ns',0)
        if rc and p.get('type')=='struct_ops':
            agg[name][p['name']].append(rt/rc); tot+=rt
    agg[name]['TOTAL_ms'].append(tot/1e6)
for n,d in agg.items():
    print(n, ' '.join('%s=%s'%(k.replace('lsf_',''),'/'.join('%.0f'%x for x in v)) for k,v in sorted(d.items()) if k in('TOTAL_ms','lsf_dispatch','lsf_running','lsf_enqueue','lsf_select_cpu','lsf_stopping','lsf_tick')))
