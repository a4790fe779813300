"""Run one ping round and print the results as JSON (used inside test namespaces)."""

import asyncio
import dataclasses
import json
import sys

from collector.icmp import Pinger


async def main(mode: str, timeout: float, targets: list[str]) -> None:
    pinger = Pinger(socket_mode=mode)
    pinger.open()
    results = await pinger.ping(targets, echoes=3, echo_interval=0.05, timeout=timeout)
    print(json.dumps({"socket": pinger.socket_kind,
                      "results": [dataclasses.asdict(r) for r in results]}))
    pinger.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], float(sys.argv[2]), sys.argv[3:]))
