"""Python peer for bench/kmeans.bench.ts: scikit-learn's K-Means on the same files, from the
same initial centroids, timed the same way (fit only, data already in memory). The spec names
the algorithm ("lloyd", scikit-learn's default, or "elkan", its exact accelerated variant)
and the stopping rule (max_iter, tol).

Run by the TypeScript bench with Debian's /usr/bin/python3 (python3-sklearn).
Prints one JSON object on stdout; writes the labels of the last fit next to the data.
"""
import json
import sys
import time

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from threadpoolctl import threadpool_info


def main() -> None:
    spec = json.loads(sys.argv[1])
    d, k = spec["d"], spec["k"]
    X = np.fromfile(spec["x"], dtype=np.float32).reshape(-1, d)
    init = np.fromfile(spec["init"], dtype=np.float32).reshape(k, d)

    runs = []
    km = None
    for _ in range(spec["repeat"]):
        t0 = time.perf_counter()
        cpu0 = time.process_time()
        km = KMeans(
            n_clusters=k, algorithm=spec.get("algorithm", "lloyd"), init=init, n_init=1,
            max_iter=spec["iters"], tol=spec.get("tol", 0),
        ).fit(X)
        runs.append({"fit_s": time.perf_counter() - t0, "cpu_s": time.process_time() - cpu0})
    if spec.get("labels_out"):
        km.labels_.astype(np.int32).tofile(spec["labels_out"])
        km.cluster_centers_.astype(np.float32).tofile(spec["centroids_out"])
    threads = {p["user_api"]: p["num_threads"] for p in threadpool_info()}
    print(json.dumps({
        "sklearn": sklearn.__version__,
        "threads": threads,
        "runs": runs,
        "inertia": float(km.inertia_),
        "n_iter": int(km.n_iter_),
    }))


if __name__ == "__main__":
    main()
