"""Strings of the interpolation page."""

STRINGS = {
    "interp_title": ("Interpolation", "插值"),
    "interp_intro": (
        "Pick two test pictures. Their codes are two points in latent space; we walk from one to the other in "
        "small steps and decode every step. If the model learned a smooth space, the pictures in between are "
        "plausible too: one picture gradually turns into the other, instead of the two simply being overlaid.",
        "选择两张测试图片。它们的编码是潜空间中的两个点；我们从一个点小步走向另一个点，并把每一步解码出来。"
        "如果模型学到的空间是平滑的，中间的图片也会很合理：一张图片逐渐变成另一张，而不是两张简单地叠在一起。"),
    "interp_encoding": ("Encoding the test pictures…", "正在编码测试图片……"),
    "interp_pair_title": ("Two pictures", "两张图片"),
    "interp_a": ("Start (A)", "起点（A）"),
    "interp_b": ("End (B)", "终点（B）"),
    "interp_random_pair": ("Random pair", "随机一对"),
    "interp_steps": ("Steps", "步数"),
    "interp_steps_help": ("How many pictures each strip shows, both ends included.",
                          "每条图带显示多少张图片（含两端）。"),
    "interp_strips_title": ("From A to B", "从 A 到 B"),
    "interp_decode_class": ("Decode as class", "按类别解码"),
    "interp_decode_class_help": (
        "A conditional VAE is told the class separately: the code only holds the style (slant, thickness), "
        "so the whole walk is drawn as this class.",
        "条件 VAE 的类别是单独输入的：编码只包含风格（倾斜、粗细），所以整段路径都按这个类别来画。"),
    "interp_lerp_title": ("Straight line in latent space (lerp)", "潜空间中的直线（线性插值 lerp）"),
    "interp_lerp_caption": (
        "{ends}: codes on the straight line between the two codes, decoded. The ends are the model's own "
        "reconstructions of A and B.",
        "{ends}：两个编码之间直线上的编码，逐个解码。两端是模型对 A 和 B 自己的重建。"),
    "interp_lerp_caption_cvae": (
        "{ends}: codes on the straight line between the two codes, all decoded as class '{name}': only the style "
        "(slant, thickness) changes along the way.",
        "{ends}：两个编码之间直线上的编码，全部按类别“{name}”解码：一路上只有风格（倾斜、粗细）在变化。"),
    "interp_slerp_title": ("Great circle in latent space (slerp)", "潜空间中的大圆弧（球面插值 slerp）"),
    "interp_slerp_caption": (
        "{ends}: codes along the arc between the two codes, which keeps their length (see below why that can help).",
        "{ends}：沿两个编码之间的圆弧取编码，保持编码的长度（下面解释为什么这可能有帮助）。"),
    "interp_blend_title": ("Cross-fade in pixel space, for contrast", "像素空间的淡入淡出（作为对比）"),
    "interp_blend_caption": (
        "{ends}: the two pictures simply mixed pixel by pixel: a double exposure, not a change of shape. "
        "Compare with the strips above.",
        "{ends}：两张图片逐像素直接混合：只是重影，而不是形状的变化。请与上面的图带比较。"),
    "interp_vq_note": (
        "This is a VQ-VAE: its codes are codebook vectors, so points between two codes are not in the codebook. "
        "They still decode, but roughly; spherical interpolation is skipped (it assumes a bell-curve prior). "
        "For smooth walks pick a Gaussian model (VAE, β-VAE, β-TCVAE).",
        "这是一个 VQ-VAE：它的编码是码本向量，两个编码之间的点并不在码本中。它们仍能解码，但比较粗糙；"
        "这里跳过球面插值（它假设钟形先验）。想要平滑的插值，请选择高斯模型（VAE、β-VAE、β-TCVAE）。"),
    "interp_snap_title": ("Straight line, snapped to the codebook", "直线插值，并对齐到码本"),
    "interp_snap_caption": (
        "{ends}: every step replaced by its nearest codebook vectors, as the model itself would encode it: "
        "the picture changes in jumps, cell by cell.",
        "{ends}：每一步都换成最近的码本向量，就像模型自己编码时那样：图片一格一格地跳变。"),
    "interp_norm_title": ("Why a spherical path?", "为什么用球面路径？"),
    "interp_norm_intro": (
        "In many dimensions almost every draw from the prior N(0, I) has about the same length, close to √D. "
        "A straight line between two codes cuts through the middle, where codes are shorter than the model is "
        "used to; slerp keeps the length, so it stays where the prior puts its mass.",
        "在高维空间中，从先验 N(0, I) 抽取的几乎所有编码长度都差不多，接近 √D。"
        "两个编码之间的直线会穿过中间，那里的编码比模型习惯的更短；slerp 保持长度，因此停留在先验概率集中的地方。"),
    "interp_norm_lerp": ("straight line", "直线"),
    "interp_norm_slerp": ("great circle", "大圆弧"),
    "interp_norm_prior": ("prior draws ≈ √D = {value}", "先验抽样 ≈ √D = {value}"),
    "interp_norm_codes": ("median test code = {value}", "测试编码中位数 = {value}"),
    "interp_arith_title": ("Latent arithmetic", "潜空间算术"),
    "interp_arith_intro": (
        "Average the codes of all test pictures of a class and you get that class's 'typical' code. Adding "
        "(typical target − typical source) to one picture's code moves it towards the target class while "
        "keeping what is particular to it, such as slant or thickness.",
        "把某一类所有测试图片的编码取平均，就得到这一类的“典型”编码。给一张图片的编码加上"
        "（目标类典型编码 − 原类典型编码），就能把它移向目标类，同时保留它自己的特点，比如倾斜和粗细。"),
    "interp_arith_cvae_intro": (
        "A conditional VAE is given the class as a separate input, so there is no class to add or subtract in "
        "its code: keep the picture's code (its style) and change the label instead.",
        "条件 VAE 把类别作为单独的输入，所以编码里没有可以加减的类别：保留图片的编码（它的风格），改变标签即可。"),
    "interp_arith_no_labels": (
        "Latent arithmetic needs class labels to average over, and this model's data has none.",
        "潜空间算术需要类别标签来求平均，而这个模型的数据没有标签。"),
    "interp_arith_source": ("From class", "原类别"),
    "interp_arith_target": ("To class", "目标类别"),
    "interp_arith_mean": ("average '{name}'", "“{name}”的平均"),
    "interp_arith_strip_title": ("'{source}' → '{target}'", "“{source}” → “{target}”"),
    "interp_arith_caption": (
        "Test picture #{index}: its code plus t·(average '{target}' − average '{source}'), t from 0 (left, its "
        "reconstruction) to 1 (right).",
        "测试图片 #{index}：它的编码加上 t·（“{target}”的平均 − “{source}”的平均），t 从 0（左，即它的重建）到 1（右）。"),
    "interp_arith_cvae_title": ("One style, every class", "同一种风格，所有类别"),
    "interp_arith_cvae_caption": ("Test picture #{index}'s code decoded with each class label in turn.",
                                  "测试图片 #{index} 的编码依次配上每个类别标签解码。"),
    "interp_arith_vq_note": (
        "VQ-VAE: averages of codebook vectors are not in the codebook, so this path decodes only roughly.",
        "VQ-VAE：码本向量的平均值并不在码本中，所以这条路径只能粗略地解码。"),
    "interp_live_title": ("Drag between the two pictures", "在两张图片之间拖动"),
    "interp_live_help": (
        "Your browser decodes the code at t as you drag: t = 0 is the left picture's code, t = 1 the right one's, "
        "along the straight line and along the arc.",
        "拖动时浏览器会解码 t 处的编码：t = 0 是左边图片的编码，t = 1 是右边图片的编码，分别沿直线和圆弧。"),
    "interp_live_t": ("t, from the left picture's code to the right one's", "t：从左图的编码到右图的编码"),
    "interp_live_lerp": ("Straight line (lerp)", "直线（lerp）"),
    "interp_live_slerp": ("Arc (slerp)", "圆弧（slerp）"),
    "interp_live_t_mark": ("live t", "实时 t"),
}
