"""Signing: one signature, one templated transaction, and batches at 1 and 2 threads."""
import mevlib

from .common import TIP_PATCHES, Benchmark, signing_case


class Sign(Benchmark):
    def setup(self):
        kp, _, self.message, _ = signing_case()
        self.signer = mevlib.Signer(kp)

    def time_sign(self):
        self.signer.sign(self.message)

    def time_sign_detached(self):
        self.signer._sign_with(self.message, 1)


class Template(Benchmark):
    def setup(self):
        kp, msg, _, self.blockhash = signing_case()
        self.tpl = mevlib.TxTemplate(msg, kp, TIP_PATCHES)

    def time_template_sign(self):
        self.tpl.sign(blockhash=self.blockhash, tip=12_345)


class SignMany(Benchmark):
    params = [1, 2]
    param_names = ["threads"]

    def setup(self, threads):
        kp, msg, _, self.blockhash = signing_case()
        self.tpl = mevlib.TxTemplate(msg, kp, TIP_PATCHES)
        self.rows = [{"tip": 10_000 + i} for i in range(256)]
        self.tpl.sign_many(self.rows[:4], threads=threads)  # start the pool's threads here

    def time_sign_many_256(self, threads):
        self.tpl.sign_many(self.rows, threads=threads, blockhash=self.blockhash)


class TemplateWithNonces(Benchmark):
    """64 signatures from a full pool of precomputed nonces (compare 64 × time_template_sign).
    number = 1: asv runs setup before every sample, so each burst starts from a full pool; in a
    tight loop the pool would run dry and this would time the refill thread instead."""
    number = 1
    repeat = (10, 50, 10.0)

    def setup(self):
        kp, msg, _, self.blockhash = signing_case()
        self.tpl = mevlib.TxTemplate(msg, kp, TIP_PATCHES, nonces=128)

    def teardown(self):
        self.tpl.close()

    def time_template_sign_64(self):
        for _ in range(64):
            self.tpl.sign(blockhash=self.blockhash, tip=12_345)
