"""VAE Latent Explorer's core library: models, datasets, training runs and latent tools.

Pure PyTorch; never imports streamlit.
"""

__version__ = "0.1.0"
