"""Python peer for bench/score.bench.ts: the same models and inputs, the same maths, timed the same way.

Run by the TypeScript bench with Debian's /usr/bin/python3 (python3-xgboost, numpy).
Conversion: XGBoost predict + approximate contributions + top 3 by |contribution|, calibrated.
Contact: the exported towers in numpy, 168 calibrated probabilities per customer, best 3 allowed hours.
Prints one JSON object on stdout.
"""
import json
import sys
import time

import numpy as np
import xgboost as xgb

HOURS = 168
CHUNK = 65536


def calibrate(cal, p):
    if cal["method"] == "platt":
        q = np.clip(p, 1e-7, 1 - 1e-7)
        return 1 / (1 + np.exp(-(cal["a"] * np.log(q / (1 - q)) + cal["b"])))
    if cal["method"] == "isotonic":
        return np.interp(p, cal["x"], cal["y"])
    return p


def conversion(spec, rows):
    c = spec["conversion"]
    x = np.fromfile(c["x"], dtype=np.float32).reshape(rows, c["ncol"])
    booster = xgb.Booster(model_file=c["model"])
    t0 = time.perf_counter()
    p_out = np.empty(rows, dtype=np.float32)
    top = np.empty((rows, 3), dtype=np.int32)
    for s in range(0, rows, 250_000):
        d = xgb.DMatrix(x[s:s + 250_000], missing=np.nan, feature_names=booster.feature_names,
                        feature_types=c["featureTypes"], enable_categorical=True)
        p = booster.predict(d, iteration_range=(0, c["iterationEnd"]))
        contrib = booster.predict(d, iteration_range=(0, c["iterationEnd"]), pred_contribs=True, approx_contribs=True)[:, :-1]
        a = np.abs(contrib)
        idx = np.argpartition(-a, 3, axis=1)[:, :3]
        order = np.argsort(-np.take_along_axis(a, idx, axis=1), axis=1)
        top[s:s + len(p)] = np.take_along_axis(idx, order, axis=1)
        p_out[s:s + len(p)] = calibrate(c["calibrator"], p)
    return time.perf_counter() - t0, p_out


def contact(spec, rows):
    c = spec["contact"]
    x = np.fromfile(c["x"], dtype=np.float32).reshape(rows, c["width"])
    own = np.fromfile(c["own"], dtype=np.float32).reshape(rows, c["blocks"])
    seg = np.fromfile(c["seg"], dtype=np.int16)
    f = c["factors"]
    w1 = np.array(c["w1"], dtype=np.float32).reshape(c["width"], -1)
    b1 = np.array(c["b1"], dtype=np.float32)
    wf = np.array(c["wf"], dtype=np.float32).reshape(-1, f)
    bf = np.array(c["bf"], dtype=np.float32)
    wb = np.array(c["wb"], dtype=np.float32).reshape(-1, 1)
    bb = np.array(c["bb"], dtype=np.float32)
    a, b = c["calibrator"]["a"], c["calibrator"]["b"]
    v = a * np.array(c["hourFactors"], dtype=np.float32).reshape(HOURS, f).T  # f × 168
    hour_term = (a * (np.array(c["hourBias"]) - c["classShift"]) + b).astype(np.float32)
    own_w = a * np.array(c["hourOwnWeight"], dtype=np.float32)
    block_of = np.arange(HOURS) // (HOURS // c["blocks"])
    rates = np.clip(np.array(c["baselineRates"]).reshape(-1, HOURS), 1e-6, 1 - 1e-6)
    prior = (a * np.array(c["hourPriorWeight"]) * np.log(rates / (1 - rates))).astype(np.float32)
    mask = np.array(c["mask"], dtype=bool)
    t0 = time.perf_counter()
    p_out = np.empty((rows, HOURS), dtype=np.float32)
    best = np.empty((rows, 3), dtype=np.int16)
    for s in range(0, rows, CHUNK):
        e = min(rows, s + CHUNK)
        h = np.maximum(x[s:e] @ w1 + b1, 0)
        u = h @ wf + bf
        bias = (h @ wb + bb)[:, 0]
        z = u @ v + (a * bias)[:, None] + hour_term[None, :] + own[s:e][:, block_of] * own_w[None, :] + prior[seg[s:e]]
        p = 1 / (1 + np.exp(-z))
        p_out[s:e] = p
        masked = np.where(mask[None, :], p, -np.inf)
        idx = np.argpartition(-masked, 3, axis=1)[:, :3]
        order = np.argsort(-np.take_along_axis(masked, idx, axis=1), axis=1, kind="stable")
        best[s:e] = np.take_along_axis(idx, order, axis=1)
    return time.perf_counter() - t0, p_out, best


def main() -> None:
    spec = json.load(open(sys.argv[1]))
    repeat = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    rows = spec["rows"]
    conv_s, cont_s = float("inf"), float("inf")
    for _ in range(repeat):
        s1, p_conv = conversion(spec, rows)
        s2, p_ans, best = contact(spec, rows)
        conv_s, cont_s = min(conv_s, s1), min(cont_s, s2)
    print(json.dumps({
        "xgboost": xgb.__version__,
        "numpy": np.__version__,
        "conversion_s": conv_s,
        "contact_s": cont_s,
        "p_convert_head": p_conv[:1000].tolist(),
        "p_answer_head": p_ans[:6].reshape(-1).tolist(),
        "best_head": best[:6].reshape(-1).tolist(),
    }))


if __name__ == "__main__":
    main()
