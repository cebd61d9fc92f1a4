"""Lambda entry point of the traction service: ``traction.app.lambda_handler``."""

from __future__ import annotations

from ppcommon.http import app_handler, build_app
from traction import routes

SERVICE = "traction"

app = build_app(SERVICE)
app.include_router(routes.router)


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok", "service": SERVICE, "runtime": "python"}


lambda_handler = app_handler(app)
