"""Fixed sets of options, parsed once at the edges (CLI, Excel, keyword arguments)."""

from __future__ import annotations

from enum import StrEnum

from .errors import InvalidInputError
from .names import closest, normalize


class Precision(StrEnum):
    """Numeric formats with their storage size; values are the catalog's keys."""

    FP64 = "fp64"
    FP32 = "fp32"
    TF32 = "tf32"
    BF16 = "bf16"
    FP16 = "fp16"
    FP8 = "fp8"
    FP4 = "fp4"  # OCP MXFP4 / NVIDIA NVFP4 (Blackwell, MI355X): 4-bit floats with block scales
    INT8 = "int8"
    INT4 = "int4"

    @property
    def bytes_per_element(self) -> float:
        return _BYTES[self]

    @classmethod
    def parse(cls, value: str | Precision, argument: str = "precision") -> Precision:
        """Accept ``"fp16"``, ``"FP16"``, ``"float16"``, ``"half"``...; raise naming the valid set."""
        if isinstance(value, Precision):
            return value
        exact = _ALIASES.get(value)  # "fp16" as written needs no normalising
        if exact is not None:
            return exact
        key = normalize(str(value))
        found = _ALIASES.get(key)
        if found is None:
            valid = [p.value for p in cls]
            hint = closest(str(value), valid)
            near = f" (closest: {', '.join(hint)})" if hint else ""
            raise InvalidInputError(argument, value, f"expected one of {', '.join(valid)}{near}")
        return found


_BYTES = {
    Precision.FP64: 8.0,
    Precision.FP32: 4.0,
    Precision.TF32: 4.0,  # stored as fp32; only the tensor-core math is reduced
    Precision.BF16: 2.0,
    Precision.FP16: 2.0,
    Precision.FP8: 1.0,
    Precision.FP4: 0.5,  # block scales (1 byte per 16 or 32 elements) not counted
    Precision.INT8: 1.0,
    Precision.INT4: 0.5,
}

_ALIASES: dict[str, Precision] = {p.value: p for p in Precision} | {
    "float64": Precision.FP64,
    "double": Precision.FP64,
    "float32": Precision.FP32,
    "float": Precision.FP32,
    "single": Precision.FP32,
    "bfloat16": Precision.BF16,
    "float16": Precision.FP16,
    "half": Precision.FP16,
    "float8": Precision.FP8,
    "fp8e4m3": Precision.FP8,
    "float4": Precision.FP4,
    "mxfp4": Precision.FP4,
    "nvfp4": Precision.FP4,
}


class Bottleneck(StrEnum):
    """Which roofline ceiling bounds a workload (Williams et al. 2009)."""

    COMPUTE = "Compute"
    MEMORY = "Memory"
