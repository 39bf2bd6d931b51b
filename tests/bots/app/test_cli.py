"""The ``omnicab`` command as a designer and an operator use it."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bots.app.cli import main

ROOT = Path(__file__).resolve().parents[3]
LEGAL = ROOT / "bots" / "legal"


def test_validate_accepts_the_demo_bot(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(LEGAL)]) == 0
    assert "ok" in capsys.readouterr().out


def test_validate_names_file_line_and_column_of_every_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "legal"
    shutil.copytree(LEGAL, broken)
    main_yaml = broken / "flows" / "main.yaml"
    text = main_yaml.read_text(encoding="utf-8")
    main_yaml.write_text(text.replace("goto: faq}", "goto: no_such_flow}"), encoding="utf-8")
    en = broken / "locales" / "en.yaml"
    en.write_text(en.read_text(encoding="utf-8") + "\nbroken: [unclosed\n", encoding="utf-8")

    assert main(["validate", str(broken)]) == 1
    err = capsys.readouterr().err
    assert f"{en}:" in err
    fixed = en.read_text(encoding="utf-8").replace("\nbroken: [unclosed\n", "\n")
    en.write_text(fixed, encoding="utf-8")

    assert main(["validate", str(broken)]) == 1
    err = capsys.readouterr().err
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "goto: faq}" in row)
    assert f"{main_yaml}:{line}:" in err
    assert "no_such_flow" in err


def test_scripts_of_the_demo_bot_pass_with_real_actions(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["test", str(LEGAL)]) == 0
    out = capsys.readouterr().out
    assert "0 failed" in out
    assert "PASS" in out


def test_a_failing_script_fails_the_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "wrong.yaml"
    script.write_text("steps:\n  - user: /start\n  - bot: Такого текста нет\n", encoding="utf-8")
    assert main(["test", str(LEGAL), str(script)]) == 1
    assert "FAIL" in capsys.readouterr().out


def _chat_in_the_terminal(tmp_path: Path, typed: str) -> subprocess.CompletedProcess[str]:
    """``omnicab chat`` on the legal bot as «Анна», fed ``typed`` line by line."""
    env = {
        **os.environ,
        "OMNICAB_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'chat.db'}",
        "OMNICAB_DATA_DIR": str(tmp_path),
    }
    return subprocess.run(
        [sys.executable, "-m", "bots.app.cli", "chat", str(LEGAL), "--name", "Анна"],
        input=typed,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=180,
        check=False,
    )


def test_chat_in_the_terminal(tmp_path: Path) -> None:
    result = _chat_in_the_terminal(tmp_path, "2\n/quit\n")
    assert result.returncode == 0, result.stderr
    assert "Анна" in result.stdout
    assert "1. Новое обращение" in result.stdout
    assert "2. Частые вопросы" in result.stdout
    after_press = result.stdout.split("2. Частые вопросы", 1)[1]
    assert "bot:" in after_press


def test_the_terminal_asks_for_a_number_as_it_numbers_every_choice(tmp_path: Path) -> None:
    result = _chat_in_the_terminal(tmp_path, "что-то непонятное\n/quit\n")
    assert result.returncode == 0, result.stderr
    assert "bot: Пожалуйста, выберите вариант и отправьте его номер." in result.stdout
    assert "выберите вариант кнопкой" not in result.stdout


def test_invalid_settings_are_reported_clearly(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OMNICAB_DATABASE_URL", "mysql://nope")
    assert main(["migrate"]) == 2
    assert "database_url" in capsys.readouterr().err


def test_a_port_already_in_use_is_one_clear_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        env = {
            **os.environ,
            "OMNICAB_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'run.db'}",
            "OMNICAB_DATA_DIR": str(tmp_path),
        }
        result = subprocess.run(
            [sys.executable, "-m", "bots.app.cli", "run", "--demo", "--port", str(port)],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            timeout=60,
            check=False,
        )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr
    assert "omnicab: demo" not in result.stdout


def test_chat_reaches_the_cabinet_with_a_typed_phone(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "OMNICAB_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'chat.db'}",
        "OMNICAB_DATA_DIR": str(tmp_path),
    }
    my_requests = "3"
    result = subprocess.run(
        [sys.executable, "-m", "bots.app.cli", "chat", str(LEGAL), "--name", "Анна"],
        input=f"{my_requests}\n+7 900 000-00-01\n/quit\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Поделиться номером" in result.stdout
    assert "У вас пока нет обращений" in result.stdout
    assert "Номер нужно подтвердить" not in result.stdout
