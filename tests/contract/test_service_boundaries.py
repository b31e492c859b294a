"""Services meet only through events and REST: no service imports another, nor does the
shared library import any service."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ["intake", "dispatch", "mediation", "riskassess", "notify"]


def _imported_packages(package_dir: Path) -> set[str]:
    packages: set[str] = set()
    for source in package_dir.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(), filename=str(source))):
            if isinstance(node, ast.Import):
                packages.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                packages.add(node.module.split(".")[0])
    return packages


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_imports_no_other_service(service: str):
    imported = _imported_packages(ROOT / "services" / service / "src" / f"pingan_{service}")
    others = {f"pingan_{other}" for other in SERVICES if other != service}
    assert imported & others == set()


def test_the_shared_library_imports_no_service():
    imported = _imported_packages(ROOT / "libs" / "common" / "src" / "pingan_common")
    assert imported & {f"pingan_{service}" for service in SERVICES} == set()
