"""The Kafka backbone (district mode): topics, the relay (transactional outbox), consumers."""
