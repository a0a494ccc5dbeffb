"""The parsed-TOML cache: the same tables as ``tomllib`` on a hit and a miss, never stale, and a
cache that cannot be used is only slower, never wrong."""

from __future__ import annotations

import datetime
import importlib.resources
import math
import tomllib

import pytest
from mlsysim import toml_cache


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv(toml_cache.CACHE_ENV, str(folder))
    return folder


def _packaged_texts() -> dict[str, str]:
    root = importlib.resources.files("mlsysim.catalog")
    texts = {"assumptions.toml": root.joinpath("assumptions.toml").read_text("utf-8")}
    for folder in root.iterdir():
        if folder.is_dir() and not folder.name.startswith("__"):
            for item in folder.iterdir():
                if item.name.endswith(".toml"):
                    texts[f"{folder.name}/{item.name}"] = item.read_text("utf-8")
    return texts


def test_every_packaged_file_reads_back_equal_to_tomllib_on_a_miss_and_on_a_hit(cache):
    texts = _packaged_texts()
    assert len(texts) >= 15  # hardware tiers, models, systems, infra, prices, sources, assumptions
    for name, text in texts.items():
        expected = tomllib.loads(text)
        assert toml_cache.loads(text) == expected, name  # miss: parsed, then stored
        assert toml_cache.loads(text) == expected, name  # hit: read from the JSON
    assert len(list(cache.glob("*.json"))) == len(set(texts.values()))


def test_a_hit_is_served_from_the_cache_file(cache):
    text = 'a = 1.5\nb = "x"\n[t]\nc = [1, 2]\n'
    toml_cache.loads(text)
    (stored,) = cache.glob("*.json")
    # Rewrite the cached table: a second call must return what the cache holds, which shows it
    # is read (this is only a test of the mechanism; a user's cache is written by loads alone).
    stored.write_text('{"a": 2.5}', "utf-8")
    assert toml_cache.loads(text) == {"a": 2.5}


def test_floats_keep_every_bit_and_infinity_survives(cache):
    text = "x = 0.1\ny = 3.0000000000000004\nz = inf\nw = -inf\nn = 12345678901234567890\n"
    toml_cache.loads(text)
    again = toml_cache.loads(text)
    assert again["x"] == 0.1 and again["y"] == 3.0000000000000004
    assert again["z"] == math.inf and again["w"] == -math.inf
    assert again["n"] == 12345678901234567890


def test_an_edited_text_is_never_answered_from_the_old_one(cache):
    assert toml_cache.loads("value = 1\n") == {"value": 1}
    assert toml_cache.loads("value = 2\n") == {"value": 2}
    assert toml_cache.loads("value = 1\n") == {"value": 1}


def test_a_damaged_cache_file_is_parsed_again_and_replaced(cache):
    text = "value = 7\n"
    toml_cache.loads(text)
    (stored,) = cache.glob("*.json")
    stored.write_text("{not json", "utf-8")
    assert toml_cache.loads(text) == {"value": 7}
    assert toml_cache.loads(text) == {"value": 7}
    assert stored.read_text("utf-8") == '{"value":7}'


def test_a_cache_folder_that_cannot_be_made_only_costs_time(tmp_path, monkeypatch):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(toml_cache.CACHE_ENV, str(blocker / "cache"))
    assert toml_cache.loads("value = 3\n") == {"value": 3}


def test_dates_are_not_cached_because_json_cannot_hold_them_exactly(cache):
    text = "when = 2024-05-01\n"
    assert toml_cache.loads(text) == {"when": datetime.date(2024, 5, 1)}
    assert toml_cache.loads(text) == {"when": datetime.date(2024, 5, 1)}
    assert list(cache.glob("*.json")) == []


def test_invalid_toml_raises_as_tomllib_does_and_is_not_cached(cache):
    with pytest.raises(tomllib.TOMLDecodeError):
        toml_cache.loads("value = \n")
    assert not cache.exists() or list(cache.glob("*")) == []


def test_the_default_folder_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.delenv(toml_cache.CACHE_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert toml_cache.cache_dir() == tmp_path / "mlsysim-workbook"
