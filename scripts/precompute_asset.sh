#!/usr/bin/env bash
# What the pages read precomputed from one shipped model, so they open at once (scripts/make_assets.sh runs it for
# every asset, scripts/make_ladder.sh for the models it ships). Everything is keyed by the checkpoint's digest: run
# it again after the weights change.
#   - anomaly scores (issue 12): every score of the model's test split and of every other dataset present here (a
#     shapes model: of the digits only), in RUN/anomaly_scores.safetensors (< 1 MB); the page's opening view first,
#     so an interrupted build still ships what the page opens on. A background model is only ever the ratio's
#     reference: it gets none.
#   - page data (issue 11): the latent map's t-SNE for every number of points it offers, the Restore page's
#     examples, and the home page's pictures (home_samples.png, home_recons.png), drawn before PyTorch is imported.
#     python -m vae precompute RUN
#   bash scripts/precompute_asset.sh assets/NAME
set -euo pipefail
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
cd "$(dirname "$0")/.."
run=${1%/}
case "$run" in
    *-background) ;;
    *)
        other=shapes every=()
        # A shapes model: its test split and the digits, every score. Not every dataset: at 64×64 the likelihood
        # regret over Fashion-MNIST's 10,000 pictures alone takes ~20 core-minutes a model, and for a set it does
        # not find here the page scores a seeded subset that fits its time budget, with a progress bar.
        case "$run" in *shapes-*) other=digits every=(--anomalies digits) ;; esac
        for score in neg_elbo regret; do
            python -m vae anomaly "$run" --precompute --device cpu --quiet --score "$score" --anomalies "$other" || true
        done
        echo "== anomaly scores: $run"
        python -m vae anomaly "$run" --precompute --device cpu --quiet "${every[@]}" ;;
esac
echo "== precomputed: $run"
python -m vae precompute "$run" --quiet
