"""How stats is reached: HTTP routers, Kafka consumers, the snapshot publisher and the command line."""
