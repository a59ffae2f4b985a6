"""Chinese strings use full-width punctuation (，：；！？（）) and keep their placeholders: the rule
(`ui.zh_typography.fullwidth`) on made-up inputs, then every text of every table."""

from __future__ import annotations

import re
from string import Formatter

import pytest

from ui.i18n import table
from ui.zh_typography import FULLWIDTH, fullwidth, rewrite_table

# ---- the rule --------------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("潜变量遍历:一次只动一个数字", "潜变量遍历：一次只动一个数字"),
    ("复制品丢掉了哪些细节?为什么", "复制品丢掉了哪些细节？为什么"),
    ("从这里开始;课程进行时,每个页面", "从这里开始；课程进行时，每个页面"),
    ("太好了!", "太好了！"),
    # brackets holding Chinese, or with Chinese outside, in a Chinese sentence
    ("在模型中(例如 β 较大的 β-VAE),每个数字", "在模型中（例如 β 较大的 β-VAE），每个数字"),
    ("得分很低 (z ≤ −1) 的图片", "得分很低（z ≤ −1）的图片"),
    ("全连接(MLP)", "全连接（MLP）"),
    ("SAP(线性 SVM)", "SAP（线性 SVM）"),
    ("最大容量 C(奈特,0 为关闭)", "最大容量 C（奈特，0 为关闭）"),
    # a Latin word or a placeholder before the mark, Chinese after it
    ("编码 z, 其余数字不变", "编码 z，其余数字不变"),
    ("无法打开 {name}:{why}", "无法打开 {name}：{why}"),
    ("(AUROC {raw:.2f});{score}:AUROC {ours:.2f}。", "（AUROC {raw:.2f}）；{score}：AUROC {ours:.2f}。"),
    # glued marks where English would leave a space: the translator's Chinese punctuation
    ("{score}(AUROC {auroc:.3f})", "{score}（AUROC {auroc:.3f}）"),
    ("VAE,{score}", "VAE，{score}"),
    ("{name}(β = {beta}) and VAE (β = 4), KL: 0.5", "{name}（β = {beta}）and VAE (β = 4), KL: 0.5"),
    ("共 1,000 张,比例 3:4", "共 1,000 张，比例 3:4"),
    ("{label}:{reason}", "{label}：{reason}"),
    # markdown: emphasis is looked through, link targets are not punctuation
    ("**注意:** 先训练", "**注意：** 先训练"),
    ("**复杂度修正**(Serrà 等,2020):减去", "**复杂度修正**（Serrà 等，2020）：减去"),
    ("见[说明](https://example.com/a,b:c),然后", "见[说明](https://example.com/a,b:c)，然后"),
    ("“精确数值”:同样的数字", "“精确数值”：同样的数字"),
])
def test_chinese_punctuation_becomes_full_width(text, expected):
    assert fullwidth(text) == expected
    assert fullwidth(expected) == expected  # idempotent


@pytest.mark.parametrize("text", [
    "{n:,} 张图片",  # format spec with a comma
    "比例为 {x:.2f}:{y:+.1f}",  # a ratio of two numeric fields
    "约 {a:,}:{b:d}",
    "编码 %{x}<br>%{y:.2f}%",  # plotly fields
    "共 1,000 张 3:4",
    "例如 256,64",
    "运行 `python -m vae sweep --beta 1,2,4 --seed 0,1`",
    "见 https://example.com/a?b=1,2;c=3:4 页面",
    "打开 http://127.0.0.1:8501/traversal?model=x",
    ":material/help: 帮助",
    "先验 N(0, I) 的样本",
    "各类别的 p(x | 类别) 取平均",
    "z 从 N(0, 温度² I) 中抽取",
    "编码 z ~ q(z|x)",
    "−log p(x) 的估计",
    "β = 8 时",
    "| 类别 | 数 |\n|---|---:|\n| 甲 | 1 |",
    "第一行<br>第二行",
    "VAE (β = 4), KL: 0.5 (mean)",  # English typography, spaced, with no Chinese beside it
])
def test_what_is_not_chinese_punctuation_stays_ascii(text):
    assert fullwidth(text) == text


def test_placeholders_urls_and_code_come_through_unchanged():
    text = "打开 {url}:页面 `a,b:c` 在 https://x.org/p?q=1,2 和 {n:,}(共 {total:.1f})"
    fixed = fullwidth(text)
    for kept in ("{url}", "`a,b:c`", "https://x.org/p?q=1,2", "{n:,}", "{total:.1f}"):
        assert kept in fixed
    assert fixed == "打开 {url}：页面 `a,b:c` 在 https://x.org/p?q=1,2 和 {n:,}（共 {total:.1f}）"


def test_the_rewrite_edits_only_the_chinese_literals_in_place():
    source = (
        '"""Doc: (kept)."""\n\n'
        "STRINGS = {\n"
        '    "a": ("Title: one, two (three)", "标题:一,二(三)"),\n'
        '    "b": (\n'
        '        "English, kept: as is.",\n'
        '        "第一行,"  # a comment, kept\n'
        '        "(第二行) 以及\\n第三行:结束"),\n'
        '    "c": ("Same", "已经是全角：好"),\n'
        "}\n"
    )
    fixed, changed = rewrite_table(source)
    assert changed == ["a", "b"]
    assert fixed.splitlines()[3] == '    "a": ("Title: one, two (three)", "标题：一，二（三）"),'
    assert '"English, kept: as is."' in fixed and '"第一行，"  # a comment, kept' in fixed
    assert '"（第二行）以及\\n第三行：结束"),' in fixed
    assert rewrite_table(fixed) == (fixed, [])


# ---- the tables ------------------------------------------------------------------------------

TABLE = table()


def _han(char: str) -> bool:
    return bool(re.fullmatch("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]", char))


def _beside_chinese(text: str) -> list[str]:
    """ASCII , : ; ! ? touching a Han character, "(" right after one, ")" right before one, as excerpts.

    Deliberately cruder than fullwidth(): it needs no exception, since every formula in the tables
    keeps a space between its ")" and the Chinese that follows ("p(x | 类别) 取平均").
    """
    found = []
    for match in re.finditer(r"[,:;!?()]", re.sub(r"`[^`]*`|%?\{[^{}]*\}", lambda m: "_" * len(m.group()), text)):
        i, mark = match.start(), match.group()
        before, after = text[i - 1:i], text[i + 1:i + 2]
        if (mark in ",:;!?" and (_han(before) or _han(after))) or (mark == "(" and _han(before)) or (
                mark == ")" and _han(after)):
            found.append(text[max(0, i - 8):i + 9])
    return found


def test_no_chinese_text_holds_ascii_punctuation_beside_a_chinese_character():
    bad = {key: _beside_chinese(chinese) for key, (_, chinese) in TABLE.items() if _beside_chinese(chinese)}
    assert not bad, "ASCII punctuation beside Chinese (run `python -m ui.zh_typography`): " + repr(bad)


def test_every_chinese_text_already_follows_the_rule():
    bad = {key: chinese for key, (_, chinese) in TABLE.items() if fullwidth(chinese) != chinese}
    assert not bad, "Chinese texts that `python -m ui.zh_typography` would change: " + ", ".join(bad)


def test_english_texts_hold_no_full_width_punctuation():
    marks = set(FULLWIDTH.values())
    bad = [key for key, (english, _) in TABLE.items() if marks & set(english)]
    assert not bad, bad


def _fields(text: str) -> set[str]:
    """The format fields' names; a translation may use one twice, so compare the sets."""
    return {name for _, name, _, _ in Formatter().parse(text) if name is not None}


def test_english_and_chinese_hold_the_same_placeholders():
    bad = {key: (_fields(english), _fields(chinese)) for key, (english, chinese) in TABLE.items()
           if _fields(english) != _fields(chinese)}
    assert not bad, bad
