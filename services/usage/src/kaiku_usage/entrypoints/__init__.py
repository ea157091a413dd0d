"""How usage is reached: HTTP routers, Kafka consumers and the authorisation checks they share."""
