"""Baseline, not a tokenizer: UTF-8 transcoding only (str.encode / bytes.decode), through the same
harness; its process is the RSS floor of a Python process running the harness."""


class Peer:
    def encode(self, text):
        return text.encode("utf-8")

    def count(self, text):
        return len(text.encode("utf-8"))

    def decode(self, data):
        return bytes(data).decode("utf-8")

    def batch(self, threads):
        return {}


def load(spec):
    return Peer()
