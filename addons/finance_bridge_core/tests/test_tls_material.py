"""Client certificates from secrets: PEM and PKCS#12 loading, expiry, and mutual TLS over loopback."""
import base64
import glob
import os
import tempfile
import unittest
from datetime import datetime, timedelta, timezone

import requests

from ..lib.provider_context import make_http_session
from ..lib.tls_material import (
    TlsMaterialError,
    load_material,
    load_pem_material,
    load_pkcs12_material,
    mount_client_certificate,
    ssl_context,
)
from .pki import Pki, cert_pem, key_pem, pkcs12_bytes
from .tls_server import MutualTlsServer


class TestTlsMaterial(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pki = Pki("FB Bank Test CA")
        cls.server_cert, cls.server_key = cls.pki.issue("127.0.0.1", server=True)
        cls.client_cert, cls.client_key = cls.pki.issue("TPP Client", days=10)

    def test_pem_with_chain_and_passphrase(self):
        material = load_pem_material(cert_pem(self.client_cert) + cert_pem(self.pki.ca_cert),
                                     key_pem(self.client_key, "pw-1"), passphrase="pw-1")
        self.assertEqual(material.certificate, self.client_cert)
        self.assertEqual(material.chain, (self.pki.ca_cert,))
        self.assertIn("CN=TPP Client", material.subject)
        self.assertEqual(material.serial_hex, f"{self.client_cert.serial_number:x}")
        self.assertEqual(material.not_valid_after, self.client_cert.not_valid_after.replace(tzinfo=timezone.utc))
        self.assertTrue(material.expires_within(14), "10 days left is inside the default 14-day warning")
        self.assertFalse(material.expires_within(5))

    def test_pkcs12_from_base64_secret(self):
        blob = base64.b64encode(pkcs12_bytes(self.client_cert, self.client_key, "p12-pass")).decode()
        material = load_material(pkcs12_data=blob, passphrase="p12-pass")
        self.assertEqual(material.certificate, self.client_cert)
        with self.assertRaisesRegex(TlsMaterialError, "wrong passphrase"):
            load_pkcs12_material(blob, "nope")
        with self.assertRaisesRegex(TlsMaterialError, "not base64"):
            load_pkcs12_material("%%%", "p12-pass")

    def test_bad_material_is_named(self):
        other_cert, _other_key = self.pki.issue("Other")
        cases = [
            (dict(cert_pem="nothing here", key_pem=key_pem(self.client_key)), "no PEM certificate"),
            (dict(cert_pem=cert_pem(other_cert), key_pem=key_pem(self.client_key)), "does not belong"),
            (dict(cert_pem=cert_pem(self.client_cert), key_pem=key_pem(self.client_key, "x")), "passphrase"),
            (dict(cert_pem=cert_pem(self.client_cert), key_pem="-----BEGIN PRIVATE KEY-----\nAAAA\n"), "unreadable"),
            (dict(cert_pem=cert_pem(self.client_cert)), "either the certificate and key"),
        ]
        for kwargs, reason in cases:
            with self.subTest(reason), self.assertRaisesRegex(TlsMaterialError, reason):
                load_material(what="signing certificate", **kwargs)

    def test_mutual_tls_over_loopback(self):
        material = load_pem_material(cert_pem(self.client_cert), key_pem(self.client_key))
        before = set(glob.glob(os.path.join(tempfile.gettempdir(), "fb-tls-*")))
        with MutualTlsServer(self.pki, self.server_cert, self.server_key) as srv:
            session = mount_client_certificate(make_http_session(retries=0, timeout=(3, 5)), material,
                                               ca_pem=cert_pem(self.pki.ca_cert))
            answer = session.get(srv.url + "/v1/accounts")
            self.assertEqual((answer.status_code, answer.text), (200, "TPP Client"))
            plain = make_http_session(retries=0, timeout=(3, 5))
            plain.verify = False
            with self.assertRaises(requests.exceptions.RequestException, msg="no client certificate: refused"):
                plain.get(srv.url + "/v1/accounts")
            stranger_cert, stranger_key = Pki("Rogue CA").issue("Rogue TPP")
            rogue = mount_client_certificate(make_http_session(retries=0, timeout=(3, 5)),
                                             load_pem_material(cert_pem(stranger_cert), key_pem(stranger_key)),
                                             ca_pem=cert_pem(self.pki.ca_cert))
            with self.assertRaises(requests.exceptions.RequestException, msg="a certificate of another CA: refused"):
                rogue.get(srv.url + "/v1/accounts")
        self.assertEqual(srv.subjects, ["TPP Client"])
        self.assertEqual(set(glob.glob(os.path.join(tempfile.gettempdir(), "fb-tls-*"))), before,
                         "no key file is left behind")

    def test_server_certificate_of_unknown_ca_is_refused(self):
        material = load_pem_material(cert_pem(self.client_cert), key_pem(self.client_key))
        with MutualTlsServer(self.pki, self.server_cert, self.server_key) as srv:
            session = mount_client_certificate(make_http_session(retries=0, timeout=(3, 5)), material,
                                               ca_pem=cert_pem(Pki("Unrelated CA").ca_cert))
            with self.assertRaises(requests.exceptions.SSLError):
                session.get(srv.url)

    def test_server_certificate_for_another_host_is_refused(self):
        """The context leaves host-name matching to urllib3: it must still happen."""
        material = load_pem_material(cert_pem(self.client_cert), key_pem(self.client_key))
        other_host_cert, other_host_key = self.pki.issue("bank.example", server=True, hosts=("bank.example",))
        with MutualTlsServer(self.pki, other_host_cert, other_host_key) as srv:
            session = mount_client_certificate(make_http_session(retries=0, timeout=(3, 5)), material,
                                               ca_pem=cert_pem(self.pki.ca_cert))
            with self.assertRaisesRegex(requests.exceptions.SSLError, "hostname|match"):
                session.get(srv.url)

    def test_context_reports_expiry_from_the_certificate(self):
        expired_cert, expired_key = self.pki.issue("Old TPP", days=-1, not_before_days=-30)
        material = load_pem_material(cert_pem(expired_cert), key_pem(expired_key))
        self.assertLess(material.days_left(datetime.now(timezone.utc)), 0)
        self.assertLess(material.not_valid_after, datetime.now(timezone.utc) + timedelta(seconds=1))
        ssl_context(material)  # an expired certificate still loads; the bank refuses it, the UI warns
