import pytest

from sentiment_service.settings import Settings, available_cpus, load_settings


def test_defaults(monkeypatch):
    settings = load_settings()
    assert settings.port == 8000 and settings.bind_host == "0.0.0.0"
    assert settings.worker_count == available_cpus(), "one worker per CPU this process may use"
    assert settings.ort_threads == max(1, available_cpus() // settings.worker_count)
    assert load_settings(workers=3).ort_threads == max(1, available_cpus() // 3)


@pytest.mark.parametrize("name, value", [("PORT", "eighty"), ("PORT", "70000"), ("MAX_TEXT_CHARS", "0"),
                                         ("LOG_LEVEL", "loud"), ("WORKERS", "-1"), ("CORS_ORIGINS", "*")])
def test_a_bad_value_stops_start_up_naming_the_variable(monkeypatch, capsys, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as exit_info:
        load_settings()
    assert exit_info.value.code == 2
    assert name in capsys.readouterr().err


def test_lists_and_keys_file(monkeypatch, tmp_path):
    keys = tmp_path / "keys"
    keys.write_text("# rotated monthly\nkey-two\n")
    monkeypatch.setenv("API_KEYS", "key-one")
    monkeypatch.setenv("API_KEYS_FILE", str(keys))
    monkeypatch.setenv("CORS_ORIGINS", "https://a.example, https://b.example")
    settings = Settings()
    assert [k.get_secret_value() for k in settings.api_keys] == ["key-one", "key-two"]
    assert settings.cors_origins == ["https://a.example", "https://b.example"]
    assert "key-one" not in repr(settings)


@pytest.mark.parametrize("files, expected", [
    ({"cpu.max": "100000 100000"}, 1),
    ({"cpu.max": "max 100000"}, None),
    ({"cpu/cpu.cfs_quota_us": "150000", "cpu/cpu.cfs_period_us": "100000"}, 1),
    ({"cpu/cpu.cfs_quota_us": "-1", "cpu/cpu.cfs_period_us": "100000"}, None),
    ({}, None),
])
def test_cpus_respect_cgroup_quotas(tmp_path, files, expected):
    import os

    from sentiment_service.settings import available_cpus

    for name, content in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(content)
    affinity = len(os.sched_getaffinity(0))
    assert available_cpus(tmp_path) == (min(affinity, expected) if expected else affinity)


def test_one_model_or_a_folder_of_them_not_both(monkeypatch, capsys, tmp_path):
    assert Settings().model_dirs() == [Settings().model_dir]
    for name in ("b", "a", ".import-staging", "not-a-model"):
        (tmp_path / name).mkdir()
    for name in ("a", "b", ".import-staging"):
        (tmp_path / name / "manifest.json").write_text("{}")
    assert Settings(models_dir=tmp_path).model_dirs() == [tmp_path / "a", tmp_path / "b"]
    monkeypatch.setenv("MODELS_DIR", str(tmp_path))
    monkeypatch.setenv("MODEL_DIR", str(tmp_path / "a"))
    with pytest.raises(SystemExit):
        load_settings()
    assert "not both" in capsys.readouterr().err
