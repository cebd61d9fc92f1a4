from pathlib import Path

import pytest

from ppdeploy import config
from ppdeploy.errors import InputError

STAGES = """
[defaults]
region = "eu-west-1"
account_id = "123456789012"
redis_node_type = "cache.t4g.micro"

[stages.dev]
domain = "api.dev.example.app"

[stages.prod]
redis_node_type = "cache.r7g.large"
termination_protection = true
"""


@pytest.fixture
def stages_file(tmp_path: Path) -> Path:
    path = tmp_path / "stages.toml"
    path.write_text(STAGES)
    return path


def test_stage_merges_defaults(stages_file: Path) -> None:
    dev = config.stage("dev", stages_file)
    assert dev.region == "eu-west-1"
    assert dev.account_id == "123456789012"
    assert dev.domain == "api.dev.example.app"
    assert not dev.termination_protection


def test_stage_without_domain_gets_the_contract_domain(stages_file: Path) -> None:
    prod = config.stage("prod", stages_file)
    assert prod.domain == "api.purposepath.app"
    assert prod.redis_node_type == "cache.r7g.large"
    assert prod.termination_protection


def test_unknown_stage_names_the_known_ones(stages_file: Path) -> None:
    with pytest.raises(InputError) as caught:
        config.stage("qa", stages_file)
    assert "unknown stage 'qa'" in str(caught.value)
    assert "dev, prod" in str(caught.value)
    assert "[stages.qa]" in caught.value.fix


@pytest.mark.parametrize(
    "name", ["Dev", "d", "1dev", "dev_1", "a-very-long-stage-name", "dev-", "a--b"]
)
def test_stage_name_breaking_the_rule_is_refused(stages_file: Path, name: str) -> None:
    with pytest.raises(InputError, match="breaks the naming rule"):
        config.stage(name, stages_file)


def test_unknown_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "stages.toml"
    path.write_text(STAGES + '\n[stages.qa]\nregoin = "us-east-1"\n')
    with pytest.raises(InputError, match="unknown keys: regoin"):
        config.stage("qa", path)


def test_malformed_account_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "stages.toml"
    path.write_text(STAGES.replace("123456789012", "12345"))
    with pytest.raises(InputError, match="account_id '12345'"):
        config.stage("dev", path)


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "stages.toml"
    path.write_text("[stages.dev\n")
    with pytest.raises(InputError, match="not valid TOML"):
        config.stage("dev", path)


def test_overrides_replace_only_given_values(stages_file: Path) -> None:
    dev = config.stage("dev", stages_file).with_overrides(
        hosted_zone_id="Z123", redis_node_type=None
    )
    assert dev.hosted_zone_id == "Z123"
    assert dev.redis_node_type == "cache.t4g.micro"
    assert dev.shared_parameters()["HostedZoneId"] == "Z123"
    assert dev.has_custom_domain


def test_repository_stages_are_valid() -> None:
    root = Path(__file__).resolve().parents[2]
    for name in config.known_stages(root / "stages.toml"):
        stage = config.stage(name, root / "stages.toml")
        assert stage.region
    assert config.known_stages(root / "stages.toml") == ["dev", "prod", "staging"]


def test_a_stage_whose_names_cannot_exist_in_its_region_is_refused_at_load(
    tmp_path: Path,
) -> None:
    path = tmp_path / "stages.toml"
    path.write_text(STAGES + '\n[stages.feature-abcdefgh]\nregion = "ap-southeast-2"\n')

    # Asking for another stage still finds it: it is declared, so it must be deployable.
    with pytest.raises(InputError) as refused:
        config.stage("dev", path)

    text = str(refused.value)
    assert "stage 'feature-abcdefgh' (ap-southeast-2)" in text
    assert "purposepath-artifacts-123456789012-ap-southeast-2-feature-abcdefgh" in text
    assert "allow 3 to 63" in text
    assert "shorter stage name" in text
