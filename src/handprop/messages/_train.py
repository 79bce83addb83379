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
}
