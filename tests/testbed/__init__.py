"""A network of sites and links built from network namespaces, for end-to-end tests.

The collector runs in the root namespace; every site is a namespace joined to its parents by veth
pairs, all on 198.18.0.0/15. See ``Testbed`` for the API and ``plan`` for the addressing.
"""

from tests.support.waiting import wait_until

from .errors import TestbedError
from .skips import require_root
from .testbed import Testbed

__all__ = ["Testbed", "TestbedError", "require_root", "wait_until"]
