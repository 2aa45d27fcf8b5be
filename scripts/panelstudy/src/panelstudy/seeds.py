"""Per-rule seeds derived from the one master seed in the config.

Hashing (not adding offsets) keeps the streams of different rules unrelated, and the
derivation does not depend on job order or core count.
"""

import hashlib


def derive_seed(master: int, *names: object) -> int:
    """A 32-bit seed for the stream named by `names` (rule name, chunk index, ...)."""
    key = ":".join([str(int(master)), *map(str, names)]).encode()
    return int.from_bytes(hashlib.sha256(key).digest()[:4], "little")
