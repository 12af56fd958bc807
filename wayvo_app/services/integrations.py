"""Integrations: a user's credentials for one integration type, encrypted at rest, never returned;
and the check that a workflow references only integrations its user owns."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlparse

from sqlalchemy import select
from sqlmodel import Session

from wayvo_app.core.errors import BadRequestError, InvalidIntegrationReferencesError, NotFoundError
from wayvo_app.services import access
from wayvo_app.services.credentials import decrypt_config, encrypt_config, reencrypt
from wayvo_app.settings import Settings
from wayvo_app.store import db
from wayvo_app.store import workspaces as store_workspaces
from wayvo_app.store.models import Integration

INTEGRATION_KEY = "integrationId"
NOT_FOUND = "Integration not found"


def _quoted(values: Any) -> str:
    return ", ".join(f'"{v}"' for v in values)


def _field_problem(form_field: Any, value: Any) -> str | None:
    if not isinstance(value, str):
        return f'"{form_field.label}" must be text'
    if form_field.type == "url" and value:
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            return f'"{form_field.label}" must be an http(s) URL, found "{value}"'
    return None


def clean_config(integration: Any, config: Mapping[str, Any]) -> dict[str, str]:
    """The config checked against the integration's form fields (known keys, required, types)."""
    fields = {f.key: f for f in integration.form_fields}
    unknown = [key for key in config if key not in fields]
    if unknown:
        raise BadRequestError(f'Integration "{integration.label}" has no field {_quoted(unknown)}; '
                              f"expected {_quoted(fields) or 'no fields'}")
    cleaned: dict[str, str] = {}
    for key, form_field in fields.items():
        value = config.get(key)
        if value is None or value == "":
            if form_field.required:
                raise BadRequestError(f'Integration "{integration.label}" needs "{form_field.label}" ({key})')
            continue
        problem = _field_problem(form_field, value)
        if problem:
            raise BadRequestError(problem)
        cleaned[key] = value
    return cleaned


def create_integration(s: Session, user_id: str, *, type: str, name: str, config: Mapping[str, Any],
                       known: Mapping[str, Any], settings: Settings | None = None,
                       workspace_id: str | None = None) -> Integration:
    """A new integration of a known type (`known`: integration specs by type), config encrypted,
    in `workspace_id` (default: the user's personal workspace)."""
    integration = known.get(type)
    if integration is None:
        raise BadRequestError(f'Unknown integration type "{type}"; expected one of {_quoted(known)}')
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise BadRequestError("Integration name must be 1 to 200 characters")
    encrypted = encrypt_config(clean_config(integration, config), settings)
    row = Integration(user_id=user_id, type=type, name=name, config_encrypted=encrypted,
                      workspace_id=workspace_id or store_workspaces.personal_workspace_id(s, user_id))
    s.add(row)
    s.flush()
    return row


def list_integrations(s: Session, user_id: Any, type: str | None = None,
                      workspace_id: str | None = None) -> list[Integration]:
    """The integrations of the workspaces where the caller is an editor or above (of `workspace_id`
    only when given; an API key's: of its workspace only)."""
    stmt = select(Integration).where(access.visible_integrations(user_id))
    only = access.list_workspace(s, user_id, workspace_id)
    if only:
        stmt = stmt.where(Integration.workspace_id == only)
    if type:
        stmt = stmt.where(Integration.type == type)
    return list(s.exec(stmt.order_by(Integration.created_at, Integration.id)).scalars())


def managed_integration(s: Session, integration_id: str, user_id: Any) -> Integration:
    """The integration if the user may manage it (access.py: an editor of its workspace)."""
    return access.integration_for(s, integration_id, user_id, "integration.manage")


def delete_integration(s: Session, user_id: Any, integration_id: str) -> None:
    s.delete(managed_integration(s, integration_id, user_id))
    s.flush()


def credentials_for(s: Session, integration_id: str, user_id: str,
                    settings: Settings | None = None) -> dict[str, Any]:
    """The decrypted config for a step run by `user_id`: the integration must be in a workspace
    the user belongs to (runs check at start that it is the workflow's); NotFoundError otherwise."""
    row = s.get(Integration, integration_id)
    if row is None or store_workspaces.member_role(s, user_id, row.workspace_id) is None:
        raise NotFoundError(NOT_FOUND)
    return decrypt_config(row.config_encrypted, settings)


def _nodes(document: Any) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(actionType, config) of each node of a document dict or a parsed WorkflowGraph."""
    nodes = document.get("nodes", []) if isinstance(document, Mapping) else getattr(document, "nodes", ())
    for node in nodes or ():
        if isinstance(node, Mapping):
            data = node.get("data") if isinstance(node.get("data"), Mapping) else {}
            config = data.get("config") if isinstance(data.get("config"), Mapping) else {}
            yield str(config.get("actionType") or ""), config
        else:
            yield node.action_type, node.config


def integration_references(document: Any) -> dict[str, set[str]]:
    """Integration id → the integration types the nodes using it expect ("" when any type)."""
    refs: dict[str, set[str]] = {}
    for action_type, config in _nodes(document):
        ref = config.get(INTEGRATION_KEY)
        if ref in (None, ""):
            continue
        expected = action_type.split("/", 1)[0] if "/" in action_type else ""
        refs.setdefault(str(ref), set()).add(expected)
    return refs


def check_integration_references(s: Session, document: Any, user_id: str, *, workspace_id: str | None = None) -> None:
    """Raise InvalidIntegrationReferencesError unless every `integrationId` is an integration of
    the workflow's workspace (default: the user's personal one) of the type its node expects."""
    refs = integration_references(document)
    if not refs:
        return
    workspace_id = workspace_id or store_workspaces.personal_workspace_id(s, user_id)
    rows = s.exec(select(Integration.id, Integration.type)
                  .where(Integration.workspace_id == workspace_id, Integration.id.in_(list(refs)))).all()
    owned = {row[0]: row[1] for row in rows}
    for ref, expected_types in refs.items():
        if ref not in owned or any(t and t != owned[ref] for t in expected_types):
            raise InvalidIntegrationReferencesError()


def reencrypt_integrations(s: Session, settings: Settings | None = None) -> int:
    """Re-encrypt every stored config with the current key; returns how many rows were rewritten."""
    count = 0
    for row in s.exec(select(Integration)).scalars():
        row.config_encrypted = reencrypt(row.config_encrypted, settings)
        s.add(row)
        count += 1
    s.flush()
    return count


# Entry points for the web layer: each opens its own transaction.

def add_integration(user_id: Any, *, type: str, name: str, config: Mapping[str, Any],
                    known: Mapping[str, Any], workspace_id: str | None = None) -> Integration:
    """A new integration in `workspace_id` (default: an API key's workspace, else the caller's
    personal one); the caller needs the editor role there."""
    with db.session() as s:
        target = access.target_workspace(s, user_id, "integration.create", workspace_id)
        return create_integration(s, access.user_id_of(user_id), type=type, name=name, config=config,
                                  known=known, workspace_id=target)


def integrations_of(user_id: Any, type: str | None = None, workspace_id: str | None = None) -> list[Integration]:
    """The caller's integrations (of one type, of one workspace, if given), oldest first."""
    with db.read_session() as s:
        return list_integrations(s, user_id, type, workspace_id)


def remove_integration(user_id: Any, integration_id: str) -> None:
    with db.session() as s:
        delete_integration(s, user_id, integration_id)
