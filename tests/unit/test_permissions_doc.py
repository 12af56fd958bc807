"""docs/permissions.md is the permission table of services/access.py, regenerated, not edited."""

from pathlib import Path

from wayvo_app.services import access, entry_points


def test_docs_permissions_md_is_generated_from_the_actions_table():
    doc = (Path(__file__).resolve().parents[2] / "docs" / "permissions.md").read_text()
    assert doc == entry_points.permissions_document(), (
        "regenerate: python -m wayvo_app.services.entry_points > docs/permissions.md")


def test_every_route_and_handler_row_names_a_known_action():
    named = set(entry_points.ROUTES.values()) | set(entry_points.HANDLERS.values())
    assert named - {entry_points.NONE} <= set(access.ACTIONS)


def test_the_table_has_a_row_per_action_and_a_column_per_role():
    rows = [line for line in access.permissions_markdown().splitlines() if line.startswith("| `")]
    assert rows
    assert [row.split("`")[1] for row in rows] == list(access.ACTIONS)
    assert all(row.count("|") == len(access.ROLES) + 4 for row in rows)
