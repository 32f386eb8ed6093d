#!/usr/bin/env bash
# k-means (Lloyd, k = 8, one k-means++ init, f64) on 200,000 × 8 points:
# ours (examples/kmeans_bench.rs) against scikit-learn, 1 and 2 threads,
# well-separated (std 1) and overlapping (std 6) data, seeds 0–4, runs of
# the two tools interleaved per seed. Prints one table of medians: wall
# clock of the fit and CPU time of the fit (all threads), for both tools.
# On a loaded machine compare the CPU columns; on an idle one both.
#
# usage (from the repository root):
#   docs/bench-notes/kmeans_vs_sklearn.sh [OUR_BINARY]
# environment:
#   PY      python with scikit-learn + threadpoolctl (default /work/ext/venv-sk/bin/python)
#   DATA    directory for the point files and raw results (default /tmp/kmeans_bench)
#   SEEDS   seeds (default "0 1 2 3 4");  THREADS (default "1 2")
# OUR_BINARY defaults to target/release/examples/kmeans_bench, built first.
set -euo pipefail
PY=${PY:-/work/ext/venv-sk/bin/python}
DATA=${DATA:-/tmp/kmeans_bench}
SEEDS=${SEEDS:-"0 1 2 3 4"}
THREADS=${THREADS:-"1 2"}
mkdir -p "$DATA"
if [ $# -ge 1 ]; then
  B=$1
else
  cargo build --release --example kmeans_bench >&2
  B=target/release/examples/kmeans_bench
fi
A="$DATA/blobs_200k_8.csv"
S6="$DATA/blobs_200k_8_std6.csv"
[ -s "$A" ] || "$B" --threads 1 --write-points "$A" --force --json >/dev/null
[ -s "$S6" ] || "$B" --std 6 --threads 1 --write-points "$S6" --force --json >/dev/null

cat >"$DATA/sk_kmeans.py" <<'EOF'
"""Times scikit-learn KMeans on a CSV of points (header row, every column a dimension).
usage: python sk_kmeans.py FILE THREADS SEED [SEED...]"""
import sys, time, json
import numpy as np
from threadpoolctl import threadpool_limits
from sklearn.cluster import KMeans
path, threads, seeds = sys.argv[1], int(sys.argv[2]), [int(s) for s in sys.argv[3:]]
x = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float64)
for seed in seeds:
    with threadpool_limits(limits=threads):
        km = KMeans(n_clusters=8, n_init=1, algorithm="lloyd", random_state=seed)
        t, c = time.perf_counter(), time.process_time()
        km.fit(x)
        dt, dc = time.perf_counter() - t, time.process_time() - c
    print(json.dumps({"tool": "sklearn", "threads": threads, "seed": seed, "seconds": dt,
                      "cpu_seconds": dc,
                      "iterations": int(km.n_iter_), "inertia": float(km.inertia_)}))
EOF

RAW="$DATA/raw_$(date -u +%Y%m%dT%H%M%S).jsonl"
echo "# $(date -u '+%Y-%m-%d %H:%M:%S UTC') load: $(uptime | sed 's/.*load average: //')" >&2
for f in "$A" "$S6"; do
  kind=$( [ "$f" = "$A" ] && echo "std1" || echo "std6" )
  for t in $THREADS; do
    for s in $SEEDS; do
      "$B" --points "$f" --k 8 --n-init 1 --threads "$t" --algorithm lloyd --seed "$s" --json |
        sed "s/^{/{\"tool\":\"ours\",\"data\":\"$kind\",/" >>"$RAW"
      OMP_NUM_THREADS=$t OPENBLAS_NUM_THREADS=$t "$PY" "$DATA/sk_kmeans.py" "$f" "$t" "$s" |
        sed "s/^{/{\"data\":\"$kind\",/" >>"$RAW"
    done
  done
done
echo "# done $(date -u '+%H:%M:%S UTC') load: $(uptime | sed 's/.*load average: //'); raw: $RAW" >&2

"$PY" - "$RAW" <<'EOF'
import json, sys, statistics as st
rows = [json.loads(l) for l in open(sys.argv[1])]
print("| data | threads | ours wall (s) | sklearn wall (s) | sklearn / ours wall | ours CPU (s) | sklearn CPU (s) | sklearn / ours CPU | iterations ours / sk | inertia rel. diff (median, max abs) |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
for kind in ["std1", "std6"]:
    for t in sorted({r["threads"] for r in rows}):
        o = [r for r in rows if r["data"] == kind and r["threads"] == t and r["tool"] == "ours"]
        k = [r for r in rows if r["data"] == kind and r["threads"] == t and r["tool"] == "sklearn"]
        if not o or not k:
            continue
        med = lambda rs, f: st.median(r[f] for r in rs)
        mo, mk = med(o, "seconds"), med(k, "seconds")
        co, ck = med(o, "cpu_seconds"), med(k, "cpu_seconds")
        rel = [(a["inertia"] - b["inertia"]) / b["inertia"] for a, b in zip(o, k)]
        print(f"| {kind} | {t} | {mo:.4f} | {mk:.4f} | {mk / mo:.1f}x | {co:.4f} | {ck:.4f} | {ck / co:.1f}x | "
              f"{med(o, 'iterations'):g} / {med(k, 'iterations'):g} | {st.median(rel):.1e}, {max(rel, key=abs):.1e} |")
EOF
