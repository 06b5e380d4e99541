"""HTML and plain text for email bodies, in linear time: is it HTML, and its text/plain reading.

A body template and its render are written by an API caller, so nothing here may take more
than linear time in their length. The stdlib's HTMLParser does not qualify (unclosed start
tags, `"<p>" + "<a " * N`, make it quadratic), and neither does a tag pattern that can match
the same text in two ways (`[^<>]*` then `\\s*` over a run of spaces backtracks through every
split of it). Every pattern below matches a given text in one way only, and a failed try
stops at the next "<" or ">", so a scan of the whole text touches each character a bounded
number of times.
"""

from __future__ import annotations

import html
import re

from markupsafe import Markup

# A tag as a browser reads one: "<", an optional "/", a name, then "/" or whitespace and
# attributes (no "<" or ">" in them), then ">". The name stops where whitespace, "/" or ">"
# begins, so there is one way to match; "< p>" is text to a browser, and so to us.
_TAG = r"<(/?)([A-Za-z][A-Za-z0-9]*)(?:\s[^<>]*|/)?>"
_TAG_RE = re.compile(_TAG)
_MARKUP = re.compile(
    r"<!--.*?(?:-->|\Z)"  # a comment; an unclosed one runs to the end, as in a browser
    r"|<(script|style)(?:\s[^<>]*|/)?>.*?(?:</\1\s*>|\Z)"  # scripts and styles, contents too
    rf"|{_TAG}"
    r"|<[!?][^<>]*>",  # <!DOCTYPE …>, <?xml …?>
    re.IGNORECASE | re.DOTALL)
# Elements that start a new line in the text reading; table cells are set apart by a space.
_BLOCKS = frozenset({"address", "article", "blockquote", "br", "dd", "div", "dl", "dt",
                     "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "ol",
                     "p", "pre", "section", "table", "tr", "ul"})
_CELLS = frozenset({"td", "th"})


def looks_like_html(source: str) -> bool:
    """Whether a body was written as HTML (has tags) rather than plain text."""
    return _TAG_RE.search(source) is not None


def _tag_as_text(match: re.Match[str]) -> str:
    name = (match.group(3) or "").lower()  # None for comments, scripts and declarations
    if name in _BLOCKS:
        return "\n"
    return " " if name in _CELLS else ""


def html_to_text(fragment: str) -> str:
    """The plain-text reading of an HTML body (for the text/plain part)."""
    text = html.unescape(_MARKUP.sub(_tag_as_text, str(fragment)))  # entities after tags
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def text_to_html(text: str) -> Markup:
    """Plain text as escaped HTML paragraphs, single newlines as line breaks."""
    # `\n\s*\n` fails only over a run of whitespace holding no other "\n": linear.
    paragraphs = [p.strip("\n") for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    parts = ["<p>" + html.escape(p).replace("\n", "<br>\n") + "</p>" for p in paragraphs]
    return Markup("\n".join(parts))  # escaped above
