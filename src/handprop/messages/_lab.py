"""Messages of the pitfall lab (``handprop lab``) and of the hidden-layer trace: key -> {en, zh}.

Conclusion sentences (``lab.<experiment>.c.*``) are templates: the experiment chooses which
ones apply from the measured numbers and fills in the numbers.
"""

MESSAGES: dict[str, dict[str, str]] = {
    # --- shared --------------------------------------------------------------------------------
    "lab.settings": {
        "en": "Data {dataset}, seed {seed}, lr {lr}, batch size {batch}, {epochs} epochs",
        "zh": "数据集 {dataset}，随机种子 {seed}，学习率 {lr}，批大小 {batch}，{epochs} 轮",
    },
    "lab.settings_hidden": {
        "en": ", one hidden layer of {hidden} units ({act})",
        "zh": "，一个含 {hidden} 个单元的隐藏层（{act}）",
    },
    "lab.settings_target": {
        "en": ", target test accuracy {target}",
        "zh": "，目标测试准确率 {target}",
    },
    "lab.conclusion": {"en": "Conclusion:", "zh": "结论："},
    "lab.plots_written": {"en": "Plots: {paths}", "zh": "图：{paths}"},
    "lab.never": {"en": "never", "zh": "未达到"},
    "lab.report.title": {"en": "The pitfall lab", "zh": "陷阱实验室"},
    "lab.report.intro": {
        "en": (
            "Every number in this report was measured on {dataset} with seed {seed}; "
            "`handprop lab all` with the same options reproduces it."
        ),
        "zh": (
            "本报告中的每个数字都是在 {dataset} 上以随机种子 {seed} 实际测得的；"
            "用相同选项运行 `handprop lab all` 即可复现。"
        ),
    },
    # --- column headers ------------------------------------------------------------------------
    "lab.col.dtype": {"en": "dtype", "zh": "数据类型"},
    "lab.col.log_max": {"en": "ln(max float)", "zh": "ln(最大浮点数)"},
    "lab.col.overflow_at": {"en": "naive NaN from z =", "zh": "朴素版 NaN 起点 z ="},
    "lab.col.underflow_at": {"en": "naive NaN from z = -", "zh": "朴素版 NaN 起点 z = -"},
    "lab.col.stable_bad": {"en": "stable non-finite", "zh": "稳定版非有限值"},
    "lab.col.weights": {"en": "weights", "zh": "权重"},
    "lab.col.max_logit": {
        "en": "max |logit|",
        "zh": "最大 |得分|",
    },
    "lab.col.naive_bad": {"en": "naive fails", "zh": "朴素版出错"},
    "lab.col.stable_bad_share": {"en": "stable fails", "zh": "稳定版出错"},
    "lab.col.agreement": {"en": "max |naive - stable|", "zh": "最大 |朴素 - 稳定|"},
    "lab.col.inputs": {"en": "inputs", "zh": "输入"},
    "lab.col.first_loss": {"en": "loss, epoch 1", "zh": "第 1 轮损失"},
    "lab.col.final_loss": {"en": "final loss", "zh": "最终损失"},
    "lab.col.final_acc": {"en": "test accuracy", "zh": "测试准确率"},
    "lab.col.swing": {"en": "acc. swing (pts)", "zh": "准确率波动（百分点）"},
    "lab.col.saturated": {"en": "saturated", "zh": "饱和比例"},
    "lab.col.verdict": {"en": "verdict", "zh": "判定"},
    "lab.col.normalize": {"en": "normalisation", "zh": "归一化"},
    "lab.col.input_range": {"en": "input range", "zh": "输入范围"},
    "lab.col.sq_norm": {"en": "mean ‖x‖²", "zh": "平均 ‖x‖²"},
    "lab.col.reach": {"en": "first reached", "zh": "首次达到"},
    "lab.col.hold": {"en": "held from", "zh": "稳定达到"},
    "lab.col.init": {"en": "init", "zh": "初始化"},
    "lab.col.sr_loss": {"en": "softmax loss", "zh": "softmax 损失"},
    "lab.col.sr_acc": {"en": "softmax acc.", "zh": "softmax 准确率"},
    "lab.col.mlp_loss": {"en": "hidden-layer loss", "zh": "隐藏层网络损失"},
    "lab.col.mlp_acc": {"en": "hidden-layer acc.", "zh": "隐藏层网络准确率"},
    "lab.col.spread": {"en": "unit spread", "zh": "单元差异"},
    "lab.col.distinct": {
        "en": "distinct units",
        "zh": "单元种类",
    },
    "lab.col.start": {"en": "start", "zh": "起点"},
    "lab.col.spread0": {"en": "spread at start", "zh": "初始差异"},
    "lab.col.spread1": {"en": "after epoch 1", "zh": "第 1 轮后"},
    "lab.col.spread_end": {"en": "at the end", "zh": "训练结束"},
    # --- cell values ---------------------------------------------------------------------------
    "lab.stage.init": {"en": "initial", "zh": "初始"},
    "lab.stage.trained_raw": {"en": "trained on raw pixels", "zh": "用原始像素训练后"},
    "lab.inputs.none": {"en": "raw (none)", "zh": "原始（none）"},
    "lab.inputs.scale": {"en": "scaled to [0, 1]", "zh": "缩放到 [0, 1]"},
    "lab.scheme.zeros": {"en": "zeros", "zh": "全零（zeros）"},
    "lab.scheme.constant": {"en": "constant", "zh": "常数（constant）"},
    "lab.scheme.normal": {"en": "normal", "zh": "正态分布（normal）"},
    "lab.scheme.uniform": {"en": "uniform", "zh": "均匀分布（uniform）"},
    "lab.scheme.xavier": {"en": "xavier", "zh": "xavier"},
    "lab.scheme.kaiming": {"en": "kaiming", "zh": "kaiming"},
    "lab.scheme.torch": {"en": "torch (nn.Linear's)", "zh": "torch（nn.Linear 的默认）"},
    "lab.kind.none": {"en": "none", "zh": "none（不处理）"},
    "lab.kind.scale": {"en": "scale", "zh": "scale（缩放）"},
    "lab.kind.center": {"en": "center", "zh": "center（居中）"},
    "lab.kind.standardize": {"en": "standardize", "zh": "standardize（标准化）"},
    "lab.status.diverged": {"en": "diverged (NaN/inf)", "zh": "发散（NaN/inf）"},
    "lab.status.unstable": {"en": "unstable (loss > ln K)", "zh": "不稳定（损失 > ln K）"},
    "lab.status.stalled": {"en": "stalled", "zh": "停滞"},
    "lab.status.converged": {"en": "converged", "zh": "收敛"},
    "lab.run.constant": {"en": "constant (float64)", "zh": "常数（float64）"},
    "lab.run.constant_float32": {"en": "constant (float32)", "zh": "常数（float32）"},
    "lab.run.xavier": {"en": "xavier", "zh": "xavier"},
    "lab.run.kaiming": {"en": "kaiming", "zh": "kaiming"},
    # --- overflow ------------------------------------------------------------------------------
    "lab.overflow.title": {
        "en": "Overflow: the naive softmax on raw pixels, and raw vs scaled inputs",
        "zh": "溢出：原始像素上的朴素 softmax，以及原始输入与缩放输入的对比",
    },
    "lab.overflow.why": {
        "en": "The textbook softmax exp(z)/Σexp(z), typed in literally, breaks once a logit is "
        "large enough for exp to overflow. Raw 0..255 pixels make large logits easy. This "
        "experiment finds the limits, counts the failures on real logits, and trains the "
        "same model on raw and on scaled inputs.",
        "zh": "照课本直接写出的 softmax 公式 exp(z)/Σexp(z)，一旦某"
        "个得分（logit）大到让 exp 溢出就会失效，而 0 到 255 的原始"
        "像素很容易产生很大的得分。本实验找出失效的界限，统计真实得分上的失效次数，并"
        "用原始输入和缩放后的输入分别训练同一个模型。",
    },
    "lab.overflow.t.limits": {
        "en": "Where the naive softmax stops being finite (integer logits scanned)",
        "zh": "朴素 softmax 从哪里开始不再有限（逐个扫描整数得分）",
    },
    "lab.overflow.t.logits": {
        "en": "Raw-pixel logits of the test set",
        "zh": "测试集原始像素产生的得分",
    },
    "lab.overflow.t.training": {
        "en": "Training at the same learning rate",
        "zh": "相同学习率下的训练",
    },
    "lab.overflow.c.limits": {
        "en": "The naive exp(z)/Σexp(z) returned NaN from a logit of {z32} on in float32 and from "
        "{z64} on in float64: exp overflows to inf, and inf/inf is NaN. When every logit is "
        "at or below -{u32} (float32) or -{u64} (float64) it fails as well, because every "
        "exp underflows to 0 and 0/0 is NaN.",
        "zh": "朴素公式 exp(z)/Σexp(z) 在 float32 中从得分 {z3"
        "2} 起、在 float64 中从 {z64} 起返回 NaN：exp 溢出"
        "成 inf，而 inf/inf 是 NaN。若所有得分都不大于 -{u32}"
        "（float32）或 -{u64}（float64），它同样失效，因为每个 "
        "exp 都下溢成 0，0/0 也是 NaN。",
    },
    "lab.overflow.c.no_limit": {
        "en": "No integer logit below {limit} made the naive softmax fail.",
        "zh": "{limit} 以内的整数得分都没有让朴素 softmax 失效。",
    },
    "lab.overflow.c.stable_ok": {
        "en": "functional.softmax, which subtracts each row's largest logit first, stayed finite "
        "on every one of these logits.",
        "zh": "functional.softmax 先减去每行最大的得分，在所有这些得分上都保持有限。",
    },
    "lab.overflow.c.stable_bad": {
        "en": (
            "Even functional.softmax gave non-finite values here; that is a bug, please report it."
        ),
        "zh": "连 functional.softmax 在这里也出现了非有限值；这是个缺陷，请报告。",
    },
    "lab.overflow.c.init_f32_only": {
        "en": "With {init} initial weights, raw pixels already give logits up to {max}: the naive "
        "softmax fails on {share32} of the test images in float32, while float64 still "
        "copes ({share64} fail).",
        "zh": "使用 {init} 初始权重时，原始像素产生的得分已高达 {max}：在 f"
        "loat32 中朴素 softmax 对 {share32} 的测试图像失效"
        "，而 float64 还撑得住（失效 {share64}）。",
    },
    "lab.overflow.c.init_both": {
        "en": "With {init} initial weights, raw pixels give logits up to {max}: the naive softmax "
        "fails on {share32} of the test images in float32 and on {share64} in float64.",
        "zh": "使用 {init} 初始权重时，原始像素产生的得分高达 {max}：朴素 s"
        "oftmax 在 float32 中对 {share32} 的测试图像失效，"
        "在 float64 中对 {share64} 失效。",
    },
    "lab.overflow.c.init_none": {
        "en": "With {init} initial weights the raw-pixel logits stay small (up to {max}), so the "
        "naive softmax still works at the start ({share32} fail in float32).",
        "zh": "使用 {init} 初始权重时，原始像素的得分还不大（最多 {max}），所"
        "以刚开始朴素 softmax 仍能工作（float32 中失效 {share"
        "32}）。",
    },
    "lab.overflow.c.trained_bad": {
        "en": "After training on raw pixels the logits reach {max}, and the naive softmax fails "
        "on {share64} of the test images even in float64.",
        "zh": "用原始像素训练之后，得分达到 {max}，即使在 float64 中朴素 s"
        "oftmax 也对 {share64} 的测试图像失效。",
    },
    "lab.overflow.c.trained_ok": {
        "en": "After training on raw pixels the logits reach {max}, still inside float64's range "
        "({share64} fail).",
        "zh": "用原始像素训练之后，得分达到 {max}，仍在 float64 的范围之内（失效 {share64}）。",
    },
    "lab.overflow.c.raw_diverged": {
        "en": "Training on raw inputs at lr {lr} diverged: the loss became NaN or infinite.",
        "zh": "学习率 {lr} 下用原始输入训练发散了：损失变成了 NaN 或无穷大。",
    },
    "lab.overflow.c.raw_unstable": {
        "en": (
            "Training on raw inputs at lr {lr} never settled: after {epochs} epochs the "
            "training loss was {loss_raw}, {ratio} times the scaled run's {loss_scaled}, and "
            "above the {uniform} of a uniform guess."
        ),
        "zh": (
            "学习率 {lr} 下用原始输入训练始终没有稳定：{epochs} 轮后训练损失为 {loss_raw}，"
            "是缩放输入的 {loss_scaled} 的 {ratio} 倍，甚至高于均匀猜测的 {uniform}。"
        ),
    },
    "lab.overflow.c.raw_unstable_plain": {
        "en": (
            "Training on raw inputs at lr {lr} never settled: after {epochs} epochs the "
            "training loss was {loss_raw}, above the {uniform} of a uniform guess."
        ),
        "zh": (
            "学习率 {lr} 下用原始输入训练始终没有稳定：{epochs} 轮后训练损失为 {loss_raw}，"
            "高于均匀猜测的 {uniform}。"
        ),
    },
    "lab.overflow.c.raw_stalled": {
        "en": (
            "Training on raw inputs at lr {lr} stalled: the loss stayed near its first-epoch "
            "level and ended at {loss_raw} (scaled: {loss_scaled})."
        ),
        "zh": (
            "学习率 {lr} 下用原始输入训练停滞了：损失一直停在第一轮附近，最终为 {loss_raw}"
            "（缩放输入：{loss_scaled}）。"
        ),
    },
    "lab.overflow.c.raw_converged": {
        "en": (
            "Here training on raw inputs at lr {lr} converged too (final loss {loss_raw}, "
            "scaled {loss_scaled}), so on this data the warning did not bite."
        ),
        "zh": (
            "在这里，学习率 {lr} 下用原始输入训练也收敛了（最终损失 {loss_raw}，缩放输入 "
            "{loss_scaled}），所以在这份数据上这个警告并没有应验。"
        ),
    },
    "lab.overflow.c.scaled_converged": {
        "en": (
            "Scaled to [0, 1], the same run converged: loss {loss_scaled}, test accuracy "
            "{acc_scaled}."
        ),
        "zh": "缩放到 [0, 1] 后，同样的训练收敛了：损失 {loss_scaled}，测试准确率 {acc_scaled}。",
    },
    "lab.overflow.c.scaled_diverged": {
        "en": "Scaled inputs diverged as well at lr {lr}: this learning rate is too large here.",
        "zh": "学习率 {lr} 下缩放后的输入也发散了：这个学习率对这份数据来说太大。",
    },
    "lab.overflow.c.scaled_unstable": {
        "en": (
            "Scaled inputs did not settle either (loss {loss_scaled}, above {uniform}); a lower "
            "learning rate should help."
        ),
        "zh": (
            "缩放后的输入也没有稳定（损失 {loss_scaled}，高于 {uniform}）；降低学习率应该有帮助。"
        ),
    },
    "lab.overflow.c.scaled_stalled": {
        "en": (
            "Scaled inputs barely improved (loss {loss_scaled}); they need more epochs or a "
            "larger learning rate."
        ),
        "zh": "缩放后的输入几乎没有进步（损失 {loss_scaled}）；需要更多轮次或更大的学习率。",
    },
    "lab.overflow.c.accuracy_hides": {
        "en": (
            "Accuracy alone hides the damage: the raw model still got {acc_raw} of the test "
            "images right (scaled {acc_scaled}), because each update is a huge jump much like "
            "a perceptron's, but its accuracy swung by {swing_raw} points over the last epochs "
            "(scaled {swing_scaled}), and it is sure of almost everything: {sat} of the test "
            "images get a top probability of at least {threshold} (scaled {sat_scaled})."
        ),
        "zh": (
            "只看准确率会掩盖问题：原始输入的模型仍答对了 {acc_raw} 的测试图像（缩放输入 "
            "{acc_scaled}），因为每次更新都是一大步跳跃，很像感知机；但它的准确率在最后几轮"
            "波动了 {swing_raw} 个百分点（缩放输入 {swing_scaled}），而且几乎对什么都十分笃定："
            "{sat} 的测试图像的最高概率不低于 {threshold}（缩放输入 {sat_scaled}）。"
        ),
    },
    "lab.overflow.c.accuracy_shows": {
        "en": (
            "The accuracy shows it too: raw {acc_raw} vs scaled {acc_scaled}, {gap} points "
            "apart. {sat} of the raw model's test predictions are saturated (top probability "
            "at least {threshold}; scaled {sat_scaled}): there A - Y is about 0 for a right "
            "answer and about ±1 for a wrong one, times pixels up to 255."
        ),
        "zh": (
            "准确率也反映了这一点：原始输入 {acc_raw}，缩放输入 {acc_scaled}，相差 {gap} 个百分点。"
            "原始输入模型对 {sat} 的测试图像的预测已经饱和（最高概率不低于 {threshold}；缩放输入 "
            "{sat_scaled}）：此时答对时 A - Y 约为 0，答错时约为 ±1，再乘上最大 255 的像素值。"
        ),
    },
    # --- normalize -----------------------------------------------------------------------------
    "lab.normalize.title": {
        "en": "Normalisation: none vs scale vs center vs standardize",
        "zh": "归一化：none、scale、center 与 standardize 的对比",
    },
    "lab.normalize.why": {
        "en": (
            "The same softmax regression, init, data order and learning rate, with the inputs "
            "left raw, scaled to [0, 1], centred to [-1, 1] or standardised per pixel. "
            "'Held from' is the first epoch after which the test accuracy never fell below the "
            "target again."
        ),
        "zh": (
            "同样的 softmax 回归、初始化、数据顺序和学习率，只是输入分别保持原样、缩放到 [0, 1]、"
            "居中到 [-1, 1] 或按像素标准化。“稳定达到”指从这一轮起测试准确率再也没有跌破目标。"
        ),
    },
    "lab.normalize.t.summary": {
        "en": "Per normalisation",
        "zh": "各种归一化的结果",
    },
    "lab.normalize.c.best": {
        "en": (
            "{kind} held the target of {target} test accuracy earliest, from epoch {epoch} on "
            "(final loss {loss})."
        ),
        "zh": (
            "{kind} 最早稳定达到 {target} 的目标测试准确率，从第 {epoch} 轮起（最终损失 {loss}）。"
        ),
    },
    "lab.normalize.c.best_tied": {
        "en": (
            "{kind} and {others} held the target of {target} from epoch {epoch} on; {kind} "
            "ended with the lowest loss of them ({loss})."
        ),
        "zh": (
            "{kind} 和 {others} 都从第 {epoch} 轮起稳定达到 {target} 的目标；其中 {kind} 的最终损失"
            "最低（{loss}）。"
        ),
    },
    "lab.normalize.c.nobody": {
        "en": (
            "No normalisation held {target} test accuracy within {epochs} epochs; try more "
            "epochs or a lower --target."
        ),
        "zh": (
            "在 {epochs} 轮内没有任何归一化方式稳定达到 {target} 的测试准确率；可以增加轮数或降低 -"
            "-target。"
        ),
    },
    "lab.normalize.c.raw_never": {
        "en": (
            "Raw inputs never held {target} in {epochs} epochs (first epoch at or above it: "
            "{raw_reach}), while scaled inputs held it from epoch {scaled}."
        ),
        "zh": (
            "原始输入在 {epochs} 轮内始终没有稳定达到 {target}（首次达到：{raw_reach}），"
            "而缩放输入从第 {scaled} 轮起就稳定达到了。"
        ),
    },
    "lab.normalize.c.scaled_sooner": {
        "en": "Scaled inputs held {target} from epoch {scaled}; raw inputs only from epoch {raw}.",
        "zh": "缩放输入从第 {scaled} 轮起稳定达到 {target}；原始输入要到第 {raw} 轮才达到。",
    },
    "lab.normalize.c.raw_sooner": {
        "en": "On this data raw inputs were not slower: they held {target} from epoch {raw}, "
        "scaled inputs from epoch {scaled}. The raw values only reach {max}, and dividing "
        "the inputs by a constant shrinks each step's effect on the logits by the square of "
        "that constant, so at the same lr scaled inputs learn more slowly.",
        "zh": "在这份数据上原始输入并不更慢：它从第 {raw} 轮起稳定达到 {targe"
        "t}，缩放输入则从第 {scaled} 轮起。原始数值最大只有 {max}；"
        "而把输入除以一个常数，会让每一步对得分的影响缩小为原来的该常数平方分之一，所"
        "以在同样的学习率下缩放输入学得更慢。",
    },
    "lab.normalize.c.both_never": {
        "en": "Neither raw nor scaled inputs held {target} within {epochs} epochs.",
        "zh": "原始输入和缩放输入在 {epochs} 轮内都没有稳定达到 {target}。",
    },
    "lab.normalize.c.raw_same": {
        "en": "Raw and scaled inputs held {target} from the same epoch ({raw}).",
        "zh": "原始输入和缩放输入在同一轮（{raw}）起稳定达到 {target}。",
    },
    "lab.normalize.c.loss_raw_worse": {
        "en": (
            "The final training loss says more: raw {loss_raw} vs scaled {loss_scaled}, "
            "{ratio} times higher, and the raw run's accuracy still swings by {swing_raw} "
            "points over the last epochs (scaled {swing_scaled})."
        ),
        "zh": (
            "最终训练损失更说明问题：原始输入 {loss_raw}，缩放输入 {loss_scaled}，高出 {ratio} 倍；"
            "而且原始输入的准确率在最后几轮仍波动 {swing_raw} 个百分点（缩放输入 {swing_scaled}）。"
        ),
    },
    "lab.normalize.c.loss_raw_better": {
        "en": (
            "Raw inputs even ended with the lower loss: {loss_raw} vs scaled {loss_scaled} "
            "({ratio} times lower)."
        ),
        "zh": "原始输入的最终损失反而更低：{loss_raw}，缩放输入 {loss_scaled}（低 {ratio} 倍）。",
    },
    "lab.normalize.c.loss_similar": {
        "en": "Their final losses are close: raw {loss_raw}, scaled {loss_scaled}.",
        "zh": "两者的最终损失接近：原始输入 {loss_raw}，缩放输入 {loss_scaled}。",
    },
    "lab.normalize.c.norms": {
        "en": "How far one update moves the logits grows with lr × ‖x‖²; at lr {lr} the mean ‖x‖² "
        "of a training image was: {norms}.",
        "zh": "一次更新让得分移动的幅度随学习率 × ‖x‖² 增大；学习率为 {lr} 时"
        "，训练图像的平均 ‖x‖² 为：{norms}。",
    },
    "lab.normalize.c.wobbly": {
        "en": (
            "That is why {kind} was the least steady of the normalised inputs: its accuracy "
            "swung by {swing} points over the last epochs (scale: {swing_scale}), with a mean "
            "‖x‖² of {norm} against {norm_scale} for scale."
        ),
        "zh": (
            "这也解释了为什么 {kind} 是归一化输入中最不稳定的：它的准确率在最后几轮波动了 {swing} "
            "个百分点（scale：{swing_scale}），平均 ‖x‖² 为 {norm}，而 scale 只有 {norm_scale}。"
        ),
    },
    "lab.normalize.c.lowest_loss": {
        "en": "Lowest final loss: {kind}, {loss} (test accuracy {acc}).",
        "zh": "最终损失最低的是 {kind}：{loss}（测试准确率 {acc}）。",
    },
    # --- init ----------------------------------------------------------------------------------
    "lab.init.title": {
        "en": "Initialisation: six schemes, with and without a hidden layer",
        "zh": "初始化：六种方案，有无隐藏层的对比",
    },
    "lab.init.why": {
        "en": "Each scheme starts softmax regression and a one-hidden-layer network; inputs are "
        "scaled to [0, 1] and the data order is the same for every run. 'Unit spread' is "
        "the largest difference between the weights of two hidden units; 'distinct units' "
        "counts the different kinds of hidden unit (identical units count as one).",
        "zh": "每种方案分别初始化 softmax 回归和单隐藏层网络；输入缩放到 [0, "
        "1]，每次训练的数据顺序相同。“单元差异”是任意两个隐藏单元权重的最大差值，"
        "“单元种类”是隐藏单元实际有几种（完全相同的单元算作一种）。",
    },
    "lab.init.t.summary": {"en": "Per initialisation", "zh": "各种初始化的结果"},
    "lab.init.c.sr_zeros_fine": {
        "en": (
            "Softmax regression from all-zero weights reached {zeros} test accuracy, within "
            "{gap} points of the random inits' mean {mean}: a single softmax layer is convex "
            "and each class row gets its own gradient, so there is no symmetry to break."
        ),
        "zh": (
            "softmax 回归从全零权重出发达到了 {zeros} 的测试准确率，与随机初始化的平均值 {mean} "
            "只差 {gap} 个百分点：单层 softmax 是凸问题，每个类别的那一行都有自己的梯度，"
            "根本没有需要打破的对称性。"
        ),
    },
    "lab.init.c.sr_zeros_better": {
        "en": (
            "Softmax regression from all-zero weights reached {zeros}, {gap} points above the "
            "random inits' mean {mean}: zeros are no handicap for a single layer."
        ),
        "zh": (
            "softmax 回归从全零权重出发达到了 {zeros}，比随机初始化的平均值 {mean} 还高 {gap} "
            "个百分点：对单层模型来说全零并不吃亏。"
        ),
    },
    "lab.init.c.sr_zeros_worse": {
        "en": (
            "Softmax regression from all-zero weights reached {zeros}, {gap} points below the "
            "random inits' mean {mean}; a single layer has no symmetry to break, so this gap "
            "comes from the starting point, not from a trap."
        ),
        "zh": (
            "softmax 回归从全零权重出发达到了 {zeros}，比随机初始化的平均值 {mean} 低 {gap} "
            "个百分点；单层模型没有需要打破的对称性，这个差距来自起点不同，而不是陷阱。"
        ),
    },
    "lab.init.c.sr_constant_same": {
        "en": "A constant init gave exactly the zeros result ({acc}): equal rows add the same "
        "number to every logit, and softmax does not change under such a shift.",
        "zh": "常数初始化得到了和全零完全相同的结果（{acc}）：相同的行给每个得分加上同"
        "一个数，而 softmax 在这种平移下保持不变。",
    },
    "lab.init.c.sr_constant_differs": {
        "en": "A constant init reached {acc} (zeros: {zeros}); equal rows shift every logit by "
        "the same amount, so in exact arithmetic the two would train identically.",
        "zh": "常数初始化达到了 {acc}（全零：{zeros}）；相同的行只是把每个得分"
        "平移同样的量，在精确算术下两者的训练过程应当完全一样。",
    },
    "lab.init.c.mlp_trap": {
        "en": "With a hidden layer, {scheme} init is a trap: {acc} test accuracy against "
        "{best_acc} for {best} ({gap} points less); {units} (largest difference between "
        "units: {spread}).",
        "zh": "有了隐藏层，{scheme} 初始化就成了陷阱：测试准确率 {acc}，而 "
        "{best} 为 {best_acc}（低 {gap} 个百分点）；{uni"
        "ts}（单元间最大差异：{spread}）。",
    },
    "lab.init.c.mlp_behind": {
        "en": "With a hidden layer, {scheme} init reached {acc}, {gap} points behind {best} "
        "({best_acc}); {units}.",
        "zh": "有了隐藏层，{scheme} 初始化达到 {acc}，比 {best}（{b"
        "est_acc}）落后 {gap} 个百分点；{units}。",
    },
    "lab.init.c.mlp_no_trap": {
        "en": "With a hidden layer, {scheme} init still reached {acc}, close to {best} "
        "({best_acc}); {units}.",
        "zh": "有了隐藏层，{scheme} 初始化仍达到 {acc}，与 {best}（{best_acc}）接近；{units}。",
    },
    "lab.units.identical": {
        "en": "all {hidden} hidden units are identical, in effect a single unit",
        "zh": "{hidden} 个隐藏单元其实是同一种，全部相同，相当于只有一个单元",
    },
    "lab.units.kinds": {
        "en": "its {hidden} hidden units come in only {distinct} different kinds",
        "zh": "{hidden} 个隐藏单元实际上只有 {distinct} 种",
    },
    "lab.units.all": {
        "en": "all {hidden} hidden units are different",
        "zh": "{hidden} 个隐藏单元各不相同",
    },
    "lab.init.c.contrast": {
        "en": (
            "All-zero weights cost {sr_gap} points in softmax regression but {mlp_gap} points "
            "with one hidden layer."
        ),
        "zh": (
            "全零权重在 softmax 回归中只损失 {sr_gap} 个百分点，在单隐藏层网络中却损失 {mlp_gap} 个"
            "百分点。"
        ),
    },
    "lab.init.c.random_lag": {
        "en": (
            "Among the random inits, {slow} reached {acc}, {gap} points behind {best} "
            "({best_acc}): the scale of the starting weights matters too, not only their "
            "randomness."
        ),
        "zh": (
            "在随机初始化中，{slow} 只达到 {acc}，比 {best}（{best_acc}）落后 {gap} 个百分点："
            "起始权重的尺度同样重要，而不只是随机与否。"
        ),
    },
    "lab.init.c.random_close": {
        "en": "The random inits ended within {gap} points of each other.",
        "zh": "各种随机初始化的最终结果彼此相差不超过 {gap} 个百分点。",
    },
    # --- symmetry ------------------------------------------------------------------------------
    "lab.symmetry.title": {
        "en": "The symmetry trap: equal hidden units stay equal",
        "zh": "对称性陷阱：相同的隐藏单元始终相同",
    },
    "lab.symmetry.why": {
        "en": (
            "When every hidden unit starts with the same weights, each computes the same value, "
            "receives the same gradient and makes the same update, so the units never become "
            "different. The spread is the largest difference between the weights of two hidden "
            "units (incoming weights, bias and outgoing weights), measured after every epoch."
        ),
        "zh": (
            "如果所有隐藏单元的初始权重都一样，它们算出的值相同、收到的梯度相同、更新也相同，"
            "于是永远不会变得不同。差异指任意两个隐藏单元的权重（输入权重、偏置和输出权重）"
            "之间的最大差值，每轮结束后测量一次。"
        ),
    },
    "lab.symmetry.t.summary": {
        "en": "How different the hidden units are",
        "zh": "隐藏单元之间的差异",
    },
    "lab.symmetry.c.stayed": {
        "en": "From a constant init all {hidden} hidden units stayed identical for {epochs} "
        "epochs: the largest difference between two units is {spread}, so they act as "
        "{distinct} unit, and the test accuracy is {acc}.",
        "zh": "从常数初始化出发，{hidden} 个隐藏单元在 {epochs} 轮中始终"
        "完全相同：任意两个单元之间的最大差异为 {spread}，实际上只相当于 {"
        "distinct} 个单元；测试准确率为 {acc}。",
    },
    "lab.symmetry.c.split": {
        "en": "From a constant init the hidden units did not stay identical: after {epochs} "
        "epochs the largest difference is {spread} and the {hidden} units come in "
        "{distinct} kinds; test accuracy {acc}.",
        "zh": "从常数初始化出发，隐藏单元并没有保持相同：{epochs} 轮后最大差异为 "
        "{spread}，{hidden} 个单元实际有 {distinct} 种；"
        "测试准确率 {acc}。",
    },
    "lab.symmetry.c.cost_large": {
        "en": "That is {gap} points below {best} ({best_acc}): equal units receive equal "
        "gradients, so the {hidden} units work as one. Random starts give {others} "
        "(accuracy, distinct units).",
        "zh": "这比 {best}（{best_acc}）低了 {gap} 个百分点：相同的"
        "单元收到相同的梯度，{hidden} 个单元只相当于一个。随机起点的结果为 "
        "{others}（准确率，单元种类）。",
    },
    "lab.symmetry.c.cost_small": {
        "en": "That is only {gap} points below {best} ({best_acc}) on this run. Random starts "
        "give {others} (accuracy, distinct units).",
        "zh": "在这次运行中只比 {best}（{best_acc}）低 {gap} 个百分"
        "点。随机起点的结果为 {others}（准确率，单元种类）。",
    },
    "lab.symmetry.c.cost_none": {
        "en": "Its accuracy was no worse than {best} ({best_acc}) on this run. Random starts give "
        "{others} (accuracy, distinct units).",
        "zh": "在这次运行中它的准确率并不比 {best}（{best_acc}）差。随机起"
        "点的结果为 {others}（准确率，单元种类）。",
    },
    "lab.symmetry.c.random_distinct": {
        "en": (
            "From random starts every one of the {hidden} units is different (spread at least "
            "{spread})."
        ),
        "zh": "从随机起点出发，{hidden} 个单元个个不同（差异至少为 {spread}）。",
    },
    "lab.symmetry.c.random_merged": {
        "en": (
            "Even from random starts some of the {hidden} units ended up equal (smallest "
            "spread {spread})."
        ),
        "zh": "即使从随机起点出发，{hidden} 个单元中也有一些最终变得相同（最小差异 {spread}）。",
    },
    "lab.symmetry.c.f32_exact": {
        "en": "In float32 the constant run also kept the units exactly equal.",
        "zh": "在 float32 中，常数初始化的训练同样让各单元保持完全相等。",
    },
    "lab.symmetry.c.f32_rounding": {
        "en": (
            "In float32, rounding left the units differing by only {last} after {epochs} "
            "epochs: still one unit in effect (accuracy {acc})."
        ),
        "zh": (
            "在 float32 中，舍入误差让各单元在 {epochs} 轮后只相差 {last}：实际上仍然只有一个单元"
            "（准确率 {acc}）。"
        ),
    },
    "lab.symmetry.c.f32_broke": {
        "en": "In float32, rounding differences of {first} (first seen at epoch {first_epoch}) "
        "grew {factor}-fold to {last} by epoch {epochs}: the equal state is unstable, so "
        "rounding noise slowly pulls the units apart ({distinct} kinds among the {hidden} "
        "units, accuracy {acc}). A random init does this at once, and on purpose.",
        "zh": "在 float32 中，{first} 大小的舍入差异（第 {first_e"
        "poch} 轮首次出现）到第 {epochs} 轮增长了 {factor} "
        "倍，达到 {last}：相等的状态并不稳定，舍入噪声会慢慢把单元拉开（{hi"
        "dden} 个单元中有 {distinct} 种，准确率 {acc}）。随机"
        "初始化则是一开始就有意做到这一点。",
    },
    "lab.symmetry.c.f32_broke_fast": {
        "en": "In float32, rounding differences had already pulled the units apart by the first "
        "measurement (epoch {first_epoch}: spread {first}, {last} at the end; {distinct} "
        "kinds among the {hidden} units, accuracy {acc}): the equal state is unstable, and "
        "with many steps per epoch rounding noise grows fast. A random init breaks the tie "
        "at once, and on purpose.",
        "zh": "在 float32 中，到第一次测量时（第 {first_epoch} 轮："
        "差异 {first}，最终 {last}；{hidden} 个单元中有 {d"
        "istinct} 种，准确率 {acc}），舍入差异已经把单元拉开：相等的状"
        "态并不稳定，每轮步数多时舍入噪声增长很快。随机初始化则是一开始就有意地打破这"
        "种平局。",
    },
    "lab.symmetry.c.softmax_note": {
        "en": (
            "A single softmax layer has no such trap: each class row gets its own gradient "
            "(see the init experiment)."
        ),
        "zh": "单层 softmax 没有这个陷阱：每个类别的那一行都有自己的梯度（见初始化实验）。",
    },
    # --- plot labels ---------------------------------------------------------------------------
    "lab.plot.epoch": {"en": "epoch", "zh": "轮次"},
    "lab.plot.train_loss": {"en": "training loss", "zh": "训练损失"},
    "lab.plot.test_accuracy": {"en": "test accuracy", "zh": "测试准确率"},
    "lab.plot.uniform": {
        "en": "uniform guess (ln K)",
        "zh": "均匀猜测（ln K）",
    },
    "lab.plot.target": {"en": "target", "zh": "目标"},
    "lab.plot.max_logit": {
        "en": "largest |logit| on the test set",
        "zh": "测试集上最大的 |得分|",
    },
    "lab.plot.overflow_title": {
        "en": "Raw-pixel logits vs where exp overflows ({dataset})",
        "zh": "原始像素的得分与 exp 溢出界限（{dataset}）",
    },
    "lab.plot.raw_vs_scaled": {
        "en": "Raw vs scaled inputs, lr {lr}",
        "zh": "原始输入与缩放输入，学习率 {lr}",
    },
    "lab.plot.normalize_title": {
        "en": "Normalisation on {dataset}, lr {lr}",
        "zh": "{dataset} 上的归一化，学习率 {lr}",
    },
    "lab.plot.softmax_model": {"en": "softmax regression", "zh": "softmax 回归"},
    "lab.plot.mlp_model": {
        "en": "hidden layer ({hidden} units, {act})",
        "zh": "隐藏层（{hidden} 个单元，{act}）",
    },
    "lab.plot.init_title": {"en": "Initialisation on {dataset}", "zh": "{dataset} 上的初始化"},
    "lab.plot.zero_floor": {
        "en": "a difference of exactly 0 is drawn at {floor}",
        "zh": "恰好为 0 的差异画在 {floor} 处",
    },
    "lab.plot.spread": {
        "en": "largest difference between units",
        "zh": "单元间最大差异",
    },
    "lab.plot.symmetry_title": {
        "en": "Symmetry of {hidden} hidden units ({dataset})",
        "zh": "{hidden} 个隐藏单元的对称性（{dataset}）",
    },
    "lab.plot.units_title": {
        "en": "Incoming weights of the first hidden units after training",
        "zh": "训练后前几个隐藏单元的输入权重",
    },
    # --- the hidden-layer trace (handprop.render.mlp) ------------------------------------------
    "lab.mlp.title": {
        "en": "One SGD step through a hidden layer ({act}), step {step} of {steps}",
        "zh": "经过一个隐藏层（{act}）的一步 SGD，第 {step} 步，共 {steps} 步",
    },
    "lab.mlp.problem": {
        "en": "{D} inputs, {H} hidden units, {K} classes; true class: {true}; learning rate η = "
        "{lr}.",
        "zh": "{D} 个输入，{H} 个隐藏单元，{K} 个类别；正确类别：{true}；学习率 η = {lr}。",
    },
    "lab.mlp.forward": {"en": "Forward pass", "zh": "前向传播"},
    "lab.mlp.backward": {"en": "Backward pass", "zh": "反向传播"},
    "lab.mlp.update": {
        "en": "Update (η = {lr})",
        "zh": "参数更新（学习率 η = {lr}）",
    },
    "lab.mlp.why.z1": {
        "en": "Each hidden unit takes a weighted sum of the inputs plus its bias, just like one "
        "score Z_k of the single-layer model.",
        "zh": "每个隐藏单元对输入做加权求和，再加上偏置，和单层模型里的一个得分 Z_k 完全一样。",
    },
    "lab.mlp.why.relu": {
        "en": "ReLU keeps positive sums and sets the others to 0: a unit with Z1 <= 0 is off for "
        "this sample.",
        "zh": "ReLU 保留正的和，其余置为 0：Z1 <= 0 的单元对这个样本处于关闭状态。",
    },
    "lab.mlp.why.tanh": {
        "en": "tanh squeezes each sum into (-1, 1); near ±1 it flattens out.",
        "zh": "tanh 把每个和压缩到 (-1, 1) 之间；接近 ±1 时曲线变平。",
    },
    "lab.mlp.why.z2": {
        "en": (
            "The output layer is the familiar softmax regression, with the hidden values H as its "
            "inputs."
        ),
        "zh": "输出层就是熟悉的 softmax 回归，只是输入换成了隐藏层的值 H。",
    },
    "lab.mlp.why.delta2": {
        "en": "The softmax-with-cross-entropy shortcut, as in the single layer: the probabilities "
        "minus the one-hot vector Y of the true class.",
        "zh": "与单层模型相同的 softmax + 交叉熵捷径：概率减去正确类别的独热向量 Y。",
    },
    "lab.mlp.why.dw2": {
        "en": "The output weights get delta2 times the hidden values (an outer product); the bias "
        "gets delta2.",
        "zh": "输出层权重的梯度是 delta2 与隐藏层值的外积；偏置的梯度就是 delta2。",
    },
    "lab.mlp.why.dh": {
        "en": "New with a hidden layer: the error travels back through W2, so each hidden unit "
        "collects every class's error, weighted by its outgoing weights.",
        "zh": "这是隐藏层带来的新步骤：误差经由 W2 传回，每个隐藏单元按自己连向各类别的"
        "权重，把所有类别的误差加权汇总。",
    },
    "lab.mlp.why.act_relu": {
        "en": "Through ReLU the gradient passes unchanged where Z1 > 0 and is cut to 0 elsewhere.",
        "zh": "经过 ReLU 时，Z1 > 0 处梯度原样通过，其余位置被截断为 0。",
    },
    "lab.mlp.why.act_tanh": {
        "en": "Through tanh the gradient is scaled by 1 - H², small where the unit saturates (H "
        "near ±1).",
        "zh": "经过 tanh 时，梯度要乘以 1 - H²；单元饱和（H 接近 ±1）时这个因子很小。",
    },
    "lab.mlp.why.dw1": {
        "en": (
            "The first layer's gradients have the same form as the output layer's, with delta1 and "
            "the input x."
        ),
        "zh": "第一层的梯度与输出层形式相同，只是换成了 delta1 和输入 x。",
    },
    "lab.mlp.dead": {
        "en": (
            "Hidden units switched off for this sample (their incoming weights get no gradient): "
            "{units}."
        ),
        "zh": "对这个样本处于关闭状态的隐藏单元（其输入权重没有梯度）：{units}。",
    },
    "lab.mlp.prediction": {
        "en": "Prediction: {pred} ({prob}); true class: {true}. {verdict}",
        "zh": "预测：{pred}（{prob}）；正确类别：{true}。{verdict}",
    },
    "lab.mlp.right": {"en": "Right.", "zh": "正确。"},
    "lab.mlp.wrong": {"en": "Wrong.", "zh": "错误。"},
    "lab.mlp.loss": {
        "en": "Loss L = -ln A{k} = {loss} ({true} is class {k})",
        "zh": "损失 L = -ln A{k} = {loss}（{true} 是第 {k} 类）",
    },
    "lab.mlp.check_ok": {
        "en": "Numerical gradient check: the largest |numerical - formula| over W1, b1, W2, b2 is "
        "{err}, so they agree (tolerance {tol}).",
        "zh": "数值梯度检验：在 W1、b1、W2、b2 上，|数值梯度 - 公式梯度| 的"
        "最大值为 {err}，两者一致（容差 {tol}）。",
    },
    "lab.mlp.check_bad": {
        "en": "Numerical gradient check: the largest |numerical - formula| is {err}, above the "
        "tolerance {tol}: they disagree (a Z1 right at the kink of ReLU can cause this).",
        "zh": "数值梯度检验：|数值梯度 - 公式梯度| 的最大值为 {err}，超过容差 "
        "{tol}，两者不一致（某个 Z1 恰好落在 ReLU 的拐点附近时可能出现"
        "）。",
    },
    "lab.mlp.after": {
        "en": "After the update: loss {before} → {after}; prediction: {pred}.",
        "zh": "更新之后：损失 {before} → {after}；预测：{pred}。",
    },
    # --- command-line help ---------------------------------------------------------------------
    "lab.help.group": {
        "en": "Experiments that measure the pitfalls: overflow, normalisation, init, symmetry.",
        "zh": "实测各种陷阱的实验：溢出、归一化、初始化、对称性。",
    },
    "lab.help.overflow": {
        "en": "Naive vs stable softmax on raw pixels, and training with raw vs scaled inputs.",
        "zh": "原始像素上的朴素与稳定 softmax，以及原始输入与缩放输入的训练对比。",
    },
    "lab.help.normalize": {
        "en": (
            "none vs scale vs center vs standardize: loss curves and epochs to a target accuracy."
        ),
        "zh": "none、scale、center、standardize 的对比：损失曲线和达到目标准确率所需轮数。",
    },
    "lab.help.init": {
        "en": "Six init schemes on softmax regression and on a one-hidden-layer network.",
        "zh": "六种初始化方案分别用于 softmax 回归和单隐藏层网络。",
    },
    "lab.help.symmetry": {
        "en": "The hidden-layer symmetry trap: hidden units stay identical from equal weights.",
        "zh": "隐藏层的对称性陷阱：从相同权重出发，隐藏单元始终相同。",
    },
    "lab.help.all": {
        "en": "Every experiment, with one Markdown report and its plots in --out.",
        "zh": "运行全部实验，在 --out 中生成一份 Markdown 报告和所有图。",
    },
    "lab.help.trace": {
        "en": "One SGD step of a small hidden-layer network, every number explained.",
        "zh": "小型隐藏层网络的一步 SGD，逐个数字讲解。",
    },
    "lab.help.seed": {
        "en": "Random seed (init and data order).",
        "zh": "随机种子（初始化和数据顺序）。",
    },
    "lab.help.dataset": {
        "en": "Data set (default: the bundled mnist-5k; full sets such as mnist work too).",
        "zh": "数据集（默认为内置的 mnist-5k；也可以用 mnist 等完整数据集）。",
    },
    "lab.help.data_dir": {
        "en": "Folder with the data sets (default: the cache folder).",
        "zh": "数据集所在文件夹（默认：缓存文件夹）。",
    },
    "lab.help.epochs": {"en": "Epochs per training run.", "zh": "每次训练的轮数。"},
    "lab.help.lr": {"en": "Learning rate.", "zh": "学习率。"},
    "lab.help.target": {
        "en": "Target test accuracy, e.g. 0.85 (default: per data set).",
        "zh": "目标测试准确率，例如 0.85（默认按数据集而定）。",
    },
    "lab.help.hidden": {"en": "Hidden units of the network.", "zh": "网络的隐藏单元个数。"},
    "lab.help.activation": {"en": "Hidden activation.", "zh": "隐藏层激活函数。"},
    "lab.help.plots": {
        "en": "Folder to save the PNG plots in.",
        "zh": "保存 PNG 图的文件夹。",
    },
    "lab.help.no_plots": {"en": "Do not save plots.", "zh": "不保存图。"},
    "lab.help.out": {
        "en": "Folder for report.md and the plots.",
        "zh": "存放 report.md 和图的文件夹。",
    },
    "lab.help.steps": {"en": "Number of SGD steps.", "zh": "SGD 步数。"},
    "lab.help.decimals": {"en": "Decimals shown.", "zh": "显示的小数位数。"},
    "lab.report_written": {"en": "Report written: {path}", "zh": "报告已写入：{path}"},
    "lab.running": {"en": "Running {name} ...", "zh": "正在运行 {name} ……"},
    # ------------------------------------------------------------------ what options must be
    "lab.exp.writable_dir": {
        "en": "be a folder that exists or can be created, and is writable",
        "zh": "是一个已存在或可以创建、并且可写的文件夹",
    },
    "lab.exp.target": {
        "en": "be a number in (0, 1], a test accuracy such as 0.85",
        "zh": "是 (0, 1] 中的数，即测试准确率，例如 0.85",
    },
}
