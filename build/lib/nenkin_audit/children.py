"""Child processes (dbt, Streamlit) that end with the command that started them.

A child started with `die_with_parent(sig)` as `preexec_fn` gets `sig` from the kernel the moment
its parent dies, however the parent died (SIGKILL of its PID included): no dbt keeps writing the
warehouse after the `run` that holds the lock is gone, and no Streamlit keeps serving after
`serve` was stopped (Linux prctl PR_SET_PDEATHSIG; elsewhere a no-op)."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
from collections.abc import Callable

_PR_SET_PDEATHSIG = 1


def die_with_parent(sig: int = signal.SIGKILL) -> Callable[[], None]:
    parent = os.getpid()

    def preexec() -> None:
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
        except (OSError, AttributeError):
            return
        if os.getppid() != parent:  # the parent died before prctl took effect
            os.kill(os.getpid(), sig)

    return preexec
