"""Limits and abuse: per-token rate limits (``ratelimit``) and Idempotency-Key (``idempotency``)."""
