"""Lambda entry point of the coaching service: ``coaching.app.lambda_handler``."""

from __future__ import annotations

from coaching import routes
from ppcommon.http import service_app

app, lambda_handler = service_app("coaching", routes.router)
