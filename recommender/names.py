"""Name normalisation used to join artists across datasets and to match names typed in chat."""

from __future__ import annotations

import re
import unicodedata

_FEAT = re.compile(r"\s*[\(\[]\s*(feat\.?|ft\.?|featuring|with)\b.*?[\)\]]", re.IGNORECASE)
# Versions of one recording: "- 2011 Remaster", "- 2011 Mix" (Queen's remixed catalogue), "- Original Mix", "(Explicit)", "- Single Version", "- From "Fifty
# Shades Of Grey"", "- Studio Recording From The Voice Performance", "- Recorded at Electric Lady Studios".
_VERSION = (r"(\d{4}\s+mix|(\d{4}\s+)?(remaster(ed)?|live|radio edit|mono|stereo|original (version|mix|album version)|"
            r"single version|album version|(single|new stereo|stereo|mono) mix|explicit|clean|from|studio recording|"
            r"recorded at))")
_SUFFIX = re.compile(r"\s+-\s+" + _VERSION + r"\b.*$|\s*[\(\[]" + _VERSION + r"\b[^\)\]]*[\)\]]", re.IGNORECASE)
_NON_WORD = re.compile(r"[^\w\s]+", re.UNICODE)
_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower-case, strip accents, turn punctuation into spaces, squeeze whitespace."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.lower().replace("&", " and ")
    text = _NON_WORD.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def artist_key(name: str) -> str:
    """Join key for an artist name: "The Beatles" and "Beatles" differ on purpose (they can be different acts)."""
    return fold(_FEAT.sub("", name))


def without_featured(title: str) -> str:
    """The title as written, less its featured artists ("B-Town (feat. Sunny Malton)" says nothing of sunshine)."""
    return _FEAT.sub("", title)


def title_key(title: str) -> str:
    """A song's title without its featured artists and versions: "Blinding Lights - Remastered" is "blinding lights"."""
    return fold(_SUFFIX.sub("", _SUFFIX.sub("", _FEAT.sub("", title))))


def track_key(artist: str, title: str) -> str:
    return f"{artist_key(artist)}|{title_key(title)}"
