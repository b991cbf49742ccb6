"""Turn any failure of a provider, a download or a folder into one sentence a user can act on.

Buttons and sync runs show these messages instead of a traceback: network failures become
"cannot reach <host>: <reason>" (not urllib3's pool and retry wording), file system failures
name the path, and the suite's own errors keep their message.
"""
import errno
import socket
import ssl
from urllib.parse import urlsplit

import requests
import urllib3.exceptions

from .errors import FinanceBridgeError
from .masking import mask_text

NETWORK_ERRORS = (requests.RequestException, urllib3.exceptions.HTTPError, ConnectionError, TimeoutError,
                  socket.gaierror, socket.herror, ssl.SSLError)


def _chain(exc):
    """The exception and everything it wraps (urllib3 ``reason``, causes, contexts, args)."""
    seen, queue = set(), [exc]
    while queue:
        current = queue.pop(0)
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        queue.append(getattr(current, "reason", None) if isinstance(getattr(current, "reason", None),
                                                                     BaseException) else None)
        queue += [current.__cause__, current.__context__]
        queue += [arg for arg in getattr(current, "args", ()) if isinstance(arg, BaseException)]


def network_host(exc, url=None):
    """Host the failed call went to: the request's URL, the urllib3 pool, else ``url``."""
    for current in _chain(exc):
        request = getattr(current, "request", None)
        if request is not None and getattr(request, "url", None):
            return urlsplit(request.url).hostname or request.url
        pool = getattr(current, "pool", None)
        if pool is not None and getattr(pool, "host", None):
            return pool.host
    if url:
        return urlsplit(url).hostname or url
    return "the server"


def network_reason(exc):
    """A short reason: refused, unknown host, TLS, reset, timed out (the most specific cause wins)."""
    chain = list(_chain(exc))
    checks = (
        (lambda e: isinstance(e, ConnectionRefusedError) or getattr(e, "errno", None) == errno.ECONNREFUSED,
         lambda e: "connection refused"),
        (lambda e: isinstance(e, socket.gaierror), lambda e: "host name not found"),
        (lambda e: isinstance(e, ConnectionResetError), lambda e: "connection reset by the server"),
        (lambda e: isinstance(e, ssl.SSLError),
         lambda e: f"TLS error ({getattr(e, 'reason', None) or e.__class__.__name__})"),
        (lambda e: isinstance(e, (TimeoutError, socket.timeout, requests.Timeout, urllib3.exceptions.TimeoutError))
         and not isinstance(e, urllib3.exceptions.NewConnectionError), lambda e: "no answer within the timeout"),
        (lambda e: isinstance(e, OSError) and bool(getattr(e, "strerror", None)), lambda e: e.strerror.lower()),
    )
    for matches, text in checks:
        for current in chain:
            if matches(current):
                return text(current)
    if isinstance(exc, requests.TooManyRedirects):
        return "too many redirects"
    return "network error"


def describe_error(exc, url=None):
    """One line for the user: what failed and why, secrets masked, never a traceback."""
    if isinstance(exc, FinanceBridgeError):
        return mask_text(str(exc) or exc.__class__.__name__)
    if isinstance(exc, NETWORK_ERRORS):
        return mask_text(f"cannot reach {network_host(exc, url)}: {network_reason(exc)}")
    if isinstance(exc, OSError):
        return _os_error(exc)
    name = getattr(exc, "args", None) and exc.args[0]
    if isinstance(name, str) and exc.__class__.__module__.startswith("odoo.exceptions"):
        return mask_text(name)
    return mask_text(f"{exc.__class__.__name__}: {exc}" if str(exc) else exc.__class__.__name__)


def _os_error(exc):
    reason = exc.strerror or str(exc) or exc.__class__.__name__
    return mask_text(f"{exc.filename}: {reason.lower()}" if exc.filename else reason)
