"""Strings of the home page."""

STRINGS = {
    "home_title": ("What does a VAE learn?", "VAE 学到了什么？"),
    "home_intro": (
        "A **variational autoencoder** squeezes each picture into a handful of numbers, its *latent code* z, "
        "and learns to draw the picture back from them. Because it is trained to keep those codes close to a "
        "simple bell curve, any code drawn from that curve decodes to a new, plausible picture. "
        "Pick a model on the left and explore what its numbers mean.",
        "**变分自编码器**（VAE）把每张图片压缩成几个数字，也就是它的*潜变量* z，再学习用这些数字把图片画回来。"
        "由于训练时要求这些编码接近一个简单的钟形分布，从这个分布中随便抽一个编码，也能解码出一张新的、合理的图片。"
        "在左侧选择一个模型，探索这些数字的含义。"),
    "home_objective": (
        "It is trained to maximize the objective below: draw the picture back well (first term), while keeping "
        "the code's distribution near the prior N(0, I) (second term). β sets how hard that second pull is: "
        "β = 1 is the classic VAE, a larger β gives smoother, often more *disentangled* codes.",
        "训练目标如下：第一项要求把图片画得准确，第二项要求编码的分布接近先验 N(0, I)。"
        "β 决定第二项的力度：β = 1 是经典 VAE，更大的 β 让编码更平滑，往往也更*解耦*。"),
    "home_samples": ("Random samples", "随机样本"),
    "home_samples_help": (
        "Codes drawn at random from the prior and decoded: pictures that were never in the data.",
        "从先验中随机抽取编码并解码：这些图片从未出现在数据中。"),
    "home_new_samples": ("New samples", "换一批样本"),
    "home_recons": ("Reconstructions", "重建"),
    "home_recons_help": (
        "Test pictures the model never trained on (top of each pair) and what it draws back from their codes (below).",
        "模型训练时没见过的测试图片（每对的上方），以及模型根据其编码画回的结果（下方）。"),
    "home_vq_note": (
        "This VQ-VAE replaces the bell curve with a codebook of discrete codes; its samples here draw each code "
        "by how often training used it.",
        "这个 VQ-VAE 用离散码本代替了钟形分布；这里的样本按训练中各个码的使用频率抽取。"),
    "home_vq_note_prior": (
        "This VQ-VAE replaces the bell curve with a codebook of discrete codes; its samples here come from a "
        "learned prior that picks each cell's code after the ones above and to its left (see *Discrete codes*).",
        "这个 VQ-VAE 用离散码本代替了钟形分布；这里的样本来自一个学到的先验，它根据上方和左侧已选的码逐格选择编码"
        "（见“离散编码”页面）。"),
    "home_pages": (
        "**Where to go next:** *Latent traversal* moves one number at a time; *Latent map* shows where every test "
        "picture lands; *Interpolation* walks from one picture to another; *Conditional sampling* draws a chosen "
        "class. *Denoise & complete* cleans and fills in damaged pictures; *Anomaly detection* flags pictures "
        "unlike anything the model saw; *Discrete codes* opens up a VQ-VAE. *Train* lets you train your own model "
        "and watch it learn.",
        "**接下来：** *潜变量遍历* 一次只改变一个数字；*潜空间地图* 显示每张测试图片落在哪里；*插值* 从一张图片走到另一张；"
        "*条件采样* 画出指定类别。*去噪与补全* 清理并补全受损的图片；*异常检测* 找出与模型见过的都不一样的图片；"
        "*离散编码* 打开 VQ-VAE 看看里面。*训练* 让你训练自己的模型并观看它学习。"),
    # the labels under the objective's two terms (KaTeX \text{}: plain words, no markup)
    "home_formula_recon": ("reconstruction", "重建"),
    "home_formula_prior": ("stay near", "靠近"),
}
