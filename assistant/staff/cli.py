"""The `staff` (accounts, roles and API tokens) and `console` (serve the staff console) commands."""
from __future__ import annotations

import argparse
import getpass
import re
import sys
from typing import Callable, List, Optional

from assistant.settings import Settings
from assistant.staff.accounts import ROLES

ROLES_HELP = "staff: handoff queue and conversations; editor: review queue and answers; admin: everything"
_USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


def _accounts(settings: Settings):
    """The staff accounts, with the database migrated first (every command does this)."""
    from assistant.staff.accounts import StaffAccounts
    from assistant.storage.db import make_engine, migrate

    migrate(settings.database_url)
    return StaffAccounts(make_engine(settings.database_url))


def _read_password(args: argparse.Namespace) -> Optional[str]:
    """From one line of stdin (--password-stdin) or typed twice at a hidden prompt; None when refused."""
    from assistant.staff.auth import password_problem

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("password: ")
        if getpass.getpass("password again: ") != password:
            print("error: the passwords differ", file=sys.stderr)
            return None
    problem = password_problem(password)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return None
    return password


def _run(command: Callable[[argparse.Namespace, object], int]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        from assistant.staff.accounts import AccountError

        accounts = _accounts(Settings.from_env())
        try:
            return command(args, accounts)
        except AccountError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        finally:
            accounts.engine.dispose()

    return run


def cmd_create(args: argparse.Namespace, accounts) -> int:
    from assistant.staff.auth import hash_password

    if not _USERNAME_RE.match(args.username):
        print("error: a username is 1-64 letters, digits, and . _ @ - (starting with a letter or digit)",
              file=sys.stderr)
        return 2
    name = args.name.strip()
    if not name or len(name) > 100:
        print("error: --name is 1-100 characters", file=sys.stderr)
        return 2
    if accounts.staff_by_username(args.username) is not None:
        print(f"error: user {args.username!r} already exists", file=sys.stderr)
        return 1
    password = _read_password(args)
    if password is None:
        return 2
    accounts.create_staff(args.username, name, hash_password(password), role=args.role)
    print(f"created {args.role} {args.username} ({name})")
    return 0


def cmd_list(args: argparse.Namespace, accounts) -> int:
    users = accounts.list_staff()
    if not users:
        print("no staff accounts yet: create one with `staff create USERNAME --name NAME --role admin`")
    for user in users:
        state = "active" if user.active else f"deactivated {user.deactivated_at:%Y-%m-%d}"
        print(f"{user.username}\t{user.role}\t{state}\t{user.display_name}")
    return 0


def cmd_deactivate(args: argparse.Namespace, accounts) -> int:
    accounts.set_active(args.username, False)
    print(f"deactivated {args.username}: its sessions ended and its API tokens were revoked")
    return 0


def cmd_activate(args: argparse.Namespace, accounts) -> int:
    accounts.set_active(args.username, True)
    print(f"activated {args.username}")
    return 0


def cmd_password(args: argparse.Namespace, accounts) -> int:
    from assistant.staff.auth import hash_password

    if accounts.staff_by_username(args.username) is None:
        print(f"error: no user {args.username!r}", file=sys.stderr)
        return 1
    password = _read_password(args)
    if password is None:
        return 2
    accounts.set_password(args.username, hash_password(password))
    print(f"password of {args.username} changed")
    return 0


def cmd_role(args: argparse.Namespace, accounts) -> int:
    accounts.set_role(args.username, args.role)
    print(f"{args.username} is now {args.role} (from the next page they open)")
    return 0


def cmd_token(args: argparse.Namespace, accounts) -> int:
    token = accounts.create_api_token(args.username, args.name)
    print(token)
    print(f"(API token {args.name!r} of {args.username}; it is shown only this once)", file=sys.stderr)
    return 0


def cmd_revoke_token(args: argparse.Namespace, accounts) -> int:
    count = accounts.revoke_api_tokens(args.username, args.name)
    print(f"revoked {count} API token(s) of {args.username}")
    return 0


def cmd_console(args: argparse.Namespace) -> int:
    from assistant.staff.app import serve

    print(f"staff console on http://{args.host}:{args.port}/staff/ (Ctrl-C stops)", flush=True)
    serve(Settings.from_env(), args.host, args.port)  # migrates the database first
    return 0


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    """Adds `staff ...` and `console` to a command's subparsers."""
    staff = subparsers.add_parser("staff", help="manage staff console accounts and API tokens")
    sub = staff.add_subparsers(dest="staff_command", required=True)
    create = sub.add_parser("create", help="create a staff account (the password is asked for)")
    create.add_argument("username")
    create.add_argument("--name", required=True, help="name shown in the console, e.g. 山田 花子")
    create.add_argument("--role", choices=ROLES, default="staff", help=ROLES_HELP)
    create.add_argument("--password-stdin", action="store_true", help="read the password from one line of stdin")
    create.set_defaults(func=_run(cmd_create))
    sub.add_parser("list", help="list staff accounts").set_defaults(func=_run(cmd_list))
    for name, func, text in (("deactivate", cmd_deactivate, "deactivate an account (ends its sessions and tokens)"),
                             ("activate", cmd_activate, "activate an account again")):
        command = sub.add_parser(name, help=text)
        command.add_argument("username")
        command.set_defaults(func=_run(func))
    role = sub.add_parser("role", help="change the role of an account")
    role.add_argument("username")
    role.add_argument("role", choices=ROLES, help=ROLES_HELP)
    role.set_defaults(func=_run(cmd_role))
    password = sub.add_parser("password", help="set a new password")
    password.add_argument("username")
    password.add_argument("--password-stdin", action="store_true", help="read the password from one line of stdin")
    password.set_defaults(func=_run(cmd_password))
    token = sub.add_parser("token", help="create an API token for the JSON API (printed once)")
    token.add_argument("username")
    token.add_argument("--name", required=True, help="what the token is for, e.g. desk-monitor")
    token.set_defaults(func=_run(cmd_token))
    revoke = sub.add_parser("revoke-token", help="revoke API tokens of a user (all, or those with --name)")
    revoke.add_argument("username")
    revoke.add_argument("--name")
    revoke.set_defaults(func=_run(cmd_revoke_token))
    console = subparsers.add_parser("console", help="serve the staff console (human handoff)")
    console.add_argument("--host", default="127.0.0.1")
    console.add_argument("--port", type=int, default=5080)
    console.set_defaults(func=cmd_console)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assistant.staff", description=__doc__)
    add_parsers(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)
