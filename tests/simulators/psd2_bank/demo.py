"""Demo data of `make run`'s simulator: two EUR accounts with three weeks of transactions and a pending one.

The IBANs are those of the PSD2 demo journals of ``bank_adapter_psd2`` (its demo data).
"""
import datetime

DEMO_ACCOUNTS = (("DE07370400440000777001", "Operating account"), ("DE77370400440000777002", "Payroll account"))


def seed_demo(bank):
    today = bank.clock.today()
    ids = []
    for index, (iban, name) in enumerate(DEMO_ACCOUNTS):
        rid = bank.add_account(iban, name=name, owner="My Company (San Francisco)", opening_balance="25000.00",
                               page_size=20)
        bank.generate_transactions(rid, 40 - 15 * index, date_from=today - datetime.timedelta(days=20),
                                   date_to=today - datetime.timedelta(days=1), pending=1, seed=index)
        ids.append(rid)
    return ids
