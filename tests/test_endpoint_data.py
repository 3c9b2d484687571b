"""The endpoint table a session's loader hands botocore reads as botocore's own, entry for entry."""

from __future__ import annotations

import botocore.session
from botocore.regions import EndpointResolver

from scanner.aws.endpoint_data import LazyServices, lazy_endpoints
from scanner.aws.session import ClientSettings, Sessions
from scanner.aws.surface import read_operations


def test_every_entry_reads_as_the_whole_tables() -> None:
    whole = botocore.session.Session().get_component("data_loader").load_data("endpoints")
    lazy = lazy_endpoints(whole)
    assert len(lazy["partitions"]) == len(whole["partitions"]) > 3
    for mine, theirs in zip(lazy["partitions"], whole["partitions"], strict=True):
        services = mine["services"]
        assert isinstance(services, LazyServices)
        assert {k: v for k, v in mine.items() if k != "services"} == {
            k: v for k, v in theirs.items() if k != "services"
        }
        assert list(services) == list(theirs["services"]) and len(services) > 10
        assert "no-such-service" not in services and services.get("no-such-service") is None
        for name, entry in theirs["services"].items():
            assert services[name] == entry
            assert services[name] is services[name]  # parsed once


def test_a_sessions_clients_resolve_endpoints_as_with_the_whole_table() -> None:
    loader = botocore.session.Session().get_component("data_loader")
    whole = EndpointResolver(loader.load_data("endpoints"))
    sessions = Sessions(None, ClientSettings())
    lazy_data = sessions._loader.load_data("endpoints")
    assert isinstance(lazy_data["partitions"][0]["services"], LazyServices)
    lazy = EndpointResolver(lazy_data)
    regions = ("us-east-1", "eu-west-1", "cn-north-1", "us-gov-west-1", "aws-global")
    for service in (*read_operations(), "sts", "sso", "sso-oidc", "monitoring", "states"):
        for region in regions:
            for fips in (False, True):
                args = (service, region)
                kwargs = {"use_fips_endpoint": fips}
                assert lazy.construct_endpoint(*args, **kwargs) == whole.construct_endpoint(
                    *args, **kwargs
                )
        assert lazy.get_available_endpoints(service) == whole.get_available_endpoints(service)
