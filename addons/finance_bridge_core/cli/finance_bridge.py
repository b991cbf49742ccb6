"""``odoo finance_bridge …``: operator commands that must not depend on the web UI.

    odoo finance_bridge -c odoo.conf -d DB generate-key
    odoo finance_bridge -c odoo.conf -d DB verify-audit
    FINANCE_BRIDGE_OLD_MASTER_KEY=… odoo finance_bridge -c odoo.conf -d DB rotate-key --new-key-file F
"""
import argparse
import os
import sys

from odoo.cli.command import Command


class FinanceBridgeCommand(Command):
    """Finance Bridge operations: master key rotation and audit chain verification."""

    name = "finance_bridge"

    def run(self, cmdargs):
        import odoo
        from odoo.modules.registry import Registry
        from odoo.tools import config

        parser = argparse.ArgumentParser(prog=self.prog, description=self.__doc__)
        parser.add_argument("-c", "--config", dest="config")
        parser.add_argument("-d", "--database", dest="database")
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("generate-key", help="print a new random master key")
        sub.add_parser("verify-audit", help="verify every company's audit chain; exit 1 if broken")
        rotate = sub.add_parser("rotate-key", help="re-encrypt every secret with a new master key")
        rotate.add_argument("--old-key-env", default="FINANCE_BRIDGE_OLD_MASTER_KEY",
                            help="environment variable holding the current (old) key")
        rotate.add_argument("--new-key-file", help="file holding the new key (default: the configured key)")
        args = parser.parse_args(cmdargs)

        from odoo.addons.finance_bridge_core.lib.secret_box import generate_master_key
        if args.action == "generate-key":
            print(generate_master_key())
            return 0
        odoo_args = []
        if args.config:
            odoo_args += ["-c", args.config]
        if args.database:
            odoo_args += ["-d", args.database]
        config.parse_config(odoo_args)
        dbname = config["db_name"]
        if isinstance(dbname, list):
            dbname = dbname[0] if dbname else None
        if not dbname:
            parser.error("a database is required (-d)")
        registry = Registry(dbname)
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            if args.action == "verify-audit":
                results = env["finance.audit.event"].verify_chains()
                broken = False
                for company, result in sorted(results.items()):
                    if result:
                        broken = True
                        print(f"{company}: BROKEN at #{result[0]}: {result[1]}")
                    else:
                        print(f"{company}: intact")
                return 1 if broken else 0
            old_key = os.environ.get(args.old_key_env)
            if not old_key:
                parser.error(f"set {args.old_key_env} to the current master key")
            if args.new_key_file:
                with open(args.new_key_file, encoding="ascii") as handle:
                    new_key = handle.read().strip()
            else:
                from odoo.addons.finance_bridge_core.models.secret_vault import configured_master_key
                new_key = configured_master_key()
            counts = env["finance.secret.vault"]._rotate(old_key, new_key)
            print(f"rotated={counts['rotated']} already={counts['already']} key_id={counts['key_id']}")
            print("Now put the new key in the server configuration and restart Odoo.", file=sys.stderr)
        return 0
