"""`PYTHONPATH=tests python3 -m simulators.psd2_bank --state-dir DIR [--demo]`: run the bank until stopped."""
import argparse
import signal
import threading

from .runner import serve_forever


def main():
    parser = argparse.ArgumentParser(description="Simulated NextGenPSD2 bank on 127.0.0.1")
    parser.add_argument("--state-dir", required=True, help="where ca.pem, the TPP PEMs and sim.json are written")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--api-port", type=int, default=0, help="HTTPS API port (0: a free one)")
    parser.add_argument("--psu-port", type=int, default=0, help="HTTP port of the SCA pages and /_admin")
    parser.add_argument("--demo", action="store_true", help="seed the demo accounts and transactions")
    args = parser.parse_args()
    server = serve_forever(args.state_dir, args.seed, args.api_port, args.psu_port, args.demo)
    print(f"PSD2 simulator: API {server.bank.api_url}  SCA pages {server.bank.psu_url}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    server.stop()


if __name__ == "__main__":
    main()
