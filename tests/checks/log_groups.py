"""Log groups that trails deliver to, as hand-built inventories for check tests."""

from __future__ import annotations

from scanner.core.datasets.cloudtrail import TRAILS, Trail
from scanner.core.datasets.logs import LOG_GROUPS, LogGroup
from tests.builders import MGMT, InventoryBuilder
from tests.checks.trails import trail

HOME = "us-east-1"
OTHER = "eu-west-1"


def group_arn(name: str, account: str = MGMT, region: str = HOME) -> str:
    return f"arn:aws:logs:{region}:{account}:log-group:{name}"


def group(name: str, retention: int | None, account: str = MGMT, region: str = HOME) -> LogGroup:
    return LogGroup(name=name, arn=group_arn(name, account, region), retention_in_days=retention)


def delivering(
    name: str,
    group_name: str,
    account: str = MGMT,
    *,
    group_account: str | None = None,
    home: str = HOME,
    org: bool = False,
) -> Trail:
    arn = group_arn(group_name, group_account or account, home)
    return trail(name, account, home, org=org, cloudwatch_logs_log_group_arn=arn + ":*")


def inventory(*accounts: str) -> InventoryBuilder:
    b = InventoryBuilder(regions=(HOME, OTHER), management_account_id=MGMT)
    for acct in accounts or (MGMT,):
        b.account(acct).put(TRAILS, []).put(LOG_GROUPS, [])
    return b
