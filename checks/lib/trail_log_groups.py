"""Trail log groups: the CloudWatch Logs groups the trails deliver to, owned here."""

from __future__ import annotations

from scanner.datasets.cloudtrail import TRAILS, Trail
from scanner.datasets.logs import log_group_arn, parse_log_group_arn
from scanner.view import View


def trails_by_group(view: View) -> dict[str, list[Trail]]:
    """Log group ARN (no `:*`) -> trails delivering to it, for groups this account owns here.

    A log group is in its trail's home region, and a trail is always visible in its home
    region, so the trails of the view's region suffice: this account's (required) and those of
    other scanned accounts (best effort), so that a group receiving another account's trail
    is evaluated in the account that owns the group.
    """
    trails: dict[str, Trail] = {t.arn: t for t in view.get(TRAILS)}
    for acct in view.org.accounts():
        if acct.account_id != view.account_id:
            for trail in view.org.find(acct.account_id, TRAILS, view.region) or ():
                trails.setdefault(trail.arn, trail)
    out: dict[str, list[Trail]] = {}
    for trail in sorted(trails.values(), key=lambda t: t.arn):
        arn = trail.cloudwatch_logs_log_group_arn
        parsed = parse_log_group_arn(arn) if arn else None
        if arn and parsed and parsed[0] == view.account_id and parsed[1] == view.region:
            out.setdefault(log_group_arn(arn), []).append(trail)
    return out
