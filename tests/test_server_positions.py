"""The language server's position conversions (pure: no pygls needed)."""

from __future__ import annotations

from linter.server.positions import UTF8, UTF16, UTF32, Positions

TEXT = "a: \U0001F600é x\r\nb: 1\rc: 2\n"   # a non-BMP character, CRLF and a lone CR


def test_columns_in_each_encoding() -> None:
    # pipelint's column 7 on line 1 is the `x` (code points: a : space emoji é space x)
    assert Positions(TEXT, UTF32).to_lsp(1, 7) == (0, 6)
    assert Positions(TEXT, UTF16).to_lsp(1, 7) == (0, 7)    # the emoji is two UTF-16 units
    assert Positions(TEXT, UTF8).to_lsp(1, 7) == (0, 10)    # four bytes, and two for é


def test_round_trips_and_line_ends() -> None:
    for encoding in (UTF8, UTF16, UTF32):
        p = Positions(TEXT, encoding)
        for offset in range(len(TEXT) + 1):
            if TEXT[offset - 1:offset + 1] == "\r\n":
                continue  # between CR and LF is no position an editor has
            assert p.to_offset(*p.offset_to_lsp(offset)) == offset, (encoding, offset)
    p = Positions(TEXT)
    assert p.to_lsp(2, 1) == (1, 0) and p.to_lsp(3, 4) == (2, 3)   # CRLF and lone CR end lines
    assert p.to_pipelint(2, 3) == (3, 4)


def test_positions_past_the_end_are_clamped() -> None:
    p = Positions("ab\ncd")
    assert p.to_lsp(9, 1) == (1, 2)        # past the last line: the end of the last line
    assert p.to_lsp(1, 9) == (0, 2)        # past a line's end: its end
    assert p.to_offset(0, 99) == 2 and p.to_offset(7, 0) == 5
