"""The exit codes of `nenkin-audit` (the README's table is written from this one list)."""

from __future__ import annotations

OK = 0  # run: the mart is published, complete and tested
FAILED = 1  # run: the build or a test failed (or the disk is full); the old mart is untouched
USAGE = 2  # a wrong option, a missing key, an inbox that is not a folder, ...: nothing ran
NOTHING_TO_PUBLISH = 3  # run: no file was ever loaded into this home, so nothing was published
STALE_STOP = 4  # run --stale stop: a source is stale; files were loaded, nothing was built
BUSY = 5  # run: another run holds this home's lock (after waiting --wait seconds); nothing ran
INTERRUPTED = 130  # Ctrl-C / SIGINT

#: the run record's outcome for each exit code of `run`
OUTCOMES: dict[int, str] = {
    OK: "published",
    FAILED: "build_failed",
    USAGE: "error",
    NOTHING_TO_PUBLISH: "nothing_to_publish",
    STALE_STOP: "stale_stop",
    BUSY: "busy",
    INTERRUPTED: "interrupted",
}
