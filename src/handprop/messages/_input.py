"""Messages of input handling: reading users' files, writing files safely, command-line usage.

key -> {"en": ..., "zh": ...}. The reading and writing errors themselves reuse the core keys
(``core.err.read``, ``core.err.write``, ``core.err.file_too_big``, ``core.err.encoding``); the
pieces here fill their parameters or cover what those keys do not.
"""

MESSAGES: dict[str, dict[str, str]] = {
    "input.reason.not_regular": {
        "en": "not a regular file",
        "zh": "不是普通文件",
    },
    "input.detail.duplicate_key": {
        "en": "the key {name} is given twice",
        "zh": "键 {name} 出现了两次",
    },
    "input.detail.too_deep": {
        "en": "nested too deeply",
        "zh": "嵌套层数过多",
    },
    "input.exp.magnitude": {
        "en": "be a number between -{limit} and {limit}",
        "zh": "是 -{limit} 到 {limit} 之间的数",
    },
    "input.exp.seed": {
        "en": "be an integer >= 0",
        "zh": "是不小于 0 的整数",
    },
    "input.err.os": {
        "en": "{where}: the operation on this file failed ({reason}).",
        "zh": "{where}：对该文件的操作失败（{reason}）。",
    },
}
