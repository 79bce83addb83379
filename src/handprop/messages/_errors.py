"""Error messages shared by every area: key -> {"en": ..., "zh": ...}.

Shape: ``<where>: <name> must <expectation>; got <actual>.`` as in scikit-learn's validation.
"""

MESSAGES: dict[str, dict[str, str]] = {
    "err.prefix": {"en": "Error: {message}", "zh": "错误：{message}"},
    "err.must": {
        "en": "{where}: {name} must {expected}; got {got}.",
        "zh": "{where}：{name} 应当{expected}；实际为 {got}。",
    },
    "err.choice": {
        "en": "{name} must be one of {choices}; got {got}.",
        "zh": "{name} 必须是 {choices} 之一；实际为 {got}。",
    },
    "err.interrupted": {"en": "Interrupted.", "zh": "已中断。"},
    "err.bug": {
        "en": "internal error ({kind}: {detail}); rerun with --traceback and report it.",
        "zh": "内部错误（{kind}：{detail}）；请加 --traceback 重新运行并报告。",
    },
    "got.array": {
        "en": "array of shape {shape} and dtype {dtype}",
        "zh": "形状为 {shape}、类型为 {dtype} 的数组",
    },
    "got.shape": {"en": "shape {shape}", "zh": "形状 {shape}"},
    "got.ndim_shape": {"en": "{ndim}-D, shape {shape}", "zh": "{ndim} 维，形状 {shape}"},
    "got.sequence": {"en": "{kind} of length {n}", "zh": "长度为 {n} 的 {kind}"},
    "exp.ndim": {"en": "be a {ndim}-D array", "zh": "是 {ndim} 维数组"},
    "exp.shape": {
        "en": "have shape {shape}",
        "zh": "是形状为 {shape} 的数组",
    },
    "exp.per_column": {
        "en": "have {n} numbers, one for each column of W (W is {K} × {D})",
        "zh": "有 {n} 个数，与 W 的列数相同（W 是 {K} × {D} 矩阵）",
    },
    "exp.per_row": {
        "en": "have {n} numbers, one for each row of W (W is {K} × {D})",
        "zh": "有 {n} 个数，与 W 的行数相同（W 是 {K} × {D} 矩阵）",
    },
    "exp.finite": {
        "en": "contain only finite numbers (no NaN or inf)",
        "zh": "只包含有限数值（不能有 NaN 或 inf）",
    },
    "exp.numeric": {"en": "contain only numbers", "zh": "只包含数字"},
    "exp.positive": {"en": "be a finite number > 0", "zh": "是大于 0 的有限数"},
    "exp.nonnegative": {"en": "be a finite number >= 0", "zh": "是不小于 0 的有限数"},
    "exp.positive_int": {"en": "be an integer >= 1", "zh": "是不小于 1 的整数"},
    "exp.class_index": {
        "en": "be a class index in 0..{max_index}",
        "zh": "是 0 到 {max_index} 之间的类别编号",
    },
    "exp.y": {
        "en": "be a class index in 0..{max_index} or a one-hot list of {K} numbers",
        "zh": "是 0 到 {max_index} 之间的类别编号，或由 {K} 个数组成的独热列表",
    },
    "exp.nonempty": {"en": "not be empty", "zh": "非空"},
    "exp.same_length": {
        "en": "have as many rows as {other} ({n})",
        "zh": "与 {other} 的行数相同（{n}）",
    },
    "exp.at_most": {"en": "be at most {limit}", "zh": "不超过 {limit}"},
    "exp.range": {"en": "be in [{low}, {high}]", "zh": "在 [{low}, {high}] 范围内"},
    "exp.int_range": {
        "en": "be an integer from {low} to {high}",
        "zh": "是 {low} 到 {high} 之间的整数",
    },
}
