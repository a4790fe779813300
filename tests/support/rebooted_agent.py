"""``agent`` on a host that booted at a given time: the agent exactly as shipped, with its
/proc reader answering another boot time, so a test can show the collector a server that
restarted.

    python -m tests.support.rebooted_agent BOOT_TIME run -c agent.conf
"""

import sys

import psutil

from agent.cli import main

if __name__ == "__main__":
    boot_time = float(sys.argv[1])
    psutil.boot_time = lambda: boot_time
    sys.exit(main(sys.argv[2:]))
