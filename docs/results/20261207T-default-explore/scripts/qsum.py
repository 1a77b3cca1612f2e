import re,sys,collections,statistics as st
d=collections.defaultdict(lambda: collections.defaultdict(list))
for l in open(sys.argv[1]):
    if not l.startswith('Q '): continue
    _,v,kind,rest=l.split(' ',3)
    if kind=='wk':
        for name,part in re.findall(r'LAT (\w+) ([^L]*)',rest):
            for q,val in re.findall(r'([\d.]+|max):(\d+)',part):
                if q in ('50','90','99','max'): d[v][name+'_p'+q].append(float(val))
        m=re.search(r'rounds_per_s ([\d.]+)',rest); d[v]['rounds'].append(float(m.group(1)))
    elif kind=='ct':
        avg=re.search(r'Avg Latencies: (.*?) #',rest).group(1).split(); mx=re.search(r'Max Latencies: (.*)',rest).group(1).split()
        d[v]['ct_avg'].append(st.mean(map(float,avg))); d[v]['ct_max'].append(max(map(float,mx)))
    elif kind=='hb':
        m=re.search(r'Time: ([\d.]+)',rest); 
        if m: d[v]['hb_s'].append(float(m.group(1)))
keys=sorted({k for v in d for k in d[v]})
vs=list(d)
print('%-16s'%'metric'+''.join('%24s'%v for v in vs))
for k in keys:
    print('%-16s'%k+''.join('%24s'%(' '.join('%.0f'%x if x>20 else '%.2f'%x for x in d[v][k])) for v in vs))
