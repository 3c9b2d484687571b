"""Fault injection for the tests: an HTTP proxy in front of moto that answers like a failing AWS."""

from tests.faults.aws import Call, identify
from tests.faults.proxy import TRANSIENT, Fault, FaultProxy, Rule, Stats

__all__ = ["TRANSIENT", "Call", "Fault", "FaultProxy", "Rule", "Stats", "identify"]
