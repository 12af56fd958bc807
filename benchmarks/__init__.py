"""Benchmarks: scripts that print their figures (never timed assertions in tests)."""

import os

# The throughput benchmarks start thousands of executions in one workspace at once; they measure the
# engine, not the running quota, so WAYVO_MAX_RUNNING_PER_WORKSPACE is lifted unless set (the servers
# they start inherit it). benchmarks.adversarial puts the product's defaults back for its server.
os.environ.setdefault("WAYVO_MAX_RUNNING_PER_WORKSPACE", "1000000")
