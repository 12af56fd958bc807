"""The `wayvo` command: users, workspaces, workflows import/export, migrations, the worker and the demo."""

from __future__ import annotations

import json
import sys

import click


@click.group()
def main() -> None:
    """Wayvo Workflows."""
    from wayvo_app.engine.registry import set_registry_source
    from wayvo_app.plugins.client_plugins import node_registry

    set_registry_source(node_registry)  # the composition root of every command, the worker's too


@main.group()
def db() -> None:
    """Database migrations."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply the Alembic migrations to DATABASE_URL."""
    from wayvo_app.services.database import upgrade_database

    upgrade_database()
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
    from wayvo_app.core.errors import WorkflowError
    from wayvo_app.services import accounts

    try:
        user = accounts.add_user(name, password, roles=roles, email=email, display_name=display_name)
        click.echo(f"Created user {user.user_name} (roles: {', '.join(user.roles) or 'none'})")
    except WorkflowError as exc:
        click.echo(f"Error: {exc.message}", err=True)
        sys.exit(1)


@users.command("set-roles")
@click.argument("name")
@click.argument("roles", nargs=-1)
def users_set_roles(name: str, roles: tuple[str, ...]) -> None:
    """Replace a user's roles (none given: no roles)."""
    from wayvo_app.services import user_admin

    _users_call(lambda: user_admin.cli_set_roles(name, list(roles)),
                lambda u: f"User {u.user_name} now has roles: {', '.join(u.roles) or 'none'}")


@users.command("disable")
@click.argument("name")
def users_disable(name: str) -> None:
    """Disable a user: no sign-in; their sessions end and their API keys stop."""
    from wayvo_app.services import user_admin

    _users_call(lambda: user_admin.cli_set_disabled(name, True), lambda u: f"User {u.user_name} disabled")


@users.command("enable")
@click.argument("name")
def users_enable(name: str) -> None:
    """Enable a disabled user again."""
    from wayvo_app.services import user_admin

    _users_call(lambda: user_admin.cli_set_disabled(name, False), lambda u: f"User {u.user_name} enabled")


def _users_call(action, describe) -> None:
    from wayvo_app.core.errors import WorkflowError

    try:
        click.echo(describe(action()))
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


@main.command()
@click.option("--concurrency", type=int, default=None, help="Steps run at once (default WAYVO_WORKER_CONCURRENCY).")
@click.option("--poll-interval", type=float, default=1.0, show_default=True)
def worker(concurrency: int | None, poll_interval: float) -> None:
    """Run the engine alone (no web server); start as many as you like on PostgreSQL."""
    import asyncio
    import logging
    import signal

    from wayvo_app.plugins.client_plugins import check_plugins
    from wayvo_app.runtime.presence import run_worker
    from wayvo_app.runtime.worker import Worker

    check_plugins()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # one line per wake-up is noise
    engine_worker = Worker(concurrency=concurrency, poll_interval=poll_interval)

    async def _run() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, engine_worker.stop)
        await run_worker(engine_worker)  # heartbeats for /api/health; leases released on stop

    asyncio.run(_run())


@main.group("workflows")
def workflows_group() -> None:
    """Workflow documents."""


@workflows_group.command("import")
@click.argument("file", type=click.File("r"))
@click.option("--owner", required=True, help="User name of the owner.")
@click.option("--publish", is_flag=True, help="Also publish version 1.")
def workflows_import(file, owner: str, publish: bool) -> None:
    """Import a workflow document (JSON); prints the new workflow id."""
    from wayvo_app.core.errors import DocumentValidationError, WorkflowError
    from wayvo_app.services import workflow_documents

    try:
        document = json.load(file)
        click.echo(workflow_documents.import_document(owner, document, publish=publish))
    except json.JSONDecodeError as exc:
        click.echo(f"Error: {file.name} is not JSON: {exc}", err=True)
        sys.exit(1)
    except DocumentValidationError as exc:
        click.echo("Error: the workflow is invalid:", err=True)
        for problem in exc.problems:
            click.echo(f"  - {problem.message}", err=True)
        sys.exit(1)
    except WorkflowError as exc:
        click.echo(f"Error: {exc.message}", err=True)
        sys.exit(1)


@workflows_group.command("export")
@click.argument("workflow_id")
def workflows_export(workflow_id: str) -> None:
    """Print a workflow document (JSON)."""
    from wayvo_app.services import workflow_documents

    document = workflow_documents.export(workflow_id)
    if document is None:
        click.echo("Error: Workflow not found", err=True)
        sys.exit(1)
    click.echo(_dump(document))


@workflows_group.command("retention")
@click.argument("workflow_id")
@click.argument("days", required=False)
def workflows_retention(workflow_id: str, days: str | None) -> None:
    """Show or set how many days the workflow's finished executions are kept (DAYS: a number,
    0 for forever, or `default` for WAYVO_RETENTION_DAYS)."""
    from wayvo_app.core.errors import WorkflowError
    from wayvo_app.services import retention

    try:
        value = None if days in (None, "default") else int(days)
        if days is None:
            shown = retention.workflow_retention_of(workflow_id)
        else:
            shown = retention.set_workflow_retention(workflow_id, None, value)
    except ValueError:
        click.echo(f"Error: DAYS must be a number or 'default', not {days!r}", err=True)
        sys.exit(1)
    except WorkflowError as exc:
        click.echo(f"Error: {exc.message}", err=True)
        sys.exit(1)
    click.echo(_dump(shown))


@main.group("workspaces")
def workspaces_group() -> None:
    """Shared workspaces and their members (contract §7)."""


@workspaces_group.command("create")
@click.argument("name")
@click.option("--admin", "admin", required=True, help="User name of the workspace's first admin.")
def workspaces_create(name: str, admin: str) -> None:
    """Create a shared workspace; prints its id."""
    from wayvo_app.core.errors import WorkflowError
    from wayvo_app.services import workspaces

    try:
        created = workspaces.create_for_admin(name, admin)
        click.echo(f"Created workspace {created['name']} ({created['id']}), admin {admin}")
    except WorkflowError as exc:
        click.echo(f"Error: {exc.message}", err=True)
        sys.exit(1)


@workspaces_group.command("add-member")
@click.argument("workspace")
@click.argument("user")
@click.option("--role", required=True, type=click.Choice(["admin", "editor", "operator", "member"]))
def workspaces_add_member(workspace: str, user: str, role: str) -> None:
    """Add USER to WORKSPACE (its id or name) with ROLE, or change their role."""
    from wayvo_app.core.errors import WorkflowError
    from wayvo_app.services import workspaces

    try:
        member = workspaces.put_member_as_installation(workspace, user, role)
        click.echo(f"{member['userName']} is now {member['role']} of {workspace}")
    except WorkflowError as exc:
        click.echo(f"Error: {exc.message}", err=True)
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    main()
