"""Strings of the anomaly detection page."""

STRINGS = {
    "nav_anomaly": ("Anomaly detection", "异常检测"),
    "anom_title": ("Anomaly detection: spot what the model never saw", "异常检测:找出模型从未见过的东西"),
    "anom_intro": (
        "The models on this page were trained with one class **held out**: they never saw a single picture of it. "
        "A VAE learns how likely a picture is, so pictures unlike anything it trained on should get a poor "
        "score. Below, every test picture gets an *anomaly score*; a good detector gives the held-out class higher scores "
        "than the classes it knows, and you choose where to draw the line.",
        "此页面的模型训练时**留出**了一个类别:它们从未见过该类别的任何一张图片。VAE 学会的是一张图片有多“可能”,"
        "所以和训练数据都不像的图片应该得到很差的分数。下面给每张测试图片打一个*异常分数*;好的检测器会给被留出的"
        "类别比已知类别更高的分数,而分界线画在哪里由你决定。"),
    "anom_needs_heldout": (
        "This page needs a model trained with a class held out, so that there is something it has never seen. "
        "The chosen model saw every class. Pick one below, or train your own: on the Train page fill in "
        "*Hold out classes*, or run `python -m vae train --dataset digits --exclude-classes 7`.",
        "此页面需要训练时留出了某个类别的模型,这样才有它从未见过的东西。当前选择的模型见过所有类别。"
        "请从下面选一个,或者自己训练一个:在“训练”页面填写“留出的类别”,或运行 "
        "`python -m vae train --dataset digits --exclude-classes 7`。"),
    "anom_needs_labels": ("This model's test pictures have no class labels, so no class can be called held out.",
                          "此模型的测试图片没有类别标签,因此无法区分哪些属于被留出的类别。"),
    "anom_no_heldout_images": ("The test set has no pictures of the held-out class, so there is nothing to detect.",
                               "测试集中没有被留出类别的图片,因此没有可检测的对象。"),
    "anom_summary": ("Held out: **{held_out}**. Test pictures: {normal} of classes the model saw, {anomalous} "
                     "of the held-out class.",
                     "留出的类别:**{held_out}**。测试图片:模型见过的类别 {normal} 张,被留出的类别 {anomalous} 张。"),
    "anom_score": ("Anomaly score", "异常分数"),
    "anom_score_neg_elbo": ("Negative ELBO", "负 ELBO"),
    "anom_score_recon": ("Reconstruction error", "重建误差"),
    "anom_score_iwae": ("Importance-weighted bound", "重要性加权界"),
    "anom_score_help": (
        "All in nats per picture; higher means more unusual. Negative ELBO: how badly the picture is "
        "reconstructed (averaged over {samples} random codes) plus how far its code is from the prior. "
        "Reconstruction error: the reconstruction term alone, through the code's mean. Importance-weighted "
        "bound: a tighter estimate of −log p(x) from k random codes per picture; slower.",
        "单位均为奈特/图像;越高越异常。负 ELBO:图片重建得有多差(对 {samples} 个随机编码取平均)加上其编码"
        "离先验有多远。重建误差:只看重建项,使用编码的均值。重要性加权界:用每张图片 k 个随机编码对 −log p(x) "
        "做更紧的估计;较慢。"),
    "anom_vq_note": ("A VQ-VAE has no continuous code distribution, so only the reconstruction error applies.",
                     "VQ-VAE 没有连续的编码分布,因此只能使用重建误差。"),
    "anom_k": ("Importance samples k", "重要性采样数 k"),
    "anom_k_help": ("More samples give a tighter bound; the time grows in proportion.",
                    "采样越多,界越紧;耗时按比例增加。"),
    "anom_pca_components": ("PCA components (baseline)", "PCA 主成分数(基线)"),
    "anom_pca_help": (
        "The baseline compresses each picture with PCA fitted on the same training pictures and scores it by "
        "its squared reconstruction error. By default it keeps as many numbers as the VAE's code.",
        "基线方法用在相同训练图片上拟合的 PCA 压缩每张图片,并以平方重建误差作为分数。默认保留与 VAE 编码相同"
        "数量的数字。"),
    "anom_scoring": ("Scoring test pictures: {done} of {total}…", "正在给测试图片打分:{done} / {total}……"),
    "anom_cvae_note": (
        "A conditional VAE is not told the class here: its score averages p(x | class) over the classes "
        "it trained on.",
        "这里不告诉条件 VAE 类别:它的分数对训练时见过的各类别的 p(x | 类别) 取平均。"),
    "anom_hist_header": ("Scores of known and held-out pictures", "已知类别与被留出类别的分数"),
    "anom_hist_help": (
        "Two histograms, each scaled to 100 %: the less they overlap, the better the score separates the "
        "held-out class. The dashed line is the threshold: pictures to its right are flagged as anomalies.",
        "两组直方图各自按 100% 缩放:重叠越少,分数越能区分被留出的类别。虚线是阈值:它右边的图片被判为异常。"),
    "anom_normal": ("Known classes", "已知类别"),
    "anom_heldout": ("Held out: {name}", "留出:{name}"),
    "anom_share": ("Share of pictures (%)", "图片占比(%)"),
    "anom_threshold": ("Threshold: flag pictures scoring at least", "阈值:分数不低于此值即判为异常"),
    "anom_threshold_help": (
        "It starts where 5 % of the known pictures are flagged (a 5 % false-alarm rate).",
        "初始位置使已知类别图片中有 5% 被判为异常(即 5% 的误报率)。"),
    "anom_precision": ("Precision", "精确率"),
    "anom_precision_help": ("Of the flagged pictures, the share that really are held out.",
                            "被判为异常的图片中,确实属于被留出类别的比例。"),
    "anom_recall": ("Recall", "召回率"),
    "anom_recall_help": ("Of the held-out pictures, the share that are flagged.", "被留出类别的图片中,被判为异常的比例。"),
    "anom_false_alarms": ("False-alarm rate", "误报率"),
    "anom_false_alarms_help": ("Of the known pictures, the share wrongly flagged.", "已知类别图片中,被误判为异常的比例。"),
    "anom_confusion": (
        "| | flagged | passed |\n|---|---:|---:|\n"
        "| **held out** | {tp} (true positives) | {fn} (missed) |\n"
        "| **known** | {fp} (false alarms) | {tn} (true negatives) |",
        "| | 判为异常 | 判为正常 |\n|---|---:|---:|\n"
        "| **留出类别** | {tp}(真阳性) | {fn}(漏检) |\n"
        "| **已知类别** | {fp}(误报) | {tn}(真阴性) |"),
    "anom_roc_header": ("ROC curve: ours against a PCA baseline", "ROC 曲线:本模型与 PCA 基线对比"),
    "anom_roc_help": (
        "Each point is one threshold: across, the share of known pictures flagged; up, the share of held-out "
        "pictures caught. The area under the curve (AUROC) is the chance that a random held-out picture "
        "scores higher than a random known one: 1 is perfect, 0.5 is guessing.",
        "每个点对应一个阈值:横轴是已知类别图片被判为异常的比例,纵轴是被留出类别图片被抓到的比例。曲线下面积"
        "(AUROC)是随机一张被留出图片的分数高于随机一张已知图片的概率:1 为完美,0.5 相当于瞎猜。"),
    "anom_roc_ours": ("VAE, {score} (AUROC {auroc:.3f})", "VAE,{score}(AUROC {auroc:.3f})"),
    "anom_roc_pca": ("PCA baseline, {n} components (AUROC {auroc:.3f})", "PCA 基线,{n} 个主成分(AUROC {auroc:.3f})"),
    "anom_roc_chance": ("Guessing (AUROC 0.5)", "瞎猜(AUROC 0.5)"),
    "anom_roc_point": ("Your threshold", "你的阈值"),
    "anom_fpr": ("False-alarm rate (known pictures flagged)", "误报率(已知图片被判为异常)"),
    "anom_tpr": ("Detection rate (held-out pictures caught)", "检出率(被留出图片被抓到)"),
    "anom_below_chance": (
        "Here the VAE does *worse* than guessing: it finds the held-out pictures *more* likely than the ones it "
        "trained on. This is a known weakness of likelihood scores (Nalisnick et al. 2019, “Do deep generative "
        "models know what they don't know?”): pictures with few, simple strokes or a plain background get a "
        "high likelihood whatever they show. The PCA baseline measures something else and can do better.",
        "这里 VAE 的表现*不如*瞎猜:它认为被留出的图片比训练过的图片*更*可能。这是似然分数的已知弱点"
        "(Nalisnick 等,2019,“深度生成模型知道自己不知道什么吗?”):笔画少而简单、背景单一的图片,不论画的是什么,"
        "似然都很高。PCA 基线衡量的是别的东西,可能反而更好。"),
    "anom_baseline_wins": (
        "Here the simple PCA baseline separates the held-out class better than the VAE. A likelihood rewards "
        "pictures that are easy to draw, and a class can be easy to draw without ever having been seen "
        "(Nalisnick et al. 2019); the benchmark in benchmarks/anomaly_quality.py shows this for several "
        "Fashion-MNIST classes.",
        "这里简单的 PCA 基线比 VAE 更能区分被留出的类别。似然会偏爱容易画出的图片,而一个类别可能从未见过却依然容易"
        "画出(Nalisnick 等,2019);benchmarks/anomaly_quality.py 的基准测试显示,Fashion-MNIST 的好几个类别都是如此。"),
    "anom_auroc_ours": ("AUROC, VAE", "AUROC,VAE"),
    "anom_auroc_pca": ("AUROC, PCA baseline", "AUROC,PCA 基线"),
    "anom_gallery_header": ("The most and least anomalous pictures", "最异常与最不异常的图片"),
    "anom_gallery_help": ("Captions give the class, whether it was held out, and the score.",
                          "说明文字给出类别、是否被留出以及分数。"),
    "anom_most": ("Most anomalous", "最异常"),
    "anom_least": ("Least anomalous", "最不异常"),
    "anom_caption": ("{name} · {score:.1f}", "{name} · {score:.1f}"),
    "anom_caption_heldout": ("{name} (held out) · {score:.1f}", "{name}(留出)· {score:.1f}"),
    "anom_score_axis": ("{score} (nats per picture)", "{score}(奈特/图像)"),
    "anom_download_csv": ("Download scores (CSV)", "下载分数(CSV)"),
    "anom_score_error": ("These scores cannot be drawn: {message}", "无法绘制这些分数:{message}"),
}
