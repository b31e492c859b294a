"""``python -m pingan_common.devstack <command>``: the local stack's command line.

run      start everything in the foreground; Ctrl-C stops it
up       the same in the background; returns when every service is ready
down     stop the background stack
status   which components answer
logs     follow every log under .run/logs
token    print a bearer token for a demo user: token --role operator [--area CODE]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

from pingan_common.devstack import commands
from pingan_common.devstack.config import AUDIENCE, HOST, ISSUER_PORT, ISSUER_URL, StackConfig
from pingan_common.devstack.paths import RunPaths
from pingan_common.devstack.status import status

if TYPE_CHECKING:
    from pingan_common.refdata import StaffMember

ROLES = (
    "operator",
    "dispatcher",
    "handler",
    "grid_worker",
    "mediator",
    "analyst",
    "leader",
    "admin",
)


def _roles() -> list[str]:
    try:
        from pingan_common.auth.principal import Role
    except ImportError:
        return list(ROLES)
    return [role.value for role in Role]


class DemoUserFields(TypedDict):
    username: str
    name: str
    role: str
    area_code: str
    unit_code: str | None


def demo_user(staff: StaffMember) -> DemoUserFields:
    """The issuer's user fields from a refdata staff member (its name is ``display_name``)."""
    return {
        "username": staff.username,
        "name": staff.display_name,
        "role": staff.role,
        "area_code": staff.area_code,
        "unit_code": staff.unit_code,
    }


def cmd_logs(paths: RunPaths) -> int:
    logs = sorted(str(p) for p in paths.logs.glob("*.log")) if paths.logs.is_dir() else []
    if not logs:
        print(f"no logs in {paths.logs} yet (make up / make run)", file=sys.stderr)
        return 1
    os.execvp("tail", ["tail", "-n", "20", "-F", *logs])
    return 0  # not reached


def cmd_token(paths: RunPaths, role: str, area: str | None, username: str | None) -> int:
    from pingan_common.auth.dev_issuer import ensure_keys, issue_token
    from pingan_common.refdata import load_county

    county = load_county()
    if username:
        matches = [s for s in county.staff if s.username == username]
        if not matches:
            print(f"error: no demo user {username!r} in the reference data", file=sys.stderr)
            return 2
        user = demo_user(matches[0])
    elif area:
        matches = [s for s in county.staff if s.role == role and s.area_code == area]
        user = (
            demo_user(matches[0])
            if matches
            else {
                "username": f"{role}@{area}",
                "name": f"{role}@{area}",
                "role": role,
                "area_code": area,
                "unit_code": None,
            }
        )
    else:
        try:
            user = demo_user(county.default_user(role))
        except (KeyError, LookupError, ValueError) as exc:
            print(f"error: no demo user with role {role!r}: {exc}", file=sys.stderr)
            return 2
    ensure_keys(paths.keys)
    token = issue_token(
        paths.keys,
        subject=user["username"],
        name=user["name"],
        roles=[role],
        area=user["area_code"],
        unit=user.get("unit_code"),
        issuer=StackConfig.from_env(paths).issuer_url,
        audience=AUDIENCE,
    )
    print(
        f"# {role} {user['name']} ({user['username']}), area {user['area_code']}",
        file=sys.stderr,
    )
    print(token, flush=True)
    return 0


def cmd_issuer(keys_dir: Path, host: str, port: int, issuer_url: str = ISSUER_URL) -> int:
    """Serve the dev token issuer (run by the stack as a child process)."""
    from pingan_common.auth.dev_issuer import create_issuer_app, ensure_keys
    from pingan_common.refdata import load_county
    from pingan_common.serving import serve

    ensure_keys(keys_dir)
    users = [demo_user(s) for s in load_county().staff]
    app = create_issuer_app(keys_dir, users, issuer=issuer_url)
    serve(app, host=host, port=port, log_level="info")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pingan_common.devstack",
        description="Pingan's local stack: PostgreSQL, Tansu, the token issuer and the services.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p_run = sub.add_parser("run", help="start everything in the foreground (Ctrl-C stops)")
    p_run.add_argument("--no-echo", action="store_true", help="don't echo service output")
    sub.add_parser("up", help="start everything in the background and wait until ready")
    sub.add_parser("down", help="stop the background stack")
    sub.add_parser("status", help="which components are up")
    sub.add_parser("logs", help="follow all logs (tail -F .run/logs/*.log)")
    p_token = sub.add_parser("token", help="print a bearer token for a demo user")
    p_token.add_argument("--role", required=True, choices=_roles())
    p_token.add_argument("--area", help="area code (default: the role's demo user's area)")
    p_token.add_argument("--user", help="a demo user's username")
    p_issuer = sub.add_parser("issuer")  # internal: the stack's token issuer process
    p_issuer.add_argument("--keys-dir", type=Path, required=True)
    p_issuer.add_argument("--host", default=HOST)
    p_issuer.add_argument("--port", type=int, default=ISSUER_PORT)
    p_issuer.add_argument("--issuer-url", default=ISSUER_URL)
    args = parser.parse_args(argv)

    paths = RunPaths.discover()
    if args.command == "run":
        return commands.run(paths, echo=not args.no_echo)
    if args.command == "up":
        return commands.up(paths)
    if args.command == "down":
        return commands.down(paths)
    if args.command == "status":
        return status(paths)
    if args.command == "logs":
        return cmd_logs(paths)
    if args.command == "token":
        return cmd_token(paths, args.role, args.area, args.user)
    if args.command == "issuer":
        return cmd_issuer(args.keys_dir, args.host, args.port, args.issuer_url)
    parser.error(f"unknown command {args.command}")
    return 2


if __name__ == "__main__":
    sys.exit(main())
