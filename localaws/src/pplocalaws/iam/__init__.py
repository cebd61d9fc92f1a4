"""IAM in the local AWS: every call a function's role session makes is authorised.

- ``policy`` / ``conditions``: identity-policy evaluation (Allow, Deny, NotAction,
  NotResource, wildcards, condition operators and keys; unknown keys deny).
- ``keys``: KMS key policies together with IAM (account delegation).
- ``calls``: a request's action, resource ARNs and context, per service and protocol.
- ``lookups``: the sessions, roles, tables, secrets and keys moto holds.
- ``authorizer``: one decision per call, including KMS uses via DynamoDB/Secrets Manager.
- ``errors``: refusals in each protocol's shape; ``enforcement``: the WSGI hook;
  ``serving``: the server with the hook; ``sessions``: role credentials for workers.
"""
