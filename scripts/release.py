"""Cut a release in one step: every place a version lives, then the checks, then the tag command to run.

    make release VERSION=1.2.3        # or: .venv/bin/python -m scripts.release 1.2.3

It writes `app/VERSION`, turns the CHANGELOG's `## [Unreleased]` notes into `## [1.2.3] - <today>` under a fresh,
empty Unreleased heading, sets the Kubernetes base's image `newTag` to `v1.2.3` and Compose's default image tag
and build version to `v1.2.3` and `1.2.3`; then runs the tests that read those files. It commits and tags
nothing: it prints the commands, so the release commit can be reviewed. Refuses (exit 2, files untouched) a
version that is not MAJOR.MINOR.PATCH above the current one, and an Unreleased section with no notes.
"""

import argparse
import datetime
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VERSION_FILE = Path("app/VERSION")
CHANGELOG = Path("CHANGELOG.md")
KUSTOMIZATION = Path("deploy/kubernetes/base/kustomization.yaml")
COMPOSE = Path("docker-compose.yml")
UNRELEASED = "## [Unreleased]"
NEW_TAG = re.compile(r"^(\s*newTag:\s*)v\d+\.\d+\.\d+\s*$", re.MULTILINE)
COMPOSE_TAG = re.compile(r"(\$\{TAG:-)v\d+\.\d+\.\d+(\})")
COMPOSE_VERSION = re.compile(r'^(\s*VERSION:\s*")\d+\.\d+\.\d+(")\s*$', re.MULTILINE)
# The tests that read the files a release changes (versions, the changelog, the manifests' image tag).
CHECKS = ["tests/test_repository.py", "tests/deploy", "tests/container/test_compose.py"]


class ReleaseError(Exception):
    """The release cannot be made as asked; nothing was written."""


def parse_version(text: str) -> tuple[int, int, int]:
    """(major, minor, patch); raises ReleaseError unless text is MAJOR.MINOR.PATCH."""
    match = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)", text.strip())
    if match is None:
        raise ReleaseError(f"{text!r} is not a version of the form MAJOR.MINOR.PATCH")
    return tuple(int(part) for part in match.groups())


def changelog_with_release(changelog: str, version: str, date: str) -> str:
    """The changelog with its Unreleased notes moved under a heading for `version`."""
    if f"## [{version}]" in changelog:
        raise ReleaseError(f"CHANGELOG.md already has a section for {version}")
    start = changelog.find(UNRELEASED)
    if start < 0:
        raise ReleaseError(f"CHANGELOG.md has no '{UNRELEASED}' section")
    body_start = start + len(UNRELEASED)
    next_heading = changelog.find("\n## [", body_start)
    notes = changelog[body_start: next_heading if next_heading >= 0 else len(changelog)]
    if not notes.strip():
        raise ReleaseError(f"the '{UNRELEASED}' section of CHANGELOG.md is empty: write the release notes first")
    return f"{changelog[:start]}{UNRELEASED}\n\n## [{version}] - {date}{changelog[body_start:]}"


def kustomization_with_tag(kustomization: str, version: str) -> str:
    """The Kubernetes base with the service image's newTag set to v<version>."""
    updated, count = NEW_TAG.subn(lambda m: f"{m.group(1)}v{version}", kustomization)
    if count != 1:
        raise ReleaseError(f"{KUSTOMIZATION} should have exactly one `newTag: vX.Y.Z`, found {count}")
    return updated


def compose_with_version(compose: str, version: str) -> str:
    """docker-compose.yml with its default image tag v<version> and its default build VERSION <version>."""
    compose, tags = COMPOSE_TAG.subn(lambda m: f"{m.group(1)}v{version}{m.group(2)}", compose)
    compose, versions = COMPOSE_VERSION.subn(lambda m: f"{m.group(1)}{version}{m.group(2)}", compose)
    if (tags, versions) != (1, 1):
        raise ReleaseError(f"{COMPOSE} should have one `${{TAG:-vX.Y.Z}}` and one `VERSION: \"X.Y.Z\"`, "
                           f"found {tags} and {versions}")
    return compose


def write_release(root: Path, version: str, date: str) -> str:
    """Update every version source under root; returns the previous version. Raises ReleaseError, writing nothing."""
    previous = (root / VERSION_FILE).read_text(encoding="utf-8").strip()
    if parse_version(version) <= parse_version(previous):
        raise ReleaseError(f"{version} is not above the current version {previous}")
    changelog = changelog_with_release((root / CHANGELOG).read_text(encoding="utf-8"), version, date)
    kustomization = kustomization_with_tag((root / KUSTOMIZATION).read_text(encoding="utf-8"), version)
    compose = compose_with_version((root / COMPOSE).read_text(encoding="utf-8"), version)
    (root / VERSION_FILE).write_text(version + "\n", encoding="utf-8")
    (root / CHANGELOG).write_text(changelog, encoding="utf-8")
    (root / KUSTOMIZATION).write_text(kustomization, encoding="utf-8")
    (root / COMPOSE).write_text(compose, encoding="utf-8")
    return previous


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("version", help="the new version, MAJOR.MINOR.PATCH")
    parser.add_argument("--skip-checks", action="store_true", help="write the files but do not run the tests")
    args = parser.parse_args(argv)
    try:
        previous = write_release(ROOT, args.version, datetime.date.today().isoformat())
    except ReleaseError as exc:
        print(f"release: {exc}", file=sys.stderr)
        return 2
    print(f"release: {previous} -> {args.version}: {VERSION_FILE}, {CHANGELOG}, {KUSTOMIZATION}, {COMPOSE}")
    if not args.skip_checks:
        checks = subprocess.run([sys.executable, "-m", "pytest", "-q", *CHECKS], cwd=ROOT)
        if checks.returncode != 0:
            print("release: the checks failed; fix them (or `git checkout -- .` to undo) before tagging", file=sys.stderr)
            return 1
    print("release: review the diff, then run `make test` and:")
    print(f'  git commit -am "Release {args.version}"')
    print(f'  git tag -a v{args.version} -m "v{args.version}"')
    print(f"  git push origin main v{args.version}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
