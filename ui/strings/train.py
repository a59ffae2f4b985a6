"""Strings of the Train page."""

STRINGS = {
    "train_title": ("Train a model and watch it learn", "训练一个模型，看着它学习"),
    "train_intro": (
        "Pick a classic demo or set the knobs yourself, then press **Start**. The training runs on its own, "
        "outside this page, so you can switch pages, reload or close the tab and come back: the curves below "
        "update every second. Watch the loss fall, the samples sharpen, and latent dimensions switch on one by "
        "one as much as the KL weight β allows.",
        "选择一个经典示例，或自己调整参数，然后按 **开始训练**。训练在本页面之外独立运行，你可以切换页面、刷新或关闭标签页后再回来："
        "下方的曲线每秒更新一次。看损失下降、样本变清晰，以及潜变量维度在 KL 权重 β 允许的范围内一个接一个地“亮起来”。"),
    "train_presets": ("Classic demos", "经典示例"),
    "train_presets_help": ("Fills in the form below; you can still change any field.", "填好下面的表单；你仍可修改任何一项。"),
    "train_preset_digits2d": ("VAE on digits, 2-D latent", "数字上的 VAE，二维潜空间"),
    "train_preset_shapes_beta": ("β-VAE on shapes", "形状上的 β-VAE"),
    "train_preset_cvae": ("CVAE on digits", "数字上的条件 VAE"),
    "train_preset_vqvae": ("VQ-VAE", "VQ-VAE"),
    "train_preset_lesson": ("Clothes in under a minute (lesson)", "一分钟内学会画衣服（课堂）"),
    "train_section_model": ("Model", "模型"),
    "train_section_objective": ("Objective", "训练目标"),
    "train_section_data": ("Data", "数据"),
    "train_section_run": ("Training", "训练"),
    "train_dataset_how": ("Not on this machine: {how}", "本机没有此数据集：{how}"),
    "train_name_label": ("Run name", "训练名称"),
    "train_name_placeholder": ("automatic, e.g. vae-digits-20250101-120000", "自动命名，例如 vae-digits-20250101-120000"),
    "train_name_help": ("Letters, digits, '-', '_' and '.'; anything else becomes '-'. A name already taken gets "
                        "-2, -3 … added, so no run is ever overwritten.",
                        "可用字母、数字、“-”、“_”和“.”，其他字符会变成“-”。已被使用的名称会自动加上 -2、-3……，不会覆盖任何训练。"),
    "train_start": ("Start training", "开始训练"),
    "train_problem": ("Cannot start: {message}", "无法开始：{message}"),
    "train_started_msg": ("Started **{name}**. It keeps training even if you leave this page.",
                          "已开始 **{name}**。即使离开本页面，它也会继续训练。"),
    "train_watch": ("Watch a run", "观看训练"),
    "train_watch_pick": ("Run", "训练"),
    "train_no_runs": ("No runs yet: press Start training above.", "还没有训练：请按上方的“开始训练”。"),
    "train_fix_first": ("Start waits until the {count} setting(s) marked in red above are fixed.",
                        "请先改正上方红色标出的 {count} 项设置，才能开始训练。"),
}
