"""The PurposePath account service (Python runtime): registration, login, sessions, tenants."""
