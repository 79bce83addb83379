"""Messages of this area: key -> {"en": ..., "zh": ...}."""

MESSAGES: dict[str, dict[str, str]] = {
    # --- init.* (handprop.init): initialisation schemes -------------------------------------
    "init.unknown_option": {
        "en": "{where}: {name} is not an option of initializer {scheme}; it takes: {options}.",
        "zh": "{where}：{name} 不是初始化方法 {scheme} 的参数；可用参数：{options}。",
    },
    "init.no_options": {"en": "none", "zh": "无"},
    "init.exp.finite_number": {"en": "be a finite number", "zh": "是有限数"},
    # --- end init.* ------------------------------------------------------------------------------
    # --- train.* (handprop.train): the mini-batch loop and its checkpoints ---------------------
    "train.diverged": {
        "en": (
            "train: the loss became {value} at epoch {epoch}, batch {batch}; {cause}. "
            "Training stopped before that step; no model file was written."
        ),
        "zh": (
            "train：第 {epoch} 轮第 {batch} 批的损失变成了 {value}；{cause}。"
            "训练在这一步之前停止，没有写入模型文件。"
        ),
    },
    "train.cause.unscaled": {
        "en": "the inputs look unscaled (values up to {x_max}): try --normalize scale",
        "zh": "输入似乎没有归一化（数值最大到 {x_max}）：试试 --normalize scale",
    },
    "train.cause.lr": {
        "en": "the learning rate {lr} is probably too high: try a smaller --lr",
        "zh": "学习率 {lr} 可能太大：试试更小的 --lr",
    },
    "train.exp.checkpoint_given": {
        "en": "come with a checkpoint path",
        "zh": "同时给出检查点文件路径",
    },
    "train.exp.existing_file": {"en": "be an existing file", "zh": "是已存在的文件"},
    # the optional PyTorch backend (handprop.torch_backend)
    "train.exp.torch_installed": {
        "en": "be installed for engine='torch' (pip install 'handprop[torch]')",
        "zh": "已安装才能使用 engine='torch'（pip install 'handprop[torch]'）",
    },
    "train.got.not_installed": {"en": "not installed", "zh": "未安装"},
    "train.native.unbuilt": {
        "en": "be 'fused' or 'auto' here: the compiled kernel handprop._native is not built "
        "(reinstall handprop where a C compiler is available)",
        "zh": "在这里取 'fused' 或 'auto'：编译内核 handprop._native 没有构建"
        "（请在有 C 编译器的环境中重新安装 handprop）",
    },
    "train.native.dtype": {
        "en": "be 'fused' or 'auto' for dtype {dtype}: the native engine trains in float32 only",
        "zh": "在 dtype 为 {dtype} 时取 'fused' 或 'auto'：native 引擎只用 float32 训练",
    },
    "train.native.transform": {
        "en": "be 'fused' or 'auto' with a transform: the native engine reads X itself "
        "(scale= is supported)",
        "zh": "在给出 transform 时取 'fused' 或 'auto'：native 引擎直接读取 X（支持 scale=）",
    },
    "train.native.input": {
        "en": "be 'fused' or 'auto' for this X ({dtype}): the native engine needs a "
        "C-contiguous 2-D uint8, float32 or float64 array",
        "zh": "对这个 X（{dtype}）取 'fused' 或 'auto'：native 引擎需要 C 连续的二维 "
        "uint8、float32 或 float64 数组",
    },
    # why an engine was chosen (TrainResult.engine_reason)
    "train.why.asked": {"en": "the {engine} engine was asked for", "zh": "指定使用 {engine} 引擎"},
    "train.why.native": {
        "en": "the compiled kernel applies (float32, a C-contiguous X, at most a divisor as "
        "preprocessing) and runs its AVX2 version",
        "zh": (
            "编译内核可用（float32、C 连续存储的 X、预处理最多是除以一个常数），"
            "并且运行的是它的 AVX2 版本"
        ),
    },
    "train.why.fused": {
        "en": "the NumPy engine, because {reason}",
        "zh": "使用 NumPy 引擎，因为{reason}",
    },
    "train.why.unbuilt": {
        "en": "the compiled kernel handprop._native is not built",
        "zh": "编译内核 handprop._native 没有构建",
    },
    "train.why.dtype": {
        "en": "the native engine trains in float32 only, not {dtype}",
        "zh": "native 引擎只用 float32 训练，而不是 {dtype}",
    },
    "train.why.transform": {
        "en": "the preprocessing is a transform, not a divisor the kernel can fold",
        "zh": "预处理是一般的变换，不是内核能并入计算的单个除数",
    },
    "train.why.input": {
        "en": "X ({dtype}) is not a C-contiguous 2-D uint8, float32 or float64 array",
        "zh": "X（{dtype}）不是 C 连续的二维 uint8、float32 或 float64 数组",
    },
    "train.why.isa": {
        "en": "this CPU lacks AVX2 and FMA, where the kernel's plain C version is slower than BLAS",
        "zh": "这台机器的 CPU 不支持 AVX2 和 FMA，内核的纯 C 版本在这里比 BLAS 还慢",
    },
    # data-parallel training (handprop.train.engines.parallel)
    "train.why.parallel": {
        "en": "data-parallel over {size} processes; each: {why}",
        "zh": "在 {size} 个进程间数据并行；每个进程：{why}",
    },
    "train.dist.no_group": {
        "en": (
            "train: the process group of {size} processes could not start ({detail}); "
            "start them with torchrun, or set MASTER_ADDR, MASTER_PORT, RANK and WORLD_SIZE."
        ),
        "zh": (
            "train：{size} 个进程的进程组无法启动（{detail}）；请用 torchrun 启动，"
            "或设置 MASTER_ADDR、MASTER_PORT、RANK 和 WORLD_SIZE。"
        ),
    },
    "train.dist.peer_lost": {
        "en": (
            "train: another process of the group stopped answering ({detail}); this one "
            "stops too. The last checkpoint, if any, is complete."
        ),
        "zh": (
            "train：进程组中另一个进程没有响应（{detail}）；本进程也随之停止。"
            "已有的最后一个检查点是完整的。"
        ),
    },
    "train.dist.data_differs": {
        "en": (
            "train: process {rank} has other data than process 0 ({part}: {got}, process 0: "
            "{expected}); every process must train on the same rows."
        ),
        "zh": (
            "train：进程 {rank} 的数据与进程 0 不同（{part}：{got}，进程 0：{expected}）；"
            "所有进程必须用相同的数据训练。"
        ),
    },
    "train.dist.part.n_samples": {"en": "rows", "zh": "行数"},
    "train.dist.part.n_features": {"en": "features", "zh": "特征数"},
    "train.dist.part.dtype": {"en": "dtype", "zh": "数据类型"},
    "train.dist.part.labels": {"en": "checksum of the labels", "zh": "标签的校验和"},
    "train.dist.part.rows": {"en": "checksum of the rows", "zh": "数据行的校验和"},
    "train.dist.exp.batch": {
        "en": "be at least the number of processes ({size}): each takes a share of a batch",
        "zh": "不小于进程数（{size}）：每个进程分担一批中的一部分",
    },
    "train.exp.device": {
        "en": "name a PyTorch device that is available here (cpu, cuda, cuda:0, ...)",
        "zh": "是本机可用的 PyTorch 设备名（cpu、cuda、cuda:0 ……）",
    },
    "train.got.missing": {"en": "no such file", "zh": "文件不存在"},
    "train.checkpoint_bad": {
        "en": "{path}: not a usable handprop checkpoint: {problem}.",
        "zh": "{path}：不是可用的 handprop 检查点文件：{problem}。",
    },
    "train.resume_mismatch": {
        "en": (
            "resume: {path} was written with {name} = {saved}; this run has {got}. "
            "Resume with the same settings and data, or start without --resume."
        ),
        "zh": (
            "resume：{path} 保存时 {name} = {saved}，本次为 {got}。"
            "请用相同的设置和数据继续，或去掉 --resume 重新开始。"
        ),
    },
    "train.problem.unreadable": {
        "en": "it cannot be read as an .npz archive ({detail})",
        "zh": "无法作为 .npz 归档读取（{detail}）",
    },
    "train.problem.missing": {"en": "the array '{name}' is missing", "zh": "缺少数组 '{name}'"},
    "train.problem.format": {
        "en": "its format field is {got}",
        "zh": "其格式字段为 {got}",
    },
    "train.problem.version": {
        "en": "its version {got} is not supported",
        "zh": "不支持其版本 {got}",
    },
    "train.problem.shapes": {
        "en": "the shapes of W, b and the velocities do not fit together",
        "zh": "W、b 与动量缓冲的形状互不匹配",
    },
    "train.problem.nonfinite": {
        "en": "the weights contain NaN or inf",
        "zh": "权重中含有 NaN 或 inf",
    },
    "train.problem.meta": {
        "en": "its metadata is malformed ({detail})",
        "zh": "其元数据格式错误（{detail}）",
    },
    # --- model.* (handprop.model): the estimator and model files --------------------------------
    "model.not_fitted": {
        "en": (
            "{where}: this SoftmaxRegression instance is not fitted yet; "
            "call 'fit' with appropriate arguments before using this estimator."
        ),
        "zh": "{where}：该 SoftmaxRegression 还没有训练；请先调用 fit。",
    },
    "model.exp.fraction": {"en": "be a number in (0, 1)", "zh": "是 (0, 1) 之间的数"},
    "model.exp.known_label": {
        "en": "contain only the model's classes {classes}",
        "zh": "只包含模型的类别 {classes}",
    },
    "model.exp.dense": {
        "en": "be a dense array (sparse matrices are not supported; use .toarray())",
        "zh": "是稠密数组（不支持稀疏矩阵；请用 .toarray()）",
    },
    "model.exp.array": {"en": "be a 2-D array", "zh": "是二维数组"},
    "model.exp.real": {
        "en": "contain real numbers (Complex data not supported)",
        "zh": "只包含实数（不支持复数数据）",
    },
    "model.exp.2d": {
        "en": "be a 2-D array (n_samples, n_features). Reshape your data either using "
        "array.reshape(-1, 1) if your data has a single feature or array.reshape(1, -1) if "
        "it contains a single sample",
        "zh": "是形状为 (样本数, 特征数) 的二维数组。请调整数据的形状：单个特征用 a"
        "rray.reshape(-1, 1)，单个样本用 array.reshap"
        "e(1, -1)",
    },
    "model.unit.samples": {
        "en": "sample(s)",
        "zh": "个样本",
    },
    "model.unit.features": {
        "en": "feature(s)",
        "zh": "个特征",
    },
    "model.too_small": {
        "en": "{where}: Found array with {n} {unit} (shape={shape}) while a minimum of {minimum} "
        "is required.",
        "zh": "{where}：数组只有 {n} {unit}（形状 {shape}），至少需要 {minimum}。",
    },
    "model.n_features": {
        "en": (
            "{where}: X has {got} features, but SoftmaxRegression is expecting {expected} "
            "features as input."
        ),
        "zh": "{where}：X 有 {got} 个特征，但该 SoftmaxRegression 需要 {expected} 个特征。",
    },
    "model.y_none": {
        "en": ("{where}: SoftmaxRegression requires y to be passed, but the target y is None."),
        "zh": "{where}：SoftmaxRegression 需要标签 y，但 y 是 None。",
    },
    "model.warn.column_y": {
        "en": (
            "A column-vector y was passed when a 1d array was expected. Please change the "
            "shape of y to (n_samples,), for example using ravel()."
        ),
        "zh": (
            "传入的 y 是列向量，而这里需要一维数组；"
            "请把 y 的形状改为 (n_samples,)，例如用 ravel()。"
        ),
    },
    "model.exp.labels": {
        "en": "hold class labels (integers, strings or booleans)",
        "zh": "是类别标签（整数、字符串或布尔值）",
    },
    "model.got.label_type": {
        "en": "Unknown label type: {kind}",
        "zh": "未知的标签类型：{kind}",
    },
    "model.exp.finite_y": {
        "en": "contain no NaN or inf",
        "zh": "不含 NaN 或 inf",
    },
    "model.exp.storable_labels": {
        "en": "hold numbers, booleans or strings",
        "zh": "是数字、布尔值或字符串",
    },
    "model.exp.state_dict": {
        "en": "have exactly one 'weight' and one 'bias' entry (an nn.Linear state_dict)",
        "zh": "恰好含有一个 'weight' 和一个 'bias'（nn.Linear 的 state_dict）",
    },
    "model.bad_file": {
        "en": "{path}: not a valid handprop model file: {problem}.",
        "zh": "{path}：不是有效的 handprop 模型文件：{problem}。",
    },
    "model.problem.not_zip": {
        "en": "it is not an .npz (zip) archive",
        "zh": "它不是 .npz（zip）归档",
    },
    "model.problem.too_big": {
        "en": "it unpacks to {size} bytes, more than the limit of {limit}",
        "zh": "解压后有 {size} 字节，超过上限 {limit}",
    },
    "model.problem.pickle": {
        "en": "it contains a pickled object, which is never loaded (it could run code)",
        "zh": "其中含有 pickle 对象；出于安全（可能执行代码）从不加载",
    },
    "model.problem.meta": {
        "en": "its metadata is missing or malformed ({detail})",
        "zh": "其元数据缺失或格式错误（{detail}）",
    },
    "model.problem.version": {
        "en": "its format version {got} is not supported (this handprop reads 1..{supported})",
        "zh": "不支持其格式版本 {got}（此版本 handprop 可读 1 到 {supported}）",
    },
    "model.problem.array": {
        "en": "'{name}' should be {expected}; it has {got}",
        "zh": "'{name}' 应为 {expected}；实际为 {got}",
    },
    "model.problem.classes": {
        "en": "the class labels are not distinct",
        "zh": "类别标签有重复",
    },
    # --- train.img.* (handprop.data.images): the user's own pictures --------------------------
    "train.img.unreadable": {
        "en": "{path}: cannot read this image ({detail}).",
        "zh": "{path}：无法读取该图像（{detail}）。",
    },
    "train.img.not_image": {
        "en": "not an image format Pillow knows",
        "zh": "不是 Pillow 认识的图像格式",
    },
    "train.img.exp.size": {
        "en": "be an image of at most {side} pixels per side and {pixels} pixels in all",
        "zh": "是每边不超过 {side} 像素、总数不超过 {pixels} 像素的图像",
    },
    "train.img.blank": {
        "en": "{path}: no digit found: the image is blank (one flat colour).",
        "zh": "{path}：没有找到数字：图像是空白的（只有一种颜色）。",
    },
    # --- train.plot.* (handprop.plots) ----------------------------------------------------------
    "train.plot.train": {"en": "train", "zh": "训练集"},
    "train.plot.running": {
        "en": "train (mean over the epoch's batches)",
        "zh": "训练集（本轮各批次的平均）",
    },
    "train.plot.validation": {"en": "validation", "zh": "验证集"},
    "train.plot.test": {"en": "test", "zh": "测试集"},
    "train.plot.loss": {"en": "Cross-entropy loss", "zh": "交叉熵损失"},
    "train.plot.accuracy": {"en": "Accuracy", "zh": "准确率"},
    "train.plot.epoch": {"en": "epoch", "zh": "轮次"},
    "train.plot.weights": {
        "en": "What each class looks for: rows of W (red raises the score, blue lowers it)",
        "zh": "每个类别在找什么：W 的各行（红色提高得分，蓝色降低得分）",
    },
    "train.plot.predicted": {"en": "predicted class", "zh": "预测类别"},
    "train.plot.true": {"en": "true class", "zh": "真实类别"},
    "train.plot.confusion": {"en": "Confusion matrix", "zh": "混淆矩阵"},
    # --- train.* command line (handprop.commands.training) ---------------------------------------
    "train.help.train": {
        "en": "Train a softmax classifier on a data set with mini-batch SGD.",
        "zh": "用小批量 SGD 在数据集上训练 softmax 分类器。",
    },
    "train.help.dataset": {
        "en": "Data set name (see: handprop data list), e.g. digits, mnist, fashion-mnist.",
        "zh": "数据集名称（见 handprop data list），如 digits、mnist、fashion-mnist。",
    },
    "train.help.data_dir": {
        "en": "Folder holding the data set's files (default: the cache folder).",
        "zh": "存放数据集文件的文件夹（默认：缓存文件夹）。",
    },
    "train.help.epochs": {"en": "Passes over the training data.", "zh": "遍历训练数据的轮数。"},
    "train.help.batch_size": {"en": "Samples per SGD step.", "zh": "每一步 SGD 使用的样本数。"},
    "train.help.lr": {"en": "Learning rate (step size), > 0.", "zh": "学习率（步长），大于 0。"},
    "train.help.momentum": {
        "en": "Momentum, as torch.optim.SGD (0 = plain SGD).",
        "zh": "动量，与 torch.optim.SGD 相同（0 即普通 SGD）。",
    },
    "train.help.weight_decay": {
        "en": "L2 weight decay added to the gradient.",
        "zh": "加到梯度上的 L2 权重衰减。",
    },
    "train.help.lr_schedule": {
        "en": "How the step size changes over training (linear: decays to 0 at the end).",
        "zh": "步长在训练中如何变化（linear：到结束时线性降到 0）。",
    },
    "train.help.average": {
        "en": (
            "Average the weights of every step after this many epochs (0.5: half an epoch) "
            "and keep the average as the model (-1: keep the last step's weights)."
        ),
        "zh": (
            "从这么多轮（0.5 即半轮）之后起，对每一步的权重取平均，"
            "并以平均值作为模型（-1：保留最后一步的权重）。"
        ),
    },
    "train.help.init": {
        "en": "Initial weights: zeros, normal, uniform, xavier, kaiming, torch (nn.Linear's).",
        "zh": "初始权重：zeros、normal、uniform、xavier、kaiming、torch（nn.Linear 的默认）。",
    },
    "train.help.normalize": {
        "en": "Input scaling (default: scale for images, standardize otherwise).",
        "zh": "输入缩放方式（默认：图像用 scale，其他用 standardize）。",
    },
    "train.help.seed": {
        "en": "Seed for the initial weights, shuffling and validation split.",
        "zh": "初始权重、打乱顺序和验证集划分的随机种子。",
    },
    "train.help.validation": {
        "en": "Hold out this fraction of the training data and score it every epoch.",
        "zh": "留出这一比例的训练数据，每轮评估一次。",
    },
    "train.help.save": {
        "en": "Write the trained model to this .npz file.",
        "zh": "把训练好的模型写入该 .npz 文件。",
    },
    "train.help.plots": {
        "en": "Write PNG plots (curves, weights, confusion matrix) into this folder.",
        "zh": "把 PNG 图（曲线、权重、混淆矩阵）写入该文件夹。",
    },
    "train.help.checkpoint": {
        "en": "Write a resumable checkpoint to this file after every epoch.",
        "zh": "每轮结束后把可续训的检查点写入该文件。",
    },
    "train.help.resume": {
        "en": "Continue from --checkpoint (same settings give the same final weights).",
        "zh": "从 --checkpoint 继续训练（设置相同则最终权重相同）。",
    },
    "train.help.engine": {
        "en": "How each step is computed: auto (the compiled kernel where it applies), native, "
        "fused, reference (one formula at a time) or torch (PyTorch tensors).",
        "zh": "每一步的计算方式：auto（能用时用编译内核）、native、fused、reference（逐个公式）"
        "或 torch（PyTorch 张量）。",
    },
    "train.help.device": {
        "en": "Train on this PyTorch device (cuda, cuda:1, cpu); implies --engine torch.",
        "zh": "在这个 PyTorch 设备上训练（cuda、cuda:1、cpu）；意味着 --engine torch。",
    },
    "train.help.jobs": {
        "en": "Threads of the compiled kernel (default: every core this process may use; "
        "1 gives the one-thread weights).",
        "zh": "编译内核使用的线程数（默认：本进程可用的全部核心；取 1 得到单线程的权重）。",
    },
    "train.exp.device_engine": {
        "en": "come with --engine torch or auto (only the torch engine runs on a device)",
        "zh": "与 --engine torch 或 auto 一起使用（只有 torch 引擎在设备上运行）",
    },
    "train.help.quiet": {
        "en": "Print only the final test accuracy.",
        "zh": "只输出最终的测试准确率。",
    },
    "train.help.evaluate": {
        "en": "Score a model file on a data set: accuracy, per-class table, confusion matrix.",
        "zh": "在数据集上评估模型文件：准确率、各类别表格、混淆矩阵。",
    },
    "train.help.split": {
        "en": "Which part of the data set to score.",
        "zh": "评估数据集的哪一部分。",
    },
    "train.help.eval_plots": {
        "en": "Write the confusion matrix as a PNG into this folder.",
        "zh": "把混淆矩阵以 PNG 写入该文件夹。",
    },
    "train.help.predict": {
        "en": "Classify your own images (PNG, JPEG, ...) with a model file.",
        "zh": "用模型文件对你自己的图像（PNG、JPEG 等）分类。",
    },
    "train.help.top": {"en": "How many classes to show per image.", "zh": "每张图显示几个类别。"},
    "train.help.show_input": {
        "en": "Save the image the model actually saw (after preprocessing) into this folder.",
        "zh": "把模型实际看到的图像（预处理之后）保存到该文件夹。",
    },
    "train.exp.writable_file": {
        "en": "be a file path in an existing, writable folder",
        "zh": "是位于已存在且可写的文件夹中的文件路径",
    },
    "train.exp.writable_dir": {
        "en": "be a folder that exists or can be created, and is writable",
        "zh": "是已存在或可创建、且可写的文件夹",
    },
    "train.col.epoch": {"en": "epoch", "zh": "轮次"},
    "train.col.batch": {"en": "batch", "zh": "批次"},
    "train.col.loss": {"en": "train loss", "zh": "训练损失"},
    "train.col.train_acc": {"en": "train acc", "zh": "训练准确率"},
    "train.col.val_acc": {"en": "val acc", "zh": "验证准确率"},
    "train.col.test_acc": {"en": "test acc", "zh": "测试准确率"},
    "train.col.time": {"en": "time", "zh": "用时"},
    "train.col.class": {"en": "class", "zh": "类别"},
    "train.col.precision": {"en": "precision", "zh": "精确率"},
    "train.col.recall": {"en": "recall", "zh": "召回率"},
    "train.col.support": {"en": "samples", "zh": "样本数"},
    "train.col.true_pred": {"en": "true \\ predicted", "zh": "真实 \\ 预测"},
    "train.info.loss": {"en": "running batch loss {loss}", "zh": "训练中的批次损失 {loss}"},
    "train.table.title": {"en": "Training, epoch by epoch", "zh": "逐轮训练记录"},
    "train.table.caption_all": {
        "en": (
            "The model kept after each epoch, measured on all {n} training rows and the test set."
        ),
        "zh": "每轮结束后所保留的模型，在全部 {n} 行训练数据和测试集上测得。",
    },
    "train.table.caption_sample": {
        "en": (
            "The model kept after each epoch, measured on a fixed sample of {n} of the {total} "
            "training rows and on the test set."
        ),
        "zh": "每轮结束后所保留的模型，在 {total} 行训练数据中固定抽取的 {n} 行和测试集上测得。",
    },
    "train.start": {
        "en": (
            "Training on {dataset}: {n_train} training and {n_test} test samples, "
            "D = {D} features, K = {K} classes, normalize = {normalize}, init = {init}."
        ),
        "zh": (
            "在 {dataset} 上训练：训练样本 {n_train} 个，测试样本 {n_test} 个，"
            "D = {D} 个特征，K = {K} 个类别，normalize = {normalize}，init = {init}。"
        ),
    },
    "train.interrupted": {
        "en": "Interrupted: kept the model trained so far ({epochs} complete epochs).",
        "zh": "已中断：保留了目前训练的模型（完整训练了 {epochs} 轮）。",
    },
    "train.done": {
        "en": "Test accuracy: {accuracy} (training took {seconds} s).",
        "zh": "测试准确率：{accuracy}（训练用时 {seconds} 秒）。",
    },
    "train.saved": {"en": "Model saved to {path}.", "zh": "模型已保存到 {path}。"},
    "train.plots_written": {"en": "Plots: {paths}.", "zh": "图：{paths}。"},
    "train.eval.summary": {
        "en": "{model} on {dataset} ({split}, {n} samples): accuracy {accuracy}.",
        "zh": "{model} 在 {dataset}（{split}，{n} 个样本）上的准确率为 {accuracy}。",
    },
    "train.eval.per_class": {"en": "Per class", "zh": "各类别"},
    "train.eval.confusion": {
        "en": "Confusion matrix (rows: true class, columns: predicted)",
        "zh": "混淆矩阵（行：真实类别，列：预测类别）",
    },
    "train.err.model_shape": {
        "en": "{where}: {model} expects {expected} features per sample, but {dataset} has {got}.",
        "zh": "{where}：{model} 需要每个样本 {expected} 个特征，但 {dataset} 有 {got} 个。",
    },
    "train.err.not_image_model": {
        "en": "predict: {model} was not trained on images (it has no image shape).",
        "zh": "predict：{model} 不是在图像上训练的（没有图像尺寸信息）。",
    },
    "train.pred.header": {
        "en": "{image}: {label} ({p})",
        "zh": "{image}：{label}（{p}）",
    },
    "train.pred.saved_input": {
        "en": "  what the model saw: {path}",
        "zh": "  模型看到的图像：{path}",
    },
}
