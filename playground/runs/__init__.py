"""Runs: the Run and Metric models, the event sink, the websocket consumer, the API and pages."""
