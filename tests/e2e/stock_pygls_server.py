"""Negative control: a stock pygls server (plain `start_io()`) that streams events.

Used by test_e2e_flow.py to show the deadlock our transport removes: while the
client is not reading, this server blocks inside `stdout.write`, stops reading
stdin, and a client writing a large message blocks forever.
"""

from pygls.lsp.server import LanguageServer

server = LanguageServer("stock", "0")


@server.command("flood")
def flood(ls: LanguageServer, *args: object) -> str:
    for i in range(20000):
        ls.protocol.notify("codex/event", {"type": "text", "delta": "x" * 64, "n": i})
    return "done"


if __name__ == "__main__":
    server.start_io()
