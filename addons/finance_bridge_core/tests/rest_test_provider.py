"""A tiny OAuth REST provider for the toolkit's tests: one class, nothing in the core names it."""
from ..lib.dto import FetchResult
from ..lib.errors import ProviderError
from ..lib.oauth2 import OAuthClientConfig, OAuthProviderMixin
from ..lib.provider_registry import Capability, ConfigField, Provider, SecretField, registry
from ..lib.tls_material import MaterialSecrets


class RestTestProvider(OAuthProviderMixin, Provider):
    key = "test_rest_oauth"
    label = "Test REST API (OAuth)"
    capabilities = frozenset({Capability.STATEMENTS})
    config_schema = (ConfigField("base_url", "Base URL", type="url", required=True),
                     ConfigField("client_id", "Client id", required=True))
    secret_schema = (SecretField("client_secret", "Client secret", required=True),
                     SecretField("oauth_token", "OAuth token (set by Connect)", managed=True),
                     SecretField("tls_certificate", "Client certificate (PEM)"),
                     SecretField("tls_private_key", "Client private key (PEM)"),
                     SecretField("tls_pkcs12", "Client certificate (PKCS#12, base64)"),
                     SecretField("tls_passphrase", "Key / PKCS#12 passphrase"))
    tls_material = MaterialSecrets("tls_certificate", "tls_private_key", "tls_pkcs12", "tls_passphrase",
                                   label="client certificate")

    def _base(self):
        return self.config["base_url"].rstrip("/")

    def oauth_config(self, redirect_uri=None):
        return OAuthClientConfig(token_url=self._base() + "/token", authorization_url=self._base() + "/authorize",
                                 client_id=self.config["client_id"], client_secret=self.context.secrets("client_secret"),
                                 redirect_uri=redirect_uri, scope="accounts")

    def _get(self, path):
        token = self.oauth_access_token()
        answer = self.context.http(retries=0).get(self._base() + path, headers={"Authorization": token.authorization})
        if answer.status_code >= 400:
            raise ProviderError(f"the bank answered HTTP {answer.status_code} for {path}",
                                retryable=answer.status_code >= 500)
        return answer.json()

    def test_connection(self):
        self._get("/v1/accounts")
        return "The bank API answers."

    def fetch_statements(self, account, cursor):
        self._get(f"/v1/accounts/{account}/transactions")
        return FetchResult(next_cursor=cursor)


def register(test_class):
    """Register the provider for a test class (and unregister after it)."""
    registry.register(RestTestProvider)
    test_class.addClassCleanup(registry.unregister, RestTestProvider.key)
