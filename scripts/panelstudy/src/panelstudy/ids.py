"""Participant ids as the data contract reads them: what counts as an unclean id, the
optional normalisation (data.normalise_ids), the map from export ids to participant ids
(data.id_map), and the key under which ids that only look different fall together.

An id is text and compared exactly: 'P007' and 'P7' are different participants unless
the config maps one to the other. Two spellings that differ only by whitespace, case
or leading zeros are nevertheless almost always one participant exported twice, so
they are an error until the config says which is which.
"""

from __future__ import annotations

import re
import unicodedata

# Format and control characters print as nothing (zero-width space and joiners, the
# byte-order mark, soft hyphen, direction marks) or not at all (tab, NUL).
INVISIBLE_CATEGORIES = ("Cf", "Cc")
LEADING_ZEROS = re.compile(r"(?<![0-9])0+(?=[0-9])")


def hidden_characters(text: str) -> list[str]:
    """The characters of `text` a reader cannot see: invisible ones anywhere, spaces other
    than the plain one anywhere (a non-breaking space looks like a space but is not one),
    and a plain space at either end."""
    odd = {c for c in text if unicodedata.category(c) in INVISIBLE_CATEGORIES or (c.isspace() and c != " ")}
    if " " in (text[:1], text[-1:]):
        odd.add(" ")
    return sorted(odd)


def character_name(c: str) -> str:
    name = unicodedata.name(c, None)
    return "space" if c == " " else name.lower() if name else f"U+{ord(c):04X}"


def describe_hidden(text: str) -> str:
    """What a reader cannot see in `text`: 'ends with a space', 'contains a zero width space'."""
    parts = [f"{where} with a {character_name(c)}" for where, c in (("starts", text[:1]), ("ends", text[-1:]))
             if c.isspace()]
    inside = text.strip()
    parts += [f"contains a {character_name(c)}" for c in hidden_characters(text) if c != " " and c in inside]
    return ", ".join(parts)


def normalise(text: str) -> str:
    """Invisible characters removed, other spaces made plain, whitespace at the ends cut."""
    kept = (" " if c.isspace() else c for c in text
            if c.isspace() or unicodedata.category(c) not in INVISIBLE_CATEGORIES)
    return "".join(kept).strip()


def lookalike_key(text: str) -> str:
    """What is left of an id without whitespace, case and leading zeros of its numbers."""
    bare = "".join(c for c in normalise(text) if not c.isspace()).casefold()
    return LEADING_ZEROS.sub("", bare)


def visible(text) -> str:
    """A cell as the error table shows it: as written, but quoted with escapes when it is
    empty, starts or ends with whitespace, or holds characters that print as nothing."""
    if not isinstance(text, str):
        return text
    hidden = set(hidden_characters(text)) - {" "}
    if text and not hidden and text == text.strip():
        return text
    return "'" + "".join(f"\\u{ord(c):04x}" if c in hidden else c for c in text) + "'"
