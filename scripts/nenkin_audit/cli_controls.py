"""The controls' subcommands of `nenkin-audit` (registered by cli.py): `report` (the PIA
self-check report as HTML and PDF) and `investigate` (the security role's logged investigation
queries)."""

from __future__ import annotations

import argparse
from pathlib import Path

from .home import Home

COMMANDS = ("report", "investigate")


def add_parsers(sub, add_home) -> None:
    r = sub.add_parser(
        "report",
        help="the PIA self-check (自己点検) report for a period, as FILE.html and FILE.pdf",
    )
    r.add_argument("--from", dest="date_from", required=True, help="first day (YYYY-MM-DD)")
    r.add_argument("--to", dest="date_to", required=True, help="last day (YYYY-MM-DD)")
    r.add_argument(
        "--out",
        required=True,
        type=Path,
        help="report file name; FILE.html and FILE.pdf are written (a .html/.pdf suffix is dropped)",
    )
    add_home(r)

    i = sub.add_parser(
        "investigate",
        help="security role: run an investigation query of analyses/ on the published mart "
        "(logged to logs/investigations.jsonl)",
    )
    i.add_argument(
        "name",
        nargs="?",
        help="the query (a file analyses/investigate_NAME.sql); omit it with --list",
    )
    i.add_argument("--list", action="store_true", help="list the queries and their parameters")
    i.add_argument(
        "--param", action="append", default=[], metavar="K=V", help="a query parameter (repeat)"
    )
    i.add_argument("--user", help="your dashboard user name (role reviewer: 情報セキュリティ担当)")
    i.add_argument("--reason", help="why (case / request number); logged with the run")
    i.add_argument("--out", type=Path, help="write the rows to this CSV file instead of printing")
    add_home(i)


def dispatch(args: argparse.Namespace) -> int:
    home = Home.resolve(args.home)
    if args.command == "report":
        from .report import main as report_main

        return report_main(home, args.date_from, args.date_to, args.out)
    from .investigate import main as investigate_main

    return investigate_main(
        home,
        args.name,
        params=args.param,
        user=args.user,
        reason=args.reason,
        out=args.out,
        list_only=args.list,
    )
