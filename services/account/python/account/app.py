"""Lambda entry point of the account service: ``account.app.lambda_handler``.

Importing this module creates no AWS client: tables and secrets are opened on first use,
so a cold start pays only for Powertools and the routes.
"""

from __future__ import annotations

from account.routes import auth, health, tenants
from ppcommon.http import app_handler, build_app

app = build_app("account")
for route_module in (health, auth, tenants):
    app.include_router(route_module.router)

lambda_handler = app_handler(app)
