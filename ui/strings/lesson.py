"""Strings of the guided lesson: each step's title, what the teacher says, what to point at, and the
question for the students (lesson_<step>_title / _say / _point / _ask), and the lesson's frame."""

STRINGS = {
    "nav_lesson": ("Lesson", "课堂"),
    "lesson_title": ("A 45-minute lesson on variational autoencoders", "45 分钟变分自编码器课"),
    "lesson_intro": (
        "An ordered path through the app for a class: each step opens a prepared view (a link you can also "
        "share) and says what to tell the room, what to point at on the screen and one question for the "
        "students. Start it here; while it runs, every page shows the step with **Previous** and **Next**. "
        "Turn on *presenter mode* in the sidebar for a projector.",
        "按顺序走完本应用的一条课堂路线:每一步打开一个准备好的视图(也是一个可以分享的链接),并说明"
        "对全班讲什么、在屏幕上指向哪里,以及向学生提出的一个问题。从这里开始;课程进行时,每个页面都会"
        "显示当前步骤以及 **上一步** 和 **下一步**。在投影仪上请在侧边栏打开 *演示模式*。"),
    "lesson_start": ("Start the lesson", "开始上课"),
    "lesson_open_step": ("Open this step", "打开这一步"),
    "lesson_steps_header": ("The steps", "课程步骤"),
    "lesson_step_label": ("Step {n} of {total}: {title}", "第 {n} 步(共 {total} 步):{title}"),
    "lesson_say": ("Say", "讲解"),
    "lesson_point": ("Point at", "指向"),
    "lesson_ask": ("Ask", "提问"),
    "lesson_previous": ("Previous", "上一步"),
    "lesson_next": ("Next", "下一步"),
    "lesson_end": ("End the lesson", "结束课程"),
    "lesson_page": ("Page: {page} · model: {model}", "页面:{page} · 模型:{model}"),
    "lesson_link": ("Link to this view", "此视图的链接"),
    "lesson_handout": ("Download the one-page handout (HTML, print it)", "下载一页讲义(HTML,可打印)"),
    "lesson_handout_help": (
        "Every step on one printed page, in the current language, with each view's link.",
        "全部步骤印在一页纸上(当前语言),附每个视图的链接。"),
    "lesson_handout_title": ("VAE Latent Explorer · lesson handout", "VAE 潜空间探索器 · 课堂讲义"),
    "lesson_missing_model": (
        "This step uses the model {model}, which is not available here; the page opens with another model.",
        "这一步使用的模型 {model} 在这里不可用;页面会用另一个模型打开。"),

    "lesson_autoencoder_title": ("What an autoencoder does", "自编码器做什么"),
    "lesson_autoencoder_say": (
        "The encoder squeezes each 28×28 picture, 784 numbers, into 16; the decoder draws the picture back "
        "from those 16 numbers alone. Training makes the copy as close as it can.",
        "编码器把每张 28×28 的图片(784 个数)压缩成 16 个数;解码器只凭这 16 个数把图片画回来。训练让"
        "这份复制尽可能接近原图。"),
    "lesson_autoencoder_point": (
        "The reconstructions on the right: each original above its copy.",
        "右边的重建:每张原图下面是它的复制品。"),
    "lesson_autoencoder_ask": (
        "Which details does the copy lose, and why would 16 numbers lose those first?",
        "复制品丢掉了哪些细节?为什么 16 个数会先丢掉它们?"),

    "lesson_sampling_title": ("Sampling: pictures nobody drew", "采样:没人画过的图片"),
    "lesson_sampling_say": (
        "A VAE also learns where codes live: close to a standard normal distribution. Draw 16 random numbers "
        "from it, decode them, and you get new pictures that are in no dataset.",
        "VAE 还学会了编码在哪里:接近标准正态分布。从中随机抽取 16 个数再解码,就得到不在任何数据集中"
        "的新图片。"),
    "lesson_sampling_point": (
        "The samples on the left, then press New samples a few times.",
        "左边的样本,然后多按几次“换一批样本”。"),
    "lesson_sampling_ask": (
        "Are these copies of training pictures? How could we check?",
        "这些是训练图片的复制品吗?我们怎么检验?"),

    "lesson_map_title": ("The latent map", "潜空间地图"),
    "lesson_map_say": (
        "This model has only two latent numbers, so every test picture is a point on a plane, coloured by "
        "its digit. The decoder turns every point of the plane into a picture.",
        "这个模型只有两个潜变量,所以每张测试图片都是平面上的一个点,按它的数字着色。解码器能把平面上"
        "每一个点变成一张图片。"),
    "lesson_map_point": (
        "The clusters of colour, then the decoded grid where the clusters meet.",
        "各个颜色的簇,然后是簇与簇相接处解码出的网格。"),
    "lesson_map_ask": (
        "Why do 4s and 9s sit next to each other, but 0s and 1s far apart?",
        "为什么 4 和 9 挨在一起,而 0 和 1 离得很远?"),

    "lesson_interpolation_title": ("Interpolation: walking between two pictures", "插值:在两张图片之间行走"),
    "lesson_interpolation_say": (
        "Take the codes of two test pictures and walk on a line between them, decoding as we go. Below, the "
        "same walk in pixels: a plain cross-fade.",
        "取两张测试图片的编码,在它们之间沿直线行走,边走边解码。下面是在像素上走同样的路:简单的淡入淡出。"),
    "lesson_interpolation_point": (
        "Drag t slowly; then compare the latent strip with the pixel blend.",
        "慢慢拖动 t;然后比较潜空间路径与像素混合。"),
    "lesson_interpolation_ask": (
        "Why is every picture on the latent path a plausible piece of clothing, but not the pixel blend?",
        "为什么潜空间路径上的每张图都像一件真实的衣物,而像素混合却不像?"),

    "lesson_traversal_title": ("Traversal: one number at a time", "遍历:一次只动一个数"),
    "lesson_traversal_say": (
        "Here we hold a code and move one of its numbers. This β-VAE (β = 8) was pushed to use few numbers, "
        "each for one thing: some move the shape left and right, some up and down, some make it bigger.",
        "这里固定一个编码,只移动其中一个数。这个 β-VAE(β = 8)被迫只用少数几个数,每个数负责一件事:"
        "有的把图形左右移动,有的上下移动,有的把它放大。"),
    "lesson_traversal_point": (
        "Drag each slider; the label beside it says which factor it moves.",
        "拖动每个滑块;旁边的标签说明它移动的是哪个因素。"),
    "lesson_traversal_ask": (
        "Which slider does nothing at all, and what did the model give up to leave it unused?",
        "哪个滑块完全不起作用?模型放弃了什么才让它闲置?"),

    "lesson_beta_title": ("β: tidy codes against sharp pictures", "β:整齐的编码与清晰的图片"),
    "lesson_beta_say": (
        "The same network trained with β = 1, 2, 4 and 8. A larger β charges more for every bit of information "
        "in the code: the codes get tidier (higher scores) and the pictures blurrier (higher reconstruction "
        "error).",
        "同一个网络分别用 β = 1、2、4、8 训练。β 越大,编码里每一点信息的代价越高:编码越整齐(分数越高),"
        "图片越模糊(重建误差越大)。"),
    "lesson_beta_point": (
        "The traversals side by side, then the plot of the scores and the reconstruction error against β.",
        "并排的遍历,然后是分数和重建误差随 β 变化的图。"),
    "lesson_beta_ask": (
        "If you needed sharp pictures, which β would you choose? And if you needed one slider per factor?",
        "如果需要清晰的图片,你会选哪个 β?如果需要每个因素一个滑块呢?"),

    "lesson_conditional_title": ("Conditional sampling: asking for a class", "条件采样:指定一个类别"),
    "lesson_conditional_say": (
        "A conditional VAE is told the digit as well as the picture. The code then keeps only the style: "
        "the slant, the thickness. We can ask for any digit in any style.",
        "条件 VAE 除了图片,还被告知是哪个数字。于是编码只保留风格:倾斜、粗细。我们可以要求任意数字,"
        "配上任意风格。"),
    "lesson_conditional_point": (
        "One row per style: the same code decoded as every digit.",
        "每一行是一种风格:同一个编码解码成每一个数字。"),
    "lesson_conditional_ask": (
        "What stays the same along a row, and what changes down a column?",
        "沿着一行什么保持不变?沿着一列又是什么在变?"),

    "lesson_restore_title": ("Repairing pictures", "修复图片"),
    "lesson_restore_say": (
        "Hide the bottom half of a picture. The model has only seen whole clothes, so it fills in the missing "
        "half with what usually goes there, round after round.",
        "遮住图片的下半部分。模型只见过完整的衣物,所以它一轮又一轮地把缺失的一半补上通常会出现的内容。"),
    "lesson_restore_point": (
        "The masked picture, the model's repair and the PCA baseline with their PSNR scores.",
        "被遮住的图片、模型的修复和 PCA 基线,以及它们的 PSNR 分数。"),
    "lesson_restore_ask": (
        "Why can the model guess the hidden half at all? When would its guess be wrong?",
        "为什么模型能猜出被遮住的一半?什么时候它会猜错?"),

    "lesson_anomaly_title": ("Anomalies and the likelihood trap", "异常检测与似然陷阱"),
    "lesson_anomaly_say": (
        "This model never saw ankle boots. Pictures it explains badly get high scores: anomalies. But the raw "
        "likelihood is fooled by simple pictures; the complexity correction subtracts what any compressor "
        "would already know.",
        "这个模型从没见过短靴。它解释得不好的图片得到高分:就是异常。但原始似然会被简单的图片骗过;"
        "复杂度校正减去任何压缩器本来就知道的部分。"),
    "lesson_anomaly_point": (
        "The two histograms and the ROC curve; move the threshold.",
        "两个直方图和 ROC 曲线;移动阈值。"),
    "lesson_anomaly_ask": (
        "Where should the threshold go if missing an anomaly is worse than a false alarm?",
        "如果漏掉一个异常比误报更糟糕,阈值应该放在哪里?"),

    "lesson_codes_title": ("Discrete codes: a VQ-VAE", "离散编码:VQ-VAE"),
    "lesson_codes_say": (
        "A VQ-VAE describes a picture with a small grid of words from a learned codebook instead of smooth "
        "numbers. Change one word and only its part of the picture changes.",
        "VQ-VAE 用一张小网格来描述图片,网格里是从学到的码本中选出的“词”,而不是连续的数。换掉一个词,"
        "只有图片的对应部分会变。"),
    "lesson_codes_point": (
        "The grid of code numbers over the picture; click a cell and pick another code.",
        "叠在图片上的编码网格;点击一个格子,换一个编码。"),
    "lesson_codes_ask": (
        "What might one codebook entry stand for? How is this like words in a sentence?",
        "码本中的一个条目可能代表什么?这和句子里的词有什么相像?"),

    "lesson_train_title": ("Training live", "现场训练"),
    "lesson_train_say": (
        "Now we train a small VAE from nothing, here, on this computer. Watch the samples: noise first, then "
        "blobs, then recognisable clothes, in about a minute.",
        "现在我们在这台电脑上从零训练一个小 VAE。看样本:先是噪声,然后是团块,大约一分钟后就能认出衣物。"),
    "lesson_train_point": (
        "Press Start training, then open Runs and watch the samples and the loss curve.",
        "按“开始训练”,然后打开“训练记录”,看样本和损失曲线。"),
    "lesson_train_ask": (
        "Which part of the loss falls first, reconstruction or KL, and why?",
        "损失的哪一部分先下降,重建还是 KL?为什么?"),
}
