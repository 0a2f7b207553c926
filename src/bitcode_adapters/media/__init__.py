"""Media adapters: the Pillow image codec and the stores for the ``MediaStorage``
port (ImageKit, files on disk, memory)."""

from bitcode_adapters.media.imagekit import ImageKitMediaStorage, imagekit_client
from bitcode_adapters.media.local import LocalMediaStorage
from bitcode_adapters.media.memory import InMemoryMediaStorage
from bitcode_adapters.media.pillow_codec import PillowImageCodec

__all__ = [
    "ImageKitMediaStorage",
    "InMemoryMediaStorage",
    "LocalMediaStorage",
    "PillowImageCodec",
    "imagekit_client",
]
