"""The `nenkin-audit` command (docs/published-contract.md §1)."""

from __future__ import annotations

import argparse
import errno
import os
import sys
from pathlib import Path

from . import cli_controls
from .errors import UserError
from .exit_codes import BUSY, OUTCOMES, STALE_STOP
from .generate.profiles import PROFILES
from .home import Home


def _add_home(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--home",
        help="warehouse home folder (default: $NENKIN_AUDIT_HOME, else ./nenkin-home)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nenkin-audit",
        description="Governed, pseudonymised warehouse and audit analytics for 国民年金 office work.",
        epilog="Exit codes of `run`: " + "; ".join(f"{c} {o}" for c, o in OUTCOMES.items()),
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {_version()}", help="show the version"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    g = sub.add_parser("generate", help="write a synthetic city's extracts into a folder")
    g.add_argument("--out", required=True, type=Path, help="inbox folder to write the extracts to")
    g.add_argument("--persons", type=int, default=5000, help="宛名 records (default 5000)")
    g.add_argument("--days", type=int, default=60, help="working days of activity (default 60)")
    g.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    g.add_argument("--misuse", action="store_true", help="inject labelled misuse episodes")
    g.add_argument("--bad-input", action="store_true", help="inject labelled bad files and rows")
    g.add_argument(
        "--profile",
        default="standard",
        choices=sorted(PROFILES),
        help="office practice of the city (default standard): "
        + "; ".join(f"{k}: {p.description}" for k, p in PROFILES.items()),
    )
    g.add_argument(
        "--staff",
        type=int,
        default=None,
        help="staff accounts at the start (default: one per 3,500 宛名, at least 20)",
    )

    r = sub.add_parser("run", help="load new files, build and test the warehouse, publish the mart")
    r.add_argument("--inbox", required=True, type=Path, help="folder the extracts are delivered to")
    r.add_argument(
        "--target",
        choices=["duckdb", "postgres"],
        default="duckdb",
        help="warehouse engine (default duckdb, the embedded file in the home)",
    )
    r.add_argument(
        "--full-refresh",
        action="store_true",
        help="rebuild every table from the raw layer instead of adding only the new days "
        "(done automatically after a change of the dbt project)",
    )
    _add_home(r)
    r.add_argument(
        "--wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="when another run of the same home is under way, wait up to this long for it "
        f"(default 0: end at once with exit code {BUSY})",
    )
    r.add_argument(
        "--stale",
        choices=["warn", "stop"],
        default="warn",
        help="what a source that has not delivered within its expected cadence does: warn "
        f"(default; reported in the summary) or stop (nothing is built, exit code {STALE_STOP})",
    )

    d = sub.add_parser("demo", help="generate a small city into the home and run it")
    d.add_argument("--persons", type=int, default=5000, help="宛名 records (default 5000)")
    d.add_argument("--days", type=int, default=60, help="working days of activity (default 60)")
    d.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    _add_home(d)

    s = sub.add_parser("serve", help="start the Streamlit dashboards on the published mart")
    s.add_argument(
        "--address",
        help="address to listen on (default 127.0.0.1, this machine only; or set "
        "STREAMLIT_SERVER_ADDRESS). Exposing the dashboards is an explicit choice.",
    )
    _add_home(s)

    u = sub.add_parser(
        "user", help="manage dashboard users (credentials file outside the repository)"
    )
    usub = u.add_subparsers(dest="user_action", required=True)
    ua = usub.add_parser(
        "add", help="add a user; the password is read twice from standard input, never argv"
    )
    ua.add_argument("name", help="login name (lower-case letters, digits, . _ -)")
    ua.add_argument(
        "--role",
        required=True,
        choices=["manager", "reviewer", "auditor"],
        help="the pages the user may open (manager, reviewer or auditor)",
    )
    _add_home(ua)
    ur = usub.add_parser("remove", help="remove a user")
    ur.add_argument("name", help="login name of the user to remove")
    _add_home(ur)
    ul = usub.add_parser("list", help="list the users and their roles")
    _add_home(ul)

    i = sub.add_parser(
        "reidentify",
        help="key holders only: the 宛名番号 behind a pseudonym (logged to logs/reidentify.log)",
    )
    i.add_argument("--pid", required=True, help="the pseudonym, e.g. person_pid from the mart")
    i.add_argument("--reason", required=True, help="why (case / request number); audited")
    _add_home(i)

    k = sub.add_parser("key", help="pseudonym key management: make a key, re-key review notes")
    ksub = k.add_subparsers(dest="key_action", required=True)
    kn = ksub.add_parser(
        "new", help="write a fresh random key to a file (owner-only; the key is never printed)"
    )
    kn.add_argument("--out", required=True, type=Path, help="key file to create (mode 0600)")
    kn.add_argument(
        "--key-id",
        help="the key id that prefixes every pseudonym (default k<YYYYMMDD>-<4 hex>)",
    )
    kn.add_argument(
        "--force", action="store_true", help="replace an existing file (its key is lost)"
    )
    kr = ksub.add_parser(
        "rotate-reviews",
        help="after the full rebuild with a new key: rewrite the old key's pseudonyms kept in "
        "review decisions to the new key's",
    )
    kr.add_argument("--old-key", required=True, type=Path, help="the retired key file")
    kr.add_argument(
        "--new-key", required=True, type=Path, help="the key the warehouse is now built with"
    )
    _add_home(kr)

    cli_controls.add_parsers(sub, _add_home)

    b = sub.add_parser("dbt", help="run a dbt command against the home (maintainers)")
    _add_home(b)
    b.add_argument("dbt_args", nargs=argparse.REMAINDER, help="e.g. build --select staging")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command != "generate":
        os.umask(0o077)  # whatever the home gets written is owner-only
    try:
        if args.command == "generate":
            from .generate import generate_city

            generate_city(
                args.out,
                persons=args.persons,
                days=args.days,
                seed=args.seed,
                misuse=args.misuse,
                bad_input=args.bad_input,
                profile=args.profile,
                staff=args.staff,
            )
            return 0
        if args.command == "run":
            from .pipeline import run

            return run(
                args.inbox,
                Home.resolve(args.home),
                target=args.target,
                wait=args.wait,
                stale=args.stale,
                full_refresh=args.full_refresh,
            )
        if args.command == "demo":
            from .pipeline import demo

            return demo(
                Home.resolve(args.home), persons=args.persons, days=args.days, seed=args.seed
            )
        if args.command == "serve":
            from .serve import serve

            return serve(Home.resolve(args.home), address=args.address)
        if args.command == "user":
            from .users import main as users_main

            return users_main(
                Home.resolve(args.home),
                args.user_action,
                getattr(args, "name", None),
                getattr(args, "role", None),
            )
        if args.command == "reidentify":
            from .reidentify import main as reidentify_main

            return reidentify_main(Home.resolve(args.home), args.pid, args.reason)
        if args.command == "key":
            return _key(args)
        if args.command in cli_controls.COMMANDS:
            return cli_controls.dispatch(args)
        if args.command == "dbt":
            from .dbt_build import run_dbt
            from .keys import resolve_key_file

            home = Home.resolve(args.home)
            dbt_args = [a for a in args.dbt_args if a != "--"]
            return 0 if run_dbt(home, dbt_args, key_file=resolve_key_file(home)) else 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        if not _disk_full(exc):
            raise
        print(
            f"error: the disk is full ({type(exc).__name__}): nothing was published, the "
            "previously published mart is unchanged. Free space and run again; the next run "
            "carries on from where this one stopped.",
            file=sys.stderr,
        )
        return 1
    return 2


def _key(args: argparse.Namespace) -> int:
    from .keys import KEY_FILE_ENV, new_key_file

    if args.key_action == "new":
        key_id = new_key_file(args.out, key_id=args.key_id, force=args.force)
        print(
            f"wrote a new pseudonym key (key id {key_id}) to {args.out}, owner-only (0600). "
            f"Use it with {KEY_FILE_ENV}={args.out}; see the README on rotating a key."
        )
        return 0
    from .rekey_reviews import main as rekey_main

    return rekey_main(Home.resolve(args.home), args.old_key, args.new_key)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("nenkin-audit")
    except PackageNotFoundError:
        from . import __version__

        return __version__


def _disk_full(exc: BaseException) -> bool:
    """No space left (an OSError from Python, or DuckDB's IOException, which carries only text)."""
    return getattr(exc, "errno", None) == errno.ENOSPC or "No space left on device" in str(exc)


if __name__ == "__main__":
    sys.exit(main())
