"""Strings of the conditional sampling page."""

STRINGS = {
    "cond_title": ("Conditional sampling: choose the class", "条件采样：指定类别"),
    "cond_intro": (
        "A **conditional VAE** is told the class of every picture, both when it encodes and when it draws. "
        "Since the class is given, the code z no longer needs to store *which* digit or garment it is; it keeps "
        "the *style* instead: slant, stroke thickness, width, position. Below you choose the class and z chooses "
        "the style, so you can keep one and change the other.",
        "**条件 VAE** 在编码和绘制每张图片时都会被告知它的类别。既然类别已经给出，编码 z 就不必再记住它是*哪一个*"
        "数字或哪种服装，而是记住*风格*：倾斜、笔画粗细、宽窄、位置。下面由你选择类别，由 z 决定风格，"
        "因此可以保持其中一个不变，只改变另一个。"),
    "cond_needs_classes": (
        "This page needs a conditional VAE: a model that was told the class while it trained. The chosen model "
        "was not, so it cannot be asked for a particular class.",
        "此页面需要条件 VAE，即训练时被告知类别的模型。当前选择的模型没有类别信息，因此无法让它画出指定的类别。"),
    "cond_sample_header": ("Samples of one class", "某一类别的样本"),
    "cond_sample_help": (
        "Each picture decodes a different random code z, always with the class you chose. The temperature "
        "scales z: low values give safe, average-looking pictures, high values give unusual (and sometimes "
        "broken) ones.",
        "每张图片解码一个不同的随机编码 z，类别始终是你选择的那一个。温度会缩放 z：较低时图片稳妥、接近平均样子，"
        "较高时图片更特别（有时会变形）。"),
    "cond_class_picker": ("Class to draw", "要画的类别"),
    "cond_temperature": ("Temperature", "温度"),
    "cond_temperature_help": (
        "z is drawn from N(0, temperature² I); 1 is the distribution the model was trained with.",
        "z 从 N(0, 温度² I) 中抽取；1 对应模型训练时使用的分布。"),
    "cond_new_samples": ("New samples", "换一批样本"),
    "cond_sample_caption": ("{n} samples of class “{name}” (temperature {temperature:g}, seed {seed})",
                            "类别“{name}”的 {n} 个样本（温度 {temperature:g}，随机种子 {seed}）"),
    "cond_style_header": ("Style held, class changed", "风格不变，类别改变"),
    "cond_style_help": (
        "Each row keeps one code z (the first {rows} samples above) and decodes it under every class, one "
        "column per class. Along a row the class changes but the style stays: the same slant and thickness "
        "appear in every column.",
        "每一行保持一个编码 z（即上方的前 {rows} 个样本），并在每个类别下解码，每一列对应一个类别。"
        "沿着一行看，类别在变，风格不变：每一列都有相同的倾斜和粗细。"),
    "cond_encode_header": ("Restyle a real picture", "给真实图片换类别"),
    "cond_encode_help": (
        "Pick a test picture. The encoder, told its true class, turns it into a code z that describes its style; "
        "the decoder then draws that z as every class. The column of its own class is its reconstruction.",
        "选择一张测试图片。编码器在得知其真实类别后，把它变成描述风格的编码 z；解码器再把这个 z 画成每一个类别。"
        "属于它自己类别的那一列就是它的重建。"),
    "cond_restyled_caption": ("Test picture {index} of class “{name}”, drawn as every class",
                              "类别“{name}”的第 {index} 张测试图片，画成每一个类别"),
}
