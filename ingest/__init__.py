"""Ingest: read letters of every format, clean them and parse their structure into typed records."""

from ingest.parse import parse_text, read_letter
from ingest.readers import SUFFIXES

__all__ = ["read_letter", "parse_text", "SUFFIXES"]
