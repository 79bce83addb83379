"""Messages of the engine, the trace and its renderings: key -> {"en": ..., "zh": ...}.

Words only: the formulas are written by each rendering in its own notation (Unicode in the
terminal, LaTeX in Markdown), so both languages share every formula.
"""

MESSAGES: dict[str, dict[str, str]] = {
    "core.demo.class_names": {"en": "cat,dog,pig", "zh": "猫,狗,猪"},
    # ------------------------------------------------------------------ titles and setup
    "core.title.one": {
        "en": "One training step of softmax regression, worked by hand",
        "zh": "手算 softmax 回归的一步训练",
    },
    "core.title.key": {
        "en": "Answer key: one training step of softmax regression, by hand",
        "zh": "参考答案：手算 softmax 回归的一步训练",
    },
    "core.title.many": {
        "en": "{steps} training steps of softmax regression on one sample",
        "zh": "在同一个样本上做 {steps} 步 softmax 回归训练",
    },
    "core.source": {"en": "Problem file: {source}", "zh": "题目文件：{source}"},
    "core.step_heading": {"en": "Step {step} of {steps}", "zh": "第 {step} 步（共 {steps} 步）"},
    "core.sec.setup": {"en": "The problem", "zh": "题目"},
    "core.setup.sizes": {
        "en": "{K} classes, {D} features: x has {D} numbers, W is {K} × {D}, b has {K} numbers.",
        "zh": "{K} 个类别、{D} 个特征：x 有 {D} 个数，W 是 {K} × {D} 矩阵，b 有 {K} 个数。",
    },
    "core.setup.sizes_batch": {
        "en": "A mini-batch of {N} samples, {K} classes, {D} features: X is {N} × {D} (one row per "
        "sample), W is {K} × {D}, b has {K} numbers, Y is {N} × {K}.",
        "zh": "{N} 个样本的小批量，{K} 个类别、{D} 个特征：X 是 {N} × {D} 矩阵（每个样本一行），"
        "W 是 {K} × {D} 矩阵，b 有 {K} 个数，Y 是 {N} × {K} 矩阵。",
    },
    "core.setup.sizes_one": {
        "en": "{K} classes, {D} feature: x has {D} number, W is {K} × {D}, b has {K} numbers.",
        "zh": "{K} 个类别、{D} 个特征：x 有 {D} 个数，W 是 {K} × {D} 矩阵，b 有 {K} 个数。",
    },
    "core.setup.true": {
        "en": "True class: {label} (class {n}), so the one-hot vector is Y = {onehot}",
        "zh": "正确类别：{label}（第 {n} 类），对应的独热向量 Y = {onehot}",
    },
    "core.setup.true_plain": {
        "en": "True class: class {n}, so the one-hot vector is Y = {onehot}",
        "zh": "正确类别：第 {n} 类，对应的独热向量 Y = {onehot}",
    },
    "core.setup.lr": {"en": "Learning rate η = {lr}", "zh": "学习率 η = {lr}"},
    "core.setup.lr_key": {
        "en": "Learning rate η = {lr} (lr on the answer sheet)",
        "zh": "学习率 η = {lr}（答题卡上的 lr）",
    },
    "core.setup.counting": {
        "en": "Classes are numbered from 1, as on paper: Z1, A1, b1 and row 1 of W belong to "
        "class 1. Only the y of a problem file and the JSON output count from 0 (here y = "
        "{index}).",
        "zh": "类别按手写习惯从 1 开始编号：Z1、A1、b1 和 W 的第 1 行都属于第 1 类。只有题目"
        "文件里的 y 和 JSON 输出从 0 开始编号（本题 y = {index}）。",
    },
    "core.setup.precision": {
        "en": "Numbers are shown rounded; the working itself uses full precision. A line "
        "written with = holds for the numbers shown on it; a line written with ≈ takes its "
        "result from the unrounded values, which the rounded numbers shown give only "
        "approximately.",
        "zh": "显示的数字都经过四舍五入，计算本身使用完整精度。用 = 写的式子，用式中显示的"
        "数字就能验算；用 ≈ 写的式子，结果是由未经舍入的值算出的，用显示的数字只能近似得到。",
    },
    "core.key.rule": {
        "en": "As the exercise sheet asks, every result is rounded to {decimals} decimals (a 5 "
        "rounds away from zero: -0.1735 becomes -0.174 at 3 decimals) and the next line works "
        "with the rounded values, so a student who follows the rule gets these numbers line by "
        "line. The name after a heading (Z, exp_Z, ...) is the answer sheet's.",
        "zh": "按照练习题的要求，每个结果都四舍五入到 {decimals} 位小数（负数按绝对值舍入：保留"
        " 3 位时 -0.1735 记作 -0.174），下一行再用舍入后的值接着算；照这个规则计算，就能一行"
        "一行地得到这里的数。标题后面的名字（Z、exp_Z 等）就是答题卡上的名字。",
    },
    "core.class_default": {"en": "class {n}", "zh": "第 {n} 类"},
    "core.row": {"en": "row {n}", "zh": "第 {n} 行"},
    "core.list_sep": {"en": ", ", "zh": "，"},
    "core.named": {"en": "{name} ({label})", "zh": "{name}（{label}）"},
    "core.why": {"en": "Why: {text}", "zh": "为什么：{text}"},
    "core.why.setup": {
        "en": "row k of W and entry k of b belong to class k, and column j of W says how much "
        "feature j counts for each class. Training only ever changes W and b; x and Y are given.",
        "zh": "W 的第 k 行和 b 的第 k 个数属于第 k 个类别；W 的第 j 列说明第 j 个特征对各个类别"
        "有多重要。训练过程只改 W 和 b，x 和 Y 是给定的。",
    },
    # ------------------------------------------------------------------ phases and sections
    "core.phase.forward": {
        "en": "Phase 1 · Forward pass: the model makes its guess",
        "zh": "第一阶段 · 正向传播：模型先给出猜测",
    },
    "core.phase.backward": {
        "en": "Phase 2 · Backward pass: trace the error back to every parameter",
        "zh": "第二阶段 · 反向传播：把误差追溯到每个参数",
    },
    "core.phase.update": {
        "en": "Phase 3 · Update: move every parameter against its gradient",
        "zh": "第三阶段 · 参数更新：每个参数沿梯度的反方向移动",
    },
    "core.sec.logits": {"en": "Logits (raw scores)", "zh": "原始得分（logits）"},
    "core.sec.exp": {"en": "Exponentials and their sum", "zh": "指数及其总和"},
    "core.sec.probs": {"en": "Probabilities (softmax)", "zh": "概率（softmax）"},
    "core.sec.prediction": {"en": "Prediction", "zh": "预测结果"},
    "core.sec.loss": {"en": "Loss (cross-entropy)", "zh": "损失（交叉熵）"},
    "core.sec.dlda": {
        "en": "How the loss reacts to each probability",
        "zh": "损失对每个概率的导数",
    },
    "core.sec.jacobian": {"en": "The softmax Jacobian", "zh": "softmax 的雅可比矩阵"},
    "core.sec.delta": {"en": "δ = ∂L/∂Z, computed two ways", "zh": "δ = ∂L/∂Z 的两种算法"},
    "core.sec.delta_key": {"en": "The error term δ = ∂L/∂Z", "zh": "误差项 δ = ∂L/∂Z"},
    "core.sec.db": {"en": "Gradient of the bias", "zh": "偏置的梯度"},
    "core.sec.dw": {"en": "Gradient of the weights, row by row", "zh": "权重的梯度（逐行）"},
    "core.sec.gradcheck": {"en": "Numerical gradient check", "zh": "数值梯度检验"},
    "core.sec.update_b": {"en": "New bias", "zh": "新的偏置"},
    "core.sec.update_w": {"en": "New weights", "zh": "新的权重"},
    "core.sec.after": {"en": "After the update", "zh": "更新之后"},
    "core.sec.summary": {"en": "Summary of all steps", "zh": "各步汇总"},
    # ------------------------------------------------------------------ lines with numbers
    "core.mark.predicted": {"en": "predicted", "zh": "预测"},
    "core.mark.true": {"en": "true class", "zh": "正确答案"},
    "core.pred.wrong": {
        "en": "✗ Wrong: the model bets on {pred} ({pct}), but the answer is {true} ({true_pct}).",
        "zh": "✗ 猜错了：模型押在 {pred}（{pct}）上，正确答案却是 {true}（{true_pct}）。",
    },
    "core.pred.right": {
        "en": "✓ Right: the model bets on {pred} ({pct}), which is the answer.",
        "zh": "✓ 猜对了：模型押在 {pred}（{pct}）上，正是正确答案。",
    },
    "core.jacobian.entry": {
        "en": "(J_ij = A_i·(𝟙[i = j] - A_j), where 𝟙[i = j] is 1 if i = j and 0 otherwise)",
        "zh": "（J_ij = A_i·(𝟙[i = j] - A_j)，其中 i = j 时 𝟙[i = j] 为 1，否则为 0）",
    },
    "core.delta.long": {"en": "The long way (chain rule):", "zh": "完整推导（链式法则）："},
    "core.delta.short": {"en": "The shortcut:", "zh": "捷径："},
    "core.delta.agree": {
        "en": "✓ Both ways give the same δ (largest difference {gap}).",
        "zh": "✓ 两种算法得到同一个 δ（最大差 {gap}）。",
    },
    "core.delta.disagree": {
        "en": "✗ The two ways differ by up to {gap}.",
        "zh": "✗ 两种算法最多相差 {gap}。",
    },
    "core.gradcheck.line": {
        "en": "Each of the {count} parameters nudged by ±{eps}: largest |numerical - formula| "
        "= {err}",
        "zh": "把 {count} 个参数逐个加减 {eps}：|数值梯度 - 公式梯度| 的最大值 = {err}",
    },
    "core.gradcheck.ok": {
        "en": "✓ The formulas agree with the numerical gradient (tolerance {tol}).",
        "zh": "✓ 公式算出的梯度与数值梯度一致（容差 {tol}）。",
    },
    "core.gradcheck.fail": {
        "en": "✗ The formulas and the numerical gradient differ by more than {tol}.",
        "zh": "✗ 公式梯度与数值梯度之差超过 {tol}。",
    },
    "core.dw.some_rows": {
        "en": "(Only the rows of the true and the predicted class are written out; the matrix "
        "has them all.)",
        "zh": "（这里只写出正确类别和预测类别两行；矩阵中包含全部各行。）",
    },
    "core.update.true_row": {
        "en": "Row {row} (the true class, {label}), entry by entry:",
        "zh": "第 {row} 行（正确类别：{label}）逐个计算：",
    },
    "core.after.loss": {
        "en": "Loss: {before} → {after} ({change})",
        "zh": "损失：{before} → {after}（{change}）",
    },
    "core.after.prob": {
        "en": "Probability of the true class ({label}): {before} → {after}",
        "zh": "正确类别（{label}）的概率：{before} → {after}",
    },
    "core.after.right": {
        "en": "✓ The model now predicts {pred}: right.",
        "zh": "✓ 模型现在预测为 {pred}：对了。",
    },
    "core.after.wrong": {
        "en": "✗ The model still predicts {pred}; the answer is {true}.",
        "zh": "✗ 模型仍然预测为 {pred}；正确答案是 {true}。",
    },
    # ------------------------------------------------------------------ the reasons
    "core.why.logits": {
        "en": "each class gets a raw score: its row of W weighs the features of x and its bias "
        "shifts the total. A score can be any real number, so it is not a probability yet.",
        "zh": "每个类别先得到一个原始分数：用它那一行 W 给 x 的各个特征加权求和，再加上它的偏置。"
        "分数可以是任意实数，所以还不能当作概率。",
    },
    "core.why.exp": {
        "en": "e^Z is positive for every Z and keeps the order of the scores. It turns differences "
        "into ratios: a score higher by 1 gets e ≈ 2.72 times the share, one higher by 2 "
        "about 7.4 times, so the largest score ends up with the largest share.",
        "zh": "e^Z 对任何 Z 都是正数，并且保持分数的大小顺序。它把差变成比：分数高 1，"
        "分到的份额就是 e ≈ 2.72 倍；高 2，约为 7.4 倍。所以分数最高的类"
        "别分到最大的份额。",
    },
    "core.why.overflow": {
        "en": "e^Z is too large for floating point here, so the written-out values overflow; the "
        "probabilities are computed after subtracting the largest logit, which gives the same "
        "result without overflow.",
        "zh": "这里的 e^Z 超出了浮点数的范围，所以写出来的值溢出了；概率是先减去最大的得分"
        "再计算的，结果相同而不会溢出。",
    },
    "core.why.probs": {
        "en": "dividing by the sum makes the numbers add up to exactly 1, so each can be read as "
        "the model's confidence in that class.",
        "zh": "除以总和之后这些数加起来正好是 1，于是每个数都可以读作模型对该类别的信心。",
    },
    "core.why.loss": {
        "en": "cross-entropy looks only at the probability given to the true class. It is 0 when "
        "that probability is 1 and grows without bound as it approaches 0, so confident mistakes "
        "cost the most.",
        "zh": "交叉熵只看模型给正确类别的概率：这个概率为 1 时损失为 0，越接近 0 损失越大，"
        "而且没有上限，所以“自信地猜错”代价最高。",
    },
    "core.why.dlda": {
        "en": "the loss contains only the true class's probability, so that is the only non-zero "
        "entry; it is negative because raising that probability lowers the loss.",
        "zh": "损失里只出现正确类别的概率，所以只有这一项不为 0；它是负数，因为把这个概率调高"
        "会让损失变小。",
    },
    "core.why.jacobian": {
        "en": "all probabilities share one denominator, so each of them depends on every logit: "
        "raising one logit gives its class more probability and takes some from all the "
        "others.",
        "zh": "所有概率共用同一个分母，所以每个概率都依赖于每一个得分：调高一个得分，它的类"
        "别概率会变大，同时从其他所有类别那里分走一些。",
    },
    "core.why.delta": {
        "en": "multiplying the Jacobian by ∂L/∂A is the chain rule written in full. For softmax "
        "followed by cross-entropy the product simplifies to A - Y, the probabilities minus "
        "the one-hot vector, which is why both lines give the same numbers and why code uses "
        "the shortcut.",
        "zh": "用雅可比矩阵乘以 ∂L/∂A，就是把链式法则完整写出来。softmax 后面接交"
        "叉熵时，这个乘积会化简成 A - Y，即概率减去独热向量，所以两种算法得到的数相"
        "同，实际代码也只用捷径。",
    },
    "core.why.delta_key": {
        "en": "for softmax followed by cross-entropy the chain rule gives ∂L/∂Z = A - Y, the "
        "probabilities minus the one-hot vector (handprop step writes the chain rule out in "
        "full).",
        "zh": "softmax 后面接交叉熵时，链式法则给出 ∂L/∂Z = A - Y，即概率减去独热向量"
        "（handprop step 会把链式法则完整写出来）。",
    },
    "core.why.delta_sign": {
        "en": "a positive δ_k means class k received too much probability and its score should "
        "fall; a negative δ_k means it received too little and its score should rise.",
        "zh": "δ_k 为正说明第 k 类分到的概率偏多，它的分数应该降低；δ_k 为负说明分得太少，"
        "分数应该升高。",
    },
    "core.why.db": {
        "en": "b_k is added straight to Z_k, so a small change of b_k changes Z_k by the same "
        "amount: the gradient of b_k is δ_k itself.",
        "zh": "b_k 直接加在 Z_k 上，b_k 变动多少，Z_k 就变动多少，所以 b_k 的梯度就是 δ_k 本身。",
    },
    "core.why.dw": {
        "en": "W_kj reaches the loss only by multiplying x_j inside Z_k, so its gradient is δ_k · "
        "x_j. Row k is δ_k times the whole sample: features far from 0 get a large share of "
        "the blame, and a feature equal to 0 gets none.",
        "zh": "W_kj 只通过在 Z_k 里乘以 x_j 影响损失，所以它的梯度是 δ_k ·"
        " x_j。第 k 行就是 δ_k 乘以整个样本：绝对值大的特征承担更多责任，等于"
        " 0 的特征完全不承担。",
    },
    "core.why.gradcheck": {
        "en": "moving one parameter a tiny step up and down and measuring how the loss changes "
        "estimates its gradient without any calculus. When that estimate matches the formulas, "
        "the formulas (and the code) are right.",
        "zh": "把一个参数往上、往下各挪一小步，看损失怎么变，不用任何求导就能估出它的梯度。"
        "这个估计与公式一致，就说明公式（和代码）是对的。",
    },
    "core.why.update": {
        "en": "the gradient points in the direction in which the loss grows fastest, so each "
        "parameter takes a step the opposite way: new = old - η · gradient. The learning rate η "
        "sets how long the step is.",
        "zh": "梯度指向损失增长最快的方向，所以每个参数朝相反方向走一步："
        "新值 = 旧值 - η · 梯度。学习率 η 决定这一步迈多大。",
    },
    "core.why.arrows": {
        "en": "↑ marks a parameter that went up, ↓ one that went down. The true class's bias rises "
        "and every other bias falls; with positive features the rows of W move the same way. "
        "Whatever the features, Z'_k = Z_k - η·δ_k·(x·x + 1), so next time the true class "
        "scores higher and every other class lower.",
        "zh": "↑ 表示参数变大，↓ 表示变小。正确类别的偏置变大，其他偏置都变小；特征为正时，"
        "W 的各行也这样变化。不论特征正负，都有 Z'_k = Z_k - η·δ_k·"
        "(x·x + 1)，所以下次正确类别得分更高，其他类别得分更低。",
    },
    "core.why.after_down": {
        "en": "the same forward pass with the new parameters. For one sample and this model the "
        "loss on that sample falls for every η > 0: Z'_k = Z_k - η·δ_k·(x·x + 1) raises the "
        "true class's score and lowers every other one, so its probability rises. The step "
        "size matters for the average loss over many samples, where a step that is too long "
        "can overshoot and raise it.",
        "zh": "用新参数再做一次同样的正向传播。对单个样本和这个模型来说，只要 η > 0，这个"
        "样本上的损失就一定下降：Z'_k = Z_k - η·δ_k·(x·x + 1)"
        " 使正确类别的得分升高、其他类别的得分降低，于是正确类别的概率变大。步长的大小影"
        "响的是许多样本上的平均损失：步子太大，可能越过最低点，反而使平均损失上升。",
    },
    "core.why.after_up": {
        "en": "the same forward pass with the new parameters. The loss did not fall measurably: "
        "the gradient is so small that the change is below what float64 can resolve. For one "
        "sample and this model a step against the gradient lowers the loss on that sample for "
        "every η > 0.",
        "zh": "用新参数再做一次同样的正向传播。损失没有明显下降：梯度太小，变化量低于 floa"
        "t64 能分辨的精度。对单个样本和这个模型来说，只要 η > 0，沿梯度反方向走"
        "一步总会让这个样本上的损失下降。",
    },
    # ------------------------------------------------------------------ summary of several steps
    "core.col.step": {"en": "step", "zh": "步"},
    "core.col.loss": {"en": "loss", "zh": "损失"},
    "core.col.p_true": {"en": "p(true class)", "zh": "正确类别概率"},
    "core.col.prediction": {"en": "prediction", "zh": "预测"},
    "core.col.loss_after": {"en": "loss after", "zh": "更新后损失"},
    "core.col.prediction_after": {"en": "prediction after", "zh": "更新后预测"},
    "core.verdict.right": {"en": "{label} ✓", "zh": "{label} ✓"},
    "core.verdict.wrong": {"en": "{label} ✗", "zh": "{label} ✗"},
    "core.summary.fell": {
        "en": "The loss fell from {first} to {last}.",
        "zh": "损失从 {first} 降到了 {last}。",
    },
    "core.summary.rose": {
        "en": "The loss did not fall measurably ({first} → {last}): the changes are below what "
        "float64 can resolve.",
        "zh": "损失没有明显下降（{first} → {last}）：变化量低于 float64 能分辨的精度。",
    },
    "core.summary.flip": {
        "en": "After the update of step {step} the prediction flips to the true class {true}.",
        "zh": "第 {step} 步更新之后，预测翻转为正确类别 {true}。",
    },
    "core.summary.never": {
        "en": "After {steps} steps the model still predicts {pred}, not {true}: more steps or a "
        "larger learning rate would be needed.",
        "zh": "{steps} 步之后模型仍然预测为 {pred}，而不是 {true}：需要更多步数或更大的学习率。",
    },
    "core.summary.always": {
        "en": "The prediction ({true}) was right from the start; the steps make the model more "
        "confident in it.",
        "zh": "预测（{true}）一开始就是对的；这些步骤让模型对它更有把握。",
    },
    # ------------------------------------------------------------------ Markdown only
    "core.md.notation": {
        "en": "Notation: x is the sample (D numbers), W has one row per class (K × D), b has K "
        "numbers; Z = W·x + b are the logits, A = softmax(Z) the probabilities and Y the "
        "one-hot vector of the true class; δ = ∂L/∂Z = A - Y, and η is the learning rate. The "
        "loss is the mean over a batch; with one sample it is -ln A of the true class.",
        "zh": "记号：x 是样本（D 个数），W 每个类别一行（K × D），b 有 K 个数；"
        "Z = W·x + b 是原始得分（logits），A = softmax(Z)"
        " 是概率，Y 是正确类别的独热向量；δ = ∂L/∂Z = A - Y，η 是学"
        "习率。损失取一个批次的平均值；只有一个样本时，就是正确类别的 -ln A。",
    },
    "core.md.class": {"en": "class", "zh": "类别"},
    "core.md.classes": {"en": "Classes: {names}", "zh": "类别：{names}"},
    # ------------------------------------------------------------------ command help
    "core.help.lang": {
        "en": "Language of the output: en or zh (default: from the locale, else en).",
        "zh": "输出语言：en 或 zh（默认随系统区域设置，否则为 en）。",
    },
    "core.help.format": {"en": "Output format.", "zh": "输出格式。"},
    "core.cli.help": {
        "en": "handprop: softmax classification by hand and at scale.\n\nEvery number of a "
        "training step shown, explained and checked. Add --traceback anywhere to see the stack "
        "of an error.",
        "zh": "handprop：既能手算、也能大规模训练的 softmax 分类。\n\n训练一步中的每个数都写出、"
        "解释并检验。在命令行任意位置加上 --traceback，可查看出错时的调用栈。",
    },
    "core.cli.commands": {"en": "Commands", "zh": "命令"},
    "core.cli.cmd.demo": {
        "en": "The worked example of the notes, every step explained.",
        "zh": "笔记中的手算例子，每一步都有解释。",
    },
    "core.cli.cmd.step": {
        "en": "Trace one or more SGD steps on your own problem file.",
        "zh": "在你自己的题目文件上逐步展示一步或多步 SGD。",
    },
    "core.cli.cmd.data": {
        "en": "List and fetch the known data sets.",
        "zh": "列出并下载已知的数据集。",
    },
    "core.cli.cmd.train": {
        "en": "Train a softmax classifier on a data set.",
        "zh": "在数据集上训练 softmax 分类器。",
    },
    "core.cli.cmd.evaluate": {
        "en": "Accuracy, per-class table and confusion matrix of a model file.",
        "zh": "模型文件的准确率、逐类表格和混淆矩阵。",
    },
    "core.cli.cmd.predict": {
        "en": "Classify your own images with a model file.",
        "zh": "用模型文件给你自己的图片分类。",
    },
    "core.cli.cmd.export": {
        "en": "Export a model file to ONNX or a PyTorch state_dict.",
        "zh": "把模型文件导出为 ONNX 或 PyTorch 的 state_dict。",
    },
    "core.cli.cmd.exercise": {
        "en": "Generate softmax exercises and their answer keys.",
        "zh": "生成 softmax 练习题及其答案。",
    },
    "core.cli.cmd.check": {
        "en": "Check a hand-worked answer file step by step.",
        "zh": "逐步检查手算的答题卡。",
    },
    "core.cli.cmd.lab": {
        "en": "Experiments on initialisation, normalisation and overflow.",
        "zh": "关于初始化、归一化和溢出的实验。",
    },
    "core.cli.cmd.serve": {
        "en": "The web explorer on a local address.",
        "zh": "在本机地址上打开网页版。",
    },
    "core.help.demo": {
        "en": "The worked example of the notes (3 features, classes cat/dog/pig), every step "
        "shown and explained.",
        "zh": "笔记中的手算例子（3 个特征，类别为猫、狗、猪），每一步都写出并解释。",
    },
    "core.help.step": {
        "en": "Trace SGD steps on your own problem file (TOML or JSON with X, W, b, y, lr and "
        "optional classes).",
        "zh": "在你自己的题目文件上逐步展示 SGD（TOML 或 JSON，含 X、W、b、y、lr，可选 classes）。",
    },
    "core.help.decimals": {
        "en": "Decimals shown (display only; losses and updated values get one more).",
        "zh": "显示的小数位数（只影响显示；损失和更新后的值多显示一位）。",
    },
    "core.help.steps": {
        "en": "Number of SGD steps on the sample.",
        "zh": "在该样本上执行的 SGD 步数。",
    },
    # ------------------------------------------------------------------ problem files: errors
    "core.err.read": {
        "en": "{where}: cannot read the file ({reason}).",
        "zh": "{where}：无法读取该文件（{reason}）。",
    },
    "core.err.write": {
        "en": "{where}: cannot write the file ({reason}).",
        "zh": "{where}：无法写入该文件（{reason}）。",
    },
    "core.err.file_too_big": {
        "en": "{where}: the file must be at most {limit} bytes; got {size} bytes.",
        "zh": "{where}：文件应当不超过 {limit} 字节；实际为 {size} 字节。",
    },
    "core.err.encoding": {
        "en": "{where}: the file must be UTF-8 text; got byte {byte} at position {position}.",
        "zh": "{where}：文件应当是 UTF-8 文本；在第 {position} 字节处遇到 {byte}。",
    },
    "core.err.syntax": {
        "en": "{where}: the file must be valid {kind}; got: {detail}.",
        "zh": "{where}：文件应当是合法的 {kind}；解析出错：{detail}。",
    },
    "core.err.not_table": {
        "en": "{where}: the file must hold one table of keys (X, W, b, y, lr); got a {got}.",
        "zh": "{where}：文件应当是一个键值表（X、W、b、y、lr）；实际为 {got}。",
    },
    "core.err.unknown_key": {
        "en": "{where}: {field} is not a known key; the keys are {allowed} (case matters).",
        "zh": "{where}：{field} 不是可用的键；可用的键为 {allowed}（区分大小写）。",
    },
    "core.err.missing_key": {
        "en": "{where}: the key {field} is missing; it must give {what}.",
        "zh": "{where}：缺少键 {field}；它应当给出{what}。",
    },
    "core.field.X": {"en": "the sample as a list of D numbers", "zh": "样本（D 个数的列表）"},
    "core.field.W": {
        "en": "the weights as K lists of D numbers",
        "zh": "权重（K 个列表，每个含 D 个数）",
    },
    "core.field.b": {"en": "the bias as a list of K numbers", "zh": "偏置（K 个数的列表）"},
    "core.field.y": {
        "en": "the true class as an index or a one-hot list",
        "zh": "正确类别（类别编号，或独热列表）",
    },
    "core.field.lr": {"en": "the learning rate, a number > 0", "zh": "学习率（大于 0 的数）"},
    "core.got.count": {"en": "{n} numbers", "zh": "{n} 个数"},
    "core.got.one": {"en": "one number", "zh": "1 个数"},
    "core.got.table": {"en": "a table", "zh": "一个表"},
    "core.exp.number": {"en": "be a number", "zh": "是数字"},
    "core.exp.list_of_numbers": {
        "en": "be a non-empty list of numbers",
        "zh": "是非空的数字列表",
    },
    "core.exp.max_length": {
        "en": "have at most {limit} entries",
        "zh": "不超过 {limit} 项",
    },
    "core.exp.matrix": {
        "en": "be a list of rows, each a list of numbers",
        "zh": "是由若干行组成的列表，每行是一个数字列表",
    },
    "core.exp.batch_labels": {
        "en": "be a list of {N} class indices from 0 to {max_index}, one per row of X (N >= 2)",
        "zh": "是由 {N} 个类别编号（0 到 {max_index}）组成的列表，X 的每一行一个（N 至少为 2）",
    },
    "core.exp.row": {
        "en": "be a list of {D} numbers, as long as the first row",
        "zh": "是 {D} 个数的列表，与第一行一样长",
    },
    "core.exp.max_size": {
        "en": "have at most {side} rows and {side} columns and at most {limit} entries in all, so "
        "the trace stays readable and its gradient check quick",
        "zh": "不超过 {side} 行、{side} 列，总共不超过 {limit} 个数，以便展示可读、梯度检验够快",
    },
    "core.exp.classes": {
        "en": "be a list of {K} different, non-empty names",
        "zh": "是 {K} 个互不相同的非空名称组成的列表",
    },
}
