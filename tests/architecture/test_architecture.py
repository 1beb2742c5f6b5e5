"""The suite's structural rules, checked by walking the code (each failure names the file and line)."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from cdp.grpcx.roles import METHOD_ROLES

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("ingestion", "identity", "profile", "segmentation", "consent")
LIB_RULES = {
    "errors": ("grpc", "sqlalchemy", "cdp."),
    "config": ("grpc", "sqlalchemy"),
    "pii": ("sqlalchemy", "grpc", "cdp.api"),
    "grpcx": ("sqlalchemy",),
    "telemetry": ("grpc", "sqlalchemy"),
    "db": ("grpc", "cdp.api"),
}


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def _violations(folder: Path, forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in sorted(folder.rglob("*.py"))
        if "migrations" not in path.parts
        for line, name in _imports(path)
        if any(
            name == bad.rstrip(".") or name.startswith(bad if bad.endswith(".") else bad + ".")
            for bad in forbidden
        )
    ]


def _registered_methods() -> set[str]:
    methods = set()
    for path in sorted((ROOT / "libs" / "cdp" / "api").rglob("*_pb2.py")):
        name = ".".join(path.relative_to(ROOT / "libs").with_suffix("").parts)
        for service in importlib.import_module(name).DESCRIPTOR.services_by_name.values():
            methods |= {f"/{service.full_name}/{method.name}" for method in service.methods}
    assert methods, "no generated services found"
    return methods


def test_every_rpc_in_the_contract_has_a_role_entry() -> None:
    assert _registered_methods() - set(METHOD_ROLES) == set()


def test_the_role_map_names_no_method_that_does_not_exist() -> None:
    assert set(METHOD_ROLES) - _registered_methods() == set()


def test_no_root_hides_the_cdp_namespace_with_an_init_file() -> None:
    roots = [ROOT / "libs", *(ROOT / "services" / name for name in SERVICES)]
    assert [
        str(r / "cdp" / "__init__.py") for r in roots if (r / "cdp" / "__init__.py").exists()
    ] == []


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_never_imports_another_services_package(service: str) -> None:
    others = tuple(f"cdp.{name}" for name in SERVICES if name != service)
    assert _violations(ROOT / "services" / service, others) == []


@pytest.mark.parametrize("service", SERVICES)
def test_nothing_below_the_servicer_imports_grpc_or_the_contract(service: str) -> None:
    package = ROOT / "services" / service / "cdp" / service
    problems = []
    for layer in ("domain", "service_layer"):
        if (package / layer).exists():
            problems += _violations(package / layer, ("grpc", "cdp.api"))
    assert problems == []


DOMAINS = [
    name for name in SERVICES if (ROOT / "services" / name / "cdp" / name / "domain").exists()
]


@pytest.mark.parametrize("service", DOMAINS)
def test_the_domain_is_pure_python(service: str) -> None:
    domain = ROOT / "services" / service / "cdp" / service / "domain"
    assert _violations(domain, ("grpc", "cdp.api", "sqlalchemy")) == []


@pytest.mark.parametrize(("lib", "forbidden"), sorted(LIB_RULES.items()))
def test_platform_libs_keep_their_direction(lib: str, forbidden: tuple[str, ...]) -> None:
    assert _violations(ROOT / "libs" / "cdp" / lib, forbidden) == []


def test_config_never_reads_the_process_environment() -> None:
    tree = ast.parse((ROOT / "libs" / "cdp" / "config" / "__init__.py").read_text())
    uses = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr == "environ"
    ]
    assert uses == []
