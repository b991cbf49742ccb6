"""OAuth 2.0 client for bank APIs (RFC 6749, PKCE RFC 7636): authorization code, client
credentials, refresh before expiry.

Pure: the HTTP session is passed in (``make_http_session``: timeouts, exchange log, mTLS), the
clock too. Tokens are a frozen ``OAuthToken``; ``to_json``/``from_json`` is what the vault stores
(one encrypted secret), never a log line. Token endpoint errors become ``OAuthError`` with the
RFC's code and a sentence an administrator can act on.
"""
import base64
import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests

from .errors import ProviderError

DEFAULT_TIMEOUT = (5.0, 20.0)
DEFAULT_REFRESH_SKEW = timedelta(seconds=120)
AUTH_METHODS = ("client_secret_basic", "client_secret_post", "none")

# RFC 6749 §5.2 error codes → what to do about them (retryable: only a server that is down).
ERROR_MESSAGES = {
    "invalid_request": "the bank refused the token request as malformed",
    "invalid_client": "the bank does not accept the client id / secret (or certificate) of this connection",
    "invalid_grant": "the authorization code or refresh token is invalid, expired or revoked: press Connect "
                     "again to give a new consent",
    "unauthorized_client": "this client is not allowed to use this grant type at the bank",
    "unsupported_grant_type": "the bank does not support this grant type",
    "invalid_scope": "the bank refused the requested scope",
    "access_denied": "the account holder refused the consent at the bank",
}


class OAuthError(ProviderError):
    """The token endpoint refused or failed. ``error`` is the RFC 6749 code (or ``http_<status>``)."""

    def __init__(self, error, description="", status=None, retryable=False):
        self.error = error
        self.description = description
        self.status = status
        base = ERROR_MESSAGES.get(error, f"the bank's token endpoint answered {error}")
        detail = f" ({description})" if description else ""
        super().__init__(f"OAuth: {base}{detail}", retryable=retryable)


@dataclass(frozen=True)
class OAuthToken:
    access_token: str
    token_type: str = "Bearer"
    refresh_token: str | None = None
    expires_at: datetime | None = None  # aware UTC
    scope: str | None = None

    def __post_init__(self):
        if not self.access_token or not isinstance(self.access_token, str):
            raise ValueError("an OAuth token needs an access_token")
        if self.expires_at is not None and self.expires_at.tzinfo is None:
            raise ValueError("expires_at must be timezone-aware (UTC)")

    def expires_within(self, now, skew=DEFAULT_REFRESH_SKEW):
        """True when the token is expired or expires within ``skew`` of ``now``."""
        return self.expires_at is not None and now + skew >= self.expires_at

    @property
    def authorization(self):
        return f"{'Bearer' if self.token_type.lower() == 'bearer' else self.token_type} {self.access_token}"

    def to_json(self):
        return json.dumps({"access_token": self.access_token, "token_type": self.token_type,
                           "refresh_token": self.refresh_token, "scope": self.scope,
                           "expires_at": self.expires_at.isoformat() if self.expires_at else None},
                          sort_keys=True)

    @classmethod
    def from_json(cls, text):
        data = json.loads(text)
        expires = data.get("expires_at")
        return cls(access_token=data["access_token"], token_type=data.get("token_type") or "Bearer",
                   refresh_token=data.get("refresh_token"), scope=data.get("scope"),
                   expires_at=datetime.fromisoformat(expires) if expires else None)


@dataclass(frozen=True)
class OAuthClientConfig:
    token_url: str
    client_id: str
    authorization_url: str | None = None
    client_secret: str | None = None
    redirect_uri: str | None = None
    scope: str | None = None
    auth_method: str = "client_secret_basic"

    def __post_init__(self):
        for name in ("token_url", "authorization_url"):
            url = getattr(self, name)
            if url and urlsplit(url).scheme not in ("https", "http"):
                raise ValueError(f"{name} must be an http(s) URL, got {url!r}")
        if not self.client_id:
            raise ValueError("an OAuth client needs a client_id")
        if self.auth_method not in AUTH_METHODS:
            raise ValueError(f"auth_method must be one of {', '.join(AUTH_METHODS)}")


def new_state():
    """An unguessable ``state`` value (256 bits)."""
    return secrets.token_urlsafe(32)


def pkce_challenge(verifier):
    """S256 code challenge: base64url(SHA-256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def new_pkce():
    """``(verifier, challenge)``: a 64-character verifier (RFC 7636 allows 43–128) and its S256 challenge."""
    verifier = secrets.token_urlsafe(48)
    return verifier, pkce_challenge(verifier)


def authorization_url(config, state, code_challenge, scope=None, extra=None):
    """The URL the user's browser goes to for consent (response_type=code, PKCE S256)."""
    if not config.authorization_url:
        raise ValueError("this OAuth client has no authorization URL")
    params = {"response_type": "code", "client_id": config.client_id, "state": state,
              "code_challenge": code_challenge, "code_challenge_method": "S256"}
    if config.redirect_uri:
        params["redirect_uri"] = config.redirect_uri
    if scope or config.scope:
        params["scope"] = scope or config.scope
    params.update(extra or {})
    parts = urlsplit(config.authorization_url)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


def parse_token_response(data, now, previous=None):
    """Validate a token endpoint JSON answer into an ``OAuthToken`` (``previous`` keeps a refresh token the
    bank did not rotate)."""
    if not isinstance(data, dict):
        raise OAuthError("invalid_response", "the token endpoint did not answer a JSON object")
    access = data.get("access_token")
    if not isinstance(access, str) or not access:
        raise OAuthError("invalid_response", "no access_token in the token endpoint's answer")
    token_type = data.get("token_type") or "Bearer"
    if not isinstance(token_type, str) or token_type.lower() not in ("bearer", "mac", "dpop"):
        raise OAuthError("invalid_response", f"unsupported token_type {token_type!r}")
    expires_at = None
    if data.get("expires_in") is not None:
        try:
            seconds = int(data["expires_in"])
        except (TypeError, ValueError):
            raise OAuthError("invalid_response", f"expires_in {data['expires_in']!r} is not a number") from None
        if seconds < 0:
            raise OAuthError("invalid_response", "expires_in is negative")
        expires_at = now + timedelta(seconds=seconds)
    refresh = data.get("refresh_token") or (previous.refresh_token if previous else None)
    scope = data.get("scope") or (previous.scope if previous else None)
    return OAuthToken(access_token=access, token_type=token_type, refresh_token=refresh,
                      expires_at=expires_at, scope=scope)


def _utc_now():
    return datetime.now(timezone.utc)


class OAuth2Client:
    """Talks to one token endpoint. Every call has a timeout; no call is retried (a code is single use)."""

    def __init__(self, config, session, clock=_utc_now, timeout=DEFAULT_TIMEOUT):
        if timeout is None:
            raise ValueError("OAuth calls must have a timeout")
        self.config = config
        self.session = session
        self.clock = clock
        self.timeout = timeout

    def exchange_code(self, code, code_verifier, redirect_uri=None):
        """Authorization code (+ PKCE verifier) → token."""
        if not code:
            raise OAuthError("invalid_request", "the bank's callback carried no authorization code")
        form = {"grant_type": "authorization_code", "code": code, "code_verifier": code_verifier}
        if redirect_uri or self.config.redirect_uri:
            form["redirect_uri"] = redirect_uri or self.config.redirect_uri
        return self._token_request(form)

    def client_credentials(self, scope=None):
        form = {"grant_type": "client_credentials"}
        if scope or self.config.scope:
            form["scope"] = scope or self.config.scope
        return self._token_request(form)

    def refresh(self, token):
        if not token.refresh_token:
            raise OAuthError("invalid_grant", "the stored token has no refresh token")
        return self._token_request({"grant_type": "refresh_token", "refresh_token": token.refresh_token},
                                   previous=token)

    def ensure_fresh(self, token, skew=DEFAULT_REFRESH_SKEW):
        """``(token, refreshed)``: the token itself, or a refreshed one when it expires within ``skew``.

        Without a refresh token a client-credentials client fetches a new token; otherwise the
        stale token is an ``invalid_grant`` (the user must connect again).
        """
        if not token.expires_within(self.clock(), skew):
            return token, False
        if token.refresh_token:
            return self.refresh(token), True
        if self.config.client_secret and not self.config.authorization_url:
            return self.client_credentials(token.scope), True
        raise OAuthError("invalid_grant", "the access token expired and cannot be refreshed")

    # ------------------------------------------------------------------ HTTP
    def _token_request(self, form, previous=None):
        form = dict(form)
        auth = None
        cfg = self.config
        if cfg.auth_method == "client_secret_basic" and cfg.client_secret:
            auth = (cfg.client_id, cfg.client_secret)
        else:
            form["client_id"] = cfg.client_id
            if cfg.auth_method == "client_secret_post" and cfg.client_secret:
                form["client_secret"] = cfg.client_secret
        try:
            response = self.session.post(cfg.token_url, data=form, auth=auth, timeout=self.timeout,
                                         headers={"Accept": "application/json"}, allow_redirects=False)
        except requests.Timeout:
            raise OAuthError("timeout", f"no answer from {cfg.token_url} within {self.timeout} s",
                             retryable=True) from None
        except requests.RequestException as exc:
            raise OAuthError("unreachable", f"{cfg.token_url}: {type(exc).__name__}", retryable=True) from None
        return self._parse(response, previous)

    def _parse(self, response, previous):
        try:
            data = response.json()
        except ValueError:
            data = None
        if response.status_code >= 500:
            raise OAuthError(f"http_{response.status_code}", "the bank's token endpoint failed",
                             status=response.status_code, retryable=True)
        if response.status_code == 429:
            raise OAuthError("http_429", "too many token requests", status=429, retryable=True)
        if response.status_code != 200:
            error = data.get("error") if isinstance(data, dict) else None
            description = data.get("error_description") if isinstance(data, dict) else None
            raise OAuthError(str(error or f"http_{response.status_code}")[:64], str(description or "")[:300],
                             status=response.status_code)
        return parse_token_response(data, self.clock(), previous)



class OAuthProviderMixin:
    """For providers whose connection is authorised by the account holder (authorization code + PKCE).

    Declaring ``oauth_authorization_code = True`` (this mixin does) shows **Connect** on the
    connection form. The core keeps state and verifier, runs the callback and stores the token
    (JSON of ``OAuthToken``) in the secret named ``oauth_token_secret``, which the provider must list
    in its ``secret_schema`` as managed (``SecretField("oauth_token", …, managed=True)``: only Connect
    and refreshes write it, never an administrator). A provider implements ``oauth_config``; it may override
    ``oauth_begin`` (e.g. create a consent first and add it to the URL) and ``oauth_session``
    (mTLS). During a sync it calls ``oauth_access_token()``: refreshed before expiry and written back
    through ``context.state.store_secret`` (so a rotated refresh token survives a failed run).
    """

    oauth_authorization_code = True
    oauth_token_secret = "oauth_token"
    oauth_refresh_skew = DEFAULT_REFRESH_SKEW

    def oauth_config(self, redirect_uri=None):
        """``OAuthClientConfig`` from the provider's settings and secrets."""
        raise NotImplementedError

    def oauth_session(self):
        """The session token calls go through (override to mount the client certificate)."""
        return self.context.http()

    def oauth_client(self, redirect_uri=None):
        return OAuth2Client(self.oauth_config(redirect_uri), self.oauth_session(), clock=self.context.clock)

    def oauth_begin(self, redirect_uri, state, code_challenge):
        """The URL to send the user's browser to."""
        return authorization_url(self.oauth_config(redirect_uri), state, code_challenge)

    def oauth_complete(self, code, code_verifier, redirect_uri):
        """Exchange the callback's code; returns an ``OAuthToken`` (the core stores it)."""
        return self.oauth_client(redirect_uri).exchange_code(code, code_verifier, redirect_uri)

    def oauth_token(self):
        raw = self.context.secrets(self.oauth_token_secret)
        if not raw:
            raise OAuthError("invalid_grant", "this connection holds no token yet: press Connect")
        return OAuthToken.from_json(raw)

    def oauth_access_token(self):
        """A valid token, refreshed when it expires within ``oauth_refresh_skew`` (and stored again)."""
        token, refreshed = self.oauth_client().ensure_fresh(self.oauth_token(), self.oauth_refresh_skew)
        if refreshed:
            for value in (token.access_token, token.refresh_token):
                self.context.logger.add_secret(value)
            # through the provider state: sealed, audited, and written again after a failed run's rollback
            self.context.state.store_secret(self.oauth_token_secret, token.to_json())
        return token
