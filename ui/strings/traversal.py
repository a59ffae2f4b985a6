"""Strings of the latent traversal page."""

STRINGS = {
    "traversal_title": ("Latent traversal: one number at a time", "潜变量遍历：一次只动一个数字"),
    "traversal_intro": (
        "Every picture this model draws comes from a short list of numbers, its *latent code* z. "
        "A traversal moves one of those numbers while holding all the others still, so you can see what that "
        "one number controls. In a well *disentangled* model (a β-VAE with a larger β, for example) each number "
        "tends to control one thing you could name, such as size, rotation or position.",
        "模型画出的每张图片都来自一串简短的数字，也就是它的*潜变量* z。"
        "遍历就是只移动其中一个数字、保持其余数字不变，从而看出这个数字控制着什么。"
        "在*解耦*得好的模型中（例如 β 较大的 β-VAE），每个数字往往只控制一种说得出名字的特征，比如大小、旋转或位置。"),
    "traversal_not_gaussian": (
        "Latent traversal needs a code made of a few continuous numbers. A VQ-VAE's code is a grid of "
        "discrete codebook entries instead, so there is no single number to slide. Pick a VAE to use this page.",
        "潜变量遍历需要由几个连续数字组成的编码。VQ-VAE 的编码是一格格离散的码本条目，没有可以单独滑动的数字。"
        "请选择一个 VAE 来使用本页。"),
    "traversal_stats_missing": (
        "Without the test images the dimensions stay in their own order and are not sorted by how much they are used.",
        "没有测试图片，各维度只能按原始顺序排列，无法按使用程度排序。"),
    # Start point
    "traversal_start": ("Start from", "起点"),
    "traversal_start_prior": ("Prior mean (all zeros)", "先验均值（全为 0）"),
    "traversal_start_image": ("A test image", "一张测试图片"),
    "traversal_start_help": (
        "The code the sliders start from: the centre of the prior, or the code the encoder gives a test picture.",
        "滑块的起始编码：先验的中心，或者编码器为某张测试图片给出的编码。"),
    "traversal_start_caption": ("The start image", "起始图片"),
    "traversal_condition": ("Draw as class", "按此类别绘制"),
    "traversal_condition_help": (
        "A conditional VAE is told the class it should draw; the latent numbers then only hold the style.",
        "条件 VAE 会被告知要画哪个类别，潜变量只负责风格。"),
    "traversal_own_class": ("The image's own class", "图片本身的类别"),
    # Sliders
    "traversal_sliders_title": ("Move the numbers", "移动这些数字"),
    "traversal_sliders_help": (
        "One slider per latent number, the most used first (by their KL, the information each one carries). "
        "Numbers marked *collapsed* carry almost none: the model ignores them, and moving them changes little.",
        "每个潜变量数字对应一个滑块，使用最多的排在前面（按 KL 排序，即每个数字携带的信息量）。"
        "标为*已坍缩*的数字几乎不携带信息：模型忽略它们，移动它们几乎没有变化。"),
    "traversal_collapsed": ("collapsed", "已坍缩"),
    "traversal_slider_help": ("KL {kl:.2f} nats averaged over test images.", "在测试图片上平均的 KL 为 {kl:.2f} 奈特。"),
    "traversal_slider_help_nokl": ("The KL of this number is unknown without test images.", "没有测试图片，无法得知此数字的 KL。"),
    "traversal_live_help": (
        "These sliders decode in your browser, so the picture follows your hand while you drag. One slider per "
        "latent number, the most used first (by their KL, the information each one carries); numbers marked "
        "*collapsed* carry almost none. The *Exact values* tab has the same numbers as server sliders.",
        "这些滑块在你的浏览器里解码，拖动时图片随手变化。每个潜变量数字对应一个滑块，使用最多的排在前面"
        "（按 KL 排序，即每个数字携带的信息量）；标为*已坍缩*的数字几乎不携带信息。"
        "“精确数值”标签页里是同样的数字，用服务器端滑块调节。"),
    "traversal_tab_live": ("Live in your browser", "浏览器实时解码"),
    "traversal_tab_exact": ("Exact values", "精确数值"),
    "traversal_live_caption": ("Decoded in your browser", "在浏览器中解码"),
    "traversal_pad_title": ("Two numbers at once", "同时移动两个数字"),
    "traversal_pad_help": (
        "Move the pointer over the plane: across is one number, up the other, and the picture shows the code "
        "under the pointer (all other numbers as the sliders hold them). Each dot is a test picture's code; "
        "the red circles are 1 and 2 prior standard deviations. Click to keep a point.",
        "在平面上移动指针：横向是一个数字，纵向是另一个，图片显示指针处的编码（其余数字保持滑块的取值）。"
        "每个点是一张测试图片的编码；红色圆圈是先验的 1 倍和 2 倍标准差。点击可以固定一个点。"),
    "traversal_pad_x": ("Across", "横向"),
    "traversal_pad_y": ("Up", "纵向"),
    "traversal_pad_hint": ("Hover to look, click or drag to keep; arrow keys move the point.",
                           "悬停查看，点击或拖动来固定；方向键也能移动这个点。"),
    "traversal_reset": ("Reset to the start point", "重置到起点"),
    "traversal_decoded": ("Decoded picture", "解码出的图片"),
    # Scrubbing
    "traversal_scrub_title": ("Scrub smoothly", "平滑拖动"),
    "traversal_scrub_help": (
        "The sliders above redraw when you let go. Here every step of one number is drawn in advance, so the "
        "picture follows the handle while you drag it, or press ▶ to play the whole sweep.",
        "上面的滑块在松开时才重画。这里预先画好了一个数字的每一步，拖动时图片随之变化，也可以按 ▶ 播放整段变化。"),
    "traversal_scrub_help_live": (
        "Every step of one number drawn in advance: press ▶ to play the whole sweep, or download it as a GIF.",
        "预先画好一个数字的每一步：按 ▶ 播放整段变化，或者下载为 GIF。"),
    "traversal_scrub_dim": ("Number to scrub", "要拖动的数字"),
    "traversal_play": ("▶ Play", "▶ 播放"),
    "traversal_pause": ("‖ Pause", "‖ 暂停"),  # ⏸ drew a box: no font on a plain Debian has it
    # Grid
    "traversal_grid_title": ("Traversal grid", "遍历网格"),
    "traversal_grid_help": (
        "Each row moves one number (most used at the top) from the start point, with all the others held; "
        "the middle column is the start point itself. Hover over a row to see which number it is.",
        "每一行从起点出发只移动一个数字（使用最多的在最上面），其余数字保持不变；中间一列就是起点本身。"
        "把鼠标移到某一行上，可以看到它对应哪个数字。"),
    "traversal_steps": ("Steps", "步数"),
    "traversal_span": ("Range (±)", "范围（±）"),
    "traversal_compare": ("Compare with", "对比模型"),
    "traversal_compare_none": ("(no comparison)", "（不对比）"),
    "traversal_compare_help": (
        "Draw the same grid for a second model, e.g. β = 1 next to β = 4, to see which one gives each number a single job.",
        "为第二个模型画出同样的网格，例如把 β = 1 与 β = 4 并排，看哪一个让每个数字只负责一件事。"),
    "traversal_compare_prior": (
        "This model reads other images, so its grid starts from its prior mean.",
        "这个模型读取的图片不同，因此它的网格从先验均值出发。"),
    "traversal_x_value": ("value of the number", "数字的取值"),
    "traversal_x_change": ("change from the start point", "相对起点的变化"),
    "traversal_hover": ("{dim} (KL {kl:.2f} nats): value {value:+.2f}", "{dim}（KL {kl:.2f} 奈特）：取值 {value:+.2f}"),
    "traversal_hover_nokl": ("{dim}: value {value:+.2f}", "{dim}：取值 {value:+.2f}"),
    # Factors
    "traversal_mi_title": ("Which factor does each number move?", "每个数字控制哪个因素？"),
    "traversal_mi_help": (
        "For these pictures we know the true factors. Each cell is the mutual information between a number and "
        "a factor, as a share of that factor's own information: 1 means the number alone pins the factor down, "
        "0 means it says nothing about it. Each number is labelled with the factor it pins down most; a collapsed "
        "number may still echo a factor faintly in the encoder, but the decoder ignores it.",
        "这些图片的真实生成因素是已知的。每个格子是一个数字与一个因素之间的互信息，表示为该因素自身信息量的比例："
        "1 表示仅凭这个数字就能确定该因素，0 表示它与该因素无关。每个数字都标上了它最能确定的因素；"
        "已坍缩的数字在编码器中可能仍微弱地反映某个因素，但解码器会忽略它。"),
    "traversal_mi_hover": ("{dim} · {factor}: {share:.2f} of its information", "{dim} · {factor}：占其信息量的 {share:.2f}"),
}
