"""How good a model is: test-set bounds (evaluate), anomaly scores and disentanglement scores."""
