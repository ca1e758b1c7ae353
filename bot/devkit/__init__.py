"""Running the bot without WeChat: a fake WeChat API that enforces its limits, a signing client, process helpers
(used by `bot chat`, the tests and the benchmarks)."""
