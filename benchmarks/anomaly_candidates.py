"""Candidate held-out-class scores on Fashion-MNIST that the library does not ship, against −ELBO (issue 12).

    python -m benchmarks.anomaly_candidates [--classes 0,...,9] [--work-dir DIR] [--reference 20000]

For each held-out class: benchmarks.anomaly_quality's Fashion-MNIST MLP recipe trained without that class
(reused from --work-dir when it is there), then every picture of the full test set scored by
- kNN distance (k = 1, 5, 20) to a seeded sample of --reference training pictures, in the encoder's first
  hidden layer (Deep kNN, Sun et al. 2022) and in pixel space;
- the Local Outlier Factor (Breunig et al. 2000, k = 20) against the same sample, in pixel space, the first
  hidden layer and the posterior means: a kNN distance relative to the neighbours' own, so that a busy
  garment among sparse busy ones is not far just for being busy;
- the library's neg_elbo and complexity (vae.metrics.anomaly.scores);
- DoSE (Morningstar et al. 2021, "Density of States Estimation for Out-of-Distribution Detection"): the density,
  under a KDE or an 8-component Gaussian mixture fitted on 10,000 training pictures, of each picture's summary
  statistics (reconstruction term, KL, PNG length), standardised;
- Mahalanobis distance (Lee et al. 2018) to the nearest class-conditional Gaussian (shared covariance) of the
  training posterior means, with the training labels;
- rank sums of those, an ad-hoc ensemble (no paper).
It prints the AUROC per class and the mean over the classes. Exploratory: none of these reaches the issue's
0.75, so none is in vae/metrics/anomaly/scores.py.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import torch
from scipy.stats import rankdata
from sklearn.metrics import roc_auc_score
from sklearn.mixture import GaussianMixture
from sklearn.neighbors import KernelDensity, LocalOutlierFactor, NearestNeighbors
from sklearn.preprocessing import StandardScaler

from benchmarks.anomaly_quality import RECIPES, trained
from vae.metrics.anomaly.scores import score_images
from vae.training.checkpoint import load_model
from vae.metrics.anomaly.compress import png_code_length
from vae.config import TrainConfig
from vae.data import load_split
from vae.metrics.evaluate import elbo_terms


def knn_distance(reference: np.ndarray, points: np.ndarray, k: int) -> np.ndarray:
    """Mean distance of each point (N, F) to its k nearest reference rows (M, F) -> (N,)."""
    return NearestNeighbors(n_neighbors=k).fit(reference).kneighbors(points)[0].mean(1)


def local_outlier_factor(reference: np.ndarray, points: np.ndarray, k: int = 20) -> np.ndarray:
    """LOF of each point (N, F) against the reference rows (M, F) -> (N,), higher = more anomalous."""
    return -LocalOutlierFactor(n_neighbors=k, novelty=True).fit(reference).score_samples(points)


def first_hidden(model, images: torch.Tensor) -> np.ndarray:
    """(N, C, H, W) -> (N, hidden[0]): the MLP encoder's first layer after its activation."""
    first = model.encoder.net[0]
    with torch.no_grad():
        return first[1](first[0](images.flatten(1))).numpy()


def statistics(model, images: torch.Tensor, batch: int = 500) -> np.ndarray:
    """(N, C, H, W) -> (N, 3): DoSE's summary statistics of each picture, [E_q -log p(x|z), KL, PNG bits]."""
    rows = []
    with torch.no_grad():
        for start in range(0, len(images), batch):
            torch.manual_seed(start)
            x = images[start:start + batch]
            terms = elbo_terms(model, x, samples=4)
            rows.append(torch.stack([terms["recon"], terms["kl"], png_code_length(x).float()], 1))
    return torch.cat(rows).double().numpy()


def dose(reference: np.ndarray, points: np.ndarray) -> dict[str, np.ndarray]:
    """−log density of each point's statistics (N, 3) under a KDE and a GMM fitted on the reference (M, 3)."""
    scaler = StandardScaler().fit(reference)
    reference, points = scaler.transform(reference), scaler.transform(points)
    return {"DoSE KDE": -KernelDensity(bandwidth=0.1).fit(reference).score_samples(points),
            "DoSE GMM": -GaussianMixture(8, random_state=0).fit(reference).score_samples(points)}


def mahalanobis(reference: np.ndarray, labels: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Squared Mahalanobis distance of each point (N, F) to the nearest class mean of the reference (M, F),
    under the classes' shared covariance -> (N,)."""
    classes = np.unique(labels)
    means = np.stack([reference[labels == c].mean(0) for c in classes])
    centred = reference - means[np.searchsorted(classes, labels)]
    precision = np.linalg.inv(np.cov(centred.T) + 1e-6 * np.eye(reference.shape[1]))
    return np.stack([np.einsum("ij,jk,ik->i", points - m, precision, points - m) for m in means], 1).min(1)


def class_scores(folder: Path, held_out: int, reference: int) -> dict[str, float]:
    recipe = RECIPES["fashion-mnist"]
    config = TrainConfig(dataset="fashion-mnist", device="cpu", seed=0, exclude_classes=(held_out,),
                         grid_images=4, **recipe.train)
    run_dir, _ = trained(folder, f"fashion-mnist-no{held_out}", recipe, config)
    model = load_model(run_dir).eval()
    train = load_split(config, "train")
    test = load_split(config.replace(exclude_classes=()), "test")
    is_anomaly = (test.labels == held_out).numpy()
    rows = np.random.default_rng(0).choice(len(train.images), min(reference, len(train.images)), replace=False)
    hidden_ref, hidden = first_hidden(model, train.images[rows]), first_hidden(model, test.images)
    pixels_ref, pixels = train.images[rows].flatten(1).numpy(), test.images.flatten(1).numpy()
    s = {f"hidden kNN{k}": knn_distance(hidden_ref, hidden, k) for k in (1, 5, 20)}
    s |= {f"pixel kNN{k}": knn_distance(pixels_ref, pixels, k) for k in (1, 5)}
    s["neg_elbo"] = score_images(model, test.images, "neg_elbo").numpy()
    s["complexity"] = score_images(model, test.images, "complexity").numpy()
    s |= dose(statistics(model, train.images[rows[:10_000]]), statistics(model, test.images))
    with torch.no_grad():
        mu_train = model.encode(train.images)[0].double().numpy()
        mu_test = model.encode(test.images)[0].double().numpy()
    s["Mahalanobis μ"] = mahalanobis(mu_train, train.labels.numpy(), mu_test)
    s["pixel LOF20"] = local_outlier_factor(pixels_ref, pixels)
    s["hidden LOF20"] = local_outlier_factor(hidden_ref, hidden)
    s["μ LOF20"] = local_outlier_factor(mu_train[rows], mu_test)
    rank = {name: rankdata(values) for name, values in s.items()}
    s["rank sum: hidden + pixel"] = rank["hidden kNN5"] + rank["pixel kNN5"]
    s["rank sum: hidden + pixel + complexity"] = rank["hidden kNN5"] + rank["pixel kNN5"] + rank["complexity"]
    return {name: roc_auc_score(is_anomaly, values) for name, values in s.items()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--classes", default="0,1,2,3,4,5,6,7,8,9", help="held-out classes to try")
    parser.add_argument("--work-dir", default=None, help="keep the trained runs here and reuse matching ones")
    parser.add_argument("--reference", type=int, default=20_000, help="training pictures the kNN compares against")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    classes = [int(c) for c in args.classes.split(",")]
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(args.work_dir or scratch)
        folder.mkdir(parents=True, exist_ok=True)
        rows = {}
        for held_out in classes:
            rows[held_out] = class_scores(folder, held_out, args.reference)
            print(f"  held out {held_out}: " + ", ".join(f"{k} {v:.3f}" for k, v in rows[held_out].items()), flush=True)
    names = list(rows[classes[0]])
    print("\n| score | " + " | ".join(str(c) for c in classes) + " | mean |")
    print("|---|" + "---:|" * (len(classes) + 1))
    for name in names:
        values = [rows[c][name] for c in classes]
        print(f"| {name} | " + " | ".join(f"{v:.3f}" for v in values) + f" | **{np.mean(values):.3f}** |")


if __name__ == "__main__":
    main()
