"""JSON-RPC plumbing: the non-blocking transport, the protocol, answering before pygls loads."""
