"""VAE Latent Explorer's core library: models, datasets, training runs and latent tools.

Pure PyTorch; never imports streamlit. The names users reach for are here, each from its home module:

    from vae import load_model, train, build_model, VAE, VQVAE, ModelConfig, TrainConfig, load_dataset

They are imported on first use (PEP 562), like vae.data's loaders: `import vae` itself loads no PyTorch (which
takes seconds), so the app's first page and `python -m vae --help` do not wait for it.
"""

from importlib import import_module

__version__ = "0.1.0"

_LOADED_ON_USE = {  # name -> the module it lives in
    "BaseModel": "vae.models", "VAE": "vae.models", "VQVAE": "vae.models", "build_model": "vae.models",
    "ConfigError": "vae.config", "ModelConfig": "vae.config", "TrainConfig": "vae.config",
    "load_model": "vae.training.checkpoint", "save_checkpoint": "vae.training.checkpoint",
    "train": "vae.training.trainer",
    "load_dataset": "vae.data", "load_split": "vae.data", "list_datasets": "vae.data", "ImageData": "vae.data",
}


def __getattr__(name: str):
    if name not in _LOADED_ON_USE:  # AttributeError lets `from vae import cli` import the submodule
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(_LOADED_ON_USE[name]), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_LOADED_ON_USE])


__all__ = ["__version__", *_LOADED_ON_USE]
