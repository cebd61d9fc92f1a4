"""Drift readers for the stage's edge: certificate, custom domain and its API mappings, DNS
records, the SES sender identity and SNS topic policies.

- AWS::CertificateManager::Certificate (physical id: its ARN): DomainName,
  SubjectAlternativeNames and Tags, as DescribeCertificate and ListTagsForCertificate show
  them. ValidationMethod, DomainValidationOptions and the transparency logging preference
  are not kept by the local model (``acm`` issues at once), so they are not compared.
- AWS::ApiGatewayV2::DomainName (physical id: the domain name): its name and each
  configuration's CertificateArn, EndpointType and SecurityPolicy (GetDomainName).
- AWS::ApiGatewayV2::ApiMapping (physical id: the mapping id): ApiId, ApiMappingKey,
  DomainName and Stage. A deleted mapping (or domain) is DELETED.
- AWS::Route53::RecordSet: found in the template's HostedZoneId by its Name and Type
  (a record set is named by both, "ChangeResourceRecordSets"); TTL, ResourceRecords and
  AliasTarget are compared. Route 53 answers names fully qualified ("www.example.com."):
  a name that differs from the template's only by that final dot is the same name.
- AWS::SES::EmailIdentity (physical id: the identity): only whether it exists. The local
  model keeps no DKIM, feedback, MAIL FROM or configuration set settings, so nothing of
  them can change behind CloudFormation's back here.
- AWS::SNS::TopicPolicy: the policy of each topic in the template's Topics (GetTopic
  Attributes, ``Policy``), compared as JSON data; a topic that is gone leaves Topics.
  When every topic is gone the policy is DELETED.
"""

from __future__ import annotations

from typing import Any

from pplocalaws.resources.drift_common import Live, Reader, policy_document, tag_list


# -- AWS::CertificateManager::Certificate ---------------------------------------------------
def read_certificate(physical_id: str, account_id: str, region: str) -> Live | None:
    from moto.acm.exceptions import CertificateNotFound  # noqa: PLC0415 - moto loads on first use
    from moto.acm.models import acm_backends  # noqa: PLC0415 - moto loads on first use

    backend = acm_backends[account_id][region]
    try:
        certificate = backend.get_certificate(physical_id)
    except CertificateNotFound:
        return None
    described = certificate.describe()["Certificate"]
    alternative = list(described.get("SubjectAlternativeNames") or [])
    live: Live = {
        "DomainName": described["DomainName"],
        # ListTagsForCertificate's source: a tag may have no value (then "").
        "Tags": tag_list({k: v or "" for k, v in certificate.tags.items()}),
    }
    if alternative != [described["DomainName"]]:  # ACM lists the domain itself first
        live["SubjectAlternativeNames"] = [n for n in alternative if n != described["DomainName"]]
    return live


# -- AWS::ApiGatewayV2::DomainName and ApiMapping --------------------------------------------
def _apigatewayv2(account_id: str, region: str) -> Any:
    from moto.apigatewayv2.models import apigatewayv2_backends  # noqa: PLC0415 - moto loads on first use

    return apigatewayv2_backends[account_id][region]


_DOMAIN_CONFIGURATION = {
    "certificateArn": "CertificateArn",
    "endpointType": "EndpointType",
    "securityPolicy": "SecurityPolicy",
}


def read_domain_name(physical_id: str, account_id: str, region: str) -> Live | None:
    domain = _apigatewayv2(account_id, region).domain_names.get(physical_id)
    if domain is None:
        return None
    return {
        "DomainName": domain.domain_name,
        "DomainNameConfigurations": [
            {cfn: c[api] for api, cfn in _DOMAIN_CONFIGURATION.items() if api in c}
            for c in domain.domain_name_configurations or []
        ],
    }


def read_api_mapping(physical_id: str, account_id: str, region: str) -> Live | None:
    mapping = _apigatewayv2(account_id, region).api_mappings.get(physical_id)
    if mapping is None:
        return None
    live: Live = {
        "ApiId": mapping.api_id,
        "DomainName": mapping.domain_name,
        "Stage": mapping.stage,
    }
    if mapping.api_mapping_key:
        live["ApiMappingKey"] = mapping.api_mapping_key
    return live


# -- AWS::Route53::RecordSet ------------------------------------------------------------------
def _fqdn(name: Any) -> str:
    return str(name).rstrip(".") + "."


def _as_template(live: str, template: Any) -> Any:
    """The live name as the template writes it, when they differ only by the final dot."""
    return template if isinstance(template, str) and _fqdn(template) == live else live


def read_record_set(physical_id: str, account_id: str, region: str, expected: Live) -> Live | None:
    from moto.route53.exceptions import NoSuchHostedZone  # noqa: PLC0415 - moto loads on first use
    from moto.route53.models import route53_backends  # noqa: PLC0415 - moto loads on first use

    zone_id = str(expected.get("HostedZoneId", "")).split("/")[-1]
    try:
        zone = route53_backends[account_id]["aws"].get_hosted_zone(zone_id)
    except NoSuchHostedZone:
        return None
    name, kind = _fqdn(expected.get("Name")), expected.get("Type")
    # The last written of the name and type: moto keeps a record CloudFormation made under
    # the template's name as written, so a later UPSERT of the fully qualified name adds a
    # second record where Route 53 replaces the one; the later one is the live one.
    matching = [r for r in zone.rrsets if _fqdn(r.name) == name and r.type == kind]
    if not matching:
        return None
    record = matching[-1]
    live: Live = {
        "HostedZoneId": expected["HostedZoneId"],
        "Name": _as_template(_fqdn(record.name), expected.get("Name")),
        "Type": record.type,
    }
    if record.ttl is not None:
        live["TTL"] = str(record.ttl)
    if record.records:
        live["ResourceRecords"] = list(record.records)
    if record.alias_target:
        target = record.alias_target
        wanted = expected.get("AliasTarget") or {}
        live["AliasTarget"] = {
            "DNSName": _as_template(_fqdn(target["DNSName"]), wanted.get("DNSName")),
            "HostedZoneId": target["HostedZoneId"],
            "EvaluateTargetHealth": str(target.get("EvaluateTargetHealth", False)).lower()
            == "true",
        }
    return live


# -- AWS::SES::EmailIdentity ------------------------------------------------------------------
def read_email_identity(physical_id: str, account_id: str, region: str) -> Live | None:
    from moto.ses.exceptions import NotFoundException  # noqa: PLC0415 - moto loads on first use
    from moto.sesv2.models import sesv2_backends  # noqa: PLC0415 - moto loads on first use

    try:
        sesv2_backends[account_id][region].get_email_identity(physical_id)
    except NotFoundException:
        return None
    return {"EmailIdentity": physical_id}


# -- AWS::SNS::TopicPolicy --------------------------------------------------------------------
def read_topic_policy(
    physical_id: str, account_id: str, region: str, expected: Live
) -> Live | None:
    from moto.sns.models import sns_backends  # noqa: PLC0415 - moto loads on first use

    topics = sns_backends[account_id][region].topics
    present = [arn for arn in expected.get("Topics") or [] if arn in topics]
    if not present:
        return None
    return {"Topics": present, "PolicyDocument": policy_document(topics[present[0]].policy)}


READERS: dict[str, Reader] = {
    "AWS::CertificateManager::Certificate": Reader(
        read_certificate, frozenset({"DomainName", "SubjectAlternativeNames", "Tags"})
    ),
    "AWS::ApiGatewayV2::DomainName": Reader(
        read_domain_name, frozenset({"DomainName", "DomainNameConfigurations"})
    ),
    "AWS::ApiGatewayV2::ApiMapping": Reader(
        read_api_mapping, frozenset({"ApiId", "ApiMappingKey", "DomainName", "Stage"})
    ),
    "AWS::Route53::RecordSet": Reader(
        None,
        frozenset({"HostedZoneId", "Name", "Type", "TTL", "ResourceRecords", "AliasTarget"}),
        read_with_template=read_record_set,
    ),
    "AWS::SES::EmailIdentity": Reader(read_email_identity, frozenset({"EmailIdentity"})),
    "AWS::SNS::TopicPolicy": Reader(
        None, frozenset({"Topics", "PolicyDocument"}), read_with_template=read_topic_policy
    ),
}
