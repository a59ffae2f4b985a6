"""Strings of the anomaly detection page."""

STRINGS = {
    "nav_anomaly": ("Anomaly detection", "异常检测"),
    "anom_title": ("Anomaly detection: spot what the model never saw", "异常检测：找出模型从未见过的东西"),
    "anom_intro": (
        "The models on this page were trained on one kind of picture; here they meet pictures they never saw: "
        "a class **held out** of their training, or pictures from **another dataset** altogether. A VAE learns how "
        "likely a picture is, so such pictures should get a poor score. Every picture gets an *anomaly score*; a "
        "good detector gives the anomalies higher scores than the pictures it knows, and you choose where to draw "
        "the line.",
        "此页面的模型都只在一类图片上训练过；在这里它们会遇到从未见过的图片：训练时被**留出**的类别，或者干脆来自"
        "**另一个数据集**的图片。VAE 学会的是一张图片有多“可能”，所以这样的图片应该得到很差的分数。每张图片都会"
        "得到一个*异常分数*；好的检测器会给异常图片比已知图片更高的分数，而分界线画在哪里由你决定。"),
    "anom_mode": ("What counts as an anomaly", "什么算作异常"),
    "anom_mode_held_out": ("A class it never saw", "它没见过的类别"),
    "anom_mode_dataset": ("Another dataset", "另一个数据集"),
    "anom_mode_help": (
        "A held-out class is a *near* anomaly: same kind of picture, new content. Another dataset is a *far* "
        "one: different pictures altogether, where likelihoods fail in a surprising way.",
        "留出的类别是“近”异常：同类图片，内容不同。另一个数据集是“远”异常：完全不同的图片，而似然在这里会以"
        "出人意料的方式失效。"),
    "anom_dataset_intro": (
        "Normal pictures are the model's own test pictures; the anomalies come from another dataset, resized to "
        "the model's input. You would expect them to look unlikely to the model. Often they do not.",
        "正常图片是模型自己的测试图片；异常图片来自另一个数据集，并缩放到模型的输入尺寸。按理说模型会觉得它们"
        "不太可能出现。但事实常常并非如此。"),
    "anom_dataset": ("Anomalous pictures from", "异常图片来自"),
    "anom_dataset_help": ("Each dataset's test pictures, resized to the model's input and converted to its "
                          "channels.", "各数据集的测试图片，缩放到模型的输入尺寸并转换为相同的通道数。"),
    "anom_dataset_digits": ("Handwritten digits (8×8)", "手写数字（8×8）"),
    "anom_dataset_shapes": ("Shapes (white sprites on black)", "形状（黑底白色图形）"),
    "anom_dataset_fashion-mnist": ("Fashion-MNIST clothing", "Fashion-MNIST 服饰"),
    "anom_dataset_mnist": ("MNIST digits", "MNIST 数字"),
    "anom_dataset_folder": ("Your own pictures (upload a folder)", "你自己的图片（上传一个文件夹）"),
    "anom_missing_suffix": (" (not on this machine)", "（本机没有）"),
    "anom_upload": ("A folder of your pictures (PNG or JPEG)", "你的图片文件夹（PNG 或 JPEG）"),
    "anom_upload_help": ("Each picture is padded to a square, resized to the model's input and its contrast "
                         "stretched, as on the Denoise page; up to 5,000 pictures.",
                         "每张图片先补成正方形，再缩放到模型的输入尺寸并拉伸对比度（与“去噪”页面相同）；最多 5,000 张。"),
    "anom_upload_prompt": ("Choose a folder of your pictures above: each is fitted to the model's {size} input "
                           "and scored against the model's own test pictures.",
                           "请在上方选择一个图片文件夹：每张图片会缩放到模型的 {size} 输入，并与模型自己的测试图片比较。"),
    "anom_upload_skipped": ("{n} files could not be read as pictures and were skipped.",
                            "有 {n} 个文件无法作为图片读取，已跳过。"),
    "anom_yours": ("your pictures", "你的图片"),
    "anom_name_digits": ("handwritten digits", "手写数字"),
    "anom_name_shapes": ("shapes", "形状"),
    "anom_name_fashion-mnist": ("Fashion-MNIST clothing", "Fashion-MNIST 服饰"),
    "anom_name_mnist": ("MNIST digits", "MNIST 数字"),
    "anom_name_folder": ("your pictures", "你的图片"),
    "anom_summary_dataset": (
        "Normal: **{normal}** test pictures of {own} (what the model trained on). Anomalies: **{anomalous}** "
        "pictures of {other}, resized to the model's {size} input.",
        "正常：**{normal}** 张 {own} 测试图片（模型训练所用的数据）。异常：**{anomalous}** 张{other}图片，"
        "已缩放到模型的 {size} 输入。"),
    "anom_normal_own": ("Normal: {name}", "正常：{name}"),
    "anom_anomalies": ("Anomalies: {name}", "异常：{name}"),
    "anom_needs_heldout": (
        "This page needs a model trained with a class held out, so that there is something it has never seen. "
        "The chosen model saw every class. Pick one below, or train your own: on the Train page fill in "
        "*Hold out classes*, or run `python -m vae train --dataset digits --exclude-classes 7`. Or choose "
        "*Another dataset* above: any model can be tested against other pictures.",
        "此页面需要训练时留出了某个类别的模型，这样才有它从未见过的东西。当前选择的模型见过所有类别。"
        "请从下面选一个，或者自己训练一个：在“训练”页面填写“留出的类别”，或运行 "
        "`python -m vae train --dataset digits --exclude-classes 7`。也可以在上方选择“另一个数据集”："
        "任何模型都可以用其他图片来检验。"),
    "anom_needs_labels": ("This model's test pictures have no class labels, so no class can be called held out.",
                          "此模型的测试图片没有类别标签，因此无法区分哪些属于被留出的类别。"),
    "anom_no_heldout_images": ("The test set has no pictures of the held-out class, so there is nothing to detect.",
                               "测试集中没有被留出类别的图片，因此没有可检测的对象。"),
    "anom_summary": ("Held out: **{held_out}**. Test pictures: {normal} of classes the model saw, {anomalous} "
                     "of the held-out class.",
                     "留出的类别：**{held_out}**。测试图片：模型见过的类别 {normal} 张，被留出的类别 {anomalous} 张。"),
    "anom_score": ("Anomaly score", "异常分数"),
    "anom_score_neg_elbo": ("Negative ELBO", "负 ELBO"),
    "anom_score_recon": ("Reconstruction error", "重建误差"),
    "anom_score_iwae": ("Importance-weighted bound", "重要性加权界"),
    "anom_score_complexity": ("Complexity-corrected", "复杂度修正"),
    "anom_score_regret": ("Likelihood regret", "似然遗憾"),
    "anom_score_ratio": ("Likelihood ratio", "似然比"),
    "anom_score_help": (
        "All in nats per picture; higher means more unusual. The first three are raw likelihoods. Negative "
        "ELBO: how badly the picture is reconstructed (averaged over {samples} random codes) plus how far its "
        "code is from the prior. Reconstruction error: the reconstruction term alone, through the code's mean. "
        "Importance-weighted bound: a tighter estimate of −log p(x) from k random codes per picture; slower. "
        "The last three correct the likelihood for how simple a picture is; see *How the corrections work* "
        "below the histograms.",
        "单位均为奈特/图像；越高越异常。前三个是原始似然。负 ELBO：图片重建得有多差（对 {samples} 个随机编码取"
        "平均）加上其编码离先验有多远。重建误差：只看重建项，使用编码的均值。重要性加权界：用每张图片 k 个随机"
        "编码对 −log p(x) 做更紧的估计；较慢。后三个根据图片有多简单来修正似然；详见直方图下方的“修正方法如何"
        "起作用”。"),
    "anom_steps": ("Regret: optimisation steps", "遗憾：优化步数"),
    "anom_steps_help": ("How many Adam steps re-fit each picture's code. More steps measure the regret more "
                        "fully; the time grows in proportion.",
                        "用多少步 Adam 为每张图片重新拟合编码。步数越多，遗憾测得越完整；耗时按比例增加。"),
    "anom_no_background": (
        "The likelihood ratio needs a background model: a run trained on the same pictures with some pixels "
        "replaced by noise, e.g. `{command}`.",
        "似然比需要一个背景模型：在相同图片上训练、但部分像素被替换为噪声的运行，例如 `{command}`。"),
    "anom_subset": ("Pictures scored (of each kind)", "打分的图片数（每类）"),
    "anom_subset_all": ("all", "全部"),
    "anom_subset_help": (
        "Scoring all {total} pictures with this score would take about {seconds} s here. A seeded random subset "
        "is quicker; its AUROC is then an estimate.",
        "用此分数给全部 {total} 张图片打分，在这里大约需要 {seconds} 秒。固定种子的随机子集更快；此时 AUROC 为估计值。"),
    "anom_subset_note": (
        "Scored a random {normal} normal and {anomalous} anomalous pictures; all of them would take about "
        "{seconds} s.",
        "已对随机抽取的 {normal} 张正常图片和 {anomalous} 张异常图片打分；全部打分约需 {seconds} 秒。"),
    "anom_stored_note": ("These scores were computed in advance and ship with the model "
                         "(`python -m vae anomaly --precompute`).",
                         "这些分数已预先计算，随模型一起提供（`python -m vae anomaly --precompute`）。"),
    "anom_trap_header": ("The trap: raw likelihood beside a correction", "陷阱：原始似然与修正后的分数并排对比"),
    "anom_trap_help": (
        "Left, the raw likelihood; right, the chosen score; each histogram scaled to 100 %. A likelihood "
        "mostly rewards pictures that are *simple* (large plain backgrounds, few strokes), whatever they show "
        "(Nalisnick et al. 2019). When the red anomalies sit to the *left* of the blue normal pictures, the "
        "score has it backwards. The dashed line is the threshold: pictures to its right are flagged.",
        "左边是原始似然，右边是所选分数；每组直方图各自按 100% 缩放。似然主要偏爱*简单*的图片（大片纯色背景、"
        "笔画少），不论画的是什么（Nalisnick 等，2019）。如果红色的异常图片落在蓝色正常图片的*左边*，说明这个分数"
        "完全弄反了。虚线是阈值：它右边的图片被判为异常。"),
    "anom_raw_panel": ("Raw: {score} (AUROC {auroc:.3f})", "原始：{score}（AUROC {auroc:.3f}）"),
    "anom_chosen_panel": ("{score} (AUROC {auroc:.3f})", "{score}（AUROC {auroc:.3f}）"),
    "anom_nats": ("nats per picture", "奈特/图像"),
    "anom_verdict_fails": (
        "The raw likelihood gets it backwards here (AUROC {raw:.2f}): the model finds {other} *more* likely "
        "than pictures like the ones it trained on. {score} corrects for that: AUROC {ours:.2f}.",
        "原始似然在这里完全弄反了（AUROC {raw:.2f}）：模型认为{other}比它训练过的那类图片*更*可能。"
        "{score}修正了这一点：AUROC {ours:.2f}。"),
    "anom_verdict_weak": (
        "The raw likelihood separates them only partly here (AUROC {raw:.2f}); {score}: AUROC {ours:.2f}.",
        "原始似然在这里只能部分区分（AUROC {raw:.2f}）；{score}：AUROC {ours:.2f}。"),
    "anom_verdict_ok": (
        "The raw likelihood already separates them here (AUROC {raw:.2f}); {score}: AUROC {ours:.2f}. The "
        "corrections matter most when the anomalies are simpler than the model's own pictures, and no single "
        "one wins everywhere: compare them.",
        "原始似然在这里已经能区分（AUROC {raw:.2f}）；{score}：AUROC {ours:.2f}。当异常图片比模型自己的图片更"
        "简单时，修正最为重要；而且没有哪一种修正处处最好：不妨比较一下。"),
    "anom_try_corrections": ("Try the three corrections above: they were made for this.",
                             "试试上面的三种修正：它们正是为此而设计的。"),
    "anom_fixes_header": ("How the corrections work", "修正方法如何起作用"),
    "anom_fixes": (
        "- **Complexity-corrected** (Serrà et al. 2020): subtracts how many nats a PNG file needs for the "
        "picture. A simple picture is cheap for *any* code, so only what the VAE explains beyond PNG counts. "
        "For the Fashion-MNIST models here, whose Bernoulli likelihood is no code length of 8-bit pixels, the "
        "PNG length (about 2,000–2,900 nats) dwarfs the model's (200–300), so this score mostly flags pictures "
        "*simpler* than the training data.\n"
        "- **Likelihood regret** (Xiao et al. 2020): re-fits the code of each picture on its own for {steps} "
        "steps and measures how much the ELBO improves. The encoder has learned its own kind of pictures, so "
        "on them there is little to gain; on strangers, more.\n"
        "- **Likelihood ratio** (Ren et al. 2019): subtracts the −ELBO of a *background* model trained on the "
        "same pictures with 20 % of their pixels replaced by noise. It learns the plain low-level statistics, "
        "which then cancel out. With a VAE it also pays for every black pixel (it expects noise there), so it "
        "favours pictures with large dark backgrounds.",
        "- **复杂度修正**（Serrà 等，2020）：减去 PNG 文件编码这张图片所需的奈特数。简单的图片用*任何*编码都"
        "很便宜，所以只有 VAE 比 PNG 多解释的部分才算数。这里的 Fashion-MNIST 模型用伯努利似然，"
        "它并不是 8 位像素的编码长度：PNG 长度（约 2,000–2,900 奈特）远大于模型给出的数值（200–300），因此这个分数主要"
        "标记比训练数据*更简单*的图片。\n"
        "- **似然遗憾**（Xiao 等，2020）：为每张图片单独重新拟合编码 {steps} 步，衡量 ELBO 能提高多少。编码器"
        "已经学会了自己那类图片，在这些图片上几乎没有提升空间；在陌生图片上提升更多。\n"
        "- **似然比**（Ren 等，2019）：减去一个*背景*模型的 −ELBO，该模型在相同图片上训练，但 20% 的像素被"
        "替换成噪声。它学到的是朴素的低层统计规律，相减后正好抵消。对 VAE 来说，它在每个黑色像素上也要付出代价"
        "（它预期那里有噪声），因此会偏向背景大片黑暗的图片。"),
    "anom_confusion_dataset": (
        "| | flagged | passed |\n|---|---:|---:|\n"
        "| **anomalies** | {tp} (true positives) | {fn} (missed) |\n"
        "| **normal** | {fp} (false alarms) | {tn} (true negatives) |",
        "| | 判为异常 | 判为正常 |\n|---|---:|---:|\n"
        "| **异常图片** | {tp}（真阳性）| {fn}（漏检）|\n"
        "| **正常图片** | {fp}（误报）| {tn}（真阴性）|"),
    "anom_roc_help_dataset": (
        "Each point is one threshold: across, the share of the model's own pictures flagged; up, the share of "
        "anomalies caught. The area under the curve (AUROC) is the chance that a random anomaly scores higher "
        "than a random normal picture: 1 is perfect, 0.5 is guessing, 0 is perfectly backwards.",
        "每个点对应一个阈值：横轴是模型自己的图片被判为异常的比例，纵轴是异常图片被抓到的比例。曲线下面积（AUROC）"
        "是随机一张异常图片的分数高于随机一张正常图片的概率：1 为完美，0.5 相当于瞎猜，0 则是完全弄反。"),
    "anom_fpr_dataset": ("False-alarm rate (normal pictures flagged)", "误报率（正常图片被判为异常）"),
    "anom_tpr_dataset": ("Detection rate (anomalies caught)", "检出率（异常图片被抓到）"),
    "anom_roc_raw": ("VAE, raw: {score} (AUROC {auroc:.3f})", "VAE，原始：{score}（AUROC {auroc:.3f}）"),
    "anom_caption_anomaly": ("{name} (anomaly) · {score:.1f}", "{name}（异常）· {score:.1f}"),
    "anom_vq_note": ("A VQ-VAE has no continuous code distribution, so only the reconstruction error applies.",
                     "VQ-VAE 没有连续的编码分布，因此只能使用重建误差。"),
    "anom_k": ("Importance samples k", "重要性采样数 k"),
    "anom_k_help": ("More samples give a tighter bound; the time grows in proportion.",
                    "采样越多，界越紧；耗时按比例增加。"),
    "anom_pca_components": ("PCA components (baseline)", "PCA 主成分数（基线）"),
    "anom_pca_help": (
        "The baseline compresses each picture with PCA fitted on the same training pictures and scores it by "
        "its squared reconstruction error. By default it keeps as many numbers as the VAE's code.",
        "基线方法用在相同训练图片上拟合的 PCA 压缩每张图片，并以平方重建误差作为分数。默认保留与 VAE 编码相同"
        "数量的数字。"),
    "anom_scoring": ("Scoring test pictures: {done} of {total}…", "正在给测试图片打分：{done} / {total}……"),
    "anom_cvae_note": (
        "A conditional VAE is not told the class here: its score averages p(x | class) over the classes "
        "it trained on.",
        "这里不告诉条件 VAE 类别：它的分数对训练时见过的各类别的 p(x | 类别) 取平均。"),
    "anom_hist_header": ("Scores of known and held-out pictures", "已知类别与被留出类别的分数"),
    "anom_hist_help": (
        "Two histograms, each scaled to 100 %: the less they overlap, the better the score separates the "
        "held-out class. The dashed line is the threshold: pictures to its right are flagged as anomalies.",
        "两组直方图各自按 100% 缩放：重叠越少，分数越能区分被留出的类别。虚线是阈值：它右边的图片被判为异常。"),
    "anom_normal": ("Known classes", "已知类别"),
    "anom_heldout": ("Held out: {name}", "留出：{name}"),
    "anom_share": ("Share of pictures (%)", "图片占比（%）"),
    "anom_threshold": ("Threshold: flag pictures scoring at least", "阈值：分数不低于此值即判为异常"),
    "anom_threshold_help": (
        "It starts where 5 % of the known pictures are flagged (a 5 % false-alarm rate).",
        "初始位置使已知类别图片中有 5% 被判为异常（即 5% 的误报率）。"),
    "anom_precision": ("Precision", "精确率"),
    "anom_precision_help": ("Of the flagged pictures, the share that really are held out.",
                            "被判为异常的图片中，确实属于被留出类别的比例。"),
    "anom_recall": ("Recall", "召回率"),
    "anom_recall_help": ("Of the held-out pictures, the share that are flagged.", "被留出类别的图片中，被判为异常的比例。"),
    "anom_false_alarms": ("False alarms", "误报率"),  # a metric label in a third of a column: short, or cut
    "anom_false_alarms_help": ("Of the known pictures, the share wrongly flagged.", "已知类别图片中，被误判为异常的比例。"),
    "anom_confusion": (
        "| | flagged | passed |\n|---|---:|---:|\n"
        "| **held out** | {tp} (true positives) | {fn} (missed) |\n"
        "| **known** | {fp} (false alarms) | {tn} (true negatives) |",
        "| | 判为异常 | 判为正常 |\n|---|---:|---:|\n"
        "| **留出类别** | {tp}（真阳性）| {fn}（漏检）|\n"
        "| **已知类别** | {fp}（误报）| {tn}（真阴性）|"),
    "anom_roc_header": ("ROC curve: ours against a PCA baseline", "ROC 曲线：本模型与 PCA 基线对比"),
    "anom_roc_help": (
        "Each point is one threshold: across, the share of known pictures flagged; up, the share of held-out "
        "pictures caught. The area under the curve (AUROC) is the chance that a random held-out picture "
        "scores higher than a random known one: 1 is perfect, 0.5 is guessing.",
        "每个点对应一个阈值：横轴是已知类别图片被判为异常的比例，纵轴是被留出类别图片被抓到的比例。曲线下面积"
        "（AUROC）是随机一张被留出图片的分数高于随机一张已知图片的概率：1 为完美，0.5 相当于瞎猜。"),
    "anom_roc_ours": ("VAE, {score} (AUROC {auroc:.3f})", "VAE，{score}（AUROC {auroc:.3f}）"),
    "anom_roc_pca": ("PCA baseline, {n} components (AUROC {auroc:.3f})", "PCA 基线，{n} 个主成分（AUROC {auroc:.3f}）"),
    "anom_roc_chance": ("Guessing (AUROC 0.5)", "瞎猜（AUROC 0.5）"),
    "anom_roc_point": ("Your threshold", "你的阈值"),
    "anom_fpr": ("False-alarm rate (known pictures flagged)", "误报率（已知图片被判为异常）"),
    "anom_tpr": ("Detection rate (held-out pictures caught)", "检出率（被留出图片被抓到）"),
    "anom_below_chance": (
        "Here the VAE does *worse* than guessing: it finds the held-out pictures *more* likely than the ones it "
        "trained on. This is a known weakness of likelihood scores (Nalisnick et al. 2019, “Do deep generative "
        "models know what they don't know?”): pictures with few, simple strokes or a plain background get a "
        "high likelihood whatever they show. The PCA baseline measures something else and can do better.",
        "这里 VAE 的表现*不如*瞎猜：它认为被留出的图片比训练过的图片*更*可能。这是似然分数的已知弱点"
        "（Nalisnick 等，2019，“深度生成模型知道自己不知道什么吗？”）：笔画少而简单、背景单一的图片，不论画的是什么，"
        "似然都很高。PCA 基线衡量的是别的东西，可能反而更好。"),
    "anom_baseline_wins": (
        "Here the simple PCA baseline separates the held-out class better than the VAE. A likelihood rewards "
        "pictures that are easy to draw, and a class can be easy to draw without ever having been seen "
        "(Nalisnick et al. 2019); the benchmark in benchmarks/anomaly_quality.py shows this for several "
        "Fashion-MNIST classes.",
        "这里简单的 PCA 基线比 VAE 更能区分被留出的类别。似然会偏爱容易画出的图片，而一个类别可能从未见过却依然容易"
        "画出（Nalisnick 等，2019）；benchmarks/anomaly_quality.py 的基准测试显示，Fashion-MNIST 的好几个类别都是如此。"),
    "anom_auroc_ours": ("AUROC, VAE", "AUROC，VAE"),
    "anom_auroc_pca": ("AUROC, PCA baseline", "AUROC，PCA 基线"),
    "anom_gallery_header": ("The most and least anomalous pictures", "最异常与最不异常的图片"),
    "anom_gallery_help": ("Captions give the class, whether the picture is an anomaly (held out or from another "
                          "dataset), and the score.",
                          "说明文字给出类别、图片是否为异常（被留出，或来自另一个数据集）以及分数。"),
    "anom_most": ("Most anomalous", "最异常"),
    "anom_least": ("Least anomalous", "最不异常"),
    "anom_caption": ("{name} · {score:.1f}", "{name} · {score:.1f}"),
    "anom_caption_heldout": ("{name} (held out) · {score:.1f}", "{name}（留出）· {score:.1f}"),
    "anom_score_axis": ("{score} (nats per picture)", "{score}（奈特/图像）"),
    "anom_download_csv": ("Download scores (CSV)", "下载分数（CSV）"),
    "anom_score_error": ("These scores cannot be drawn: {message}", "无法绘制这些分数：{message}"),
}
