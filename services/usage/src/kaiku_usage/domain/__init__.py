"""Usage domain rules: pure functions and value objects, no I/O.

- `limits`: the card-holder limit's minimums (§7.2.2, §7.2.3);
- `redemption`: the one ordered decision on a use, shared by HTTP, the agency topic and the import;
- `cards`: whether a card is valid now (box-office check);
- `venue_report`: reading the venue report of §9.2;
- `signatures`: the agencies' HMAC signatures on Kafka messages.
"""
