"""A real OpenSSH server on a loopback port, with a throw-away host key, for the SFTP channel tests."""
import getpass
import os
import shutil
import socket
import subprocess
import tempfile
import time

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"


def sshd_available():
    return os.path.exists(SSHD) and shutil.which("ssh-keygen") is not None


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LocalSshd:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="fb_sshd_")
        self.port = _free_port()
        self.user = getpass.getuser()
        self.host_key = os.path.join(self.dir, "host_ed25519")
        self.client_key = os.path.join(self.dir, "client_ed25519")
        self.inbound = os.path.join(self.dir, "bank_out")       # the bank's outbox = our inbound
        self.outbound = os.path.join(self.dir, "bank_in")
        self.processed = os.path.join(self.dir, "bank_done")
        self.process = None

    def __enter__(self):
        for path in (self.inbound, self.outbound, self.processed):
            os.makedirs(path)
        for key in (self.host_key, self.client_key):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key], check=True, timeout=30)
        with open(self.client_key + ".pub") as handle, open(os.path.join(self.dir, "authorized_keys"), "w") as out:
            out.write(handle.read())
        os.chmod(os.path.join(self.dir, "authorized_keys"), 0o600)
        config = os.path.join(self.dir, "sshd_config")
        with open(config, "w") as handle:
            handle.write(f"""Port {self.port}
ListenAddress 127.0.0.1
HostKey {self.host_key}
PidFile {self.dir}/sshd.pid
AuthorizedKeysFile {self.dir}/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin prohibit-password
StrictModes no
UsePAM no
Subsystem sftp internal-sftp
LogLevel ERROR
""")
        os.makedirs("/run/sshd", exist_ok=True)
        self.process = subprocess.Popen([SSHD, "-D", "-e", "-f", config], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(f"sshd exited: {self.process.stderr.read().decode()}")
                time.sleep(0.1)
        raise RuntimeError("sshd did not start")

    def host_key_line(self):
        with open(self.host_key + ".pub") as handle:
            kind, b64 = handle.read().split()[:2]
        return f"{kind} {b64}"

    def client_private_key(self):
        with open(self.client_key) as handle:
            return handle.read()

    def __exit__(self, *exc):
        if self.process:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.dir, ignore_errors=True)
