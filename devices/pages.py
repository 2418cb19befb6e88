"""Counting the pages in print data.

The rule is the one a raw-mode page counter uses: every form feed (0x0C) ends a page, and any
bytes after the last form feed make one more page (the printer ejects what it has when the job
ends). So ``b""`` is 0 pages, ``b"abc"`` and ``b"abc\\f"`` are 1, ``b"\\f\\f"`` is 2 and
``b"a\\fb"`` is 2. The rule looks at bytes only: a print language's own reset sequence after the
last form feed (PCL's ``ESC E``, for example) counts as a page too.

``PageCounter`` applies the same rule to data arriving in chunks, holding only a count and one
flag, so the result is the same however the data is split.
"""

from __future__ import annotations

FORM_FEED = 0x0C


def count_pages(data: bytes | bytearray) -> int:
    """The number of pages in ``data`` (form feeds, plus one for trailing bytes)."""
    feeds = data.count(FORM_FEED)
    tail = len(data) > 0 and data[-1] != FORM_FEED
    return feeds + tail


class PageCounter:
    """Counts pages incrementally; ``feed`` chunks in any split, read ``pages`` at any time."""

    def __init__(self) -> None:
        self._feeds = 0
        self._open = False  # bytes seen since the last form feed

    def feed(self, chunk: bytes) -> None:
        """Account for the next chunk of print data."""
        if not chunk:
            return
        self._feeds += chunk.count(FORM_FEED)
        self._open = chunk[-1] != FORM_FEED

    @property
    def pages(self) -> int:
        """Pages so far, counting an unfinished last page as one."""
        return self._feeds + self._open
