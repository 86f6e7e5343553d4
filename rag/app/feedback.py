"""Feedback on answers (👍/👎 and an optional comment), kept in SQLite in the data directory.

Every change is committed at once, so nothing is lost when the app restarts. Export as CSV with
``python -m rag.feedback feedback.csv`` (UTF-8 with BOM, so spreadsheet programs read the Chinese text).
"""

from __future__ import annotations

import argparse
import csv
import json
import sqlite3
import sys
from contextlib import closing
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from ..schema import Answer

RATINGS = ("up", "down")
CSV_COLUMNS = ("id", "time", "rating", "comment", "question", "understood_as", "answer", "refused", "citations")

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


class FeedbackStore:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as connection:
            connection.execute(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        # One short-lived connection per call: the app calls from several threads.
        connection = sqlite3.connect(self.path, timeout=10)
        connection.execute("PRAGMA journal_mode=WAL")
        return connection

    def _write(self, sql: str, parameters: tuple) -> sqlite3.Cursor:
        with closing(self._connect()) as connection, connection:
            return connection.execute(sql, parameters)

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
            writer = csv.writer(handle)
            writer.writerow(CSV_COLUMNS)
            for record in self.records():
                row = asdict(record)
                row["refused"] = int(record.refused)
                row["citations"] = json.dumps(record.citations, ensure_ascii=False)
                writer.writerow(row[column] for column in CSV_COLUMNS)
        return path


def _check(rating: str) -> None:
    if rating not in RATINGS:
        raise ValueError(f"rating must be one of {RATINGS}, not {rating!r}")


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


def main(argv: list[str] | None = None) -> int:
    from ..config import Settings

    parser = argparse.ArgumentParser(prog="python -m rag.feedback", description="导出问答反馈为 CSV")
    parser.add_argument("output", help="CSV file to write")
    args = parser.parse_args(argv)
    store = FeedbackStore(Settings.from_env().feedback_db)
    path = store.export_csv(Path(args.output))
    print(f"已导出 {len(store.records())} 条反馈 → {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
