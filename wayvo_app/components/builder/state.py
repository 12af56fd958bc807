"""The builder's state: the draft document (Python owns it), the canvas derived from it, selection,
undo/redo, debounced autosave, validation, publish and versions. Field edits and runs are mixins.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import reflex as rx

from wayvo_app.components.builder.canvas import canvas_edges, canvas_nodes
from wayvo_app.components.builder.edits import FieldEditsMixin
from wayvo_app.components.builder.history import forget, history
from wayvo_app.components.builder.hook import WebhookMixin
from wayvo_app.components.builder.palette import palette
from wayvo_app.components.builder.problem_words import without_ids
from wayvo_app.components.builder.runs import RunMixin
from wayvo_app.components.builder.saving import SavingMixin
from wayvo_app.components.builder.step_data_state import StepDataMixin
from wayvo_app.components.builder.structured import StructuredEditsMixin
from wayvo_app.core import document as docs
from wayvo_app.core.errors import WorkflowError
from wayvo_app.engine.registry import get_registry
from wayvo_app.services import builder as builder_session
from wayvo_app.state import AuthState


class BuilderState(FieldEditsMixin, StructuredEditsMixin, WebhookMixin, RunMixin, SavingMixin, StepDataMixin,
                   AuthState):
    wf_id: str = ""
    phase: str = "loading"  # loading | ready | missing
    message: str = ""
    name: str = ""
    name_nonce: int = 0  # bumped to redraw the name field with the kept name
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    selected_ids: list[str] = []
    focus: dict[str, Any] = {}
    layout_request: int = 0
    problems: list[dict[str, Any]] = []
    published_version: int = 0
    draft_ahead: bool = False
    versions: list[dict[str, Any]] = []
    palette_query: str = ""
    side_tab: str = "config"
    can_undo: bool = False
    can_redo: bool = False
    _doc: dict[str, Any] = {}

    @rx.var(cache=True)
    def palette_groups(self) -> list[dict[str, Any]]:
        return palette(get_registry(), self.palette_query)

    @rx.var
    def page_title(self) -> str:
        """The tab's title names the workflow (several builders open stay apart)."""
        return f"{self.name} · Builder · Wayvo" if self.name else "Workflow builder · Wayvo"

    @rx.var
    def problems_shown(self) -> list[dict[str, Any]]:
        """The Problems tab's list: each message names steps by label, never by internal id."""
        labels = {n["id"]: str((n.get("data") or {}).get("label") or "") for n in self._doc.get("nodes", [])}
        return [{**p, "message": without_ids(p["message"], labels), "nodeId": p.get("nodeId") or ""}
                for p in self.problems]

    @rx.var
    def selected_id(self) -> str:
        return self.selected_ids[0] if len(self.selected_ids) == 1 else ""

    @rx.var
    def status_label(self) -> str:
        if not self.published_version:
            return "Draft"
        return f"Published v{self.published_version}" + (" · draft ahead" if self.draft_ahead else "")

    def _history(self):
        return history(self.router.session.client_token, self.wf_id)

    # Loading and deriving the canvas.

    @rx.event
    async def load(self):
        self.wf_id = str(self.router.page.params.get("id") or "")
        self.phase, self.selected_ids, self.focus, self.side_tab = "loading", [], {}, "config"
        self._saver, self._saver_token, self.run_id, self.run_statuses = False, "", "", {}
        if not self.user_id:
            return None
        try:
            opened = await asyncio.to_thread(builder_session.open_workflow, self.wf_id, self.user_id)
        except WorkflowError as exc:
            self.phase, self.message = "missing", exc.message
            return None
        forget(self.router.session.client_token, self.wf_id)
        self._doc = opened["document"]
        self._apply_status(opened)
        self.versions, self.last_run = opened["versions"], opened["lastExecution"]
        self._set_step_data(opened["stepData"])
        await self._load_schedule_failure()
        self.problems = builder_session.problems_of(self._doc, self.wf_id)
        self.save_state, self._edit_seq, self._saved_seq, self.stale_draft = "saved", 0, 0, False
        self._refresh()
        self.phase = "ready"
        return None

    def _apply_status(self, status: dict[str, Any]) -> None:
        self.published_version = int(status.get("publishedVersion") or 0)
        self.draft_ahead = bool(status.get("draftAhead"))
        self._revision = int(status.get("revision") or 0)

    def _refresh(self) -> None:
        """Canvas, name and panel from the document (nodes are replaced only when they changed)."""
        problems: dict[str, str] = {}
        for problem in self.problems:
            if problem.get("nodeId"):
                problems.setdefault(problem["nodeId"], without_ids(problem["message"]))
        nodes = canvas_nodes(self._doc, get_registry(), statuses=self.run_statuses, problems=problems)
        if nodes != self.nodes:
            self.nodes = nodes
        edges = canvas_edges(self._doc, self.run_statuses)
        if edges != self.edges:
            self.edges = edges
        self.name = str(self._doc.get("name") or "")
        ids = {n["id"] for n in self._doc.get("nodes", [])}
        if any(i not in ids for i in self.selected_ids):
            self.selected_ids = [i for i in self.selected_ids if i in ids]
        history_ = self._history()
        self.can_undo, self.can_redo = bool(history_.undo), bool(history_.redo)
        self._refresh_panel()

    def _change(self, doc: dict[str, Any], key: str = ""):
        """Every edit: remember for undo, apply, redraw, and schedule the autosave."""
        self._history().record(self._doc, key)
        self._doc = doc
        self._edited()
        return type(self).autosave

    def _edited(self) -> None:
        self._edit_seq += 1
        self._last_edit = time.time()
        self.save_state = "pending"
        self._refresh()

    # Canvas events.

    @rx.event
    def select(self, ids: list[str]):
        if list(ids) != self.selected_ids:
            self.selected_ids = list(ids)
            if self.side_tab != "config" and len(ids) == 1:
                self.side_tab = "config"
            self._refresh_panel()

    @rx.event
    def node_clicked(self, node_id: str):
        """A click on a step (selected already or not) opens its panel: its config and its data."""
        if self.selected_ids == [node_id] and self.side_tab != "config":
            self.side_tab = "config"

    @rx.event
    def nodes_moved(self, moved: list[dict[str, Any]]):
        positions = {m["id"]: {"x": m.get("x", 0), "y": m.get("y", 0)} for m in moved if m.get("id")}
        if positions:
            return self._change(docs.move(self._doc, positions))
        return None

    @rx.event
    def layout_done(self, positions: list[dict[str, Any]]):
        return self.nodes_moved(positions)

    @rx.event
    def auto_layout(self):
        self.layout_request += 1

    @rx.event
    def connect(self, connection: dict[str, Any]):
        try:
            doc = docs.connect(self._doc, str(connection.get("source")), str(connection.get("target")),
                               connection.get("sourceHandle") or None)
        except docs.EditError as exc:
            self.edges = [*self.edges]  # redraw: the browser may show the refused edge
            return rx.toast.warning(str(exc))
        return self._change(doc)

    @rx.event
    def connect_to(self, value: str):
        """The config panel's "Connect to…" (keyboard and screen-reader users): "handle|target"."""
        handle, _, target = value.partition("|")
        if self.selected_id and target:
            return self.connect({"source": self.selected_id, "target": target, "sourceHandle": handle or None})
        return None

    @rx.event
    def palette_search_key(self, key: str):
        """Enter in the palette search adds the first step that matches."""
        if key == "Enter":
            first = next((item for group in self.palette_groups for item in group["items"]), None)
            if first is not None:
                return self._add(first["actionType"], None)
        return None

    @rx.event
    def delete_items(self, items: dict[str, Any]):
        doc = docs.remove(self._doc, items.get("nodes") or [], items.get("edges") or [])
        if doc == self._doc:
            return None
        return self._change(doc)

    @rx.event
    def delete_selected(self):
        return self.delete_items({"nodes": self.selected_ids})

    def _add(self, action_type: str, position: dict[str, Any] | None):
        registry = get_registry()
        spec = registry.get(action_type)
        if spec is None:
            return rx.toast.error(f'Unknown node type "{action_type}"')
        after = self.selected_id if position is None and self.selected_id else None
        after_spec = None
        if after:
            node = next(n for n in self._doc["nodes"] if n["id"] == after)
            after_spec = registry.get("trigger" if node.get("type") == "trigger"
                                      else str(node["data"]["config"].get("actionType")))
        doc, node_id = docs.add_node(self._doc, spec, position=position, after=after, after_spec=after_spec)
        self.focus = {"id": node_id, "nonce": self._edit_seq + 1}
        self.selected_ids, self.side_tab = [node_id], "config"
        return self._change(doc)

    @rx.event
    def add_from_palette(self, action_type: str):
        return self._add(action_type, None)

    @rx.event
    def drop_node(self, drop: dict[str, Any]):
        return self._add(str(drop.get("actionType") or ""), {"x": drop.get("x", 0), "y": drop.get("y", 0)})

    @rx.event
    def duplicate_selected(self):
        if not self.selected_ids:
            return None
        doc, new_ids = docs.duplicate(self._doc, self.selected_ids)
        if not new_ids:
            return rx.toast.info("The trigger cannot be duplicated")
        self.focus = {"id": new_ids[0], "nonce": self._edit_seq + 1}
        return self._change(doc)

    @rx.event
    def focus_node(self, node_id: str):
        if node_id:
            self.selected_ids, self.side_tab = [node_id], "config"
            self.focus = {"id": node_id, "nonce": time.time(), "center": True}
            self._refresh_panel()

    @rx.event
    def set_palette_query(self, query: str):
        self.palette_query = query

    @rx.event
    def set_side_tab(self, tab: str):
        self.side_tab = tab

    @rx.event
    def rename_workflow(self, name: str):
        if not name.strip():  # say so and show the kept name again (the field keys on name_nonce)
            self.name_nonce += 1
            return rx.toast.warning("A workflow needs a name: the name was kept")
        if name != self._doc.get("name"):
            return self._change({**self._doc, "name": name.strip()[:200]}, key="workflow-name")
        return None

    # Undo and redo.

    def _travel(self, back: bool):
        doc = self._history().step(self._doc, back)
        if doc is None:
            return None
        self._doc = doc
        self._edited()
        return type(self).autosave

    @rx.event
    def undo(self):
        return self._travel(True)

    @rx.event
    def redo(self):
        return self._travel(False)
