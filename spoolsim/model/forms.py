"""Forms: the built-in list and user forms, with the add/set/get/delete rules.

Rules (MS-RPRN 3.1.4.5; codes as Windows and Samba return them):

- names compare case-insensitively; an empty or over-long name is ERROR_INVALID_FORM_NAME;
- a size that is not positive, or an imageable area outside the sheet, is ERROR_INVALID_FORM_SIZE;
- adding a name that exists is ERROR_FILE_EXISTS;
- built-in forms cannot be changed or deleted (ERROR_INVALID_PARAMETER), and a form cannot be added
  or set with Flags = FORM_BUILTIN (ERROR_INVALID_PARAMETER);
- getting, setting or deleting an unknown name is ERROR_INVALID_FORM_NAME.
"""

from __future__ import annotations

import attrs

from spoolsim.model.builtin_forms import BUILTIN_FORMS
from spoolsim.model.constants import STRING_NONE, FormFlags, Win32
from spoolsim.model.errors import SpoolerError

MAX_FORM_NAME = 255


@attrs.frozen
class Form:
    """A form; sizes in 1/1000 mm. Level-2 fields default to an untranslated name."""

    name: str
    width: int
    height: int
    left: int = 0
    top: int = 0
    right: int = -1
    bottom: int = -1
    flags: int = FormFlags.FORM_USER
    keyword: str = ""
    string_type: int = STRING_NONE
    mui_dll: str | None = None
    resource_id: int = 0
    display_name: str | None = None
    lang_id: int = 0

    def __attrs_post_init__(self) -> None:
        # An imageable area left at -1 means "the whole sheet".
        if self.right < 0:
            object.__setattr__(self, "right", self.width)
        if self.bottom < 0:
            object.__setattr__(self, "bottom", self.height)


def _validate(form: Form) -> None:
    if not form.name or len(form.name) > MAX_FORM_NAME:
        raise SpoolerError(Win32.ERROR_INVALID_FORM_NAME, f"form name {form.name!r}")
    if form.flags not in (FormFlags.FORM_USER, FormFlags.FORM_PRINTER):
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, f"form flags {form.flags}")
    if form.width <= 0 or form.height <= 0:
        raise SpoolerError(Win32.ERROR_INVALID_FORM_SIZE, f"size {form.width}x{form.height}")
    if not (
        0 <= form.left < form.right <= form.width and 0 <= form.top < form.bottom <= form.height
    ):
        raise SpoolerError(Win32.ERROR_INVALID_FORM_SIZE, "imageable area outside the sheet")


@attrs.define
class FormStore:
    """All forms of one server, in enumeration order (built-ins first, then user forms)."""

    _forms: dict[str, Form] = attrs.Factory(dict)

    @classmethod
    def with_builtins(cls) -> FormStore:
        store = cls()
        for name, w, h in BUILTIN_FORMS:
            store._forms[name.lower()] = Form(name, w, h, flags=FormFlags.FORM_BUILTIN)
        return store

    def __len__(self) -> int:
        return len(self._forms)

    def all(self) -> list[Form]:
        return list(self._forms.values())

    def get(self, name: str) -> Form:
        form = self._forms.get(name.lower()) if name else None
        if form is None:
            raise SpoolerError(Win32.ERROR_INVALID_FORM_NAME, f"no form {name!r}")
        return form

    def add(self, form: Form) -> None:
        _validate(form)
        if form.name.lower() in self._forms:
            raise SpoolerError(Win32.ERROR_FILE_EXISTS, f"form {form.name!r} exists")
        self._forms[form.name.lower()] = form

    def set(self, name: str, form: Form) -> None:
        old = self.get(name)
        if old.flags == FormFlags.FORM_BUILTIN:
            raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, f"{old.name!r} is built in")
        # The form keeps the name it was stored under; the container's name must match it.
        if form.name.lower() != old.name.lower():
            raise SpoolerError(Win32.ERROR_INVALID_FORM_NAME, f"cannot rename {old.name!r}")
        _validate(form)
        self._forms[name.lower()] = attrs.evolve(form, name=old.name)

    def delete(self, name: str) -> None:
        old = self.get(name)
        if old.flags == FormFlags.FORM_BUILTIN:
            raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, f"{old.name!r} is built in")
        del self._forms[name.lower()]
