"""factory-boy factories for the core's records.

Factories create through the ORM of the environment a test binds with
``bind(env)``, so records go through the same constraints as in production.
"""
import factory

_ENV = {}


def bind(env):
    _ENV["env"] = env


class OdooFactory(factory.Factory):
    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return _ENV["env"][model_class].create(kwargs)

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        return kwargs


class CompanyFactory(OdooFactory):
    class Meta:
        model = "res.company"

    name = factory.Sequence(lambda n: f"FB Test Company {n}")


class PartnerFactory(OdooFactory):
    class Meta:
        model = "res.partner"

    name = factory.Sequence(lambda n: f"Counterparty {n}")
    is_company = True


def iban_de(n):
    """A syntactically valid German IBAN for account number n (check digits computed)."""
    bban = f"37040044{n:010d}"
    rearranged = bban + "131400"  # D=13, E=14, 00
    check = 98 - int(rearranged) % 97
    return f"DE{check:02d}{bban}"


class PartnerBankFactory(OdooFactory):
    class Meta:
        model = "res.partner.bank"

    acc_number = factory.Sequence(lambda n: iban_de(5_000_000 + n))
    partner_id = factory.LazyFunction(lambda: PartnerFactory().id)


class BankJournalFactory(OdooFactory):
    class Meta:
        model = "account.journal"

    name = factory.Sequence(lambda n: f"FB Bank {n}")
    code = factory.Sequence(lambda n: f"FB{n:03d}")
    type = "bank"
    company_id = factory.LazyFunction(lambda: _ENV["env"].company.id)
    bank_account_id = factory.LazyAttribute(lambda o: _ENV["env"]["res.partner.bank"].create({
        "acc_number": iban_de(1_000_000 + int(o.code[2:])),
        "partner_id": _ENV["env"]["res.company"].browse(o.company_id).partner_id.id,
    }).id)


class ConnectionFactory(OdooFactory):
    class Meta:
        model = "finance.bank.connection"

    name = factory.Sequence(lambda n: f"Connection {n}")
    provider = "json_folder"
    company_id = factory.LazyFunction(lambda: _ENV["env"].company.id)
