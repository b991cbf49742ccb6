"""An SSH server on loopback that only records what clients try to log in with (paramiko)."""
import socket
import threading

import paramiko


class _Recorder(paramiko.ServerInterface):
    def __init__(self, attempts):
        self.attempts = attempts

    def get_allowed_auths(self, username):
        return "password,publickey"

    def check_auth_password(self, username, password):
        self.attempts.append(("password", username, password))
        return paramiko.AUTH_FAILED

    def check_auth_publickey(self, username, key):
        self.attempts.append(("publickey", username, key.get_base64()))
        return paramiko.AUTH_FAILED


class CapturingSshd:
    """What an attacker runs to harvest credentials: accepts any client, refuses every login."""

    def __init__(self):
        self.key = paramiko.ECDSAKey.generate()
        self.attempts = []
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.sock.settimeout(0.5)
        self.port = self.sock.getsockname()[1]
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def host_key_line(self):
        return f"{self.key.get_name()} {self.key.get_base64()}"

    def _serve(self):
        while not self._stop.is_set():
            try:
                conn, _addr = self.sock.accept()
            except OSError:
                continue
            transport = paramiko.Transport(conn)
            transport.add_server_key(self.key)
            try:
                transport.start_server(server=_Recorder(self.attempts))
                transport.accept(5)
            except (paramiko.SSHException, EOFError, OSError):
                pass
            finally:
                transport.close()

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self.thread.join(5)
        self.sock.close()
