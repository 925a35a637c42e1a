"""Artist names written in katakana ("クイーンの曲が聴きたい": Queen). Japanese writes foreign names by
sound, so no catalog name matches them as typed; cutlet (with UniDic's foreign spellings) gives the name
back in Latin letters ("クイーン": "Queen", "テイラー・スウィフト": "Tailor Swift", close enough for the
fuzzy lookup)."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from functools import cached_property

import cutlet

KATAKANA_RUN = re.compile(r"[\u30a0-\u30ff\u31f0-\u31ff]+")  # including "・" and "ー"
KANJI = re.compile(r"[\u4e00-\u9fff]")
# What follows a name says what it is to the request, in the words the constraint reader knows:
# "エミネムみたいな" is like Eminem, "ビートルズ以外" anything but the Beatles, a name alone their own songs.
LIKE = ("みたい", "っぽい", "のような", "のように", "風の", "系の")
NOT = ("以外", "じゃない", "抜き", "なし")


class KanaNames:
    """Rewrites the katakana words of a message that name a catalog artist in Latin letters, so the constraint
    reader finds the artist as it would in English. Other katakana (ロック, ドライブ) is left as it is."""

    def __init__(self, artist_named: Callable[[str], str | None]) -> None:
        self.artist_named = artist_named  # a Latin name -> the catalog's spelling of the artist, or None
        self._lock = threading.Lock()

    @cached_property
    def _romaji(self) -> cutlet.Cutlet:  # made on the first Japanese message (~25 ms)
        katsu = cutlet.Cutlet()
        katsu.use_foreign_spelling = True
        return katsu

    def latin(self, text: str) -> str:
        def named(run: re.Match[str]) -> str:
            if run.start() and KANJI.match(text[run.start() - 1]):
                return run.group(0)  # the end of a compound word: the トレ of 筋トレ (a workout) is no Train
            with self._lock:  # MeCab's tagger is not shared across threads
                name = self._romaji.romaji(run.group(0)).replace("/", " ").strip()
            artist = self.artist_named(name) if name.isascii() else None
            if artist is None:
                return run.group(0)
            after = text[run.end():]
            how = "like" if after.startswith(LIKE) else "no" if after.startswith(NOT) else "by"
            return f" {how} {artist} "

        return KATAKANA_RUN.sub(named, text)
