"""The gateway's fixed settings, importable without loading the server (commands start fast)."""

HOST = "127.0.0.1"
DEFAULT_PORT = 4567
DEFAULT_ENDPOINT = "http://127.0.0.1:4566"
DEFAULT_REGION = "us-east-1"
STATUS_PATH = "/_gateway/status"
