"""`wayvo users set-roles / disable / enable` against a real database (click's CliRunner)."""

from click.testing import CliRunner

from tests.helpers import make_user
from wayvo_app.cli import main
from wayvo_app.services import accounts
from wayvo_app.store import db

SECRET = "test-secret-key-for-signing-and-encryption"


def _run(*args: str):
    return CliRunner().invoke(main, ["users", *args])


def _user(name: str):
    with db.read_session() as s:
        return accounts.find_user(s, name)


def test_set_roles_replaces_the_roles(db_url):
    make_user("olivia", roles=("admin",))
    make_user("maria", roles=("approver",))
    result = _run("set-roles", "Maria", "manager", "finance")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "User maria now has roles: finance, manager"
    assert _user("maria").roles == ["finance", "manager"]
    result = _run("set-roles", "maria")
    assert result.exit_code == 0 and "roles: none" in result.output and _user("maria").roles == []


def test_disable_ends_sessions_and_enable_lets_the_user_sign_in_again(db_url):
    make_user("olivia", roles=("admin",))
    make_user("bob", roles=())
    token, _, _ = accounts.sign_in("bob", "password1", SECRET)
    result = _run("disable", "bob")
    assert result.exit_code == 0 and result.output.strip() == "User bob disabled"
    assert _user("bob").disabled and accounts.signed_in(token, SECRET) is None
    result = _run("enable", "bob")
    assert result.exit_code == 0 and result.output.strip() == "User bob enabled"
    assert not _user("bob").disabled
    assert accounts.sign_in("bob", "password1", SECRET)[2].user_name == "bob"


def test_errors_exit_1_with_a_message(db_url):
    make_user("olivia", roles=("admin",))
    for args, message in [(("disable", "ghost"), 'User "ghost" not found'),
                          (("set-roles", "ghost", "x"), 'User "ghost" not found'),
                          (("disable", "olivia"), "At least one active administrator must remain"),
                          (("set-roles", "olivia", "manager"), "At least one active administrator must remain"),
                          (("set-roles", "olivia", "bad,role"), "must be one word")]:
        result = _run(*args)
        assert result.exit_code == 1, (args, result.output)
        assert message in result.output, (args, result.output)
    assert _user("olivia").roles == ["admin"] and not _user("olivia").disabled
