"""Messages of the web explorer (``handprop serve`` and its pages): key -> {"en": ..., "zh": ...}.

The pages take every visible word from here (``GET /api/texts``); the formulas are MathML made
from LaTeX on the server and the explanations of each step reuse ``core.*``.
"""

MESSAGES: dict[str, dict[str, str]] = {
    # ------------------------------------------------------------------ titles and navigation
    "web.title.step": {"en": "One step, live", "zh": "一步训练，实时演示"},
    "web.title.train": {"en": "Watch it learn", "zh": "看着模型学习"},
    "web.title.exercise": {"en": "Exercise", "zh": "练习"},
    "web.nav.step": {"en": "One step", "zh": "单步演示"},
    "web.nav.train": {"en": "Training", "zh": "训练"},
    "web.nav.exercise": {"en": "Exercise", "zh": "练习"},
    # ------------------------------------------------------------------ step page
    "web.step.heading": {"en": "Your problem", "zh": "你的题目"},
    "web.step.intro": {
        "en": "Change any number: the forward pass, the gradients and the update on the right "
        "follow at once. The sample x sits above the columns of W it multiplies.",
        "zh": "改动任何一个数，右边的正向传播、梯度和参数更新都会立即跟着变化。样本 x 写在"
        "它所乘的 W 各列的上方。",
    },
    "web.step.example": {"en": "Worked example", "zh": "笔记中的例子"},
    "web.step.random": {"en": "Random problem", "zh": "随机出题"},
    "web.step.load": {"en": "Open file…", "zh": "打开文件…"},
    "web.step.save": {"en": "Save as TOML", "zh": "保存为 TOML"},
    "web.step.classes": {"en": "Classes K", "zh": "类别数 K"},
    "web.step.features": {"en": "Features D", "zh": "特征数 D"},
    "web.step.add_class": {"en": "Add a class (a row of W)", "zh": "增加一个类别（W 的一行）"},
    "web.step.remove_class": {"en": "Remove the last class", "zh": "删除最后一个类别"},
    "web.step.add_feature": {
        "en": "Add a feature (a column of W)",
        "zh": "增加一个特征（W 的一列）",
    },
    "web.step.remove_feature": {"en": "Remove the last feature", "zh": "删除最后一个特征"},
    "web.step.class_col": {"en": "class", "zh": "类别"},
    "web.step.true_col": {"en": "true", "zh": "正确"},
    "web.step.class_n": {"en": "class {n}", "zh": "第 {n} 类"},
    "web.step.lr": {"en": "Learning rate", "zh": "学习率"},
    "web.step.decimals": {"en": "Decimals shown", "zh": "显示小数位"},
    "web.step.hover_hint": {
        "en": "Point at any number on the right (or tab to it) to see how it was computed. "
        "Numbers are shown rounded; the working itself uses full precision, so a line "
        "written with = holds for the numbers shown on it and a line written with ≈ takes "
        "its result from the unrounded values.",
        "zh": "把鼠标移到右边任意一个数上（或用 Tab 键选中），就能看到它是怎么算出来的"
        "。显示的数字都经过四舍五入，计算本身使用完整精度：用 = 写的式子，用式中显"
        "示的数字就能验算；用 ≈ 写的式子，结果是由未经舍入的值算出的。",
    },
    "web.step.legend_true": {"en": "the true class", "zh": "正确类别"},
    "web.step.legend_pred": {"en": "the model's guess", "zh": "模型的猜测"},
    "web.step.history": {"en": "Loss, step after step", "zh": "逐步的损失"},
    "web.step.one_more": {"en": "One more step", "zh": "再走一步"},
    "web.step.restart": {"en": "Back to the start", "zh": "回到起点"},
    "web.step.chart_x": {"en": "step", "zh": "步"},
    "web.step.step_n": {"en": "step {n}", "zh": "第 {n} 步"},
    "web.step.status": {
        "en": "Step {n}: loss {loss}; after this step's update it will be {after}.",
        "zh": "第 {n} 步：损失 {loss}；按这一步更新之后将变为 {after}。",
    },
    "web.step.stale": {
        "en": "The numbers below belong to the last valid input; fix the field marked in red.",
        "zh": "下面的数字对应上一次有效的输入；请先改正标红的字段。",
    },
    "web.exp.page_size": {
        "en": "have {kmin} to {kmax} rows (classes) and {dmin} to {dmax} columns (features) on "
        "this page",
        "zh": "在本页面中有 {kmin} 到 {kmax} 行（类别）、{dmin} 到 {dmax} 列（特征）",
    },
    # ------------------------------------------------------------------ train page
    "web.train.heading": {"en": "Train on real data", "zh": "在真实数据上训练"},
    "web.train.intro": {
        "en": "The same formulas as the step page, now on whole mini-batches of images. Only the "
        "data sets already on this computer are offered; nothing is downloaded.",
        "zh": "和单步演示相同的公式，现在作用在整批图片上。这里只列出本机已有的数据集，"
        "不会下载任何东西。",
    },
    "web.train.dataset": {"en": "Data set", "zh": "数据集"},
    "web.train.init": {"en": "Initialisation", "zh": "初始化"},
    "web.train.normalize": {"en": "Normalisation", "zh": "归一化"},
    "web.train.lr": {"en": "Learning rate", "zh": "学习率"},
    "web.train.batch_size": {"en": "Batch size", "zh": "批大小"},
    "web.train.epochs": {"en": "Epochs", "zh": "轮数"},
    "web.train.momentum": {"en": "Momentum", "zh": "动量"},
    "web.train.seed": {"en": "Seed", "zh": "随机种子"},
    "web.train.start": {"en": "Start", "zh": "开始"},
    "web.train.stop": {"en": "Stop", "zh": "停止"},
    "web.train.unavailable": {"en": "not on this computer", "zh": "本机没有"},
    "web.train.sizes": {
        "en": "{n} training and {m} test samples, {k} classes.",
        "zh": "{n} 个训练样本，{m} 个测试样本，{k} 个类别。",
    },
    "web.train.schedule_note": {
        "en": (
            "As handprop train does by default, the step size stays constant and the model "
            "kept is the average of the weights after every step from the middle of epoch 1."
        ),
        "zh": (
            "与 handprop train 的默认做法相同：步长保持不变，"
            "最终模型取从第 1 轮一半起每一步权重的平均。"
        ),
    },
    "web.train.status.idle": {"en": "Ready.", "zh": "准备就绪。"},
    "web.train.status.loading": {"en": "Loading the data…", "zh": "正在读取数据…"},
    "web.train.status.started": {
        "en": "Training on {n} samples; testing on {m} after every epoch…",
        "zh": "正在用 {n} 个样本训练；每轮结束后在 {m} 个样本上测试…",
    },
    "web.train.status.epoch": {
        "en": "Epoch {epoch} of {epochs}: training loss {loss}, test accuracy {acc}.",
        "zh": "第 {epoch} 轮（共 {epochs} 轮）：训练损失 {loss}，测试准确率 {acc}。",
    },
    "web.train.status.done": {
        "en": "Done after {epochs} epochs: test accuracy {acc}.",
        "zh": "训练完成，共 {epochs} 轮：测试准确率 {acc}。",
    },
    "web.train.status.stopped": {
        "en": "Stopped after {epochs} complete epochs; the weights so far give test "
        "accuracy {acc}.",
        "zh": "已停止，完成了 {epochs} 整轮；目前的权重在测试集上的准确率为 {acc}。",
    },
    "web.train.status.failed": {
        "en": "Training stopped with an error.",
        "zh": "训练因出错而停止。",
    },
    "web.train.loss_chart": {"en": "Loss", "zh": "损失"},
    "web.train.acc_chart": {"en": "Accuracy", "zh": "准确率"},
    "web.train.legend.batch": {"en": "each batch", "zh": "每个批次"},
    "web.train.legend.train": {"en": "training (epoch)", "zh": "训练（每轮）"},
    "web.train.legend.test": {"en": "test (epoch)", "zh": "测试（每轮）"},
    "web.train.axis.epoch": {"en": "epoch", "zh": "轮"},
    "web.train.empty": {"en": "Press Start to train.", "zh": "按“开始”进行训练。"},
    "web.train.weights": {"en": "What each class looks for", "zh": "每个类别在找什么"},
    "web.train.weights_hint": {
        "en": "Row k of W drawn as an image: red pixels raise the score of class k, blue ones "
        "lower it. They start as noise and take shape epoch by epoch.",
        "zh": "把 W 的第 k 行画成图片：红色像素提高第 k 类的得分，蓝色像素降低它。"
        "一开始是噪声，随着一轮轮训练逐渐成形。",
    },
    "web.train.confusion": {"en": "Confusion matrix (test set)", "zh": "混淆矩阵（测试集）"},
    "web.train.confusion_hint": {
        "en": "Row: the true class; column: the model's answer. The diagonal holds the right "
        "answers; a dark cell off it is a pair of classes the model mixes up.",
        "zh": "行是真实类别，列是模型的回答。对角线上是答对的；对角线外颜色深的格子，"
        "表示模型容易混淆的一对类别。",
    },
    "web.train.true_pred": {"en": "true \\ predicted", "zh": "真实 \\ 预测"},
    "web.train.cell": {
        "en": "true {true}, predicted {pred}: {n} ({share} of {true})",
        "zh": "真实 {true}，预测 {pred}：{n} 个（占 {true} 的 {share}）",
    },
    # ------------------------------------------------------------------ exercise page
    "web.ex.heading": {"en": "Work it by hand", "zh": "动手算一算"},
    "web.ex.intro": {
        "en": "A fresh problem with friendly numbers. Compute each quantity on paper, type it "
        "in, and the checker tells you, cell by cell, what is right and where a mistake began.",
        "zh": "一道数字友好的新题。在纸上算出每个量，填进来，检查器会逐格告诉你哪些对了、"
        "错误从哪里开始。",
    },
    "web.ex.classes": {"en": "Classes", "zh": "类别数"},
    "web.ex.features": {"en": "Features", "zh": "特征数"},
    "web.ex.seed": {"en": "Seed", "zh": "随机种子"},
    "web.ex.seed_random": {"en": "random", "zh": "随机"},
    "web.ex.seed_shown": {
        "en": "Seed {seed}: the same seed gives the same problem.",
        "zh": "种子 {seed}：相同的种子会给出相同的题目。",
    },
    "web.ex.decimals": {"en": "Your rounding (decimals)", "zh": "你保留的小数位数"},
    "web.ex.new": {"en": "New problem", "zh": "换一道题"},
    "web.ex.given": {"en": "Given", "zh": "已知"},
    "web.ex.answers": {"en": "Your answers", "zh": "你的答案"},
    "web.ex.check": {"en": "Check", "zh": "检查"},
    "web.ex.hint": {
        "en": "Answers are checked as you type. Leave a quantity blank until you get to it.",
        "zh": "边填边检查。还没算到的量可以先留空。",
    },
    "web.ex.status.partial": {"en": "incomplete", "zh": "未填完"},
    "web.ex.partial": {
        "en": "Only some entries are filled in: each is compared with the exact value; the "
        "whole quantity is judged once every entry is there.",
        "zh": "只填了部分分量：每个分量先与精确值比较；全部填完后再对整个量给出判断。",
    },
    "web.ex.all_right": {
        "en": "All {n} answers so far are right.",
        "zh": "目前填写的 {n} 项全部正确。",
    },
    "web.ex.some_wrong_cells": {
        "en": "Some entries are not right yet (marked in red).",
        "zh": "有些分量还不对（已标红）。",
    },
    "web.ex.counts": {
        "en": "{correct} correct, {wrong} wrong, {carried} carried forward, {partial} incomplete, "
        "{missing} not started.",
        "zh": "{correct} 项正确，{wrong} 项错误，{carried} 项沿用前错，{partial} 项未填完，"
        "{missing} 项未开始。",
    },
    # ------------------------------------------------------------------ errors of the server
    "web.err.too_big": {
        "en": "the request is too large: at most {limit} bytes are accepted.",
        "zh": "请求太大：最多接受 {limit} 字节。",
    },
    "web.err.content_type": {
        "en": "the request must be JSON (Content-Type: application/json).",
        "zh": "请求必须是 JSON（Content-Type: application/json）。",
    },
    "web.err.json": {
        "en": "the request is not valid JSON.",
        "zh": "请求不是合法的 JSON。",
    },
    "web.err.not_found": {"en": "not found.", "zh": "未找到。"},
    "web.err.method": {"en": "this method is not allowed here.", "zh": "此处不允许该请求方法。"},
    "web.err.run": {
        "en": "no such training run (it may have been replaced by a newer one).",
        "zh": "没有这个训练任务（可能已被新的任务取代）。",
    },
    "web.err.busy": {
        "en": "a training run is already going; stop it first (one run at a time).",
        "zh": "已经有一个训练在进行；请先停止它（同一时间只能运行一个）。",
    },
    "web.err.no_text": {
        "en": "{where}: the file's text is missing.",
        "zh": "{where}：缺少文件内容。",
    },
    # what a request's fields must be (``err.must``: "<where>: <name> must <expected>; got ...")
    "web.name.body": {"en": "the request body", "zh": "请求体"},
    "web.exp.body": {
        "en": "be a JSON object with the fields {fields}",
        "zh": "是一个 JSON 对象，字段为 {fields}",
    },
    "web.exp.problem": {
        "en": "be an object (a table) with the keys X, W, b, y, lr",
        "zh": "是一个对象（键值表），键为 X、W、b、y、lr",
    },
    "web.exp.answers": {
        "en": "be an object (a table) of quantities, each name ({names}) mapped to its numbers",
        "zh": "是一个由各个量组成的对象（键值表），每个量名（{names}）对应它的数值",
    },
    "web.exp.settings": {
        "en": "be an object (a table) with the settings {names}",
        "zh": "是一个对象（键值表），可含设置 {names}",
    },
    "web.exp.text": {
        "en": "be the file's contents as a string",
        "zh": "是以字符串给出的文件内容",
    },
    "web.exp.filename": {"en": "be a string (the file's name)", "zh": "是字符串（文件名）"},
    "web.exp.lang": {"en": 'be "en" or "zh"', "zh": '是 "en" 或 "zh"'},
    "web.json.null": {"en": "null", "zh": "null"},
    "web.json.boolean": {"en": "a boolean", "zh": "布尔值"},
    "web.json.number": {"en": "a number", "zh": "数字"},
    "web.json.string": {"en": "a string", "zh": "字符串"},
    "web.json.array": {"en": "an array (a list)", "zh": "数组（列表）"},
    "web.json.object": {"en": "an object", "zh": "对象"},
    # ------------------------------------------------------------------ handprop serve
    "web.serve.help": {
        "en": "Serve the web explorer (the step page, training you can watch, exercises) on a "
        "local address; it works offline and sends nothing anywhere.",
        "zh": "在本机地址上启动网页版（单步演示、可观看的训练、练习）；无需联网，也不向外发送任何"
        "数据。",
    },
    "web.serve.help.host": {
        "en": "Address to listen on. The default 127.0.0.1 is reachable from this computer only.",
        "zh": "监听的地址。默认的 127.0.0.1 只能从本机访问。",
    },
    "web.serve.help.port": {
        "en": "Port to listen on (0 picks a free one).",
        "zh": "监听的端口（0 表示自动选一个空闲端口）。",
    },
    "web.serve.help.open": {
        "en": "Open the page in the web browser.",
        "zh": "在浏览器中打开页面。",
    },
    "web.serve.address": {
        "en": "handprop web explorer: {url}  (Ctrl-C to stop)",
        "zh": "handprop 网页版：{url}（按 Ctrl-C 停止）",
    },
    "web.serve.exposed": {
        "en": "Note: listening on {host}, so other computers that can reach this one can open "
        "the page too.",
        "zh": "注意：正在监听 {host}，能访问本机的其他电脑也可以打开这个页面。",
    },
    "web.serve.stopped": {"en": "Stopped.", "zh": "已停止。"},
    "web.err.bind": {
        "en": "serve: cannot listen on {host} port {port} ({reason}); try another --port.",
        "zh": "serve：无法在 {host} 的 {port} 端口监听（{reason}）；请换一个 --port。",
    },
    "web.err.missing_dependency": {
        "en": "serve: the web explorer needs the package {package}; install it with "
        "pip install 'handprop[web]'.",
        "zh": "serve：网页版需要 {package} 包；请用 pip install 'handprop[web]' 安装。",
    },
}
