"""Disentanglement scores against known factors (disentanglement_lib's protocol), DCI's classifiers, the naming
rule for latent dimensions, and the β ladder study."""
