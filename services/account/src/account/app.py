"""Lambda entry point of the account service: ``account.app.lambda_handler``.

Importing this module creates no AWS client: tables and secrets are opened on first use,
so a cold start pays only for Powertools and the routes.
"""

from __future__ import annotations

from account.routes import auth, tenants
from ppcommon.http import service_app

app, lambda_handler = service_app("account", auth.router, tenants.router)
