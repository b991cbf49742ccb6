"""Bank simulators: standalone servers on loopback that the tests and `make run`'s demo talk to.

They are part of the project's test tooling, not of any addon, and import nothing from Odoo. The
folder ``tests/`` is the import root: ``import simulators.psd2_bank`` works once ``tests/`` is on
``sys.path`` (pytest puts it there for the tests under it; addon tests and scripts add it, see
``simulators.psd2_bank.README.md``).
"""
