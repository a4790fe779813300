"""The one exception the testbed raises."""


class TestbedError(RuntimeError):
    """Building, changing or tearing down the namespace testbed failed.

    The message names the command that failed and quotes what it wrote to stderr.
    """

    __test__ = False  # keep pytest from collecting it as a test class
