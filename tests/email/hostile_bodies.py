"""Bodies built to make a tag scan backtrack or an HTML parser rescan (see test_linear.py)."""

from __future__ import annotations


def hostile(size: int) -> dict[str, str]:
    """Bodies of at most `size` characters that made a scan backtrack or a parser rescan."""
    return {
        # The review's case: "<a" then spaces took 11 s in template_problem at 100,000.
        "tag then spaces": "<a" + " " * (size - 2),
        # `<\s*/?\s*` can split a run of spaces two ways too.
        "< then spaces": "<" + " " * (size - 1),
        # HTMLParser rescans unclosed start tags: 86 s at 99,000 characters.
        "unclosed start tags": ("<p>" + "<a " * size)[:size],
        "attributes then /": ("<a b" + " " * 60 + "/") * (size // 65),
        "unclosed comments": ("<!--" * size)[:size],
        "unclosed scripts": ("<script>" * size)[:size],
        "almost closed scripts": ("<style></style " * size)[:size],
        "end tag openers": ("</" * size)[:size],
        "declarations": ("<!x " * size)[:size],
        "entity-like runs": ("&" + "a" * 31) * (size // 32),
    }
