"""The start checks that read files run in a child: their answer reaches the master."""

from __future__ import annotations

import os
from pathlib import Path

from app.config import Config
from app.guard.child_check import in_child
from app.guard.file_checks import files_problem


def test_a_bad_rules_file_is_one_line_from_the_child(tmp_path: Path) -> None:
    rules = tmp_path / "alerts.toml"
    rules.write_text("[[rule]]\nname = 'x'\nseries = \n")
    config = Config(database_url=f"sqlite:///{tmp_path / 'm.db'}", alerts_file=str(rules))
    problem = in_child(lambda: files_problem(config))
    assert problem is not None and "alerts.toml" in problem and "\n" not in problem


def test_good_files_give_no_problem_and_the_key_is_made_for_the_workers(tmp_path: Path) -> None:
    config = Config(database_url=f"sqlite:///{tmp_path / 'm.db'}", auth_token="t" * 32)
    assert in_child(lambda: files_problem(config)) is None
    assert list(tmp_path.glob("*key*")), os.listdir(tmp_path)


def test_the_check_runs_in_another_process() -> None:
    parent = os.getpid()
    assert in_child(lambda: None if os.getpid() == parent else f"pid {os.getpid()}").startswith(
        "pid "
    )


def test_an_exception_in_the_child_is_a_problem_in_one_line() -> None:
    def broken() -> str | None:
        raise KeyError("boom")

    assert in_child(broken) == "start check failed: KeyError: 'boom'"


def test_a_child_that_dies_is_a_problem() -> None:
    assert in_child(lambda: os._exit(3)) == "start check failed: its process ended abnormally"


def test_the_childs_text_reaches_the_master_and_its_failure_is_one_line() -> None:
    from app.guard.child_check import ChildCheckFailed, run_in_child

    assert run_in_child(lambda: f"from {os.getpid()}") != f"from {os.getpid()}"  # the child's
    try:
        run_in_child(lambda: {}["gone"])
    except ChildCheckFailed as exc:
        assert str(exc) == "start check failed: KeyError: 'gone'"
    else:
        raise AssertionError("no failure")


def test_the_start_facts_cross_the_pipe_whole() -> None:
    from app.guard.startup import StartFacts

    facts = StartFacts("", "/data/m.db.lock", 2.5, 0, "serving 0.0.0.0 WITHOUT\nauthentication")
    back = StartFacts.parse(facts.text())
    assert (back.problem, back.lock_file, back.read_timeout, back.per_client) == (
        "", "/data/m.db.lock", 2.5, 0)  # fmt: skip
    assert back.note == "serving 0.0.0.0 WITHOUT authentication"
    assert StartFacts.parse(StartFacts(problem="bad").text()).problem == "bad"
