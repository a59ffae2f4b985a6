"""Strings of the disentanglement page."""

STRINGS = {
    "nav_disentanglement": ("Disentanglement", "解耦"),
    "dis_title": ("Disentanglement: one number, one thing", "解耦：一个数字，只管一件事"),
    "dis_intro": (
        "Every shape picture here is made from five known **factors**: the shape, its size, its rotation and its "
        "x and y position. A model is **disentangled** when each number of its code moves exactly one of those "
        "factors, and each factor is moved by one number: slide it and only the size changes, slide another and "
        "only the shape moves sideways. An **entangled** model mixes them: one number shifts the shape *and* "
        "shrinks it. Below, the same network trained with a stronger and stronger pull towards the prior (β) "
        "sits side by side: watch its numbers, then read the scores that measure this.",
        "这里的每张形状图片都由五个已知的**因素**生成：形状、大小、旋转角度，以及横向和纵向位置。"
        "如果模型编码中的每个数字恰好只改变其中一个因素，而每个因素也只由一个数字控制，这个模型就是**解耦**的："
        "拖动一个数字，只有大小在变；拖动另一个，图形只会左右移动。**纠缠**的模型则把因素混在一起："
        "一个数字既让图形移动，*又*让它变小。下面并排展示同一个网络在越来越强的先验约束（β）下训练的结果："
        "先看看它们的数字各管什么，再读一读衡量这一点的分数。"),
    "dis_no_models": (
        "No shapes model is available. Train one on the Train page with the shapes dataset (a conv VAE, β = 4, for "
        "example), then come back.",
        "目前没有形状数据集上的模型。请在“训练”页面用 shapes 数据集训练一个（例如卷积 VAE，β = 4），然后再回来。"),
    "dis_not_shapes": (
        "The model picked in the sidebar was not trained on shapes, so it has no known factors to score: "
        "this page shows the shapes models.",
        "侧边栏选中的模型不是在形状数据集上训练的，没有已知因素可供评分：本页展示的是形状模型。"),
    "dis_label_vae": ("β = {beta}", "β = {beta}"),
    "dis_label_adagvae": ("Ada-GVAE (β = {beta})", "Ada-GVAE（β = {beta}）"),
    "dis_label_tcvae": ("β-TCVAE (β = {beta})", "β-TCVAE（β = {beta}）"),
    "dis_label_cvae": ("conditional VAE (β = {beta})", "条件 VAE（β = {beta}）"),
    "dis_label_run": ("{name} (β = {beta})", "{name}（β = {beta}）"),
    "dis_active": ("{n} active numbers", "{n} 个活跃数字"),
    "dis_no_active": ("Every number has collapsed: this model draws the same picture whatever its code.",
                      "所有数字都已坍缩：无论编码如何，这个模型都画出同一张图。"),
    # Traversals
    "dis_watch_title": ("What does each number move?", "每个数字在改变什么？"),
    "dis_watch_help": (
        "Each tile sweeps one active number of a model from −range to +range and back, all its other numbers "
        "held at 0; the caption names the factor that number tells most about (collapsed numbers, which carry "
        "nothing, are left out). A disentangled model has one tile per factor, each moving only that factor.",
        "每个小图把模型的一个活跃数字从 −范围 扫到 +范围 再扫回来，其他数字都保持为 0；"
        "图下的说明写出这个数字最能反映的因素（不携带信息的已坍缩数字不显示）。"
        "解耦的模型每个因素对应一个小图，而且每个小图只改变那个因素。"),
    "dis_view": ("Show", "显示方式"),
    "dis_view_animation": ("Animations", "动画"),
    "dis_view_grid": ("Still rows", "静态行"),
    "dis_span_help": ("How far each number is moved either side of 0, in prior standard deviations.",
                      "每个数字在 0 两侧移动的距离，以先验标准差为单位。"),
    "dis_grid_model": ("Model", "模型"),
    # Scores
    "dis_scores_title": ("The scores", "分数"),
    "dis_scores_help": (
        "Measured on 10,000 pictures drawn from all 737,280 combinations of the factors, following the protocol "
        "of disentanglement_lib (Locatello et al. 2019). Every score runs from 0 to 1; higher is better.",
        "按照 disentanglement_lib（Locatello 等，2019）的流程，在从全部 737,280 种因素组合中抽取的 10,000 张图片上测得。"
        "所有分数都在 0 到 1 之间，越高越好。"),
    "dis_col_score": ("Score", "分数"),
    "dis_points_note": ("Some models were scored on other numbers of pictures than the protocol's 10,000: {points}.",
                        "部分模型的评分所用图片数不是标准流程的 10,000 张：{points}。"),
    "dis_col_beta": ("β", "β"),
    "dis_col_recon": ("Reconstruction error (nats/picture)", "重建误差（奈特/图）"),
    "dis_col_kl": ("KL (nats/picture)", "KL（奈特/图）"),
    "dis_col_active": ("Active numbers (KL ≥ 0.05)", "活跃数字（KL ≥ 0.05）"),
    "dis_metric_mig": ("MIG", "MIG"),
    "dis_metric_factor_vae": ("FactorVAE", "FactorVAE"),
    "dis_metric_dci_disentanglement": ("DCI disentanglement", "DCI 解耦度"),
    "dis_metric_dci_completeness": ("DCI completeness", "DCI 完整度"),
    "dis_metric_dci_informativeness": ("DCI informativeness", "DCI 信息度"),
    "dis_dci_classifier": ("DCI's classifier: {classifier}, one per factor.", "DCI 的分类器：{classifier}，每个因素一个。"),
    # Each kind of vae.metrics.disentanglement.dci_classifiers.CLASSIFIERS in words; {constructor}: the code it runs.
    "dis_dci_kind_exact": ("the reference's boosted trees ({constructor}), grown on codes sorted once",
                           "参考实现的梯度提升树（{constructor}），在只排序一次的编码上生长"),
    "dis_dci_kind_gbt": ("the reference's boosted trees ({constructor})", "参考实现的梯度提升树（{constructor}）"),
    "dis_dci_kind_hist": ("boosted trees grown on binned codes ({constructor})",
                          "在分箱后的编码上生长的梯度提升树（{constructor}）"),
    "dis_dci_kind_forest": ("a quick random forest ({constructor})", "快速随机森林（{constructor}）"),
    "dis_metric_sap": ("SAP", "SAP"),
    "dis_metric_modularity": ("Modularity", "模块度"),
    # The best model of the scores table (ui.parts.disentanglement.best_rung's rule, stated in the sentence).
    "dis_best": (
        "**The best model here** (the most factors with a number of their own, then the highest FactorVAE score): "
        "{model}, with MIG {mig:.2f} and FactorVAE {fvae:.2f}. {named}",
        "**这里最好的模型**（拥有专属数字的因素最多，其次 FactorVAE 分数最高）：{model}，MIG 为 {mig:.2f}，"
        "FactorVAE 为 {fvae:.2f}。{named}"),
    "dis_best_named": ("{n} of the {total} factors have a number of their own: {names}.",
                       "{total} 个因素中有 {n} 个拥有专属的数字：{names}。"),
    "dis_best_none": ("None of the {total} factors has a number of its own.", "{total} 个因素都没有专属的数字。"),
    "dis_reading": (
        "**How to read the numbers**\n\n"
        "- **MIG** — for each factor, find the number that knows most about it and the runner-up; the gap, as a "
        "share of all there is to know, is averaged. 1: every factor has its own number; 0: no number stands out. "
        "On these pictures even a perfect code reaches only about 0.9, because the protocol sorts each number "
        "into 20 bins and position has 32 values.\n"
        "- **FactorVAE** — hold one factor still over 64 pictures and see which number varies least; a number that "
        "always answers for the same factor scores. 1: always right; with 5 factors, guessing gives 0.2.\n"
        "- **DCI disentanglement / completeness** — a classifier learns each factor from the code, and we look "
        "at which numbers it relies on. *Disentanglement*: does each number help with one factor only? "
        "*Completeness*: is each factor read off one number only? *Informativeness* is that classifier's accuracy: "
        "how much the code knows at all, however mixed.\n"
        "- **SAP** — how well each single number predicts each factor (R²); per factor, the best minus the "
        "second best.\n"
        "- **Modularity** — does each number depend on one factor only (it may share that factor with others)? "
        "It is lenient: unused numbers and even mixed ones often score 0.7 or more.\n\n"
        "A high score on one metric alone proves little; a model that is disentangled scores well on most of "
        "them, and its animations show one factor per tile.",
        "**怎样读这些数字**\n\n"
        "- **MIG**：对每个因素，找出最了解它的数字和第二名，两者之差占该因素全部信息量的比例，再对所有因素取平均。"
        "1 表示每个因素都有自己专属的数字；0 表示没有哪个数字突出。在这些图片上，即使完美的编码也只能达到约 0.9，"
        "因为该流程把每个数字分进 20 个区间，而位置有 32 种取值。\n"
        "- **FactorVAE**：在 64 张图片中固定一个因素，看哪个数字变化最小；如果某个数字总是对应同一个因素，就得分。"
        "1 表示总是正确；有 5 个因素时，随机猜测得 0.2。\n"
        "- **DCI 解耦度 / 完整度**：让一个分类器从编码中学习每个因素，再看它依赖哪些数字。"
        "*解耦度*：每个数字是否只帮助预测一个因素？*完整度*：每个因素是否只需一个数字就能读出？"
        "*信息度*是这个分类器的准确率：不管混得多乱，编码到底知道多少。\n"
        "- **SAP**：每个单独的数字预测每个因素的能力（R²）；对每个因素，取最好的减去第二好的。\n"
        "- **模块度**：每个数字是否只依赖一个因素（这个因素也可以同时由别的数字表示）？它比较宽松："
        "没用到的数字、甚至混合的数字，也常常得到 0.7 以上。\n\n"
        "只在一个指标上得高分说明不了什么；真正解耦的模型在大多数指标上都表现好，它的动画里每个小图只改变一个因素。"),
    "dis_compute": ("Compute the scores of {model}", "计算 {model} 的分数"),
    "dis_compute_help": (
        "Renders about 550,000 pictures of every factor combination, encodes them and fits the classifiers the "
        "scores need (DCI fits the reference's boosted trees): about a minute and a half on two CPU cores. The "
        "result is kept for everyone on this server.",
        "要渲染约 55 万张覆盖各种因素组合的图片、对它们编码并拟合评分所需的分类器（DCI 拟合参考实现的梯度提升树）：在两个 CPU 核心上约需一分半钟。"
        "结果会为本服务器上的所有人保留。"),
    "dis_computing": ("Scoring…", "正在评分……"),
    "dis_computing_stage": ("Scoring: {stage}", "正在评分：{stage}"),
    "dis_stage_codes": ("encoding pictures", "编码图片"),
    "dis_stage_mig": ("MIG", "MIG"),
    "dis_stage_modularity": ("Modularity", "模块度"),
    "dis_stage_factor_vae": ("FactorVAE votes", "FactorVAE 投票"),
    "dis_stage_dci": ("DCI classifiers", "DCI 分类器"),
    "dis_stage_sap": ("SAP", "SAP"),
    "dis_stage_sap_discrete": ("SAP (linear SVM)", "SAP（线性 SVM）"),
    "dis_stage_done": ("done", "完成"),
    # The three shapes
    "dis_shapes_title": ("Can each model draw a square, an ellipse and a heart?", "每个模型能画出正方形、椭圆和心形吗？"),
    "dis_shapes_help": (
        "Top row: the three shapes at their largest, upright and centred. Bottom row: what the model draws back "
        "from their codes. Where the three come back as the same blob, \"shape\" is a factor the model does not "
        "show, whatever its scores say about the others.",
        "上排：三种形状，尺寸最大、不旋转、居中。下排：模型根据它们的编码画回来的图。"
        "如果三种形状画回来都是同样的一团，那么无论其他因素的分数如何，这个模型都没有表现出“形状”这个因素。"),
    # Seeds
    "dis_seeds_title": ("Every seed, and the median", "每个随机种子，以及中位数"),
    "dis_seeds_help": (
        "The same network was trained {seeds} times for each β, each time from another random seed, and each "
        "training is one dot: the seed changes the scores about as much as β does (Locatello et al. 2019), so one "
        "model per β would tell a story the seeds do not back. The line joins the medians. The models animated "
        "above are, for each β, the seed whose MIG is the median of its group (ringed here), never the best one.",
        "每个 β 都用不同的随机种子把同一个网络训练了 {seeds} 次，每次训练是一个点：种子对分数的影响和 β 差不多大"
        "（Locatello 等人，2019），所以每个 β 只看一个模型，可能讲出种子并不支持的故事。折线连接各组的中位数。"
        "上面的动画里，每个 β 展示的是 MIG 处于本组中位数的那个种子（图中加了圈），而不是最好的那个。"),
    "dis_seeds_median": ("median", "中位数"),
    # How the study's pictures sized the shapes (vae.config.SHAPE_AREAS); {ratio}: the heart's area over the ellipse's.
    "dis_seeds_area_bounding": (
        "These models saw dSprites' shapes: at each scale every shape fills the same circle, so a heart covers "
        "{ratio:.1f}× the pixels of an ellipse, and a number that holds the size also tells something of the shape.",
        "这些模型看到的是 dSprites 的形状：同一尺度下每种形状都填满同样大的圆，所以心形所占的像素是椭圆的 {ratio:.1f} 倍，"
        "记住大小的数字也会透露一些形状的信息。"),
    "dis_seeds_area_equal": (
        "These models saw shapes of equal area: at each scale the three cover the same pixels (in dSprites a heart "
        "covers {ratio:.1f}× an ellipse's), so a number that holds the size cannot also tell the shape.",
        "这些模型看到的是等面积的形状：同一尺度下三种形状所占的像素相同（在 dSprites 中，心形所占的像素是椭圆的 "
        "{ratio:.1f} 倍），所以记住大小的数字无法同时区分形状。"),
    "dis_seeds_rises": (
        "Median MIG rises with β, from β = {first} to β = {peak}: {medians}. At β = {peak} it is {peak_mig:.2f}, "
        "{gain:.2f} above β = {first}.",
        "MIG 的中位数从 β = {first} 到 β = {peak} 随 β 上升：{medians}。β = {peak} 时为 {peak_mig:.2f}，"
        "比 β = {first} 高 {gain:.2f}。"),
    "dis_seeds_falls": (
        "Past β = {peak} it falls back: {past}. Too large a β squeezes out information the factors need.",
        "超过 β = {peak} 后又回落：{past}。β 太大，会把各因素需要的信息也挤掉。"),
    "dis_seeds_at": ("{value:.2f} at β = {beta}", "β = {beta} 时为 {value:.2f}"),
    "dis_seeds_flat": (
        "Median MIG does not rise steadily with β in these models: {medians}.",
        "在这些模型中，MIG 的中位数并没有随 β 稳定上升：{medians}。"),
    "dis_weak_beats": (
        "**Weak supervision.** Ada-GVAE was never told the factors: it was only shown {pairs}. That alone lines "
        "its numbers up with the factors: median MIG {weak:.2f}, against {best:.2f} for the best group trained "
        "without pairs.",
        "**弱监督。** Ada-GVAE 从没被告知有哪些因素：它只看到{pairs}。"
        "仅凭这一点，它的数字就与各因素对齐了：MIG 中位数为 {weak:.2f}，而不用成对图片训练的最好一组为 {best:.2f}。"),
    "dis_weak_behind": (
        "**Weak supervision.** Ada-GVAE, shown {pairs}, reaches a median MIG of {weak:.2f} here, not above the "
        "best group trained without pairs ({best:.2f}).",
        "**弱监督。** Ada-GVAE 看到的是{pairs}，在这里它的 MIG 中位数为 {weak:.2f}，"
        "没有超过不用成对图片训练的最好一组（{best:.2f}）。"),
    # What Ada-GVAE's pairs were (vae.metrics.disentanglement.ladder.Claims.weak_pair_changes).
    "dis_weak_pairs_some": ("pairs of pictures that share some of their factors (not which)",
                            "成对的图片，并知道每对图片共享其中一部分因素（但不知道是哪些）"),
    "dis_weak_pairs_one": ("pairs of pictures that differ in exactly one factor (not which)",
                           "成对的图片，并知道每对图片只有一个因素不同（但不知道是哪一个）"),
    "dis_weak_steps": (
        "Ada-GVAE trained for {weak:,} steps a model, the groups without pairs for {others:,}: {ratio:g}× as long.",
        "Ada-GVAE 每个模型训练了 {weak:,} 步，不用成对图片的各组训练了 {others:,} 步：是它们的 {ratio:g} 倍。"),
    "dis_seeds_cost": ("These {n} models took at most {hours:.1f} CPU-hours to train and score, on one core each.",
                       "这 {n} 个模型的训练和评分最多用了 {hours:.1f} CPU 小时（每个模型一个核心）。"),
    # Against β
    "dis_beta_title": ("The trade-off: scores and detail against β", "权衡：分数和细节随 β 的变化"),
    "dis_beta_help": (
        "A larger β pulls the code harder towards the prior: the numbers tend to separate the factors (left), "
        "but the pictures lose detail, so the reconstruction error grows (right). The β-TCVAE (a diamond) "
        "penalizes only the part of the KL that ties numbers together, so its β is not on the same scale.",
        "β 越大，编码被越强地拉向先验：数字更倾向于把各因素分开（左图），但图片会丢失细节，重建误差随之增大（右图）。"
        "β-TCVAE（菱形）只惩罚 KL 中把各数字捆绑在一起的那部分，所以它的 β 与其他模型不在同一尺度上。"),
    "dis_plot_pick": ("Scores to plot", "要画出的分数"),
    "dis_plot_metrics": ("Scores", "分数"),
    "dis_plot_recon": ("Reconstruction error", "重建误差"),
    "dis_recon": ("reconstruction error", "重建误差"),
    "dis_recon_unit": ("nats per picture", "奈特/图"),
    # MI
    "dis_mi_title": ("Which factor does each number know about?", "每个数字了解哪个因素？"),
    "dis_mi_help": (
        "The mutual information between each active number and each factor, as a share of the factor's own "
        "information (the 20-bin estimate MIG uses). Disentangled: one bright cell per row and per column.",
        "每个活跃数字与每个因素之间的互信息，表示为该因素自身信息量的比例（即 MIG 使用的 20 区间估计）。"
        "解耦时，每一行、每一列都只有一个亮格。"),
}
