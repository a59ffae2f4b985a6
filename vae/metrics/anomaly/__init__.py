"""Anomaly scores ("higher = more anomalous"), the picture sets they are judged on, and a run's scoring."""
