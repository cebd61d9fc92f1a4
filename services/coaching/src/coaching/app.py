"""Lambda entry point of the coaching service: ``coaching.app.lambda_handler``."""

from __future__ import annotations

from coaching import routes
from ppcommon.http import app_handler, build_app

SERVICE = "coaching"

app = build_app(SERVICE)
app.include_router(routes.router)


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok", "service": SERVICE, "runtime": "python"}


lambda_handler = app_handler(app)
