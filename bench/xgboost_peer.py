"""Python peer for bench/xgboost.bench.ts: same files, same params, same phases, timed the same way.

Run by the TypeScript bench with Debian's /usr/bin/python3 (python3-xgboost, python3-sklearn).
Prints one JSON object on stdout.
"""
import json
import sys
import time

import numpy as np
import xgboost as xgb
from sklearn.metrics import roc_auc_score


def main() -> None:
    spec = json.loads(sys.argv[1])
    ncol = spec["ncol"]
    params = spec["params"]
    rounds = spec["rounds"]
    nthread = int(params["nthread"])

    t0 = time.perf_counter()
    x_train = np.fromfile(spec["trainX"], dtype=np.float32).reshape(-1, ncol)
    y_train = np.fromfile(spec["trainY"], dtype=np.float32)
    x_valid = np.fromfile(spec["validX"], dtype=np.float32).reshape(-1, ncol)
    y_valid = np.fromfile(spec["validY"], dtype=np.float32)
    dtrain = xgb.DMatrix(x_train, label=y_train, missing=np.nan, nthread=nthread)
    dvalid = xgb.DMatrix(x_valid, label=y_valid, missing=np.nan, nthread=nthread)
    load_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    cpu0 = time.process_time()
    booster = xgb.train(params, dtrain, num_boost_round=rounds)
    train_s = time.perf_counter() - t0
    train_cpu_s = time.process_time() - cpu0

    t0 = time.perf_counter()
    pred = booster.predict(dvalid)
    predict_s = time.perf_counter() - t0

    print(json.dumps({
        "xgboost": xgb.__version__,
        "library": xgb.build_info().get("libxgboost", "?"),
        "load_s": load_s,
        "train_s": train_s,
        "train_cpu_s": train_cpu_s,
        "predict_s": predict_s,
        "rounds": booster.num_boosted_rounds(),
        "auc": float(roc_auc_score(y_valid, pred)),
    }))


if __name__ == "__main__":
    main()
