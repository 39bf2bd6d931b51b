"""Trigger words found inside a sentence by their dictionary form."""

from __future__ import annotations

from dialogs.keywords import MAX_WORDS, contains, sentence_of, words_of


def test_word_forms_are_one_word() -> None:
    assert words_of("Хочу поговорить с юристом!") == ("хотеть", "поговорить", "с", "юрист")
    assert words_of("ЮРИСТУ") == words_of("юриста") == ("юрист",)
    assert words_of("Ещё") == words_of("еще")


def test_a_phrase_counts_only_as_consecutive_words() -> None:
    sentence = words_of("покажите мои записи разговоров")
    assert contains(sentence, words_of("записи разговоров"))
    assert not contains(sentence, words_of("разговоров записи"))
    assert not contains(sentence, ())
    assert not contains((), words_of("юрист"))


def test_a_long_message_is_a_story_not_a_request() -> None:
    assert sentence_of("позовите юриста") == ("позвать", "юрист")
    assert sentence_of(" ".join(["слово"] * MAX_WORDS)) != ()
    assert sentence_of(" ".join(["слово"] * (MAX_WORDS + 1)) + " юрист") == ()
