"""The Rasa server's API token comes from MADOGUCHI_API_TOKEN or the file MADOGUCHI_API_TOKEN_FILE names, never argv."""
import os

import pytest

from assistant.server.serve import read_token


def test_the_token_is_read_from_the_file_named_when_the_environment_has_none(tmp_path, monkeypatch):
    path = tmp_path / "api_token"
    path.write_text("file-token-4f1c9a\n", encoding="utf-8")
    os.chmod(path, 0o600)
    monkeypatch.delenv("MADOGUCHI_API_TOKEN", raising=False)
    monkeypatch.setenv("MADOGUCHI_API_TOKEN_FILE", str(path))
    assert read_token() == "file-token-4f1c9a"
    monkeypatch.setenv("MADOGUCHI_API_TOKEN", "env-token-77b2")  # the environment's own token comes first
    assert read_token() == "env-token-77b2"


def test_an_empty_token_file_starts_no_server(tmp_path, monkeypatch):
    (tmp_path / "api_token").write_text("  \n", encoding="utf-8")
    monkeypatch.delenv("MADOGUCHI_API_TOKEN", raising=False)
    monkeypatch.setenv("MADOGUCHI_API_TOKEN_FILE", str(tmp_path / "api_token"))
    with pytest.raises(SystemExit, match="MADOGUCHI_API_TOKEN_FILE"):
        read_token()
