"""PostgreSQL LISTEN/NOTIFY: wakes a worker the moment another process commits due work,
instead of at its next poll. Optional: without PostgreSQL, polling alone is used."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from sqlalchemy.engine import make_url

from wayvo_app.store.dialect import WORK_CHANNEL

log = logging.getLogger("wayvo.worker")


def libpq_url(sqlalchemy_url: str) -> str:
    url = make_url(sqlalchemy_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


async def listen_for_work(sqlalchemy_url: str, wake: Callable[[], None], retry_after: float = 2.0) -> None:
    """Runs until cancelled; reconnects after a database restart."""
    import psycopg

    while True:
        try:
            conn = await psycopg.AsyncConnection.connect(libpq_url(sqlalchemy_url), autocommit=True)
            async with conn:
                await conn.execute(f"LISTEN {WORK_CHANNEL}")
                wake()  # work may have arrived while we were not listening
                async for _notice in conn.notifies():
                    wake()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - keep polling meanwhile, try again shortly
            log.warning("LISTEN %s failed (%s); retrying in %ss", WORK_CHANNEL, exc, retry_after)
            await asyncio.sleep(retry_after)
