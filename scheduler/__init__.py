"""Timed work: an APScheduler loop started and stopped with the service, calling programme use cases."""
