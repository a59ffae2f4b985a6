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
        "按顺序走完本应用的一条课堂路线：每一步打开一个准备好的视图（也是一个可以分享的链接），并说明"
        "对全班讲什么、在屏幕上指向哪里，以及向学生提出的一个问题。从这里开始；课程进行时，每个页面都会"
        "显示当前步骤以及 **上一步** 和 **下一步**。在投影仪上请在侧边栏打开 *演示模式*。"),
    "lesson_start": ("Start the lesson", "开始上课"),
    "lesson_open_step": ("Open this step", "打开这一步"),
    "lesson_steps_header": ("The steps", "课程步骤"),
    "lesson_step_label": ("Step {n} of {total}: {title}", "第 {n} 步（共 {total} 步）：{title}"),
    "lesson_say": ("Say", "讲解"),
    "lesson_point": ("Point at", "指向"),
    "lesson_ask": ("Ask", "提问"),
    "lesson_previous": ("Previous", "上一步"),
    "lesson_next": ("Next", "下一步"),
    "lesson_end": ("End the lesson", "结束课程"),
    "lesson_page": ("Page: {page} · model: {model}", "页面：{page} · 模型：{model}"),
    "lesson_link": ("Link to this view", "此视图的链接"),
    "lesson_handout": ("Download the one-page handout (HTML, print it)", "下载一页讲义（HTML，可打印）"),
    "lesson_handout_help": (
        "Every step on one printed page, in the current language, with each view's link.",
        "全部步骤印在一页纸上（当前语言），附每个视图的链接。"),
    "lesson_handout_title": ("VAE Latent Explorer · lesson handout", "VAE 潜空间探索器 · 课堂讲义"),
    "lesson_missing_model": (
        "This step uses the model {model}, which is not available here; the page opens with another model.",
        "这一步使用的模型 {model} 在这里不可用；页面会用另一个模型打开。"),

    "lesson_autoencoder_title": ("What an autoencoder does", "自编码器做什么"),
    "lesson_autoencoder_say": (
        "The encoder squeezes each {side} picture, {pixels} numbers, into {latent}; the decoder draws the "
        "picture back from those {latent} numbers alone. Training makes the copy as close as it can.",
        "编码器把每张 {side} 的图片（{pixels} 个数）压缩成 {latent} 个数；解码"
        "器只凭这 {latent} 个数把图片画回来。训练让这份复制尽可能接近原图。"),
    "lesson_autoencoder_point": (
        "The pictures under “{recons}”, on the right: each original above its copy.",
        "右边“{recons}”下的图片：每张原图下面是它的复制品。"),
    "lesson_autoencoder_ask": (
        "Which details does the copy lose, and why would {latent} numbers lose those first?",
        "复制品丢掉了哪些细节？为什么 {latent} 个数会先丢掉它们？"),

    "lesson_sampling_title": ("Sampling: pictures nobody drew", "采样：没人画过的图片"),
    "lesson_sampling_say": (
        "A VAE also learns where codes live: close to a standard normal distribution. Draw {latent} random "
        "numbers from it, decode them, and you get new pictures that nobody drew.",
        "VAE 还学会了编码在哪里：接近标准正态分布。从中随机抽取 {latent} 个数再解码，就得到"
        "没人画过的新图片。"),
    "lesson_sampling_point": (
        "The pictures under “{samples}”, on the left; then press “{button}” a few times.",
        "左边“{samples}”下的图片；然后多按几次“{button}”。"),
    "lesson_sampling_ask": (
        "Are these copies of training pictures? How could we check?",
        "这些是训练图片的复制品吗？我们怎么检验？"),

    "lesson_map_title": ("The latent map", "潜空间地图"),
    "lesson_map_say": (
        "This model has only {latent} latent numbers, so every test picture is a point on a plane, "
        "coloured by its digit. The decoder turns every point of the plane into a picture.",
        "这个模型只有 {latent} 个潜变量，所以每张测试图片都是平面上的一个点，按它的数字着色。解"
        "码器能把平面上每一个点变成一张图片。"),
    "lesson_map_point": (
        "The clusters of colour, then the decoded grid where the clusters meet.",
        "各个颜色的簇，然后是簇与簇相接处解码出的网格。"),
    "lesson_map_ask": (
        "Why do {near_a}s and {near_b}s sit next to each other, but {far_a}s and {far_b}s far apart?",
        "为什么 {near_a} 和 {near_b} 挨在一起，而 {far_a} 和 {far_b}"
        " 离得很远？"),

    "lesson_interpolation_title": ("Interpolation: walking between two pictures", "插值：在两张图片之间行走"),
    "lesson_interpolation_say": (
        "Take the codes of two test pictures, a pair of trousers (#{a}) and a bag (#{b}), and walk on a "
        "line between them, decoding as we go. Below, the same walk in pixels: a plain cross-fade.",
        "取两张测试图片的编码：一条裤子（#{a}）和一个包（#{b}），在它们之间沿直线行走，边走边解码。"
        "下面是在像素上走同样的路：简单的淡入淡出。"),
    "lesson_interpolation_point": (
        "Drag t slowly; then compare the latent strip with the pixel blend.",
        "慢慢拖动 t；然后比较潜空间路径与像素混合。"),
    "lesson_interpolation_ask": (
        "Why does the middle of the latent path look more like a real picture than the middle of the pixel "
        "blend?",
        "为什么潜空间路径的中间比像素混合的中间更像一张真实的图片？"),

    "lesson_traversal_title": ("Traversal: one number at a time", "遍历：一次只动一个数"),
    "lesson_traversal_say": (
        "Here we hold a code and move one of its numbers. This β-VAE (β = {beta}) was pushed to use few of "
        "its {latent} numbers, each for one thing: some move the shape left and right, some up and down, "
        "some make it bigger.",
        "这里固定一个编码，只移动其中一个数。这个 β-VAE（β = {beta}）被迫只用它 {lat"
        "ent} 个数中的少数几个，每个数负责一件事：有的把图形左右移动，有的上下移动，有的把它放大。"),
    "lesson_traversal_point": (
        "Drag each slider; the label beside it says which factor it moves.",
        "拖动每个滑块；旁边的标签说明它移动的是哪个因素。"),
    "lesson_traversal_ask": (
        "Which slider does nothing at all, and what did the model give up to leave it unused?",
        "哪个滑块完全不起作用？模型放弃了什么才让它闲置？"),

    "lesson_beta_title": ("β: what a larger β buys, and what it costs", "β：更大的 β 换来什么，又付出什么"),
    "lesson_beta_say": (
        "The same network trained with β = {betas}, {seeds} random seeds each: the seed changes the scores about "
        "as much as β does, so we read the median. A larger β charges more for every bit of information in the "
        "code, and the pictures get blurrier: the median reconstruction error rises at every step, {recons} nats "
        "per picture. And the codes get tidier: the median MIG rises from β = {first_beta} to β = {peak_beta}, "
        "{migs}; at β = {last_beta} it falls back to {last_mig}.",
        "同一个网络分别用 β = {betas} 训练，每个 β 用 {seeds} 个随机种子：种子对分数的影响和 β 差不多大，"
        "所以我们看中位数。β 越大，编码里每一点信息的代价越高，图片也越模糊：重建误差的中位数每一步都在上升，"
        "{recons} 奈特/图。编码也更整齐了：MIG 的中位数从 β = {first_beta} 到 β = {peak_beta} 一路上升，{migs}；"
        "到 β = {last_beta} 又回落到 {last_mig}。"),
    "lesson_beta_point": (
        "The traversals side by side, then the plot of the scores and the reconstruction error against β.",
        "并排的遍历，然后是分数和重建误差随 β 变化的图。"),
    "lesson_beta_ask": (
        "Why look at three seeds and not one? If you needed sharp pictures, which β would you choose? And if you "
        "needed one slider per factor?",
        "为什么要看三个种子，而不是一个？如果需要清晰的图片，你会选哪个 β？如果需要每个因素一个滑块呢？"),

    "lesson_conditional_title": ("Conditional sampling: asking for a class", "条件采样：指定一个类别"),
    "lesson_conditional_say": (
        "A conditional VAE is told the digit as well as the picture, so its code need not hold the digit: "
        "a classifier reads the digit from this model's code {cvae} of the time (chance: {chance}), from a "
        "plain VAE's code {vae}. What the code keeps is the style, and we can ask for any digit in any "
        "style.",
        "条件 VAE 除了图片，还被告知是哪个数字，所以它的编码不必记住数字：分类器从这个模型的编码里读"
        "对数字的比例只有 {cvae}（随机猜测：{chance}），从普通 VAE 的编码里是 {va"
        "e}。编码保留的是风格，我们可以要求任意数字，配上任意风格。"),
    "lesson_conditional_point": (
        "One row per style: the same code decoded as every digit.",
        "每一行是一种风格：同一个编码解码成每一个数字。"),
    "lesson_conditional_ask": (
        "What stays the same along a row, and what changes down a column?",
        "沿着一行什么保持不变？沿着一列又是什么在变？"),

    "lesson_restore_title": ("Repairing pictures", "修复图片"),
    "lesson_restore_say": (
        "Hide the bottom half of a T-shirt. The model has only seen whole clothes, so it fills in the "
        "missing half with what usually goes there, round after round: after {rounds} rounds the picture "
        "scores {completion} dB against the clean one, the masked picture {corrupted} dB (higher is "
        "closer). {verdict}",
        "遮住一件 T 恤的下半部分。模型只见过完整的衣物，所以它一轮又一轮地把缺失的一半补上通常会出现的"
        "内容：{rounds} 轮之后，图片与原图相比得到 {completion} dB，被遮住的图片"
        "是 {corrupted} dB（越高越接近）。{verdict}"),
    "lesson_restore_point": (
        "The masked picture, the model's completion and the PCA baseline with their PSNR scores (★ marks "
        "the best); below, the rounds one by one.",
        "被遮住的图片、模型的补全和 PCA 基线，以及它们的 PSNR 分数（★ 标出最好的）；下面是一"
        "轮一轮的过程。"),
    "lesson_restore_ask": (
        "Why can the model guess the hidden half at all? When would its guess be wrong?",
        "为什么模型能猜出被遮住的一半？什么时候它会猜错？"),
    "lesson_restore_model_wins": (
        "The baseline, PCA's completion, reaches {pca} dB: the model wins here.",
        "基线 PCA 的补全达到 {pca} dB：这里模型胜出。"),
    "lesson_restore_baseline_wins": (
        "But the baseline, PCA's completion, reaches {pca} dB: the plain baseline wins here.",
        "但基线 PCA 的补全达到 {pca} dB：这里简单的基线胜出。"),

    "lesson_anomaly_title": ("Anomalies: what the model never saw", "异常检测：模型从没见过的东西"),
    "lesson_anomaly_say": (
        "This model never saw the digit {held_out}: {anomalous} of the {total} test pictures. Pictures it "
        "explains badly get high scores (the −ELBO): a random {held_out} scores above a random known digit "
        "{auroc_percent} of the time, an AUROC of {auroc}.",
        "这个模型从没见过数字 {held_out}：{total} 张测试图片中有 {anomalous"
        "} 张。它解释得不好的图片得分高（−ELBO）：随便拿一张 {held_out} 和一张它认识的"
        "数字比，{held_out} 得分更高的比例是 {auroc_percent}，即 AUROC "
        "{auroc}。"),
    "lesson_anomaly_point": (
        "The two histograms and the ROC curve. The threshold starts where {false_alarms} of the known "
        "digits are flagged; there it catches {recall} of the {held_out}s. Move it.",
        "两个直方图和 ROC 曲线。阈值一开始放在已知数字有 {false_alarms} 被标记的位置；"
        "在那里它抓住了 {recall} 的 {held_out}。移动阈值。"),
    "lesson_anomaly_ask": (
        "Where should the threshold go if missing an anomaly is worse than a false alarm?",
        "如果漏掉一个异常比误报更糟糕，阈值应该放在哪里？"),

    "lesson_codes_title": ("Discrete codes: a VQ-VAE", "离散编码：VQ-VAE"),
    "lesson_codes_say": (
        "A VQ-VAE describes a picture with a {grid} grid of words, each one of the {codebook} entries of a "
        "learned codebook, instead of smooth numbers. Change one word and the picture changes mostly "
        "around that word's cell.",
        "VQ-VAE 用一张 {grid} 的小网格来描述图片，网格里每个“词”都是学到的码本中 {co"
        "debook} 个条目之一，而不是连续的数。换掉一个词，图片主要在这个格子附近变化。"),
    "lesson_codes_point": (
        "The grid of code numbers between the picture and its reconstruction; click a cell and pick "
        "another code.",
        "原图和重建之间的编码网格；点击一个格子，换一个编码。"),
    "lesson_codes_ask": (
        "What might one codebook entry stand for? How is this like words in a sentence?",
        "码本中的一个条目可能代表什么？这和句子里的词有什么相像？"),

    "lesson_train_title": ("Training live", "现场训练"),
    "lesson_train_say": (
        "Now we train a small VAE from nothing, here, on this computer, and watch it learn.",
        "现在我们在这台电脑上从零训练一个小 VAE，看它怎么学。"),
    "lesson_train_point": (
        "Press “{start}”; the run appears under “{watch}”: watch its samples and the loss curve.",
        "按“{start}”；训练出现在“{watch}”里：看它的样本和损失曲线。"),
    "lesson_train_ask": (
        "How many epochs until you can tell what the samples show? Which part of the loss falls first, "
        "reconstruction or KL, and why?",
        "要多少轮才能看出样本画的是什么？损失的哪一部分先下降，重建还是 KL？为什么？"),

    # The teacher's copy only: minutes per step (they add up to the lesson's 45) and the answer to expect.
    "lesson_minutes": ("{minutes} min", "{minutes} 分钟"),
    "lesson_answer": ("Expected answer", "参考答案"),
    "lesson_colon": (": ", "："),  # after a label ("Say: ...")
    "lesson_autoencoder_minutes": ("4 min", "4 分钟"),
    "lesson_autoencoder_answer": (
        "Fine detail: thin straps, prints and logos, sharp edges. Its {latent} numbers keep what most pictures share "
        "(outline, overall shape, brightness); a rare small detail costs as much to store and helps the average "
        "copy least.",
        "细节：细带子、印花和标志、锐利的边缘。它的 {latent} 个数保留大多数图片共有的东西（轮廓、整体形状、亮度）；"
        "少见的小细节存起来同样费数，对平均的复制效果帮助却最小。"),
    "lesson_sampling_minutes": ("3 min", "3 分钟"),
    "lesson_sampling_answer": (
        "No: each one is decoded from random numbers. Check by finding each sample's nearest training picture "
        "(the smallest pixel distance) and seeing that it differs.",
        "不是：每一张都是从随机数解码出来的。检验方法：为每个样本找出最接近的训练图片（像素距离最小的），"
        "看它们是否不同。"),
    "lesson_map_minutes": ("5 min", "5 分钟"),
    "lesson_map_answer": (
        "Pictures that look alike get nearby codes: digits drawn with similar strokes land close together, "
        "digits that share few pixels land far apart. Distance on the map follows how alike pictures look.",
        "看起来相像的图片得到相近的编码：笔画相似的数字落得很近，共用像素很少的数字离得很远。地图上的"
        "距离反映图片有多像。"),
    "lesson_interpolation_minutes": ("4 min", "4 分钟"),
    "lesson_interpolation_answer": (
        "The decoder only draws pictures like its training data, so the codes on the path decode to pictures like "
        "real ones; blending pixels only lays one picture over the other, a ghost of both.",
        "解码器只会画出像训练数据的图片，所以路径上的编码解码出来都像真实的图片；像素混合只是把一张图叠在"
        "另一张上，两者的重影。"),
    "lesson_traversal_minutes": ("5 min", "5 分钟"),
    "lesson_traversal_answer": (
        "The sliders marked collapsed: their codes stay at the prior and carry no information. β = {beta} makes every "
        "used number expensive, so the model keeps the few it needs most (position, size) and gives up detail "
        "(sharp edges, the exact shape).",
        "标着“塌缩”的滑块：它们的编码停在先验上，不携带信息。β = {beta} 让每个用到的数都很昂贵，所以模型只保留"
        "最需要的几个（位置、大小），放弃细节（锐利的边缘、确切的形状）。"),
    "lesson_beta_minutes": ("5 min", "5 分钟"),
    "lesson_beta_answer": (
        "One seed can mislead: the dots of one β spread as far as the medians of two βs apart. Sharp pictures: the "
        "smallest β, with the lowest reconstruction error. One slider per factor: β = {peak_beta}, the highest "
        "median MIG, paid for with blurrier pictures; β = {last_beta} blurs more and scores lower.",
        "一个种子可能误导人：同一个 β 的几个点之间的差距，能和两个 β 的中位数之差一样大。要清晰的图片：选最小的 β，"
        "它的重建误差最低。要每个因素一个滑块：选 β = {peak_beta}，它的 MIG 中位数最高，代价是图片更模糊；β = {last_beta} 更模糊，"
        "分数反而更低。"),
    "lesson_conditional_minutes": ("3 min", "3 分钟"),
    "lesson_conditional_answer": (
        "Along a row the style stays (slant, thickness, size) and only the digit changes; down a column the "
        "digit stays and the style changes.",
        "沿着一行，风格（倾斜、粗细、大小）不变，只有数字在变；沿着一列，数字不变，风格在变。"),
    "lesson_restore_minutes": ("4 min", "4 分钟"),
    "lesson_restore_answer": (
        "It has learned what clothes look like, so the visible half narrows down what the rest can be. It guesses "
        "wrong when the visible half fits several kinds of item (it picks the most usual one) or the item is "
        "unlike anything it was trained on.",
        "它学会了衣物的样子，所以看得见的一半限定了其余部分可能是什么。当看得见的一半符合好几种物品时（它会"
        "选最常见的那种），或者物品和它训练时见过的都不像时，它就会猜错。"),
    "lesson_anomaly_minutes": ("5 min", "5 分钟"),
    "lesson_anomaly_answer": (
        "Lower: flag more pictures. More anomalies are caught and more normal pictures are flagged by mistake "
        "(further right along the ROC curve).",
        "放低：标记更多图片。会抓到更多异常，也会把更多正常图片误报为异常（沿 ROC 曲线往右走）。"),
    "lesson_codes_minutes": ("3 min", "3 分钟"),
    "lesson_codes_answer": (
        "A small piece of a picture: a stroke, an edge, a corner, empty background. Like words, a few dozen "
        "entries combine into many pictures, and changing one word changes mostly its own part.",
        "图片的一小块：一段笔画、一条边、一个角、空白背景。和词一样，几十个条目能组合出许多图片，换掉一个词"
        "主要改变它自己那一部分。"),
    "lesson_train_minutes": ("4 min", "4 分钟"),
    "lesson_train_answer": (
        "Reconstruction falls steeply from the first steps: copying is learned first. The KL starts near zero "
        "and grows as the codes begin to carry information, then levels off as the two terms balance.",
        "重建误差从最初几步就急剧下降：模型先学会复制。KL 从接近零开始，随着编码开始携带信息而上升，"
        "然后在两项达到平衡时趋于平稳。"),
    "lesson_handout_student": ("Students' handout (HTML)", "学生讲义（HTML）"),
    "lesson_handout_student_help": (
        "Every step's question and the link to its view, for the students' own machines.",
        "每一步的问题和视图链接，供学生在自己的电脑上使用。"),
    "lesson_handout_teacher": ("Teacher's handout (HTML)", "教师讲义（HTML）"),
    "lesson_handout_teacher_help": (
        "Every step with what to say, point at and ask, the expected answer and the minutes planned.",
        "每一步要讲的、要指的、要问的，以及参考答案和计划时间。"),
    "lesson_handout_teacher_title": ("VAE Latent Explorer · lesson plan (teacher's copy)",
                                     "VAE 潜空间探索器 · 教案（教师用）"),
    "lesson_handout_question": ("Question", "问题"),
    "lesson_handout_total": ("{minutes} minutes in all", "共 {minutes} 分钟"),
    "lesson_handout_follow": ("Follow the class: {url}", "跟随课堂：{url}"),
    "lesson_handout_local": (
        "The handout's links start with {origin}, which only this computer can open. Open the app at an address "
        "the students can reach{suggestion}, or set the VAE_PUBLIC_URL environment variable to it.",
        "讲义中的链接以 {origin} 开头，只有这台电脑能打开。请用学生能访问的地址打开本应用{suggestion}，"
        "或者把环境变量 VAE_PUBLIC_URL 设为该地址。"),
    "lesson_handout_suggestion": (" (this server's network address is {url})", "（本服务器的网络地址是 {url}）"),
    "lesson_start_present": ("Start on a projector", "在投影仪上开始"),
    "lesson_start_present_help": (
        "Presenter mode with a class code: the notes open in a speaker view on your screen, and students can "
        "follow the class.",
        "以演示模式开始并生成课堂码：讲解内容在你屏幕上的演讲者视图中打开，学生可以跟随课堂。"),
}
