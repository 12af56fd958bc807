"""docs/permissions.md is the permission table of services/access.py, regenerated, not edited."""

from pathlib import Path

from wayvo_app.services import access


def test_docs_permissions_md_is_generated_from_the_actions_table():
    doc = (Path(__file__).resolve().parents[2] / "docs" / "permissions.md").read_text()
    assert doc == access.DOC_HEAD + access.permissions_markdown(), (
        "regenerate: python -m wayvo_app.services.access > docs/permissions.md")


def test_the_table_has_a_row_per_action_and_a_column_per_role():
    rows = [line for line in access.permissions_markdown().splitlines() if line.startswith("| `")]
    assert [row.split("`")[1] for row in rows] == list(access.ACTIONS)
    assert all(row.count("|") == len(access.ROLES) + 4 for row in rows)
