"""Named errors that the CLI and UI turn into clear messages."""


class LettersError(Exception):
    """Base of every error the project raises on purpose."""


class SettingsError(LettersError):
    """A bad setting: the message names the value and the allowed ones."""


class LetterReadError(LettersError):
    """A file could not be read or is not a letter; the message names the file and the reason."""

    def __init__(self, file: str, reason: str):
        super().__init__(f"{file}: {reason}")
        self.file = file
        self.reason = reason


class IndexMissingError(LettersError):
    """The index folder is missing or unreadable."""


class IndexBusyError(LettersError):
    """Another ingest holds the index lock."""


class ModelMissingError(LettersError):
    """The embedding model folder is missing."""
