"""Which texts are scored: the one acceptance rule the HTTP API, the bulk command and Spark all apply.

A text is refused, never cut or cleaned: over the character limit first (that bounds the work a request may ask
for before anything else looks at it), then empty or only whitespace, then text the tokenizer cannot take (a lone
UTF-16 surrogate, which JSON's "\\ud800" escapes can carry). The codes are the error catalogue's
(http/catalogue.py), so the same bad text gets the same code over HTTP and in a bulk run's `error` column.
"""

from dataclasses import dataclass

# The service's default MAX_TEXT_CHARS (Settings reads it from here, and the bulk command defaults to it).
DEFAULT_MAX_TEXT_CHARS = 20_000

TEXT_TOO_LONG = "text_too_long"
EMPTY_TEXT = "empty_text"
INVALID_TEXT = "invalid_text"


@dataclass(frozen=True)
class TextRefusal:
    code: str
    message: str
    # The configured limit the text went over, for text_too_long.
    limit: int | None = None


def check_text(text: str, max_text_chars: int) -> TextRefusal | None:
    """Why this text is not scored, or None when it is."""
    if len(text) > max_text_chars:
        return TextRefusal(TEXT_TOO_LONG, f"text has {len(text)} characters; the limit is {max_text_chars}", max_text_chars)
    if not text.strip():
        return TextRefusal(EMPTY_TEXT, "text is empty or only whitespace")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return TextRefusal(INVALID_TEXT, "text holds a lone UTF-16 surrogate (e.g. \\ud800)")
    return None
