"""Messages of the exercises and the answer checker: key -> {"en": ..., "zh": ...}."""

MESSAGES: dict[str, dict[str, str]] = {
    # --- the quantities of one step, as the sheets and the checker name them ---
    "exercise.q.Z": {
        "en": "the logits Z = W·x + b, one score per class",
        "zh": "原始得分（logits）Z = W·x + b，每个类别一个分数",
    },
    "exercise.q.exp_Z": {
        "en": "the exponentials e^Z, one for each logit",
        "zh": "各个得分的指数 e^Z，每个得分一个",
    },
    "exercise.q.sum_exp": {
        "en": "their sum Σ e^Z (the denominator of softmax)",
        "zh": "这些指数之和 Σ e^Z（softmax 的分母）",
    },
    "exercise.q.A": {
        "en": "the probabilities A = e^Z / Σ e^Z (softmax); they add up to 1",
        "zh": "概率 A = e^Z / Σ e^Z（softmax），加起来等于 1",
    },
    "exercise.q.loss": {
        "en": "the cross-entropy loss L = -ln A{k}, with the natural logarithm (class {k} is the "
        "true class)",
        "zh": "交叉熵损失 L = -ln A{k}，用自然对数（第 {k} 类是正确类别）",
    },
    "exercise.q.delta": {
        "en": "the error term δ = ∂L/∂Z = A - Y (Y is the one-hot vector of the true class)",
        "zh": "误差项 δ = ∂L/∂Z = A - Y（Y 是正确类别的独热向量）",
    },
    "exercise.q.db": {
        "en": "the gradient of the bias, ∂L/∂b = δ",
        "zh": "偏置的梯度 ∂L/∂b = δ",
    },
    "exercise.q.dW": {
        "en": "the gradient of the weights, ∂L/∂W = δ·xᵀ (one row per class, like W)",
        "zh": "权重的梯度 ∂L/∂W = δ·xᵀ（与 W 一样，每行对应一个类别）",
    },
    "exercise.q.b_new": {
        "en": "the bias after the step, b' = b - η·∂L/∂b",
        "zh": "更新后的偏置 b' = b - η·∂L/∂b",
    },
    "exercise.q.W_new": {
        "en": "the weights after the step, W' = W - η·∂L/∂W",
        "zh": "更新后的权重 W' = W - η·∂L/∂W",
    },
    # --- the same quantities in a mini-batch (N samples, the mean loss) ---
    "exercise.qn.Z": {
        "en": "the logits Z = X·Wᵀ + b: one row per sample, one score per class",
        "zh": "原始得分（logits）Z = X·Wᵀ + b：每个样本一行，每个类别一个分数",
    },
    "exercise.qn.exp_Z": {
        "en": "the exponentials e^Z, entry by entry",
        "zh": "各个得分的指数 e^Z，逐个计算",
    },
    "exercise.qn.sum_exp": {
        "en": "the sum of each row of e^Z: one denominator of softmax per sample",
        "zh": "e^Z 每一行的和：每个样本一个 softmax 分母",
    },
    "exercise.qn.A": {
        "en": "the probabilities A: each row of e^Z divided by its sum; every row adds up to 1",
        "zh": "概率 A：e^Z 的每一行除以该行的和；每一行加起来都等于 1",
    },
    "exercise.qn.loss": {
        "en": "the mean cross-entropy loss L = -(1/N) Σ_n ln A_n,y_n over the {N} samples, with "
        "the natural logarithm (A_n,y_n is sample n's probability of its true class)",
        "zh": "{N} 个样本的平均交叉熵损失 L = -(1/N) Σ_n ln A_n,y_n，用自然对数（A_n,y_n 是第 n "
        "个样本正确类别的概率）",
    },
    "exercise.qn.delta": {
        "en": "the error term δ = ∂L/∂Z = (A - Y) / N: one row per sample",
        "zh": "误差项 δ = ∂L/∂Z = (A - Y) / N：每个样本一行",
    },
    "exercise.qn.db": {
        "en": "the gradient of the bias, ∂L/∂b = the sum of the rows of δ",
        "zh": "偏置的梯度 ∂L/∂b = δ 各行之和",
    },
    "exercise.qn.dW": {
        "en": "the gradient of the weights, ∂L/∂W = δᵀ·X (one row per class, like W)",
        "zh": "权重的梯度 ∂L/∂W = δᵀ·X（与 W 一样，每行对应一个类别）",
    },
    "exercise.shape.scalar": {"en": "one number", "zh": "一个数"},
    "exercise.shape.vector": {
        "en": "a list of {K} numbers: [., ., ...]",
        "zh": "由 {K} 个数组成的列表：[., ., ...]",
    },
    "exercise.shape.matrix": {
        "en": "{K} rows of {D} numbers: [[., ...], [., ...], ...]",
        "zh": "{K} 行，每行 {D} 个数：[[., ...], [., ...], ...]",
    },
    # --- the problem sheet ---
    "exercise.sheet.title": {
        "en": "Exercise: one training step of softmax regression, by hand",
        "zh": "练习：手算 softmax 回归的一步训练",
    },
    "exercise.sheet.intro": {
        "en": "A model with {K} classes and {D} features sees one sample. Work out its forward "
        "pass, the gradients and one gradient-descent update, step by step.",
        "zh": "一个有 {K} 个类别、{D} 个特征的模型看到一个样本。请一步一步算出正向传播、"
        "梯度，以及一次梯度下降更新。",
    },
    "exercise.sheet.intro_batch": {
        "en": "A model with {K} classes and {D} features sees a mini-batch of {N} samples, one per "
        "row of X. Work out its forward pass, the mean loss, the gradients and one "
        "gradient-descent update, step by step.",
        "zh": "一个有 {K} 个类别、{D} 个特征的模型看到一个由 {N} 个样本组成的小批量，"
        "X 的每一行是一个样本。请一步一步算出正向传播、平均损失、梯度，以及一次梯度下降更新。",
    },
    "exercise.sheet.with_seed": {"en": "{intro}{seed}", "zh": "{intro}{seed}"},
    "exercise.sheet.seed": {"en": " (Problem seed {seed}.)", "zh": "（题目种子 {seed}。）"},
    "exercise.sheet.class_n": {"en": "class {n}", "zh": "第 {n} 类"},
    "exercise.sheet.given": {"en": "Given", "zh": "已知"},
    "exercise.sheet.label": {
        "en": "The sample belongs to {cls} (y = {y} in the problem file, which counts from 0), so "
        "Y is 1 in row {n} and 0 elsewhere.",
        "zh": "这个样本属于{cls}（题目文件从 0 开始编号，记作 y = {y}），所"
        "以 Y 的第 {n} 行为 1，其余为 0。",
    },
    "exercise.sheet.label_batch": {
        "en": "The samples' classes: {each} (y = {ys} in the problem file, which counts from 0), "
        "so row n of Y is 1 in the column of sample n's class and 0 elsewhere.",
        "zh": "各样本的类别：{each}（题目文件从 0 开始编号，记作 y = {ys}），所以 Y 的第 n 行在"
        "第 n 个样本所属类别那一列为 1，其余为 0。",
    },
    "exercise.sheet.sample_class": {"en": "sample {n} is of {cls}", "zh": "第 {n} 个样本属于{cls}"},
    "exercise.sheet.lr": {
        "en": "Learning rate: η = {lr} (lr on the answer sheet).",
        "zh": "学习率：η = {lr}（答题卡上的 lr）。",
    },
    "exercise.sheet.task": {
        "en": "Compute, in this order",
        "zh": "按顺序计算",
    },
    "exercise.sheet.rounding_title": {"en": "Rounding", "zh": "舍入规则"},
    "exercise.sheet.rounding": {
        "en": "Round every result to {decimals} decimal places (a 5 rounds away from zero: "
        "-0.1735 becomes -0.174 at 3 decimals) and carry on with the rounded values, as on "
        "paper; ln is the natural logarithm. The answer key is worked out the same way. "
        "Rounded inputs may shift later results slightly: the checker allows for that, and "
        "a mistake is counted only once (later steps that follow correctly from it are "
        "credited).",
        "zh": "每个结果都四舍五入到 {decimals} 位小数（负数按绝对值舍入：保留 "
        "3 位时 -0.1735 记作 -0.174），并像在纸上一样用舍入后的值继"
        "续往下算；ln 为自然对数。参考答案也是这样算出来的。用舍入后的值往下算，后"
        "面的结果会略有偏差，检查时会考虑到这一点；一个错误只算一次（由它正确推出的后"
        "续结果不再算错）。",
    },
    "exercise.sheet.answer_here": {
        "en": "Write your answers in {file}, then run: handprop check {file}",
        "zh": "把答案填进 {file}，然后运行：handprop check {file}",
    },
    # --- the answer sheet template (TOML comments) ---
    "exercise.template.title": {
        "en": "handprop answer sheet: {K} classes, {D} features, the sample is of {cls} (y = "
        "{y}), lr = {lr}.",
        "zh": "handprop 答题卡：{K} 个类别，{D} 个特征，样本属于{cls}（y = {y}），lr = {lr}。",
    },
    "exercise.template.title_batch": {
        "en": "handprop answer sheet: {K} classes, {D} features, a mini-batch of {N} samples "
        "({each}; y = {ys}), lr = {lr}.",
        "zh": "handprop 答题卡：{K} 个类别，{D} 个特征，{N} 个样本组成的小批量（{each}；"
        "y = {ys}），lr = {lr}。",
    },
    "exercise.template.fill": {
        "en": 'Replace each [] or "" with your result; blanks count as not yet answered.\n'
        "Vectors are lists of numbers, matrices lists of rows.",
        "zh": '把每个 [] 或 "" 换成你算出的结果；留空的项视为尚未作答。\n'
        "向量写成数字列表，矩阵写成由各行组成的列表。",
    },
    "exercise.template.run": {
        "en": "Then run: handprop check {file}",
        "zh": "然后运行：handprop check {file}",
    },
    "exercise.template.problem": {
        "en": "The problem file, relative to this file.",
        "zh": "题目文件，路径相对于本文件。",
    },
    "exercise.template.decimals": {
        "en": "The number of decimals you rounded to.",
        "zh": "你保留的小数位数。",
    },
    # --- errors and expectations ---
    "exercise.exp.number": {"en": "be a number", "zh": "是一个数"},
    "exercise.exp.seed": {"en": "be an integer >= 0", "zh": "是不小于 0 的整数"},
    "exercise.exp.decimals": {
        "en": "be an integer in {low}..{high}",
        "zh": "是 {low} 到 {high} 之间的整数",
    },
    "exercise.exp.hand_size": {
        "en": "have at most {side} classes and {side} features to be checked by hand",
        "zh": "最多有 {side} 个类别和 {side} 个特征，才能按手算检查",
    },
    "exercise.exp.hand_samples": {
        "en": "have at most {side} samples to be checked by hand",
        "zh": "最多有 {side} 个样本，才能按手算检查",
    },
    "exercise.exp.problem": {
        "en": "be the path of a problem file or a table of its fields",
        "zh": "是题目文件的路径，或由题目各字段组成的表",
    },
    "exercise.err.no_problem": {
        "en": '{where}: the problem is missing; add problem = "problem.toml" (a path relative '
        "to this file) or the fields X, W, b, y, lr.",
        "zh": '{where}：缺少题目；请加上 problem = "problem.toml"（相对于本文件的路径），'
        "或写出字段 X、W、b、y、lr。",
    },
    "exercise.err.problem_twice": {
        "en": "{where}: the problem is given twice, as problem = ... and as the fields {keys}; "
        "keep one.",
        "zh": "{where}：题目给了两次（problem = ... 和字段 {keys}）；只保留一种。",
    },
    "exercise.err.exists": {
        "en": "{where}: {path} already exists; use --force to overwrite it.",
        "zh": "{where}：{path} 已存在；如要覆盖请加 --force。",
    },
    # --- the checker's verdicts ---
    "exercise.check.status.correct": {"en": "correct", "zh": "正确"},
    "exercise.check.status.wrong": {"en": "wrong", "zh": "错误"},
    "exercise.check.status.carried": {"en": "carried", "zh": "沿用前错"},
    "exercise.check.status.missing": {"en": "missing", "zh": "未填"},
    "exercise.check.msg.correct": {"en": "Correct.", "zh": "正确。"},
    "exercise.check.msg.carried": {
        "en": "Not the expected value, but it follows correctly from your earlier answers, so it "
        "is not counted as another mistake.",
        "zh": "不是期望的值，但它由你前面的答案正确推出，因此不再算作新的错误。",
    },
    "exercise.check.msg.missing": {"en": "Not filled in.", "zh": "未填写。"},
    "exercise.check.msg.wrong_scalar": {
        "en": "Neither the expected value nor what follows from your earlier answers.",
        "zh": "既不是正确值，也不能由你前面的答案推出。",
    },
    "exercise.check.msg.wrong_entries": {
        "en": "Off at {entries}; no common mistake explains it.",
        "zh": "出错位置：{entries}；不属于常见错误类型。",
    },
    "exercise.check.entry": {"en": "entry {i}", "zh": "第 {i} 个分量"},
    "exercise.check.cell": {"en": "row {i}, column {j}", "zh": "第 {i} 行第 {j} 列"},
    "exercise.check.list_sep": {"en": "; ", "zh": "；"},
    "exercise.check.name_sep": {"en": ": ", "zh": "："},
    "exercise.check.title": {
        "en": "Check of {file} (rounded to {decimals} decimals)",
        "zh": "检查 {file}（保留 {decimals} 位小数）",
    },
    "exercise.check.col.quantity": {"en": "quantity", "zh": "项目"},
    "exercise.check.col.status": {"en": "status", "zh": "结果"},
    "exercise.check.col.expected": {"en": "expected", "zh": "正确值"},
    "exercise.check.col.given": {"en": "yours", "zh": "你的答案"},
    "exercise.check.all_correct": {
        "en": "All {n} answers given are correct.",
        "zh": "已填写的 {n} 项全部正确。",
    },
    "exercise.check.nothing": {
        "en": "No answers filled in yet.",
        "zh": "还没有填写任何答案。",
    },
    "exercise.check.first_wrong": {
        "en": "First wrong step: {name} ({what}).",
        "zh": "第一个出错的步骤：{name}（{what}）。",
    },
    "exercise.check.counts": {
        "en": "{correct} correct, {wrong} wrong, {carried} carried forward, {missing} missing.",
        "zh": "{correct} 项正确，{wrong} 项错误，{carried} 项沿用前错，{missing} 项未填。",
    },
    "exercise.check.carried": {
        "en": "Carried forward, right from your own earlier answers and not counted again: "
        "{names}.",
        "zh": "沿用前错（由你自己前面的答案正确推出，不重复扣分）：{names}。",
    },
    # --- short names of the mistakes, for the table ---
    "exercise.label.bias_forgotten": {"en": "bias forgotten", "zh": "漏加偏置"},
    "exercise.label.W_transposed": {"en": "W transposed", "zh": "W 用成了转置"},
    "exercise.label.not_normalized": {"en": "not normalised", "zh": "没有归一化"},
    "exercise.label.wrong_log_base": {"en": "wrong log base", "zh": "对数的底不对"},
    "exercise.label.loss_wrong_class": {"en": "loss of a wrong class", "zh": "损失取错了类别"},
    "exercise.label.loss_sign": {"en": "minus sign missing", "zh": "损失少了负号"},
    "exercise.label.delta_sign": {"en": "delta sign flipped", "zh": "delta 符号反了"},
    "exercise.label.dW_transposed": {"en": "dW transposed", "zh": "dW 转置了"},
    "exercise.label.update_sign": {"en": "update sign flipped", "zh": "更新符号反了"},
    "exercise.label.lr_missing": {"en": "lr missing", "zh": "漏了学习率"},
    "exercise.label.lr_twice": {"en": "lr applied twice", "zh": "学习率乘了两次"},
    "exercise.label.mean_missing": {"en": "1/N of the mean missing", "zh": "漏了求平均的 1/N"},
    "exercise.label.arithmetic_slip": {"en": "arithmetic slip", "zh": "计算失误"},
    "exercise.label.unknown": {"en": "cause unknown", "zh": "原因不明"},
    # --- named mistakes: what went wrong, in a sentence ---
    "exercise.mistake.bias_forgotten": {
        "en": "The bias was left out: this is W·x without + b.",
        "zh": "漏加了偏置：这是 W·x，没有加上 b。",
    },
    "exercise.mistake.W_transposed": {
        "en": "W was used transposed (Wᵀ·x). Row k of W holds the weights of class k, so Z_k is "
        "row k times x.",
        "zh": "把 W 转置了（算成 Wᵀ·x）。W 的第 k 行是第 k 类的权重，Z_k 应当用第 k 行去乘 x。",
    },
    "exercise.mistake.not_normalized": {
        "en": "These are the exponentials, not yet divided by their sum; probabilities must add "
        "up to 1.",
        "zh": "这只是指数值，还没有除以它们的和；概率加起来必须等于 1。",
    },
    "exercise.mistake.wrong_log_base": {
        "en": "This uses the logarithm to base {base}; cross-entropy uses the natural logarithm "
        "ln (base e).",
        "zh": "这里用了以 {base} 为底的对数；交叉熵用的是自然对数 ln（以 e 为底）。",
    },
    "exercise.mistake.loss_wrong_class": {
        "en": "This is -ln of the probability of class {cls}; the loss looks only at the "
        "probability of the true class.",
        "zh": "这是第 {cls} 类概率的 -ln；损失只看正确类别的概率。",
    },
    "exercise.mistake.loss_wrong_class_n": {
        "en": "For sample {n} this uses the probability of class {cls}; each sample's loss looks "
        "only at the probability of its own true class.",
        "zh": "第 {n} 个样本用了第 {cls} 类的概率；每个样本的损失只看它自己正确类别的概率。",
    },
    "exercise.mistake.mean_missing": {
        "en": "The 1/N of the mean is missing: the loss is the mean over the N samples, so "
        "L = -(1/N) Σ ln A and δ = (A - Y) / N; this is N times that.",
        "zh": "漏了求平均的 1/N：损失是 N 个样本的平均，所以 L = -(1/N) Σ ln A，"
        "δ = (A - Y) / N；这里算出的是它的 N 倍。",
    },
    "exercise.mistake.loss_sign": {
        "en": "The minus sign is missing: the loss is -ln of the true class's probability, which "
        "is positive because a probability is below 1.",
        "zh": "少了负号：损失是正确类别概率的 -ln；概率小于 1，所以损失是正数。",
    },
    "exercise.mistake.delta_sign": {
        "en": "The sign is reversed: this is Y - A, but δ = ∂L/∂Z is A - Y.",
        "zh": "符号反了：这是 Y - A，而 δ = ∂L/∂Z 是 A - Y。",
    },
    "exercise.mistake.dW_transposed": {
        "en": "dW is transposed (x·δᵀ). ∂L/∂W = δ·xᵀ has one row per class, the same shape as W.",
        "zh": "dW 转置了（算成 x·δᵀ）。∂L/∂W = δ·xᵀ 每行对应一个类别，形状与 W 相同。",
    },
    "exercise.mistake.update_sign": {
        "en": "The step went uphill: η times the gradient was added, but gradient descent "
        "subtracts it.",
        "zh": "更新方向反了：把学习率乘梯度加了上去，而梯度下降应当减去它。",
    },
    "exercise.mistake.lr_missing": {
        "en": "The learning rate is missing: the whole gradient was subtracted instead of η times "
        "the gradient.",
        "zh": "漏了学习率：减去的是整个梯度，而不是学习率乘以梯度。",
    },
    "exercise.mistake.lr_twice": {
        "en": "The learning rate was applied twice: η² times the gradient was subtracted.",
        "zh": "学习率乘了两次：减去的是 η² 乘以梯度。",
    },
    "exercise.mistake.arithmetic_slip": {
        "en": "An arithmetic slip at {entry}: expected {expected}, you wrote {given}; the other "
        "entries are right.",
        "zh": "{entry}有计算失误：应为 {expected}，你写的是 {given}；其余分量都对。",
    },
    # --- a class set: a roster, its sheets and keys, its marking ---
    "exercise.class.header": {"en": "{name} · {id}", "zh": "{name} · {id}"},
    "exercise.class.err.encoding": {
        "en": "{where}: the roster must be UTF-8 (with or without a BOM) or GB18030 text; it is "
        'neither (UTF-16 or a binary file?). Save it as "CSV UTF-8" and try again.',
        "zh": "{where}：花名册必须是 UTF-8（带或不带 BOM）或 GB18030 编码的文本，这个文件两者都不是"
        "（也许是 UTF-16 或二进制文件）。请另存为“CSV UTF-8”后再试。",
    },
    "exercise.class.err.empty": {
        "en": "{where}: the roster has no students; it needs a header row with an id column and "
        "one row per student.",
        "zh": "{where}：花名册里没有学生；需要一个含 id 列的表头行，以及每个学生一行。",
    },
    "exercise.class.err.no_id": {
        "en": "{where}: the header row must have an id column; got the columns {header}.",
        "zh": "{where}：表头行必须有 id 列；现有的列是 {header}。",
    },
    "exercise.class.err.id": {
        "en": "{where}: row {row}: the id must be 1 to {limit} letters, digits, - or _ (it names "
        "the student's folder); got {id!r}.",
        "zh": "{where}：第 {row} 行：id 必须由 1 到 {limit} 个字母、数字、- 或 _ 组成"
        "（它是学生文件夹的名字）；现在是 {id!r}。",
    },
    "exercise.class.err.duplicate": {
        "en": "{where}: row {row}: the id {id} is already on row {first} (ids must differ, case "
        "aside).",
        "zh": "{where}：第 {row} 行：id {id} 已在第 {first} 行出现过（id 不能重复，不分大小写）。",
    },
    "exercise.class.err.too_many": {
        "en": "{where}: the roster has {n} students; a class set holds at most {limit}.",
        "zh": "{where}：花名册有 {n} 个学生；一个班级最多 {limit} 人。",
    },
    "exercise.class.err.same_problem": {
        "en": "{where}: the students {first} and {second} would get the same numbers; choose "
        "another --seed.",
        "zh": "{where}：学生 {first} 和 {second} 会拿到完全相同的题目；请换一个 --seed。",
    },
    "exercise.class.err.not_class_set": {
        "en": "{where}: not a class set (no valid {file}); make one with handprop exercise "
        "class, or check one answer file with handprop check FILE.",
        "zh": "{where}：不是一个班级题目集（没有有效的 {file}）；请用 handprop exercise class "
        "生成，或用 handprop check 文件 检查单个答题卡。",
    },
    "exercise.class.err.no_problem": {
        "en": "{where}: a student's problem file is missing; the class set is incomplete.",
        "zh": "{where}：缺少学生的题目文件；这个班级题目集不完整。",
    },
    "exercise.class.err.answered": {
        "en": "{where}: a student's answers; --force would replace {folder} and lose them. "
        "Move the answer files away first, or write the new class set to another folder.",
        "zh": "{where}：这里有学生交回的答案；--force 会替换 {folder}，答案就丢了。"
        "请先把答题卡移走，或者把新的题目集写到别的文件夹。",
    },
    "exercise.class.err.stray": {
        "en": "{where}: an answer file that belongs to no student of {folder} (each student's is "
        "<id>/problem.answers.toml); move it out of the folder.",
        "zh": "{where}：这个答题卡不属于 {folder} 里的任何学生（每个学生的答题卡是 "
        "<id>/problem.answers.toml）；请把它移出这个文件夹。",
    },
    "exercise.class.wrote": {
        "en": "Read {roster} as {encoding}: {n} students ({first}). Wrote {out}: a folder per "
        "student (problem, blank answer sheet, sheet.pdf), sheets.pdf, keys.pdf and class.toml.",
        "zh": "已按 {encoding} 编码读取 {roster}：{n} 名学生（{first}）。已写入 {out}：每个学生一个"
        "文件夹（题目、空白答题卡、sheet.pdf），以及 sheets.pdf、keys.pdf 和 class.toml。",
    },
    "exercise.class.missing_glyphs": {
        "en": "Warning: row {row}: the name {name} has characters the sheets' font cannot "
        "print ({chars}); they will show as boxes.",
        "zh": "警告：第 {row} 行：姓名 {name} 中有讲义字体无法显示的字（{chars}），会显示为方框。",
    },
    "exercise.grade.no_file": {
        "en": "No answer file ({file}).",
        "zh": "没有答题卡（{file}）。",
    },
    "exercise.grade.copied": {
        "en": "These answers fit the problem of {other}, not this student's own.",
        "zh": "这些答案对应的是 {other} 的题目，而不是这名学生自己的题目。",
    },
    "exercise.grade.wrote": {
        "en": "Marked {n} students of {folder}: mean score {mean} of {max}.",
        "zh": "已批改 {folder} 的 {n} 名学生：平均分 {mean}（满分 {max}）。",
    },
    "exercise.report.title": {"en": "Class report", "zh": "班级报告"},
    "exercise.report.summary": {
        "en": "{n} students; mean score {mean} of {max} (one point a step, a carried step "
        "counts as right).",
        "zh": "{n} 名学生；平均分 {mean}（满分 {max}；每步 1 分，沿用前错的步骤算对）。",
    },
    "exercise.report.chart": {
        "en": "Share of the class right at each step",
        "zh": "各步骤全班答对的比例",
    },
    "exercise.report.right_pct": {"en": "right (%)", "zh": "答对（%）"},
    "exercise.report.steps": {"en": "Each step", "zh": "各个步骤"},
    "exercise.report.right": {"en": "right", "zh": "答对"},
    "exercise.report.mistakes": {"en": "Mistakes the class made", "zh": "全班出现的错误"},
    "exercise.report.no_mistakes": {"en": "No named mistake.", "zh": "没有出现可归类的错误。"},
    "exercise.report.who": {"en": "Who: {ids}.", "zh": "学生：{ids}。"},
    "exercise.report.flags": {"en": "To look at", "zh": "需要查看的答题卡"},
    "exercise.help.class": {
        "en": "One problem per student of a roster CSV (columns id, name): problem files, blank "
        "answer sheets and printable PDF sheets, with keys.pdf for the teacher.",
        "zh": "根据花名册 CSV（列 id、name）为每个学生生成一道题：题目文件、空白答题卡和可打印的 "
        "PDF 讲义，并为老师生成 keys.pdf。",
    },
    "exercise.help.out": {
        "en": "The class set's folder (new).",
        "zh": "班级题目集的文件夹（新建）。",
    },
    "exercise.help.samples": {
        "en": "Samples per problem: 2 to 4 give a mini-batch with the mean loss.",
        "zh": "每道题的样本数：2 到 4 时是一个取平均损失的小批量。",
    },
    "exercise.help.gradebook": {
        "en": "Marking a class set: write the gradebook here (CSV, UTF-8 with BOM).",
        "zh": "批改班级题目集时：把成绩单写到这里（CSV，带 BOM 的 UTF-8）。",
    },
    "exercise.help.report": {
        "en": "Marking a class set: write the class report here (Markdown, a PNG chart beside).",
        "zh": "批改班级题目集时：把班级报告写到这里（Markdown，旁边附一张 PNG 图）。",
    },
    # --- command line ---
    "exercise.help.group": {
        "en": "Generate softmax exercises and their answer keys.",
        "zh": "生成 softmax 练习题及其答案。",
    },
    "exercise.help.new": {
        "en": "A new problem to work by hand; with -o, also a blank answer sheet beside it.",
        "zh": "生成一道新的手算题；加 -o 时，同时在旁边生成一份空白答题卡。",
    },
    "exercise.help.key": {
        "en": "The worked solution of a problem file, every result rounded as the sheet asks (the "
        "same rendering as `step`); as JSON, the answers under the answer sheet's names.",
        "zh": "题目文件的完整解答：每个结果都按题目的舍入规则保留小数（展示方式与 `ste"
        "p` 相同）；选 JSON 格式时，按答题卡上的名字给出答案。",
    },
    "exercise.help.check": {
        "en": "Check a hand-worked answer file step by step: what is right, the first wrong "
        "step, and the mistake made there.",
        "zh": "逐步检查手算答题卡：哪些正确，第一个出错的步骤，以及那里犯的错误。",
    },
    "exercise.help.seed": {
        "en": "Seed of the problem (default: a new random one, shown on the sheet).",
        "zh": "题目的随机种子（默认：随机取一个，并显示在题目中）。",
    },
    "exercise.help.classes": {
        "en": "Number of classes K (2..5).",
        "zh": "类别数 K（2 到 5）。",
    },
    "exercise.help.features": {
        "en": "Number of features D (2..5).",
        "zh": "特征数 D（2 到 5）。",
    },
    "exercise.help.lr": {
        "en": "Learning rate (default: 0.1 or 0.5, drawn with the problem).",
        "zh": "学习率（默认：随题目在 0.1 和 0.5 中抽取）。",
    },
    "exercise.help.wrong": {
        "en": "Probability that the model's first guess is wrong.",
        "zh": "模型第一次猜错的概率。",
    },
    "exercise.help.decimals": {
        "en": "Decimals the answers are rounded to.",
        "zh": "答案保留的小数位数。",
    },
    "exercise.help.output": {
        "en": "Write the problem to this file and a blank answer sheet beside it "
        "(NAME.answers.toml).",
        "zh": "把题目写入此文件，并在旁边生成空白答题卡（NAME.answers.toml）。",
    },
    "exercise.help.force": {
        "en": "Overwrite existing files.",
        "zh": "覆盖已存在的文件。",
    },
    "exercise.new.wrote": {
        "en": "Wrote {problem} and {answers}.",
        "zh": "已写入 {problem} 和 {answers}。",
    },
}
