#!/usr/bin/env python3
"""Kohorte against DuckDB: the monthly cohort table of a 10-million-order,
1-million-customer log, from file to result, as CSV and as Parquet, in the
same run on the same files.

    python3 benches/cohort_vs_duckdb.py            # builds, generates, measures
    python3 benches/cohort_vs_duckdb.py --rows 1000000   # a quicker run

The data is generated once by DuckDB into $CARGO_TARGET_DIR/bench-data.
Each side runs in its own process; the time is measured inside it, from
before reading the file to the finished table, and peak memory is the
process's maximum resident set. Both sides must agree on the table (the
sum of active customers over all cells) or the run fails.

Kohorte is timed the way the app gets its first table: the quick scan of
the needed columns. The full import (every column, the import report and
the customers' histories, which the other tabs need) is timed too, for
reference; it is not what the ratio compares.
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
DUCKDB_VERSION = "2.0.0"

# From the orders `o` (customer_id, order_ts, amount) to the monthly cohort
# table: first purchase month per customer, distinct active customer-months.
COHORT_FROM_ORDERS = """
p AS (SELECT customer_id, year(order_ts) * 12 + month(order_ts) - 1 AS m FROM o WHERE amount >= 0),
c AS (SELECT customer_id, min(m) AS cohort FROM p GROUP BY customer_id),
a AS (SELECT DISTINCT p.customer_id, c.cohort, p.m - c.cohort AS k FROM p JOIN c USING (customer_id))
SELECT cohort, k, count(*) AS active FROM a GROUP BY cohort, k
"""

# Kohorte's definitions: an order is a customer's order id (its lines
# grouped: the earliest line's date, the sum of the amounts); an order with
# a negative total is a refund, not a purchase. This is the SQL of that.
DUCKDB_SQL = """
WITH o AS (SELECT customer_id, order_id, min(order_ts) AS order_ts, sum(amount) AS amount
           FROM {reader} GROUP BY customer_id, order_id),""" + COHORT_FROM_ORDERS

# The same without grouping lines into orders: every row an order. It
# gives the same table only when no order has several lines (true of the
# generated file, not of the check below); timed for reference.
DUCKDB_SQL_ROWS = """
WITH o AS (SELECT customer_id, order_ts, amount FROM {reader}),""" + COHORT_FROM_ORDERS

DUCKDB_RUNNER = """
import json, sys, time
import duckdb
path, sql = sys.argv[1], sys.argv[2]
reader = f"read_parquet('{path}')" if path.endswith('.parquet') else f"read_csv('{path}')"
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
start = time.perf_counter()
rows = con.execute(sql.format(reader=reader)).fetchall()
seconds = time.perf_counter() - start
print(json.dumps({"seconds": round(seconds, 3), "cells": len(rows), "active_sum": sum(r[2] for r in rows)}))
"""


def ensure_duckdb():
    try:
        import duckdb  # noqa: F401
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", f"duckdb=={DUCKDB_VERSION}"], check=True)


def generate(rows, customers, folder):
    import duckdb

    folder.mkdir(parents=True, exist_ok=True)
    csv_path, parquet_path = folder / f"orders_{rows}.csv", folder / f"orders_{rows}.parquet"
    if csv_path.exists() and parquet_path.exists():
        return csv_path, parquet_path
    print(f"generating {rows:,} orders for {customers:,} customers in {folder} …", flush=True)
    con = duckdb.connect()
    con.execute(
        f"""
        CREATE TABLE orders AS
        SELECT 'O' || lpad(CAST(i AS VARCHAR), 9, '0') AS order_id,
               lpad(CAST(hash(i) % {customers} AS VARCHAR), 7, '0') AS customer_id,
               TIMESTAMP '2022-01-01' + to_seconds(CAST(hash(i * 7 + 1) % (3 * 365 * 86400) AS BIGINT)) AS order_ts,
               round(5 + (hash(i * 13 + 2) % 20000) / 100.0, 2)
                   * CASE WHEN hash(i * 17 + 3) % 100 = 0 THEN -1 ELSE 1 END AS amount,
               ['Organic search', 'Paid social', 'Newsletter'][CAST(1 + hash(i * 19 + 4) % 3 AS BIGINT)] AS channel
        FROM range({rows}) t(i)
        """
    )
    con.execute(f"COPY orders TO '{csv_path}' (HEADER, TIMESTAMPFORMAT '%Y-%m-%d %H:%M:%S')")
    con.execute(f"COPY orders TO '{parquet_path}' (FORMAT parquet)")
    return csv_path, parquet_path


def generate_lines(folder):
    """A small log whose orders have one to three lines, later lines up to
    40 days after the first, some orders refunded in total: the case where
    grouping lines into orders changes the table."""
    import duckdb

    path = folder / "order_lines_check.csv"
    if path.exists():
        return path
    duckdb.connect().execute(
        f"""
        COPY (
            SELECT 'O' || o AS order_id, lpad(CAST(hash(o) % 5000 AS VARCHAR), 5, '0') AS customer_id,
                   TIMESTAMP '2023-01-01' + to_seconds(CAST(hash(o * 3) % (700 * 86400) + line * 20 * 86400 AS BIGINT)) AS order_ts,
                   CASE WHEN hash(o * 5) % 10 = 0 AND line = 1 THEN -200.0 ELSE 20.0 + hash(o * 7 + line) % 50 END AS amount
            FROM range(40000) t(o), range(CAST(hash(o * 11) % 3 AS BIGINT) + 1) l(line)
        ) TO '{path}' (HEADER, TIMESTAMPFORMAT '%Y-%m-%d %H:%M:%S')
        """
    )
    return path


def check_equivalence(binary, folder):
    """Kohorte must equal the grouped SQL, and the check must be able to
    tell: the rows-as-orders SQL gives another table on this log."""
    path = generate_lines(folder)
    ours = run_measured([str(binary), str(path)])
    grouped = run_measured([sys.executable, "-c", DUCKDB_RUNNER, str(path), DUCKDB_SQL])
    rows = run_measured([sys.executable, "-c", DUCKDB_RUNNER, str(path), DUCKDB_SQL_ROWS])
    if ours["active_sum"] != grouped["active_sum"]:
        sys.exit(f"order lines: kohorte {ours['active_sum']} vs grouped SQL {grouped['active_sum']}")
    print(
        f"equivalence check on {path.name}: kohorte {ours['active_sum']:,} = grouped SQL {grouped['active_sum']:,}"
        f" (rows-as-orders SQL: {rows['active_sum']:,})"
    )


def run_measured(command):
    """Runs a process; returns its JSON line plus its own peak memory in MiB."""
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # Both outputs are a few lines; read them, then reap the child with
    # wait4, which reports this child's own maximum resident set.
    stdout, stderr = child.stdout.read(), child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        sys.exit(f"failed: {' '.join(map(str, command))}\n{stderr}")
    result = json.loads(stdout.strip().splitlines()[-1])
    result["peak_mib"] = round(usage.ru_maxrss / 1024)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--customers", type=int, default=1_000_000)
    args = parser.parse_args()
    ensure_duckdb()
    subprocess.run(
        ["cargo", "build", "--release", "--example", "cohort_bench"],
        cwd=ROOT,
        check=True,
        env={**os.environ, "CARGO_TARGET_DIR": str(TARGET)},
    )
    binary = TARGET / "release" / "examples" / "cohort_bench"
    csv_path, parquet_path = generate(args.rows, args.customers, TARGET / "bench-data")
    check_equivalence(binary, TARGET / "bench-data")
    print(
        f"{'file':<10}{'kohorte s':>11}{'duckdb s':>10}{'ratio':>8}{'kohorte MiB':>13}{'duckdb MiB':>12}"
        f"{'rows SQL s':>12}{'ratio':>8}{'full import s':>15}{'full MiB':>10}"
    )
    for path in (parquet_path, csv_path):
        duck_result = run_measured([sys.executable, "-c", DUCKDB_RUNNER, str(path), DUCKDB_SQL])
        duck_rows = run_measured([sys.executable, "-c", DUCKDB_RUNNER, str(path), DUCKDB_SQL_ROWS])
        ours = run_measured([str(binary), str(path)])
        full = run_measured([str(binary), str(path), "--full"])
        for result in (ours, full, duck_rows):
            if result["active_sum"] != duck_result["active_sum"]:
                sys.exit(f"tables differ: kohorte {result['active_sum']} vs duckdb {duck_result['active_sum']}")
        if ours["path"] != "quick":
            sys.exit(f"the quick scan stepped aside on {path}")
        ratio = ours["seconds"] / duck_result["seconds"]
        rows_ratio = ours["seconds"] / duck_rows["seconds"]
        print(
            f"{path.suffix[1:]:<10}{ours['seconds']:>11.2f}{duck_result['seconds']:>10.2f}{ratio:>8.2f}"
            f"{ours['peak_mib']:>13}{duck_result['peak_mib']:>12}{duck_rows['seconds']:>12.2f}{rows_ratio:>8.2f}"
            f"{full['seconds']:>15.2f}{full['peak_mib']:>10}",
            flush=True,
        )
    print(
        "ratio = Kohorte time ÷ DuckDB time with the equivalent SQL (goal: at most 0.5); MiB = peak resident memory;\n"
        "rows SQL = DuckDB taking every row as an order (no grouping of lines), for reference;\n"
        "full import = Kohorte reading every column and building every customer's history, as the other tabs need"
    )


if __name__ == "__main__":
    main()
