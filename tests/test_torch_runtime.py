"""PyTorch's threads per app process (ui/torch_runtime.py): one, unless VAE_TORCH_THREADS names a sane count."""

import pytest

from ui.torch_runtime import torch_threads


@pytest.mark.parametrize("value, threads", [(None, 1), ("2", 2), ("64", 64), ("0", 1), ("65", 1), ("-2", 1),
                                            ("two", 1), ("", 1), ("1.5", 1)])
def test_the_thread_count_comes_from_the_environment_only_when_sane(monkeypatch, value, threads):
    if value is None:
        monkeypatch.delenv("VAE_TORCH_THREADS", raising=False)
    else:
        monkeypatch.setenv("VAE_TORCH_THREADS", value)
    assert torch_threads() == threads
