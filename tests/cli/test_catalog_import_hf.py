"""``mlsysim catalog import-hf CONFIG --to DIR``: a real CLI run writing a user catalog folder."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import mlsysim
from mlsysim.catalog_loader import catalog_root

from tests.cli.cli import assert_one_line_error, run

CONFIGS = Path(__file__).resolve().parents[1] / "engine" / "hf_configs"


def _load_user_models(folder: Path) -> dict:
    """The folder's models, as the catalog loader lays the folder over the packaged catalog."""
    ids = tomllib.loads((folder / "models" / "language.toml").read_text("utf-8"))
    catalog = mlsysim.load_catalog(folder, reload=True)
    return {k: catalog.get("model", k) for k in ids}


def test_import_writes_a_loadable_entry_and_keeps_other_entries(tmp_path):
    folder = tmp_path / "my-catalog"
    first = run("catalog", "import-hf", str(CONFIGS / "gpt-oss-20b"), "--to", str(folder), "--id", "MyOSS")
    assert first.returncode == 0, first.stderr
    assert "MyOSS: 20.91B parameters, 4.19B active" in first.stdout
    config = str(CONFIGS / "Qwen3-8B" / "config.json")
    second = run("catalog", "import-hf", config, "--to", str(folder), "--id", "MyQwen")
    assert second.returncode == 0, second.stderr
    models = _load_user_models(folder)
    assert set(models) == {"MyOSS", "MyQwen"}
    qwen = models["MyQwen"]
    # Qwen3-8B model card: 8.2B parameters; 36 layers, 8 KV heads of 128, context 40,960 (config.json)
    assert abs(qwen.spec.parameters / 8.2e9 - 1) < 0.005
    assert (qwen.spec.layers, qwen.spec.kv_heads, qwen.spec.head_dim, qwen.spec.max_context) == (
        36,
        8,
        128,
        40960,
    )
    source = qwen.source_of("layers").source
    assert source.url == "https://huggingface.co/Qwen/Qwen3-8B/blob/main/config.json"
    assert not list(folder.rglob("*.tmp"))  # atomic writes leave no temporary files


def test_an_existing_entry_is_replaced_only_with_force(tmp_path):
    args = ("catalog", "import-hf", str(CONFIGS / "Mistral-7B-v0.1"), "--to", str(tmp_path), "--id", "M7")
    assert run(*args).returncode == 0
    before = (tmp_path / "models" / "language.toml").read_text()
    assert_one_line_error(run(*args), "already has an entry M7", "--force")
    assert (tmp_path / "models" / "language.toml").read_text() == before
    forced = run(*args, "--force")
    assert forced.returncode == 0, forced.stderr
    assert list(_load_user_models(tmp_path)) == ["M7"]


def test_refusals_are_one_line(tmp_path):
    packaged = Path(str(catalog_root()))
    config = str(CONFIGS / "Qwen2.5-7B")
    assert_one_line_error(
        run("catalog", "import-hf", config, "--to", str(packaged / "models")), "packaged catalog is read-only"
    )
    assert_one_line_error(
        run("catalog", "import-hf", config, "--to", str(tmp_path), "--id", "Llama3_8B"),
        "packaged catalog already has model Llama3_8B",
    )
    assert_one_line_error(run("catalog", "import-hf", config), "invalid --to=None")
    assert_one_line_error(
        run("catalog", "import-hf", str(tmp_path / "nowhere"), "--to", str(tmp_path)), "no such config.json"
    )
    assert_one_line_error(
        run("catalog", "hardware", "--to", str(tmp_path)), "only for mlsysim catalog import-hf"
    )
    assert not (tmp_path / "models").exists()


def test_override_replaces_the_packaged_model_where_the_folder_is_used(tmp_path):
    config = str(CONFIGS / "Llama-3.1-8B")
    args = ("catalog", "import-hf", config, "--to", str(tmp_path), "--id", "llama3-8b")
    assert_one_line_error(run(*args), "packaged catalog already has model Llama3_8B", "--override")
    done = run(*args, "--override")
    assert done.returncode == 0, done.stderr
    assert tomllib.loads((tmp_path / "models" / "language.toml").read_text())["Llama3_8B"]["override"] is True
    # The packaged Llama 3 8B has an 8,192-token context; the Llama 3.1 config.json has 131,072.
    assert mlsysim.load_catalog(tmp_path, reload=True).get("model", "Llama3_8B").spec.max_context == 131072
    assert mlsysim.load_catalog().get("model", "Llama3_8B").spec.max_context == 8192
    shown = run("catalog", "models", "Llama3_8B", "--catalog", str(tmp_path), "--json")
    assert shown.returncode == 0, shown.stderr
    values = {v["field"]: v["value"] for v in json.loads(shown.stdout)["values"]}
    assert values["max_context"] == 131072 and values["parameters"] == 8_030_261_248
    assert_one_line_error(
        run("catalog", "import-hf", config, "--to", str(tmp_path), "--id", "Nope", "--override"),
        "no packaged model of that id",
    )
