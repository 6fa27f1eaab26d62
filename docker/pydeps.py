"""Prints the third-party requirements of ocrmesh's own packages, one per line.

    python3 docker/pydeps.py common ml services/detection > requirements.txt

Each argument is a folder with a pyproject.toml. The Dockerfiles copy only those files first and
install what this prints (with constraints.txt), so the dependency layer is rebuilt only when the
pins or the declared dependencies change, not when the code does. A dependency on one of ocrmesh's
own packages that is not among the arguments is an error: the image would miss it.
"""
from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    return canonical(re.split(r"[\s<>=!~;\[(]", requirement.strip(), maxsplit=1)[0])


def main(folders: list[str]) -> int:
    projects = [tomllib.loads((Path(f) / "pyproject.toml").read_text())["project"] for f in folders]
    local = {canonical(p["name"]) for p in projects}
    wanted: dict[str, str] = {}
    for project in projects:
        for requirement in project.get("dependencies", []):
            name = requirement_name(requirement)
            if name in local:
                continue
            if name.startswith("ocr-") or name == "ocrmesh":
                print(f"pydeps: {project['name']} needs {name}; add its folder to the arguments", file=sys.stderr)
                return 1
            wanted.setdefault(name, requirement.strip())
    print("\n".join(wanted[name] for name in sorted(wanted)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
