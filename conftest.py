"""Adversarial test classes: one summary line per class of attack (`make adversarial`).

A test class joins an attack class by setting ``adversarial_class = "<name>"`` (see
ADVERSARIAL_CLASSES); each of its test methods is one case and "refused as expected" means the
test passed, i.e. the attack was refused. The marker ``adversarial`` is added to those tests so
``pytest -m adversarial`` runs them alone.
"""
import collections

import pytest

# The classes of issue #13, in the order the review listed them.
ADVERSARIAL_CLASSES = (
    "payment_injection",
    "confinement",
    "evidence",
    "segregation_of_duties",
    "multi_company",
    "untrusted_files",
    "audit_chain",
    "operations",
    "bulk_writer",
    "peer_files",
    "screening_coverage",
)

_results = collections.defaultdict(lambda: [0, 0])


def _attack_class(item):
    cls = getattr(item, "cls", None)
    return getattr(cls, "adversarial_class", None) if cls is not None else None


def pytest_configure(config):
    config.addinivalue_line("markers", "adversarial(name): a case of an adversarial attack class")


def pytest_collection_modifyitems(config, items):
    for item in items:
        name = _attack_class(item)
        if name:
            if name not in ADVERSARIAL_CLASSES:
                raise pytest.UsageError(f"{item.nodeid}: unknown adversarial class {name!r}")
            item.add_marker(pytest.mark.adversarial(name))


def pytest_runtest_logreport(report):
    if report.when != "call" and not (report.when == "setup" and report.outcome != "passed"):
        return
    name = getattr(report, "adversarial_class", None)
    if name:
        _results[name][0] += 1
        _results[name][1] += report.outcome == "passed"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    outcome.get_result().adversarial_class = _attack_class(item)


def pytest_terminal_summary(terminalreporter):
    if not _results:
        return
    terminalreporter.section("adversarial classes")
    for name in ADVERSARIAL_CLASSES:
        if name in _results:
            cases, refused = _results[name]
            terminalreporter.write_line(f"{name}: {cases} cases, {refused} refused as expected")
    missing = [name for name in ADVERSARIAL_CLASSES if name not in _results]
    if missing:
        terminalreporter.write_line(f"classes without a case in this run: {', '.join(missing)}")
