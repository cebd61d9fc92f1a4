"""The SAM template serves exactly the routes the code serves, with shared imports only."""

from __future__ import annotations

from pptesting.service_template import ServiceTemplateChecks
from traction.app import app


class TestTractionTemplate(ServiceTemplateChecks):
    SERVICE = "traction"
    APP = app
    ROUTE_COUNT = 10
