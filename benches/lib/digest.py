"""Output digests, byte-for-byte the layout of digest.mjs (LE u32 length, then LE u32 ids or UTF-8)."""
import hashlib
import struct
from array import array


class Digest:
    def __init__(self):
        self._h = hashlib.sha1()

    def ids(self, ids):
        a = array("I", list(ids) if isinstance(ids, (bytes, bytearray)) else ids)
        self._h.update(struct.pack("<I", len(a)))
        self._h.update(a.tobytes())
        return self

    def text(self, s):
        b = s.encode("utf-8", "surrogatepass")
        self._h.update(struct.pack("<I", len(b)))
        self._h.update(b)
        return self

    def hex(self):
        return self._h.hexdigest()[:16]


def ids_digest(rows):
    d = Digest()
    for r in rows:
        d.ids(r)
    return d.hex()


def text_digest(texts):
    d = Digest()
    for t in texts:
        d.text(t)
    return d.hex()


def counts_digest(counts):
    return Digest().ids(counts).hex()
