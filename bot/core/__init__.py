"""The conversation core: from a parsed message to a reply, once per message (engine, chain, session, dedup)."""
