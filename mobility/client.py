"""Who is calling: the client address used for rate limits and the audit log."""
from flask import request


def client_ip() -> str:
    """The peer address, as ProxyFix left it.

    X-Forwarded-For is only honoured through ProxyFix, for the number of proxies the operator
    declares (TRUSTED_PROXY_COUNT); otherwise a client could pick its own address.
    """
    return request.remote_addr or "unknown"
