#!/usr/bin/env bash
# Rebuild the pretrained models in assets/ with our own CLI, on the CPU, seeded.
# About 30 minutes on 2 cores for the models of issues 1-5; the background models and precomputed anomaly scores of
# issue 12 add an estimated 40 (the conv Fashion-MNIST background alone ~20). Each model is an ordinary run directory the app reads.
set -euo pipefail
# One thread per process: these models are small, and a second thread only spins on a shared machine.
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
cd "$(dirname "$0")/.."

train() {
    local name=$1
    shift
    rm -rf "assets/$name"
    echo "== $name"
    python -m vae train --quiet --device cpu --seed 0 --run-dir "assets/$name" "$@"
    # Ship weights only (optimizer state would triple the size) and the grids of 10 epochs, not all.
    python -m vae slim "assets/$name" --keep-grids 10
}

# 8×8 digits: the classroom models, seconds to train. A Gaussian likelihood (σ = 0.1) because
# with a Bernoulli one 64 gray pixels carry so little weight that half the latent dims collapse.
digits=(--dataset digits --likelihood gaussian)
train digits-vae "${digits[@]}" --hidden 256,128 --latent-dim 8 --epochs 100 --batch-size 32
train digits-vae-2d "${digits[@]}" --hidden 256,128 --latent-dim 2 --epochs 100 --batch-size 32
train digits-cvae --model cvae "${digits[@]}" --hidden 256,128 --latent-dim 4 --epochs 100 --batch-size 32
train digits-vqvae --model vqvae --dataset digits --image-size 16 --hidden 32,64 --latent-dim 16 \
    --codebook-size 64 --epochs 100 --batch-size 32

# Shapes with known factors at 64×64: the β ladder as a study of seeds (issue 23): 27 runs, each group's median-MIG
# seed shipped as assets/shapes-vae, -beta2, -beta4, -beta8, -beta16, -beta32, -beta64, -tcvae and -adagvae, every
# run's scores in assets/ladder.json. About 10 CPU-hours on this machine's 2 cores (the figure is in
# assets/ladder.json).
bash scripts/make_ladder.sh

# Real clothing photos, where Debian's dataset-fashion-mnist (or the IDX files in ./data) is present.
if python -m vae datasets | grep '^fashion-mnist  *yes' >/dev/null; then
    train fashion-vae --dataset fashion-mnist --arch conv --hidden 32,64 --latent-dim 16 --epochs 10
fi

# --- Anomaly detection: models that never saw one class (issue 5) ---
# The digits-vae recipe without one class. Which class: the median of `python -m benchmarks.anomaly_quality`
# by −ELBO AUROC (the lower middle of ten), so the demo is typical, neither the easiest nor the hardest.
train digits-vae-no3 "${digits[@]}" --hidden 256,128 --latent-dim 8 --epochs 100 --batch-size 32 --exclude-classes 3
# Fashion-MNIST without ankle boots (class 9, chosen by the same rule): the benchmark's small MLP, 5 epochs.
if python -m vae datasets | grep '^fashion-mnist  *yes' >/dev/null; then
    train fashion-vae-no-ankle-boot --dataset fashion-mnist --hidden 256,128 --latent-dim 16 --epochs 5 \
        --batch-size 128 --exclude-classes 9
fi

# --- Background models for the likelihood-ratio anomaly score (issue 12, Ren et al. 2019) ---
# The same recipe on the same pictures, with 20 % of each batch's pixels replaced by uniform noise. The anomaly
# page and `python -m vae anomaly` find a run named <model>-background beside its model.
train digits-vae-no3-background "${digits[@]}" --hidden 256,128 --latent-dim 8 --epochs 100 --batch-size 32 \
    --exclude-classes 3 --pixel-noise 0.2
if python -m vae datasets | grep '^fashion-mnist  *yes' >/dev/null; then
    train fashion-vae-no-ankle-boot-background --dataset fashion-mnist --hidden 256,128 --latent-dim 16 --epochs 5 \
        --batch-size 128 --exclude-classes 9 --pixel-noise 0.2
    train fashion-vae-background --dataset fashion-mnist --arch conv --hidden 32,64 --latent-dim 16 --epochs 10 \
        --pixel-noise 0.2
fi

# --- VQ-VAE code priors (issue 5) ---
# A learned prior over each VQ-VAE's code grids (python -m vae prior), so the Discrete codes page can
# draw VQ-VAE samples whose codes fit together and set them beside the same data's Gaussian VAE.
python -m vae prior assets/digits-vqvae --device cpu --seed 0 --epochs 30 --quiet
if python -m vae datasets | grep '^fashion-mnist  *yes' >/dev/null; then
    train fashion-vqvae --model vqvae --dataset fashion-mnist --hidden 32,64 --latent-dim 16 --codebook-size 64 \
        --epochs 10 --batch-size 64
    # 54,000 grids of 7×7 cells: a few epochs suffice, and dropout would only cost time.
    python -m vae prior assets/fashion-vqvae --device cpu --seed 0 --epochs 4 --dropout 0 --batch-size 256 --quiet
fi

# --- Precomputed anomaly scores (issue 12) and page data (issue 11), so the anomaly page, the latent map's t-SNE,
# the Restore page and the home page open at once (scripts/precompute_asset.sh says what each holds).
for run in assets/*/; do
    bash scripts/precompute_asset.sh "$run"
done

du -sh assets
