"""`make release` updates every place a version lives, or refuses and writes nothing."""

import shutil

import pytest

from scripts.release import CHANGELOG, COMPOSE, KUSTOMIZATION, VERSION_FILE, ReleaseError, write_release
from tests.integration.gunicorn_process import ROOT


@pytest.fixture
def checkout(tmp_path):
    for path in (VERSION_FILE, CHANGELOG, KUSTOMIZATION, COMPOSE):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / path, tmp_path / path)
    (tmp_path / VERSION_FILE).write_text("1.4.2\n")
    changelog = (tmp_path / CHANGELOG).read_text().replace("## [Unreleased]\n", "## [Unreleased]\n\n### Fixed\n- A fix.\n", 1)
    (tmp_path / CHANGELOG).write_text(changelog)
    return tmp_path


def snapshot(root):
    return {path: (root / path).read_text() for path in (VERSION_FILE, CHANGELOG, KUSTOMIZATION, COMPOSE)}


def test_release_updates_version_changelog_and_image_tag(checkout):
    assert write_release(checkout, "1.5.0", "2030-01-02") == "1.4.2"
    assert (checkout / VERSION_FILE).read_text() == "1.5.0\n"
    changelog = (checkout / CHANGELOG).read_text()
    unreleased, released = changelog.index("## [Unreleased]"), changelog.index("## [1.5.0] - 2030-01-02")
    assert unreleased < released < changelog.index("- A fix.") < changelog.index("## [1.0.0]")
    assert changelog[unreleased:released].strip() == "## [Unreleased]", "the new Unreleased section starts empty"
    assert "newTag: v1.5.0" in (checkout / KUSTOMIZATION).read_text()
    compose = (checkout / COMPOSE).read_text()
    assert "${TAG:-v1.5.0}" in compose and 'VERSION: "1.5.0"' in compose


@pytest.mark.parametrize("version", ["1.4.2", "1.4.1", "2.0", "v1.5.0", "1.5.0-rc1"])
def test_release_refuses_a_version_not_above_the_current_one(checkout, version):
    before = snapshot(checkout)
    with pytest.raises(ReleaseError):
        write_release(checkout, version, "2030-01-02")
    assert snapshot(checkout) == before


def test_release_refuses_empty_release_notes(checkout):
    (checkout / CHANGELOG).write_text("# Changelog\n\n## [Unreleased]\n\n## [1.4.2] - 2030-01-01\n- Old.\n")
    before = snapshot(checkout)
    with pytest.raises(ReleaseError, match="empty"):
        write_release(checkout, "1.5.0", "2030-01-02")
    assert snapshot(checkout) == before
