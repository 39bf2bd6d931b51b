"""People's names in the case a Russian sentence needs: «с юристом Иваном Смирновым».

pymorphy3 parses each word of the name; the first name and patronymic tell the gender, so a
woman's surname is declined as a woman's («с Анной Петровой»), and one that does not change
for a woman («Ольга Мельник») stays as it is while a man's is declined («с Игорем Мельником»).
Words pymorphy3 does not take for a name part (initials, Latin letters, an unknown word) are
left unchanged. The analyser is loaded once, on first use.
"""

from __future__ import annotations

from functools import cache, lru_cache

import pymorphy3

CASES = {
    "nom": "nomn",
    "nomn": "nomn",
    "gen": "gent",
    "gent": "gent",
    "dat": "datv",
    "datv": "datv",
    "acc": "accs",
    "accs": "accs",
    "ins": "ablt",
    "ablt": "ablt",
    "abl": "ablt",
    "pre": "loct",
    "loct": "loct",
    "prep": "loct",
}
"""Case names a template may use: short Latin ones (``ins``) or pymorphy3's own (``ablt``)."""

_NAME_PARTS = frozenset({"Name", "Surn", "Patr"})


class UnknownCase(ValueError):
    pass


def warm_up() -> None:
    """Load the dictionaries now (a bot that declines names calls this at load, off the hot path)."""
    analyzer()


@lru_cache(maxsize=4096)
def decline_name(full_name: str, case: str) -> str:
    """``full_name`` ("Иван Смирнов", "Смирнова Анна Сергеевна") in ``case`` (see :data:`CASES`)."""
    grammeme = CASES.get(case.lower())
    if grammeme is None:
        raise UnknownCase(f"unknown case '{case}' (use one of: nom, gen, dat, acc, ins, pre)")
    words = full_name.split()
    if grammeme == "nomn" or not words:
        return full_name
    gender = _gender(words)
    return " ".join(_decline_word(word, grammeme, gender) for word in words)


@cache
def analyzer() -> pymorphy3.MorphAnalyzer:
    """pymorphy3's analyser, loaded once (its dictionaries take about half a second)."""
    return pymorphy3.MorphAnalyzer()


def _gender(words: list[str]) -> str | None:
    for word in words:
        for parse in analyzer().parse(word):
            if {"Name", "Patr"} & parse.tag.grammemes and "nomn" in parse.tag.grammemes:
                return "femn" if "femn" in parse.tag.grammemes else "masc"
    return None


def _decline_word(word: str, grammeme: str, gender: str | None) -> str:
    if not word.isalpha() or not _is_cyrillic(word):
        return word
    candidates = [
        parse
        for parse in analyzer().parse(word)
        if _NAME_PARTS & parse.tag.grammemes
        and "nomn" in parse.tag.grammemes
        and "sing" in parse.tag.grammemes
        and (gender is None or parse.tag.gender in (gender, None) or "Ms-f" in parse.tag.grammemes)
    ]
    if not candidates and gender == "masc":
        # A man's surname that is also a word («Мельник», «Кузнец») declines like that word.
        candidates = [
            parse
            for parse in analyzer().parse(word)
            if {"NOUN", "masc", "sing", "nomn"} <= parse.tag.grammemes
        ]
    if not candidates:
        return word
    inflected = candidates[0].inflect({grammeme, "sing"})
    if inflected is None:
        return word
    return _same_capitals(word, inflected.word)


def _is_cyrillic(word: str) -> bool:
    return all("а" <= letter.lower() <= "я" or letter.lower() == "ё" or letter == "-" for letter in word)


def _same_capitals(original: str, declined: str) -> str:
    parts = declined.split("-")
    originals = original.split("-")
    return "-".join(
        part.capitalize() if index < len(originals) and originals[index][:1].isupper() else part
        for index, part in enumerate(parts)
    )


def decline_place(place: str, case: str) -> str:
    """A place name in ``case``: «Москва» -> «Москве» (``dat``); one pymorphy3 does not know stays."""
    grammeme = CASES.get(case.lower())
    if grammeme is None:
        raise UnknownCase(f"unknown case '{case}'")
    words = place.split()
    if len(words) != 1 or not _is_cyrillic(words[0]):
        return place
    for parse in analyzer().parse(place):
        if {"Geox", "nomn", "sing"} <= parse.tag.grammemes:
            inflected = parse.inflect({grammeme, "sing"})
            if inflected is not None:
                return _same_capitals(place, inflected.word)
    return place
