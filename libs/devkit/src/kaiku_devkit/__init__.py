"""The kaiku development kit: everything that runs the platform on a developer's machine or in the tests,
and nothing a production image carries.

- `devstack`: `kaiku dev` (what `make run` does): broker, PostgreSQL, migrations, topics, the four services.
- `infra`: finding or starting the Kafka-protocol broker (embedded Tansu) and PostgreSQL (local, pgserver,
  or testcontainers where a Docker engine answers).
- `testing`: the pytest plugin (session broker and databases, services as processes, tokens, topic readers).
- `simulation`: a reproducible stream of card and use events for the stats tests and the benchmarks.
"""
