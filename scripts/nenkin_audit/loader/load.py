"""`load_inbox`: every new file of the inbox into the raw layer, or into `_rejected/` with its
reason, each recorded in the `raw.load_files` ledger.

Crash safety: a file's raw rows and its ledger row are committed in one DuckDB transaction, so a
run killed at any moment leaves each file either fully loaded and recorded, or not at all; the
next run simply carries on. A rejected file is moved aside only after its ledger row committed; a
run that finds a file the ledger says was rejected still in the inbox finishes the move."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ..errors import UserError
from ..spec import EXTRACTS
from .inbox import REASON_SUFFIX, REJECTED_DIR, Offered, list_inbox, move_rejected, rejected_target
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
    warehouse: Path,
    *,
    progress: Progress | None = print,
) -> LoadSummary:
    """Load every new file of `inbox` into the DuckDB file `warehouse` (created if missing) and
    return what happened to each. Safe to run again on the same inbox at any time."""
    say: Progress = progress or (lambda _msg: None)
    inbox = Path(inbox)
    if not inbox.is_dir():
        raise UserError(f"inbox {inbox} is not a folder: pass the folder the extracts arrive in")
    warehouse = Path(warehouse)
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    con = _connect(warehouse)
    summary = LoadSummary()
    try:
        ensure_schema(con)
        ledger = Ledger.read(con)
        offered = list_inbox(inbox)
        say(f"load: {len(offered)} file(s) in {inbox}")
        width = len(str(len(offered)))
        for i, prepared in enumerate(_prepared(offered, ledger), 1):
            if prepared.sha256 is None:
                say(
                    f"[{i:>{width}}/{len(offered)}] gone      {prepared.item.name}: removed from "
                    "the inbox during the run; it will be looked at when it is offered again"
                )
                continue
            result = _handle(con, ledger, inbox, prepared)
            summary.add(result)
            summary.seconds = time.perf_counter() - started
            if result.status != "unchanged":
                say(f"[{i:>{width}}/{len(offered)}] {_describe(result)}")
    finally:
        con.close()
    summary.seconds = time.perf_counter() - started
    say(summary.describe())
    return summary


def _connect(warehouse: Path) -> duckdb.DuckDBPyConnection:
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


def _describe(r: FileResult) -> str:
    if r.status == "loaded":
        rate = r.rows / r.seconds if r.seconds > 0 else 0.0
        return f"loaded    {r.file_name}: {r.rows:,} rows in {r.seconds:.2f} s ({rate:,.0f} rows/s)"
    if r.status == "duplicate":
        return f"duplicate {r.file_name}: {r.message}"
    return f"REJECTED  {r.file_name} → {r.moved_to}: {r.reason_code}: {r.message}"


def _now() -> dt.datetime:
    return dt.datetime.now()


@dataclass
class _Prepared:
    """A file read, hashed and (when it will have to be) parsed, ahead of its turn."""

    item: Offered
    sha256: str | None  # None: the file disappeared before it could be read
    outcome: ParsedFile | FileRejected | None = None
    seconds: float = 0.0


def _needs_parsing(item: Offered, sha: str, ledger: Ledger) -> bool:
    # The ledger only grows during a run, so a file that needs no parsing now never will.
    return (
        item.parsed is not None
        and (item.name, sha) not in ledger.by_name_sha
        and sha not in ledger.loaded_by_sha
        and item.name not in ledger.loaded_by_name
    )


def _prepare(item: Offered, ledger: Ledger) -> _Prepared:
    t0 = time.perf_counter()
    try:
        data = item.path.read_bytes()
    except FileNotFoundError:
        return _Prepared(item, None)
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
    con: duckdb.DuckDBPyConnection, ledger: Ledger, inbox: Path, prepared: _Prepared
) -> FileResult:
    t0 = time.perf_counter() - prepared.seconds
    item = prepared.item
    sha = prepared.sha256
    assert sha is not None
    name = item.name
    fn = item.parsed
    extract = fn.extract if fn else None

    prior = ledger.by_name_sha.get((name, sha))
    if prior is not None:
        if prior.status != "rejected":
            return FileResult(name, "unchanged", extract, reason_code=prior.status)
        # Recorded as rejected but still here: a run stopped between its commit and the move,
        # or the same file was offered again. Finish the move; the ledger already has it.
        target = prior.moved_to
        if not target or (inbox / target).exists():
            target = rejected_target(inbox, name, ledger.moved_to)
        move_rejected(inbox, name, target, reason_text(prior, target))
        code, _, message = (prior.reason or "").partition(": ")
        return FileResult(
            name,
            "rejected",
            extract,
            reason_code=code,
            message=f"{message} (recorded earlier; the move is now done)",
            moved_to=target,
            seconds=time.perf_counter() - t0,
        )

    base = {
        "file_name": name,
        "sha256": sha,
        "extract": extract,
        "extract_date": fn.extract_date if fn else None,
        "file_seq": fn.seq if fn else None,
    }

    original = ledger.loaded_by_sha.get(sha)
    if original is not None:
        message = (
            f"same bytes as {original.file_name}, which is already loaded (sha256 "
            f"{sha[:12]}…); not loaded again, the file is left in the inbox"
        )
        row = LedgerRow(
            **base,
            encoding=original.encoding,
            data_rows=original.data_rows,
            loaded_rows=0,
            status="duplicate",
            reason=f"{original.file_name}: {message}",
            loaded_at=_now(),
            moved_to=None,
        )
        _commit(con, ledger, row)
        return FileResult(
            name,
            "duplicate",
            extract,
            reason_code=original.file_name,
            message=message,
            seconds=time.perf_counter() - t0,
        )

    try:
        if fn is None:
            raise FileRejected("bad_name", item.bad_name or "bad file name")
        reused = ledger.loaded_by_name.get(name)
        if reused is not None:
            raise FileRejected(
                "name_reused",
                f"a different file named {name} is already loaded (sha256 "
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
        move_rejected(inbox, name, target, reason_text(row, target))
        return FileResult(
            name,
            "rejected",
            extract,
            reason_code=rej.code,
            message=rej.message,
            moved_to=target,
            seconds=time.perf_counter() - t0,
        )

    assert fn is not None
    row = LedgerRow(
        **base,
        encoding=parsed.encoding,
        data_rows=parsed.data_rows,
        loaded_rows=parsed.frame.height,
        status="loaded",
        reason=None,
        loaded_at=_now(),
        moved_to=None,
    )
    _commit(con, ledger, row, parsed)
    return FileResult(
        name, "loaded", extract, rows=parsed.frame.height, seconds=time.perf_counter() - t0
    )


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
        f"file:      {row.file_name}\n"
        f"sha256:    {row.sha256}\n"
        f"rejected:  {row.loaded_at:%Y-%m-%d %H:%M:%S}\n"
        f"kept as:   {target}\n"
        f"reason:    {code}\n"
        f"details:   {message}\n"
        "\n"
        f"The same record is in the warehouse ledger {SCHEMA}.load_files. Files in "
        f"{REJECTED_DIR}/ are kept, never deleted;\n"
        f"once the sender has delivered a corrected file this file and its {REASON_SUFFIX} may "
        "be archived.\n"
    )
