"""Evaluation on both cores: the later half of the accounts evaluated in a forked worker."""

from __future__ import annotations

from collections.abc import Sequence

from scanner.core.check import Check
from scanner.core.evaluate import evaluate
from scanner.core.findings import Finding
from scanner.core.forked import can_fork, run_beside
from scanner.core.frameworks import Frameworks
from scanner.core.inventory import Inventory
from scanner.core.slim import share_fields_set, with_shared_keys

#: Fewer accounts than this are evaluated in this process alone (a fork costs more than it saves).
MIN_ACCOUNTS = 2


def evaluate_all(
    inventory: Inventory, checks: Sequence[Check], frameworks: Frameworks | None = None
) -> list[Finding]:
    """Every finding of `evaluate`, in its order: this process evaluates the first half of the
    accounts while a forked worker evaluates the second half (where forking is safe, see
    scanner.core.forked), and the worker's findings come back pickled."""
    fw = frameworks or Frameworks.load()
    ids = [a.account_id for a in inventory.accounts]
    if len(ids) < MIN_ACCOUNTS or len(set(ids)) != len(ids) or not can_fork():
        return list(evaluate(inventory, checks, fw))
    half = (len(ids) + 1) // 2
    first, second = frozenset(ids[:half]), frozenset(ids[half:])
    mine: list[Finding] = []

    def theirs() -> list[Finding]:
        return list(evaluate(inventory, checks, fw, accounts=second))

    def here() -> None:
        mine.extend(evaluate(inventory, checks, fw, accounts=first))

    mine.extend(adopt(f) for f in run_beside(theirs, here))
    return mine


def adopt(finding: Finding) -> Finding:
    """A finding unpickled from the worker, held as compactly as this process's own (its dict
    sharing its keys, its sets of given fields shared; its values stay shared among the worker's
    findings, as pickle kept them)."""
    share_fields_set(finding.resource)
    for res in finding.related_resources:
        share_fields_set(res)
    return with_shared_keys(finding)
