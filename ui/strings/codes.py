"""Strings of the discrete-codes (VQ-VAE) page."""

STRINGS = {
    "nav_codes": ("Discrete codes", "离散编码"),
    "codes_title": ("Discrete codes: what a VQ-VAE writes down", "离散编码：VQ-VAE 记下了什么"),
    "codes_intro": (
        "A **VQ-VAE** does not describe a picture with a few continuous numbers. It cuts the picture into a small "
        "grid of cells and, for each cell, writes down the number of one entry of a fixed list of learned "
        "patterns, the **codebook**. The decoder paints the picture back from that grid of numbers. Here you can "
        "read the grid, change one number and see what changes, and draw new pictures from a model of how the "
        "numbers fit together.",
        "**VQ-VAE** 不用几个连续的数来描述图片。它把图片切成一个小网格，并为每个格子记下一个编号，"
        "这个编号指向一张固定的、学出来的图案清单（**码本**）中的一项。解码器再根据这张编号网格把图片画回来。"
        "在这里你可以读出这张网格、改动其中一个编号看看哪里发生变化，还可以根据“编号如何搭配”的模型画出新图片。"),
    "codes_needs_vqvae": (
        "This page needs a VQ-VAE: a model that describes pictures with a grid of codebook numbers. The chosen "
        "model uses continuous codes instead.",
        "此页面需要 VQ-VAE，即用码本编号网格描述图片的模型。当前选择的模型使用的是连续编码。"),
    "codes_picture_header": ("A picture and its code grid", "一张图片和它的编码网格"),
    "codes_picture_help": (
        "Left: a test picture. Middle: the number the encoder chose for each cell, coloured by that number, so "
        "cells with the same code share a colour. Right: what the decoder paints from those numbers alone. "
        "**Click a cell** of the grid to pick it for editing below.",
        "左：一张测试图片。中：编码器为每个格子选的编号，按编号上色，相同编号的格子颜色相同。"
        "右：解码器只凭这些编号画出的图片。**点击网格中的一个格子**，即可在下方编辑它。"),
    "codes_grid_caption": ("Code grid ({rows}×{columns} cells, {k} codes)", "编码网格（{rows}×{columns} 个格子，{k} 个编码）"),
    "codes_row": ("Row", "行"),
    "codes_column": ("Column", "列"),
    "codes_click_hint": ("click to edit", "点击以编辑"),
    "codes_edit_header": ("Change one code", "改动一个编码"),
    "codes_edit_help": (
        "Pick a cell (click it above, or set its row and column) and give it another code. The decoder redraws "
        "the picture; the difference picture shows where it got brighter (red) or darker (blue). The black box "
        "is the cell's own area; the gray box is as far as one cell can reach through the decoder's "
        "convolutions, so nothing outside it can change.",
        "选一个格子（在上方点击它，或设置行和列），给它换一个编码。解码器会重新画出图片；差异图显示哪里变亮（红）"
        "或变暗（蓝）。黑框是这个格子自己的区域；灰框是通过解码器的卷积一个格子最远能影响到的范围，框外什么都不会变。"),
    "codes_new_code": ("New code for the cell", "格子的新编码"),
    "codes_new_code_help": ("Slide through the codes to see what each one paints in this cell.",
                            "拖动滑块，逐个查看每个编码在这个格子里画出什么。"),
    "codes_current_code": ("Cell ({row}, {column}) of this picture holds code **{code}**.",
                           "这张图片的格子（{row}，{column}）里是编码 **{code}**。"),
    "codes_same_code": ("That is the code the cell already has: pick another to see a change.",
                        "这就是格子原来的编码：换一个才能看到变化。"),
    "codes_edited_caption": ("Cell ({row}, {column}) set to code {code}", "格子（{row}，{column}）改为编码 {code}"),
    "codes_difference_caption": ("Difference: red brighter, blue darker", "差异：红色变亮，蓝色变暗"),
    "codes_strip_header": ("What does each code draw?", "每个编码画的是什么？"),
    "codes_strip_help": (
        "Every code of the codebook, decoded. *In the chosen cell* puts each code into the picked cell of the "
        "picture above; *filling the grid* gives every cell the same code, which shows the pattern a code "
        "stands for on its own. The small coloured tag is the code's number and its colour in the grid.",
        "码本中的每一个编码都解码出来。*放进所选格子*：把每个编码放进上面图片中选中的格子；"
        "*填满整个网格*：让每个格子都用同一个编码，显示这个编码单独代表的图案。左上角的彩色小标签是编码的编号，"
        "颜色与网格中的一致。"),
    "codes_strip_mode": ("Show each code", "展示每个编码"),
    "codes_strip_cell": ("in the chosen cell", "放进所选格子"),
    "codes_strip_fill": ("filling the grid", "填满整个网格"),
    "codes_strip_caption": ("Codes 0 to {last}, left to right, row by row", "编码 0 到 {last}，从左到右，逐行排列"),
    "codes_usage_header": ("Codebook usage", "码本使用情况"),
    "codes_usage_help": (
        "How often each code is picked over all cells of the test set. A healthy codebook spreads its use; "
        "**dead codes** are never picked and waste capacity. The **perplexity** is the number of equally used "
        "codes that would be just as unpredictable: close to the codebook size means every code earns its place.",
        "测试集所有格子中每个编码被选中的频率。健康的码本会分散使用；**死编码**从未被选中，白白浪费容量。"
        "**困惑度**表示“同样难以预测的、被平均使用的编码个数”：接近码本大小说明每个编码都有用。"),
    "codes_perplexity": ("Perplexity", "困惑度"),
    "codes_perplexity_help": ("exp(entropy of the code frequencies); at most the codebook size {k}",
                              "exp（编码频率的熵）；最大为码本大小 {k}"),
    "codes_used": ("Codes used", "被使用的编码"),
    "codes_dead": ("Dead codes", "死编码"),
    "codes_dead_list": ("Never used on the test set: {codes}", "在测试集上从未使用：{codes}"),
    "codes_no_dead": ("Every code is used at least once on the test set.", "每个编码在测试集上都至少被使用一次。"),
    "codes_usage_x": ("Code", "编码"),
    "codes_usage_y": ("Share of cells (%)", "格子占比（%）"),
    "codes_usage_even": ("even use", "平均使用"),
    "codes_usage_hover": ("code %{x}: %{y:.2f}% of cells (%{customdata})", "编码 %{x}：%{y:.2f}% 的格子（%{customdata}）"),
    "codes_gen_header": ("New pictures: VQ-VAE samples beside a VAE's", "生成新图片：VQ-VAE 与 VAE 的样本对比"),
    "codes_gen_help": (
        "To draw a new picture, a VQ-VAE needs a new grid of codes. The **learned prior** is a small network "
        "trained on the code grids of the training pictures; it picks the codes cell by cell, each one given the "
        "cells above and to the left, so the codes fit together. The **unigram prior** picks every cell on its "
        "own by how often the code is used, which gives patchwork. Beside them: a Gaussian VAE trained on the "
        "same data. The temperature sharpens (low) or flattens (high) every choice.",
        "要画一张新图片，VQ-VAE 需要一张新的编码网格。**学到的先验**是一个在训练图片的编码网格上训练的小网络；"
        "它逐个格子地选编码，每次都参考上方和左侧已选的格子，让编码彼此搭配。**一元先验**则按每个编码的使用频率"
        "独立地为每个格子选编码，结果像拼凑的补丁。旁边是在同一数据上训练的高斯 VAE。温度低时每次选择更保守，高时更随意。"),
    "codes_temperature": ("Temperature", "温度"),
    "codes_temperature_help": (
        "Divides the prior's log-probabilities (VAE: scales z); 1 samples the model as trained.",
        "用来除先验的对数概率（VAE：缩放 z）；1 表示按训练得到的模型采样。"),
    "codes_new_samples": ("New samples", "换一批样本"),
    "codes_learned_caption": ("VQ-VAE, learned prior", "VQ-VAE，学到的先验"),
    "codes_unigram_caption": ("VQ-VAE, unigram prior (codes drawn independently)", "VQ-VAE，一元先验（编码独立抽取）"),
    "codes_vae_caption": ("Gaussian VAE {name} on the same data", "同一数据上的高斯 VAE {name}"),
    "codes_no_vae": ("No plain VAE trained on {dataset} is available to compare with.",
                     "没有在 {dataset} 上训练的普通 VAE 可供对比。"),
    "codes_no_prior": (
        "This VQ-VAE has no learned prior yet. Train one (a minute or two on a CPU) with:",
        "这个 VQ-VAE 还没有学到的先验。可以用下面的命令训练一个（在 CPU 上一两分钟）："),
    "codes_prior_problem": ("The learned prior cannot be used: {message}", "无法使用学到的先验：{message}"),
    "codes_prior_nll": (
        "Held-out fit on {grids} test grids: learned prior {nll:.1f} nats per grid ({bits:.2f} bits per cell), "
        "unigram prior {unigram:.1f} nats per grid ({unigram_bits:.2f} bits per cell). Lower is better.",
        "在 {grids} 个测试网格上的拟合：学到的先验每个网格 {nll:.1f} 奈特（每格 {bits:.2f} 比特），"
        "一元先验每个网格 {unigram:.1f} 奈特（每格 {unigram_bits:.2f} 比特）。越低越好。"),
    "codes_why_blurry": (
        "**Why are the VAE's samples blurrier?** A VAE's code z leaves some details undecided (exactly where a "
        "stroke runs, how a fold falls), and its Gaussian or Bernoulli decoder is trained to paint the *average* "
        "of every picture that z could stand for, so uncertain details come out as gray smears. A VQ-VAE's "
        "decoder only ever sees exact codes and paints sharp patches for them; the prior then decides how those "
        "patches fit together. Its mistakes look like wrong or misplaced strokes rather than blur.",
        "**为什么 VAE 的样本更模糊？** VAE 的编码 z 没有确定所有细节（笔画到底落在哪里、褶皱怎样垂下），"
        "而它的高斯或伯努利解码器被训练去画出 z 可能代表的所有图片的*平均*，于是不确定的细节就成了灰色的涂抹。"
        "VQ-VAE 的解码器只接触确切的编码，为它们画出清晰的小块；再由先验决定这些小块如何拼在一起。"
        "因此它的错误看起来是画错或放错位置的笔画，而不是模糊。"),
}
