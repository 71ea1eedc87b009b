"""Turning an uploaded file into message texts, as the real server's file processors do.

- `text/*`: decoded as UTF-8, else UTF-16, else Latin-1;
- `application/json`: must be UTF-8 JSON; its text is the value re-serialized
  (`json.dumps(value, ensure_ascii=False)`), an empty file gives "";
- `application/pdf`: the text of each non-empty page as "[Page N]\\n<text>", pages
  joined by a blank line (the real server uses pdfplumber, the mock pypdf, so layout
  whitespace may differ);
- anything else is refused (415); the type is the file part's declared media type
  (parameters such as `charset` are ignored).
The text is then cut into chunks of at most MAX_MESSAGE_SIZE characters (25000, the
real server's default), preferring to break after a paragraph, a line, a sentence or a
word. Files over MAX_FILE_SIZE bytes (5 MiB, the real default) are refused (413).
"""

from __future__ import annotations

import io
import json

from pypdf import PdfReader

MAX_FILE_SIZE = 5_242_880
MAX_MESSAGE_SIZE = 25_000
PROCESSORS = ["PDFProcessor", "TextProcessor", "JSONProcessor"]
_BREAKS = ("\n\n", "\n", ". ", " ")


class UnsupportedFileType(ValueError):
    """The file's content type has no processor (415)."""

    def __init__(self, content_type: str | None) -> None:
        super().__init__(f"Unsupported file type: {content_type}. Supported types: {PROCESSORS}")


class UnreadableFile(ValueError):
    """A supported type whose content cannot be read (422)."""


class FileTooLarge(ValueError):
    """Over MAX_FILE_SIZE (413)."""

    def __init__(self, size: int) -> None:
        super().__init__(f"File size ({size} bytes) exceeds maximum allowed size ({MAX_FILE_SIZE} bytes)")


def check_size(size: int) -> None:
    if size > MAX_FILE_SIZE:
        raise FileTooLarge(size)


def extract_text(content: bytes, content_type: str | None) -> str:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media == "application/pdf":
        return _pdf_text(content)
    if media.startswith("text/"):
        return _decoded(content)
    if media == "application/json":
        return _json_text(content)
    raise UnsupportedFileType(content_type)


def split_text_into_chunks(text: str, max_chars: int = MAX_MESSAGE_SIZE) -> list[str]:
    """Chunks of at most `max_chars`, broken at the last paragraph/line/sentence/word boundary."""
    if len(text) <= max_chars:
        return [text]
    chunks: list[str] = []
    position = 0
    while position < len(text):
        end = position + max_chars
        if end >= len(text):
            chunks.append(text[position:])
            break
        cut = end
        for delimiter in _BREAKS:
            found = text.rfind(delimiter, position, end)
            if found > position:
                cut = found + len(delimiter)
                break
        chunks.append(text[position:cut])
        position = cut
    return chunks


def _decoded(content: bytes) -> str:
    for encoding in ("utf-8", "utf-16"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    return content.decode("latin-1")


def _json_text(content: bytes) -> str:
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UnreadableFile("JSON uploads must be UTF-8 encoded") from exc
    if not text.strip():
        return ""
    try:
        return json.dumps(json.loads(text), ensure_ascii=False)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise UnreadableFile("Uploaded JSON is invalid") from exc


def _pdf_text(content: bytes) -> str:
    try:
        reader = PdfReader(io.BytesIO(content))
        pages = [page.extract_text() or "" for page in reader.pages]
    except Exception as exc:  # pypdf fails in many ways on broken files; all are the client's file
        raise UnreadableFile("Uploaded PDF could not be read") from exc
    return "\n\n".join(f"[Page {number}]\n{text}" for number, text in enumerate(pages, 1) if text.strip())
