"""``odoo finance_bridge …``: operator commands that must not depend on the web UI.

    odoo --addons-path=ADDONS finance_bridge generate-key
    odoo --addons-path=ADDONS finance_bridge verify-audit -c odoo.conf -d DB
    FINANCE_BRIDGE_OLD_MASTER_KEY=… odoo --addons-path=ADDONS finance_bridge rotate-key \\
        --new-key-file new.key -c odoo.conf -d DB

Any option not listed here (-c, -d, --db_host…) is handed to Odoo's configuration.
"""
import argparse
import os
import sys

from odoo.cli.command import Command


class FinanceBridgeCommand(Command):
    """Finance Bridge operations: master key rotation and audit chain verification."""

    name = "finance_bridge"

    def run(self, cmdargs):
        parser = argparse.ArgumentParser(prog=self.prog, description=self.__doc__)
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("generate-key", help="print a new random master key")
        sub.add_parser("verify-audit", help="seal pending events, verify every company's keyed chain against "
                                            "its anchors (database and anchor file); exit 1 if broken")
        rotate = sub.add_parser("rotate-key", help="re-encrypt every secret with a new master key")
        rotate.add_argument("--old-key-env", default="FINANCE_BRIDGE_OLD_MASTER_KEY",
                            help="environment variable holding the current (old) key")
        rotate.add_argument("--new-key-file", help="file holding the new key (default: the configured key)")
        args, odoo_args = parser.parse_known_args(cmdargs)
        sys.exit(self._run(parser, args, odoo_args))

    def _run(self, parser, args, odoo_args):
        from odoo.addons.finance_bridge_core.lib.secret_box import generate_master_key
        if args.action == "generate-key":
            print(generate_master_key())
            return 0

        import odoo
        from odoo.modules.registry import Registry
        from odoo.tools import config

        if not any(arg.startswith("--addons-path") for arg in odoo_args) and config["addons_path"]:
            # keep the --addons-path given before the command name
            odoo_args = [f"--addons-path={','.join(config['addons_path'])}", *odoo_args]
        config.parse_config(odoo_args, setup_logging=True)
        dbname = config["db_name"]
        if isinstance(dbname, (list, tuple)):
            dbname = dbname[0] if dbname else None
        if not dbname:
            parser.error("a database is required (-d DB)")
        old_key = new_key = None
        if args.action == "rotate-key":
            old_key = os.environ.get(args.old_key_env)
            if not old_key:
                parser.error(f"set {args.old_key_env} to the current master key")
            if args.new_key_file:
                with open(args.new_key_file, encoding="ascii") as handle:
                    new_key = handle.read().strip()
        with Registry(dbname).cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            if args.action == "verify-audit":
                return self._verify_audit(env)
            if new_key is None:
                from odoo.addons.finance_bridge_core.models.secret_vault import configured_master_key
                new_key = configured_master_key()
            counts = env["finance.secret.vault"]._rotate(old_key, new_key)
            print(f"rotated={counts['rotated']} already={counts['already']} key_id={counts['key_id']}")
        print("Now put the new key in the server configuration and restart Odoo.", file=sys.stderr)
        return 0

    @staticmethod
    def _verify_audit(env):
        """One line per company; exit status 1 when any chain is broken, truncated or has forged rows."""
        broken = False
        verdicts = env["finance.audit.event"]._verdicts(env["res.company"].search([]))
        for company, verdict in sorted(verdicts, key=lambda pair: pair[0].name):
            if verdict.ok:
                print(f"{company.name}: intact ({verdict.count} events, head #{verdict.count})")
            else:
                broken = True
                where = f" at #{verdict.sequence}" if verdict.sequence else ""
                print(f"{company.name}: BROKEN{where}: {verdict.reason}")
        return 1 if broken else 0
