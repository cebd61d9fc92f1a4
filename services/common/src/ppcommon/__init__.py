"""Code shared by the PurposePath Python services: config, AWS clients, auth, HTTP, cache.

Every module is small and creates nothing on import (no AWS client, no socket), so a
service's cold start pays only for what a request uses. The API is described in
``services/common/README.md``.
"""
