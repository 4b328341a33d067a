#!/usr/bin/env python3
"""What a user of `kohorte report` waits for, against the peers, in the same
run on the same files: every time is a whole process from start to exit,
measured from outside it, with its peak resident memory.

    python3 benches/report_vs_peers.py                 # everything below
    python3 benches/report_vs_peers.py cohorts whole   # some of it
    python3 benches/report_vs_peers.py huge            # the 100 M-order log (long)

- cohorts: `kohorte report FILE --only cohorts` against a DuckDB process
  running the equivalent SQL (lines grouped into orders, refunds are no
  purchase) and writing the monthly cohort table to CSV; Parquet and CSV of
  10 M orders / 1 M customers. Goal: at most 0.5 of DuckDB's time.
- whole: the whole report (every analysis, every file) against the same
  DuckDB cohort process. Goal: at most 2 times DuckDB's time.
- clv: `kohorte report FILE --only clv --clv-model bgnbd` on a log of
  1 M customers, against `lifetimes` fitting BG/NBD and Gamma-Gamma and
  computing P(alive) on the customer summary computed beforehand (timed
  inside its process, so reading and summarising are not counted for it).
  Goal: at most 0.05 of lifetimes' time.
- huge: the whole report on 100 M orders (Parquet): time and peak memory.

The data are generated once into $CARGO_TARGET_DIR/bench-data (the cohort
benchmark's generator; the CLV benchmark's for the CLV log).
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", Path.home() / ".cache/kohorte-target"))
DATA = TARGET / "bench-data"
KOHORTE = TARGET / "release" / "kohorte"
RUNS = int(os.environ.get("RUNS", "3"))
sys.path.insert(0, str(ROOT / "benches"))

import clv_vs_lifetimes  # noqa: E402
import cohort_vs_duckdb  # noqa: E402

DUCKDB_PROCESS = """
import sys
import duckdb
path, sql, out = sys.argv[1], sys.argv[2], sys.argv[3]
reader = f"read_parquet('{path}')" if path.endswith('.parquet') else f"read_csv('{path}')"
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
con.execute(f"COPY ({sql.format(reader=reader)}) TO '{out}' (HEADER)")
"""

LIFETIMES_PROCESS = """
import json, sys, time
import pandas as pd
from lifetimes import BetaGeoFitter, GammaGammaFitter
summary = pd.read_csv(sys.argv[1])
x, t_x, t = summary["frequency"].to_numpy(), summary["recency_weeks"].to_numpy(), summary["t_weeks"].to_numpy()
m = summary["monetary_value"].fillna(0.0).to_numpy()
started = time.perf_counter()
fitter = BetaGeoFitter().fit(x, t_x, t)
repeat = (x > 0) & (m > 0)
GammaGammaFitter().fit(x[repeat], m[repeat])
p_alive = fitter.conditional_probability_alive(x, t_x, t)
print(json.dumps({"seconds": time.perf_counter() - started, "customers": len(x)}))
"""


def timed(command):
    """Wall seconds and peak MiB of one run of a process, from outside it."""
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(map(str, command))}\n{child.stderr.read().decode()}")
    return seconds, round(usage.ru_maxrss / 1024), child.stdout.read().decode()


def duckdb_cohorts(path, out):
    return [sys.executable, "-c", DUCKDB_PROCESS, str(path), cohort_vs_duckdb.DUCKDB_SQL, str(out)]


def kohorte_report(path, out, *flags):
    return [str(KOHORTE), "report", str(path), "--out", str(out), *flags]


def active_sum_duckdb(csv_path):
    with open(csv_path) as f:
        next(f)
        return sum(int(line.rsplit(",", 1)[1]) for line in f if line.strip())


def active_sum_kohorte(folder):
    with open(Path(folder) / "cohorts.csv") as f:
        header = next(f).strip().split(",")
        column = header.index("active_customers")
        return sum(int(line.split(",")[column]) for line in f if line.strip())


def row(*cells):
    print("| " + " | ".join(str(c) for c in cells) + " |", flush=True)


def bench_files(rows=10_000_000, customers=1_000_000):
    cohort_vs_duckdb.ensure_duckdb()
    return cohort_vs_duckdb.generate(rows, customers, DATA)


def cohorts_against_duckdb(whole):
    csv_path, parquet_path = bench_files()
    what = "whole report" if whole else "--only cohorts"
    goal = 2.0 if whole else 0.5
    print(f"\n{what} against DuckDB's cohort table (10 M orders, 1 M customers), goal ratio <= {goal}")
    row("file", "run", "Kohorte s", "DuckDB s", "ratio", "Kohorte MiB", "DuckDB MiB")
    row(*["---"] * 7)
    for path in (parquet_path, csv_path):
        for run in range(1, RUNS + 1):
            with tempfile.TemporaryDirectory() as tmp:
                duck_out = Path(tmp) / "duckdb.csv"
                duck_s, duck_mib, _ = timed(duckdb_cohorts(path, duck_out))
                flags = [] if whole else ["--only", "cohorts"]
                ours_s, ours_mib, _ = timed(kohorte_report(path, Path(tmp) / "out", *flags))
                if active_sum_kohorte(Path(tmp) / "out") != active_sum_duckdb(duck_out):
                    sys.exit(f"the cohort tables differ on {path}")
            row(path.suffix[1:], run, f"{ours_s:.2f}", f"{duck_s:.2f}", f"{ours_s / duck_s:.2f}", ours_mib, duck_mib)


def clv_against_lifetimes():
    clv_vs_lifetimes.ensure_lifetimes()
    file = DATA / "clv_1000000.csv"
    if not file.exists():
        clv_vs_lifetimes.generate(1_000_000, file)
    print("\n--only clv (BG/NBD) on 1 M customers against lifetimes' fit + Gamma-Gamma + P(alive), goal ratio <= 0.05")
    row("run", "Kohorte s (whole process)", "lifetimes s (fit only)", "ratio", "Kohorte MiB")
    row(*["---"] * 5)
    for run in range(1, RUNS + 1):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "out"
            ours_s, ours_mib, _ = timed(kohorte_report(file, out, "--only", "clv", "--clv-model", "bgnbd"))
            summary = Path(tmp) / "summary.csv"
            subprocess.run(
                [sys.executable, "-c", "import pandas as pd, sys; pd.read_csv(sys.argv[1])"
                 "[['frequency','recency_weeks','t_weeks','monetary_value']].to_csv(sys.argv[2], index=False)",
                 str(out / "clv.csv"), str(summary)],
                check=True,
            )
            _, _, stdout = timed([sys.executable, "-c", LIFETIMES_PROCESS, str(summary)])
            theirs = json.loads(stdout)["seconds"]
        row(run, f"{ours_s:.2f}", f"{theirs:.2f}", f"{ours_s / theirs:.3f}", ours_mib)


def huge():
    _, parquet_path = bench_files(100_000_000, 10_000_000)
    print("\nwhole report on 100 M orders / 10 M customers (Parquet), goal peak <= 16 GB")
    row("run", "Kohorte s", "Kohorte MiB")
    row(*["---"] * 3)
    with tempfile.TemporaryDirectory() as tmp:
        seconds, mib, _ = timed(kohorte_report(parquet_path, Path(tmp) / "out"))
    row(1, f"{seconds:.1f}", mib)


def main():
    wanted = sys.argv[1:] or ["cohorts", "whole", "clv"]
    subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "kohorte"], cwd=ROOT, check=True)
    for name in wanted:
        {"cohorts": lambda: cohorts_against_duckdb(False),
         "whole": lambda: cohorts_against_duckdb(True),
         "clv": clv_against_lifetimes,
         "huge": huge}[name]()


if __name__ == "__main__":
    main()
