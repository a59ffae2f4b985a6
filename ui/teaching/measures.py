"""The measurements behind the lesson's claims (ui.teaching.claims): each reads the view a lesson step opens with
the code that step's page uses (its cached loaders, its helpers, the library functions it calls) and returns
plain numbers and names. `step` is a ui.teaching.lesson.Step: its model and its page's query parameters."""

from __future__ import annotations


from ui.catalog import ModelEntry, list_models


def entry(name: str) -> ModelEntry:
    """The pretrained model of that name (what a lesson step opens)."""
    return next(m for m in list_models() if m.pretrained and m.name == name)


def _model(name: str):
    from ui.loaders import cached_model

    return cached_model(entry(name))


def _data(name: str, split: str = "test"):
    from ui.loaders import data_for

    return data_for(entry(name), split)


def code_size(step) -> dict:
    model = entry(step.model)
    channels, height, width = model.model.image_shape
    return {"height": height, "width": width, "pixels": channels * height * width, "latent": model.latent_dim}


def originals_above(step) -> dict:
    """The home page's reconstructions grid: its first row is the test pictures themselves (copies below)."""
    import torch

    from vae.precompute import home_pictures
    from vae.precompute.pages import home_recons

    test = _data(step.model)
    grid = home_recons(_model(step.model), test)
    return {"originals_above": bool(torch.equal(grid[:home_pictures.COLUMNS], test.images[:home_pictures.COLUMNS]))}


NEAR_PRIOR_IMAGES = 1000  # test pictures encoded to see where codes live (plenty for a share, quick on a CPU)


def codes_near_prior(step) -> dict:
    """Share of the test codes (posterior means) inside the ball that holds 95 % of the prior N(0, I)."""
    from scipy.stats import chi2

    from vae.explore.latent import encode_dataset, fraction_within

    mu = encode_dataset(_model(step.model), _data(step.model), limit=NEAR_PRIOR_IMAGES).mu
    radius = float(chi2.ppf(0.95, mu.shape[1])) ** 0.5
    return {"within_prior": float(fraction_within(mu, [radius])[0])}


def class_neighbours(step) -> dict:
    """The test codes as the latent map draws them (posterior means) and the closest and farthest pair of class
    means: which digits sit next to each other, which far apart."""
    from vae.explore.latent import class_means, encode_dataset
    from vae.precompute.pages import MAX_POINTS

    model, test = _model(step.model), _data(step.model)
    names = entry(step.model).class_names
    codes = encode_dataset(model, test, limit=MAX_POINTS)
    means = class_means(codes.mu, codes.labels, len(names))
    pairs = sorted((float((means[i] - means[j]).norm()), i, j) for i in range(len(names))
                   for j in range(i + 1, len(names)))
    (near, a, b), (far, c, d) = pairs[0], pairs[-1]
    return {"latent": model.latent_dim, "near": near, "far": far, "near_a": names[a], "near_b": names[b],
            "far_a": names[c], "far_b": names[d]}


INTERPOLATION_STEPS = 10  # the interpolation page's strips open with 10 pictures
INTERPOLATION_CLASSES = ("Trouser", "Bag")  # what the step's text calls pictures a and b


def walk(step) -> dict:
    """The classes of the two pictures, and how far each picture of the latent path and of the pixel blend lies
    from its nearest real test picture (a picture nobody could take for a real one lies far from all)."""
    import torch

    from ui.parts.interpolation import encode_means, latent_strip
    from vae.explore.latent import pixel_blend

    model, test = _model(step.model), _data(step.model)
    a, b = int(step.params["a"]), int(step.params["b"])
    z = encode_means(model, test.images[[a, b]])
    strips = {"latent": latent_strip(model, z[0], z[1], INTERPOLATION_STEPS, "lerp"),
              "pixels": pixel_blend(test.images[a], test.images[b], INTERPOLATION_STEPS)}
    nearest = {k: torch.cdist(v.flatten(1), test.images.flatten(1)).min(1).values for k, v in strips.items()}
    names = test.info.class_names
    return {"classes": (names[int(test.labels[a])], names[int(test.labels[b])]),
            "latent_farthest": float(nearest["latent"].max()), "pixels_farthest": float(nearest["pixels"].max())}


def beta(step) -> dict:
    model = entry(step.model)
    return {"beta": model.model.beta, "latent": model.latent_dim}


def dimensions(step) -> dict:
    """The traversal page's dimensions (ui.parts.traversal.describe_dims): which are active (by KL) and the
    factor each one is named after by vae.metrics.disentanglement.naming's rule (None: mixed or unused)."""
    import torch

    from ui.parts.traversal import latent_stats
    from vae.metrics.disentanglement import naming
    from vae.explore.latent import dimension_order

    model = entry(step.model)
    stats = latent_stats(model)
    order, collapsed = dimension_order(torch.from_numpy(stats["kl"]))
    is_collapsed = [collapsed[order.index(d)] for d in range(len(order))]
    roles = naming.dimension_roles(stats["share"], is_collapsed)
    active = [d for d in order if not is_collapsed[d]]
    named = [model.factor_names[roles[d].factors[0]] if roles[d].kind == "factor" else None for d in active]
    return {"active": len(active), "named": named}


def beta_ladder(step) -> dict:
    """The Disentanglement page's seeds study (assets/ladder.json, vae.metrics.disentanglement.ladder): for each β of the β-VAE ladder the
    median MIG and reconstruction error over its seeds, the seeds per β, and vae.metrics.disentanglement.ladder's own verdict on the rise
    (the sentence the page prints from the same claims)."""
    from ui.catalog import ASSETS_DIR
    from vae.metrics.disentanglement import ladder

    runs = ladder.read(ASSETS_DIR / ladder.LADDER_NAME)
    groups = ladder.beta_groups(runs)
    betas = sorted(groups)
    said = ladder.claims(runs)
    migs = [[r.scores["mig"] for r in groups[b] if "mig" in r.scores] for b in betas]
    peak = groups.get(said.peak_beta, [])
    return {"betas": betas, "seeds": min((len(m) for m in groups.values()), default=0),
            "mig": [said.medians.get(b) for b in betas],  # the claims' own medians (None: no MIG measured)
            "recon": [ladder.median(groups[b], "recon") for b in betas],
            "rise_betas": list(said.rise), "rises": said.rises, "falls_back": said.falls_back,
            "spread": max((max(m) - min(m) for m in migs if m), default=0.0),  # the seeds of one β, widest
            "peak_shown": next((r.shown for r in peak if r.shown), None),  # the peak's pick, as shipped
            "opens": step.model}


PLAIN_TWIN = "digits-vae"  # the same data without the class: what the conditional model's code is compared with
STYLE_ROWS, STYLE_SEED = 6, 0  # the conditional page's style grid: the first 6 codes of its seed-0 samples


def class_in_code(step) -> dict:
    """How well a classifier (scikit-learn's logistic regression, fitted on the training codes) reads the digit
    from each model's code of the test pictures: the conditional one should leave it out."""
    from sklearn.linear_model import LogisticRegression

    from vae.explore.latent import encode_dataset

    out = {}
    for key, name in (("cvae", step.model), ("vae", PLAIN_TWIN)):
        model, train, test = _model(name), _data(name, "train"), _data(name)
        fit = LogisticRegression(max_iter=2000).fit(encode_dataset(model, train).mu.numpy(), train.labels.numpy())
        out[key] = float(fit.score(encode_dataset(model, test).mu.numpy(), test.labels.numpy()))
    return {**out, "chance": 1 / entry(step.model).num_classes}


def styles_obey_the_class(step) -> dict:
    """The style grid (one code per row, decoded as every digit) read by a pixel classifier fitted on the
    training pictures: the share of pictures read as the digit asked for."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    from vae.explore.latent import decode_every_class, prior_codes

    model, train = _model(step.model), _data(step.model, "train")
    reader = LogisticRegression(max_iter=3000).fit(train.images.flatten(1).numpy(), train.labels.numpy())
    images = decode_every_class(model, prior_codes(STYLE_ROWS, model.latent_dim, 1.0, STYLE_SEED))  # (R, K, ...)
    read = reader.predict(images.flatten(2).flatten(0, 1).numpy()).reshape(images.shape[:2])
    return {"obeyed": float((read == np.arange(images.shape[1])[None]).mean())}


RESTORE_CLASS = "T-shirt/top"  # what the step's text calls the picture


def restoration(step) -> dict:
    """The restore page's opening view of the step (its shipped restoration, else computed as the page does):
    PSNR of the masked picture, the model's completion and PCA's, per round and at the end."""
    import torch

    from ui.parts.restore import shipped_restoration
    from vae.precompute.pages import RESTORE_EXAMPLES
    from vae.explore.restore import baseline_components, compare, psnr, training_pca

    spec, rounds = next((s, n) for s, n in RESTORE_EXAMPLES if s.kind == step.params["corruption"]
                        and s.mask == step.params["mask"])
    model, test, row = _model(step.model), _data(step.model), int(step.params["pic"])
    components = baseline_components(model)
    label = int(test.labels[row]) if model.num_classes else None  # only a conditional model is told the class
    result = shipped_restoration(entry(step.model), test.images[row], label, spec, rounds, components)
    if result is None:
        result = compare(model, training_pca(entry(step.model).train, components), test.images[row:row + 1], spec,
                         rounds, None if label is None else torch.tensor([label]))
    scores = {name: float(value[0]) for name, value in result.psnr.items()}
    best = max(result.restored, key=lambda name: scores[name])  # the method the page stars
    curve = psnr(result.strips["completion"][:, 0], result.clean).tolist()
    return {"class": test.info.class_names[int(test.labels[row])], "rounds": rounds, "best": best,
            "corrupted": scores["corrupted"], "completion": scores["completion"],
            "pca": scores["pca_completion"], "first_round": curve[1], "last_round": curve[-1]}


def detection(step) -> dict:
    """The anomaly page's held-out view: the step's score of every test picture (shipped, else computed), its
    AUROC, and what the page's starting threshold flags."""
    from ui.parts.anomaly_data import own_test_set
    from ui.parts.anomaly import start_threshold
    from vae.metrics.anomaly.scores import ScoreSettings, roc, threshold_metrics
    from vae.metrics.anomaly.sets import held_out_task, score_task
    from vae.precompute.anomaly_scores import load_scores

    model_entry = entry(step.model)
    held_out = model_entry.train.exclude_classes
    task = held_out_task(own_test_set(model_entry), held_out)
    classes = tuple(c for c in range(len(model_entry.class_names)) if c not in held_out)
    settings = ScoreSettings()
    scores = score_task(_model(step.model), task, step.params["score"], stored=load_scores(model_entry.path, settings),
                        settings=settings, classes=classes if model_entry.num_classes else None).numpy()
    flags = task.is_anomaly.numpy()
    start = threshold_metrics(scores, flags, start_threshold(scores, flags))
    return {"held_out": ", ".join(model_entry.class_names[c] for c in held_out), "auroc": roc(scores, flags).auroc,
            "anomalous": int(flags.sum()), "total": len(flags), "recall": start.recall,
            "false_alarms": start.false_positive_rate}


def codebook(step) -> dict:
    model, config = _model(step.model), entry(step.model).model
    rows, columns = model.grid_shape
    return {"rows": rows, "columns": columns, "codebook": config.codebook_size}


def edit_reach(step) -> dict:
    """The codes page's opening view (the first test picture of the first class, cell (0, 0)) with that cell set
    to every code in turn: the share of the change that falls inside the cell's own square."""
    import torch

    from vae.explore.codes import cell_area, code_grids, decode_grids, swap_code

    model, test = _model(step.model), _data(step.model)
    row = int((test.labels == 0).nonzero()[0]) if test.labels is not None else 0
    grid = code_grids(model, test.images[row:row + 1])  # (1, h, w)
    cell = (0, 0)
    edited = torch.cat([swap_code(grid, cell, code) for code in range(model.config.codebook_size)])
    change = (decode_grids(model, edited) - decode_grids(model, grid)).abs().sum(1)  # (K, H, W)
    rows, columns = cell_area(model, cell)
    moved = change.flatten(1).sum(1) > 1e-6  # the cell's own code changes nothing
    inside = change[:, rows, columns].flatten(1).sum(1)[moved] / change.flatten(1).sum(1)[moved]
    height, width = change.shape[-2:]
    return {"inside": float(inside.mean()),
            "area": (rows.stop - rows.start) * (columns.stop - columns.start) / (height * width)}
