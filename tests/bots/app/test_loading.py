from __future__ import annotations

from pathlib import Path

import pytest

from bots.app.loading import bot_directory, bot_name


def test_a_name_is_looked_up_in_the_bots_directory(tmp_path: Path) -> None:
    assert bot_directory("legal", tmp_path) == tmp_path / "legal"


@pytest.mark.parametrize("entry", ["./elsewhere/support", "/srv/bots/support", "../support"])
def test_a_path_is_taken_as_it_is(entry: str, tmp_path: Path) -> None:
    directory = bot_directory(entry, tmp_path)
    assert directory.is_absolute()
    assert directory.name == "support"


def test_the_bot_name_comes_from_the_directory() -> None:
    assert bot_name(Path("/srv/bots/Support-Desk")) == "support_desk"
    with pytest.raises(ValueError, match="bot directory name"):
        bot_name(Path("/srv/bots/1st"))
