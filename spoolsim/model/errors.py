"""The model's single exception: a rule was broken, with the Win32 code that says which.

Model operations raise :class:`SpoolerError`; the method surface in ``spoolsim.rpc`` turns it into
the call's return value, so protocol outcomes never escape as exceptions.
"""

from __future__ import annotations


class SpoolerError(Exception):
    """A protocol rule refused an operation.

    Attributes:
        code: the Win32 error code to return.
        detail: a human-readable sentence naming what was wrong.
    """

    def __init__(self, code: int, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else str(code))
        self.code = int(code)
        self.detail = detail
