"""Errors the suite raises on purpose, and the sentences it says to people in their language.

An error's message is shown to users as it is, so it says what to do. A sentence a non-technical person meets
on the dashboard (a refused upload, a failed sign-in, a progress step, a busy database) is a `Message`: a
`str` whose value is the English text of a catalogue key (`suite/i18n/locales/*/LC_MESSAGES/services.po`),
so the CLI, the API and the logs read English exactly as before, while a page shows it in its own language:

    raise InvalidInput(message("services.upload.empty", name=shown))
    str(err)                        # 'notes.txt: the file is empty.'   (CLI, API, logs)
    localized(err, "zh_CN")         # 'notes.txt：文件是空的。'          (the dashboard, pages/ui.py)

`tests/test_service_messages.py` fails when a key given to `message(...)` under suite/ is missing from the
catalogue of either language.
"""

from __future__ import annotations

from typing import Any


class Message(str):
    """A sentence for people: English as a `str`, with the catalogue `key` and `params` to say it in another
    language (`in_language`). Params that are Messages themselves are translated with it."""

    key: str
    params: dict[str, Any]

    def __new__(cls, key: str, /, **params: Any) -> Message:
        from suite import i18n

        self = super().__new__(cls, i18n.t(i18n.DEFAULT, key, **params))
        self.key, self.params = key, params
        return self

    def __reduce__(self):  # pickled with its key (errors cross process boundaries in the worker and the API)
        return (_rebuild, (self.key, self.params))

    def in_language(self, language: str | None) -> str:
        """The sentence in `language` (English when the language lacks the key)."""
        from suite import i18n

        params = {k: localized(v, language) if isinstance(v, Message) else v for k, v in self.params.items()}
        return i18n.t(language, self.key, **params)


def _rebuild(key: str, params: dict[str, Any]) -> Message:
    return Message(key, **params)


def message(key: str, /, **params: Any) -> Message:
    """The sentence `key` of the service catalogue with its `{placeholders}` filled (see the module docstring)."""
    return Message(key, **params)


def localized(value: object, language: str | None) -> str:
    """What to show a person for `value` in `language`: a Message (or an error raised with one) translated,
    anything else as its own text."""
    if isinstance(value, BaseException):
        value = value.args[0] if len(value.args) == 1 and isinstance(value.args[0], Message) else str(value)
    if isinstance(value, Message):
        return value.in_language(language)
    return str(value if value is not None else "")


class SuiteError(Exception):
    """Base of every expected failure; pages show it with st.error (in their language when raised with a
    `Message`), the CLI exits 2 with `str(err)`."""

    @property
    def message(self) -> Message | None:
        """The catalogue sentence this error was raised with, if any."""
        first = self.args[0] if self.args else None
        return first if isinstance(first, Message) else None


class InvalidInput(SuiteError):
    """The user's input (a file, a question, a CSV row) cannot be used as given."""


class NotFound(SuiteError):
    """A named thing (a shopper, a document, a model version) does not exist."""


class ModelUnavailable(SuiteError):
    """A model's files are not on this machine, or cannot be loaded on the chosen device."""


class StoreBusy(SuiteError):
    """The database stayed locked by another process for longer than we are willing to wait."""


class StoreFull(SuiteError):
    """The disk under SUITE_HOME is full: a write could not be saved (nothing was half-written)."""


class StoreCorrupt(SuiteError):
    """The database file is damaged or is not a DuckDB database; `suite store check` and `restore` are the way out."""
