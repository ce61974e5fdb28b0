"""parse_root(): which encoding a page is read in, by the rules decode_html follows."""

from __future__ import annotations

import pytest

from brief_scraper.parsing import decode_html, parse_root

HEAD = "<html><head>{meta}<title>t</title></head><body><p>{text}</p></body></html>"


@pytest.mark.parametrize(
    ("meta", "body_encoding", "header"),
    [
        ("", "utf-8", None),  # nothing declared, valid UTF-8
        ("", "cp1252", None),  # nothing declared, not UTF-8: guessed
        ('<meta charset="utf-8">', "utf-8", None),
        ('<meta charset="windows-1252">', "cp1252", None),
        ('<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">', "cp1252", None),
        # Valid UTF-8 declared Latin: a saved page that lost the header that said UTF-8.
        ('<meta charset="windows-1252">', "utf-8", None),
        ('<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">', "utf-8", None),
        ('<meta charset="windows-1251">', "cp1251", None),  # other declarations still win
        ('<meta charset="windows-1252">', "utf-8", "text/html; charset=utf-8"),  # the header wins
        ("", "cp1252", "text/html; charset=windows-1252"),
    ],
)
def test_the_parsed_text_is_what_decode_html_reads(meta: str, body_encoding: str, header: str | None) -> None:
    text = "café “quoted” – naïve" if body_encoding != "cp1251" else "кафе «в кавычках»"
    body = HEAD.format(meta=meta, text=text).encode(body_encoding)
    expected = parse_root(decode_html(body, header).encode("utf-8"), "text/html; charset=utf-8")
    assert parse_root(body, header).findtext(".//p") == expected.findtext(".//p") == text
