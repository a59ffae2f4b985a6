"""Anomaly-detection quality: for each class in turn, train a VAE without it, score every test image
(negative ELBO, reconstruction, IWAE bound) and report the AUROC of "held-out class vs the rest",
beside a PCA-reconstruction baseline (as many components as the VAE has latent dimensions, fitted
on the same training images) measured in the same run.

    python -m benchmarks.anomaly_quality [--datasets digits,fashion-mnist] [--epochs N] [--classes 0,7]

digits uses the digits-vae recipe (the pretrained digits-vae-no* assets); Fashion-MNIST a small MLP
for a few epochs so ten models train in minutes on one CPU thread. Prints a markdown table.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from vae.anomaly import SCORES, ScoreSettings, heldout_mask, pca_scores, roc, score_images
from vae.checkpoint import load_model
from vae.config import TrainConfig
from vae.data import DatasetUnavailable, list_datasets
from vae.train import load_split, train


@dataclass(frozen=True)
class Recipe:
    model: dict  # ModelConfig fields
    train: dict  # TrainConfig fields (epochs is the default, --epochs overrides it)


RECIPES = {
    # = scripts/make_assets.sh digits-vae(-noK): --likelihood gaussian --hidden 256,128 --latent-dim 8
    "digits": Recipe(dict(family="vae", arch="mlp", hidden=(256, 128), latent_dim=8, likelihood="gaussian"),
                     dict(epochs=100, batch_size=32)),
    # = scripts/make_assets.sh fashion-vae-no*: --hidden 256,128 --latent-dim 16 (Bernoulli)
    "fashion-mnist": Recipe(dict(family="vae", arch="mlp", hidden=(256, 128), latent_dim=16),
                            dict(epochs=5, batch_size=128)),
}


def held_out_row(dataset: str, held_out: int, recipe: Recipe, epochs: int, settings: ScoreSettings,
                 folder: Path) -> dict:
    """Train without `held_out`, score the full test split; the row of AUROCs and timings."""
    config = TrainConfig(dataset=dataset, device="cpu", seed=0, exclude_classes=(held_out,),
                         grid_images=4, **{**recipe.train, "epochs": epochs})
    start = time.perf_counter()
    train(recipe.model, config, folder / f"{dataset}-no{held_out}")
    train_seconds = time.perf_counter() - start
    model = load_model(folder / f"{dataset}-no{held_out}")
    test, normal_train = load_split(config, "test"), load_split(config, "train")
    is_anomaly = heldout_mask(test.labels, (held_out,)).numpy()
    row = {"dataset": dataset, "held_out": held_out, "name": test.info.class_names[held_out],
           "train_s": train_seconds}
    start = time.perf_counter()
    for score in SCORES:
        row[score] = roc(score_images(model, test.images, score, settings=settings).numpy(), is_anomaly).auroc
    row["score_s"] = time.perf_counter() - start
    row["pca"] = roc(pca_scores(normal_train.images, test.images, model.latent_dim).numpy(), is_anomaly).auroc
    return row


def print_table(rows: list[dict]) -> None:
    print("| dataset | held-out class | AUROC −ELBO | AUROC recon | AUROC IWAE | AUROC PCA baseline | train s | score s |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    verdicts = []
    for dataset in dict.fromkeys(r["dataset"] for r in rows):
        mine = [r for r in rows if r["dataset"] == dataset]
        for r in mine:
            print(f"| {dataset} | {r['held_out']} ({r['name']}) | {r['neg_elbo']:.3f} | {r['recon']:.3f} | "
                  f"{r['iwae']:.3f} | {r['pca']:.3f} | {r['train_s']:.0f} | {r['score_s']:.0f} |")
        means = {key: statistics.mean(r[key] for r in mine) for key in (*SCORES, "pca")}
        print(f"| {dataset} | **mean of {len(mine)}** | {means['neg_elbo']:.3f} | {means['recon']:.3f} | "
              f"{means['iwae']:.3f} | {means['pca']:.3f} | | |")
        verdicts.append(f"{dataset}: −ELBO beats the PCA baseline on {sum(r['neg_elbo'] > r['pca'] for r in mine)} "
                        f"of {len(mine)} held-out classes.")
    print("\n" + "\n".join(verdicts))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", default="digits,fashion-mnist", help="comma-separated; missing ones are skipped")
    parser.add_argument("--epochs", type=int, default=None, help="override every recipe's epochs")
    parser.add_argument("--classes", default="0,1,2,3,4,5,6,7,8,9", help="held-out classes to try")
    parser.add_argument("--k", type=int, default=ScoreSettings.k, help="IWAE importance samples")
    parser.add_argument("--samples", type=int, default=ScoreSettings.samples, help="−ELBO reconstruction draws")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    settings = ScoreSettings(samples=args.samples, k=args.k)
    present = {s.name for s in list_datasets() if s.available}
    classes = [int(c) for c in args.classes.split(",")]
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for dataset in args.datasets.split(","):
            if dataset not in present:
                print(f"skipping {dataset}: not on this machine")
                continue
            recipe = RECIPES[dataset]
            epochs = args.epochs or recipe.train["epochs"]
            print(f"{dataset}: model {recipe.model}, train {({**recipe.train, 'epochs': epochs})}, seed 0, "
                  f"1 CPU thread; scores: −ELBO with {settings.samples} draws + exact KL, recon at z = μ, "
                  f"IWAE k = {settings.k}; PCA components = latent dim", flush=True)
            for held_out in classes:
                try:
                    rows.append(held_out_row(dataset, held_out, recipe, epochs, settings, Path(folder)))
                except DatasetUnavailable as error:
                    print(f"skipping {dataset}: {error}")
                    break
                r = rows[-1]
                print(f"  held out {held_out}: −ELBO {r['neg_elbo']:.3f}, recon {r['recon']:.3f}, "
                      f"IWAE {r['iwae']:.3f}, PCA {r['pca']:.3f} ({r['train_s']:.0f} s)", flush=True)
    print()
    print_table(rows)


if __name__ == "__main__":
    main()
