#!/usr/bin/env python3
"""What a user of the window waits for, measured on the engine the window
uses (examples/engine_bench.rs, release build): a file opened until every
tab is ready, then each setting change until the changed tab's new table or
chart ("shown") and until every tab is up to date again; with the peak
memory of the process.

    python3 benches/window_engine.py            # 1 M and 10 M orders
    python3 benches/window_engine.py --rows 1000000

The logs are the cohort benchmark's (Parquet; 1 M orders of 100,000
customers and 10 M orders of 1 M customers), generated once by DuckDB into
$CARGO_TARGET_DIR/bench-data. Goals (issue "Interactive at any size"):
every tab ready 8 s after opening 10 M orders; a changed setting's table
within 1 s on 10 M orders and 150 ms on 1 M; at most 2 GB.
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", Path.home() / ".cache/kohorte-target"))
sys.path.insert(0, str(ROOT / "benches"))

import cohort_vs_duckdb  # noqa: E402


def run(path):
    """The bench's JSON line, with the process's peak memory."""
    binary = TARGET / "release" / "examples" / "engine_bench"
    return cohort_vs_duckdb.run_measured([str(binary), str(path)])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, action="append")
    args = parser.parse_args()
    sizes = args.rows or [1_000_000, 10_000_000]
    cohort_vs_duckdb.ensure_duckdb()
    subprocess.run(["cargo", "build", "--release", "--quiet", "--example", "engine_bench"], cwd=ROOT, check=True)
    for rows in sizes:
        _, parquet = cohort_vs_duckdb.generate(rows, rows // 10, TARGET / "bench-data")
        result = run(parquet)
        print(f"\n{rows:,} orders, {result['customers']:,} customers ({parquet.name})")
        print(f"| what | seconds |\n|---|---|")
        print(f"| reading the file | {result['read_seconds']:.2f} |")
        print(f"| indexing the orders | {result['index_seconds']:.2f} |")
        for part in result["parts"]:
            print(f"| computing {part['part']} | {part['seconds']:.2f} |")
        print(f"| **file opened → every tab ready** | **{result['opened_to_all_tabs_seconds']:.2f}** |")
        print("\n| change | tab | new table shown s | every tab up to date s |\n|---|---|---|---|")
        for change in result["changes"]:
            print(f"| {change['change']} | {change['tab']} | {change['shown_seconds']:.3f} | {change['all_tabs_seconds']:.3f} |")
        print(f"\npeak memory: {result['peak_mib']} MiB", flush=True)


if __name__ == "__main__":
    main()
