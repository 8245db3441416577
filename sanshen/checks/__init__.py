"""The 在线检查 page and the check service the HTTP API shares."""
