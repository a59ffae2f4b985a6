"""What a run ships so pages open at once: tensors, scores and pictures computed ahead of time, all in one stored
format (vae.precompute.store): each file stamped with the checkpoint's digest and the settings that made it (a stale
or foreign file is ignored)."""
