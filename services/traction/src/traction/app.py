"""Lambda entry point of the traction service: ``traction.app.lambda_handler``."""

from __future__ import annotations

from ppcommon.http import service_app
from traction import routes

app, lambda_handler = service_app("traction", routes.router)
