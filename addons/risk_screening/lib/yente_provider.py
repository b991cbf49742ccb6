"""Remote matching through a yente-compatible ``POST /match/{dataset}`` API."""
import requests

from odoo.addons.finance_bridge_core.lib.errors import ProviderError
from odoo.addons.finance_bridge_core.lib.provider_registry import (
    Capability,
    ConfigField,
    Provider,
    SecretField,
    register_provider,
)
from odoo.addons.finance_bridge_core.lib.user_errors import describe_error

from .matcher import ScreenQuery


@register_provider
class YenteMatchProvider(Provider):
    key = "yente_match"
    label = "Remote screening (yente /match API)"
    capabilities = frozenset({Capability.SCREENING})
    config_schema = (
        ConfigField("url", "Base URL", "url", required=True, binding=True, help="e.g. https://yente.example.org"),
        ConfigField("dataset", "Dataset", "char", default="sanctions"),
        ConfigField("timeout", "Timeout (s)", "int", default=5,
                    help="Slower answers count as unavailable and the fallback policy applies."),
        ConfigField("threshold", "Match score (0-1)", "char", default="0.7"),
    )
    secret_schema = (SecretField("api_key", "API key", help="Sent as 'Authorization: ApiKey …' if set."),)

    def match(self, queries):
        """``queries``: {id: ScreenQuery}. Returns {id: [(caption, score 0-100, entity id)]}."""
        body = {"queries": {}}
        for qid, query in queries.items():
            props = {"name": [query.name]}
            if query.country:
                props["country"] = [query.country.lower()]
            if query.birth_year:
                props["birthDate"] = [str(query.birth_year)]
            schema = "Person" if query.entry_type == "person" else \
                "Organization" if query.entry_type == "entity" else "LegalEntity"
            body["queries"][qid] = {"schema": schema, "properties": props}
        headers = {}
        api_key = self.context.secrets("api_key")
        if api_key:
            headers["Authorization"] = f"ApiKey {api_key}"
        timeout = float(self.config.get("timeout") or 5)
        session = self.context.http(timeout=(min(timeout, 5), timeout), retries=0)
        url = f"{self.config['url'].rstrip('/')}/match/{self.config.get('dataset') or 'sanctions'}"
        try:
            response = session.post(url, json=body, headers=headers)
        except requests.RequestException as exc:
            raise ProviderError(f"screening service unreachable: {describe_error(exc, url)}", retryable=True) from None
        if response.status_code != 200:
            raise ProviderError(f"screening service answered {response.status_code}", retryable=True)
        try:
            responses = response.json()["responses"]
        except (ValueError, KeyError):
            raise ProviderError("screening service sent an unreadable answer", retryable=True) from None
        cutoff = float(self.config.get("threshold") or 0.7)
        result = {}
        for qid in queries:
            hits = responses.get(qid, {}).get("results", [])
            result[qid] = [(hit.get("caption", ""), round(float(hit.get("score", 0)) * 100, 1), hit.get("id"))
                           for hit in hits if float(hit.get("score", 0)) >= cutoff]
        return result

    def test_connection(self):
        self.match({"ping": ScreenQuery(name="connection test")})
        return "screening service answered"
