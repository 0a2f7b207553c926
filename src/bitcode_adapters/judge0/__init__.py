"""The judge on a Judge0 CE server: batches, polling or callbacks, retries."""

from bitcode_adapters.judge0.callbacks import CALLBACK_PATH, CallbackInbox
from bitcode_adapters.judge0.client import Backoff, Credentials, Judge0Client
from bitcode_adapters.judge0.judge import Judge0Judge, Judge0Options, Judge0Program

__all__ = [
    "CALLBACK_PATH",
    "Backoff",
    "CallbackInbox",
    "Credentials",
    "Judge0Client",
    "Judge0Judge",
    "Judge0Options",
    "Judge0Program",
]
