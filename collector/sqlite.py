"""Opening the collector's SQLite files (report log, outbox, outage log) the same way."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from collector.errors import DataError

log = logging.getLogger(__name__)

Column = tuple[str, str, str]
"""A column added to a table after its file was first written: (table, column, declaration).
A file from before gets it when it is opened; the schema's CREATE TABLE has it already."""


def open_database(path: Path, schema: str, synchronous: str = "FULL",
                  version: int = 1, added: Sequence[Column] = ()) -> sqlite3.Connection:
    """The database at ``path`` (created, with its directory, if missing) with ``schema``,
    and the ``added`` columns in a file written before they were.

    WAL lets readers go on while one thread writes; autocommit, so that every statement is
    on disk when it returns (as ``synchronous`` says). A file that is not a database, or a
    damaged one, is moved aside (`<name>.corrupt-<time>`, logged) and a new one begun: the
    collector goes on monitoring, and what the old file held can still be read from the copy.
    A file or directory that cannot be used at all is a DataError naming it.
    """
    try:
        return _open(path, schema, synchronous, version, added)
    except sqlite3.DatabaseError as err:
        if isinstance(err, sqlite3.OperationalError) and not _damaged(err):
            raise DataError(f"cannot open {path}: {err} (is collector.data_dir writable by "
                            "the collector's user?)") from err
        aside = _move_aside(path)
        log.error("%s is damaged (%s): moved aside as %s, and a new one begun", path, err,
                  aside.name)
    try:
        return _open(path, schema, synchronous, version, added)
    except (OSError, sqlite3.Error) as err:
        raise DataError(f"cannot open {path}: {err} (is collector.data_dir writable by the "
                        "collector's user?)") from err


def _open(path: Path, schema: str, synchronous: str, version: int,
          added: Sequence[Column]) -> sqlite3.Connection:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
    except (OSError, sqlite3.Error) as err:
        raise DataError(f"cannot open {path}: {err} (is collector.data_dir writable by the "
                        "collector's user?)") from err
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute(f"PRAGMA synchronous={synchronous}")
        if db.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise sqlite3.DatabaseError("quick_check found damage")
        db.executescript(schema)
        for table, column, declaration in added:
            present = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
            if column not in present:
                db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")
        db.execute(f"PRAGMA user_version={version}")
    except BaseException:
        db.close()
        raise
    return db


@contextlib.contextmanager
def immediate(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A write transaction on ``db`` (an autocommit connection): committed when the block
    ends, rolled back when it raises."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise


def _damaged(err: sqlite3.Error) -> bool:
    text = str(err).lower()
    return any(word in text for word in ("not a database", "malformed", "corrupt",
                                         "damage", "encrypted"))


def _move_aside(path: Path) -> Path:
    stamp = time.strftime("%Y%m%dT%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    for suffix in ("", "-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            side.rename(target.with_name(target.name + suffix))
    return target


class LockedDatabase:
    """One SQLite file shared by the event loop's worker threads: every statement runs under
    one lock, and is committed (and synced as ``synchronous`` says) before it returns."""

    def __init__(self, path: Path, schema: str, synchronous: str = "FULL",
                 version: int = 1, added: Sequence[Column] = ()) -> None:
        self.path = path
        self._schema, self._synchronous, self._version = schema, synchronous, version
        self._added = added
        self._db: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def open(self) -> None:
        self._db = open_database(self.path, self._schema, self._synchronous, self._version,
                                 self._added)

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def _execute(self, query: str, args: tuple[object, ...]) -> tuple[list[tuple], int]:
        """Rows and changed-row count, both read under the lock."""
        with self._lock:
            cursor = self._connection().execute(query, args)
            return cursor.fetchall(), cursor.rowcount

    def _execute_many(self, statements: list[tuple[str, tuple[object, ...]]]) -> int:
        """Statements in one transaction: all of them or none; rows they changed."""
        with self._lock, immediate(self._connection()) as db:
            return sum(db.execute(query, args).rowcount for query, args in statements)

    def _connection(self) -> sqlite3.Connection:
        if self._db is None:
            raise RuntimeError(f"{self.path} is not open")
        return self._db
