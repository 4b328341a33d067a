#!/usr/bin/env python3
"""Kohorte's CLV models against the Python `lifetimes` library (0.11.3, from
PyPI), in the same run on the same customer summary.

    python3 benches/clv_vs_lifetimes.py                        # 1 M customers, BG/NBD
    python3 benches/clv_vs_lifetimes.py --customers 100000     # quicker
    python3 benches/clv_vs_lifetimes.py --cdnow-master --model paretonbd   # a real log

Kohorte (examples/clv_bench.rs, release build) reads the order log the way
the app opens a file, builds the calibration summary, fits the purchase
model and Gamma-Gamma, and scores every customer: P(alive), expected
purchases in 39 weeks, expected spend, 12-month CLV at 1 % a month with
months of 30 days. It writes that summary and its predictions; lifetimes is
then timed on exactly that summary doing the same work (fit, Gamma-Gamma
fit, the same predictions). Kohorte's time includes reading the file and
summarising; lifetimes' does not. Both sides' numbers are compared: the
parameters, and per customer P(alive), expected purchases and CLV.

The generated log simulates the BG/NBD and Gamma-Gamma processes (seeded):
customers join uniformly over two years and are observed to the end.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", Path.home() / ".cache/kohorte-target"))
PINS = ["lifetimes==0.11.3", "pandas==2.2.3"]
HORIZON_WEEKS = 39
CLV_MONTHS = 12
DISCOUNT = 0.01


def ensure_lifetimes():
    try:
        import lifetimes  # noqa: F401
        import pandas

        if pandas.__version__.startswith("3"):
            raise ImportError("lifetimes 0.11.3 needs pandas 2")
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", *PINS], check=True)


def generate(customers, path, seed=7):
    """Orders of `customers` customers from BG/NBD (r 0.5, alpha 5, a 0.8,
    b 3; weeks) with Gamma-Gamma spend (p 6, q 3.5, gamma 15)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    days = 730
    start = rng.integers(0, days, customers)
    rate = rng.gamma(0.5, 1 / 5.0, customers) / 7.0  # purchases per day
    drop = rng.beta(0.8, 3.0, customers)
    nu = rng.gamma(3.5, 1 / 15.0, customers)
    ids, when = [np.arange(customers)], [start.astype(float)]
    t = start.astype(float)
    alive = np.ones(customers, dtype=bool)
    while alive.any():
        gaps = rng.exponential(1.0, customers) / np.maximum(rate, 1e-12)
        t = t + gaps
        alive &= t < days
        idx = np.flatnonzero(alive)
        ids.append(idx)
        when.append(t[idx])
        alive &= rng.random(customers) >= drop
    ids = np.concatenate(ids)
    when = np.floor(np.concatenate(when)).astype(int)
    amount = np.round(rng.gamma(6.0, 1.0, len(ids)) / nu[ids], 2)
    frame = pd.DataFrame(
        {
            "customer_id": np.char.add("C", ids.astype(str)),
            "order_date": (pd.Timestamp("2023-01-01") + pd.to_timedelta(when, unit="D")).strftime("%Y-%m-%d"),
            "amount": amount,
        }
    )
    frame.to_csv(path, index=False)
    return len(frame)


def cdnow_master(path):
    import lifetimes

    source = Path(lifetimes.__file__).parent / "datasets" / "CDNOW_master.txt"
    with open(source) as raw, open(path, "w") as out:
        out.write("customer_id,date,quantity,amount\n")
        for line in raw:
            fields = line.split()
            if fields:
                out.write(",".join(fields) + "\n")


def run_kohorte(file, out_csv, model, calibration_end):
    binary = TARGET / "release" / "examples" / "clv_bench"
    args = [str(binary), str(file), str(out_csv), model]
    if calibration_end:
        args.append(calibration_end)
    done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"kohorte failed: {done.stderr.strip()}")
    return json.loads(done.stdout)


def run_lifetimes(summary, model):
    import numpy as np
    from lifetimes import BetaGeoFitter, GammaGammaFitter, ParetoNBDFitter

    x = summary["frequency"].to_numpy()
    t_x = summary["recency_weeks"].to_numpy()
    t = summary["t_weeks"].to_numpy()
    m = summary["monetary_value"].fillna(0.0).to_numpy()
    started = time.perf_counter()
    fitter = BetaGeoFitter() if model == "bgnbd" else ParetoNBDFitter()
    fitter.fit(x, t_x, t)
    repeat = (x > 0) & (m > 0)
    spend_model = GammaGammaFitter().fit(x[repeat], m[repeat])
    p_alive = fitter.conditional_probability_alive(x, t_x, t)
    expected = fitter.conditional_expected_number_of_purchases_up_to_time(HORIZON_WEEKS, x, t_x, t)
    spend = spend_model.conditional_expected_average_profit(x, m)
    clv = np.zeros(len(x))
    previous = np.zeros(len(x))
    for k in range(1, CLV_MONTHS + 1):
        cumulative = fitter.conditional_expected_number_of_purchases_up_to_time(30.0 * k / 7.0, x, t_x, t)
        clv += spend * (cumulative - previous) / (1 + DISCOUNT) ** k
        previous = cumulative
    seconds = time.perf_counter() - started
    return seconds, dict(fitter.params_), dict(spend_model.params_), p_alive, expected, clv


def agreement(ours, theirs):
    import numpy as np

    ours, theirs = np.asarray(ours, float), np.asarray(theirs, float)
    scale = np.maximum(np.abs(theirs), 1e-9)
    relative = np.abs(ours - theirs) / scale
    # Values that are zero to within 1e-9 on both sides agree.
    relative[(np.abs(ours) < 1e-9) & (np.abs(theirs) < 1e-9)] = 0.0
    return {
        "within_1_percent": float(np.mean(relative <= 0.01)),
        "median_relative_difference": float(np.median(relative)),
        "worst_relative_difference": float(np.max(relative)),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--model", choices=["bgnbd", "paretonbd"], default="bgnbd")
    parser.add_argument("--cdnow-master", action="store_true", help="use the full CDNOW log (23,570 customers) shipped with lifetimes")
    parser.add_argument("--calibration-end", help="YYYY-MM-DD (default: the last day of the log)")
    args = parser.parse_args()

    ensure_lifetimes()
    import pandas as pd

    subprocess.run(["cargo", "build", "--release", "--quiet", "--example", "clv_bench"], cwd=ROOT, check=True)
    folder = TARGET / "bench-data"
    folder.mkdir(parents=True, exist_ok=True)
    if args.cdnow_master:
        file = folder / "cdnow_master.csv"
        if not file.exists():
            cdnow_master(file)
        calibration_end = args.calibration_end or "1997-09-30"
    else:
        file = folder / f"clv_{args.customers}.csv"
        if not file.exists():
            rows = generate(args.customers, file)
            print(f"generated {rows:,} orders of {args.customers:,} customers into {file}")
        calibration_end = args.calibration_end
    out_csv = folder / f"clv_kohorte_{file.stem}_{args.model}.csv"

    kohorte = run_kohorte(file, out_csv, args.model, calibration_end)
    ours = pd.read_csv(out_csv, dtype={"customer_id": str})
    seconds, params, spend_params, p_alive, expected, clv = run_lifetimes(ours, args.model)
    kohorte_seconds = kohorte["read_seconds"] + kohorte["fit_and_score_seconds"]
    result = {
        "file": file.name,
        "model": args.model,
        "customers": kohorte["customers"],
        "kohorte_seconds": round(kohorte_seconds, 3),
        "kohorte_read_seconds": round(kohorte["read_seconds"], 3),
        "kohorte_fit_and_score_seconds": round(kohorte["fit_and_score_seconds"], 3),
        "lifetimes_fit_and_score_seconds": round(seconds, 3),
        "speedup_fit_and_score": round(seconds / kohorte["fit_and_score_seconds"], 1),
        "speedup_including_kohorte_read": round(seconds / kohorte_seconds, 1),
        "kohorte_parameters": kohorte["parameters"],
        "lifetimes_parameters": params,
        "kohorte_spend": kohorte["spend"],
        "lifetimes_spend": spend_params,
        "p_alive": agreement(ours["p_alive"], p_alive),
        "expected_purchases": agreement(ours["expected_purchases"], expected),
        "clv": agreement(ours["clv"], clv),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
