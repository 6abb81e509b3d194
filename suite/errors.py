"""Errors the suite raises on purpose. Their messages are shown to users as they are, so they say what to do."""


class SuiteError(Exception):
    """Base of every expected failure; pages show `str(err)` with st.error, the CLI exits 2."""


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
