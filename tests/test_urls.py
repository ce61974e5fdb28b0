"""absolute_url()'s fast path for plain links must give what urljoin + safe_url_string give."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from brief_scraper.urls import _absolute_url_slow, absolute_url

BASES = ("https://www.wilsoncenter.org/publication/a-brief", "http://Example.ORG:8080/x/y?z=1#w")

# Characters links are made of, the awkward ones included: dots (dot segments), "%" with and
# without hex digits, quotes, spaces, "?", "#", non-ASCII.
_LINK_CHARS = st.sampled_from([*"abcAZ09-_.~/?#%&=;:@!$'()*+, é\"<>|", "%2e", "%41", "..", "./"])
_links = st.builds(
    lambda prefix, body: prefix + "".join(body),
    st.sampled_from(
        ["", "/", "//", "https://", "http://X.org", "https://x.org", "https://x.org:8443", "mailto:"]
    ),
    st.lists(_LINK_CHARS, max_size=30),
)


@settings(max_examples=2000, deadline=None)
@given(href=_links, base=st.sampled_from(BASES))
def test_fast_path_agrees_with_urljoin_and_w3lib(href: str, base: str) -> None:
    assert absolute_url(href, base) == (_absolute_url_slow(href.strip(), base) if href.strip() else None)


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        ("/a/../b", "https://www.wilsoncenter.org/b"),
        ("https://x.org/a/./b#frag", "https://x.org/a/./b"),  # urljoin keeps an absolute link's
        ("/a/;b", "https://www.wilsoncenter.org/a/;b"),
        ("https://X.ORG", "https://x.org/"),
        ("https://x.org/shop?", "https://x.org/shop"),
        ("https://x.org/s?t=it's", "https://x.org/s?t=it%27s"),
        ("/files/My Brief.pdf", "https://www.wilsoncenter.org/files/My%20Brief.pdf"),
        ("//cdn.x.org/a", "https://cdn.x.org/a"),
    ],
)
def test_links_that_need_the_slow_path(href: str, expected: str) -> None:
    assert absolute_url(href, BASES[0]) == expected
