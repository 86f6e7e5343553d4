"""Logging for the command line and the app: the package's own records on stderr, other libraries' only when
they warn (some, such as bm25s, set their loggers to DEBUG themselves: a filter on the handler silences them)."""

from __future__ import annotations

import logging
import sys

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
PACKAGE = "rag"


class _Threshold(logging.Filter):
    def __init__(self, own: int, libraries: int):
        super().__init__()
        self.own, self.libraries = own, libraries

    def filter(self, record: logging.LogRecord) -> bool:
        own = record.name == PACKAGE or record.name.startswith(PACKAGE + ".")
        return record.levelno >= (self.own if own else self.libraries)


def configure_logging(level: str, progress: bool = False) -> None:
    """`level` (RAG_LOG_LEVEL) applies to the package's loggers; with `progress` their INFO records (the stages
    of model conversion, model loading and index build, with progress and elapsed time) are shown whatever the
    level. Other libraries log from WARNING up, or from DEBUG when `level` is DEBUG."""
    own = logging.getLevelName(level.upper())
    if not isinstance(own, int):
        own = logging.WARNING
    if progress:
        own = min(own, logging.INFO)
    libraries = logging.DEBUG if own <= logging.DEBUG else logging.WARNING
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT, datefmt="%H:%M:%S"))
    handler.addFilter(_Threshold(own, libraries))
    logging.basicConfig(level=min(own, libraries), handlers=[handler], force=True)
    logging.getLogger(PACKAGE).setLevel(own)
