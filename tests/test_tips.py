"""Jito tips: the tip accounts fetched from the block engine and drawn at random, and the tip
instruction and patches (Jito's docs, "Tips": https://docs.jito.wtf/lowlatencytxnsend/#tips)."""
import collections
import random

import pytest
from solders.hash import Hash
from solders.keypair import Keypair
from solders.message import MessageV0
from solders.pubkey import Pubkey

import mevlib
from mevlib.jito import MIN_TIP_LAMPORTS, TIP_ACCOUNTS, TipAccounts, tip_instruction, tip_patches
from mevlib.routes import JsonRpcClient
from mevlib.sim import Simulator


class FlakyEngine:
    def __init__(self, answers):
        self.answers = list(answers)
        self.calls = 0

    def get_tip_accounts(self):
        self.calls += 1
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def test_tip_accounts_from_the_simulated_block_engine():
    with Simulator() as sim:
        tips = TipAccounts(JsonRpcClient(sim.url("jito-ny")), rng=random.Random(1))
        assert tips.refresh() is True
        assert tips.accounts == TIP_ACCOUNTS
        assert tips.refresh() is False  # not due yet
        drawn = collections.Counter(tips.choose() for _ in range(8000))
        assert set(drawn) == set(TIP_ACCOUNTS)
        assert min(drawn.values()) > 800  # uniform: 1000 each expected


def test_tip_accounts_keep_the_last_list_when_the_engine_fails():
    new = [str(Keypair().pubkey()) for _ in range(3)]
    engine = FlakyEngine([ConnectionError("down"), new, [], RuntimeError("500")])
    tips = TipAccounts(engine, refresh_s=0.0)
    assert tips.refresh() is False and tips.accounts == TIP_ACCOUNTS and tips.errors == 1
    assert tips.refresh(force=True) is True and tips.accounts == tuple(map(Pubkey.from_string, new))
    assert tips.refresh(force=True) is False and tips.errors == 2  # an empty list is refused
    assert tips.refresh(force=True) is False and tips.errors == 3
    assert tips.accounts == tuple(map(Pubkey.from_string, new))


def test_tip_instruction_and_patches():
    payer = Keypair().pubkey()
    ix = tip_instruction(payer, 5_000)
    assert ix.accounts[1].pubkey in TIP_ACCOUNTS and bytes(ix.data)[4:] == (5_000).to_bytes(8, "little")
    with pytest.raises(mevlib.InvalidArgumentError, match="at least"):
        tip_instruction(payer, MIN_TIP_LAMPORTS - 1)
    msg = MessageV0.try_compile(payer, [tip_instruction(payer, 5_000, TIP_ACCOUNTS[5])], [], Hash.default())
    patches = tip_patches(msg, 0)
    assert patches["tip"] == mevlib.Patch(0, 4, "u64")
    assert list(msg.account_keys)[patches["tip_account"].ix] == TIP_ACCOUNTS[5]
    with pytest.raises(mevlib.InvalidArgumentError, match="not a system transfer"):
        from solders.compute_budget import set_compute_unit_price
        tip_patches(MessageV0.try_compile(payer, [set_compute_unit_price(1)], [], Hash.default()), 0)
    with pytest.raises(mevlib.InvalidArgumentError, match="instructions"):
        tip_patches(msg, 1)
