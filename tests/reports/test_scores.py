"""The score formula on hand-built findings: passed / (passed + failed) requirements, ERROR as
coverage, not-assessed and suppressed requirements left out; per Organization, OU and account."""

from __future__ import annotations

from dataclasses import dataclass

from reports.console import summary_table
from reports.summary import RequirementStatus, ScannedAccount, Score, summarize
from scanner.core.findings import Finding
from scanner.core.frameworks import Framework, Frameworks, Requirement, Scope
from scanner.core.model import Status
from tests.reports.factory import make_finding, make_meta

RS = RequirementStatus
PROD_A, PROD_B, SANDBOX = "100000000001", "100000000002", "100000000003"
ACCOUNTS = (
    ScannedAccount(account_id=PROD_A, name="prod-a", ou_path=("Root", "Prod")),
    ScannedAccount(account_id=PROD_B, name="prod-b", ou_path=("Root", "Prod")),
    ScannedAccount(account_id=SANDBOX, name="sandbox", ou_path=("Root", "Sandbox")),
)


@dataclass(frozen=True)
class C:
    id: str
    control_id: str | None = None
    title: str = ""


CHECKS = [C("a1", "A.1"), C("b1", "B.1"), C("c1", "C.1"), C("e1", "E.1")]
FW = Framework(
    key="t",
    name="Test framework",
    requirement_prefix="T",
    requirements=(
        Requirement("1", "passes everywhere", ("A.1",)),
        Requirement("2", "fails in prod-b", ("B.1",)),
        Requirement("3", "only accepted risks", ("C.1",)),
        Requirement("4", "no check of it ran", ("Z.9",)),
        Requirement("5", "nothing could be read", ("E.1",)),
        Requirement("6", "manual", manual=True),
    ),
    out_of_scope=(Requirement("9.1", "9 Elsewhere", scope=Scope.OUT_OF_SCOPE),),
    total_requirements=8,
)


def _f(check: str, status: Status, account: str, n: int = 0) -> Finding:
    control = next(c.control_id for c in CHECKS if c.id == check)
    return make_finding(
        check_id=check,
        control_id=control,
        status=status,
        account_id=account,
        resource_id=f"arn:aws:s3:::{check}-{account}-{n}",
    )


FINDINGS = [
    _f("a1", Status.PASS, PROD_A),
    _f("a1", Status.PASS, PROD_B),
    _f("b1", Status.FAIL, PROD_B),
    _f("b1", Status.PASS, PROD_B, 1),
    _f("c1", Status.SUPPRESSED, PROD_A),
    _f("e1", Status.ERROR, SANDBOX),
]


def _summary(findings: list[Finding]):  # type: ignore[no-untyped-def]
    return summarize(findings, make_meta(accounts=ACCOUNTS), [FW], CHECKS)  # type: ignore[arg-type]


def test_score_is_passed_over_passed_plus_failed() -> None:
    (fw,) = _summary(FINDINGS).frameworks
    assert [r.status for r in fw.requirements] == [
        RS.PASS,
        RS.FAIL,
        RS.SUPPRESSED,
        RS.NOT_ASSESSED,
        RS.NOT_AVAILABLE,
        RS.MANUAL,
    ]
    # 1 passed, 1 failed: 50 %; suppressed, not assessed, not available and manual are left out
    assert (fw.score.passed, fw.score.failed, fw.score.unscored) == (1, 1, 3)
    assert fw.percent == 50.0
    # coverage in resource evaluations: 5 read (suppressed included), 1 could not be read
    assert (fw.score.read, fw.score.unread, fw.score.evaluated) == (5, 1, 6)
    assert fw.requirements[1].failing_account_ids == (PROD_B,)
    # scope: 4 automated + 1 manual listed... plus the out-of-scope rest up to the total
    assert (fw.automated, fw.manual, fw.out_of_scope_count) == (5, 1, 2)


def test_scores_per_account_and_ou() -> None:
    (fw,) = _summary(FINDINGS).frameworks
    accounts = {a.key: a.score for a in fw.accounts}
    assert accounts[PROD_A].percent == 100.0  # requirement 1 passes; 2 has no data there
    assert (accounts[PROD_B].passed, accounts[PROD_B].failed) == (1, 1)
    assert accounts[PROD_B].percent == 50.0
    assert accounts[SANDBOX].percent is None  # nothing read: not assessed, never 0 %
    assert (accounts[SANDBOX].read, accounts[SANDBOX].unread) == (0, 1)
    ous = {o.key: o.score for o in fw.ous}
    assert set(ous) == {"Root / Prod", "Root / Sandbox"}
    assert (ous["Root / Prod"].passed, ous["Root / Prod"].failed) == (1, 1)
    assert ous["Root / Sandbox"].percent is None


def test_nothing_assessed_has_no_percent_and_the_console_says_so() -> None:
    summary = _summary([_f("e1", Status.ERROR, SANDBOX)])
    (fw,) = summary.frameworks
    assert fw.percent is None and fw.score == Score(unscored=5, read=0, unread=1)
    table = summary_table(summary)
    line = next(line for line in table.splitlines() if line.startswith("Test framework"))
    assert "not assessed" in line and "%" not in line
    scored = summary_table(_summary(FINDINGS))
    assert "Test framework: 50.0%" in scored


def test_cis_v5_scope_adds_up_to_the_benchmark() -> None:
    (cis,) = Frameworks.load().select(["cis-5.0"])
    counts = cis.scope_counts()
    assert counts == {Scope.AUTOMATED: 28, Scope.MANUAL: 0, Scope.OUT_OF_SCOPE: 35}
    assert sum(counts.values()) == cis.total_requirements == 63
    listed = {r.id for r in cis.out_of_scope}
    assert len(listed) == 35 and not listed & {r.id for r in cis.requirements}


def test_every_framework_states_its_scope() -> None:
    for fw in Frameworks.load().items:
        assert fw.scope_note, fw.key
        counts = fw.scope_counts()
        assert counts[Scope.AUTOMATED] > 0, fw.key
        if fw.total_requirements is not None:
            assert sum(counts.values()) == fw.total_requirements, fw.key
            listed = len(fw.requirements) + len(fw.out_of_scope)
            assert listed == fw.total_requirements, fw.key  # every requirement listed
