"""The inbox folder: which files are offered, in which order, and where processed files go.

Every file offered leaves the top of the inbox once its ledger row is committed: a loaded or
duplicate file to `_loaded/`, a rejected one to `_rejected/` (with its reason file), so a file
found at the top of the inbox is always an offer that has not been recorded yet, and re-running
over the same inbox is harmless.

Nothing in the inbox is followed or trusted: a symbolic link is offered as itself (and rejected,
never read through), as is anything that is not a regular file (a FIFO, a socket, a device); a
non-folder named `_rejected` or `_loaded` is set aside (and offered like any delivery) before the
folder is made. Kept files and reason files are owner-only."""

from __future__ import annotations

import contextlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from .names import BadName, FileName, bad_name_sort_key, parse_file_name

REJECTED_DIR = "_rejected"
LOADED_DIR = "_loaded"  # loaded and duplicate files (processed, nothing wrong with them)
REASON_SUFFIX = ".reason.txt"
# Where a non-folder named `_rejected` (`_loaded`) waits while the folder is made (a hidden
# name, so it is never offered under it; a run stopped in between offers it again by its name).
STRAY_REJECTED = "._rejected.stray"
STRAY_LOADED = "._loaded.stray"
_STRAYS = {STRAY_REJECTED: REJECTED_DIR, STRAY_LOADED: LOADED_DIR}

# What an inbox entry is: its content is read only for a 'file'.
FILE, SYMLINK, SPECIAL = "file", "symlink", "special"


@dataclass(frozen=True)
class Offered:
    path: Path
    parsed: FileName | None  # None when the name breaks the convention
    bad_name: str | None  # the reason sentence when it does
    kind: str = FILE  # FILE | SYMLINK | SPECIAL (as listed, never following a link)
    delivered_as: str | None = None  # the name it was delivered with, when set aside since

    @property
    def name(self) -> str:
        return self.delivered_as or self.path.name

    @property
    def sort_key(self) -> tuple:
        return self.parsed.sort_key if self.parsed else bad_name_sort_key(self.name)


def list_inbox(inbox: Path) -> list[Offered]:
    """The entries at the top level of the inbox (regular files, links, anything else but a
    folder), in load order: extract date, extract name, sequence; bad names last, by name.
    Names starting with '.' (a transfer still being written) and sub-folders (such as
    `_rejected/`, `_loaded/`) are not looked at."""
    offered = []
    for stray, folder in _STRAYS.items():
        _set_aside_stray(inbox, folder, stray)
    with os.scandir(inbox) as it:
        for entry in it:
            path = Path(entry.path)
            name = entry.name
            if name in _STRAYS:
                name = _STRAYS[name]  # offered under the name it was delivered with
            elif name.startswith("."):
                continue
            if entry.is_symlink():
                kind = SYMLINK
            elif entry.is_dir(follow_symlinks=False):
                continue
            elif entry.is_file(follow_symlinks=False):
                kind = FILE
            else:
                kind = SPECIAL
            try:
                offered.append(Offered(path, parse_file_name(name), None, kind, name))
            except BadName as exc:
                offered.append(Offered(path, None, str(exc), kind, name))
    return sorted(offered, key=lambda o: o.sort_key)


def rejected_target(inbox: Path, name: str, taken: set[str]) -> str:
    """A free place under `_rejected/` (relative to the inbox) for a rejected file."""
    return kept_target(inbox, REJECTED_DIR, name, taken)


def loaded_target(inbox: Path, name: str, taken: set[str]) -> str:
    """A free place under `_loaded/` (relative to the inbox) for a loaded or duplicate file."""
    return kept_target(inbox, LOADED_DIR, name, taken)


def kept_target(inbox: Path, folder: str, name: str, taken: set[str]) -> str:
    """A free place under `folder` (relative to the inbox) for a processed file: its own name,
    else `<stem>.<k><suffix>` with k = 2, 3, ... (nothing there is ever overwritten)."""
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    else:
        suffix = "." + suffix
    k = 1
    while True:
        candidate = f"{folder}/{name if k == 1 else f'{stem}.{k}{suffix}'}"
        reason = candidate + REASON_SUFFIX
        # Neither the file nor its reason file may land on anything kept there (a kept file
        # may itself be called `<x>.reason.txt`).
        if (
            candidate not in taken
            and reason not in taken
            and not os.path.lexists(inbox / candidate)
            and not os.path.lexists(inbox / reason)
        ):
            return candidate
        k += 1


def _set_aside_stray(inbox: Path, folder: str, stray_name: str) -> None:
    """Anything but a real folder named `folder` (a file, a link) is moved to `stray_name`,
    where it is offered (under `folder`) like any other delivery, and the name is free for the
    folder. One such entry at a time: a second waits for the next run."""
    kept = inbox / folder
    stray = os.path.lexists(kept) and (kept.is_symlink() or not kept.is_dir())
    if stray and not os.path.lexists(inbox / stray_name):
        # An inbox this account may not change: the entry is offered where it is, and its
        # move aside fails (and is retried) like any other.
        with contextlib.suppress(OSError):
            os.rename(kept, inbox / stray_name)


def ensure_kept_dir(inbox: Path, folder: str) -> None:
    """Make `_rejected/` (`_loaded/`) owner-only where missing."""
    kept = inbox / folder
    if os.path.lexists(kept) and (kept.is_symlink() or not kept.is_dir()):
        raise FileExistsError(f"{folder} in the inbox is not a folder")
    with contextlib.suppress(FileExistsError):
        kept.mkdir(mode=0o700)
    with contextlib.suppress(OSError):
        os.chmod(kept, 0o700)


def ensure_rejected_dir(inbox: Path) -> None:
    ensure_kept_dir(inbox, REJECTED_DIR)


def move_processed(inbox: Path, source: Path, target: str) -> Path:
    """Move a loaded or duplicate file to its place under `_loaded/` (an atomic rename; a file
    already there is never overwritten). The file ends owner-only."""
    ensure_kept_dir(inbox, target.partition("/")[0])
    dest = inbox / target
    if os.path.lexists(dest):
        raise FileExistsError(f"refusing to overwrite {dest}")
    os.rename(source, dest)
    with contextlib.suppress(OSError):  # a file of another owner keeps its mode
        os.chmod(dest, 0o600)
    return dest


def move_rejected(inbox: Path, source: Path, target: str, reason_text: str) -> Path:
    """Write the reason file beside the target, then move the file there (an atomic rename in
    the same folder tree; a link is moved as a link, never followed). Both end owner-only. Safe
    to repeat after a crash: the file is moved only once."""
    ensure_rejected_dir(inbox)
    dest = inbox / target
    reason_path = dest.with_name(dest.name + REASON_SUFFIX)
    tmp = reason_path.with_name("." + reason_path.name + ".part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(reason_text)
    os.replace(tmp, reason_path)
    if os.path.lexists(dest):
        raise FileExistsError(f"refusing to overwrite {dest}")
    os.rename(source, dest)
    if not stat.S_ISLNK(os.lstat(dest).st_mode):
        with contextlib.suppress(OSError):  # a file of another owner keeps its mode
            os.chmod(dest, 0o600)
    return dest
