"""Strings of a class: the projected window's bar, the speaker view, followers, the class code."""

STRINGS = {
    "class_code": ("Class {code}", "课堂 {code}"),
    "class_invite": (
        "Students open this address (or type the code on the Lesson page) to follow the class:",
        "学生打开这个地址（或在“课堂”页输入课堂码）即可跟随课堂："),
    "class_unknown": (
        "No class has the code {code}: check it, or it may have ended.",
        "没有课堂码为 {code} 的课堂：请检查，或者该课堂已经结束。"),
    "class_too_many": (
        "Too many wrong class codes from this address: wait a minute, then try again.",
        "此地址输入错误课堂码的次数太多：请等一分钟再试。"),
    "class_full": (
        "This server runs as many classes as it can; the lesson goes on without a class code.",
        "本服务器的课堂数已达上限；本次课程没有课堂码也可以继续。"),
    "class_ended": ("Class {code} has ended.", "课堂 {code} 已经结束。"),
    "follow_bar": ("Following class {code} · the teacher is on {where}", "正在跟随课堂 {code} · 老师在：{where}"),
    "follow_back": ("Back to the teacher", "回到老师这里"),
    "follow_stop": ("Stop following", "停止跟随"),
    "follow_code_input": ("Class code", "课堂码"),
    "follow_code_help": ("The code your teacher shows, e.g. ABCD-EFGH.", "老师展示的课堂码，例如 ABCD-EFGH。"),
    "follow_join": ("Follow the class", "跟随课堂"),
    "follow_header": ("Follow a class", "跟随课堂"),
    "present_exit": ("Leave presenter mode", "退出演示模式"),
    "speaker_title": ("Speaker view", "演讲者视图"),
    "speaker_open": ("Speaker view", "演讲者视图"),
    "speaker_no_class": (
        "This speaker view's class has ended or its link is incomplete: open the speaker view again from the "
        "projected window.",
        "这个演讲者视图的课堂已经结束或链接不完整：请从投影窗口重新打开演讲者视图。"),
    "speaker_clock": (
        "{on_step} on this step of {planned} min planned · {total} since the class started",
        "本步已用 {on_step}，计划 {planned} 分钟 · 开课以来 {total}"),
    "speaker_next_up": ("Next: {title}", "下一步：{title}"),
    "speaker_off_lesson": (
        "The projected window is off the lesson's path, on {where}.",
        "投影窗口已离开课程路线，现在在：{where}。"),
    "speaker_resume": ("Go to step 1", "转到第 1 步"),
    "speaker_reopen": ("Reopen the projected window", "重新打开投影窗口"),
    "speaker_reopen_help": (
        "Opens the class's current step in presenter mode, as its projected window (e.g. after a reload).",
        "以演示模式打开课堂当前的步骤，作为投影窗口（例如刷新页面之后）。"),
}
