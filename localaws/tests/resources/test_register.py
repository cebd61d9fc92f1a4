"""register(): every model known to moto's CloudFormation, idempotently."""

from __future__ import annotations

from moto.cloudformation import parsing
from moto.core.common_models import CloudFormationModel

from pplocalaws.resources import register

# Every resource type the shared template and the SAM-transformed service templates use.
TEMPLATE_TYPES = (
    "AWS::EC2::VPC",
    "AWS::EC2::Subnet",
    "AWS::EC2::InternetGateway",
    "AWS::EC2::VPCGatewayAttachment",
    "AWS::EC2::EIP",
    "AWS::EC2::NatGateway",
    "AWS::EC2::RouteTable",
    "AWS::EC2::Route",
    "AWS::EC2::SubnetRouteTableAssociation",
    "AWS::EC2::SecurityGroup",
    "AWS::EC2::SecurityGroupIngress",
    "AWS::EC2::SecurityGroupEgress",
    "AWS::EC2::VPCEndpoint",
    "AWS::EC2::FlowLog",
    "AWS::Logs::LogGroup",
    "AWS::IAM::Role",
    "AWS::IAM::ManagedPolicy",
    "AWS::KMS::Key",
    "AWS::KMS::Alias",
    "AWS::DynamoDB::Table",
    "AWS::ElastiCache::SubnetGroup",
    "AWS::ElastiCache::ReplicationGroup",
    "AWS::S3::Bucket",
    "AWS::S3::BucketPolicy",
    "AWS::SecretsManager::Secret",
    "AWS::CertificateManager::Certificate",
    "AWS::ApiGatewayV2::DomainName",
    "AWS::Route53::RecordSet",
    "AWS::SES::EmailIdentity",
    "AWS::CloudWatch::Dashboard",
    "AWS::CloudWatch::Alarm",
    "AWS::SNS::Topic",
    "AWS::SNS::Subscription",
    "AWS::SNS::TopicPolicy",
    "AWS::Lambda::Function",
    "AWS::Lambda::Permission",
    "AWS::Lambda::EventInvokeConfig",  # SAM EventInvokeConfig (the purge functions)
    "AWS::SQS::Queue",  # the purge functions' dead-letter queues
    "AWS::ApiGatewayV2::Api",
    "AWS::ApiGatewayV2::Stage",
    "AWS::ApiGatewayV2::Route",
    "AWS::ApiGatewayV2::Integration",
    "AWS::ApiGatewayV2::ApiMapping",
)


def test_every_template_type_has_a_model_after_register() -> None:
    register()

    missing = [t for t in TEMPLATE_TYPES if t not in parsing.get_model_map()]
    assert missing == []


def test_register_twice_defines_no_model_twice_and_wraps_nothing_twice() -> None:
    register()
    models = list(CloudFormationModel.__subclasses__())
    creates = {
        t: parsing.get_model_map()[t].create_from_cloudformation_json for t in TEMPLATE_TYPES
    }

    register()

    assert CloudFormationModel.__subclasses__() == models
    assert {
        t: parsing.get_model_map()[t].create_from_cloudformation_json for t in TEMPLATE_TYPES
    } == creates
