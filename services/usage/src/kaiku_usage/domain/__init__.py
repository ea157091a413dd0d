"""Usage domain rules: pure functions and value objects, no I/O.

- `cancellation`: what cancelling a use or a performance does to the counters and which uses go with it;
- `redemption`: the one ordered decision on a use, shared by HTTP, the agency topic and the import;
- `cards`: whether a card is valid now (box-office check);
- `venue_report`: reading the venue report of §9.2;
- `signatures`: the agencies' HMAC signatures on Kafka messages.
"""
