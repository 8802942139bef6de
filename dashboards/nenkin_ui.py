"""What every dashboard page shares: the published mart (reopened when a new one is published),
the login and the roles, the data-date caption, Japanese labels and safe CSV downloads.

The pages read ONLY the published mart (`open_published`: read-only, no other file reachable),
plus the review decisions (`<home>/reviews.duckdb`) and the run record (`<home>/logs/runs.jsonl`)."""

from __future__ import annotations

import fcntl
import json
import os
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl
import streamlit as st

from nenkin_audit.errors import UserError
from nenkin_audit.exports import log_export, to_safe_csv
from nenkin_audit.home import Home, project_dir
from nenkin_audit.postgres.dashboards import dashboard_connections, publication_id
from nenkin_audit.publish import open_published
from nenkin_audit.safe_text import neutralise_frame
from nenkin_audit.users import ROLE_LABELS, ROLES, cookie_secret, load, pages_for, users_file

SUPPRESSED = "—"
AUTH_ENV = "NENKIN_AUDIT_AUTH"
SESSION_MINUTES_ENV = "NENKIN_AUDIT_SESSION_MINUTES"
PROXY_USER_HEADER_ENV = "NENKIN_AUDIT_PROXY_USER_HEADER"
PROXY_ROLES_HEADER_ENV = "NENKIN_AUDIT_PROXY_ROLES_HEADER"
#: failed logins allowed per user name (and per browser session) within LOCK_MINUTES
MAX_FAILURES = 5
LOCK_MINUTES = 15

NOT_PUBLISHED = (
    "まだ何も公開されていません（公開マートがありません）。"
    "サーバーで `nenkin-audit run --inbox 受信フォルダ`（試用は `nenkin-audit demo`）を実行すると、"
    "このページに表示されます。"
)


def home() -> Home:
    return Home.resolve()


# --------------------------------------------------------------------------- the published mart


class Mart:
    """One read-only connection to the published mart, replaced when `run` publishes a new file
    (another inode or mtime), so an open dashboard shows the new mart without a restart."""

    def __init__(self, path: Path, roles: tuple[str, ...] = ()) -> None:
        self.path = path
        self.roles = roles  # a PostgreSQL mart is read with the credentials of these roles
        self.lock = threading.Lock()
        self.con: Any = None
        self.key: tuple[int, int] | None = None

    def _current_key(self) -> tuple[int, int] | None:
        pg = dashboard_connections(Home(self.path.parent))
        if pg is not None:  # PostgreSQL: the published schema's oid, a new one at every publish
            pub = publication_id(pg.for_roles(self.roles))
            return None if pub is None else (pub, 0)
        try:
            st_ = self.path.stat()
        except FileNotFoundError:
            return None
        return (st_.st_ino, st_.st_mtime_ns)

    def query(self, sql: str, params: list[Any] | None = None) -> pl.DataFrame:
        with self.lock:
            key = self._current_key()
            if key is None:
                raise NotPublished()
            if key != self.key:
                old, self.con = self.con, open_published(Home(self.path.parent), self.roles)
                self.key = key
                if old is not None:
                    old.close()
            # text is shown (and downloaded) as data, never as a spreadsheet formula
            return neutralise_frame(self.con.sql(sql, params=params or None).pl())

    def tables(self) -> set[str]:
        return set(
            self.query("select table_name from information_schema.tables")["table_name"].to_list()
        )


class NotPublished(Exception):
    pass


@st.cache_resource
def _mart(path: str, roles: tuple[str, ...] = ()) -> Mart:
    return Mart(Path(path), roles)


def mart() -> Mart:
    user = current_user()
    return _mart(str(home().published), user.roles if user else ())


def q(sql: str, params: list[Any] | None = None) -> pl.DataFrame:
    return mart().query(sql, params)


def require_tables(*names: str) -> None:
    """Stop the page with what to do when the mart or one of its tables is missing."""
    try:
        present = mart().tables()
    except (NotPublished, UserError):
        st.info(NOT_PUBLISHED)
        st.stop()
    missing = [n for n in names if n not in present]
    if missing:
        st.info(
            f"このページのデータ（{', '.join(missing)}）は公開マートにまだありません。"
            "最新版で `nenkin-audit run` を実行してください。"
        )
        st.stop()


def data_date(value: object, what: str = "データ基準日") -> None:
    """Every page says how old its data is, and when the mart was published."""
    published = datetime.fromtimestamp(home().published.stat().st_mtime)
    if value is None:
        st.caption(f"{what}: データなし（公開 {published:%Y-%m-%d %H:%M}）")
    else:
        st.caption(f"{what}: {value}（公開 {published:%Y-%m-%d %H:%M}）")


# -------------------------------------------------------------------------------- labels

STATUS_JA = {
    "matched": "一致",
    "mismatched": "不一致",
    "returned": "返戻",
    "pending": "結果待ち",
    "not_forwarded": "未送付",
    "withdrawn": "取下げ",
    "unmatched_result": "対応届出なし結果",
    "duplicate_result": "重複結果",
}
FLOW_JA = {"received": "受付", "forwarded": "送付", "resulted": "結果受領"}
BACKLOG_JA = {"not_forwarded": "未送付", "pending": "結果待ち"}
EXPLANATION_JA = {
    "unexplained": "説明なし",
    "partly_explained": "一部説明あり",
    "explained": "説明あり",
}
SCOPE_JA = {
    "staff_day": "職員の1日",
    "subject_day": "対象者の1日",
    "pair_window": "職員×対象者（週）",
    "staff_window": "職員の週",
}


@st.cache_resource
def code_names(seed: str) -> dict[str, str]:
    """A code set's Japanese names from its seed (the one list of the codes), e.g. operations."""
    df = pl.read_csv(project_dir() / "seeds" / "codes" / f"{seed}.csv", infer_schema=False)
    return dict(zip(df[df.columns[0]], df[df.columns[1]], strict=True))


LEDGER_STATUS_JA = {"loaded": "取込済", "duplicate": "重複", "rejected": "拒否"}


def md_escape(text: str) -> str:
    """Free text shown as Markdown literally (no links, emphasis or headings from a reason)."""
    return "".join("\\" + c if c in "\\`*_{}[]()#+-.!|<>~$" else c for c in text)


def ja(value: object, table: dict[str, str]) -> str:
    return table.get(str(value), str(value)) if value is not None else ""


def counts_text(df: pl.DataFrame, value: str) -> pl.DataFrame:
    """Counts as text, suppressed values as a dash (never a number that was withheld)."""
    return df.with_columns(
        pl.when(pl.col("is_suppressed"))
        .then(pl.lit(SUPPRESSED))
        .otherwise(pl.col(value).cast(pl.String))
        .alias(value)
    ).drop("is_suppressed")


def suppression_note(withheld: int, what: str, *, chart: bool = False) -> None:
    """Say how many values were withheld and why (instead of unexplained gaps)."""
    if withheld:
        shown = f"表では {SUPPRESSED}" + (
            "、グラフには表示していません（線が途切れている点は秘匿です）" if chart else ""
        )
        st.caption(
            f"※ {what} {withheld} 件は人数が少ない（10 未満）ため、個人が特定されないよう秘匿しています"
            f"（他の値から逆算できないよう補完秘匿を含む）。{shown}。"
        )


def download_csv(df: pl.DataFrame, label: str, file_name: str, what: str) -> None:
    """A CSV download with spreadsheet formulas neutralised; each download is logged."""
    user = current_user()

    def _log() -> None:
        log_export(home().logs / "exports.log", user.name if user else "?", what, df.height)

    st.download_button(
        label,
        data=to_safe_csv(df),
        file_name=file_name,
        mime="text/csv",
        on_click=_log,
        key=f"download-{what}",
    )


# --------------------------------------------------------------------------- login and roles


@dataclass(frozen=True)
class User:
    name: str
    roles: tuple[str, ...]
    mode: str  # password | proxy

    @property
    def pages(self) -> list[str]:
        return pages_for(self.roles)


def current_user() -> User | None:
    return st.session_state.get("nenkin_user")


def _session_seconds() -> float:
    return float(os.environ.get(SESSION_MINUTES_ENV, "30")) * 60


def _auth_log(event: str, username: str | None) -> None:
    """The login journal (`<home>/logs/auth.log`): events and user names, never a password."""
    path = home().logs / "auth.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    ip = getattr(st.context, "ip_address", None)
    ip = ip if isinstance(ip, str) else None
    line = {"at": datetime.now().isoformat(timespec="seconds"), "event": event}
    line |= {"user": username, "ip": ip}
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(line, ensure_ascii=False) + "\n")


def _failures_file() -> Path:
    return users_file(home()).parent / "failed_logins.json"


def _recent_failures(username: str, *, add: bool = False) -> int:
    """Failed logins of a user name within LOCK_MINUTES (recording one more when add)."""
    path = _failures_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    now = time.time()
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    with os.fdopen(fd, "r+", encoding="utf-8") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            data: dict[str, list[float]] = json.loads(fh.read() or "{}")
        except ValueError:
            data = {}
        recent = {u: [t for t in ts if now - t < LOCK_MINUTES * 60] for u, ts in data.items()}
        if add:
            recent.setdefault(username, []).append(now)
        recent = {u: ts for u, ts in recent.items() if ts}
        fh.seek(0)
        fh.truncate()
        fh.write(json.dumps(recent))
    return len(recent.get(username, []))


def _expire_if_idle(auth: Any) -> None:
    state = st.session_state
    user = state.get("nenkin_user")
    if user is None:
        return
    last = state.get("nenkin_last_seen", 0.0)
    if time.time() - last > _session_seconds():
        _auth_log("session_expired", user.name)
        if auth is not None and state.get("authentication_status"):
            auth.logout(location="unrendered")
        state["nenkin_user"] = None
        state["nenkin_expired"] = True


def _password_login() -> User:
    import streamlit_authenticator as stauth

    path = users_file(home())
    try:
        data = load(path)
    except UserError as exc:
        st.error(str(exc))
        st.stop()
    users = data["credentials"]["usernames"]
    if not users:
        st.error(
            f"利用者が登録されていません（{path}）。サーバーで "
            "`nenkin-audit user add 名前 --role manager|reviewer|auditor` を実行してください。"
        )
        st.stop()
    st.session_state.setdefault("logout", None)
    auth = stauth.Authenticate(
        {"usernames": {n: dict(u) for n, u in users.items()}},
        cookie_name=data["cookie"].get("name", "nenkin_audit_session"),
        cookie_key=cookie_secret(data),
        cookie_expiry_days=_session_seconds() / 86400,
        auto_hash=False,
    )
    _expire_if_idle(auth)
    state = st.session_state
    user = state.get("nenkin_user")
    if user is not None and (
        user.name not in users or tuple(users[user.name].get("roles") or []) != user.roles
    ):
        _auth_log("session_ended_user_changed", user.name)  # removed or given another role
        state["nenkin_user"] = None
        state["logout"] = True
        auth.cookie_controller.delete_cookie()
    if state.pop("nenkin_logout_requested", False):
        auth.cookie_controller.delete_cookie()
    if state.get("nenkin_user") is None and not state.get("nenkin_expired"):
        # a valid re-login cookie of this browser (expires with the session time)
        cookie = _cookie(data["cookie"].get("name", "nenkin_audit_session"))
        token = auth.cookie_controller.get_cookie() if cookie else None
        if token:
            auth.authentication_controller.login(token=token)
            if state.get("authentication_status"):
                _auth_log("login_cookie", state.get("username"))
                _start_session(state["username"], state.get("roles"))
    if state.get("nenkin_user") is None and not _login_form(auth):
        st.stop()
    state["nenkin_last_seen"] = time.time()
    return state["nenkin_user"]


def _cookie(name: str) -> str | None:
    try:
        value = st.context.cookies.get(name)
    except Exception:  # no browser behind this session (e.g. a script test)
        return None
    return value if isinstance(value, str) else None


def _start_session(username: str, roles: list[str] | None) -> None:
    st.session_state["nenkin_user"] = User(
        username, tuple(r for r in roles or [] if r in ROLES), "password"
    )
    st.session_state["nenkin_last_seen"] = time.time()
    st.session_state["nenkin_expired"] = False


def _login_form(auth: Any) -> bool:
    """The login form; True once the user is logged in (the form is then cleared, and the page
    renders in the same run so the re-login cookie component is not cut short by a rerun)."""
    state = st.session_state
    placeholder = st.empty()
    with placeholder.container():
        st.title("国民年金 点検ダッシュボード")
        if state.get("nenkin_expired"):
            st.warning("セッションの有効期限が切れました。もう一度ログインしてください。")
        with st.form("login"):
            st.subheader("ログイン")
            username = st.text_input("ユーザー名", key="login_user").strip()
            password = st.text_input("パスワード", type="password", key="login_password")
            submitted = st.form_submit_button("ログイン")
        if not submitted:
            return False
        now = time.time()
        session_fails = [t for t in state.get("nenkin_fails", []) if now - t < LOCK_MINUTES * 60]
        if len(session_fails) >= MAX_FAILURES or (
            username and _recent_failures(username) >= MAX_FAILURES
        ):
            _auth_log("login_refused_locked", username or None)
            st.error(
                f"ログインの失敗が続いたため、{LOCK_MINUTES} 分間ログインできません。"
                "時間をおいてから試すか、管理者に連絡してください。"
            )
            return False
        ok = bool(username and password) and auth.authentication_controller.login(
            username, password
        )
        if not ok:
            state["authentication_status"] = None
            state["nenkin_fails"] = [*session_fails, now]
            if username:
                _recent_failures(username, add=True)
            _auth_log("login_failed", username or None)
            st.error("ユーザー名またはパスワードが違います。")
            return False
    placeholder.empty()
    _auth_log("login", username)
    _start_session(username, state.get("roles"))
    state["logout"] = None
    auth.cookie_controller.set_cookie()
    return True


def _proxy_login() -> User:
    """Trusted reverse-proxy mode: the proxy (city SSO) authenticates and sends the user and the
    roles in headers; serve listens on 127.0.0.1 only so nobody reaches it around the proxy."""
    headers = st.context.headers
    user_header = os.environ.get(PROXY_USER_HEADER_ENV, "X-Forwarded-User")
    roles_header = os.environ.get(PROXY_ROLES_HEADER_ENV, "X-Forwarded-Groups")
    name = (headers.get(user_header) or "").strip()
    roles = tuple(
        r.strip() for r in (headers.get(roles_header) or "").split(",") if r.strip() in ROLES
    )
    if not name or not roles:
        _auth_log("proxy_missing_identity", name or None)
        st.error(
            "認証プロキシからの利用者情報（ヘッダー "
            f"{user_header} / {roles_header}）がありません。市の認証基盤を経由して開いてください。"
        )
        st.stop()
    user = User(name, roles, "proxy")
    if st.session_state.get("nenkin_user") != user:
        _auth_log("login_proxy", name)
    st.session_state["nenkin_user"] = user
    return user


def authenticate() -> User:
    """The logged-in user, or the login form and a stop."""
    if os.environ.get(AUTH_ENV, "password") == "proxy":
        return _proxy_login()
    return _password_login()


def logout() -> None:
    user = current_user()
    _auth_log("logout", user.name if user else None)
    st.session_state["nenkin_user"] = None
    st.session_state["authentication_status"] = None
    st.session_state["logout"] = True  # no re-login from the cookie in this session
    st.session_state["nenkin_logout_requested"] = True


def require_page(key: str) -> User:
    """Defence in depth: a page outside the user's roles stops even if reached somehow."""
    user = current_user()
    if user is None or key not in user.pages:
        st.error("このページを表示する権限がありません。")
        st.stop()
    return user


def sidebar(user: User) -> None:
    with st.sidebar:
        roles = "・".join(ROLE_LABELS.get(r, r) for r in user.roles)
        st.markdown(f"**{user.name}**（{roles}）")
        if user.mode == "password" and st.button("ログアウト", key="logout_button"):
            logout()
            st.rerun()


TEMPLATE_JA = {
    "filing_event": "届出の受付・送付の前後",
    "claim_event": "裁定請求の前後",
    "exemption_event": "免除申請の前後",
    "jps_event": "機構の処理結果の前後",
    "juki_event": "住基異動の前後",
    "record_change_event": "年金記録の変更の前後",
    "recent_handling": "所属での最近の取扱い",
    "worklist_session": "一覧検索からの業務",
}


def offices() -> pl.DataFrame:
    return q("select office_code, office_name from dim_offices order by office_code")


def filing_types() -> pl.DataFrame:
    return q("select todokede_shubetsu, todokede_name from dim_filing_types order by 1")


def office_and_type_filters(key: str) -> tuple[str | None, str | None]:
    """Sidebar filters by office and filing type (None = all)."""
    offs = offices()
    types = filing_types()
    office_names = dict(zip(offs["office_code"], offs["office_name"], strict=True))
    type_names = dict(zip(types["todokede_shubetsu"], types["todokede_name"], strict=True))
    with st.sidebar:
        office = st.selectbox(
            "窓口",
            [None, *office_names],
            format_func=lambda c: "すべて" if c is None else f"{c} {office_names[c]}",
            key=f"{key}-office",
        )
        ftype = st.selectbox(
            "届出種別",
            [None, *type_names],
            format_func=lambda c: "すべて" if c is None else f"{c} {type_names[c]}",
            key=f"{key}-type",
        )
    return office, ftype


def crosstab_filter(office: str | None, ftype: str | None, type_col: str = "todokede_shubetsu"):
    """The where-clause and parameters choosing the published cells for the filters: each
    suppressed aggregate has its cells (office × type), row totals (an office), column totals
    (a type) and the grand total, suppressed together so none can be derived."""
    if office and ftype:
        return f"grouping_level = 'cell' and office_code = ? and {type_col} = ?", [office, ftype]
    if office:
        return "grouping_level = 'row_total' and office_code = ?", [office]
    if ftype:
        return f"grouping_level = 'column_total' and {type_col} = ?", [ftype]
    return "grouping_level = 'grand_total'", []
