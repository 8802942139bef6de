"""The inbox folder: which files are offered, in which order, and where rejected files go."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .names import BadName, FileName, bad_name_sort_key, parse_file_name

REJECTED_DIR = "_rejected"
REASON_SUFFIX = ".reason.txt"


@dataclass(frozen=True)
class Offered:
    path: Path
    parsed: FileName | None  # None when the name breaks the convention
    bad_name: str | None  # the reason sentence when it does

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def sort_key(self) -> tuple:
        return self.parsed.sort_key if self.parsed else bad_name_sort_key(self.name)


def list_inbox(inbox: Path) -> list[Offered]:
    """Regular files at the top level of the inbox, in load order: extract date, extract name,
    sequence; files with a bad name last, by name. Names starting with '.' (a transfer still
    being written) and sub-folders (such as `_rejected/`) are not looked at."""
    offered = []
    with os.scandir(inbox) as it:
        for entry in it:
            if entry.name.startswith(".") or not entry.is_file():
                continue
            try:
                offered.append(Offered(Path(entry.path), parse_file_name(entry.name), None))
            except BadName as exc:
                offered.append(Offered(Path(entry.path), None, str(exc)))
    return sorted(offered, key=lambda o: o.sort_key)


def rejected_target(inbox: Path, name: str, taken: set[str]) -> str:
    """A free place under `_rejected/` (relative to the inbox) for a rejected file: its own name,
    else `<stem>.<k><suffix>` with k = 2, 3, ... (nothing there is ever overwritten)."""
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    else:
        suffix = "." + suffix
    k = 1
    while True:
        candidate = f"{REJECTED_DIR}/{name if k == 1 else f'{stem}.{k}{suffix}'}"
        if candidate not in taken and not (inbox / candidate).exists():
            return candidate
        k += 1


def move_rejected(inbox: Path, name: str, target: str, reason_text: str) -> Path:
    """Write the reason file beside the target, then move the file there (an atomic rename in
    the same folder tree). Safe to repeat after a crash: the file is moved only once."""
    dest = inbox / target
    dest.parent.mkdir(exist_ok=True)
    reason_path = dest.with_name(dest.name + REASON_SUFFIX)
    tmp = reason_path.with_name("." + reason_path.name + ".part")
    tmp.write_text(reason_text, encoding="utf-8")
    os.replace(tmp, reason_path)
    if dest.exists():
        raise FileExistsError(f"refusing to overwrite {dest}")
    os.rename(inbox / name, dest)
    return dest
