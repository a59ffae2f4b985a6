"""Strings of the denoise-and-complete page."""

STRINGS = {
    "nav_restore": ("Denoise & complete", "去噪与补全"),
    "restore_title": ("Denoise and complete a picture", "图片去噪与补全"),
    "restore_intro": (
        "Spoil a picture with noise or hide part of it, then ask the model to repair it. The model has only ever "
        "learned to draw pictures that look like its training data, so the nearest picture it can draw is often "
        "a cleaner one. A simple classic method repairs the same picture beside it, so you can judge fairly.",
        "给图片加上噪声或遮住一部分，再让模型修复它。模型只学会了画出和训练数据相似的图片，"
        "所以它能画出的最接近的图片往往更干净。旁边用一种简单的经典方法修复同一张图片，方便公平比较。"),
    "restore_input_header": ("1. Choose a picture", "1. 选择图片"),
    "restore_source": ("Picture", "图片来源"),
    "restore_source_test": ("From the test set", "测试集中的图片"),
    "restore_source_upload": ("Upload your own", "上传自己的图片"),
    "restore_upload": ("A PNG or JPEG picture (up to {mb} MB)", "PNG 或 JPEG 图片（不超过 {mb} MB）"),
    "restore_upload_help": (
        "It is padded to a square with its border colour, shrunk to {width}×{height} pixels and its contrast "
        "stretched, because the model only reads pictures of that size.",
        "图片会先用其边缘颜色补成正方形，再缩小到 {width}×{height} 像素并拉伸对比度，因为模型只能读取这个尺寸的图片。"),
    "restore_upload_prompt": ("Upload a picture to repair it.", "请上传一张图片来修复。"),
    "restore_invert": ("Invert (dark drawing on a light background)", "反色（浅色背景上的深色图）"),
    "restore_invert_help": (
        "The training pictures are light drawings on black. This box starts ticked when your picture's border "
        "is bright.",
        "训练图片都是黑底上的浅色图。如果你的图片边缘是亮的，这个选项会自动勾选。"),
    "restore_upload_class": ("Which class is it?", "它属于哪个类别？"),
    "restore_upload_class_help": (
        "A conditional VAE draws a picture of a class it is told, so it needs the class of your picture.",
        "条件 VAE 按给定的类别作画，所以需要知道你的图片属于哪个类别。"),
    "restore_bad_empty": ("This file is empty. Choose a PNG or JPEG picture.", "这个文件是空的。请选择 PNG 或 JPEG 图片。"),
    "restore_bad_too_large": ("This file is larger than {mb} MB. Choose a smaller picture.",
                              "这个文件超过 {mb} MB。请选择更小的图片。"),
    "restore_bad_bad_shape": ("This picture is a long thin strip (its sides differ more than {aspect}×). Choose a "
                              "picture closer to a square.", "这张图片是细长条（两边相差超过 {aspect} 倍）。请选择更接近正方形的图片。"),
    "restore_bad_too_many_pixels": ("This picture has more than {mp} million pixels. Choose a smaller picture.",
                                    "这张图片超过 {mp} 百万像素。请选择更小的图片。"),
    "restore_bad_too_small": ("This picture is smaller than {side}×{side} pixels: there is nothing to repair. Choose "
                              "a larger picture.", "这张图片小于 {side}×{side} 像素：没有可修复的内容。请选择更大的图片。"),
    "restore_bad_not_image": ("This file is not a PNG or JPEG picture that can be read. Choose another file.",
                              "这个文件不是可读取的 PNG 或 JPEG 图片。请选择其他文件。"),
    "restore_corrupt_header": ("2. Spoil it", "2. 破坏图片"),
    "restore_kind": ("Corruption", "破坏方式"),
    "restore_kind_noise": ("Gaussian noise", "高斯噪声"),
    "restore_kind_salt_pepper": ("Salt and pepper", "椒盐噪声"),
    "restore_kind_mask": ("Hide a region", "遮挡区域"),
    "restore_sigma": ("Noise level σ", "噪声强度 σ"),
    "restore_sigma_help": ("Pixels run from 0 (black) to 1 (white); each gets random noise of this standard "
                           "deviation, then is clipped back to 0–1.",
                           "像素取值从 0（黑）到 1（白）；每个像素加上这个标准差的随机噪声，再截回 0–1。"),
    "restore_rate": ("Share of pixels hit", "受影响像素比例"),
    "restore_rate_help": ("Each hit pixel turns black or white at random.", "每个受影响的像素随机变成黑色或白色。"),
    "restore_new_noise": ("New noise", "换一组噪声"),
    "restore_mask": ("Hidden region", "遮挡区域"),
    "restore_mask_rectangle": ("Rectangle", "矩形"),
    "restore_mask_random": ("Random block", "随机方块"),
    "restore_mask_top": ("Top half", "上半部分"),
    "restore_mask_bottom": ("Bottom half", "下半部分"),
    "restore_mask_left": ("Left half", "左半部分"),
    "restore_mask_right": ("Right half", "右半部分"),
    "restore_rows": ("Hidden rows", "遮挡的行"),
    "restore_cols": ("Hidden columns", "遮挡的列"),
    "restore_block": ("Block size (share of the side)", "方块大小（占边长的比例）"),
    "restore_new_block": ("New block", "换一个方块"),
    "restore_iterations": ("Completion rounds", "补全轮数"),
    "restore_iterations_help": (
        "Each round encodes and decodes the current picture, keeps the pixels you did not hide and takes only "
        "the hidden ones from the model's drawing.",
        "每一轮都对当前图片编码再解码，保留没被遮挡的像素，只用模型画出的结果填充被遮挡的像素。"),
    "restore_working": ("Repairing…", "正在修复…"),
    "restore_result_header": ("3. Repaired", "3. 修复结果"),
    "restore_clean": ("Clean picture", "原始图片"),
    "restore_corrupted": ("Spoiled", "被破坏的图片"),
    "restore_corrupted_masked": ("Spoiled (orange: hidden)", "被破坏的图片（橙色：被遮挡）"),
    "restore_masked_note": ("Both completions start the hidden pixels at the average training picture.",
                            "两种补全都从训练图片的平均值开始填充被遮挡的像素。"),
    "restore_method_model": ("Model: one reconstruction", "模型：一次重建"),
    "restore_method_completion": ("Model: completion, {n} rounds", "模型：补全 {n} 轮"),
    "restore_method_search": ("Model: code search", "模型：编码搜索"),
    "restore_method_pca": ("Baseline: PCA, {k} components", "基线：PCA，{k} 个主成分"),
    "restore_method_pca_completion": ("Baseline: PCA completion, {n} rounds", "基线：PCA 补全 {n} 轮"),
    "restore_method_median": ("Baseline: median filter 3×3", "基线：3×3 中值滤波"),
    "restore_psnr": ("PSNR {value:.1f} dB", "PSNR {value:.1f} dB"),
    "restore_ssim": ("SSIM {value:.2f}", "SSIM {value:.2f}"),
    "restore_best": ("best", "最佳"),
    "restore_scores_help": (
        "PSNR compares each picture with the clean one: higher is closer (every 6 dB halves the typical pixel "
        "error). {ssim}",
        "PSNR 衡量每张图片与原始图片的接近程度：越高越接近（每高 6 dB，典型像素误差减半）。{ssim}"),
    "restore_ssim_note": ("SSIM (1 = identical structure) is shown too.", "同时显示 SSIM（1 表示结构完全相同）。"),
    "restore_no_ssim_note": (
        "SSIM is not shown: its standard 11×11 window does not fit in these {width}×{height} pictures.",
        "这里不显示 SSIM：它的标准 11×11 窗口放不进 {width}×{height} 的图片。"),
    "restore_strip_header": ("Completion, round by round", "逐轮补全过程"),
    "restore_strip_caption": ("Top: the model; bottom: PCA. Rounds {rounds}.",
                              "上：模型；下：PCA。轮次 {rounds}。"),
    "restore_curve_title": ("PSNR after each round", "每一轮后的 PSNR"),
    "restore_curve_round": ("round", "轮次"),
    "restore_curve_model": ("model", "模型"),
    "restore_curve_pca": ("PCA", "PCA"),
    "restore_how_header": ("Why can a VAE repair pictures?", "为什么 VAE 能修复图片？"),
    "restore_how": (
        "The encoder squeezes a picture into a few numbers (the code) and the decoder draws a picture from "
        "them. Because it was trained only on real pictures, the decoder can only draw pictures that look like "
        "them: noise has no place in the code, so it is dropped, and what comes back is the nearest picture the "
        "model knows how to draw. For a hidden region, one reconstruction also redraws the visible pixels, so "
        "completion repeats it: keep the visible pixels, take the hidden ones from the drawing, encode again, "
        "and so on; the guess and the visible part grow consistent round by round.\n\n"
        "**Code search** skips the encoder, which never saw a noisy or half-hidden picture during training. It "
        "adjusts the code itself, step by step, until the drawing matches the visible pixels as closely as the "
        "noise allows while the code stays a likely one. (A VQ-VAE's code is a grid of codebook choices, not "
        "numbers to adjust, so it has no code search.)\n\n"
        "The baselines do the same without any learning of shapes. **PCA** keeps only the {k} main directions "
        "of variation of the training pictures (as many numbers as the model's code) and rebuilds the picture "
        "from them; PCA completion repeats this like the model does. The **median filter** replaces each pixel "
        "by the middle value of its 3×3 neighbourhood, which removes isolated specks. When a baseline scores "
        "higher, the model is not the better repairer for this picture by that measure. Mind one bias of PSNR: it "
        "rewards playing safe, so a blurry average guess often beats a sharp, plausible guess that is slightly "
        "off. Look at the pictures as well as the numbers.",
        "编码器把图片压缩成几个数字（编码），解码器再根据这些数字画出图片。由于只用真实图片训练过，"
        "解码器只会画和它们相似的图片：噪声在编码里没有位置，因而被丢掉，画出来的是模型会画的最接近的图片。"
        "对于被遮挡的区域，一次重建也会重画可见像素，所以补全会重复这一过程：保留可见像素，从画出的结果中取被遮挡的像素，"
        "再次编码，如此反复；猜测的部分与可见部分一轮比一轮更协调。\n\n"
        "**编码搜索**绕过编码器（它在训练中从没见过带噪声或被遮挡的图片），直接一步步调整编码本身，"
        "让画出的图片在噪声允许的范围内尽量贴合可见像素，同时让编码保持常见。"
        "（VQ-VAE 的编码是一格格码本选择，而不是可调的数字，所以没有编码搜索。）\n\n"
        "基线方法做同样的事，但没有学过任何形状。**PCA** 只保留训练图片中 {k} 个主要变化方向（与模型编码的数字个数相同），"
        "并用它们重建图片；PCA 补全也像模型一样反复进行。**中值滤波**把每个像素替换为其 3×3 邻域的中位数，"
        "可以去掉零散的噪点。如果基线得分更高，说明按这个指标，模型对这张图片并不是更好的修复者。"
        "注意 PSNR 的一个偏向：它奖励稳妥，模糊的平均猜测常常比清晰、合理但略有偏差的猜测得分更高。请既看数字，也看图片。"),
    "restore_download_row": ("Download the row (PNG)", "下载这一行（PNG）"),
}
