"""Writers: atomic dataset files, manifest, COCO."""
from .dataset import DatasetWriter, atomic_write, encode_png, frame_name

__all__ = ["DatasetWriter", "atomic_write", "encode_png", "frame_name"]
