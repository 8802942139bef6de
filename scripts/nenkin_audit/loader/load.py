"""`load_inbox`: every new file of the inbox into the raw layer (then moved to `_loaded/`), or
into `_rejected/` with its reason, each offer recorded in the `raw.load_files` ledger.

Crash safety: a file's raw rows and its ledger row are committed in one DuckDB transaction, so a
run killed at any moment leaves each file either fully loaded and recorded, or not at all; the
next run simply carries on. A file is moved out of the inbox (to `_loaded/` or `_rejected/`) only
after its ledger row committed; a run that finds a file whose recorded move is still owed finishes
the move and adds no row. Any other file at the top of the inbox is a new offer and gets a row of
its own (a redelivery of loaded bytes is a `duplicate`), so every offer is recorded."""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import itertools
import os
import stat
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from ..clock import run_date as clock_run_date
from ..errors import UserError
from ..safe_text import printable
from ..spec import EXTRACTS
from .inbox import (
    FILE,
    LOADED_DIR,
    REASON_SUFFIX,
    REJECTED_DIR,
    SYMLINK,
    Offered,
    list_inbox,
    loaded_target,
    move_processed,
    move_rejected,
    rejected_target,
)
from .ledger import Ledger, LedgerRow
from .parse import FileRejected, ParsedFile, parse_extract
from .schema import SCHEMA, ensure_schema

Progress = Callable[[str], None]

_READ_AHEAD = 1  # files read and parsed ahead of the one being written


@dataclass
class FileResult:
    file_name: str
    # 'loaded' | 'duplicate' | 'rejected' (this run), or 'unchanged' (handled by an earlier run)
    status: str
    extract: str | None = None
    rows: int = 0
    # rejected: the reason code; duplicate: the name of the loaded file it duplicates
    reason_code: str | None = None
    message: str | None = None
    moved_to: str | None = None  # relative to the inbox
    seconds: float = 0.0


@dataclass
class LoadSummary:
    loaded: int = 0
    duplicate: int = 0
    rejected: int = 0
    unchanged: int = 0
    rows_loaded: int = 0
    seconds: float = 0.0
    files: list[FileResult] = field(default_factory=list)

    def add(self, result: FileResult) -> None:
        self.files.append(result)
        setattr(self, result.status, getattr(self, result.status) + 1)
        self.rows_loaded += result.rows

    def describe(self) -> str:
        rate = self.rows_loaded / self.seconds if self.seconds > 0 else 0.0
        return (
            f"load: {len(self.files)} file(s): {self.loaded} loaded ({self.rows_loaded:,} rows "
            f"in {self.seconds:.1f} s, {rate:,.0f} rows/s), {self.duplicate} duplicate, "
            f"{self.rejected} rejected, {self.unchanged} already processed"
        )


def load_inbox(
    inbox: Path,
    warehouse: Path | Callable[[], Any],
    *,
    progress: Progress | None = print,
    today: dt.date | None = None,
) -> LoadSummary:
    """Load every new file of `inbox` into the DuckDB file `warehouse` (created if missing), or
    through the connection another engine's factory returns (`postgres.loader`), and return what happened to each. Safe to run again on the same inbox at any time. `today` is
    the run clock (default: `clock.run_date()`): a file dated after it is rejected."""
    say: Progress = progress or (lambda _msg: None)
    today = today or clock_run_date()
    inbox = Path(inbox)
    if not inbox.is_dir():
        raise UserError(f"inbox {inbox} is not a folder: pass the folder the extracts arrive in")
    if isinstance(warehouse, (str, os.PathLike)):
        warehouse = Path(warehouse)
        warehouse.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    con = _connect(warehouse)
    summary = LoadSummary()
    try:
        _ensure_raw_schema(con)
        ledger = Ledger.read(con)
        offered = list_inbox(inbox)
        say(f"load: {len(offered)} file(s) in {inbox}")
        width = len(str(len(offered)))
        for i, prepared in enumerate(_prepared(offered, ledger), 1):
            if prepared.gone:
                say(
                    f"[{i:>{width}}/{len(offered)}] gone      {printable(prepared.item.name)}: "
                    "removed from the inbox during the run; it will be looked at when it is "
                    "offered again"
                )
                continue
            result = _handle(con, ledger, inbox, prepared, today)
            summary.add(result)
            summary.seconds = time.perf_counter() - started
            if result.status != "unchanged":
                say(f"[{i:>{width}}/{len(offered)}] {_describe(result)}")
    finally:
        con.close()
    summary.seconds = time.perf_counter() - started
    say(summary.describe())
    return summary


def _connect(warehouse: Path | Any) -> Any:
    if not isinstance(warehouse, Path):
        return warehouse()  # another engine: a factory of its loader connection (postgres.loader)
    try:
        con = duckdb.connect(str(warehouse))
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise UserError(
                f"the warehouse {warehouse} is in use by another process ({exc}); wait until "
                "it has finished (or close it) and run again"
            ) from None
        raise
    # Progress is reported per file through the callback, not by DuckDB's own bar.
    con.execute("set enable_progress_bar = false")
    return con


def _ensure_raw_schema(con: Any) -> None:
    if hasattr(con, "ensure_raw_schema"):  # PostgreSQL (postgres.loader)
        con.ensure_raw_schema()
    else:
        ensure_schema(con)


def _describe(r: FileResult) -> str:
    """One log line; names escaped so that no delivered name can break or forge a line."""
    name = printable(r.file_name)
    if r.status == "loaded":
        rate = r.rows / r.seconds if r.seconds > 0 else 0.0
        return f"loaded    {name}: {r.rows:,} rows in {r.seconds:.2f} s ({rate:,.0f} rows/s)"
    if r.status == "duplicate":
        return f"duplicate {name}: {r.message}"
    where = printable(r.moved_to) if r.moved_to else "kept in the inbox"
    return f"REJECTED  {name} → {where}: {r.reason_code}: {r.message}"


def _now() -> dt.datetime:
    return dt.datetime.now()


@dataclass
class _Prepared:
    """A file read, hashed and (when it will have to be) parsed, ahead of its turn."""

    item: Offered
    # None when the content was not read: the file disappeared (`gone`), or it is refused
    # unread (`outcome` holds why: a link, not a regular file, not readable).
    sha256: str | None
    outcome: ParsedFile | FileRejected | None = None
    seconds: float = 0.0
    gone: bool = False


def _needs_parsing(item: Offered, sha: str, ledger: Ledger) -> bool:
    # The ledger only grows during a run, so a file that needs no parsing now never will.
    return (
        item.parsed is not None
        and sha not in ledger.loaded_by_sha
        and item.name not in ledger.loaded_by_name
    )


_NOT_FOLLOWED = (
    "symlink",
    "it is a symbolic link; links in the inbox are not followed (what they point to is neither "
    "read nor loaded). The link is kept in _rejected/; ask the sender to deliver the file itself.",
)
_NOT_REGULAR = (
    "not_a_regular_file",
    "it is not a regular file (a pipe, socket or device); nothing was read from it. It is kept "
    "in _rejected/; deliver extracts as regular files.",
)


def _unreadable(exc: OSError) -> FileRejected:
    what = errno.errorcode.get(exc.errno or 0, "error")
    return FileRejected(
        "unreadable_file",
        f"the file cannot be read by this account ({what}: check its owner and permissions). "
        "Nothing of it was loaded; it is kept in _rejected/. Deliver it again readable by the "
        "service account.",
    )


def _read_offered(item: Offered) -> bytes | FileRejected:
    """The bytes of a regular file, read without following a link (O_NOFOLLOW, checked again on
    the open file: nothing swapped in between is read), or why it is refused unread."""
    if item.kind == SYMLINK:
        return FileRejected(*_NOT_FOLLOWED)
    if item.kind != FILE:
        return FileRejected(*_NOT_REGULAR)
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(item.path, flags)
    except FileNotFoundError:
        raise
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return FileRejected(*_NOT_FOLLOWED)
        return _unreadable(exc)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return FileRejected(*_NOT_REGULAR)
        chunks = []
        while chunk := os.read(fd, 1 << 24):
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError as exc:
        return _unreadable(exc)
    finally:
        os.close(fd)


def _prepare(item: Offered, ledger: Ledger) -> _Prepared:
    t0 = time.perf_counter()
    try:
        data = _read_offered(item)
    except FileNotFoundError:
        return _Prepared(item, None, gone=True)
    if isinstance(data, FileRejected):
        return _Prepared(item, None, data, time.perf_counter() - t0)
    sha = hashlib.sha256(data).hexdigest()
    outcome: ParsedFile | FileRejected | None = None
    if _needs_parsing(item, sha, ledger):
        assert item.parsed is not None
        try:
            outcome = parse_extract(data, EXTRACTS[item.parsed.extract].columns)
        except FileRejected as exc:
            outcome = exc
    return _Prepared(item, sha, outcome, time.perf_counter() - t0)


def _prepared(offered: list[Offered], ledger: Ledger) -> Iterator[_Prepared]:
    """The files in order, each read and parsed by a helper thread while the previous one is
    being written (DuckDB and polars release the GIL): at most two files are in memory."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="nenkin-audit-read") as pool:
        pending: deque[Future[_Prepared]] = deque()
        items = iter(offered)
        for item in itertools.islice(items, _READ_AHEAD):
            pending.append(pool.submit(_prepare, item, ledger))
        while pending:
            done = pending.popleft().result()
            nxt = next(items, None)
            if nxt is not None:
                pending.append(pool.submit(_prepare, nxt, ledger))
            yield done


def _handle(
    con: duckdb.DuckDBPyConnection,
    ledger: Ledger,
    inbox: Path,
    prepared: _Prepared,
    today: dt.date,
) -> FileResult:
    t0 = time.perf_counter() - prepared.seconds
    item = prepared.item
    sha = prepared.sha256  # None: refused unread (prepared.outcome says why)
    name = item.name
    fn = item.parsed
    extract = fn.extract if fn else None

    prior = ledger.latest_by_name_sha.get((name, sha))
    owed = prior is not None and _move_owed(inbox, prior)
    if prior is not None and owed and prior.status != "rejected":
        # Recorded as loaded (duplicate) but still here: a run stopped between its commit and
        # the move, or an earlier version that left processed files in the inbox. Finish the
        # move; the ledger already has the offer.
        target = prior.moved_to or loaded_target(inbox, name, ledger.moved_to)
        moved, _note = _move_processed(inbox, item, target)
        if moved and prior.moved_to is None:
            ledger.record_move(con, prior, moved)
        return FileResult(name, "unchanged", extract, reason_code=prior.status, moved_to=moved)
    if prior is not None and owed and prior.status == "rejected":
        # Recorded as rejected but still here: a run stopped between its commit and the move.
        # Finish the move; the ledger already has it.
        target = prior.moved_to
        if not target or not _free_or_ours(inbox, target, reason_text(prior, target)):
            target = rejected_target(inbox, name, ledger.moved_to)
        code, _, message = (prior.reason or "").partition(": ")
        moved, note = _move(inbox, item, target, reason_text(prior, target))
        return FileResult(
            name,
            "rejected",
            extract,
            reason_code=code,
            message=f"{message} (recorded earlier; {note})",
            moved_to=moved,
            seconds=time.perf_counter() - t0,
        )
    # Anything else at the top of the inbox is a new offer, and gets its own ledger row: the
    # same bytes delivered again (under any name) are a duplicate.

    base = {
        "file_name": name,
        "sha256": sha,
        "extract": extract,
        "extract_date": fn.extract_date if fn else None,
        "file_seq": fn.seq if fn else None,
    }

    original = ledger.loaded_by_sha.get(sha) if sha is not None else None
    if original is not None:
        target = loaded_target(inbox, name, ledger.moved_to)
        message = (
            f"same bytes as {printable(original.file_name)}, which is already loaded (sha256 "
            f"{sha[:12]}…); not loaded again, the file is kept as {printable(target)}"
        )
        row = LedgerRow(
            **base,
            encoding=original.encoding,
            data_rows=original.data_rows,
            loaded_rows=0,
            status="duplicate",
            reason=f"{original.file_name}: {message}",
            loaded_at=_now(),
            moved_to=target,
        )
        _commit(con, ledger, row)
        moved, note = _move_processed(inbox, item, target)
        return FileResult(
            name,
            "duplicate",
            extract,
            reason_code=original.file_name,
            message=message if moved else f"{message} ({note})",
            moved_to=moved,
            seconds=time.perf_counter() - t0,
        )

    try:
        if sha is None:
            assert isinstance(prepared.outcome, FileRejected)
            raise prepared.outcome
        if fn is None:
            raise FileRejected("bad_name", item.bad_name or "bad file name")
        if fn.extract_date > today:
            raise FileRejected(
                "future_date",
                f"the extract date {fn.extract_date:%Y-%m-%d} in the name is after the run date "
                f"{today:%Y-%m-%d}: no extract can describe a day that has not come. Nothing of "
                "the file was loaded; ask the sender to deliver it again with the real extract "
                "date.",
            )
        reused = ledger.loaded_by_name.get(name)
        if reused is not None:
            raise FileRejected(
                "name_reused",
                f"a different file named {printable(name)} is already loaded (sha256 "
                f"{reused.sha256[:12]}…, this one {sha[:12]}…). A correction must come as a new "
                "file with a higher sequence number, e.g. "
                f"{_next_free_name(fn.extract, fn.extract_date, fn.seq, ledger)}.",
            )
        outcome = prepared.outcome
        if outcome is None:  # not expected (see _needs_parsing), but never load unchecked
            again = _prepare(item, Ledger([]))
            if again.sha256 != sha:
                raise RuntimeError(f"{item.path} changed while it was being loaded; run again")
            outcome = again.outcome
        if isinstance(outcome, FileRejected):
            raise outcome
        assert outcome is not None
        parsed = outcome
    except FileRejected as rej:
        target = rejected_target(inbox, name, ledger.moved_to)
        row = LedgerRow(
            **base,
            encoding=rej.encoding,
            data_rows=rej.data_rows,
            loaded_rows=0,
            status="rejected",
            reason=f"{rej.code}: {rej.message}",
            loaded_at=_now(),
            moved_to=target,
        )
        _commit(con, ledger, row)
        moved, note = _move(inbox, item, target, reason_text(row, target))
        return FileResult(
            name,
            "rejected",
            extract,
            reason_code=rej.code,
            message=rej.message if moved else f"{rej.message} ({note})",
            moved_to=moved,
            seconds=time.perf_counter() - t0,
        )

    assert fn is not None
    target = loaded_target(inbox, name, ledger.moved_to)
    row = LedgerRow(
        **base,
        encoding=parsed.encoding,
        data_rows=parsed.data_rows,
        loaded_rows=parsed.frame.height,
        status="loaded",
        reason=None,
        loaded_at=_now(),
        moved_to=target,
    )
    _commit(con, ledger, row, parsed)
    moved, note = _move_processed(inbox, item, target)
    return FileResult(
        name,
        "loaded",
        extract,
        rows=parsed.frame.height,
        message=None if moved else note,
        moved_to=moved,
        seconds=time.perf_counter() - t0,
    )


def _move_owed(inbox: Path, prior: LedgerRow) -> bool:
    """Whether a file found again at the top of the inbox, with the name and bytes of a recorded
    one, is that same offer, whose move a stopped run (or an earlier version, which left loaded
    files in the inbox) left undone: recorded without a place, or its recorded place under
    `_loaded/` / `_rejected/` is still empty. Once that place holds the file, a file found here
    is a new delivery and gets its own ledger row."""
    return prior.moved_to is None or not os.path.lexists(inbox / prior.moved_to)


def _move_processed(inbox: Path, item: Offered, target: str) -> tuple[str | None, str]:
    """Move a loaded or duplicate file to `_loaded/`: (where it went, a note). A move that fails
    does not stop the run: the ledger row is committed, the next run finishes the move."""
    try:
        move_processed(inbox, item.path, target)
    except OSError as exc:
        what = errno.errorcode.get(exc.errno or 0, type(exc).__name__)
        return None, f"it could not be moved to {LOADED_DIR}/ ({what}) and stays in the inbox"
    return target, "moved"


def _free_or_ours(inbox: Path, target: str, text: str) -> bool:
    """Whether a recorded target can still take its file: nothing there, and its reason file
    either missing or exactly the one a stopped run wrote (never anything else kept there)."""
    if os.path.lexists(inbox / target):
        return False
    reason = inbox / (target + REASON_SUFFIX)
    if not os.path.lexists(reason):
        return True
    if reason.is_symlink():
        return False
    try:
        return reason.read_text(encoding="utf-8") == text
    except (OSError, UnicodeDecodeError):
        return False


def _move(inbox: Path, item: Offered, target: str, text: str) -> tuple[str | None, str]:
    """Move a rejected file aside: (where it went, a note). A move that fails (e.g. an inbox
    this account may not write to) does not stop the run: the ledger row is committed, the file
    stays where it is and the next run tries again."""
    try:
        move_rejected(inbox, item.path, target, text)
    except OSError as exc:
        what = errno.errorcode.get(exc.errno or 0, type(exc).__name__)
        return None, f"it could not be moved to {REJECTED_DIR}/ ({what}) and stays in the inbox"
    return target, "the move is now done"


def _commit(
    con: duckdb.DuckDBPyConnection,
    ledger: Ledger,
    row: LedgerRow,
    parsed: ParsedFile | None = None,
) -> None:
    """The file's raw rows (if any) and its ledger row, in one transaction."""
    con.execute("begin")
    try:
        if parsed is not None and parsed.frame.height:
            assert row.extract is not None
            _insert_rows(con, row, parsed)
        ledger.insert(con, row)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    ledger.committed(row)


def _insert_rows(con: duckdb.DuckDBPyConnection, row: LedgerRow, parsed: ParsedFile) -> None:
    assert row.extract is not None
    if hasattr(con, "copy_rows"):  # PostgreSQL: COPY FROM STDIN (postgres.loader)
        con.copy_rows(row, parsed.frame)
        return
    columns = EXTRACTS[row.extract].columns
    quoted = ", ".join(f'"{c}"' for c in columns)
    view = "_nenkin_audit_incoming"
    con.register(view, parsed.frame)
    try:
        con.execute(
            f'insert into {SCHEMA}."{row.extract}" '
            f"({quoted}, _file_name, _line_no, _record_no, _extract_date, _file_seq) "
            f"select {quoted}, $file_name, _line_no, _record_no, "
            f"cast($extract_date as date), cast($file_seq as integer) from {view}",
            {
                "file_name": row.file_name,
                "extract_date": row.extract_date,
                "file_seq": row.file_seq,
            },
        )
    finally:
        con.unregister(view)


def _next_free_name(extract: str, date: dt.date, seq: int, ledger: Ledger) -> str:
    names = {name for name, _ in ledger.by_name_sha}
    for k in range(seq + 1, 1000):
        candidate = f"{extract}_{date:%Y%m%d}_{k:03d}.csv"
        if candidate not in names:
            return candidate
    return f"{extract}_{date:%Y%m%d}_<higher sequence>.csv"


def reason_text(row: LedgerRow, target: str) -> str:
    """The `<name>.reason.txt` written beside a rejected file (deterministic: from the ledger)."""
    code, _, message = (row.reason or "").partition(": ")
    return (
        "nenkin-audit loader: this file was REJECTED and nothing of it was loaded.\n"
        "\n"
        f"file:      {printable(row.file_name)}\n"
        f"sha256:    {row.sha256}\n"
        f"rejected:  {row.loaded_at:%Y-%m-%d %H:%M:%S}\n"
        f"kept as:   {printable(target)}\n"
        f"reason:    {code}\n"
        f"details:   {message}\n"
        "\n"
        f"The same record is in the warehouse ledger {SCHEMA}.load_files. Files in "
        f"{REJECTED_DIR}/ are kept, never deleted;\n"
        f"once the sender has delivered a corrected file this file and its {REASON_SUFFIX} may "
        "be archived.\n"
    )
