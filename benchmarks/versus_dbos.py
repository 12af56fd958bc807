"""Ours side by side with DBOS Transact 3.4.0 (issue 14), on the same PostgreSQL server, in one
run: the 3-no-op-step workflow with 1 and 2 processes, the start call, resume after a signal
(in-process, and over HTTP for ours), the memory of N paused executions, and the single-client
commit ceiling. Prints one table with the ratios and issue 14's goals. Needs the extra:

    pip install -e '.[bench]'    # dbos==3.4.0, never a runtime dependency
    python -m benchmarks.versus_dbos [--quick] [--runs 3] [--executions 2000] [--paused 10000]

DBOS runs in child processes (benchmarks/dbos_side.py; DBOS is a process-wide singleton) against
database `bench_dbos`, ours against `bench_wayvo` (both created if missing), each measure in a
schema of its own that is dropped afterwards. Ours and DBOS alternate measure by measure, so a
busy machine weighs on both alike; the load average is printed with the table.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
import uuid

from benchmarks.engine import commit_ceiling
from benchmarks.versus_measures import (
    ADMIN_DEFAULT,
    _database,
    _progress,
    _server_up,
    dbos_direct,
    dbos_paused,
    dbos_queue,
    ours_http,
    ours_paused,
    ours_start,
    ours_throughput,
    pgbench_ceiling,
)


def run_once(args, dbos_url: str, ours_url: str, heavy: bool) -> dict:
    """Every measure once, DBOS and ours alternating; the paused/HTTP measures only when `heavy`."""
    steps = [("ceiling_loop", lambda: {"tps": commit_ceiling("postgres", ours_url, args.ceiling_seconds)}),
             ("ceiling_pgbench", lambda: {"tps": pgbench_ceiling(ours_url, max(1, round(args.ceiling_seconds)))}),
             ("dbos_direct", lambda: dbos_direct(args, dbos_url)),
             ("ours_1", lambda: ours_throughput(args, ours_url, 1)),
             ("dbos_q1", lambda: dbos_queue(args, dbos_url, 1)),
             ("ours_2", lambda: ours_throughput(args, ours_url, 2)),
             ("dbos_q2", lambda: dbos_queue(args, dbos_url, 2)),
             ("ours_start", lambda: ours_start(args, ours_url))]
    if heavy:
        steps += [("dbos_paused", lambda: dbos_paused(args, dbos_url)),
                  ("ours_paused", lambda: ours_paused(args, ours_url)),
                  ("ours_http", lambda: ours_http(args, ours_url))]
    out = {}
    for name, fn in steps:
        start = time.perf_counter()
        for attempt in range(1, 6):  # a shared server may be restarted under us (other suites' chaos tests)
            try:
                _server_up(args.admin)
                out[name] = fn()
                break
            except Exception as exc:  # noqa: BLE001 - retried, then raised
                if attempt == 5:
                    raise
                _progress(f"{name} failed ({type(exc).__name__}: {str(exc)[:160]}); retrying")
                time.sleep(5)
        _progress(f"{name}: {json.dumps({k: round(v, 2) for k, v in out[name].items()})} "
                  f"({time.perf_counter() - start:.0f} s, load {os.getloadavg()[0]:.1f})")
    return out


def _median(results: list[dict]) -> dict:
    merged = {}
    for group in results[0]:
        runs = [r[group] for r in results if group in r]
        merged[group] = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
    return merged


def _fmt(value, digits: int) -> str:
    return "–" if value is None or value != value else f"{value:,.{digits}f}"


def print_table(r: dict, args, loads: tuple[float, float]) -> None:
    d, q1, q2 = r["dbos_direct"], r["dbos_q1"]["wf_per_s"], r["dbos_q2"]["wf_per_s"]
    singles = {f"direct calls, {t} thread{'s' if t > 1 else ''}": d[f"threads_{t}"] for t in args.threads}
    singles[f"queue, 1 process (worker_concurrency {args.dbos_concurrency}, poll {args.dbos_poll:g} s)"] = q1
    best_name, best = max(singles.items(), key=lambda kv: kv[1])
    ceiling = r["ceiling_pgbench"]["tps"]
    if ceiling != ceiling:
        ceiling = r["ceiling_loop"]["tps"]
    o1, o2, os_ = r["ours_1"]["wf_per_s"], r["ours_2"]["wf_per_s"], r["ours_start"]
    rows = [("3 no-op steps, 1 process, wf/s (DBOS: its best below)", best, o1, 0, "ours ≥ 2× DBOS",
             o1 >= 2 * best)]
    rows += [(f"  DBOS {name}", value, None, 0, "", None) for name, value in singles.items()]
    rows += [("3 no-op steps, 2 processes, wf/s (DBOS: queue, 2 processes)", q2, o2, 0, "", None),
             ("steps/s ÷ commit ceiling, 2 processes", 3 * q2 / ceiling, 3 * o2 / ceiling, 2, "ours ≥ 0.6",
              3 * o2 / ceiling >= 0.6),
             ("start call p50 ms (start_workflow / trigger_workflow, worker running)", d["start_p50_ms"],
              os_["start_p50_ms"], 2, "ours ≤ 2 ms", os_["start_p50_ms"] <= 2),
             ("start call p99 ms", d["start_p99_ms"], os_["start_p99_ms"], 2, "", None),
             ("start → workflow finished p50 ms", d["finish_p50_ms"], os_["finish_p50_ms"], 1, "", None)]
    if "ours_paused" in r:
        dp, op, oh = r["dbos_paused"], r["ours_paused"], r["ours_http"]
        n = f"{args.paused:,}"
        rows += [("resume in-process: signal call p50 ms (DBOS.send / signal_event)", dp["send_call_p50_ms"],
                  op["call_p50_ms"], 2, "", None),
                 ("resume in-process: DBOS send → recv returns p50 ms", dp["recv_p50_ms"], None, 2, "", None),
                 (f"resume in-process: signal → next step finished p50 ms ({n} waiting)", dp["step_p50_ms"],
                  op["step_p50_ms"], 2, "ours ≤ DBOS send→recv p50", op["step_p50_ms"] <= dp["recv_p50_ms"]),
                 ("resume in-process: signal → next step finished p99 ms", dp["step_p99_ms"], op["step_p99_ms"],
                  2, "", None),
                 ("  ours with the worker in another process: p50 / p99 ms", None,
                  f"{op['apart_step_p50_ms']:.1f} / {op['apart_step_p99_ms']:.1f}", 1, "", None),
                 (f"resume over HTTP: response p50 / p99 ms ({args.http_waiting:,} waiting)", None,
                  f"{oh['http_p50']:.1f} / {oh['http_p99']:.1f}", 1, "", None),
                 ("resume over HTTP: signal → next step finished p50 / p99 ms", None,
                  f"{oh['p50']:.1f} / {oh['p99']:.1f}", 1, "≤ 8 / ≤ 20", oh["p50"] <= 8 and oh["p99"] <= 20),
                 (f"RSS with {n} paused, MB (DBOS: app process; ours: worker)", dp["paused_rss_mb"],
                  op["paused_rss_mb"], 0, "", None),
                 (f"RSS growth for {n} paused, MB (over idle)", dp["paused_rss_mb"] - dp["idle_rss_mb"],
                  op["paused_rss_mb"] - op["idle_rss_mb"], 1, "", None)]
    print(f"\nDBOS Transact 3.4.0 vs ours, same PostgreSQL server, one run ({os.cpu_count()} cores, "
          f"load average {loads[0]:.1f} at start, {loads[1]:.1f} at end); throughput and start figures: "
          f"median of {args.runs} run(s), {args.executions:,} workflows each; resume and memory: median of "
          f"{args.heavy_runs} run(s)\n")
    header = ("measure", "DBOS 3.4.0", "ours", "ours ÷ DBOS", "goal (issue 14)", "met")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for name, dbos, ours, digits, goal, met in rows:
        numeric = isinstance(dbos, float | int) and isinstance(ours, float | int) and dbos
        ratio = f"{ours / dbos:.2f}" if numeric else "–"
        ours_s = ours if isinstance(ours, str) else _fmt(ours, digits)
        print(f"| {name} | {_fmt(dbos, digits)} | {ours_s} | {ratio} | {goal or ''} | "
              f"{'' if met is None else ('yes' if met else 'no')} |")
    print(f"\nsingle-client commit ceiling: pgbench {_fmt(r['ceiling_pgbench']['tps'], 0)} TPS, "
          f"SQLAlchemy INSERT+COMMIT loop {_fmt(r['ceiling_loop']['tps'], 0)}/s (synchronous_commit on). "
          f"DBOS's best single-process mode: {best_name}.")


def main() -> None:
    from wayvo_app.engine.registry import set_registry_source
    from wayvo_app.plugins.client_plugins import node_registry

    set_registry_source(node_registry)  # this script is the composition root of its process
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--admin", default=ADMIN_DEFAULT, help="a PostgreSQL URL allowed to CREATE DATABASE")
    parser.add_argument("--runs", type=int, default=3, help="throughput and start measures: median of N")
    parser.add_argument("--executions", type=int, default=2000, help="workflows per throughput run")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 8], help="DBOS direct-call threads")
    parser.add_argument("--samples", type=int, default=200, help="latency samples per measure")
    parser.add_argument("--paused", type=int, default=10000, help="paused executions for RSS and resume")
    parser.add_argument("--http-waiting", type=int, default=10000, help="waiting executions for the HTTP measure")
    parser.add_argument("--dbos-concurrency", type=int, default=16, help="DBOS queue worker_concurrency")
    parser.add_argument("--dbos-poll", type=float, default=0.05, help="DBOS queue polling_interval_sec")
    parser.add_argument("--heavy-runs", type=int, default=None,
                        help="runs that include the resume and memory measures (default: every run)")
    parser.add_argument("--ceiling-seconds", type=float, default=5.0)
    parser.add_argument("--quick", action="store_true", help="small sizes, one run: under 2 minutes")
    args = parser.parse_args()
    if args.quick:
        args.runs, args.executions, args.samples = 1, 150, 20
        args.paused, args.http_waiting, args.ceiling_seconds = 200, 200, 1.0
    args.heavy_runs = args.runs if args.heavy_runs is None else max(1, min(args.heavy_runs, args.runs))
    _server_up(args.admin)
    dbos_url, ours_url = _database(args.admin, "bench_dbos"), _database(args.admin, "bench_wayvo")
    os.environ.setdefault("WAYVO_SECRET_KEY", uuid.uuid4().hex * 2)
    load_start = os.getloadavg()[0]
    results = [run_once(args, dbos_url, ours_url, heavy=(i < args.heavy_runs)) for i in range(args.runs)]
    print_table(_median(results), args, (load_start, os.getloadavg()[0]))


if __name__ == "__main__":
    main()
