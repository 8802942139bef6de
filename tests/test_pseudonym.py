"""The pseudonym key (file format, owner-only permissions, demo key), the HMAC pseudonyms and the
dbt-duckdb plugin that registers them as SQL functions."""

from __future__ import annotations

import hashlib
import hmac
import os
import stat
from pathlib import Path

import duckdb
import pytest
from dbt.adapters.duckdb.plugins import BasePlugin

from nenkin_audit.errors import UserError
from nenkin_audit.home import Home
from nenkin_audit.keys import (
    KEY_FILE_ENV,
    ensure_demo_key,
    load_key,
    parse_key,
    resolve_key_file,
    write_key,
)
from nenkin_audit.pseudonym import HEX_DIGITS, Pseudonymiser


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    return write_key(tmp_path / "k" / "pseudonym.key", "test-1", os.urandom(32))


def _reference(secret: bytes, key_id: str, kind: str, value: str) -> str:
    """The documented definition, computed independently of the implementation."""
    digest = hmac.new(secret, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()
    return f"{key_id}:{digest[:HEX_DIGITS]}"


def _plugin_connection(key_file: str) -> duckdb.DuckDBPyConnection:
    plugin = BasePlugin.create("nenkin_audit.dbt_pseudonym", config={"key_file": key_file})
    con = duckdb.connect(":memory:")
    plugin.configure_connection(con)
    return con


# --- key file -------------------------------------------------------------------------------


def test_written_key_is_owner_only_and_round_trips(key_file: Path) -> None:
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = load_key(key_file)
    assert key.key_id == "test-1"
    assert len(key.secret) == 32
    assert key.secret.hex() not in repr(key)
    text = key_file.read_text()
    assert text == f"test-1:{key.secret.hex()}\n"


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o660, 0o644, 0o610])
def test_key_readable_by_group_or_others_is_refused(key_file: Path, mode: int) -> None:
    key_file.chmod(mode)
    with pytest.raises(UserError, match=r"chmod 600") as exc:
        load_key(key_file)
    assert str(key_file) in str(exc.value)
    key_file.chmod(0o600)
    assert key_file.read_text().split(":")[1].strip() not in str(exc.value)


def test_read_only_owner_key_is_accepted(key_file: Path) -> None:
    key_file.chmod(0o400)
    assert load_key(key_file).key_id == "test-1"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "format"),
        ("abcdef" * 11, "format"),
        ("Bad_ID:" + "00" * 32, "key id"),
        ("k1:" + "zz" * 32, "not hexadecimal"),
        ("k1:" + "ab" * 16, "at least 32"),
        ("k1:" + "ab" * 32 + "\nk2:" + "cd" * 32, "one line"),
    ],
)
def test_malformed_keys_are_refused_without_echoing_them(text: str, message: str) -> None:
    with pytest.raises(UserError, match=message) as exc:
        parse_key(text, "the key file")
    secret_part = text.partition(":")[2]
    if len(secret_part) >= 16:
        assert secret_part[:16] not in str(exc.value)


def test_missing_key_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=KEY_FILE_ENV):
        load_key(tmp_path / "absent.key")


def test_demo_key_is_created_once_owner_only_and_announced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = Home(tmp_path / "home").ensure()
    path = ensure_demo_key(home)
    assert path == home.default_key_file
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert str(path) in capsys.readouterr().out
    first = load_key(path)
    assert ensure_demo_key(home) == path
    assert load_key(path) == first, "an existing demo key is kept"
    assert capsys.readouterr().out == ""
    other = Home(tmp_path / "other").ensure()
    assert load_key(ensure_demo_key(other)).secret != first.secret


def test_key_file_resolution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = Home(tmp_path / "home").ensure()
    monkeypatch.delenv(KEY_FILE_ENV, raising=False)
    assert resolve_key_file(home) is None
    ensure_demo_key(home, announce=False)
    assert resolve_key_file(home) == home.default_key_file
    monkeypatch.setenv(KEY_FILE_ENV, str(tmp_path / "prod.key"))
    assert resolve_key_file(home) == (tmp_path / "prod.key").resolve()


# --- pseudonyms -----------------------------------------------------------------------------


def test_pseudonym_follows_the_documented_definition(key_file: Path) -> None:
    key = load_key(key_file)
    p = Pseudonymiser(key)
    for kind, value in [
        ("person", "0000012345"),
        ("household", "0000012345"),
        ("kiso", "1234567890"),
    ]:
        assert p(kind, value) == _reference(key.secret, key.key_id, kind, value)
    assert p("person", "0000012345") != p("household", "0000012345")
    # keys longer than the SHA-256 block (64 bytes) are hashed first, as HMAC requires
    long_key = load_key(write_key(key_file.parent / "long.key", "long-1", os.urandom(100)))
    assert Pseudonymiser(long_key)("person", "0000012345") == _reference(
        long_key.secret, "long-1", "person", "0000012345"
    )
    assert p("person", "山田") == _reference(key.secret, key.key_id, "person", "山田")


def test_same_key_same_pseudonyms_other_key_different(key_file: Path, tmp_path: Path) -> None:
    values = [f"{i:010d}" for i in range(1, 2001)]
    a = Pseudonymiser(load_key(key_file)).many(["person"] * len(values), values)
    b = Pseudonymiser(load_key(key_file)).many(["person"] * len(values), values)
    assert a == b
    assert len(set(a)) == len(values)
    other = write_key(tmp_path / "other.key", "test-2", os.urandom(32))
    c = Pseudonymiser(load_key(other)).many(["person"] * len(values), values)
    assert not set(a) & set(c)
    # same secret under another id: the id prefix still tells them apart
    same_secret = write_key(tmp_path / "same.key", "test-3", load_key(key_file).secret)
    d = Pseudonymiser(load_key(same_secret)).many(["person"] * len(values), values)
    assert [x.split(":")[1] for x in d] == [x.split(":")[1] for x in a]
    assert not set(a) & set(d)


def test_vectorised_form_handles_nulls_and_mixed_kinds(key_file: Path) -> None:
    p = Pseudonymiser(load_key(key_file))
    kinds = ["person", None, "household", "person", "kiso"]
    values = ["0000000001", "0000000002", None, "0000000003", "1111111111"]
    out = p.many(kinds, values)
    assert out[1] is None and out[2] is None
    assert out[0] == p("person", "0000000001")
    assert out[3] == p("person", "0000000003")
    assert out[4] == p("kiso", "1111111111")
    with pytest.raises(ValueError, match="unknown pseudonym kind"):
        p("atena", "1")


# --- the dbt-duckdb plugin ------------------------------------------------------------------


def test_plugin_registers_the_sql_functions(key_file: Path) -> None:
    key = load_key(key_file)
    con = _plugin_connection(str(key_file))
    rows = con.sql(
        "select v, pseudonym('person', v), pseudonym('household', v), pseudonym_key_id() "
        "from (select lpad(cast(i as varchar), 10, '0') as v from range(5000) t(i)) "
        "union all select null, pseudonym('person', null), pseudonym(null, '1'), 'x'"
    ).fetchall()
    assert len(rows) == 5001
    for v, person, household, key_id in rows:
        if v is None:
            assert person is None and household is None
            continue
        assert person == _reference(key.secret, key.key_id, "person", v)
        assert household == _reference(key.secret, key.key_id, "household", v)
        assert key_id == "test-1"
    # cursors (what dbt-duckdb hands to each model) see the functions too
    assert con.cursor().sql("select pseudonym_key_id()").fetchall() == [("test-1",)]


@pytest.mark.parametrize("setup", ["unset", "absent", "group_readable", "garbage"])
def test_plugin_without_a_usable_key_fails_loudly_when_called(
    tmp_path: Path, key_file: Path, setup: str
) -> None:
    path = {
        "unset": "",
        "absent": str(tmp_path / "absent.key"),
        "group_readable": str(key_file),
        "garbage": str(tmp_path / "garbage.key"),
    }[setup]
    if setup == "group_readable":
        key_file.chmod(0o640)
    if setup == "garbage":
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
        os.write(fd, b"not a key\n")
        os.close(fd)
    con = _plugin_connection(path)
    assert con.sql("select 1").fetchall() == [(1,)], "the connection itself still works"
    expected = {
        "unset": KEY_FILE_ENV,
        "absent": "does not exist",
        "group_readable": "chmod 600",
        "garbage": "format",
    }[setup]
    with pytest.raises(duckdb.Error, match="pseudonym key is not available") as exc:
        con.sql("select pseudonym('person', '0000000001')").fetchall()
    assert expected in str(exc.value)
    with pytest.raises(duckdb.Error, match="pseudonym key is not available"):
        con.sql("select pseudonym_key_id()").fetchall()
