"""Strings of the sweeps section of the Runs page (grids of runs from `python -m vae sweep`)."""

STRINGS = {
    "sweep_title": ("Sweeps", "扫参"),
    "sweep_help": (
        "A sweep trains every combination of a few settings, for example β = 1, 2, 4, 8 with three seeds each, "
        "as runs of their own (they are in the table above too). Here each sweep is one group: the runs' final "
        "losses and, when a run has been scored on a dataset with known factors (shapes), its disentanglement "
        "scores. Start one from a terminal: `python -m vae sweep --dataset shapes --beta 1,2,4,8 --seed 0,1,2 "
        "--parallel 2`.",
        "扫参会把几个设置的每一种组合（例如 β = 1、2、4、8，每个用三个随机种子）各训练成一个独立的训练"
        "（它们也列在上面的表格里）。这里每次扫参显示为一组：各训练最后的损失；如果某个训练已在有已知因素的数据集"
        "（shapes）上评分，还有它的解耦分数。在终端启动一次扫参：`python -m vae sweep --dataset shapes "
        "--beta 1,2,4,8 --seed 0,1,2 --parallel 2`。"),
    "sweep_label": ("{name} · {state} · {done} of {total} runs finished",
                    "{name} · {state} · {total} 个训练中已完成 {done} 个"),
    "sweep_state_running": ("running", "进行中"),
    "sweep_state_finished": ("finished", "已完成"),
    "sweep_state_stopped": ("stopped", "已停止"),
    "sweep_state_interrupted": ("interrupted (its process is gone)", "已中断（其进程已不在）"),
    "sweep_state_unknown": ("unknown", "未知"),
    "sweep_pending": ("◌ waiting", "◌ 等待中"),
    "sweep_not_started": ("– not started", "– 未开始"),
    "sweep_col_run": ("Run", "训练"),
    "sweep_col_state": ("Status", "状态"),
    "sweep_col_epochs": ("Epochs", "轮数"),
    "sweep_col_test_loss": ("Test loss", "测试损失"),
    "sweep_col_test_recon": ("Test reconstruction", "测试重建误差"),
    "sweep_col_test_kl": ("Test KL", "测试 KL"),
    "sweep_col_test_perplexity": ("Codebook perplexity", "码本困惑度"),
    "sweep_col_runs": ("Finished runs", "已完成的训练"),
    "sweep_axis_model": ("Family", "类型"),
    "sweep_axis_beta": ("β", "β"),
    "sweep_axis_seed": ("Seed", "随机种子"),
    "sweep_axis_lr": ("Learning rate", "学习率"),
    "sweep_axis_latent_dim": ("Latent dims", "潜变量维数"),
    "sweep_score_mig": ("MIG", "MIG"),
    "sweep_score_factor_vae": ("FactorVAE score", "FactorVAE 分数"),
    "sweep_score_dci_disentanglement": ("DCI disentanglement", "DCI 解耦度"),
    "sweep_score_dci_completeness": ("DCI completeness", "DCI 完整度"),
    "sweep_score_dci_informativeness": ("DCI informativeness", "DCI 信息度"),
    "sweep_score_sap": ("SAP", "SAP"),
    "sweep_score_modularity": ("Modularity", "模块度"),
    "sweep_losses_help": ("Losses in nats per image after the last epoch (lower is better); scores from 0 to 1 "
                          "(higher is more disentangled).",
                          "损失为最后一轮后的奈特/图像（越低越好）；分数在 0 到 1 之间（越高越解耦）。"),
    "sweep_means": ("Mean ± standard deviation over the seeds", "各随机种子的平均值 ± 标准差"),
    "sweep_means_help": ("Finished runs only. One seed is one sample: differences smaller than the spread "
                         "between seeds are noise.",
                         "只计入已完成的训练。一个种子就是一个样本：小于种子间离散程度的差异只是噪声。"),
}
