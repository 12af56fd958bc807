"""trigger_workflow() alone, in this process: CPU time and wall time per call, and the statements
each call sends (counted on the psycopg cursor on PostgreSQL, on SQLAlchemy's events on SQLite).
As with a worker running, executions are marked finished every 10 calls (outside the timing), so
the running-quota check reads few rows.

    python -m benchmarks.start_call --db postgres --calls 500 --rounds 3 [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import time

from sqlalchemy import event

from benchmarks.engine import PG_DEFAULT, _fresh_database, _setup


def _count_statements(engine, seen: list[str]) -> None:
    if engine.dialect.name == "postgresql":
        import psycopg

        execute = psycopg.Cursor.execute

        def counted(cursor, query, *args, **kwargs):
            seen.append(str(query).split()[0])
            return execute(cursor, query, *args, **kwargs)

        psycopg.Cursor.execute = counted
    else:
        event.listen(engine, "before_cursor_execute", lambda _c, _cur, st, *_: seen.append(st.split()[0]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--pg-url", default=os.environ.get("WAYVO_TEST_POSTGRES_URL", PG_DEFAULT))
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="then a cProfile of one more round")
    args = parser.parse_args()

    from wayvo_app.engine.registry import set_registry_source
    from wayvo_app.plugins.client_plugins import node_registry

    set_registry_source(node_registry)
    url, drop = _fresh_database(args.db, args.pg_url)
    try:
        wf = _setup(url)
        from wayvo_app.services.executions import trigger_workflow
        from wayvo_app.store import db

        engine = db.get_engine()
        seen: list[str] = []
        for i in range(20):  # connections, caches, prepared statements
            trigger_workflow(workflow_id=wf, user_name="bench", input={"i": i})
        _count_statements(engine, seen)

        def finish_all() -> None:
            with engine.begin() as conn:
                conn.exec_driver_sql("UPDATE executions SET status = 'success' WHERE status = 'running'")

        for round_ in range(args.rounds):
            walls, cpu, statements = [], 0.0, 0
            for i in range(args.calls):
                if i % 10 == 0:
                    finish_all()
                seen.clear()
                c0, t0 = time.process_time(), time.perf_counter()
                trigger_workflow(workflow_id=wf, user_name="bench", input={"i": i})
                walls.append(time.perf_counter() - t0)
                cpu += time.process_time() - c0
                statements += len([s for s in seen if s.upper() not in ("BEGIN",)])
            walls.sort()
            print(f"{args.db} round {round_}: wall p50 {walls[len(walls) // 2] * 1000:.2f} ms, "
                  f"p90 {walls[int(len(walls) * .9)] * 1000:.2f} ms; CPU {cpu / args.calls * 1000:.2f} ms a call; "
                  f"{statements / args.calls:.2f} statements a call (load {os.getloadavg()[0]:.1f})", flush=True)
        if args.profile:
            profile = cProfile.Profile()
            profile.enable()
            for i in range(args.calls):
                trigger_workflow(workflow_id=wf, user_name="bench", input={"i": i})
            profile.disable()
            pstats.Stats(profile).sort_stats("tottime").print_stats(30)
    finally:
        from wayvo_app.store import db

        db.dispose_engines()
        drop()


if __name__ == "__main__":
    main()
