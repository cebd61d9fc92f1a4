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

from pplocalaws.resources.common import LocalModel, Properties, require
from pplocalaws.resources.patching import set_update_in_place
from pplocalaws.seams import reset_topic_policy

SUBSCRIPTION_TYPE = "AWS::SNS::Subscription"
TOPIC_POLICY_TYPE = "AWS::SNS::TopicPolicy"
# A new topic name or type is a new topic.
_TOPIC_REPLACING = ("TopicName", "FifoTopic")
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


def _replaces_topic(old: Properties, new: Properties) -> bool:
    return any(old.get(name) != new.get(name) for name in _TOPIC_REPLACING)


def _update_topic(
    topic: Topic, old: Properties, new: Properties, account_id: str, region: str
) -> None:
    backend = _backend(account_id, region)
    for name in _TOPIC_ATTRIBUTES:
        if new.get(name) != old.get(name):
            backend.set_topic_attribute(
                topic.arn, camelcase_to_underscores(name), new.get(name) or ""
            )


set_update_in_place(Topic, replaces=_replaces_topic, update_in_place=_update_topic)


# --- Subscription -----------------------------------------------------------------------


class LocalSubscription(LocalModel, CloudFormationModel):
    """One subscription. Ref returns the subscription ARN."""

    RESOURCE_TYPE = SUBSCRIPTION_TYPE
    REF_ATTRIBUTE = "arn"
    CFN_ATTRIBUTES: ClassVar[Mapping[str, str]] = {"Arn": "arn"}

    def __init__(self, arn: str, properties: Properties) -> None:
        self.arn = arn
        self.properties = properties

    @classmethod
    def create(
        cls, resource_name: str, properties: Properties, account_id: str, region_name: str
    ) -> LocalSubscription:
        backend = _backend(account_id, region_name)
        subscription = backend.subscribe(
            require(properties, "TopicArn", SUBSCRIPTION_TYPE),
            str(properties.get("Endpoint", "")),
            require(properties, "Protocol", SUBSCRIPTION_TYPE),
        )
        _set_attributes(backend, subscription.arn, {}, properties)
        return cls(subscription.arn, properties)

    def update_in_place(self, new: Properties, account_id: str, region_name: str) -> None:
        _set_attributes(_backend(account_id, region_name), self.arn, self.properties, new)

    @classmethod
    def delete_by_physical_id(cls, physical_id: str, account_id: str, region_name: str) -> None:
        # Unsubscribing what the topic's deletion already removed is a no-op in SNS.
        _backend(account_id, region_name).unsubscribe(physical_id)


def _set_attributes(backend: SNSBackend, arn: str, old: Properties, new: Properties) -> None:
    for name in _SUBSCRIPTION_ATTRIBUTES:
        if name in new and new.get(name) != old.get(name):
            backend.set_subscription_attributes(arn, name, _as_attribute(new[name]))


# --- TopicPolicy ------------------------------------------------------------------------


class LocalTopicPolicy(LocalModel, CloudFormationModel):
    """The access policy of one or more topics. Ref returns CloudFormation's generated id.

    Every property updates in place; a topic dropped from ``Topics`` gets SNS's default
    policy back.
    """

    RESOURCE_TYPE = TOPIC_POLICY_TYPE
    REF_ATTRIBUTE = "policy_id"

    def __init__(self, policy_id: str, properties: Properties) -> None:
        self.policy_id = policy_id
        self.properties = properties

    @classmethod
    def create(
        cls, resource_name: str, properties: Properties, account_id: str, region_name: str
    ) -> LocalTopicPolicy:
        _set_policies(properties, account_id, region_name)
        return cls(resource_name, properties)

    @classmethod
    def replaced_by(cls, old: Properties, new: Properties) -> bool:
        return False

    def update_in_place(self, new: Properties, account_id: str, region_name: str) -> None:
        dropped = set(self.properties.get("Topics", [])) - set(new.get("Topics", []))
        _reset_policies(dropped, account_id, region_name)
        _set_policies(new, account_id, region_name)

    def delete(self, account_id: str, region_name: str) -> None:
        _reset_policies(self.properties.get("Topics", []), account_id, region_name)


def _set_policies(properties: Properties, account_id: str, region_name: str) -> None:
    document = _as_attribute(require(properties, "PolicyDocument", TOPIC_POLICY_TYPE))
    backend = _backend(account_id, region_name)
    for topic_arn in require(properties, "Topics", TOPIC_POLICY_TYPE):
        backend.set_topic_attribute(topic_arn, "policy", document)


def _reset_policies(topic_arns: Any, account_id: str, region_name: str) -> None:
    """Give topics back SNS's default policy, as deleting a TopicPolicy does."""
    backend = _backend(account_id, region_name)
    for topic_arn in topic_arns:
        try:
            topic = backend.get_topic(topic_arn)
        except SNSNotFoundError:
            continue  # the topic went first; nothing to reset
        reset_topic_policy(topic, region_name, account_id)
