"""Chaos under load, long form: the CI chaos tests (SIGKILL of an engine worker, a PostgreSQL
restart) with many more executions, printing the time to recover and to drain the backlog and
checking the invariants of issue 9.

    .venv/bin/python -m benchmarks.chaos [--rounds 2000] [--pg URL]

One round triggers a three-step execution; every fourth also starts a waiting execution that is
signalled later. The PostgreSQL restart uses pg_ctlcluster (a local cluster is needed).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=2000)
    parser.add_argument("--pg", default=os.environ.get("WAYVO_TEST_POSTGRES_URL", PG_DEFAULT))
    args = parser.parse_args()
    env = {**os.environ, "WAYVO_CHAOS_ROUNDS": str(args.rounds), "WAYVO_TEST_POSTGRES_URL": args.pg,
           "WAYVO_REQUIRE_POSTGRES": "1"}
    result = subprocess.run([sys.executable, "-m", "pytest", "tests/integration/test_chaos.py", "-s", "-q",
                             "-p", "no:cacheprovider", "--timeout", "1800"], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    reports = re.findall(r"chaos report: (.*)", result.stdout)
    names = ["SIGKILL of an engine worker", "PostgreSQL restart"]
    print(f"\nChaos under load, long form ({args.rounds} rounds per fault)\n")
    for name, report in zip(names, reports, strict=False):
        print(f"- {name}: {report}")
    verdict = "all invariants held" if result.returncode == 0 else "FAILED (see pytest output below)"
    print(f"\n{verdict}")
    if result.returncode != 0:
        print(result.stdout[-6000:])
        sys.exit(1)


if __name__ == "__main__":
    main()
