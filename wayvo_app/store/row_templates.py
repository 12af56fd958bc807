"""The JSON parameters of trigger_workflow's one-statement start (store/starts.start_if_unchanged)
as templates: an execution's row and its first step rows, written by store/starts exactly as for
any insert, made once from a stand-in start (marked values in place of the ids, the time, the
input and the Idempotency-Key), then filled by each start with one str.format instead of
building the rows and dumping them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, NamedTuple
from uuid import uuid4

from wayvo_app.store.starts import EXECUTION_TIMES, STEP_TIMES, execution_document, step_documents


class RowTemplate(NamedTuple):
    text: str  # str.format fields: {0} the time (ISO), {1} the input's JSON, {2} the key's JSON, {3}... ids
    ids: int  # the ids it takes: the execution's, then (first steps) one per row

    def fill(self, now: str, input_json: str, key_json: str, ids: list[str]) -> str:
        return self.text.format(now, input_json, key_json, *ids)


class StandIn(NamedTuple):
    """What a stand-in start is planned with: marks that the templates find again."""

    execution_id: str
    input: str
    idempotency_key: str
    now: datetime
    token: str  # in every mark, and nowhere else in the JSON (random)


def stand_in() -> StandIn:
    token = uuid4().hex
    return StandIn(f"{token}d0", f"{token}i", f"{token}k", datetime(2000, 1, 1, tzinfo=UTC), token)


def steps_template(rows: list[dict], stand_in: StandIn) -> RowTemplate | None:
    """The first step rows of a start planned with `stand_in` (ids: the execution's, then each
    row's own); None when they hold a time that is not its `now` (a start builds them then)."""
    documents = step_documents(rows)
    for k, row in enumerate(documents, start=1):
        if not _times_marked(row, STEP_TIMES, stand_in):
            return None
        row["id"] = f"{stand_in.token}d{k}"
    return _template(documents, stand_in, 1 + len(documents))


def execution_template(values: dict[str, Any], stand_in: StandIn) -> RowTemplate | None:
    """The execution row of a start planned with `stand_in` (its id the one id it takes)."""
    document = execution_document(values)
    return _template(document, stand_in, 1) if _times_marked(document, EXECUTION_TIMES, stand_in) else None


def _times_marked(document: dict, keys: tuple[str, ...], stand_in: StandIn) -> bool:
    now = stand_in.now.isoformat()
    for key in keys:
        if document.get(key) is not None:
            if document[key] != now:
                return False
            document[key] = f"{stand_in.token}t"
    return True


def _template(document: Any, stand_in: StandIn, ids: int) -> RowTemplate | None:
    token = stand_in.token
    fields = {f'"{token}t"': '"{0}"', f'"{stand_in.input}"': "{1}", f'"{stand_in.idempotency_key}"': "{2}"}
    fields.update({f'"{token}d{k}"': f'"{{{k + 3}}}"' for k in range(ids)})
    text = json.dumps(document).replace("{", "{{").replace("}", "}}")
    for mark, field in fields.items():
        text = text.replace(mark, field)
    return RowTemplate(text, ids) if token not in text else None
