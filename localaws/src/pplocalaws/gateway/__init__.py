"""The local gateway: serves the local AWS's HTTP APIs on loopback and runs their handlers.

``python -m pplocalaws.gateway --port 4567`` serves the custom domain's API
mappings at ``/{mappingKey}/...`` and each API at ``/_api/{apiId}/...`` (``dispatch``
has the rules); ``pplocalaws.control`` starts and stops it in the background. Modules: ``routing``
(mapping and route selection), ``events`` (payload 2.0 in and out), ``discovery`` (what
is deployed, read through boto3), ``artifacts`` (a function's code), ``runtimes``
(which Python runs it), ``workers`` and ``worker`` (warm processes), ``server``.
"""
