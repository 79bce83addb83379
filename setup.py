"""The compiled kernel; everything else about the package is in pyproject.toml.

``optional=True``: without a C compiler the package still installs and trains with its NumPy
engines (``engine="fused"``), only slower.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "handprop._native",
            sources=["src/handprop/_native.c"],
            extra_compile_args=[
                "-O3",
                "-std=c99",
                "-pthread",
                "-Wall",
                "-Wextra",
                "-Wno-unused-parameter",
            ],
            extra_link_args=["-pthread"],
            optional=True,
        )
    ]
)
