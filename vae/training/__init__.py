"""Training: the loop (trainer), run folders and checkpoints, background launches, sweeps, devices and
torchrun's data parallelism."""
