from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config import env


def test_env_bool_accepts_common_spellings(monkeypatch: pytest.MonkeyPatch) -> None:
    for raw, expected in [("1", True), ("TRUE", True), ("on", True), ("0", False), ("no", False), ("", False)]:
        monkeypatch.setenv("QD_FLAG", raw)
        assert env.env_bool("QD_FLAG") is expected


def test_env_bool_fails_loudly_on_garbage(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QD_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match=r"QD_FLAG='maybe' is not a boolean"):
        env.env_bool("QD_FLAG", False)


def test_env_int_checks_type_and_minimum(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QD_N", "12x")
    with pytest.raises(ImproperlyConfigured, match="QD_N='12x' is not an integer"):
        env.env_int("QD_N", 3)
    monkeypatch.setenv("QD_N", "0")
    with pytest.raises(ImproperlyConfigured, match="QD_N=0 must be >= 1"):
        env.env_int("QD_N", 3, minimum=1)
    monkeypatch.delenv("QD_N")
    assert env.env_int("QD_N", 3) == 3


def test_required_variable_names_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QD_REQUIRED", raising=False)
    with pytest.raises(ImproperlyConfigured, match="QD_REQUIRED is required"):
        env.env_str("QD_REQUIRED")


def test_env_url_rejects_wrong_scheme(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QD_URL", "mysql://x")
    with pytest.raises(ImproperlyConfigured, match="must be a URL with scheme redis"):
        env.env_url("QD_URL", "", schemes=("redis",))


def test_env_list_and_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("QD_LIST", "a, b,,c")
    assert env.env_list("QD_LIST") == ["a", "b", "c"]
    monkeypatch.setenv("QD_PATH", str(tmp_path / "x" / ".." / "y"))
    assert env.env_path("QD_PATH") == tmp_path / "y"
