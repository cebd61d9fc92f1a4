"""TemplateURL on the local AWS's own S3: path-style on any loopback address.

moto reads a TemplateURL as path-style (``http://host/bucket/key``) only when the URL
contains "localhost"; ``http://127.0.0.1:4566/bucket/key`` is read as a virtual-hosted
URL whose bucket is "127" (NoSuchBucket). Tools such as ``sam deploy`` upload the template
to the endpoint they are given and send exactly such a URL.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from urllib.parse import urlparse

from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.responses import CloudFormationResponse
from moto.s3.models import s3_backends

from pplocalaws.extensions.limits import check_template_object
from pplocalaws.seams import replace_template_url_reader

_moto_reader: list[Callable[[CloudFormationResponse, str], str]] = []  # set by apply()


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _read_template(self: CloudFormationResponse, template_url: str) -> str:
    text = _read_template_object(self, template_url)
    check_template_object(text, template_url)
    return text


def _read_template_object(self: CloudFormationResponse, template_url: str) -> str:
    parts = urlparse(template_url)
    if not is_loopback(parts.hostname or ""):
        return _moto_reader[0](self, template_url)
    bucket, _, key = parts.path.lstrip("/").partition("/")
    if not bucket or not key:
        raise ValidationError(
            message=f"TemplateURL {template_url} names no bucket and key "
            "(expected http://HOST:PORT/BUCKET/KEY)"
        )
    stored = s3_backends[self.current_account][self.partition].get_object(bucket, key)
    return stored.value.decode("utf-8")  # type: ignore[union-attr]


def apply() -> None:
    moto_reader = replace_template_url_reader(_read_template)
    _moto_reader[:] = [moto_reader]
