"""Build step that ships the default rules inside the wheel.

IT edits the rules in ``rules/`` at the repository root, outside the package, so an
installed gateway (``pip install .``, the Docker image) would have no rules at all.
Building a wheel copies ``rules/`` to ``gateway/_rules``, where :mod:`gateway.config`
looks first.  An editable install (``pip install -e .``) copies nothing: it keeps
reading ``rules/`` in the checkout, so an edit there takes effect without reinstalling.
Everything else about the build is declared in pyproject.toml.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

RULES = Path(__file__).resolve().parent / "rules"


def ship_rules(build_lib: Path) -> None:
    """Copy rules/ to gateway/_rules under ``build_lib`` (the tree the wheel is made of)."""
    target = build_lib / "gateway" / "_rules"
    shutil.rmtree(target, ignore_errors=True)  # a file deleted from rules/ must not linger
    shutil.copytree(RULES, target)


class BuildPyWithRules(build_py):
    def run(self) -> None:
        super().run()
        if not self.editable_mode:
            ship_rules(Path(self.build_lib))


if __name__ == "__main__":  # setuptools' build backend runs this file as __main__
    setup(cmdclass={"build_py": BuildPyWithRules})
