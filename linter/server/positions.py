"""Positions between pipelint and an LSP client.

pipelint counts lines and columns from 1, columns in code points, lines ended by `\\n`,
`\\r\\n` or a lone `\\r` (linter.document.LineIndex), which are the line ends LSP names too.
LSP counts from 0, characters in the units of the negotiated position encoding: UTF-16
unless client and server agree on UTF-8 or UTF-32. Nothing here imports pygls.
"""

from __future__ import annotations

from linter.document import LineIndex

UTF8, UTF16, UTF32 = "utf-8", "utf-16", "utf-32"


def units(text: str, encoding: str) -> int:
    """The length of `text` in the encoding's code units."""
    if encoding == UTF32 or text.isascii():
        return len(text)
    if encoding == UTF8:
        return len(text.encode("utf-8", "surrogatepass"))
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


class Positions:
    """Converts between one text's pipelint positions, character offsets and LSP positions."""

    def __init__(self, text: str, encoding: str = UTF16) -> None:
        self.text = text
        self.encoding = encoding
        self.lines = LineIndex(text)

    def to_lsp(self, line: int, column: int) -> tuple[int, int]:
        """A 1-based (line, column in code points) as a 0-based (line, character in units)."""
        count = len(self.lines.starts)
        if line > count:  # past the end: the end of the last line
            line = count
            column = len(self.lines.line_text(line)) + 1
        line = max(line, 1)
        prefix = self.lines.line_text(line)[:max(column - 1, 0)]
        return line - 1, units(prefix, self.encoding)

    def offset_to_lsp(self, offset: int) -> tuple[int, int]:
        return self.to_lsp(*self.lines.position(max(0, min(offset, len(self.text)))))

    def to_offset(self, line: int, character: int) -> int:
        """A 0-based LSP position as a character offset into the text (clamped to its line)."""
        if line >= len(self.lines.starts):
            return len(self.text)
        line_text = self.lines.line_text(line + 1)
        seen = 0
        column = 0
        for column, char in enumerate(line_text):
            if seen >= character:
                break
            seen += units(char, self.encoding)
        else:
            column = len(line_text)
        return self.lines.starts[line] + column

    def to_pipelint(self, line: int, character: int) -> tuple[int, int]:
        """A 0-based LSP position as pipelint's 1-based (line, column)."""
        return self.lines.position(self.to_offset(line, character))
