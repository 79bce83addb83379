"""Messages of ``handprop export`` and :mod:`handprop.onnx`: key -> {"en": ..., "zh": ...}."""

MESSAGES: dict[str, dict[str, str]] = {
    "export.help": {
        "en": "Export a model file as an ONNX graph (with its normalisation) or as a PyTorch "
        "nn.Linear state_dict.",
        "zh": "把模型文件导出为 ONNX 计算图（含其归一化）或 PyTorch nn.Linear 的 state_dict。",
    },
    "export.help.format": {
        "en": "onnx: a graph from raw features to label and probabilities; state-dict: the "
        "weight and bias of nn.Linear, saved with torch.save.",
        "zh": "onnx：从原始特征到类别与概率的完整计算图；state-dict：nn.Linear 的权重和偏置，"
        "用 torch.save 保存。",
    },
    "export.help.output": {
        "en": "The file to write (its folder must exist).",
        "zh": "要写入的文件（所在文件夹必须已存在）。",
    },
    "export.help.opset": {
        "en": "The ONNX opset of the graph (17 or later).",
        "zh": "计算图使用的 ONNX opset 版本（17 或更高）。",
    },
    "export.err.missing_package": {
        "en": "{where}: this export needs the package {package}; install it with "
        "pip install 'handprop[{extra}]'.",
        "zh": "{where}：这种导出需要 {package} 包；请用 pip install 'handprop[{extra}]' 安装。",
    },
    "export.err.step": {
        "en": "to_onnx: skl2onnx cannot convert the pipeline step {step}; every step needs an "
        "ONNX converter ({reason}).",
        "zh": "to_onnx：skl2onnx 无法转换流水线中的步骤 {step}；每一步都需要有 ONNX 转换器"
        "（{reason}）。",
    },
    "export.exp.labels": {
        "en": "be strings or integers that fit in int64",
        "zh": "是字符串或能放进 int64 的整数",
    },
    "export.exp.opset": {
        "en": "be an integer from {low} to {high}",
        "zh": "是 {low} 到 {high} 之间的整数",
    },
    "export.exp.sample": {
        "en": "be a sample of the pipeline's input (such as X[:1]), which sets the graph's "
        "input type",
        "zh": "是流水线输入的样本（例如 X[:1]），用来确定计算图的输入类型",
    },
    "export.done.onnx": {
        "en": "Wrote {path}: ONNX opset {opset}; input X (N, {D}) float32, normalised inside "
        "({norm}); outputs label (N,) and probabilities (N, {K}).",
        "zh": "已写入 {path}：ONNX opset {opset}；输入 X (N, {D}) float32，在图内归一化"
        "（{norm}）；输出 label (N,) 和 probabilities (N, {K})。",
    },
    "export.done.state_dict": {
        "en": "Wrote {path}: the state_dict of nn.Linear({D}, {K}) (weight, bias); "
        "normalise the inputs first ({norm}).",
        "zh": "已写入 {path}：nn.Linear({D}, {K}) 的 state_dict（weight、bias）；"
        "输入需先归一化（{norm}）。",
    },
    "export.norm.none": {"en": "none: raw values", "zh": "无：使用原始数值"},
    "export.norm.scale": {"en": "scale: x / {m}", "zh": "scale：x / {m}"},
    "export.norm.center": {"en": "center: 2 x / {m} - 1", "zh": "center：2 x / {m} - 1"},
    "export.norm.standardize": {
        "en": "standardize: (x - mean) / std per feature, from the training set",
        "zh": "standardize：按特征 (x - 均值) / 标准差，取自训练集",
    },
}
