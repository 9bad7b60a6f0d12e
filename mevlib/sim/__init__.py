"""A local cluster to rehearse against: Solana JSON-RPC and Jito block-engine endpoints on
127.0.0.1, transactions executed in LiteSVM, landing decided by a seeded model (docs/simulator.md).
"""
from mevlib.sim.cluster import Cluster, ClusterConfig, Landing, RouteModel
from mevlib.sim.server import Faults, Simulator

__all__ = ["Cluster", "ClusterConfig", "Faults", "Landing", "RouteModel", "Simulator"]
