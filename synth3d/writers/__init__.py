"""Writers: atomic dataset files, manifest, and the dataset formats (COCO, BOP, YOLO, WebDataset)."""

from .dataset import DatasetWriter
from .files import atomic_write, encode_png, frame_name

__all__ = ["DatasetWriter", "atomic_write", "encode_png", "frame_name"]
