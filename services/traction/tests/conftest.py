"""The traction service's tests: the fixtures every single-table service shares."""

from pptesting.service_fixtures import *  # noqa: F403 - pytest finds fixtures and hooks by name
