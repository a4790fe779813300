"""A database file that is not one, or is damaged, is moved aside and begun again: the
collector keeps monitoring, and the damaged copy stays for whoever wants to read it."""

from __future__ import annotations

import logging
import sqlite3

import pytest

from collector.sqlite import open_database

pytestmark = pytest.mark.unit

SCHEMA = "CREATE TABLE IF NOT EXISTS things (id INTEGER PRIMARY KEY, name TEXT);"


def written(path, rows: int) -> None:
    db = sqlite3.connect(path)
    db.executescript(SCHEMA)
    db.executemany("INSERT INTO things (name) VALUES (?)", [("x" * 500,)] * rows)
    db.commit()
    db.close()


@pytest.mark.parametrize("damage", ["garbage", "truncated", "overwritten"])
def test_a_damaged_file_is_moved_aside_and_a_new_one_begun(tmp_path, caplog, damage):
    path = tmp_path / "outbox.sqlite3"
    if damage == "garbage":
        path.write_bytes(b"this was never a database\n" * 200)
    else:
        written(path, 2000)
        data = bytearray(path.read_bytes())
        if damage == "truncated":
            data = data[: len(data) // 3]
        else:
            data[8192:40960] = b"\xff" * (40960 - 8192)  # pages in the middle trashed
        path.write_bytes(bytes(data))
    with caplog.at_level(logging.ERROR, logger="collector.sqlite"):
        db = open_database(path, SCHEMA)
    try:
        db.execute("INSERT INTO things (name) VALUES ('new')")
        assert db.execute("SELECT count(*) FROM things").fetchone()[0] == 1
    finally:
        db.close()
    [aside] = tmp_path.glob("outbox.sqlite3.corrupt-*")
    assert aside.stat().st_size > 0
    [record] = caplog.records
    assert "outbox.sqlite3 is damaged" in record.getMessage()
    assert aside.name in record.getMessage()


def test_a_sound_file_is_left_as_it_is(tmp_path, caplog):
    path = tmp_path / "outages.sqlite"
    written(path, 10)
    with caplog.at_level(logging.ERROR, logger="collector.sqlite"):
        db = open_database(path, SCHEMA)
    assert db.execute("SELECT count(*) FROM things").fetchone()[0] == 10
    db.close()
    assert caplog.records == [] and list(tmp_path.glob("*.corrupt-*")) == []
