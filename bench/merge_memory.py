"""Peak memory of one background merge child on N segments of an index, run on a scratch copy made of hard links:

    ORDER=big python bench/merge_memory.py INDEX_DIR N
"""
import os, pickle, subprocess, sys, time, shutil
src, n = sys.argv[1], int(sys.argv[2])
scratch = src.rstrip("/") + ".merge-scratch"
shutil.rmtree(scratch, ignore_errors=True); os.makedirs(scratch)
for name in os.listdir(src):
    if os.path.isfile(os.path.join(src, name)):
        os.link(os.path.join(src, name), os.path.join(scratch, name))
from whoosh.index import open_dir
ix = open_dir(scratch)
segs = sorted(ix._segments(), key=lambda s: s.doc_count_all(), reverse=os.environ.get("ORDER")=="big")[:n]
print("sources", [s.doc_count_all() for s in segs], flush=True)
job = {"index_dir": scratch, "indexname": ix.indexname, "segid": "memtest0000000001", "sources": segs,
       "limitmb": int(os.environ.get("LIMITMB", 256)), "parent_pid": os.getpid()}
t = time.time()
p = subprocess.Popen([sys.executable, "-m", "searcher.engine.whoosh.merge_child"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
p.stdin.write(pickle.dumps(job)); p.stdin.close()
peak = (0, 0, 0)
import threading
out = []
th = threading.Thread(target=lambda: out.append(p.stdout.read())); th.start()
while p.poll() is None:
    vals = {}
    try:
        for line in open(f"/proc/{p.pid}/smaps_rollup"):
            k = line.split(":")[0]
            if k in ("Pss", "Pss_Anon", "Pss_File"):
                vals[k] = int(line.split()[1])
    except OSError:
        pass
    if vals.get("Pss", 0) > peak[0]:
        peak = (vals["Pss"], vals.get("Pss_Anon", 0), vals.get("Pss_File", 0))
    time.sleep(0.2)
th.join()
outcome = pickle.loads(out[0])
print("outcome", outcome[0], outcome[1] if outcome[0] != "done" else outcome[1].doc_count_all())
print(f"time {time.time()-t:.1f} s; peak PSS {peak[0]//1024} MB (anon {peak[1]//1024}, file {peak[2]//1024})")
shutil.rmtree(scratch)
