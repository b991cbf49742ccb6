"""An HTTPS server on 127.0.0.1 that demands a client certificate from its CA (mutual TLS)."""
import ssl
from http.server import BaseHTTPRequestHandler

from cryptography.hazmat.primitives import serialization

from ..lib.tls_material import ClientMaterial, _private_path
from .loopback_server import LoopbackServer
from .pki import cert_pem


class MutualTlsServer(LoopbackServer):
    """Answers 200 with the client certificate's subject; ``url`` is https://127.0.0.1:<port>."""

    def __init__(self, pki, server_cert, server_key):
        self.subjects = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def setup(self):
                # the handshake runs here, in the request's thread, with a timeout: a client that
                # fails it never blocks the accept loop
                self.request.settimeout(5)
                self.request.do_handshake()
                super().setup()

            def do_GET(self):
                peer = self.connection.getpeercert()
                subject = dict(x[0] for x in peer["subject"]) if peer else {}
                server.subjects.append(subject.get("commonName"))
                body = (subject.get("commonName") or "").encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(cadata=cert_pem(pki.ca_cert))
        material = ClientMaterial(server_cert, server_key)
        key = server_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.BestAvailableEncryption(b"server-once"))
        with _private_path(cert_pem(material.certificate).encode() + key) as path:
            context.load_cert_chain(path, password=b"server-once")
        self._serve(Handler, scheme="https", wrap=lambda sock: context.wrap_socket(
            sock, server_side=True, do_handshake_on_connect=False))
