"""Start the simulated bank: in a thread of the test process, or as a subprocess.

``with running_bank(seed=7) as sim:`` gives a `SimHandle`: `sim.bank` (the Python admin API),
`sim.api_url` (HTTPS, mTLS), `sim.psu_url` (HTTP, SCA pages and /_admin), `sim.tpp` (a TPP identity
the bank trusts: PEM bytes) and `sim.files` (the same PEMs written to a private temporary folder, for
clients that need paths). ``with spawned_bank(state_dir) as sim:`` runs ``python3 -m
simulators.psd2_bank`` and gives a `RemoteBank` whose methods call the admin path over HTTP.
"""
import contextlib
import dataclasses
import json
import os
import pathlib
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

from .bank import PSD2Bank
from .pki import TestCA, TppIdentity
from .server import ApiHandler, PlainServer, PsuHandler, TlsServer

SIM_ROOT = pathlib.Path(__file__).resolve().parents[2]  # the repository's tests/ folder


def write_material(folder, tpp, server_ca_pem):
    """PEM files of a TPP identity and the bank CA in `folder` (mode 0600); returns their paths."""
    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, data in (("ca.pem", server_ca_pem), ("tpp_tls_cert.pem", tpp.tls_cert_pem),
                       ("tpp_tls_key.pem", tpp.tls_key_pem), ("tpp_seal_cert.pem", tpp.seal_cert_pem),
                       ("tpp_seal_key.pem", tpp.seal_key_pem)):
        path = folder / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        paths[name[:-4]] = str(path)
    return paths


class BankServer:
    """The two listeners of one `PSD2Bank` on 127.0.0.1 (port 0 = a free port)."""

    def __init__(self, bank, api_port=0, psu_port=0, host="127.0.0.1", public_host=None):
        self.bank = bank
        self._tmp = tempfile.TemporaryDirectory(prefix="psd2sim-")
        cert, key = bank.ca.issue_server()
        cert_path = pathlib.Path(self._tmp.name, "server.pem")
        cert_path.write_bytes(cert + key)
        os.chmod(cert_path, 0o600)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(str(cert_path))
        context.load_verify_locations(cadata=bank.ca.ca_pem.decode())
        context.verify_mode = ssl.CERT_REQUIRED
        self.api = TlsServer((host, api_port), ApiHandler, bank, context)
        self.psu = PlainServer((host, psu_port), PsuHandler, bank)
        # the name clients use (the certificate is valid for 127.0.0.1 and localhost)
        public_host = public_host or host
        bank.api_url = f"https://{public_host}:{self.api.server_address[1]}"
        bank.psu_url = f"http://{public_host}:{self.psu.server_address[1]}"
        self._threads = []

    def start(self):
        for server in (self.api, self.psu):
            thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                                      name="psd2-sim", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self):
        for server in (self.api, self.psu):
            server.shutdown()
            server.server_close()
        self._tmp.cleanup()


@dataclasses.dataclass
class SimHandle:
    bank: object
    api_url: str
    psu_url: str
    tpp: object
    files: dict
    ca_pem: bytes


@contextlib.contextmanager
def running_bank(seed=0, client_id="tpp-finance-bridge", public_host=None, **bank_options):
    """A bank in this process on free loopback ports, stopped on exit. ``public_host="localhost"``
    makes it advertise https://localhost:<port> (clients that verify host names of IP addresses
    differently than DNS names)."""
    bank = PSD2Bank(seed=seed, **bank_options)
    server = BankServer(bank, public_host=public_host).start()
    tpp = bank.ca.issue_tpp(client_id)
    with tempfile.TemporaryDirectory(prefix="psd2tpp-") as folder:
        files = write_material(folder, tpp, bank.ca.ca_pem)
        try:
            yield SimHandle(bank, bank.api_url, bank.psu_url, tpp, files, bank.ca.ca_pem)
        finally:
            server.stop()


class RemoteBank:
    """The admin API of a bank in another process: `remote.add_account(...)` → POST /_admin/add_account."""

    def __init__(self, psu_url, timeout=10.0):
        self.psu_url = psu_url
        self.timeout = timeout

    def __getattr__(self, method):
        def call(**kwargs):
            request = urllib.request.Request(f"{self.psu_url}/_admin/{method}", data=json.dumps(kwargs).encode(),
                                             headers={"Content-Type": "application/json"}, method="POST")
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                return json.loads(answer.read())["result"]
        return call


@contextlib.contextmanager
def spawned_bank(state_dir, seed=0, demo=False, timeout=60.0):
    """Run the simulator as `python3 -m simulators.psd2_bank` and wait for its sim.json."""
    state_dir = pathlib.Path(state_dir)
    info = state_dir / "sim.json"
    if info.exists():
        info.unlink()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(SIM_ROOT), os.environ.get("PYTHONPATH")])))
    args = [sys.executable, "-m", "simulators.psd2_bank", "--state-dir", str(state_dir), "--seed", str(seed)]
    process = subprocess.Popen([*args, *(["--demo"] if demo else [])], env=env)
    try:
        deadline = time.monotonic() + timeout
        while not info.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the simulator did not start (exit code {process.poll()})")
            time.sleep(0.1)
        data = json.loads(info.read_text())
        yield data, RemoteBank(data["psu_url"])
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def serve_forever(state_dir, seed=0, api_port=0, psu_port=0, demo=False, client_id="tpp-finance-bridge"):
    """The subprocess's body: start, write the TPP material and sim.json, serve until terminated."""
    bank = PSD2Bank(seed=seed, ca=TestCA.load_or_create(state_dir))
    server = BankServer(bank, api_port, psu_port).start()
    folder = pathlib.Path(state_dir)
    names = ("tpp_tls_cert", "tpp_tls_key", "tpp_seal_cert", "tpp_seal_key")
    if all((folder / f"{name}.pem").exists() for name in names):   # a restart: the same TPP identity
        tpp = TppIdentity(client_id, *((folder / f"{name}.pem").read_bytes() for name in names), bank.ca.ca_pem)
    else:
        tpp = bank.ca.issue_tpp(client_id)
    files = write_material(state_dir, tpp, bank.ca.ca_pem)
    if demo:
        from .demo import seed_demo
        seed_demo(bank)
    info = {"api_url": bank.api_url, "psu_url": bank.psu_url, "client_id": client_id, "files": files,
            "pid": os.getpid()}
    tmp = pathlib.Path(state_dir, "sim.json.tmp")
    tmp.write_text(json.dumps(info, indent=1))
    tmp.replace(pathlib.Path(state_dir, "sim.json"))
    return server
