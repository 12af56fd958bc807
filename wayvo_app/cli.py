"""The `wayvo` command: users, workflows import/export, migrations, the worker and the demo."""

from __future__ import annotations

import json
import sys

import click


@click.group()
def main() -> None:
    """Wayvo Workflows."""


@main.group()
def db() -> None:
    """Database migrations."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply the Alembic migrations to DATABASE_URL."""
    from wayvo_app.engine.migrations import upgrade

    upgrade()
    click.echo("Database is up to date.")


@main.group()
def users() -> None:
    """User accounts."""


@users.command("create")
@click.argument("name")
@click.option("--password", required=True, help="At least 8 characters.")
@click.option("--role", "roles", multiple=True, help="A role (repeatable).")
@click.option("--email", default=None)
@click.option("--display-name", default=None)
def users_create(name: str, password: str, roles: tuple[str, ...], email: str | None,
                 display_name: str | None) -> None:
    """Create a user account."""
    from wayvo_app.engine import accounts
    from wayvo_app.engine import db as database
    from wayvo_app.engine.errors import WorkflowError

    try:
        with database.session() as s:
            user = accounts.create_user(s, name, password, roles=roles, email=email,
                                        display_name=display_name)
            click.echo(f"Created user {user.user_name} (roles: {', '.join(user.roles) or 'none'})")
    except WorkflowError as exc:
        click.echo(f"Error: {exc.message}", err=True)
        sys.exit(1)


@main.command()
def demo() -> None:
    """Load the demo: sample users (and the sample workflows of the built features)."""
    from wayvo_app.demo import load_demo

    for line in load_demo():
        click.echo(line)


def _dump(value) -> str:
    return json.dumps(value, indent=2, default=str)


if __name__ == "__main__":  # pragma: no cover
    main()
