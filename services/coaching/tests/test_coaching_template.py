"""The SAM template serves exactly the routes the code serves, with shared imports only."""

from __future__ import annotations

from coaching.app import app
from pptesting.service_template import ServiceTemplateChecks


class TestCoachingTemplate(ServiceTemplateChecks):
    SERVICE = "coaching"
    APP = app
    ROUTE_COUNT = 8
