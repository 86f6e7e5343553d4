"""Feedback on answers (👍/👎 and an optional comment), kept in SQLite in the data directory.

Every change is committed at once, so nothing is lost when the app restarts or is killed. Writes wait
for each other (one writer at a time in this process, SQLite's busy timeout and a few retries across
processes), so none fails under load. A data directory that cannot be written leaves the store
unavailable with a reason (the app shows it) instead of failing to start.

Export as CSV with ``python -m rag.app.feedback feedback.csv`` (UTF-8 with BOM, so spreadsheet programs
read the Chinese text; a cell that a spreadsheet would run as a formula is prefixed with ').
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import sqlite3
import sys
import tempfile
import threading
import time
from contextlib import closing
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from ..schema import Answer

log = logging.getLogger(__name__)

RATINGS = ("up", "down")
CSV_COLUMNS = ("id", "time", "rating", "comment", "question", "understood_as", "answer", "refused", "citations")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet runs a cell starting so as a formula
WRITE_ATTEMPTS = 6
_WRITING = threading.Lock()  # one writer at a time in this process: SQLite allows only one anyway

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time TEXT NOT NULL,            -- ISO 8601 with the local UTC offset, when the rating was given
    rating TEXT NOT NULL CHECK (rating IN ('up', 'down')),
    comment TEXT NOT NULL DEFAULT '',
    question TEXT NOT NULL,        -- as the user typed it
    understood_as TEXT NOT NULL,   -- the question answered (a follow-up completed from the previous one)
    answer TEXT NOT NULL,
    refused INTEGER NOT NULL,
    citations TEXT NOT NULL        -- JSON list of {ref, title, text, score}
)
"""


@dataclass(frozen=True)
class FeedbackRecord:
    id: int
    time: str
    rating: str
    comment: str
    question: str
    understood_as: str
    answer: str
    refused: bool
    citations: list[dict]


class FeedbackUnavailable(Exception):
    """The feedback database cannot be written (e.g. a read-only data directory)."""


class FeedbackStore:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.problem = ""  # why feedback cannot be kept; "" when it can
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with closing(self._connect()) as connection:
                connection.execute("PRAGMA journal_mode=WAL")  # persistent: readers never block the writer
                connection.execute(_SCHEMA)
        except (OSError, sqlite3.Error) as error:
            self.problem = "反馈功能暂不可用：数据目录不可写入，评价与意见不会被保存。"
            log.warning("feedback disabled: cannot write %s: %s", self.path, error)

    @property
    def available(self) -> bool:
        return not self.problem

    def _connect(self) -> sqlite3.Connection:
        # One short-lived connection per call: the app calls from several threads. Autocommit: each
        # write opens its own transaction (_write).
        return sqlite3.connect(self.path, timeout=10, isolation_level=None)

    def _write(self, sql: str, parameters: tuple) -> sqlite3.Cursor:
        if self.problem:
            raise FeedbackUnavailable(self.problem)
        attempt = 0
        while True:
            try:
                with _WRITING, closing(self._connect()) as connection:
                    connection.execute("BEGIN IMMEDIATE")  # take the write lock now, waiting for it if need be
                    cursor = connection.execute(sql, parameters)
                    connection.execute("COMMIT")
                    return cursor
            except sqlite3.OperationalError as error:
                attempt += 1
                if attempt == WRITE_ATTEMPTS or not any(word in str(error) for word in ("locked", "busy")):
                    raise
                log.info("feedback write waited (%s), attempt %d", error, attempt)
                time.sleep(0.05 * 2**attempt)

    def record(self, question: str, understood_as: str, answer: Answer, rating: str, comment: str = "") -> int:
        _check(rating)
        citations = json.dumps([c.to_dict() for c in answer.citations], ensure_ascii=False)
        cursor = self._write(
            "INSERT INTO feedback (time, rating, comment, question, understood_as, answer, refused, citations)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (_now(), rating, comment.strip(), question, understood_as, answer.text, int(answer.refused), citations),
        )
        return int(cursor.lastrowid)

    def rate(self, feedback_id: int, rating: str) -> int:
        _check(rating)
        self._write("UPDATE feedback SET rating = ?, time = ? WHERE id = ?", (rating, _now(), feedback_id))
        return feedback_id

    def comment(self, feedback_id: int, comment: str) -> None:
        self._write("UPDATE feedback SET comment = ? WHERE id = ?", (comment.strip(), feedback_id))

    def delete(self, feedback_id: int) -> None:
        self._write("DELETE FROM feedback WHERE id = ?", (feedback_id,))

    def records(self) -> list[FeedbackRecord]:
        with closing(self._connect()) as connection:
            rows = connection.execute(f"SELECT {', '.join(CSV_COLUMNS)} FROM feedback ORDER BY id").fetchall()
        return [FeedbackRecord(*row[:7], bool(row[7]), json.loads(row[8])) for row in rows]

    def export_csv(self, path: Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            path.chmod(0o600)
            writer = csv.writer(handle)
            writer.writerow(CSV_COLUMNS)
            for record in self.records():
                row = asdict(record)
                row["refused"] = int(record.refused)
                row["citations"] = json.dumps(record.citations, ensure_ascii=False)
                writer.writerow(_cell(row[column]) for column in CSV_COLUMNS)
        return path

    def export_private(self) -> Path:
        """Export to a new folder only this user can read; the caller deletes it when it has been served."""
        folder = Path(tempfile.mkdtemp(prefix="rag-feedback-"))
        return self.export_csv(folder / f"feedback-{datetime.now():%Y%m%d-%H%M%S}.csv")


def _cell(value: object) -> str:
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _check(rating: str) -> None:
    if rating not in RATINGS:
        raise ValueError(f"rating must be one of {RATINGS}, not {rating!r}")


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


def main(argv: list[str] | None = None) -> int:
    from ..config import Settings

    parser = argparse.ArgumentParser(prog="python -m rag.app.feedback", description="导出问答反馈为 CSV")
    parser.add_argument("output", help="CSV file to write")
    args = parser.parse_args(argv)
    store = FeedbackStore(Settings.from_env().feedback_db)
    try:
        path = store.export_csv(Path(args.output))
    except (OSError, sqlite3.Error) as error:
        print(f"错误：导出失败（{error}）。{store.problem}", file=sys.stderr)
        return 1
    print(f"已导出 {len(store.records())} 条反馈 → {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
