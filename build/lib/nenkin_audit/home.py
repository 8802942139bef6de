"""Where the warehouse lives (the "home"): one folder holding the restricted warehouse, the
published mart, the pseudonym key (for the demo), dbt's target and logs.

Resolution: `--home` option, else the NENKIN_AUDIT_HOME environment variable, else
`./nenkin-home` under the working directory, so that `run` and `serve` started in the same
directory find the same home."""

from __future__ import annotations

import contextlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from .errors import UserError

HOME_ENV = "NENKIN_AUDIT_HOME"
DEFAULT_HOME = "nenkin-home"


@dataclass(frozen=True)
class Home:
    root: Path

    @classmethod
    def resolve(cls, option: str | os.PathLike[str] | None = None) -> Home:
        raw = option or os.environ.get(HOME_ENV) or DEFAULT_HOME
        return cls(Path(raw).expanduser().resolve())

    @property
    def warehouse(self) -> Path:
        """The restricted warehouse: raw layer, load ledger, staging, intermediate, marts."""
        return self.root / "warehouse.duckdb"

    @property
    def published(self) -> Path:
        """The published mart: only public, pseudonymised relations. Dashboards open this file."""
        return self.root / "mart.duckdb"

    @property
    def keys(self) -> Path:
        return self.root / "keys"

    @property
    def default_key_file(self) -> Path:
        return self.keys / "pseudonym.key"

    @property
    def dbt_target(self) -> Path:
        return self.root / "target"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def models(self) -> Path:
        """The fitted access-audit model and its description (version, parameters, window)."""
        return self.root / "models"

    @property
    def reviews(self) -> Path:
        """Append-only store of review decisions (written by the dashboards, never by `run`)."""
        return self.root / "reviews.duckdb"

    def ensure(self) -> Home:
        """Create the home and its folders where missing, owner-only (0700)."""
        for d in (self.root, self.logs, self.dbt_target):
            if not d.is_dir():
                d.mkdir(parents=True, exist_ok=True, mode=0o700)
                with contextlib.suppress(OSError):
                    os.chmod(d, 0o700)
        return self

    def check_private(self) -> None:
        """Refuse a home that is not this account's own and closed to everybody else: the
        warehouse in it holds the raw extracts (names, 個人番号) and the pseudonym mappings."""
        st = os.stat(self.root)
        if st.st_uid != os.geteuid():
            raise UserError(
                f"the home {self.root} belongs to uid {st.st_uid}, not to this account (uid "
                f"{os.geteuid()}); run as the home's owner, or use another --home"
            )
        if st.st_mode & 0o077:
            raise UserError(
                f"the home {self.root} is open to group or others (mode "
                f"{stat.S_IMODE(st.st_mode):04o}); the restricted warehouse in it must be "
                f"readable by this account only: `chmod 700 {self.root}`, then run again"
            )

    def tighten(self) -> None:
        """Make what an earlier version left group/other-readable in the home owner-only: the
        home's folders and the files directly in them (the warehouse, the mart, the logs)."""
        for d in (self.root, self.logs, self.dbt_target, self.keys):
            if not d.is_dir():
                continue
            for p in (d, *d.iterdir()):
                if p.is_symlink() or (p.is_dir() and p != d):
                    continue
                with contextlib.suppress(OSError):
                    mode = stat.S_IMODE(p.stat().st_mode)
                    if mode & 0o077:
                        os.chmod(p, mode & 0o700)


def project_dir() -> Path:
    """The dbt project (dbt_project.yml): the repository the package is installed from."""
    env = os.environ.get("NENKIN_AUDIT_PROJECT_DIR")
    if env:
        return Path(env).resolve()
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "dbt_project.yml").is_file():
            return parent
    raise RuntimeError(
        "cannot find the dbt project (dbt_project.yml). Install the package from the repository "
        "with `pip install -e .`, or set NENKIN_AUDIT_PROJECT_DIR to the repository folder."
    )
