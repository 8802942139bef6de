"""A generated city cut before its last day, for the tests that compare a daily (incremental) run
with a full rebuild of the whole inbox (tests/test_incremental.py on DuckDB,
tests/test_postgres_daily.py on PostgreSQL).

The daily inbox holds every file dated before the city's last day of access log (and the undated
names, which the loader rejects); the files of the last day are kept aside until the daily run
brings them. The full inbox is a copy of the whole city.

One line is added to the access log of the day before the cut (in both inboxes): stamped on the
cut day, so a first run whose clock stands on the day before (`first_run_env`) rejects it as
lying in the future, and the daily run, whose clock has moved on, must judge it again and stage
it exactly as the full rebuild does.

The daily run also brings a late file of an earlier extract date (`repeating_file`) that delivers
again one line of a later day before the cut, log_id and all. Under the earlier date it is now the
first delivery, and the line already built under the later date must become the quarantined
repeat (`duplicate_key`), exactly as the full rebuild judges it."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .conftest import REPO

CLI = str(Path(sys.executable).with_name("nenkin-audit"))
RUN_DATE = "2026-11-30"
DATED = re.compile(r"_(\d{8})_\d+\.")


def extract_day(name: str) -> str | None:
    """The YYYYMMDD of a dated file name, else None."""
    m = DATED.search(name)
    return m.group(1) if m else None


def cut_day(inbox: Path) -> str:
    """The last day of the access log: the day a daily run brings."""
    return max(d for p in inbox.glob("access_log_*") if (d := extract_day(p.name)))


def private(path: Path) -> Path:
    """A folder only its owner can read (homes and key folders)."""
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


@dataclass
class DailyCity:
    root: Path
    key_file: Path
    cut: str
    #: the last day's files, kept aside until the daily run
    later: list[Path]
    daily_inbox: Path
    full_inbox: Path
    #: the late file of an earlier date, delivered with the last day, and the log_id it repeats
    repeating_file: Path
    repeated_log_id: str

    @property
    def first_run_env(self) -> dict[str, str]:
        """The clock of the first run of the daily home: the day before the cut."""
        day = dt.datetime.strptime(self.cut, "%Y%m%d").date() - dt.timedelta(days=1)
        return {"NENKIN_AUDIT_RUN_DATE": day.isoformat()}

    def deliver_the_last_day(self) -> None:
        assert self.later, "the generated city has no files on its last day"
        for path in self.later:
            shutil.copy2(path, self.daily_inbox / path.name)


def cut_city(root: Path, key_file: Path, **generate: object) -> DailyCity:
    """Generate a city under `root` (generate_city's keyword arguments) and cut it."""
    from nenkin_audit.generate import generate_city

    whole = root / "whole"
    generate_city(whole, progress=None, **generate)
    cut = cut_day(whole)
    _add_a_line_stamped_on(whole, cut)
    repeating, repeated_log_id = _add_a_late_file_repeating_a_line(whole, cut)
    daily_inbox = root / "daily" / "inbox"
    daily_inbox.mkdir(parents=True)
    later = []
    for path in sorted(whole.iterdir()):
        if path.is_file():
            day = extract_day(path.name)
            if (day is not None and day >= cut) or path == repeating:
                later.append(path)
            else:
                shutil.copy2(path, daily_inbox / path.name)
    full_inbox = root / "full" / "inbox"
    shutil.copytree(whole, full_inbox)
    return DailyCity(
        root, key_file, cut, later, daily_inbox, full_inbox, repeating, repeated_log_id
    )


def _command(inbox: Path, home: Path, extra: tuple[str, ...]) -> list[str]:
    return [CLI, "run", "--inbox", str(inbox), "--home", str(home), *extra]


def _env(key_file: Path, env: dict[str, str] | None) -> dict[str, str]:
    return {
        **os.environ,
        "NENKIN_AUDIT_KEY_FILE": str(key_file),
        "NENKIN_AUDIT_RUN_DATE": RUN_DATE,
        **(env or {}),
    }


def run(
    inbox: Path,
    home: Path,
    key_file: Path,
    *extra: str,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess:
    """`nenkin-audit run` as the nightly job runs it; asserts that it succeeded."""
    proc = subprocess.run(
        _command(inbox, home, extra),
        capture_output=True,
        text=True,
        env=_env(key_file, env),
        cwd=REPO,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    return proc


def start(
    inbox: Path,
    home: Path,
    key_file: Path,
    *extra: str,
    log: Path,
    env: dict[str, str] | None = None,
    new_session: bool = False,
) -> subprocess.Popen:
    """The same run started in the background, its stdout and stderr going to `log`;
    `new_session`: in a process group of its own (to kill it with its dbt)."""
    with open(log, "ab") as out:
        return subprocess.Popen(
            _command(inbox, home, extra),
            stdout=out,
            stderr=subprocess.STDOUT,
            env=_env(key_file, env),
            cwd=REPO,
            start_new_session=new_session,
        )


#: what a run says about how it builds (incremental.build_mode)
FIRST_BUILD = "full rebuild: no complete build recorded"
INCREMENTAL = "incremental: only the new extract dates are added"
FULL_REFRESH = "full rebuild requested (--full-refresh)"


def _access_logs_before(inbox: Path, cut: str) -> list[Path]:
    """The access-log files dated before `cut`, in name (date, sequence) order."""
    return sorted(p for p in inbox.glob("access_log_*") if (extract_day(p.name) or cut) < cut)


def _records(path: Path) -> tuple[list[str], list[list[str]], list[str]]:
    """An extract's header, its records and its raw lines (CP932, CRLF, trailer last)."""
    lines = path.read_bytes().decode("cp932").split("\r\n")
    assert lines[-2].startswith("TRAILER,") and lines[-1] == "", path
    return lines[0].split(","), [next(csv.reader([line])) for line in lines[1:-2]], lines


def _write_extract(path: Path, header_line: str, body: list[str]) -> None:
    text = "\r\n".join([header_line, *body, f"TRAILER,{len(body)}", ""])
    path.write_bytes(text.encode("cp932"))


def _csv_line(values: list[str]) -> str:
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerow(values)
    return out.getvalue().removesuffix("\r\n")


def _add_a_late_file_repeating_a_line(inbox: Path, cut: str) -> tuple[Path, str]:
    """A new file (next sequence) of the access log's third newest date before `cut`, holding
    the first line with a subject of the second newest date; returns it and the log_id. Not the
    newest date: the daily run rebuilds that one anyway, for its line stamped on the cut day."""
    before = _access_logs_before(inbox, cut)
    days = sorted({extract_day(p.name) for p in before})
    repeated = [p for p in before if extract_day(p.name) == days[-2]][-1]
    earlier = [p for p in before if extract_day(p.name) == days[-3]][-1]
    header, records, lines = _records(repeated)
    line = next(r for r in records if r[header.index("atena_no")])
    seq = int(earlier.name.rsplit("_", 1)[1].split(".")[0]) + 1
    path = inbox / f"access_log_{days[-3]}_{seq:03d}.csv"
    _write_extract(path, lines[0], [_csv_line(line)])
    return path, line[header.index("log_id")]


def _add_a_line_stamped_on(inbox: Path, cut: str) -> None:
    """A copy of the last line with a subject in the access log of the newest day before `cut`,
    with a log_id of its own and stamped 10:00 on the cut day; the trailer counts it."""
    path = _access_logs_before(inbox, cut)[-1]
    header, records, lines = _records(path)
    subject = next(r for r in reversed(records) if r[header.index("atena_no")])
    late = dict(zip(header, subject, strict=True))
    late["log_id"] = f"{cut}9999999"
    late["accessed_at"] = f"{cut[:4]}-{cut[4:6]}-{cut[6:]} 10:00:00"
    _write_extract(path, lines[0], [*lines[1:-2], _csv_line([late[c] for c in header])])
