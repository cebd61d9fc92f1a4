"""SNS: AWS::SNS::Subscription and AWS::SNS::TopicPolicy (moto has no model), and Topic updates.

moto's Topic update deletes and recreates the topic, which drops every subscription and
the topic policy; CloudFormation updates a topic in place unless its name changes. The
update here sets the changed attributes in place.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar

from moto.core.common_models import CloudFormationModel
from moto.core.utils import camelcase_to_underscores
from moto.sns.exceptions import SNSNotFoundError
from moto.sns.models import SNSBackend, Topic, sns_backends

from ppdeploy.localaws.resources.common import (
    AttributeTable,
    Properties,
    properties_of,
    replace_resource,
    require,
    requires_replacement,
)
from ppdeploy.localaws.resources.patching import extend_create, set_update

SUBSCRIPTION_TYPE = "AWS::SNS::Subscription"
TOPIC_POLICY_TYPE = "AWS::SNS::TopicPolicy"
# Topic properties CloudFormation passes that are SetTopicAttributes attribute names.
_TOPIC_ATTRIBUTES = ("DisplayName", "KmsMasterKeyId", "SignatureVersion", "TracingConfig")
# Subscription properties that are SetSubscriptionAttributes attribute names.
_SUBSCRIPTION_ATTRIBUTES = (
    "DeliveryPolicy",
    "FilterPolicy",
    "FilterPolicyScope",
    "RawMessageDelivery",
    "RedrivePolicy",
    "SubscriptionRoleArn",
)


def _backend(account_id: str, region_name: str) -> SNSBackend:
    return sns_backends[account_id][region_name]


def _as_attribute(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return value if isinstance(value, str) else json.dumps(value)


# --- Topic: in-place update -------------------------------------------------------------


def _after_topic_create(topic: Topic, properties: Properties, account_id: str, region: str) -> None:
    topic._ppdeploy_properties = properties  # type: ignore[attr-defined]  # our note on moto's object


def _update_topic(
    cls: type[Topic],
    original_resource: Topic,
    new_resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
) -> Topic:
    new = properties_of(cloudformation_json)
    old: Properties = getattr(original_resource, "_ppdeploy_properties", {})
    if new.get("TopicName") != old.get("TopicName") or new.get("FifoTopic") != old.get("FifoTopic"):
        return replace_resource(
            create=lambda: cls.create_from_cloudformation_json(
                new_resource_name, cloudformation_json, account_id, region_name
            ),
            delete_old=lambda: original_resource.delete(account_id, region_name),
            cloudformation_json=cloudformation_json,
        )
    backend = _backend(account_id, region_name)
    for name in _TOPIC_ATTRIBUTES:
        if new.get(name) != old.get(name):
            backend.set_topic_attribute(
                original_resource.arn, camelcase_to_underscores(name), new.get(name) or ""
            )
    original_resource._ppdeploy_properties = new  # type: ignore[attr-defined]  # our note on moto's object
    return original_resource


extend_create(Topic, _after_topic_create)
set_update(Topic, _update_topic)


# --- Subscription -----------------------------------------------------------------------


class LocalSubscription(AttributeTable, CloudFormationModel):
    """One subscription. Ref returns the subscription ARN."""

    CFN_ATTRIBUTES: ClassVar[Mapping[str, str]] = {"Arn": "arn"}

    def __init__(self, arn: str, properties: Properties) -> None:
        self.arn = arn
        self.properties = properties

    @staticmethod
    def cloudformation_type() -> str:
        return SUBSCRIPTION_TYPE

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @property
    def physical_resource_id(self) -> str:
        return self.arn

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> LocalSubscription:
        properties = properties_of(cloudformation_json)
        backend = _backend(account_id, region_name)
        subscription = backend.subscribe(
            require(properties, "TopicArn", SUBSCRIPTION_TYPE),
            str(properties.get("Endpoint", "")),
            require(properties, "Protocol", SUBSCRIPTION_TYPE),
        )
        _set_attributes(backend, subscription.arn, {}, properties)
        return cls(subscription.arn, properties)

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: LocalSubscription,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> LocalSubscription:
        new = properties_of(cloudformation_json)
        if requires_replacement(SUBSCRIPTION_TYPE, original_resource.properties, new):
            return replace_resource(
                create=lambda: cls.create_from_cloudformation_json(
                    new_resource_name, cloudformation_json, account_id, region_name
                ),
                delete_old=lambda: original_resource.delete(account_id, region_name),
                cloudformation_json=cloudformation_json,
            )
        backend = _backend(account_id, region_name)
        _set_attributes(backend, original_resource.arn, original_resource.properties, new)
        original_resource.properties = new
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        _backend(account_id, region_name).unsubscribe(resource_name)

    def delete(self, account_id: str, region_name: str) -> None:
        # Unsubscribing what the topic's deletion already removed is a no-op in SNS.
        _backend(account_id, region_name).unsubscribe(self.arn)


def _set_attributes(backend: SNSBackend, arn: str, old: Properties, new: Properties) -> None:
    for name in _SUBSCRIPTION_ATTRIBUTES:
        if name in new and new.get(name) != old.get(name):
            backend.set_subscription_attributes(arn, name, _as_attribute(new[name]))


# --- TopicPolicy ------------------------------------------------------------------------


class LocalTopicPolicy(CloudFormationModel):
    """The access policy of one or more topics. Ref returns CloudFormation's generated id."""

    def __init__(self, policy_id: str, properties: Properties) -> None:
        self.policy_id = policy_id
        self.properties = properties

    @staticmethod
    def cloudformation_type() -> str:
        return TOPIC_POLICY_TYPE

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @property
    def physical_resource_id(self) -> str:
        return self.policy_id

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return False

    def is_created(self) -> bool:
        return True

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> LocalTopicPolicy:
        properties = properties_of(cloudformation_json)
        document = _as_attribute(require(properties, "PolicyDocument", TOPIC_POLICY_TYPE))
        backend = _backend(account_id, region_name)
        for topic_arn in require(properties, "Topics", TOPIC_POLICY_TYPE):
            backend.set_topic_attribute(topic_arn, "policy", document)
        return cls(resource_name, properties)

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: LocalTopicPolicy,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> LocalTopicPolicy:
        new = properties_of(cloudformation_json)
        dropped = set(original_resource.properties.get("Topics", [])) - set(new.get("Topics", []))
        _reset_policies(dropped, account_id, region_name)
        updated = cls.create_from_cloudformation_json(
            original_resource.policy_id, cloudformation_json, account_id, region_name
        )
        return updated

    @classmethod
    def delete_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        """Unused: moto calls the instance's ``delete``, which knows the topics."""

    def delete(self, account_id: str, region_name: str) -> None:
        _reset_policies(self.properties.get("Topics", []), account_id, region_name)


def _reset_policies(topic_arns: Any, account_id: str, region_name: str) -> None:
    """Give topics back SNS's default policy, as deleting a TopicPolicy does."""
    backend = _backend(account_id, region_name)
    for topic_arn in topic_arns:
        try:
            topic = backend.get_topic(topic_arn)
        except SNSNotFoundError:
            continue  # the topic went first; nothing to reset
        topic._policy_json = topic._create_default_topic_policy(  # moto's own default
            region_name, account_id, topic.name
        )
