"""Accelerators: ``mlsysim.hardware.types.HardwareNode`` and its SI spec."""
