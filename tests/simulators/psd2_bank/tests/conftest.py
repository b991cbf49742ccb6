import pytest

from simulators.psd2_bank import running_bank

from .tpp import Tpp


@pytest.fixture
def sim():
    with running_bank(seed=7) as handle:
        yield handle


@pytest.fixture
def tpp(sim):
    return Tpp(sim)


@pytest.fixture
def account(sim):
    return sim.bank.add_account("DE89370400440532013000", resource_id="acc-main", opening_balance="1000.00")
