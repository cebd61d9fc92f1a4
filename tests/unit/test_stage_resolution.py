"""Every task sees the stage ``up`` deployed: the stage's parameters are resolved in one place.

| target | stages.toml zone | local zone for the domain              | HostedZoneId      |
|--------|------------------|----------------------------------------|-------------------|
| AWS    | any              | (not asked)                            | stages.toml's     |
| local  | given            | (not asked)                            | stages.toml's     |
| local  | empty            | made by the engine (``up``)            | that zone         |
| local  | empty            | made by something else (a legacy stack)| empty: no domain  |
| local  | empty            | none                                   | empty: no domain  |
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ppdeploy import config
from ppdeploy.workflows import local_system
from ppdeploy.workflows.session import resolve_stage

DEV = config.stage("dev")


@dataclass
class FakeRoute53:
    zones: list[dict[str, str]] = field(default_factory=list)
    asked: int = 0

    def list_hosted_zones_by_name(self, DNSName: str) -> dict[str, Any]:
        self.asked += 1
        return {"HostedZones": [z for z in self.zones if z["Name"] >= DNSName]}

    def create_hosted_zone(self, Name: str, CallerReference: str) -> dict[str, Any]:
        zone = {
            "Id": f"/hostedzone/Z{len(self.zones) + 1}",
            "Name": f"{Name}.",
            **{"CallerReference": CallerReference},
        }
        self.zones.append(zone)
        return {"HostedZone": zone}


@dataclass
class FakeTarget:
    route53: FakeRoute53
    is_local: bool = True

    def client(self, service: str) -> Any:
        assert service == "route53"
        return self.route53


def test_on_aws_the_stage_is_stages_toml_s() -> None:
    route53 = FakeRoute53()
    assert resolve_stage(DEV, FakeTarget(route53, is_local=False)) == DEV  # type: ignore[arg-type]
    assert route53.asked == 0


def test_locally_a_zone_given_in_stages_toml_wins() -> None:
    route53 = FakeRoute53()
    given = DEV.with_overrides(hosted_zone_id="ZGIVEN")
    assert resolve_stage(given, FakeTarget(route53)) == given  # type: ignore[arg-type]
    assert route53.asked == 0


def test_locally_the_zone_up_made_is_every_task_s_zone() -> None:
    route53 = FakeRoute53()
    made = local_system.ensure_zone(route53, DEV)  # what `up` does

    resolved = resolve_stage(DEV, FakeTarget(route53))  # type: ignore[arg-type]

    assert resolved.hosted_zone_id == made
    assert resolved.shared_parameters()["HostedZoneId"] == made
    assert local_system.ensure_zone(route53, DEV) == made  # up again: the same zone


def test_locally_a_zone_made_by_something_else_is_not_the_stage_s() -> None:
    route53 = FakeRoute53()
    route53.create_hosted_zone(Name=local_system.zone_name(DEV), CallerReference="legacy-1")

    assert resolve_stage(DEV, FakeTarget(route53)).hosted_zone_id == ""  # type: ignore[arg-type]


def test_locally_without_a_zone_the_stage_has_no_custom_domain() -> None:
    assert resolve_stage(DEV, FakeTarget(FakeRoute53())).hosted_zone_id == ""  # type: ignore[arg-type]
