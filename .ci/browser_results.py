"""Leg 3 of CI: did every browser test run and pass in leg 1's run of the README's test command?

The README's command runs the whole suite, browser tests included; running them a second time would cost
CI about six minutes. This reads leg 1's JUnit report instead and fails when a browser test (as collected
by `pytest -m browser`, node ids on stdin) is missing from it, skipped, failed or in error.
Usage: pytest --collect-only -q -m browser | python .ci/browser_results.py leg1-junit.xml
"""
import sys
import xml.etree.ElementTree as ET


def junit_id(node_id: str) -> str:
    """'tests/e2e/test_a.py::Class::test_b[x]' as JUnit names it: 'tests.e2e.test_a.Class::test_b[x]'."""
    path, *rest = node_id.split("::")
    return "::".join([".".join([path.removesuffix(".py").replace("/", "."), *rest[:-1]]), rest[-1]])


def main(report: str) -> int:
    wanted = [line.strip() for line in sys.stdin if "::" in line]
    outcomes = {}
    for case in ET.parse(report).iter("testcase"):
        not_passed = [child.tag for child in case if child.tag in ("failure", "error", "skipped")]
        outcomes[f"{case.get('classname')}::{case.get('name')}"] = not_passed[0] if not_passed else "passed"
    bad = [(node, outcomes.get(junit_id(node), "not run")) for node in wanted]
    bad = [(node, outcome) for node, outcome in bad if outcome != "passed"]
    for node, outcome in bad:
        print(f"{outcome.upper()}: {node}")
    if not wanted:
        print("no tests ran: no browser test was collected")
        return 5
    print(f"{len(wanted) - len(bad)} passed, {len(bad)} not passed, of {len(wanted)} browser tests in leg 1")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
