"""Provenance record: what produced the results, so a reviewer can tell runs apart."""

import hashlib
import importlib.metadata
import json
import platform
import subprocess
import sys
from pathlib import Path


def sha256_file(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def config_hash(config: dict) -> str:
    """Hash of the effective config, independent of key order and YAML layout."""
    canonical = json.dumps(config, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def git_state(repo: str | Path) -> dict:
    def git(*args):
        return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout.strip()

    try:
        commit = git("rev-parse", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.CalledProcessError):
        # A tarball without .git is legitimate; say so rather than fail.
        return {"commit": "unknown (not a git checkout)", "dirty": None}
    return {"commit": commit, "dirty": dirty}


def pinned_packages(requirements: str | Path) -> dict[str, str]:
    """Installed versions of every package pinned in requirements.txt."""
    versions = {}
    for line in Path(requirements).read_text().splitlines():
        name = line.split("#")[0].strip().split("==")[0].strip()
        if name:
            try:
                versions[name] = importlib.metadata.version(name)
            except importlib.metadata.PackageNotFoundError:
                versions[name] = "not installed"
    return dict(sorted(versions.items(), key=lambda kv: kv[0].lower()))


def provenance(config_sha256: str, data_source: str, data_files: dict[str, str], repo: str | Path,
               requirements: str | Path) -> dict:
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "git": git_state(repo),
        "config_sha256": config_sha256,
        "data_source": data_source,
        "data_files": {name: {"path": str(path), "sha256": sha256_file(path)} for name, path in sorted(data_files.items())},
        "packages": pinned_packages(requirements),
    }


def write_provenance(record: dict, path: str | Path) -> None:
    Path(path).write_text(json.dumps(record, indent=2, sort_keys=False) + "\n")
