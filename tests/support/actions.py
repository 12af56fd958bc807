"""Server actions used by the multi-process tests: each call appends one line to a file."""

import os

LOG_ENV = "WAYVO_TEST_SIDE_EFFECT_LOG"


def record(args, ctx):
    line = f"{ctx.execution_id}:{ctx.node_id}:{ctx.attempt}\n"
    fd = os.open(os.environ[LOG_ENV], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)
    return {"recorded": True}


ACTIONS = {"record": record}
