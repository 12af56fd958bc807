"""DataSources on a real database: filters, sorting, paging, I/U/D saves, hooks in the caller's
transaction (including the product document's trigger_workflow examples), WorkflowExecutions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from tests.helpers import create_workflow, document, make_user, node
from wayvo_app.core.errors import BadRequestError, ForbiddenError, NotFoundError
from wayvo_app.datasources.registry import (
    DataSource,
    data_source_attributes,
    data_source_names,
    get_data_source,
    query_data_source,
    register_data_source,
    save_data_source,
    unregister_data_source,
)
from wayvo_app.services import executions as commands
from wayvo_app.services.accounts import Principal
from wayvo_app.settings import reset_settings
from wayvo_app.store import db
from wayvo_app.store.models import Execution, utcnow


class OrderTables(SQLModel, registry=registry()):
    """Own metadata: the test table stays out of the app's schema (and the migration check)."""


class DsOrder(OrderTables, table=True):
    __tablename__ = "test_ds_orders_issue5"
    id: int | None = Field(default=None, primary_key=True)
    customer: str
    status: str = "new"
    total: float = 0
    note: str | None = None
    created_at: datetime = Field(default_factory=utcnow)


HOOK_CALLS: list[tuple[str, list, list | None, str]] = []


def _recorder(name):
    def hook(*, rows, user, session, previous_rows=None):
        HOOK_CALLS.append((name, rows, previous_rows, user.user_name))
        return rows
    return hook


CONFIGURED = DataSource(name="ConfiguredOrders", model=DsOrder)
ALICE = Principal("u-alice", "alice", "Alice", None, ("user",))


@pytest.fixture
def orders(db_url):
    OrderTables.metadata.create_all(db.get_engine(db_url))
    HOOK_CALLS.clear()
    ds = register_data_source(DataSource(
        name="TestOrders", model=DsOrder, primary_key="id", after_insert=_recorder("insert"),
        after_update=_recorder("update"), after_delete=_recorder("delete")))
    yield ds
    unregister_data_source("TestOrders")


def _insert(ds, *rows):
    with db.session() as s:
        return save_data_source(s, ALICE, ds, [{**row, "_status": "I"} for row in rows])


def _query(ds, **kwargs):
    with db.read_session() as s:
        return query_data_source(s, ALICE, ds, **kwargs).rows


@pytest.fixture
def five(orders):
    _insert(orders, {"customer": "ada", "status": "open", "total": 10},
            {"customer": "bob", "status": "open", "total": 25.5, "note": "Rush"},
            {"customer": "cy", "status": "closed", "total": 5},
            {"customer": "dee", "status": "closed", "total": 40, "note": "gift wrap"},
            {"customer": "eve", "status": "new", "total": 25.5})
    return orders


@pytest.mark.parametrize("filter,expected", [
    ([{"status": {"is": "open"}}], ["ada", "bob"]),
    ([{"status": "open"}], ["ada", "bob"]),
    ([{"status": {"isNot": "open"}}], ["cy", "dee", "eve"]),
    ([{"note": {"isNot": "Rush"}}], ["ada", "cy", "dee", "eve"]),
    ([{"note": {"is": None}}], ["ada", "cy", "eve"]),
    ([{"customer": {"in": ["ada", "eve", "zed"]}}], ["ada", "eve"]),
    ([{"total": {"gt": 10}}], ["bob", "dee", "eve"]),
    ([{"total": {"gte": "10"}}], ["ada", "bob", "dee", "eve"]),
    ([{"total": {"lt": 10}}], ["cy"]),
    ([{"total": {"lte": 10}}], ["ada", "cy"]),
    ([{"note": {"contains": "RUS"}}], ["bob"]),
    ([{"status": {"is": "open"}}, {"total": {"gt": 20}}], ["bob"]),
    ([{"total": {"gt": 5, "lt": 40}}], ["ada", "bob", "eve"]),
])
def test_filters(five, filter, expected):
    assert [r["customer"] for r in _query(five, filter=filter)] == expected


def test_filter_on_times_accepts_iso_text(five):
    assert len(_query(five, filter=[{"created_at": {"lte": datetime.now(UTC).isoformat()}}])) == 5
    assert _query(five, filter=[{"created_at": {"gt": "2999-01-01T00:00:00Z"}}]) == []


@pytest.mark.parametrize("sort,expected", [
    ([{"total": "desc"}], ["dee", "bob", "eve", "ada", "cy"]),
    ("-total", ["dee", "bob", "eve", "ada", "cy"]),
    ("status, total desc", ["dee", "cy", "eve", "bob", "ada"]),
    (["status", "-customer"], ["dee", "cy", "eve", "bob", "ada"]),
])
def test_sorting(five, sort, expected):
    assert [r["customer"] for r in _query(five, sort=sort)] == expected


def test_paging_is_stable(five):
    pages = [_query(five, sort="-total", limit=2, offset=n) for n in (0, 2, 4)]
    assert [[r["customer"] for r in page] for page in pages] == [["dee", "bob"], ["eve", "ada"], ["cy"]]


@pytest.mark.parametrize("kwargs,message", [
    ({"filter": [{"colour": "red"}]}, 'no field "colour"'),
    ({"filter": [{"total": {"near": 5}}]}, 'Unknown filter operator "near"'),
    ({"filter": [{"total": {"gt": "lots"}}]}, 'Field "total" expects float'),
    ({"filter": [{"customer": {"in": "ada"}}]}, 'needs a list'),
    ({"filter": "status=open"}, "Filter must be a list"),
    ({"sort": [{"total": "up"}]}, 'must be "asc" or "desc"'),
    ({"limit": 0}, "limit must be a whole number of at least 1"),
])
def test_bad_queries_name_the_problem(five, kwargs, message):
    with pytest.raises(BadRequestError, match=message):
        _query(five, **kwargs)


def test_insert_update_delete_run_hooks_with_previous_rows(orders):
    [ada] = _insert(orders, {"customer": "ada", "total": "12.5"})
    assert ada["id"] and ada["total"] == 12.5 and ada["status"] == "new"
    with db.session() as s:
        saved = save_data_source(s, ALICE, orders, [{"_status": "U", "id": ada["id"], "status": "approved"}])
    assert saved[0]["status"] == "approved" and saved[0]["total"] == 12.5
    with db.session() as s:
        save_data_source(s, ALICE, orders, [{"_status": "D", "id": str(ada["id"])}])
    assert [(c[0], c[3]) for c in HOOK_CALLS] == [("insert", "alice"), ("update", "alice"), ("delete", "alice")]
    assert HOOK_CALLS[0][2] is None
    assert HOOK_CALLS[1][2][0]["status"] == "new" and HOOK_CALLS[1][1][0]["status"] == "approved"
    assert HOOK_CALLS[2][1][0]["customer"] == "ada" and HOOK_CALLS[2][2][0]["status"] == "approved"
    assert _query(orders) == []


def test_updating_a_missing_row_is_not_found(orders):
    with db.session() as s, pytest.raises(NotFoundError, match='DataSource "TestOrders": no row with id=99'):
        save_data_source(s, ALICE, orders, [{"_status": "U", "id": 99, "status": "x"}])
    with db.session() as s, pytest.raises(BadRequestError, match='needs "_status"'):
        save_data_source(s, ALICE, orders, [{"customer": "x"}])


def test_hooks_return_what_save_returns_and_use_the_callers_session(orders):
    seen = []

    def enrich(*, rows, user, session):
        seen.append(session)
        return [{**row, "enriched": True} for row in rows]

    ds = DataSource(name="Enriching", model=DsOrder, after_insert=enrich)
    with db.session() as s:
        assert save_data_source(s, ALICE, ds, [{"_status": "I", "customer": "x"}])[0]["enriched"] is True
    assert seen == [s]


def test_an_exception_in_a_hook_rolls_the_insert_back(orders):
    def explode(**_):
        raise RuntimeError("hook failed")

    ds = DataSource(name="Exploding", model=DsOrder, after_insert=explode)
    with pytest.raises(RuntimeError, match="hook failed"):
        with db.session() as s:
            save_data_source(s, ALICE, ds, [{"_status": "I", "customer": "ghost"}])
    assert _query(orders) == []


def test_data_sources_are_registered_by_configuration(db_url, monkeypatch):
    monkeypatch.setenv("WAYVO_DATA_SOURCES", "tests.integration.test_datasources:CONFIGURED")
    reset_settings()
    try:
        assert get_data_source("ConfiguredOrders") is CONFIGURED
        assert {"ConfiguredOrders", "WorkflowExecutions"} <= set(data_source_names())
        assert ("created_at", "Created At") in data_source_attributes("ConfiguredOrders")
    finally:
        unregister_data_source("ConfiguredOrders")
    with pytest.raises(NotFoundError, match='DataSource "Nope" not found'):
        get_data_source("Nope")


# --- WorkflowExecutions ---------------------------------------------------------------------

def _principal(user_id, name, roles=()):
    return Principal(user_id, name, name, None, tuple(roles))


def test_workflow_executions_answers_the_status_query_for_its_owner(db_url):
    alice, bob = make_user("alice", roles=()), make_user("bob", roles=())
    admin = make_user("root", roles=("admin",))
    workflow_id = create_workflow(alice, document([node("t", "Trigger")], []))
    started = commands.trigger_workflow(workflow_id=workflow_id, user_name="alice", input={"a": 1})
    ds = get_data_source("WorkflowExecutions")
    with db.read_session() as s:
        rows = query_data_source(s, _principal(alice, "alice"), ds,
                                 filter=[{"id": {"is": started.execution_id}}]).rows
        assert query_data_source(s, _principal(bob, "bob"), ds, filter=[{"id": {"is": started.execution_id}}]).rows == []
        by_name = Principal("", "alice", "alice", None, ())  # no id: matched by user name
        assert len(query_data_source(s, by_name, ds, filter=[{"workflowId": workflow_id}]).rows) == 1
        assert len(query_data_source(s, _principal(admin, "root", ["admin"]), ds, sort="-startedAt").rows) == 1
    [row] = rows
    assert set(row) == {"id", "workflowId", "status", "input", "output", "error", "startedAt", "completedAt"}
    assert row["id"] == started.execution_id and row["workflowId"] == workflow_id
    assert row["status"] in ("running", "success") and row["input"] == {"a": 1}
    with db.session() as s, pytest.raises(ForbiddenError, match="read-only"):
        save_data_source(s, _principal(alice, "alice"), ds, [{"_status": "D", "id": started.execution_id}])


# --- the product document's hook examples ---------------------------------------------------

def _order_hooks(insert_workflow: str, approval_workflow: str) -> DataSource:
    def after_insert(*, rows, user, session):
        for row in rows:
            commands.trigger_workflow(workflow_id=insert_workflow, user_name=user.user_name,
                                      input={"orderId": row["id"], "customerId": row["customer"],
                                             "totalAmount": row["total"]}, session=session)
        return rows

    def after_update(*, rows, previous_rows, user, session):
        for prev, row in zip(previous_rows or [], rows, strict=False):
            if prev["status"] != row["status"] and row["status"] == "approved":
                commands.trigger_workflow(workflow_id=approval_workflow, user_name=user.user_name,
                                          input={"recordId": row["id"], "approvedBy": user.user_name,
                                                 "approvedAt": datetime.now(UTC).isoformat()},
                                          session=session)
        return rows

    return DataSource(name="Orders", model=DsOrder, after_insert=after_insert, after_update=after_update)


@pytest.fixture
def order_hooks(orders):
    owner = make_user("alice", roles=())
    ids = [create_workflow(owner, document([node("t", "Trigger")], [], name=n)) for n in ("Orders", "Approve")]
    return _order_hooks(*ids), ids, _principal(owner, "alice")


def _executions(workflow_id):
    with db.read_session() as s:
        return [e for e in s.exec(Execution.__table__.select().where(Execution.workflow_id == workflow_id))]


def test_after_insert_starts_a_workflow_only_if_the_transaction_commits(order_hooks):
    ds, (orders_wf, _), alice = order_hooks
    with pytest.raises(RuntimeError, match="caller aborts"):
        with db.session() as s:
            save_data_source(s, alice, ds, [{"_status": "I", "customer": "ada", "total": 9}])
            raise RuntimeError("caller aborts")
    assert _executions(orders_wf) == []
    with db.session() as s:
        [row] = save_data_source(s, alice, ds, [{"_status": "I", "customer": "ada", "total": 9}])
    [execution] = _executions(orders_wf)
    assert execution.input == {"orderId": row["id"], "customerId": "ada", "totalAmount": 9.0}


def test_after_update_starts_a_workflow_when_the_status_changes_to_approved(order_hooks):
    ds, (_, approval_wf), alice = order_hooks
    with db.session() as s:
        [a, b] = save_data_source(s, alice, ds, [{"_status": "I", "customer": "ada"},
                                                 {"_status": "I", "customer": "bob", "status": "approved"}])
    with db.session() as s:
        save_data_source(s, alice, ds, [{"_status": "U", "id": a["id"], "status": "approved"},
                                        {"_status": "U", "id": b["id"], "total": 3}])
    [execution] = _executions(approval_wf)
    assert execution.input["recordId"] == a["id"] and execution.input["approvedBy"] == "alice"
