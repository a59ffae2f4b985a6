"""Strings of the latent map page."""

STRINGS = {
    "map_title": ("Latent map", "潜空间地图"),
    "map_intro": (
        "Each dot is one test picture, placed by its latent code: the handful of numbers the encoder turns it into. "
        "The codes have more than two numbers, so PCA or t-SNE flattens them onto the page; pictures the model "
        "finds similar land close together. Click a dot to see its picture and what the model draws back from it.",
        "每个点是一张测试图片，位置由它的潜变量编码决定，也就是编码器把图片变成的那几个数字。"
        "编码通常不止两个数字，所以用 PCA 或 t-SNE 把它们压平到屏幕上；模型认为相似的图片会落在一起。"
        "点击一个点，可以看到它的图片以及模型根据编码画回的结果。"),
    "map_encoding": ("Encoding {n} test pictures…", "正在编码 {n} 张测试图片……"),
    "map_vq_note": (
        "This VQ-VAE encodes each picture as a grid of codebook vectors; the map uses that grid flattened "
        "({dims} numbers per picture).",
        "这个 VQ-VAE 把每张图片编码成一格格码本向量；地图使用展平后的网格（每张图片 {dims} 个数字）。"),
    "map_method": ("Flatten with", "降维方法"),
    "map_method_pca": ("PCA", "PCA"),
    "map_method_tsne": ("t-SNE", "t-SNE"),
    "map_method_help": (
        "PCA keeps the two directions along which the codes vary most: fast, and distances stay honest. "
        "t-SNE keeps neighbours together and pulls groups apart: clearer clusters, but distances between "
        "clusters mean little.",
        "PCA 保留编码变化最大的两个方向：速度快，距离比较真实。"
        "t-SNE 让邻近的点保持在一起、把不同的群分开：聚类更清楚，但群与群之间的距离意义不大。"),
    "map_points": ("Number of test pictures", "测试图片数量"),
    "map_points_help": ("More dots show more of the data; t-SNE of many dots takes longer the first time.",
                        "点越多，展示的数据越多；点多时 t-SNE 第一次计算会更慢。"),
    "map_colour": ("Colour by", "着色依据"),
    "map_direct_2d": (
        "This model's code has only two numbers, so the map shows them directly: no flattening needed.",
        "这个模型的编码只有两个数字，所以地图直接显示它们，无需降维。"),
    "map_axis_pca": ("PC", "主成分"),
    "map_axis_tsne": ("t-SNE", "t-SNE"),
    "map_computing_pca": ("PCA of {n} codes…", "正在对 {n} 个编码做 PCA……"),
    "map_computing_tsne": ("t-SNE of {n} points takes ~{seconds} s the first time; after that it is instant.",
                           "对 {n} 个点做 t-SNE 第一次大约需要 {seconds} 秒，之后会立即显示。"),
    "map_test_image": ("test picture", "测试图片"),
    "map_picked": ("picked", "已选中"),
    "map_chart_alt": ("Scatter plot of the test pictures' latent codes in two dimensions, coloured by class.",
                      "测试图片潜变量编码的二维散点图，按类别着色。"),
    "map_click_hint": ("Click a dot on the map to see its picture, the model's reconstruction and its code.",
                       "点击地图上的一个点，查看它的图片、模型的重建以及它的编码。"),
    "map_picked_title": ("Test picture #{index}", "测试图片 #{index}"),
    "map_position": ("**Map position** ({axis}): ({x}, {y})", "**地图位置**（{axis}）：（{x}，{y}）"),
    "map_code_values": ("**Latent code** (first {shown} of {total} numbers, posterior means):",
                        "**潜变量编码**（{total} 个数字中的前 {shown} 个，后验均值）："),
    "map_code_values_vq": ("**Quantized code** (first {shown} of {total} numbers):",
                           "**量化编码**（{total} 个数字中的前 {shown} 个）："),
    "map_codes": ("test codes", "测试编码"),
    "map_manifold_title": ("The decoded manifold", "解码流形"),
    "map_manifold_intro": (
        "This model's code has just two numbers, z0 and z1, so we can draw the whole latent plane: each tile is "
        "the picture the decoder draws at that point of a grid. The dots are test pictures placed by their codes; "
        "notice how the drawn pictures change smoothly from one region to the next.",
        "这个模型的编码只有 z0 和 z1 两个数字，所以可以画出整个潜平面：每个小格是解码器在网格上该点画出的图片。"
        "圆点是按编码放置的测试图片；注意画出的图片如何从一个区域平滑地过渡到另一个区域。"),
    "map_pad_tab": ("Move the pointer over the plane", "在平面上移动指针"),
    "map_grid_tab": ("Decoded grid", "解码网格"),
    "map_pad_help": (
        "Your browser decodes the code under the pointer as it moves: the picture on the right is what the model "
        "draws there. Behind the dots is the decoded grid below; the red circles are 1 and 2 prior standard "
        "deviations. Click to keep a point and download its picture.",
        "指针移动时，浏览器会解码指针所在处的编码：右边的图片就是模型在那里画出的样子。点的背后是下面的解码网格；"
        "红色圆圈是先验的 1 倍和 2 倍标准差。点击可以固定一个点，并下载它的图片。"),
    "map_pad_hint": ("Hover to look, click or drag to keep; arrow keys move the point.",
                     "悬停查看，点击或拖动来固定；方向键也能移动这个点。"),
    "map_pad_caption": ("The picture at the pointer, decoded in your browser", "指针处的图片，在浏览器中解码"),
    "map_pad_download": ("Download the picture at ({x}, {y})", "下载（{x}，{y}）处的图片"),
    "map_manifold_steps": ("Grid size", "网格大小"),
    "map_manifold_span": ("Range (±)", "范围（±）"),
    "map_manifold_span_help": (
        "How far from the centre the grid reaches, in standard deviations of the prior: 3 covers almost all of it.",
        "网格离中心有多远，以先验的标准差为单位：3 几乎覆盖全部。"),
    "map_manifold_points": ("Show test pictures", "显示测试图片"),
    "map_manifold_class": ("Decode as class", "按类别解码"),
    "map_manifold_alt": ("A grid of decoded pictures over the two latent numbers, with test codes on top.",
                         "在两个潜变量上解码出的图片网格，上面叠加了测试编码。"),
    "map_prior_title": ("Codes against the prior", "编码与先验的对比"),
    "map_prior_vq": (
        "A VQ-VAE has no bell-curve prior to compare with (its codes come from a codebook), so this part applies "
        "only to Gaussian models.",
        "VQ-VAE 没有钟形先验可供比较（它的编码来自码本），所以这一部分只适用于高斯模型。"),
    "map_prior_intro": (
        "New pictures are made by drawing codes from the prior, a bell curve N(0, 1) in every number. That only "
        "works where the encoded test pictures actually fill the bell curve: a **gap** (a region the prior often "
        "draws from but no picture is encoded to) is a *hole*, and codes drawn there decode to nonsense. "
        "The histograms show the most-used numbers of the code; the red curve is the prior.",
        "生成新图片时，从先验（每个数字都服从钟形分布 N(0, 1)）中抽取编码。只有当测试图片的编码真正填满这个钟形时才行得通："
        "**空缺**（先验经常抽到、却没有图片被编码到的区域）就是一个*空洞*，从那里抽到的编码会解码成无意义的图像。"
        "直方图展示编码中用得最多的几个数字；红色曲线是先验。"),
    "map_prior_values": ("Show", "显示"),
    "map_prior_values_mu": ("codes (posterior means μ)", "编码（后验均值 μ）"),
    "map_prior_values_sample": ("noisy codes z ~ q(z|x)", "带噪声的编码 z ~ q(z|x)"),
    "map_prior_values_help": (
        "The encoder gives each picture a small cloud, not a point: a mean μ and a spread σ. Drawing one noisy "
        "code per picture samples the aggregate posterior, which training pulls towards the prior; the means alone "
        "are usually narrower.",
        "编码器给每张图片的是一小团云而不是一个点：均值 μ 和离散程度 σ。每张图片抽一个带噪声的编码，"
        "就是在对聚合后验采样，训练会把它拉向先验；只看均值时通常更窄。"),
    "map_prior_curve": ("prior N(0, 1)", "先验 N(0, 1)"),
    "map_prior_hist_caption": (
        "The {shown} most active of {total} numbers, ordered by how much information they carry (KL, in nats).",
        "{total} 个数字中最活跃的 {shown} 个，按携带的信息量（KL，单位奈特）排序。"),
    "map_prior_collapsed": (
        "{count} of the {total} numbers carry almost no information (KL ≈ 0): every picture's mean sits at 0, "
        "a tall spike cut off at the top, and the decoder ignores them.",
        "{total} 个数字中有 {count} 个几乎不携带信息（KL ≈ 0）：所有图片的均值都在 0 附近（顶部被截断的高尖峰），"
        "解码器会忽略它们。"),
    "map_code_number": ("number", "数字"),
    "map_code_value": ("value", "取值"),
    "map_prior_pair_title": ("Two numbers at once", "同时看两个数字"),
    "map_prior_dim_a": ("Horizontal", "横轴"),
    "map_prior_dim_b": ("Vertical", "纵轴"),
    "map_prior_inside": ("Inside the {r}σ circle", "在 {r}σ 圆内"),
    "map_prior_expected": ("prior: {share}", "先验：{share}"),
    "map_prior_pair_help": (
        "The red circles hold 39% and 86% of the prior's draws. Empty space inside them is a hole; "
        "many codes outside them means the codes have drifted from the prior.",
        "两个红色圆分别包含先验 39% 和 86% 的抽样。圆内的空白就是空洞；如果很多编码在圆外，说明编码偏离了先验。"),
}
