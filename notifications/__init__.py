"""Email notifications: an outbox of messages, sent by the worker, never lost or queued twice."""
